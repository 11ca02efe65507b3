import { Faults, FaultSpecError } from "../../../local/emulation/faults";
import { orderPlaced, ORDER_A, ORDER_B, sqsRecord } from "../../support/events";

describe("Faults", () => {
  it("refuses one order's publishes while others go through, until that fault is removed", () => {
    const faults = new Faults();
    const id = faults.add({ publish: "refuse", orderId: ORDER_A });
    expect(faults.refusesPublish(ORDER_A)).toBe(true);
    expect(faults.refusesPublish(ORDER_A)).toBe(true);
    expect(faults.refusesPublish(ORDER_B)).toBe(false);
    expect(faults.remove(id)).toBe(true);
    expect(faults.refusesPublish(ORDER_A)).toBe(false);
    expect(faults.remove(id)).toBe(false);
  });

  it("refuses every publish a counted number of times", () => {
    const faults = new Faults();
    faults.add({ publish: "refuse", times: 2 });
    expect([ORDER_A, ORDER_B, ORDER_A].map((o) => faults.refusesPublish(o))).toEqual([true, true, false]);
  });

  it("removes one fault by id and leaves the others", () => {
    const faults = new Faults();
    const billing = faults.add({ function: "billing", orderId: ORDER_A });
    const notification = faults.add({ function: "notification", orderId: ORDER_A });
    expect(billing).not.toBe(notification);
    faults.remove(billing);
    const record = sqsRecord(orderPlaced(ORDER_A), ORDER_A);
    expect(faults.splitBatch("order-fanout-local-billing", [record]).failedIds).toEqual([]);
    expect(faults.splitBatch("order-fanout-local-notification", [record]).failedIds).toEqual([record.messageId]);
  });

  it("names what is wrong with a spec", () => {
    const faults = new Faults();
    expect(() => faults.add({ publish: "drop" } as never)).toThrow(FaultSpecError);
    expect(() => faults.add({ function: "billing" })).toThrow(
      "a message fault needs an orderId, an eventType, or both",
    );
    expect(() => faults.add({ function: "billing", share: 2 })).toThrow("share must be 0 to 1, got 2");
  });
});
