/**
 * `npm run catalogue`: the product catalogue of an environment, imported from and exported to a
 * file. The same code for AWS and for the local runtime (ops/target.ts); the local runtime seeds
 * its own fixtures through the same import.
 */
import * as fs from "node:fs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ENVIRONMENT_NAMES } from "../stacks/environments";
import { documentClientFor, OpsTarget, resolveTarget, UnknownEnvironmentError } from "./target";
import { CatalogueError } from "./catalogue/read";
import { importCatalogueFile, ImportResult } from "./catalogue/import";
import { catalogueJson, exportCatalogue } from "./catalogue/export";
import { MAX_STOCK_SHARDS } from "../contract/product";
import { parseCommandLine, UsageError } from "./cli";

// The SDK warns per client on Node 20 (past end of life); Lambda runs Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const USAGE = `Usage:
  npm run catalogue -- import <file> --env <env> [--dry-run] [--set-stock]
  npm run catalogue -- export --env <env> [--out <file>]

  --env <env>    ${ENVIRONMENT_NAMES.join(", ")}. AWS environments use the default credential chain
                 (AWS_PROFILE, SSO, environment variables) and the environment's region; local uses
                 the runtime of \`npm start\` (AWS_ENDPOINT_URL_DYNAMODB, default http://localhost:8000).

import <file>    A .json file (an array of products, like local/fixtures/products.json) or a .csv file
                 (a header row, then one product a row). Every product has these fields:
                   sku             1 to 64 upper-case letters, digits or dashes; once per file
                   name            not empty
                   unitPriceCents  a whole number of cents, 0 or more
                   currency        EUR, USD or GBP
                   stock           a whole number, 0 or more: a new product starts with it; a product
                                   that exists keeps its own stock unless --set-stock
                 and may have (a CSV column that may be left out, or left empty in a row):
                   stockShards     1 to ${MAX_STOCK_SHARDS} (default 1): the stock is split over this many items, so
                                   that more orders a second can reserve it (a flash-sale SKU); to
                                   change it for an existing product, also give --set-stock
                 The whole file is checked first: if any row is invalid, every problem is listed and
                 nothing is written. Then each product is created, updated (name, price or currency
                 differ) or left unchanged; running the same import again changes nothing.
  --dry-run      Show what would be created, updated and left unchanged; write nothing.
  --set-stock    Also set the stock of existing products to the file's (e.g. after a stock count),
                 split over its stockShards. Without it, stock that orders are reserving is never
                 touched, and a changed stockShards is refused.

export           Every product of the environment, sorted by SKU, as JSON in the import's shape
                 (a sharded product once, with the stock of all its shards).
  --out <file>   Write to <file> instead of standard output.

Exit status: 0 on success, 1 when anything failed, 2 for a usage error.`;

function parse(argv: string[]) {
  return parseCommandLine(argv, {
    env: { type: "string" },
    "dry-run": { type: "boolean" },
    "set-stock": { type: "boolean" },
    out: { type: "string" },
  });
}

function summary(result: ImportResult): string {
  return `created ${result.created.length}, updated ${result.updated.length}, unchanged ${result.unchanged.length}`;
}

async function runImport(ddb: DynamoDBDocumentClient, target: OpsTarget, file: string, args: ReturnType<typeof parse>) {
  const dryRun = args.values["dry-run"] ?? false;
  const table = target.tables.products;
  const result = await importCatalogueFile(ddb, table, file, { dryRun, setStock: args.values["set-stock"] });
  if (!dryRun) {
    console.log(`${table} in ${target.description}: ${summary(result)}`);
    return;
  }
  console.log(`${table} in ${target.description}: ${summary(result)} (dry run: nothing was written)`);
  for (const kind of ["created", "updated", "unchanged"] as const) {
    if (result[kind].length > 0) console.log(`  ${kind}: ${result[kind].join(", ")}`);
  }
}

async function runExport(ddb: DynamoDBDocumentClient, target: OpsTarget, out: string | undefined) {
  const table = target.tables.products;
  const products = await exportCatalogue(ddb, table);
  const text = catalogueJson(products);
  if (out === undefined) process.stdout.write(text);
  else fs.writeFileSync(out, text);
  console.error(
    `exported ${products.length} products from ${table} in ${target.description}${out ? ` to ${out}` : ""}`,
  );
}

/** Errors whose SDK wording leaves an operator guessing, said in terms of the command. */
function explained(error: Error, target: OpsTarget): string {
  const local = target.settings.name === "local";
  const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  if (error.name === "ResourceNotFoundException") {
    const hint = local
      ? "is this the local runtime's DynamoDB (npm start)?"
      : `is the ${target.settings.name} stack deployed?`;
    return `table ${target.tables.products} does not exist in ${target.description}: ${hint}`;
  }
  if (code === "ECONNREFUSED" && local)
    return `nothing answers for ${target.description}: start the local runtime (npm start), or point AWS_ENDPOINT_URL_DYNAMODB at its DynamoDB`;
  if (error.name === "CredentialsProviderError")
    return `no AWS credentials for ${target.description}: ${error.message}`;
  return error.message;
}

export async function main(argv: string[]): Promise<number> {
  let target: OpsTarget | undefined;
  let command: string | undefined;
  try {
    const args = parse(argv);
    if (args.values.help) {
      console.log(USAGE);
      return 0;
    }
    const [first, ...operands] = args.positionals;
    command = first;
    const { env, out } = args.values;
    if (command !== "import" && command !== "export")
      throw new UsageError(command ? `unknown command "${command}": use import or export` : "no command given");
    if (env === undefined) throw new UsageError(`--env is required: one of ${ENVIRONMENT_NAMES.join(", ")}`);
    const expected = command === "import" ? 1 : 0;
    if (operands.length !== expected)
      throw new UsageError(command === "import" ? "import takes one file" : `export takes no file (use --out)`);
    if (command === "import" && out !== undefined) throw new UsageError("--out is for export");
    if (command === "export" && (args.values["dry-run"] || args.values["set-stock"]))
      throw new UsageError("--dry-run and --set-stock are for import");
    target = resolveTarget(env);
    const ddb = documentClientFor(target);
    try {
      if (command === "import") await runImport(ddb, target, operands[0], args);
      else await runExport(ddb, target, out);
    } finally {
      ddb.destroy();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof UnknownEnvironmentError) {
      console.error(`catalogue: ${error.message} (see --help)`);
      return 2;
    }
    if (error instanceof CatalogueError) {
      const nothing = `nothing was ${command === "export" ? "exported" : "written"}`;
      if (error.problems.length === 1) {
        console.error(`catalogue: ${error.message}; ${nothing}`);
        return 1;
      }
      for (const problem of error.problems) console.error(`  ${problem}`);
      console.error(`catalogue: ${error.file}: ${error.problems.length} problems; ${nothing}`);
      return 1;
    }
    console.error(`catalogue: ${target ? explained(error as Error, target) : (error as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => (process.exitCode = status));
}
