/**
 * Reading the outbox index (outbox-index.ts): the orders it lists, oldest first in each partition,
 * and when the oldest of them was recorded. The sweep publishes from it; `npm run ops -- outbox`
 * shows it.
 */
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { OUTBOX_INDEX, OUTBOX_INDEX_SHARDS } from "../../contract/outbox-index";

export interface IndexReader {
  readonly ddb: DynamoDBDocumentClient;
  readonly ordersTable: string;
}

export interface Listed {
  orderId: string;
  since: string;
}

/** The orders of one index partition listed no later than `until` (every one when absent), oldest first. */
export async function* listedIn(
  deps: IndexReader,
  shard: string,
  until?: string,
  limit?: number,
): AsyncGenerator<Listed> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await deps.ddb.send(
      new QueryCommand({
        TableName: deps.ordersTable,
        IndexName: OUTBOX_INDEX.name,
        KeyConditionExpression: `#shard = :shard${until ? " AND #since <= :until" : ""}`,
        ExpressionAttributeNames: {
          "#shard": OUTBOX_INDEX.partitionKey,
          ...(until ? { "#since": OUTBOX_INDEX.sortKey } : {}),
        },
        ExpressionAttributeValues: { ":shard": shard, ...(until ? { ":until": until } : {}) },
        ScanIndexForward: true,
        ExclusiveStartKey: start,
        Limit: limit,
      }),
    );
    for (const item of page.Items ?? []) {
      yield { orderId: String(item.orderId), since: String(item[OUTBOX_INDEX.sortKey]) };
    }
    start = limit ? undefined : page.LastEvaluatedKey;
  } while (start);
}

export const allShards = (): string[] =>
  Array.from({ length: OUTBOX_INDEX_SHARDS }, (_, i) => String(i).padStart(2, "0"));

/** When the oldest event still unpublished was recorded, across the index. */
export async function oldestListed(deps: IndexReader): Promise<string | undefined> {
  let oldest: string | undefined;
  for (const shard of allShards()) {
    for await (const { since } of listedIn(deps, shard, undefined, 1)) if (!oldest || since < oldest) oldest = since;
  }
  return oldest;
}

/** Every order the index lists, partition by partition, oldest first in each. */
export async function* listedOrders(deps: IndexReader): AsyncGenerator<Listed> {
  for (const shard of allShards()) yield* listedIn(deps, shard);
}
