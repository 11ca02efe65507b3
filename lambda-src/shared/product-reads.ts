/**
 * Reading product items by SKU: BatchGetItem in pages of 100 with the keys it leaves unprocessed
 * retried, and a cache per execution environment for reads that may be a few seconds old. A SKU
 * in every order of a flash sale has its product item read by every order; one item lives in one
 * partition, which serves 3,000 read units/s, so uncached reads alone would cap the SKU near
 * that however its stock is sharded.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html
 */
import { BatchGetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { drain, RetryPolicy } from "./retry";

export type ProductItem = Record<string, unknown>;

/** Entries a cache keeps before it drops the expired ones. */
const CACHE_LIMIT = 5000;

/** BatchGetItem's limit per call. */
const GET_LIMIT = 100;
/** The calls for keys BatchGetItem keeps answering as unprocessed; uncapped, four retries wait 1.5 s at most in all. */
const GET_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: Number.POSITIVE_INFINITY };

/** The items of `skus` that exist, by SKU. */
export async function getProductItems(
  ddb: DynamoDBDocumentClient,
  table: string,
  skus: string[],
  consistent: boolean,
): Promise<Map<string, ProductItem>> {
  const found = new Map<string, ProductItem>();
  for (let from = 0; from < skus.length; from += GET_LIMIT) {
    const keys = skus.slice(from, from + GET_LIMIT).map((sku) => ({ sku }));
    const left = await drain(GET_RETRY, keys, async (pending) => {
      const answer = await ddb.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent } } }),
      );
      for (const item of answer.Responses?.[table] ?? []) found.set(String(item.sku), item);
      return (answer.UnprocessedKeys?.[table]?.Keys ?? []) as { sku: string }[];
    });
    if (left.length > 0) throw new Error(`${table} kept returning unprocessed keys`);
  }
  return found;
}

/**
 * Reads product items at most once per `maxAgeMs` per SKU in this execution environment
 * (eventually consistent: the cache makes them older anyway); `fresh` reads strongly consistent
 * and refreshes the cache. With `maxAgeMs` 0 every read is fresh. A SKU that does not exist is
 * not remembered: it is read again next time (an import may have just created it).
 */
export function cachedProductReader(ddb: DynamoDBDocumentClient, table: string, maxAgeMs: number, now = Date.now) {
  const cache = new Map<string, { item: ProductItem; readAt: number }>();
  return async (skus: string[], fresh = false): Promise<Map<string, ProductItem>> => {
    const at = now();
    // A long-lived environment of a large catalogue: forget what is too old to be used.
    if (cache.size > CACHE_LIMIT)
      for (const [sku, entry] of cache) if (at - entry.readAt >= maxAgeMs) cache.delete(sku);
    const stale =
      fresh || maxAgeMs <= 0 ? skus : skus.filter((sku) => !(at - (cache.get(sku)?.readAt ?? -Infinity) < maxAgeMs));
    if (stale.length > 0) {
      const read = await getProductItems(ddb, table, stale, fresh || maxAgeMs <= 0);
      for (const sku of stale) {
        const item = read.get(sku);
        if (item) cache.set(sku, { item, readAt: at });
        else cache.delete(sku);
      }
    }
    const items = new Map<string, ProductItem>();
    for (const sku of skus) {
      const item = cache.get(sku)?.item;
      if (item) items.set(sku, item);
    }
    return items;
  };
}

export type ProductReader = ReturnType<typeof cachedProductReader>;
