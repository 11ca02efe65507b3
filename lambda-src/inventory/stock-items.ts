/**
 * Which items hold a SKU's stock (the layout in contract/product.ts): the product's own
 * item, or for a sharded SKU its shard items. Inventory reads the product items to know which, and
 * spreads concurrent orders for a sharded SKU over its shards.
 */
import { createHash } from "node:crypto";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { shardsOf, stockItemKeys } from "../../contract/product";
import { getProductItems, ProductReader } from "../shared/product-reads";

/** Each SKU's shard count, as its product item says (1: unsharded, or no such product). */
export type Layouts = ReadonlyMap<string, number>;

/**
 * The SKUs' layouts, from `read` (a cached, eventually consistent reader: a hot SKU's product
 * item is read by every order); `fresh` reads them strongly consistent. A stale layout costs a
 * refused transaction and a fresh read, never a wrong outcome (see transactOnLayouts).
 */
export async function readLayouts(read: ProductReader, skus: string[], fresh = false): Promise<Layouts> {
  const products = await read(skus, fresh);
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
  const items = await getProductItems(ddb, table, [...keysOf.values()].flat(), true);
  return new Map(
    [...keysOf].map(([sku, keys]) => [sku, Math.max(0, ...keys.map((k) => Number(items.get(k)?.stock ?? 0)))]),
  );
}
