/**
 * Imports a catalogue into a products table: reads what the table holds for the file's SKUs,
 * classifies each product as created, updated or unchanged, and writes only the difference.
 * Running the same import again changes nothing, so an import that stopped part-way is finished
 * by running it again.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { CATALOGUE_FIELDS, Product } from "../../lambda-src/shared/product";
import { chunks, DEFAULT_RETRY, RetryPolicy, untilDrained } from "../batches";
import { readCatalogue } from "./read";
import { validateCatalogue } from "./validate";

export interface ImportOptions {
  /** Set the stock of existing products to the file's; without it they keep theirs. */
  readonly setStock?: boolean;
  /** Classify only; write nothing. */
  readonly dryRun?: boolean;
  readonly retry?: RetryPolicy;
}

export interface ImportResult {
  readonly created: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  /** False for a dry run. */
  readonly written: boolean;
}

/** DynamoDB's limits per call. */
const GET_BATCH = 100;
const WRITE_BATCH = 25;
/** Single-item updates in flight at once. */
const UPDATES_IN_PARALLEL = 25;

type Stored = Partial<Product>;

async function readStored(
  ddb: DynamoDBDocumentClient,
  table: string,
  skus: string[],
  retry: RetryPolicy,
): Promise<Map<string, Stored>> {
  const stored = new Map<string, Stored>();
  for (const batch of chunks(skus, GET_BATCH)) {
    await untilDrained(
      "product keys",
      batch.map((sku) => ({ sku })),
      async (Keys) => {
        const answer = await ddb.send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys,
                ConsistentRead: true,
                ProjectionExpression: "sku, #name, unitPriceCents, currency, stock",
                ExpressionAttributeNames: { "#name": "name" },
              },
            },
          }),
        );
        for (const item of answer.Responses?.[table] ?? []) stored.set(String(item.sku), item as Stored);
        return (answer.UnprocessedKeys?.[table]?.Keys ?? []) as { sku: string }[];
      },
      retry,
    );
  }
  return stored;
}

function differs(product: Product, stored: Stored, setStock: boolean): boolean {
  return CATALOGUE_FIELDS.some((f) => product[f] !== stored[f]) || (setStock && product.stock !== stored.stock);
}

async function create(ddb: DynamoDBDocumentClient, table: string, products: Product[], retry: RetryPolicy) {
  for (const batch of chunks(products, WRITE_BATCH)) {
    await untilDrained(
      "new products",
      batch.map((Item) => ({ PutRequest: { Item } })),
      async (requests) => {
        const answer = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
        return (answer.UnprocessedItems?.[table] ?? []) as typeof requests;
      },
      retry,
    );
  }
}

/**
 * Never a whole-item Put for a product that exists: inventory takes and gives back stock with
 * conditional updates at any moment (lambda-src/inventory/stock.ts), so writing back the stock read
 * a moment ago would undo the reservations made in between, and a Put would also drop any
 * attribute that is not a catalogue field. SET touches the catalogue fields only (and stock only
 * when the operator asks for it); the condition keeps a product deleted meanwhile from coming back
 * as a partial item.
 */
async function update(ddb: DynamoDBDocumentClient, table: string, product: Product, setStock: boolean) {
  const fields: (keyof Product)[] = setStock ? [...CATALOGUE_FIELDS, "stock"] : [...CATALOGUE_FIELDS];
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: { sku: product.sku },
        UpdateExpression: `SET ${fields.map((f) => `#${f} = :${f}`).join(", ")}`,
        ConditionExpression: "attribute_exists(sku)",
        ExpressionAttributeNames: Object.fromEntries(fields.map((f) => [`#${f}`, f])),
        ExpressionAttributeValues: Object.fromEntries(fields.map((f) => [`:${f}`, product[f]])),
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      throw new Error(`${product.sku} was deleted while the import ran`, { cause: error });
    throw error;
  }
}

async function updateAll(ddb: DynamoDBDocumentClient, table: string, products: Product[], setStock: boolean) {
  for (const group of chunks(products, UPDATES_IN_PARALLEL)) {
    const outcomes = await Promise.allSettled(group.map((p) => update(ddb, table, p, setStock)));
    const failures = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as Error] : []));
    if (failures.length > 0) {
      const [first] = failures;
      const plural = failures.length > 1 ? "s" : "";
      throw new Error(`${failures.length} update${plural} failed, the first: ${first.message}`, { cause: first });
    }
  }
}

/** The domain function: validated products into `table`. */
export async function importCatalogue(
  ddb: DynamoDBDocumentClient,
  table: string,
  products: Product[],
  options: ImportOptions = {},
): Promise<ImportResult> {
  const setStock = options.setStock ?? false;
  const retry = options.retry ?? DEFAULT_RETRY;
  const skus = products.map((p) => p.sku);
  const stored = await readStored(ddb, table, skus, retry);
  const toCreate: Product[] = [];
  const toUpdate: Product[] = [];
  const unchanged: string[] = [];
  for (const product of products) {
    const current = stored.get(product.sku);
    if (!current) toCreate.push(product);
    else if (differs(product, current, setStock)) toUpdate.push(product);
    else unchanged.push(product.sku);
  }
  const result = { created: toCreate.map((p) => p.sku), updated: toUpdate.map((p) => p.sku), unchanged };
  if (options.dryRun) return { ...result, written: false };
  try {
    // BatchWriteItem takes no condition: a product that another import created between the read
    // above and this write would be replaced. Only two imports of the same new SKU at once do that.
    await create(ddb, table, toCreate, retry);
    await updateAll(ddb, table, toUpdate, setStock);
  } catch (error) {
    throw new Error(
      `the import stopped part-way (${(error as Error).message}); running the same import again finishes it`,
      { cause: error },
    );
  }
  return { ...result, written: true };
}

/** Reads and validates the whole file first: nothing is written when any row is invalid. */
export async function importCatalogueFile(
  ddb: DynamoDBDocumentClient,
  table: string,
  file: string,
  options: ImportOptions = {},
): Promise<ImportResult> {
  return importCatalogue(ddb, table, validateCatalogue(readCatalogue(file), file), options);
}
