/**
 * `npm run ops -- outbox backfill --env <env>`: lists in the outbox index the orders written before
 * it existed (or by code of an earlier version during a deploy) that still have unpublished
 * events, so that the sweep finds them. Run it once after deploying the index to an environment
 * that holds orders. A Scan of the orders table: its cost is the table's size, once.
 *
 * Each order gets `outboxShard` and `outboxSince` (the time of its oldest unpublished event, as
 * its outbox records it; now when that cannot be read) only if it still has unpublished events
 * and is still not listed: a publish or a new event meanwhile is left as it is.
 *
 * IAM: dynamodb:Scan and dynamodb:UpdateItem on the orders table.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, paginateScan, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { OUTBOX_INDEX, outboxShardOf } from "../contract/outbox-index";

export interface BackfillResult {
  /** Orders found with unpublished events and no place in the index. */
  found: number;
  /** Of those, listed now. */
  listed: number;
}

/** When the oldest of these unpublished events was recorded, as far as the outbox says. */
function oldestRecorded(outbox: unknown, unpublished: Iterable<string>, now: Date): string {
  const times = [...unpublished]
    .map(
      (type) => (outbox as Record<string, { event?: { occurredAt?: unknown } }> | undefined)?.[type]?.event?.occurredAt,
    )
    .filter((time): time is string => typeof time === "string" && !Number.isNaN(Date.parse(time)))
    .sort();
  return times[0] ?? now.toISOString();
}

export async function backfillOutboxIndex(
  ddb: DynamoDBDocumentClient,
  ordersTable: string,
  now = new Date(),
): Promise<BackfillResult> {
  const result: BackfillResult = { found: 0, listed: 0 };
  const pages = paginateScan(
    { client: ddb },
    {
      TableName: ordersTable,
      FilterExpression: "attribute_exists(unpublished) AND attribute_not_exists(#shard)",
      ProjectionExpression: "orderId, outbox, unpublished",
      ExpressionAttributeNames: { "#shard": OUTBOX_INDEX.partitionKey },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      result.found++;
      const orderId = String(item.orderId);
      try {
        await ddb.send(
          new UpdateCommand({
            TableName: ordersTable,
            Key: { orderId },
            UpdateExpression: "SET #shard = :shard, #since = :since",
            ConditionExpression: "attribute_exists(unpublished) AND attribute_not_exists(#shard)",
            ExpressionAttributeNames: { "#shard": OUTBOX_INDEX.partitionKey, "#since": OUTBOX_INDEX.sortKey },
            ExpressionAttributeValues: {
              ":shard": outboxShardOf(orderId),
              ":since": oldestRecorded(item.outbox, (item.unpublished as Set<string>) ?? [], now),
            },
          }),
        );
        result.listed++;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }
  return result;
}
