import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { attributesOf, newOutbox, publishPending, recordEvent } from "../../lambda-src/shared/outbox";
import { OUTBOX_INDEX_SHARDS, outboxShardOf } from "../../contract/outbox-index";
import { OrderEvent } from "../../contract/events";
import { OrderRecord } from "../../lambda-src/shared/order-record";
import { logsOf } from "../support/logs";

const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
const ORDER = "ord_000000000000000000000001";
const OTHER = "ord_000000000000000000000002";
const at = "2026-12-07T00:00:00.000Z";

const placed = (orderId = ORDER): OrderEvent => ({
  eventType: "OrderPlaced",
  eventId: `${orderId}:OrderPlaced`,
  orderId,
  occurredAt: at,
  version: 1,
  customer: { id: "c", email: "ada@example.com" },
  items: [{ sku: "KB-01", quantity: 1, unitPriceCents: 100 }],
  totalCents: 100,
  currency: "EUR",
});
const cancelled = (orderId = ORDER): OrderEvent => ({
  eventType: "OrderCancelled",
  eventId: `${orderId}:OrderCancelled`,
  orderId,
  occurredAt: at,
  version: 1,
  reason: "forged",
});

function order(outbox: Partial<Record<string, OrderEvent>>): OrderRecord {
  const attributes = { eventType: "OrderPlaced", totalCents: 100, currency: "EUR" } as const;
  return {
    orderId: ORDER,
    outbox: Object.fromEntries(Object.entries(outbox).map(([type, event]) => [type, { event, attributes }])),
    unpublished: new Set(Object.keys(outbox)),
  } as unknown as OrderRecord;
}

describe("the outbox publisher checks what it publishes in an order's name", () => {
  beforeEach(() => {
    ddbMock.reset();
    ddbMock.on(UpdateCommand).resolves({});
  });

  const deps = (published: OrderEvent[]) => ({
    ddb,
    ordersTable: "orders",
    publisher: { publish: (event: OrderEvent) => Promise.resolve(void published.push(event)) },
  });

  it("publishes entries that match their order and type, in lifecycle order", async () => {
    const published: OrderEvent[] = [];
    expect(
      await publishPending(deps(published), ORDER, order({ OrderCancelled: cancelled(), OrderPlaced: placed() })),
    ).toEqual(["OrderPlaced", "OrderCancelled"]);
    expect(published.map((e) => e.eventType)).toEqual(["OrderPlaced", "OrderCancelled"]);
  });

  it.each([
    ["another order's event", { OrderPlaced: placed(), OrderCancelled: cancelled(OTHER) }],
    ["an event of another type in the slot", { OrderPlaced: placed(), OrderCancelled: placed() }],
    ["an eventId of its own", { OrderPlaced: placed(), OrderCancelled: { ...cancelled(), eventId: "forged-1" } }],
  ])("refuses %s: nothing of it or after it is published, and nothing is thrown", async (_, outbox) => {
    const published: OrderEvent[] = [];
    let answer: unknown;
    const logs = await logsOf(async () => (answer = await publishPending(deps(published), ORDER, order(outbox))));
    expect(answer).toEqual(["OrderPlaced"]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: "ERROR", message: "outbox entry refused: not published", orderId: ORDER }),
    );
    expect(published.map((e) => e.eventType)).toEqual(["OrderPlaced"]);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it.each([
    ["an unpublished type with no entry", { outbox: {}, unpublished: new Set(["OrderPlaced"]) }],
    [
      "an entry that is no event",
      { outbox: { OrderPlaced: { event: { nope: 1 } } }, unpublished: new Set(["OrderPlaced"]) },
    ],
    ["a type this code does not know", { outbox: {}, unpublished: new Set(["OrderShipped"]) }],
  ])("refuses %s without throwing: retrying cannot fix what is stored", async (_, stored) => {
    ddbMock.on(GetCommand).resolves({ Item: stored });
    const published: OrderEvent[] = [];
    let answer: unknown;
    const logs = await logsOf(async () => (answer = await publishPending(deps(published), ORDER)));
    expect(answer).toEqual([]);
    expect(published).toEqual([]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: "ERROR", message: "outbox entry refused: not published", orderId: ORDER }),
    );
  });

  it("reads only the order's outbox: an outcome it does not know (a newer consumer's) stops nothing", async () => {
    const stored = { ...order({ OrderPlaced: placed() }), fulfilment: { billing: { status: "SHIPPED" } } };
    ddbMock.on(GetCommand).resolves({ Item: stored });
    const published: OrderEvent[] = [];
    expect(await publishPending(deps(published), ORDER)).toEqual(["OrderPlaced"]);
    expect(ddbMock.commandCalls(GetCommand)[0].args[0].input).toMatchObject({
      ProjectionExpression: "outbox, unpublished",
      ConsistentRead: true,
    });
  });
});

describe("the outbox index lists an order exactly while it has unpublished events", () => {
  beforeEach(() => {
    ddbMock.reset();
    ddbMock.on(UpdateCommand).resolves({});
  });
  const deps = { ddb, ordersTable: "orders", publisher: { publish: () => Promise.resolve() } };
  const removals = () =>
    ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression!.includes("REMOVE"));

  it("a new order is listed under its shard since its OrderPlaced", () => {
    const event = placed();
    expect(newOutbox(event, attributesOf({ totalCents: 100, currency: "EUR" }, event))).toMatchObject({
      outboxShard: outboxShardOf(ORDER),
      outboxSince: at,
    });
    const shards = new Set(Array.from({ length: 2000 }, (_, i) => outboxShardOf(`ord_${i}`)));
    expect(shards.size).toBe(OUTBOX_INDEX_SHARDS);
  });

  it("an event recorded later lists the order without moving the time of one still unpublished", () => {
    const event = cancelled();
    const recorded = recordEvent(event, attributesOf({ totalCents: 100, currency: "EUR" }, event));
    expect(recorded.set).toContain("outboxShard = if_not_exists(outboxShard, :outboxShard)");
    expect(recorded.set).toContain("outboxSince = if_not_exists(outboxSince, :outboxSince)");
    expect(recorded.values).toMatchObject({ ":outboxShard": outboxShardOf(ORDER), ":outboxSince": at });
  });

  it("the publish of the last pending event takes the order out, only if nothing was recorded meanwhile", async () => {
    await publishPending(deps, ORDER, order({ OrderCancelled: cancelled(), OrderPlaced: placed() }));
    const updates = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(updates).toHaveLength(2);
    expect(updates[0].UpdateExpression).not.toContain("REMOVE");
    expect(updates[1]).toMatchObject({
      UpdateExpression: expect.stringContaining("REMOVE outboxShard, outboxSince"),
      ConditionExpression: "size(unpublished) = :one AND contains(unpublished, :eventType)",
      ExpressionAttributeValues: expect.objectContaining({ ":eventType": "OrderCancelled", ":one": 1 }),
    });
  });

  it("an event recorded since the read keeps the order listed: the mark is made without the removal", async () => {
    ddbMock
      .on(UpdateCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }))
      .resolves({});
    expect(await publishPending(deps, ORDER, order({ OrderPlaced: placed() }))).toEqual(["OrderPlaced"]);
    expect(removals()).toHaveLength(1);
    const [, plain] = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(plain.UpdateExpression).toBe("SET outbox.#eventType.publishedAt = :at DELETE unpublished :eventTypes");
    expect(plain.ConditionExpression).toBeUndefined();
  });
});
