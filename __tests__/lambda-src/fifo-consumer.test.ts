import { fifoConsumer } from "../../lambda-src/shared/fifo-consumer";
import { OrderEvent } from "../../contract/events";
import { logsOf } from "../support/logs";
import { definitionsOf, emfDocumentsOf } from "../support/emf";
import { lambdaContext, ORDER_A, ORDER_B, orderCancelled, orderPlaced, sqsEvent, sqsRecord } from "../support/events";

describe("fifoConsumer", () => {
  it("fails a group's later messages after its first failure, and processes other groups", async () => {
    const seen: string[] = [];
    const handler = fifoConsumer((event: OrderEvent) => {
      seen.push(event.eventId);
      if (event.eventId === `${ORDER_A}:OrderPlaced`) return Promise.reject(new Error("A1 fails"));
      return Promise.resolve("DONE");
    });
    const a1 = sqsRecord(orderPlaced(ORDER_A), ORDER_A);
    const b1 = sqsRecord(orderPlaced(ORDER_B), ORDER_B);
    const a2 = sqsRecord(orderCancelled(ORDER_A), ORDER_A);

    const response = await handler(sqsEvent(a1, b1, a2), lambdaContext());

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: a1.messageId }, { itemIdentifier: a2.messageId }]);
    expect(seen).toEqual([`${ORDER_A}:OrderPlaced`, `${ORDER_B}:OrderPlaced`]);
  });

  it("reports a schema-invalid record as failed instead of dropping it", async () => {
    const handled = jest.fn(() => Promise.resolve("DONE"));
    const handler = fifoConsumer(handled);
    const invalid = sqsRecord({ ...orderPlaced(ORDER_A), totalCents: -1 }, ORDER_A);
    const notJson = sqsRecord("{not json", "group-x");
    const valid = sqsRecord(orderPlaced(ORDER_B), ORDER_B);

    const response = await handler(sqsEvent(invalid, notJson, valid), lambdaContext());

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: invalid.messageId },
      { itemIdentifier: notJson.messageId },
    ]);
    expect(handled).toHaveBeenCalledTimes(1);
  });

  it("refuses an unknown event version", async () => {
    const handler = fifoConsumer(() => Promise.resolve("DONE"));
    const future = sqsRecord({ ...orderPlaced(ORDER_B), version: 2 }, ORDER_B);
    const ok = sqsRecord(orderPlaced(ORDER_A), ORDER_A);
    const response = await handler(sqsEvent(future, ok), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: future.messageId }]);
  });

  it("throws when every record fails, so the whole batch returns to the queue", async () => {
    const handler = fifoConsumer(() => Promise.reject(new Error("down")));
    await expect(handler(sqsEvent(sqsRecord(orderPlaced(ORDER_A), ORDER_A)), lambdaContext())).rejects.toThrow(
      /All records failed/,
    );
  });

  it("returns no failures when every record succeeds", async () => {
    const handler = fifoConsumer(() => Promise.resolve("DONE"));
    const response = await handler(
      sqsEvent(sqsRecord(orderPlaced(ORDER_A), ORDER_A), sqsRecord(orderCancelled(ORDER_A), ORDER_A)),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([]);
  });
});

const failureOf = (logs: Record<string, any>[], messageId: string) =>
  logs.find((l) => l.messageId === messageId && (l.level === "ERROR" || l.level === "WARN"));

describe("fifoConsumer logs why each record fails, before reporting it", () => {
  it("logs a schema-invalid record at ERROR, field by field, with its ids only as unvalidated", async () => {
    const handled = jest.fn(() => Promise.resolve("DONE"));
    const body = orderPlaced(ORDER_A, { items: [{ sku: "KB-01", quantity: 0, unitPriceCents: 4_500 }] });
    const invalid = sqsRecord(body, ORDER_A, 3);

    const logs = await logsOf(() => fifoConsumer(handled)(sqsEvent(invalid), lambdaContext()));

    expect(handled).not.toHaveBeenCalled();
    const line = failureOf(logs, invalid.messageId);
    expect(line).toMatchObject({
      level: "ERROR",
      message: "failed",
      messageId: invalid.messageId,
      receiveCount: 3,
      messageGroupId: ORDER_A,
      reason: "the OrderPlaced event is invalid in 1 field: items.0.quantity: Too small: expected number to be >=1",
      issues: [{ field: "items.0.quantity", message: "Too small: expected number to be >=1" }],
      unvalidated: { orderId: ORDER_A, eventId: body.eventId, eventType: "OrderPlaced" },
      error: { name: "InvalidEventError" },
    });
    expect(line).not.toHaveProperty("orderId"); // only validated ids are top-level keys
  });

  it("names each invalid field, and the first three in the reason", async () => {
    const body = {
      ...orderPlaced(ORDER_A),
      currency: "XYZ",
      totalCents: -1,
      customer: { id: "c-1", email: "nope" },
      items: [{ sku: "kb", quantity: 1, unitPriceCents: 1 }],
    };
    const invalid = sqsRecord(body, ORDER_A);
    const logs = await logsOf(() => fifoConsumer(() => Promise.resolve("DONE"))(sqsEvent(invalid), lambdaContext()));
    const line = failureOf(logs, invalid.messageId)!;
    expect(line.issues.map((i: { field: string }) => i.field).sort()).toEqual(
      ["currency", "customer.email", "items.0.sku", "totalCents"].sort(),
    );
    expect(line.reason).toMatch(/^the OrderPlaced event is invalid in 4 fields: .+ \(and 1 more\)$/);
  });

  it("logs a body that is not JSON, or not an object", async () => {
    const notJson = sqsRecord("{not json", "group-x", 2);
    const notObject = sqsRecord('"a string"', "group-y");
    const logs = await logsOf(() =>
      fifoConsumer(() => Promise.resolve("DONE"))(sqsEvent(notJson, notObject), lambdaContext()),
    );
    expect(failureOf(logs, notJson.messageId)).toMatchObject({
      level: "ERROR",
      receiveCount: 2,
      messageGroupId: "group-x",
      reason: "the body is not JSON (9 characters)",
    });
    expect(failureOf(logs, notObject.messageId)).toMatchObject({
      level: "ERROR",
      reason: "the body is JSON a string, not an event object",
    });
    expect(failureOf(logs, notJson.messageId)).not.toHaveProperty("issues");
  });

  it("says which unknown version or event type it got", async () => {
    const future = sqsRecord({ ...orderPlaced(ORDER_A), version: 2 }, ORDER_A);
    const shipped = sqsRecord({ ...orderCancelled(ORDER_B), eventType: "OrderShipped" }, ORDER_B);
    const untyped = sqsRecord({ orderId: "ord_x" }, "group-z");
    const logs = await logsOf(() =>
      fifoConsumer(() => Promise.resolve("DONE"))(sqsEvent(future, shipped, untyped), lambdaContext()),
    );
    expect(failureOf(logs, future.messageId)).toMatchObject({
      reason: "the OrderPlaced event has unknown version 2 (this consumer reads version 1)",
      unvalidated: { orderId: ORDER_A },
    });
    expect(failureOf(logs, shipped.messageId)?.reason).toMatch(
      /^the event has unknown event type "OrderShipped" \(this consumer reads OrderPlaced, OrderCancelled\b/,
    );
    expect(failureOf(logs, untyped.messageId)).toMatchObject({
      reason: expect.stringMatching(/^the event has no eventType \(this consumer reads OrderPlaced, /),
      unvalidated: { orderId: "ord_x" },
    });
  });

  it("logs a handler's error with the event's ids, and the later record of the group as not attempted", async () => {
    const handler = fifoConsumer((event: OrderEvent) =>
      event.eventType === "OrderPlaced" && event.orderId === ORDER_A
        ? Promise.reject(new Error("table unavailable"))
        : Promise.resolve("DONE"),
    );
    const a1 = sqsRecord(orderPlaced(ORDER_A), ORDER_A, 2);
    const b1 = sqsRecord(orderPlaced(ORDER_B), ORDER_B);
    const a2 = sqsRecord(orderCancelled(ORDER_A), ORDER_A, 2);

    let response: unknown;
    const logs = await logsOf(async () => (response = await handler(sqsEvent(a1, b1, a2), lambdaContext())));

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: a1.messageId }, { itemIdentifier: a2.messageId }],
    });
    expect(failureOf(logs, a1.messageId)).toMatchObject({
      level: "ERROR",
      message: "failed",
      receiveCount: 2,
      messageGroupId: ORDER_A,
      orderId: ORDER_A,
      eventId: `${ORDER_A}:OrderPlaced`,
      eventType: "OrderPlaced",
      reason: "the handler threw Error: table unavailable",
      error: { name: "Error", message: "table unavailable" },
    });
    expect(failureOf(logs, a2.messageId)).toEqual(
      expect.objectContaining({
        level: "WARN",
        message: "not attempted",
        messageId: a2.messageId,
        receiveCount: 2,
        messageGroupId: ORDER_A,
        reason: `not attempted: message ${a1.messageId} of its group failed before it in this batch, and a group is processed in order`,
      }),
    );
    // The successful record's line keeps its shape; the failed group's keys never leak into it.
    expect(logs.filter((l) => l.message === "processed")).toEqual([
      expect.objectContaining({
        level: "INFO",
        orderId: ORDER_B,
        eventId: `${ORDER_B}:OrderPlaced`,
        eventType: "OrderPlaced",
        outcome: "DONE",
        ms: expect.any(Number),
      }),
    ]);
    expect(logs.find((l) => l.message === "processed")).not.toHaveProperty("reason");
  });

  it("logs every record of a batch that fails entirely, before the handler throws", async () => {
    const a1 = sqsRecord("{", ORDER_A);
    const a2 = sqsRecord(orderCancelled(ORDER_A), ORDER_A);
    const handler = fifoConsumer(() => Promise.resolve("DONE"));
    let thrown: unknown;
    const logs = await logsOf(() => handler(sqsEvent(a1, a2), lambdaContext()).catch((e) => (thrown = e)));
    expect(String(thrown)).toMatch(/All records failed/);
    expect(failureOf(logs, a1.messageId)).toMatchObject({
      level: "ERROR",
      reason: "the body is not JSON (1 character)",
    });
    expect(failureOf(logs, a2.messageId)).toMatchObject({ level: "WARN", message: "not attempted" });
  });

  it("logs nothing at ERROR or WARN when every record succeeds", async () => {
    const logs = await logsOf(() =>
      fifoConsumer(() => Promise.resolve("DONE"))(
        sqsEvent(sqsRecord(orderPlaced(ORDER_A), ORDER_A), sqsRecord(orderCancelled(ORDER_A), ORDER_A)),
        lambdaContext(),
      ),
    );
    expect(logs.map((l) => l.level)).toEqual(["INFO", "INFO"]);
  });
});

describe("fifoConsumer metrics", () => {
  it("counts the outcomes an operator counts and each record's processing time, in one EMF document", async () => {
    const outcomes: Record<string, string> = {
      [`${ORDER_A}:OrderPlaced`]: "RESERVED",
      [`${ORDER_B}:OrderPlaced`]: "OUT_OF_STOCK",
      [`${ORDER_A}:OrderCancelled`]: "RELEASED",
    };
    const handler = fifoConsumer((event: OrderEvent) => Promise.resolve(outcomes[event.eventId]));
    const batch = sqsEvent(
      sqsRecord(orderPlaced(ORDER_A), ORDER_A),
      sqsRecord(orderPlaced(ORDER_B), ORDER_B),
      sqsRecord(orderCancelled(ORDER_A), ORDER_A),
    );

    const documents = await emfDocumentsOf(() => handler(batch, lambdaContext()));

    expect(documents).toHaveLength(1);
    const [document] = documents;
    expect(document._aws.CloudWatchMetrics[0].Dimensions).toEqual([["service"]]);
    expect(definitionsOf(document)).toEqual({
      ProcessingTime: "Milliseconds",
      OrdersReserved: "Count",
      OrdersOutOfStock: "Count",
    });
    expect(document).toMatchObject({ OrdersReserved: 1, OrdersOutOfStock: 1 });
    expect(document.ProcessingTime).toHaveLength(3); // one value per record, RELEASED counts nothing
    expect(typeof document.service).toBe("string");
  });

  it("records the processing time of a failed record too, and flushes when the whole batch fails", async () => {
    const handler = fifoConsumer(() => Promise.reject(new Error("down")));
    const documents = await emfDocumentsOf(() =>
      handler(sqsEvent(sqsRecord(orderPlaced(ORDER_A), ORDER_A)), lambdaContext()),
    );
    expect(documents).toHaveLength(1);
    expect(definitionsOf(documents[0])).toEqual({ ProcessingTime: "Milliseconds" });
  });
});
