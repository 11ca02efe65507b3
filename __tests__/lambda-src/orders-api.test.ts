import { mockClient } from "aws-sdk-client-mock";
import { definitionsOf, emfDocumentsOf } from "../support/emf";
import { DynamoDBClient, ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ordersApi } from "../../lambda-src/orders-api/router";
import { orderIdFor } from "../../lambda-src/orders-api/orders";
import { snsPublisher } from "../../lambda-src/shared/publisher";
import { OrderRecord } from "../../lambda-src/shared/order-record";
import { outboxShardOf } from "../../contract/outbox-index";
import { apiRequest } from "../support/events";
import { marshall } from "@aws-sdk/util-dynamodb";

const ddbMock = mockClient(DynamoDBDocumentClient);
const snsMock = mockClient(SNSClient);
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:order-fanout-dev-order-events.fifo";
const api = ordersApi({
  ddb: DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" })),
  ordersTable: "orders",
  productsTable: "products",
  publisher: snsPublisher(new SNSClient({ region: "eu-west-1" }), TOPIC),
  now: () => new Date("2026-11-01T10:00:00.000Z"),
});

const PRODUCTS = [
  { sku: "KB-01", unitPriceCents: 4_500, currency: "EUR", stock: 10 },
  { sku: "MS-02", unitPriceCents: 2_000, currency: "EUR", stock: 10 },
];
const goodBody = {
  customer: { id: "c-1", email: "ada@example.com" },
  items: [
    { sku: "KB-01", quantity: 2 },
    { sku: "MS-02", quantity: 1 },
  ],
};
const place = (body: unknown = goodBody, headers: Record<string, string> = { "idempotency-key": "key-1" }) =>
  api(apiRequest("POST /orders", { body, headers }));
const bodyOf = (answer: { body?: string }) => JSON.parse(answer.body ?? "null");

/** The order as stored once its OrderPlaced reached the topic. */
function published(order: OrderRecord): OrderRecord {
  const { unpublished: _published, ...rest } = order;
  return rest;
}

/** The table already holds this order: the conditional put is refused with the stored item. */
function alreadyStored(order: OrderRecord): void {
  ddbMock.on(PutCommand).rejects(
    new ConditionalCheckFailedException({
      message: "exists",
      $metadata: {},
      Item: marshall(order, { removeUndefinedValues: true }),
    }),
  );
}

beforeEach(() => {
  ddbMock.reset();
  snsMock.reset();
  ddbMock.on(GetCommand).resolves({});
  ddbMock.on(BatchGetCommand).resolves({ Responses: { products: PRODUCTS } });
  ddbMock.on(PutCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  snsMock.on(PublishCommand).resolves({ MessageId: "m-1" });
});

describe("orders belong to the caller API Gateway verified", () => {
  const alice = "arn:aws:sts::123456789012:assumed-role/shop-frontend/session-1";
  const bob = "arn:aws:sts::123456789012:assumed-role/partner/session-9";
  const placeAs = (callerArn: string, key = "key-1") =>
    api(apiRequest("POST /orders", { body: goodBody, headers: { "idempotency-key": key }, callerArn }));

  it("gives two callers who pick the same Idempotency-Key two orders, each owned by its caller's role", async () => {
    const first = bodyOf(await placeAs(alice)).orderId;
    const second = bodyOf(await placeAs(bob)).orderId;
    expect(first).not.toBe(second);
    const owners = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.owner);
    expect(owners).toEqual([
      "arn:aws:sts::123456789012:assumed-role/shop-frontend",
      "arn:aws:sts::123456789012:assumed-role/partner",
    ]);
  });

  it("keeps a caller's key theirs across sessions of the same role", async () => {
    const first = bodyOf(await placeAs(alice)).orderId;
    const later = bodyOf(await placeAs(alice.replace("session-1", "session-2"))).orderId;
    expect(later).toBe(first);
  });

  it("answers another caller's order as unknown, to read or to cancel, and changes nothing", async () => {
    await placeAs(alice);
    const [put] = ddbMock.commandCalls(PutCommand);
    const stored = put.args[0].input.Item as OrderRecord;
    ddbMock.on(GetCommand).resolves({ Item: stored });
    ddbMock.resetHistory();
    const read = await api(apiRequest("GET /orders/{orderId}", { orderId: stored.orderId, callerArn: bob }));
    expect(read.statusCode).toBe(404);
    expect(bodyOf(read).error).toBe("OrderNotFound");
    const cancel = await api(
      apiRequest("POST /orders/{orderId}/cancel", { orderId: stored.orderId, callerArn: bob, body: {} }),
    );
    expect(cancel.statusCode).toBe(404);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    const own = await api(apiRequest("GET /orders/{orderId}", { orderId: stored.orderId, callerArn: alice }));
    expect(own.statusCode).toBe(200);
    expect(bodyOf(own).owner).toBeUndefined();
  });

  it("lets an operator read and cancel any order on the operator routes (API Gateway admits only the operator policy)", async () => {
    await placeAs(alice);
    const stored = ddbMock.commandCalls(PutCommand)[0].args[0].input.Item as OrderRecord;
    ddbMock.on(GetCommand).resolves({ Item: stored });
    ddbMock.on(UpdateCommand).resolves({ Attributes: { ...stored, status: "CANCELLED" } });
    const operator = "arn:aws:sts::123456789012:assumed-role/support-operator/jo";
    const read = await api(
      apiRequest("GET /operator/orders/{orderId}", { orderId: stored.orderId, callerArn: operator }),
    );
    expect(read.statusCode).toBe(200);
    expect(bodyOf(read).orderId).toBe(stored.orderId);
    const cancel = await api(
      apiRequest("POST /operator/orders/{orderId}/cancel", {
        orderId: stored.orderId,
        callerArn: operator,
        body: { reason: "fraud" },
      }),
    );
    expect(cancel.statusCode).toBe(202);
    const cancelled = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues ?? {});
    expect(cancelled).toContainEqual(expect.objectContaining({ ":cancelled": "CANCELLED", ":reason": "fraud" }));
  });
});

describe("POST /orders", () => {
  it("stores the order priced from the products table, publishes OrderPlaced and answers 202", async () => {
    const answer = await place();
    const orderId = orderIdFor("key-1");
    expect(answer.statusCode).toBe(202);
    expect(answer.headers?.location).toBe(`/orders/${orderId}`);
    expect(bodyOf(answer)).toEqual({ orderId, status: "PLACED", totalCents: 11_000, currency: "EUR" });

    const [put] = ddbMock.commandCalls(PutCommand);
    expect(put.args[0].input.ConditionExpression).toBe("attribute_not_exists(orderId)");
    // The order and its OrderPlaced in one write: the outbox the relay publishes from if this publish fails.
    expect(put.args[0].input.Item).toMatchObject({
      orderId,
      totalCents: 11_000,
      unpublished: new Set(["OrderPlaced"]),
      outbox: { OrderPlaced: { event: { eventType: "OrderPlaced", eventId: `${orderId}:OrderPlaced` } } },
      // Listed in the outbox index until published: the sweep's way to it if the stream misses it.
      outboxShard: outboxShardOf(orderId),
      outboxSince: expect.any(String),
    });

    const [publish] = snsMock.commandCalls(PublishCommand);
    const input = publish.args[0].input;
    expect(input).toMatchObject({
      TopicArn: TOPIC,
      MessageGroupId: orderId,
      MessageDeduplicationId: `${orderId}:OrderPlaced`,
      MessageAttributes: {
        eventType: { DataType: "String", StringValue: "OrderPlaced" },
        totalCents: { DataType: "Number", StringValue: "11000" },
        currency: { DataType: "String", StringValue: "EUR" },
      },
    });
    expect(JSON.parse(input.Message!)).toMatchObject({ eventType: "OrderPlaced", version: 1, totalCents: 11_000 });
    expect(input.MessageAttributes!.largeTotal).toBeUndefined();
    const [marked] = ddbMock.commandCalls(UpdateCommand);
    expect(marked.args[0].input.UpdateExpression).toBe(
      "SET outbox.#eventType.publishedAt = :at DELETE unpublished :eventTypes REMOVE outboxShard, outboxSince",
    );
    expect(marked.args[0].input.ExpressionAttributeValues![":eventTypes"]).toEqual(new Set(["OrderPlaced"]));
  });

  it("marks a total beyond SNS's numeric filter range as largeTotal, so review's filter still matches it", async () => {
    ddbMock.on(BatchGetCommand).resolves({
      Responses: { products: [{ sku: "KB-01", unitPriceCents: 900_000_000, currency: "EUR", stock: 10 }] },
    });
    expect((await place({ ...goodBody, items: [{ sku: "KB-01", quantity: 2 }] })).statusCode).toBe(202);
    const attributes = snsMock.commandCalls(PublishCommand)[0].args[0].input.MessageAttributes!;
    expect(attributes.totalCents).toEqual({ DataType: "Number", StringValue: "1800000000" });
    expect(attributes.largeTotal).toEqual({ DataType: "String", StringValue: "true" });
  });

  it("answers 202 when publishing fails: the order and its event are stored for the relay, and a retry publishes", async () => {
    snsMock.on(PublishCommand).rejectsOnce(new Error("SNS unavailable"));
    const failed = await place();
    expect(failed.statusCode).toBe(202);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0); // not marked published
    const stored = ddbMock.commandCalls(PutCommand)[0].args[0].input.Item as OrderRecord;
    expect(stored.unpublished).toEqual(new Set(["OrderPlaced"]));

    alreadyStored(stored);
    const retried = await place();
    expect(retried.statusCode).toBe(202);
    expect(bodyOf(retried).orderId).toBe(stored.orderId);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(2);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it("counts an order stored but not published as the OrdersNotPublished metric, for its alarm", async () => {
    snsMock.on(PublishCommand).rejectsOnce(new Error("SNS unavailable"));
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect((await place()).statusCode).toBe(202);
    } finally {
      stdout.mockRestore();
    }
    const emf = written
      .flatMap((chunk) => chunk.split("\n"))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(emf).toContainEqual(expect.objectContaining({ OrdersNotPublished: 1 }));
  });

  it("counts a new order as OrdersPlaced with the request's ProcessingTime, in one EMF document", async () => {
    const documents = await emfDocumentsOf(() => place());
    expect(documents).toHaveLength(1);
    expect(definitionsOf(documents[0])).toEqual({ OrdersPlaced: "Count", ProcessingTime: "Milliseconds" });
    expect(documents[0]).toMatchObject({ OrdersPlaced: 1, ProcessingTime: expect.any(Number) });
    expect(documents[0]._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: "order-fanout/test",
      Dimensions: [["service"]],
    });
  });

  it("answers a retry of a published order with the same order and publishes nothing", async () => {
    const first = await place();
    const stored = published(ddbMock.commandCalls(PutCommand)[0].args[0].input.Item as OrderRecord);
    alreadyStored(stored);
    const second = await place();
    expect(bodyOf(second)).toEqual(bodyOf(first));
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it("reads the stored order when the refusal does not carry it", async () => {
    await place();
    const stored = published(ddbMock.commandCalls(PutCommand)[0].args[0].input.Item as OrderRecord);
    ddbMock.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: "exists", $metadata: {} }));
    ddbMock.on(GetCommand).resolves({ Item: stored });
    const answer = await place();
    expect(answer.statusCode).toBe(202);
    expect(bodyOf(answer).orderId).toBe(stored.orderId);
  });

  it("answers a retry with its order even when a product was withdrawn since", async () => {
    await place();
    const stored = published(ddbMock.commandCalls(PutCommand)[0].args[0].input.Item as OrderRecord);
    ddbMock.on(BatchGetCommand).resolves({ Responses: { products: [PRODUCTS[0]] } });
    ddbMock.on(GetCommand).resolves({ Item: stored });
    const answer = await place();
    expect(answer.statusCode).toBe(202);
    expect(bodyOf(answer).orderId).toBe(stored.orderId);
  });

  it("answers 409 when the key was used for a different body", async () => {
    await place();
    const stored = ddbMock.commandCalls(PutCommand)[0].args[0].input.Item as OrderRecord;
    alreadyStored(published(stored));
    const answer = await place({ ...goodBody, items: [{ sku: "KB-01", quantity: 3 }] });
    expect(answer.statusCode).toBe(409);
    expect(bodyOf(answer)).toEqual({
      error: "IdempotencyKeyReused",
      message: 'Idempotency-Key "key-1" was already used for a different request',
    });
  });

  const refusals: [string, () => ReturnType<typeof place>, number, string, RegExp][] = [
    [
      "a missing Idempotency-Key",
      () => place(goodBody, {}),
      400,
      "MissingIdempotencyKey",
      /Idempotency-Key header is required/,
    ],
    [
      "an over-long Idempotency-Key",
      () => place(goodBody, { "idempotency-key": "k".repeat(129) }),
      400,
      "InvalidIdempotencyKey",
      /1 to 128 printable/,
    ],
    ["a body that is not JSON", () => place("{oops", { "idempotency-key": "k" }), 400, "InvalidJson", /not valid JSON/],
    [
      "a wrong content type",
      () => place(goodBody, { "idempotency-key": "k", "content-type": "text/plain" }),
      415,
      "UnsupportedMediaType",
      /Content-Type application\/json, got "text\/plain"/,
    ],
    [
      "a body of 64 KB or more",
      () => place({ ...goodBody, pad: "x".repeat(64 * 1024) }, { "idempotency-key": "k" }),
      413,
      "PayloadTooLarge",
      /must be under 65536/,
    ],
    ["no items", () => place({ ...goodBody, items: [] }), 400, "ValidationError", /^items: Too small/],
    [
      "51 items",
      () => place({ ...goodBody, items: Array.from({ length: 51 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 })) }),
      400,
      "ValidationError",
      /^items: Too big/,
    ],
    [
      "a quantity of 0",
      () => place({ ...goodBody, items: [{ sku: "KB-01", quantity: 0 }] }),
      400,
      "ValidationError",
      /^items\[0\]\.quantity: Too small/,
    ],
    [
      "a quantity over 1000",
      () => place({ ...goodBody, items: [{ sku: "KB-01", quantity: 1001 }] }),
      400,
      "ValidationError",
      /^items\[0\]\.quantity: Too big/,
    ],
    [
      "a fractional quantity",
      () => place({ ...goodBody, items: [{ sku: "KB-01", quantity: 1.5 }] }),
      400,
      "ValidationError",
      /^items\[0\]\.quantity/,
    ],
    [
      "a bad e-mail",
      () => place({ ...goodBody, customer: { id: "c-1", email: "not-an-email" } }),
      400,
      "ValidationError",
      /^customer\.email: Invalid email/,
    ],
    ["a missing customer", () => place({ items: goodBody.items }), 400, "ValidationError", /^customer: /],
    [
      "a client-supplied price",
      () => place({ ...goodBody, items: [{ sku: "KB-01", quantity: 1, unitPriceCents: 1 }] }),
      400,
      "ValidationError",
      /items\[0\]: Unrecognized key: "unitPriceCents"/,
    ],
    [
      "a repeated SKU",
      () =>
        place({
          ...goodBody,
          items: [
            { sku: "KB-01", quantity: 1 },
            { sku: "KB-01", quantity: 1 },
          ],
        }),
      400,
      "ValidationError",
      /each SKU may appear once/,
    ],
    [
      "an unsupported currency",
      () => place({ ...goodBody, currency: "JPY" }),
      400,
      "ValidationError",
      /^currency: Invalid option/,
    ],
  ];

  it.each(refusals)(
    "refuses %s with %i, storing and publishing nothing",
    async (_name, send, status, code, message) => {
      const answer = await send();
      expect(answer.statusCode).toBe(status);
      const body = bodyOf(answer);
      expect(body.error).toBe(code);
      expect(body.message).toMatch(message);
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+/); // no stack trace
      expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
      expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    },
  );

  it("names every invalid field in details", async () => {
    const answer = await place({ customer: { id: "", email: "x" }, items: [{ sku: "kb", quantity: 0 }] });
    expect(bodyOf(answer).details.map((d: { field: string }) => d.field)).toEqual([
      "customer.id",
      "customer.email",
      "items[0].sku",
      "items[0].quantity",
    ]);
  });

  it("answers 422 naming an unknown SKU, storing and publishing nothing", async () => {
    ddbMock.on(BatchGetCommand).resolves({ Responses: { products: [PRODUCTS[0]] } });
    const answer = await place();
    expect(answer.statusCode).toBe(422);
    expect(bodyOf(answer)).toMatchObject({
      error: "UnknownSku",
      message: "unknown SKU: MS-02",
      details: [{ field: "items[1].sku" }],
    });
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it("answers 422 when a product is priced in another currency", async () => {
    const answer = await place({ ...goodBody, currency: "USD" });
    expect(answer.statusCode).toBe(422);
    expect(bodyOf(answer)).toMatchObject({ error: "CurrencyMismatch", message: "SKU KB-01 is priced in EUR, not USD" });
  });

  it("answers 500 without internals when the table fails", async () => {
    ddbMock.on(BatchGetCommand).rejects(new Error("connection reset at /var/task/index.js:1:2"));
    const answer = await place();
    expect(answer.statusCode).toBe(500);
    expect(bodyOf(answer)).toEqual({
      error: "InternalError",
      message: "the request failed unexpectedly; it is safe to retry",
    });
  });
});

describe("GET /orders/{orderId}", () => {
  const stored: OrderRecord = {
    orderId: orderIdFor("key-1"),
    idempotencyKey: "key-1",
    requestHash: "h",
    status: "PLACED",
    customer: goodBody.customer,
    items: [{ sku: "KB-01", quantity: 2, unitPriceCents: 4_500 }],
    totalCents: 9_000,
    currency: "EUR",
    createdAt: "2026-11-01T10:00:00.000Z",
    outbox: {},
    fulfilment: { billing: { status: "INVOICED", at: "2026-11-01T10:00:01.000Z", eventId: "e", sequence: 1 } },
  };

  it("answers the order with its fulfilment and without internal fields", async () => {
    ddbMock.on(GetCommand).resolves({ Item: stored });
    const answer = await api(apiRequest("GET /orders/{orderId}", { orderId: stored.orderId }));
    expect(answer.statusCode).toBe(200);
    const body = bodyOf(answer);
    expect(body.fulfilment.billing.status).toBe("INVOICED");
    expect(body.requestHash).toBeUndefined();
    expect(body.idempotencyKey).toBeUndefined();
  });

  it("answers 404 for an unknown order", async () => {
    const answer = await api(apiRequest("GET /orders/{orderId}", { orderId: orderIdFor("nobody") }));
    expect(answer.statusCode).toBe(404);
    expect(bodyOf(answer)).toEqual({ error: "OrderNotFound", message: `order ${orderIdFor("nobody")} does not exist` });
  });

  it("answers 404 for an id that cannot be an order, without reading the table", async () => {
    const answer = await api(apiRequest("GET /orders/{orderId}", { orderId: "../etc" }));
    expect(answer.statusCode).toBe(404);
    expect(ddbMock.commandCalls(GetCommand)).toHaveLength(0);
  });

  it("answers 404 for an unknown route", async () => {
    const answer = await api(apiRequest("DELETE /orders/{orderId}", { orderId: stored.orderId }));
    expect(answer.statusCode).toBe(404);
    expect(bodyOf(answer).error).toBe("RouteNotFound");
  });

  describe("POST /orders/{orderId}/cancel", () => {
    const cancelledEvent = {
      eventType: "OrderCancelled" as const,
      version: 1 as const,
      eventId: `${stored.orderId}:OrderCancelled`,
      orderId: stored.orderId,
      occurredAt: "2026-11-01T10:05:00.000Z",
      reason: "late",
    };
    const cancelled: OrderRecord = {
      ...stored,
      status: "CANCELLED",
      cancelledAt: "2026-11-01T10:05:00.000Z",
      cancelReason: "late",
      outbox: {
        OrderCancelled: {
          event: cancelledEvent,
          attributes: { eventType: "OrderCancelled", totalCents: 9_000, currency: "EUR" },
        },
      },
      unpublished: new Set(["OrderCancelled"]),
    };

    it("cancels a PLACED order, recording OrderCancelled in the same write, and publishes it in the order's group", async () => {
      ddbMock.on(GetCommand).resolves({ Item: stored });
      ddbMock.on(UpdateCommand, { ConditionExpression: "#status = :placed" }).resolves({ Attributes: cancelled });
      const answer = await api(
        apiRequest("POST /orders/{orderId}/cancel", { orderId: stored.orderId, body: { reason: "late" } }),
      );
      expect(answer.statusCode).toBe(202);
      expect(bodyOf(answer).status).toBe("CANCELLED");
      const [update] = ddbMock.commandCalls(UpdateCommand);
      expect(update.args[0].input.ConditionExpression).toBe("#status = :placed");
      expect(update.args[0].input.UpdateExpression).toContain("ADD unpublished :eventTypes");
      expect(update.args[0].input.ExpressionAttributeValues![":outboxEntry"].event).toMatchObject({
        eventType: "OrderCancelled",
        reason: "late",
      });
      const [publish] = snsMock.commandCalls(PublishCommand);
      expect(publish.args[0].input).toMatchObject({
        MessageGroupId: stored.orderId,
        MessageDeduplicationId: `${stored.orderId}:OrderCancelled`,
      });
      expect(JSON.parse(publish.args[0].input.Message!)).toMatchObject({ eventType: "OrderCancelled", reason: "late" });
    });

    it("treats a second cancel as a no-op 202", async () => {
      ddbMock.on(GetCommand).resolves({ Item: { ...cancelled, unpublished: undefined } });
      const answer = await api(apiRequest("POST /orders/{orderId}/cancel", { orderId: stored.orderId }));
      expect(answer.statusCode).toBe(202);
      expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it("answers 409 for an order inventory rejected", async () => {
      ddbMock.on(GetCommand).resolves({ Item: { ...stored, status: "REJECTED" } });
      const answer = await api(apiRequest("POST /orders/{orderId}/cancel", { orderId: stored.orderId }));
      expect(answer.statusCode).toBe(409);
      expect(bodyOf(answer).error).toBe("OrderRejected");
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it("answers 404 for an unknown order", async () => {
      const answer = await api(apiRequest("POST /orders/{orderId}/cancel", { orderId: orderIdFor("nobody") }));
      expect(answer.statusCode).toBe(404);
    });

    it("refuses a cancel body that is not valid", async () => {
      const answer = await api(
        apiRequest("POST /orders/{orderId}/cancel", { orderId: stored.orderId, body: { reason: "x".repeat(501) } }),
      );
      expect(answer.statusCode).toBe(400);
      expect(bodyOf(answer).message).toMatch(/^reason: Too big/);
    });
  });
});
