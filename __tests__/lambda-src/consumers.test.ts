import { mockClient } from "aws-sdk-client-mock";
import {
  DynamoDBClient,
  TransactionCanceledException,
  ConditionalCheckFailedException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { handleInventoryEvent } from "../../lambda-src/inventory/stock";
import { bill } from "../../lambda-src/billing/billing";
import { notify } from "../../lambda-src/notification/notify";
import { sesTransport } from "../../lambda-src/notification/email";
import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { review } from "../../lambda-src/review/review";
import { recordFulfilment } from "../../lambda-src/shared/fulfilment";
import { OrderRecord } from "../../lambda-src/shared/order-record";
import { ORDER_A, orderCancelled, orderPlaced } from "../support/events";

const ddbMock = mockClient(DynamoDBDocumentClient);
const s3Mock = mockClient(S3Client);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
const s3 = new S3Client({ region: "eu-west-1" });
const tables = { orders: "orders", products: "products" };

const cancelledReasons = (...codes: string[]) =>
  new TransactionCanceledException({
    message: "cancelled",
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

function storedOrder(overrides: Partial<OrderRecord> = {}): OrderRecord {
  const placed = orderPlaced();
  return {
    orderId: placed.orderId,
    idempotencyKey: "k",
    requestHash: "h",
    status: "PLACED",
    customer: placed.customer,
    items: placed.items,
    totalCents: placed.totalCents,
    currency: "EUR",
    createdAt: placed.occurredAt,
    fulfilment: {},
    outbox: {},
    ...overrides,
  };
}

beforeEach(() => {
  ddbMock.reset();
  s3Mock.reset();
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(TransactWriteCommand).resolves({});
  // Inventory reads the product items first: none has stockShards, so each holds its own stock.
  ddbMock.on(BatchGetCommand).resolves({});
  s3Mock.on(PutObjectCommand).resolves({});
});

const outcomeWrites = () =>
  ddbMock
    .commandCalls(UpdateCommand)
    .filter((c) => c.args[0].input.UpdateExpression === "SET fulfilment.#service = :outcome");

describe("inventory", () => {
  it("reserves every line in one transaction that refuses to go below zero", async () => {
    expect(await handleInventoryEvent({ ddb, tables }, orderPlaced())).toBe("RESERVED");
    const [transaction] = ddbMock.commandCalls(TransactWriteCommand);
    const items = transaction.args[0].input.TransactItems!;
    expect(items).toHaveLength(3);
    expect(items[0].Update!.ConditionExpression).toContain("attribute_not_exists(reservation)");
    expect(items[1].Update).toMatchObject({
      Key: { sku: "KB-01" },
      ConditionExpression: "stock >= :quantity",
      ExpressionAttributeValues: { ":quantity": 2 },
    });
    expect(outcomeWrites()[0].args[0].input.ExpressionAttributeValues![":outcome"]).toMatchObject({
      status: "RESERVED",
      sequence: 1,
    });
  });

  it("rejects the order when a line is short: OUT_OF_STOCK, REJECTED and OrderRejected in one write", async () => {
    ddbMock.on(TransactWriteCommand).rejects(cancelledReasons("None", "None", "ConditionalCheckFailed"));
    ddbMock.on(BatchGetCommand).resolves({
      Responses: {
        products: [
          { sku: "KB-01", stock: 5 },
          { sku: "MS-02", stock: 0 },
        ],
      },
    });
    expect(await handleInventoryEvent({ ddb, tables }, orderPlaced())).toBe("OUT_OF_STOCK");
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1); // the refused one: no stock moved
    const [rejection] = ddbMock.commandCalls(UpdateCommand, {
      ConditionExpression: "attribute_not_exists(reservation) AND #status = :placed",
    });
    const input = rejection.args[0].input;
    expect(input.UpdateExpression).toContain("#status = :rejected");
    expect(input.UpdateExpression).toContain("ADD unpublished :eventTypes");
    const values = input.ExpressionAttributeValues!;
    expect(values[":reservation"].status).toBe("OUT_OF_STOCK");
    expect(values[":eventTypes"]).toEqual(new Set(["OrderRejected"]));
    expect(values[":outboxEntry"].event).toMatchObject({
      eventType: "OrderRejected",
      eventId: `${ORDER_A}:OrderRejected`,
      reason: "OUT_OF_STOCK",
      lines: [{ sku: "MS-02", requested: 1, available: 0 }],
    });
    expect(outcomeWrites()[0].args[0].input.ExpressionAttributeValues![":outcome"].status).toBe("OUT_OF_STOCK");
  });

  it("changes nothing for a redelivered OrderPlaced whose reservation exists", async () => {
    ddbMock.on(TransactWriteCommand).rejects(cancelledReasons("ConditionalCheckFailed", "None", "None"));
    ddbMock
      .on(GetCommand)
      .resolves({ Item: storedOrder({ reservation: { eventId: "e", status: "RESERVED", items: [] } }) });
    expect(await handleInventoryEvent({ ddb, tables }, orderPlaced())).toBe("RESERVED");
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1); // the refused one; no stock moved
  });

  it("retries a transaction conflict and then succeeds", async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelledReasons("TransactionConflict", "None", "None"))
      .resolves({});
    expect(await handleInventoryEvent({ ddb, tables }, orderPlaced())).toBe("RESERVED");
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it("releases a reservation once on OrderCancelled", async () => {
    const reservation = { eventId: "e", status: "RESERVED" as const, items: [{ sku: "KB-01", quantity: 2 }] };
    ddbMock.on(GetCommand).resolves({ Item: storedOrder({ reservation }) });
    expect(await handleInventoryEvent({ ddb, tables }, orderCancelled())).toBe("RELEASED");
    const items = ddbMock.commandCalls(TransactWriteCommand)[0].args[0].input.TransactItems!;
    expect(items[0].Update!.ConditionExpression).toBe("reservation.#status = :reserved");
    expect(items[1].Update).toMatchObject({ Key: { sku: "KB-01" }, UpdateExpression: "SET stock = stock + :quantity" });
  });

  it("does not release twice", async () => {
    const reservation = { eventId: "e", status: "RELEASED" as const, items: [{ sku: "KB-01", quantity: 2 }] };
    ddbMock.on(GetCommand).resolves({ Item: storedOrder({ reservation }) });
    expect(await handleInventoryEvent({ ddb, tables }, orderCancelled())).toBe("RELEASED");
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it("records NOTHING_TO_RELEASE for a cancelled order that reserved nothing", async () => {
    ddbMock
      .on(GetCommand)
      .resolves({ Item: storedOrder({ reservation: { eventId: "e", status: "OUT_OF_STOCK", items: [] } }) });
    expect(await handleInventoryEvent({ ddb, tables }, orderCancelled())).toBe("NOTHING_TO_RELEASE");
    expect(outcomeWrites()[0].args[0].input.ExpressionAttributeValues![":outcome"]).toMatchObject({
      status: "NOTHING_TO_RELEASE",
      sequence: 2,
    });
  });
});

describe("recordFulfilment", () => {
  it("never lets an earlier event's outcome replace a later one", async () => {
    ddbMock.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: "later exists",
        $metadata: {},
        Item: { orderId: { S: ORDER_A } },
      }),
    );
    expect(await recordFulfilment(ddb, "orders", "billing", orderPlaced(), "INVOICED")).toBe(false);
    const [update] = ddbMock.commandCalls(UpdateCommand);
    expect(update.args[0].input.ConditionExpression).toContain("fulfilment.#service.#sequence < :sequence");
    // The same event delivered again keeps its first outcome.
    expect(update.args[0].input.ConditionExpression).toContain(
      "(fulfilment.#service.#sequence = :sequence AND fulfilment.#service.eventId <> :eventId)",
    );
  });

  it("fails for an order that does not exist", async () => {
    ddbMock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: "no order", $metadata: {} }));
    await expect(recordFulfilment(ddb, "orders", "billing", orderPlaced(), "INVOICED")).rejects.toThrow(
      `order ${ORDER_A} does not exist; cannot record billing outcome`,
    );
  });
});

describe("billing", () => {
  const deps = { ddb, s3, ordersTable: "orders", bucket: "docs" };
  beforeEach(() => ddbMock.on(GetCommand).resolves({ Item: storedOrder() }));

  it("writes an invoice derived from the order, then records INVOICED", async () => {
    expect(await bill(deps, orderPlaced())).toBe("INVOICED");
    const [put] = s3Mock.commandCalls(PutObjectCommand);
    expect(put.args[0].input).toMatchObject({ Bucket: "docs", Key: `invoices/${ORDER_A}.json` });
    const invoice = JSON.parse(put.args[0].input.Body as string);
    expect(invoice).toMatchObject({
      invoiceNumber: "INV-AAAAAAAAAAAAAAAAAAAAAAAA",
      issuedAt: "2026-11-01T10:00:00.000Z",
      totalCents: 11_000,
      lines: [
        { sku: "KB-01", amountCents: 9_000 },
        { sku: "MS-02", amountCents: 2_000 },
      ],
    });
  });

  it("writes the same invoice again on a redelivery", async () => {
    await bill(deps, orderPlaced());
    await bill(deps, orderPlaced());
    const [first, second] = s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Body);
    expect(second).toEqual(first);
  });

  it("refuses an event whose lines do not add up to its total", async () => {
    await expect(bill(deps, orderPlaced(ORDER_A, { totalCents: 1 }))).rejects.toThrow(
      "lines add up to 11000 cents but the event says 1",
    );
    expect(outcomeWrites()).toHaveLength(0);
  });

  it("writes a credit note on OrderCancelled", async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder() });
    expect(await bill(deps, orderCancelled())).toBe("CREDITED");
    const [put] = s3Mock.commandCalls(PutObjectCommand);
    expect(put.args[0].input.Key).toBe(`invoices/${ORDER_A}.credit-note.json`);
    expect(JSON.parse(put.args[0].input.Body as string)).toMatchObject({
      creditNoteNumber: "CN-AAAAAAAAAAAAAAAAAAAAAAAA",
      totalCents: 11_000,
    });
  });
});

describe("notification", () => {
  it("e-mails the confirmation through the transport, then records CONFIRMATION_SENT", async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder() });
    const deliver = jest.fn(() => Promise.resolve());
    expect(await notify({ ddb, ordersTable: "orders", sender: "shop@example.com", deliver }, orderPlaced())).toBe(
      "CONFIRMATION_SENT",
    );
    expect(deliver).toHaveBeenCalledWith({
      eventId: `${ORDER_A}:OrderPlaced`,
      message: expect.objectContaining({
        from: "shop@example.com",
        to: "ada@example.com",
        subject: `Order ${ORDER_A} confirmed`,
      }),
    });
  });

  it.each(["OrderPlaced", "OrderCancelled"] as const)(
    "sends nothing for an %s whose outcome the order already records (a replay past the idempotency record)",
    async (type) => {
      const event = type === "OrderPlaced" ? orderPlaced() : orderCancelled();
      const recorded = {
        status: "CONFIRMATION_SENT",
        at: event.occurredAt,
        eventId: event.eventId,
        sequence: 1,
      } as const;
      const status = type === "OrderPlaced" ? "PLACED" : "CANCELLED";
      ddbMock.on(GetCommand).resolves({ Item: storedOrder({ status, fulfilment: { notification: recorded } }) });
      const deliver = jest.fn(() => Promise.resolve());
      expect(await notify({ ddb, ordersTable: "orders", sender: "s@example.com", deliver }, event)).toBe(
        "CONFIRMATION_SENT",
      );
      expect(deliver).not.toHaveBeenCalled();
      expect(outcomeWrites()).toHaveLength(0);
    },
  );

  it("records nothing when the e-mail could not be sent", async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder() });
    const deliver = jest.fn(() => Promise.reject(new Error("SES throttled")));
    await expect(
      notify({ ddb, ordersTable: "orders", sender: "s@example.com", deliver }, orderCancelled()),
    ).rejects.toThrow("SES throttled");
    expect(outcomeWrites()).toHaveLength(0);
  });

  it("sends through SES in the stack's configuration set, the only one its role may use", async () => {
    const sesMock = mockClient(SESv2Client);
    sesMock.on(SendEmailCommand).resolves({ MessageId: "m-1" });
    const message = { from: "orders@shop.co.uk", to: "ada@example.com", subject: "s", text: "t" };
    await sesTransport(new SESv2Client({ region: "eu-west-1" }), "order-fanout-dev")({ eventId: "e-1", message });
    expect(sesMock.commandCalls(SendEmailCommand)[0].args[0].input).toEqual({
      ConfigurationSetName: "order-fanout-dev",
      FromEmailAddress: "orders@shop.co.uk",
      Destination: { ToAddresses: ["ada@example.com"] },
      Content: { Simple: { Subject: { Data: "s" }, Body: { Text: { Data: "t" } } } },
    });
    sesMock.restore();
  });
});

describe("review", () => {
  const deps = { ddb, ordersTable: "orders", thresholds: { EUR: 100_000, USD: 110_000, GBP: 85_000 } };

  it("opens a case at or above the threshold", async () => {
    ddbMock.on(GetCommand).resolves({ Item: storedOrder() });
    expect(
      await review(
        deps,
        orderPlaced(ORDER_A, { totalCents: 100_000, items: [{ sku: "TV-1", quantity: 1, unitPriceCents: 100_000 }] }),
      ),
    ).toBe("PENDING_REVIEW");
    expect(outcomeWrites()[0].args[0].input.ExpressionAttributeValues![":outcome"].status).toBe("PENDING_REVIEW");
  });

  it("ignores an order below the threshold", async () => {
    expect(await review(deps, orderPlaced())).toBe("IGNORED");
    expect(outcomeWrites()).toHaveLength(0);
  });
});
