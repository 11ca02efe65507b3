import { createHash } from "node:crypto";

/**
 * The orders table's sparse index of orders with unpublished events: an order is in it while its
 * item has `outboxShard` and `outboxSince`, which every write that records an event sets and the
 * publish that empties `unpublished` removes. The sweep (lambda-src/outbox-sweep) reads it to
 * publish what the stream missed, oldest first, and to measure the oldest unpublished event.
 */
export const OUTBOX_INDEX = { name: "outbox-pending", partitionKey: "outboxShard", sortKey: "outboxSince" } as const;
/**
 * Partitions of the index. Every order enters and leaves it once (two index writes); DynamoDB
 * serves at most 1,000 write units a second per partition key value
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html),
 * so 32 values carry 16,000 orders a second, above prod's designed peak.
 */
export const OUTBOX_INDEX_SHARDS = 32;

/** The index partition an order is listed in while it has unpublished events. */
export function outboxShardOf(orderId: string): string {
  const shard = createHash("sha256").update(orderId).digest().readUInt32BE(0) % OUTBOX_INDEX_SHARDS;
  return String(shard).padStart(2, "0");
}
