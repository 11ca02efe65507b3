/**
 * Which items hold a SKU's stock (the layout in lambda-src/shared/product.ts): the product's own
 * item, or for a sharded SKU its shard items. Inventory reads the product items to know which, and
 * spreads concurrent orders for a sharded SKU over its shards.
 */
import { createHash } from "node:crypto";
import { BatchGetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { shardsOf, stockItemKeys } from "../shared/product";

/** Each SKU's shard count, as its product item says (1: unsharded, or no such product). */
export type Layouts = ReadonlyMap<string, number>;

/** BatchGetItem's limit per call, and the calls for keys it keeps answering as unprocessed. */
const GET_LIMIT = 100;
const GET_ATTEMPTS = 5;

/** The items of `keys` that exist, by key. */
async function getItems(
  ddb: DynamoDBDocumentClient,
  table: string,
  keys: string[],
  consistent: boolean,
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (let from = 0; from < keys.length; from += GET_LIMIT) {
    let pending = keys.slice(from, from + GET_LIMIT).map((sku) => ({ sku }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > GET_ATTEMPTS) throw new Error(`${table} kept returning unprocessed keys`);
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, Math.random() * 25 * 2 ** attempt));
      const answer = await ddb.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent } } }),
      );
      for (const item of answer.Responses?.[table] ?? []) found.set(String(item.sku), item);
      pending = (answer.UnprocessedKeys?.[table]?.Keys ?? []) as { sku: string }[];
    }
  }
  return found;
}

/**
 * The SKUs' layouts. Eventually consistent by default: a hot SKU's product item is read by every
 * order (by the API too), and a read costs half as much; see `sameLayouts` for the check.
 */
export async function readLayouts(
  ddb: DynamoDBDocumentClient,
  table: string,
  skus: string[],
  consistent = false,
): Promise<Layouts> {
  const products = await getItems(ddb, table, skus, consistent);
  return new Map(skus.map((sku) => [sku, shardsOf(products.get(sku))]));
}

export function sameLayouts(a: Layouts, b: Layouts): boolean {
  return a.size === b.size && [...a].every(([sku, shards]) => b.get(sku) === shards);
}

/**
 * The items a line may use, in the order to try them: a sharded SKU's shards starting from one
 * picked by a hash of the order, so concurrent orders start on different shards; `first`, if it is
 * one of them, before the rest (a release gives back where the reservation took).
 */
export function itemsToTry(sku: string, layouts: Layouts, orderId: string, first?: string): string[] {
  const keys = stockItemKeys(sku, layouts.get(sku) ?? 1);
  const start = createHash("sha256").update(orderId).digest().readUInt32BE(0) % keys.length;
  const order = [...keys.slice(start), ...keys.slice(0, start)];
  return first !== undefined && order.includes(first) ? [first, ...order.filter((k) => k !== first)] : order;
}

/**
 * For each SKU, the most stock any one of its items holds now (strongly consistent): what a single
 * line could have taken, since a line is taken from one item.
 */
export async function mostAvailable(
  ddb: DynamoDBDocumentClient,
  table: string,
  layouts: Layouts,
): Promise<Map<string, number>> {
  const keysOf = new Map([...layouts].map(([sku, shards]) => [sku, stockItemKeys(sku, shards)]));
  const items = await getItems(ddb, table, [...keysOf.values()].flat(), true);
  return new Map(
    [...keysOf].map(([sku, keys]) => [sku, Math.max(0, ...keys.map((k) => Number(items.get(k)?.stock ?? 0)))]),
  );
}
