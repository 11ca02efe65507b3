/**
 * `npm run catalogue`: the product catalogue of an environment, imported from and exported to a
 * file (the work: ops/catalogue/). The same code for AWS and for the local runtime (ops/target.ts); the local runtime seeds
 * its own fixtures through the same import.
 */
import * as fs from "node:fs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ENVIRONMENT_NAMES } from "../stacks/environments";
import { documentClientFor, OpsTarget, resolveTarget } from "../ops/target";
import { CatalogueError } from "../ops/catalogue/read";
import { importCatalogueFile, ImportResult } from "../ops/catalogue/import";
import { catalogueJson, exportCatalogue } from "../ops/catalogue/export";
import { MAX_STOCK_SHARDS } from "../contract/product";
import { parseCommandLine, UsageError } from "../ops/cli";
import { runAsMain, runCommand } from "./frame";

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

/** A catalogue file's problems, one a line, and that nothing was written. */
function catalogueProblems(error: CatalogueError, command: string | undefined): string[] {
  const nothing = `nothing was ${command === "export" ? "exported" : "written"}`;
  if (error.problems.length === 1) return [`catalogue: ${error.message}; ${nothing}`];
  return [
    ...error.problems.map((problem) => `  ${problem}`),
    `catalogue: ${error.file}: ${error.problems.length} problems; ${nothing}`,
  ];
}

export async function main(argv: string[]): Promise<number> {
  let command: string | undefined;
  const frame = {
    name: "catalogue",
    usage: USAGE,
    describe: (error: unknown) => (error instanceof CatalogueError ? catalogueProblems(error, command) : undefined),
  };
  return runCommand(frame, argv, async (reached) => {
    const args = parse(argv);
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
    const target = resolveTarget(env);
    const endpoint = typeof target.dynamodb.endpoint === "string" ? target.dynamodb.endpoint : undefined;
    reached({ target, service: "DYNAMODB", endpoint, resource: `table ${target.tables.products}` });
    const ddb = documentClientFor(target);
    try {
      if (command === "import") await runImport(ddb, target, operands[0], args);
      else await runExport(ddb, target, out);
    } finally {
      ddb.destroy();
    }
    return 0;
  });
}

runAsMain(module, main);
