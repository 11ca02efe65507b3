import { fifoConsumer } from "../../lambda-src/shared/fifo-consumer";
import { OrderEvent } from "../../lambda-src/shared/events";
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
