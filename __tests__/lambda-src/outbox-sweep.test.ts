import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { sweep, SweepRequest } from "../../lambda-src/outbox-sweep/sweep";
import { OUTBOX_INDEX_SHARDS, outboxShardOf } from "../../contract/outbox-index";
import { OrderEvent } from "../../contract/events";
import { logsOf } from "../support/logs";

const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
const NOW = new Date("2026-12-07T12:00:00.000Z");
/** An order id as the API makes them. */
const id = (n: number) => `ord_${String(n).padStart(24, "0")}`;
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

const placed = (orderId: string): OrderEvent => ({
  eventType: "OrderPlaced",
  eventId: `${orderId}:OrderPlaced`,
  orderId,
  occurredAt: minutesAgo(30),
  version: 1,
  customer: { id: "c", email: "ada@example.com" },
  items: [{ sku: "KB-01", quantity: 1, unitPriceCents: 100 }],
  totalCents: 100,
  currency: "EUR",
});

/** The index as DynamoDB would answer a Query of one partition, with `since` per order. */
function index(listed: Record<string, string>) {
  ddbMock.on(QueryCommand).callsFake((input: { ExpressionAttributeValues: Record<string, string>; Limit?: number }) => {
    const { ":shard": shard, ":until": until } = input.ExpressionAttributeValues;
    const items = Object.entries(listed)
      .filter(([orderId, since]) => outboxShardOf(orderId) === shard && (!until || since <= until))
      .sort(([, a], [, b]) => a.localeCompare(b))
      .map(([orderId, since]) => ({ orderId, outboxShard: shard, outboxSince: since }));
    return { Items: input.Limit ? items.slice(0, input.Limit) : items };
  });
  ddbMock.on(GetCommand).callsFake((input: { Key: { orderId: string } }) => ({
    Item: {
      outbox: {
        OrderPlaced: {
          event: placed(input.Key.orderId),
          attributes: { eventType: "OrderPlaced", totalCents: 100, currency: "EUR" },
        },
      },
      unpublished: new Set(["OrderPlaced"]),
    },
  }));
}

function deps(published: string[], fail: (orderId: string) => boolean = () => false) {
  return {
    ddb,
    ordersTable: "orders",
    now: () => NOW,
    graceSeconds: 120,
    remainingMs: () => 40_000,
    publisher: {
      publish: (event: OrderEvent) =>
        fail(event.orderId)
          ? Promise.reject(new Error("SNS refused"))
          : Promise.resolve(void published.push(event.orderId)),
    },
  };
}

describe("the outbox sweep", () => {
  beforeEach(() => {
    ddbMock.reset();
    ddbMock.on(UpdateCommand).resolves({});
  });

  it("publishes every order listed past the grace, in every partition, and leaves newer ones to the relay", async () => {
    index({ [id(1)]: minutesAgo(30), [id(2)]: minutesAgo(90), [id(3)]: minutesAgo(1) });
    const published: string[] = [];
    const result = await sweep(deps(published), {});
    expect(published.sort()).toEqual([id(1), id(2)]);
    expect(result).toMatchObject({ orders: 2, published: 2, failed: [] });
    const queried = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(new Set(queried.map((q) => q.ExpressionAttributeValues![":shard"])).size).toBe(OUTBOX_INDEX_SHARDS);
    expect(queried[0]).toMatchObject({ IndexName: "outbox-pending", ScanIndexForward: true });
    expect(queried[0].ExpressionAttributeValues![":until"]).toBe(minutesAgo(2));
  });

  it("reports the age of the oldest event still listed after it", async () => {
    index({ [id(1)]: minutesAgo(30), [id(3)]: minutesAgo(1) });
    // The index still lists both afterwards (the mock's marks change nothing): the oldest is 30 minutes.
    expect((await sweep(deps([]), {})).oldestUnpublishedAgeSeconds).toBe(1800);
    index({});
    expect((await sweep(deps([]), {})).oldestUnpublishedAgeSeconds).toBe(0);
  });

  it("goes past an order that fails, logging why, and stops after five in a row (SNS is down, not one order)", async () => {
    const listed = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [id(100 + i), minutesAgo(10 + i)]));
    index(listed);
    const published: string[] = [];
    let result: Awaited<ReturnType<typeof sweep>> | undefined;
    const logs = await logsOf(
      async () =>
        (result = await sweep(
          deps(published, (orderId) => orderId === id(103)),
          {},
        )),
    );
    expect(result!.failed).toEqual([id(103)]);
    expect(published).toHaveLength(11);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: "ERROR",
        message: "sweep could not publish an order's events; the next run retries",
        orderId: id(103),
      }),
    );
    const down = await logsOf(
      async () =>
        (result = await sweep(
          deps([], () => true),
          {},
        )),
    );
    // Four partitions are swept side by side: the ones already under way when it stops fail too.
    expect(result!.failed.length).toBeGreaterThanOrEqual(5);
    expect(result!.failed.length).toBeLessThanOrEqual(8);
    expect(down).toContainEqual(expect.objectContaining({ message: "sweep stopped after 5 orders failed in a row" }));
  });

  it("publishes the orders it is given now, grace or not (ops outbox replay), and sweeps everything with grace 0", async () => {
    index({ [id(3)]: minutesAgo(1), [id(4)]: minutesAgo(1) });
    const published: string[] = [];
    await sweep(deps(published), { orderIds: [id(3)] });
    expect(published).toEqual([id(3)]);
    await sweep(deps(published), { graceSeconds: 0 });
    expect(published.sort()).toEqual([id(3), id(3), id(4)]);
  });

  it("starts each run at another partition, so the same ones are not always left for later", async () => {
    index({});
    const firstQueried = async (minute: number) => {
      ddbMock.resetHistory();
      await sweep({ ...deps([]), now: () => new Date(NOW.getTime() + minute * 60_000) }, {});
      return ddbMock.commandCalls(QueryCommand)[0].args[0].input.ExpressionAttributeValues![":shard"];
    };
    expect(await firstQueried(0)).toBe("00");
    expect(await firstQueried(5)).toBe("05");
  });

  it("stops before the invocation's timeout, leaving the rest to the next run", async () => {
    index({ [id(5)]: minutesAgo(10), [id(6)]: minutesAgo(11) });
    const published: string[] = [];
    await sweep({ ...deps(published), remainingMs: () => 5_000 }, {});
    expect(published).toEqual([]);
  });

  it("a mark that finds an event recorded meanwhile still counts the publish", async () => {
    index({ [id(5)]: minutesAgo(10) });
    ddbMock
      .on(UpdateCommand)
      .rejectsOnce(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }))
      .resolves({});
    expect((await sweep(deps([]), {})).published).toBe(1);
  });

  it.each([
    ["a scheduled event", { source: "aws.events", "detail-type": "Scheduled Event", detail: {} }, true],
    ["order ids", { orderIds: [id(7)] }, true],
    ["a grace", { graceSeconds: 0 }, true],
    ["no order ids", { orderIds: [] }, false],
    ["an unknown field", { orderIds: [id(7)], all: true }, false],
    ["another event", { source: "aws.s3" }, false],
  ])("takes %s: %s", (_, request, accepted) => {
    expect(SweepRequest.safeParse(request).success).toBe(accepted);
  });
});
