/**
 * Imports a catalogue into a products table: reads what the table holds for the file's SKUs,
 * classifies each product as created, updated or unchanged, and writes only the difference.
 * Running the same import again changes nothing, so an import that stopped part-way is finished
 * by running it again. A sharded SKU (stockShards > 1) is its product item and its shard items
 * (contract/product.ts); its stock, read or set, is theirs.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { CATALOGUE_FIELDS, Product, SHARD_OF, shardsOf, splitStock, stockItemKeys } from "../../contract/product";
import { chunks, DEFAULT_RETRY, untilDrained } from "../batches";
import { RetryPolicy } from "../../lambda-src/shared/retry";
import { CatalogueError, readCatalogue } from "./read";
import { CatalogueEntry, productOf } from "./row";
import { validateCatalogue, whereIs } from "./validate";

export interface ImportOptions {
  /** Set the stock of existing products to the file's; without it they keep theirs. */
  readonly setStock?: boolean;
  /** Classify only; write nothing. */
  readonly dryRun?: boolean;
  readonly retry?: RetryPolicy;
  /** For a refusal: the file, and where in it each product is ("row 3 (line 4)"). */
  readonly source?: { readonly file: string; readonly rows: readonly string[] };
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

/** A stored product; a sharded one's stock is the sum of its shards', each shard's as read. */
type Stored = Partial<Product> & { shardStocks?: (number | undefined)[] };
type Item = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: { sku: string } } };

async function getItems(
  ddb: DynamoDBDocumentClient,
  table: string,
  keys: string[],
  projection: string,
  retry: RetryPolicy,
): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  for (const batch of chunks(keys, GET_BATCH)) {
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
                ProjectionExpression: projection,
                ExpressionAttributeNames: projection.includes("#name") ? { "#name": "name" } : undefined,
              },
            },
          }),
        );
        for (const item of answer.Responses?.[table] ?? []) found.set(String(item.sku), item);
        return (answer.UnprocessedKeys?.[table]?.Keys ?? []) as { sku: string }[];
      },
      retry,
    );
  }
  return found;
}

async function readStored(
  ddb: DynamoDBDocumentClient,
  table: string,
  skus: string[],
  retry: RetryPolicy,
): Promise<Map<string, Stored>> {
  const stored = await getItems(
    ddb,
    table,
    skus,
    "sku, #name, unitPriceCents, currency, stock, stockShards, smokeTest",
    retry,
  );
  const sharded = [...stored].filter(([, product]) => shardsOf(product) > 1);
  const keys = sharded.flatMap(([sku, product]) => stockItemKeys(sku, shardsOf(product)));
  const shards = await getItems(ddb, table, keys, "sku, stock", retry);
  for (const [sku, product] of sharded) {
    const read: Stored = product;
    read.shardStocks = stockItemKeys(sku, shardsOf(product)).map((k) => {
      const stock = shards.get(k)?.stock;
      return stock === undefined ? undefined : Number(stock);
    });
    read.stock = read.shardStocks.reduce<number>((sum, stock) => sum + (stock ?? 0), 0);
  }
  return stored;
}

function differs(product: Product, stored: Stored, setStock: boolean): boolean {
  const stock = product.stock !== stored.stock || shardsOf(product) !== shardsOf(stored);
  return CATALOGUE_FIELDS.some((f) => product[f] !== stored[f]) || (setStock && stock);
}

/**
 * Without --set-stock a SKU keeps its stock, so it keeps its shards too: moving stock between
 * shards while orders reserve from them could lose or double some. With it, the stock is the
 * file's (a count), written over the new shards.
 */
function shardChanges(products: Product[], stored: Map<string, Stored>, rows: (i: number) => string): string[] {
  return products.flatMap((product, i) => {
    const current = stored.get(product.sku);
    if (!current || shardsOf(current) === shardsOf(product)) return [];
    return [
      `${rows(i)}: stockShards: ${product.sku} has ${shardsOf(current)}, the file says ${shardsOf(product)}; ` +
        "changing it needs --set-stock, which sets the SKU's stock to the file's, split over the new shards",
    ];
  });
}

/** A sharded SKU's shard items holding `stock`, split. */
function shardItems(sku: string, stock: number, shards: number): Item[] {
  const split = splitStock(stock, shards);
  return stockItemKeys(sku, shards).map((key, i) => ({ sku: key, [SHARD_OF]: sku, stock: split[i] }));
}

/** A new product's item: an unsharded one holds its stock, a sharded one names its shards. */
function productItem(entry: CatalogueEntry): Item {
  const { stock, stockShards, ...catalogue } = productOf(entry);
  return shardsOf({ stockShards }) > 1 ? { ...catalogue, stockShards } : { ...catalogue, stock };
}

async function write(
  ddb: DynamoDBDocumentClient,
  table: string,
  what: string,
  requests: WriteRequest[],
  retry: RetryPolicy,
) {
  for (const batch of chunks(requests, WRITE_BATCH)) {
    await untilDrained(
      what,
      batch,
      async (pending) => {
        const answer = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        return (answer.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      },
      retry,
    );
  }
}

const puts = (items: Item[]): WriteRequest[] => items.map((Item) => ({ PutRequest: { Item } }));
const deletes = (keys: string[]): WriteRequest[] => keys.map((sku) => ({ DeleteRequest: { Key: { sku } } }));

/** Shards first: a product item never names shards that are not there yet (orders for it would find none). */
async function create(ddb: DynamoDBDocumentClient, table: string, products: Product[], retry: RetryPolicy) {
  const shards = products.flatMap((p) => (shardsOf(p) > 1 ? shardItems(p.sku, p.stock, shardsOf(p)) : []));
  await write(ddb, table, "new stock shards", puts(shards), retry);
  await write(ddb, table, "new products", puts(products.map(productItem)), retry);
}

/**
 * Never a whole-item Put for a product that exists: inventory takes and gives back stock with
 * conditional updates at any moment (lambda-src/inventory/stock.ts), so writing back the stock read
 * a moment ago would undo the reservations made in between, and a Put would also drop any
 * attribute that is not a catalogue field. SET touches the catalogue fields only (and stock only
 * when the operator asks for it); the condition keeps a product deleted meanwhile from coming back
 * as a partial item, and, when it sets an unsharded SKU's stock, requires the stock the import read
 * (`readStock`): a reservation made in between is not overwritten, the SKU is refused by name.
 */
async function updateProduct(
  ddb: DynamoDBDocumentClient,
  table: string,
  product: Product,
  storedShards: number,
  setStock: boolean,
  readStock?: number,
) {
  // A catalogue field the row leaves out (smokeTest) is removed: the file says what the product is.
  const set: Partial<Product> = Object.fromEntries(
    CATALOGUE_FIELDS.filter((f) => product[f] !== undefined).map((f) => [f, product[f]]),
  );
  const remove: (keyof Product)[] = CATALOGUE_FIELDS.filter((f) => product[f] === undefined);
  if (setStock && shardsOf(product) > 1) {
    set.stockShards = shardsOf(product);
    remove.push("stock");
  } else if (setStock) {
    set.stock = product.stock;
    if (storedShards > 1) remove.push("stockShards");
  }
  const guardStock = setStock && shardsOf(product) <= 1 && storedShards <= 1 && readStock !== undefined;
  const fields = [...new Set([...Object.keys(set), ...remove, ...(guardStock ? ["stock"] : [])])];
  const assignments = Object.keys(set)
    .map((f) => `#${f} = :${f}`)
    .join(", ");
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: { sku: product.sku },
        UpdateExpression: `SET ${assignments}${remove.length > 0 ? ` REMOVE ${remove.map((f) => `#${f}`).join(", ")}` : ""}`,
        ConditionExpression: guardStock ? "attribute_exists(sku) AND #stock = :read" : "attribute_exists(sku)",
        ExpressionAttributeNames: Object.fromEntries(fields.map((f) => [`#${f}`, f])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(Object.entries(set).map(([f, v]) => [`:${f}`, v])),
          ...(guardStock ? { ":read": readStock } : {}),
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (!error.Item) throw new Error(`${product.sku} was deleted while the import ran`, { cause: error });
    throw stockChanged(product.sku, `read ${readStock}, now ${String(error.Item.stock?.N ?? "?")}`, error);
  }
}

/** A SKU --set-stock refuses: inventory reserved from it between the import's read and its write. */
function stockChanged(sku: string, what: string, cause: Error): Error {
  return new Error(
    `${sku}: its stock changed while the import ran (${what}): reservations were made meanwhile, ` +
      "and --set-stock would have overwritten them; nothing of it was written",
    { cause },
  );
}

/**
 * Empties the items that are about to stop holding a SKU's stock (its product item when it becomes
 * sharded, the shards it no longer has): inventory may still take from them for a moment on a
 * layout it read before the change (lambda-src/inventory/stock-items.ts), which would sell units
 * beyond the new count. Emptied, they refuse it, and inventory moves to the SKU's other items.
 */
async function emptyRetiringItems(ddb: DynamoDBDocumentClient, table: string, keys: string[]) {
  await Promise.all(
    keys.map(async (sku) => {
      try {
        await ddb.send(
          new UpdateCommand({
            TableName: table,
            Key: { sku },
            UpdateExpression: "SET stock = :none",
            ConditionExpression: "attribute_exists(stock)",
            ExpressionAttributeValues: { ":none": 0 },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error; // already gone
      }
    }),
  );
}

/**
 * With --set-stock a sharded SKU's shards are written over with the file's stock, split (a Put is
 * right for them: the count replaces their stock, and they hold nothing else), and shards it no
 * longer has are deleted. Items about to stop holding stock are emptied first (emptyRetiringItems).
 * The order keeps inventory right at each step, and a stop part-way leaves the product item as it
 * was, so running the import again redoes it: shards are written before the product item names
 * them, and removed before it stops naming them. A SKU becoming unsharded is the exception: its
 * product item takes the stock first, then the shards go (a stop between leaves emptied shard
 * items that nothing reads; inventory and export use only those named).
 */
async function update(
  ddb: DynamoDBDocumentClient,
  table: string,
  product: Product,
  stored: Stored | undefined,
  options: { setStock: boolean; retry: RetryPolicy },
) {
  const storedShards = shardsOf(stored);
  if (!options.setStock) return updateProduct(ddb, table, product, storedShards, false);
  const shards = shardsOf(product);
  if (shards > 1 && shards === storedShards && stored?.shardStocks) {
    await setShardStock(ddb, table, product, stored.shardStocks);
    return updateProduct(ddb, table, product, storedShards, false);
  }
  const kept = stockItemKeys(product.sku, shards);
  const removed = storedShards > 1 ? stockItemKeys(product.sku, storedShards).filter((k) => !kept.includes(k)) : [];
  await emptyRetiringItems(ddb, table, [...(storedShards <= 1 && shards > 1 ? [product.sku] : []), ...removed]);
  const first = shards > 1 ? [...puts(shardItems(product.sku, product.stock, shards)), ...deletes(removed)] : [];
  await write(ddb, table, "stock shards", first, options.retry);
  await updateProduct(ddb, table, product, storedShards, true, stored?.stock);
  await write(ddb, table, "stock shards", shards > 1 ? [] : deletes(removed), options.retry);
}

/**
 * A sharded SKU keeping its shard count: every shard gets its part of the file's stock in one
 * transaction, each only if it still holds what the import read (a shard never written, nothing).
 * A reservation made in between cancels the whole transaction and the SKU is refused by name, as
 * for an unsharded one. At most 100 shards: one transaction holds 100 writes.
 */
async function setShardStock(
  ddb: DynamoDBDocumentClient,
  table: string,
  product: Product,
  readStocks: (number | undefined)[],
) {
  const split = splitStock(product.stock, readStocks.length);
  const keys = stockItemKeys(product.sku, readStocks.length);
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: keys.map((key, i) => ({
          Update: {
            TableName: table,
            Key: { sku: key },
            UpdateExpression: "SET stock = :stock, #shardOf = :sku",
            ConditionExpression: readStocks[i] === undefined ? "attribute_not_exists(sku)" : "stock = :read",
            ExpressionAttributeNames: { "#shardOf": SHARD_OF },
            ExpressionAttributeValues: {
              ":stock": split[i],
              ":sku": product.sku,
              ...(readStocks[i] === undefined ? {} : { ":read": readStocks[i] }),
            },
          },
        })),
      }),
    );
  } catch (error) {
    // Cancelled for another reason (a conflict with another transaction, throttling): not a refusal.
    const conditionFailed = (error as TransactionCanceledException).CancellationReasons?.some(
      (reason) => reason.Code === "ConditionalCheckFailed",
    );
    if (!(error instanceof TransactionCanceledException) || !conditionFailed) throw error;
    const read = readStocks.reduce<number>((sum, stock) => sum + (stock ?? 0), 0);
    throw stockChanged(product.sku, `read ${read} over ${readStocks.length} shards`, error);
  }
}

async function updateAll(
  ddb: DynamoDBDocumentClient,
  table: string,
  products: Product[],
  stored: Map<string, Stored>,
  options: { setStock: boolean; retry: RetryPolicy },
) {
  for (const group of chunks(products, UPDATES_IN_PARALLEL)) {
    const outcomes = await Promise.allSettled(group.map((p) => update(ddb, table, p, stored.get(p.sku), options)));
    const failures = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as Error] : []));
    if (failures.length > 0) {
      const [first] = failures;
      const plural = failures.length > 1 ? "s" : "";
      throw new Error(`${failures.length} update${plural} failed, the first: ${first.message}`, { cause: first });
    }
  }
}

/**
 * With --set-stock, the rows whose `stockWas` is no longer the SKU's stock: orders reserved from it
 * since the file was exported, and the file's count would overwrite those reservations.
 */
function staleCounts(products: CatalogueEntry[], stored: Map<string, Stored>, rows: (i: number) => string): string[] {
  return products.flatMap(({ sku, stock, stockWas }, i) => {
    const current = stored.get(sku)?.stock;
    if (stockWas === undefined || current === undefined || current === stockWas || stock === current) return [];
    return [
      `${rows(i)}: stockWas: ${sku} holds ${current} now, the file says it held ${stockWas}: orders reserved or ` +
        `gave back stock since, and --set-stock to ${stock} would overwrite that; export again and redo the count, ` +
        "or set stockWas to what the count started from",
    ];
  });
}

/** The domain function: validated products into `table`. */
export async function importCatalogue(
  ddb: DynamoDBDocumentClient,
  table: string,
  products: CatalogueEntry[],
  options: ImportOptions = {},
): Promise<ImportResult> {
  const setStock = options.setStock ?? false;
  const retry = options.retry ?? DEFAULT_RETRY;
  const skus = products.map((p) => p.sku);
  const stored = await readStored(ddb, table, skus, retry);
  const rows = (i: number) => options.source?.rows[i] ?? `row ${i + 1}`;
  const problems = setStock ? staleCounts(products, stored, rows) : shardChanges(products, stored, rows);
  if (problems.length > 0) throw new CatalogueError(options.source?.file ?? table, problems);
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
    await updateAll(ddb, table, toUpdate, stored, { setStock, retry });
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
  const rows = readCatalogue(file);
  const products = validateCatalogue(rows, file);
  return importCatalogue(ddb, table, products, { ...options, source: { file, rows: rows.map(whereIs) } });
}
