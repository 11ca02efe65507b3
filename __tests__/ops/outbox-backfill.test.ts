import { mockClient } from "aws-sdk-client-mock";
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { backfillOutboxIndex } from "../../ops/outbox-backfill";
import { outboxShardOf } from "../../contract/outbox-index";

const TABLE = "order-fanout-dev-orders";
const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
const NOW = new Date("2026-12-07T12:00:00.000Z");

beforeEach(() => ddbMock.reset());

const event = (occurredAt: unknown) => ({ event: { occurredAt } });

it("lists each unlisted unpublished order under its oldest unpublished event's time, across Scan pages", async () => {
  ddbMock
    .on(ScanCommand)
    .resolvesOnce({
      Items: [
        {
          orderId: "o-1",
          unpublished: new Set(["OrderCancelled", "OrderPlaced"]),
          outbox: { OrderPlaced: event("2026-12-01T08:00:00.000Z"), OrderCancelled: event("2026-12-02T08:00:00.000Z") },
        },
      ],
      LastEvaluatedKey: { orderId: "o-1" },
    })
    .resolvesOnce({ Items: [{ orderId: "o-2", unpublished: new Set(["OrderPlaced"]), outbox: {} }] });
  ddbMock.on(UpdateCommand).resolves({});

  expect(await backfillOutboxIndex(ddb, TABLE, NOW)).toEqual({ found: 2, listed: 2 });

  const scans = ddbMock.commandCalls(ScanCommand);
  expect(scans).toHaveLength(2);
  expect(scans[1].args[0].input.ExclusiveStartKey).toEqual({ orderId: "o-1" });
  expect(scans[0].args[0].input.FilterExpression).toBe(
    "attribute_exists(unpublished) AND attribute_not_exists(#shard)",
  );
  const updates = ddbMock.commandCalls(UpdateCommand).map((call) => call.args[0].input);
  expect(updates.map((update) => [update.Key, update.ExpressionAttributeValues])).toEqual([
    [{ orderId: "o-1" }, { ":shard": outboxShardOf("o-1"), ":since": "2026-12-01T08:00:00.000Z" }],
    // No readable time in its outbox: listed as of now, so the sweep's grace starts now.
    [{ orderId: "o-2" }, { ":shard": outboxShardOf("o-2"), ":since": NOW.toISOString() }],
  ]);
  // Listed only if still unpublished and unlisted when written.
  expect(updates[0].ConditionExpression).toBe("attribute_exists(unpublished) AND attribute_not_exists(#shard)");
});

it("leaves an order published or listed meanwhile as it is, and stops on any other failure", async () => {
  ddbMock.on(ScanCommand).resolves({
    Items: [
      { orderId: "o-1", unpublished: new Set(["OrderPlaced"]) },
      { orderId: "o-2", unpublished: new Set(["OrderPlaced"]) },
    ],
  });
  ddbMock
    .on(UpdateCommand, { Key: { orderId: "o-1" } })
    .rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }))
    .on(UpdateCommand, { Key: { orderId: "o-2" } })
    .resolves({});
  expect(await backfillOutboxIndex(ddb, TABLE, NOW)).toEqual({ found: 2, listed: 1 });

  ddbMock.on(UpdateCommand).rejects(new Error("AccessDeniedException: not authorized to perform dynamodb:UpdateItem"));
  await expect(backfillOutboxIndex(ddb, TABLE, NOW)).rejects.toThrow("dynamodb:UpdateItem");
});
