/**
 * Every consumer decides from the order's lifecycle as well as the event. For each consumer, every
 * interleaving of an order's life is walked, in every order and with every event delivered twice:
 * the API cancelling (or inventory rejecting for short stock) at any point, OrderPlaced before or
 * after it (a late or redriven delivery), and the event that ends the order. After each walk the
 * final stock, documents and e-mails must be what the order's life allows. The domain functions
 * run with real SDK clients against DynamoDB Local and fauxqs's S3, as they do in the local runtime.
 */
import type { Context } from "aws-lambda";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { CreateBucketCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Emulator, startDynamoDbLocal } from "../../local/emulation/emulators";
import { startFauxqsProcess } from "../support/fauxqs-process";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../contract/local-endpoints";
import { cancelOrder, placeOrder } from "../../lambda-src/orders-api/orders";
import { handleInventoryEvent } from "../../lambda-src/inventory/stock";
import { bill } from "../../lambda-src/billing/billing";
import { invoiceKey, creditNoteKey } from "../../lambda-src/billing/documents";
import { notify, onceIdempotent } from "../../lambda-src/notification/notify";
import { Delivery } from "../../lambda-src/notification/email";
import { review } from "../../lambda-src/review/review";
import { EventType, OrderEvent } from "../../contract/events";
import { OrderRecord } from "../../lambda-src/shared/order-record";
import { itemsToTry } from "../../lambda-src/inventory/stock-items";
import { importCatalogue } from "../../ops/catalogue/import";

const PORTS = { dynamodb: 8430, aws: 4930 };
const TABLES = { orders: "orders", products: "products", idempotency: "idempotency" };
const BUCKET = "documents";
const THRESHOLDS = { EUR: 100_000, USD: 110_000, GBP: 85_000 };

let emulators: Emulator[] = [];
let ddb: DynamoDBDocumentClient;
let dynamoDb: DynamoDBClient;
let s3: S3Client;

beforeAll(async () => {
  const [dynamodb, aws] = await Promise.all([startDynamoDbLocal(PORTS.dynamodb), startFauxqsProcess(PORTS.aws)]);
  emulators = [dynamodb, aws];
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  dynamoDb = new DynamoDBClient({ ...common, endpoint: dynamodb.endpoint });
  ddb = DynamoDBDocumentClient.from(dynamoDb, { marshallOptions: { removeUndefinedValues: true } });
  s3 = new S3Client({ ...common, endpoint: aws.endpoint, forcePathStyle: true });
  for (const [name, key] of [
    [TABLES.orders, "orderId"],
    [TABLES.products, "sku"],
    [TABLES.idempotency, "id"],
  ]) {
    await dynamoDb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: key, AttributeType: "S" }],
      }),
    );
  }
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
}, 60_000);

afterAll(async () => {
  await Promise.all(emulators.map((e) => e.stop()));
});

/** What a walk does: an API cancel, inventory rejecting, or delivering an event to the consumer. */
type Step = "cancel" | "reject" | "placed" | "ended";

/** Every distinct order of the steps in which the order's end is delivered only after it happened. */
function interleavings(steps: Step[], end: Step): Step[][] {
  const seen = new Set<string>();
  const walk = (rest: Step[], done: Step[]): Step[][] => {
    if (rest.length === 0) return [done];
    return rest.flatMap((step, i) => {
      const key = `${done.join(",")}|${step}`;
      if (seen.has(key) || (step === "ended" && !done.includes(end))) return [];
      seen.add(key);
      return walk([...rest.slice(0, i), ...rest.slice(i + 1)], [...done, step]);
    });
  };
  return walk(steps, []);
}

const CANCEL_WALKS = interleavings(["cancel", "placed", "placed", "ended", "ended"], "cancel");
const REJECT_WALKS = interleavings(["reject", "placed", "placed", "ended", "ended"], "reject");
const PLACED_WALKS: Step[][] = [["placed", "placed"]];
/** Every walk of an order that ends, with the event that ends it. */
const ENDING_WALKS: [EventType, string][] = [
  ...CANCEL_WALKS.map((w): [EventType, string] => ["OrderCancelled", w.join(" → ")]),
  ...REJECT_WALKS.map((w): [EventType, string] => ["OrderRejected", w.join(" → ")]),
];

let orders = 0;

/** A new order for `quantity` of a new product with `stock`, placed through the real API code. */
async function newOrder(stock: number, quantity: number, unitPriceCents = 10_000) {
  const n = ++orders;
  const sku = `LIFE-${n}`;
  await ddb.send(
    new PutCommand({
      TableName: TABLES.products,
      Item: { sku, name: `product ${n}`, unitPriceCents, currency: "EUR", stock },
    }),
  );
  return { sku, ...(await placeFor(sku, quantity, n)) };
}

/** Order `n`: `quantity` of `sku`, placed through the real API code. */
async function placeFor(sku: string, quantity: number, n: number) {
  const published: OrderEvent[] = [];
  const api = {
    ddb,
    ordersTable: TABLES.orders,
    productsTable: TABLES.products,
    publisher: { publish: (event: OrderEvent) => Promise.resolve(void published.push(event)) },
  };
  const order = await placeOrder(api, `lifecycle-${n}`, {
    customer: { id: `c-${n}`, email: `customer-${n}@shop.co.uk` },
    items: [{ sku, quantity }],
    currency: "EUR",
  });
  return { api, orderId: order.orderId };
}

async function loadOrder(orderId: string): Promise<OrderRecord> {
  const { Item } = await ddb.send(new GetCommand({ TableName: TABLES.orders, Key: { orderId }, ConsistentRead: true }));
  return OrderRecord.parse(Item);
}

async function stockOf(sku: string): Promise<number> {
  const { Item } = await ddb.send(new GetCommand({ TableName: TABLES.products, Key: { sku }, ConsistentRead: true }));
  return Number(Item?.stock);
}

/** The recorded event of that type, as the relay would publish it. */
async function recorded(orderId: string, eventType: EventType): Promise<OrderEvent> {
  const entry = (await loadOrder(orderId)).outbox[eventType];
  if (!entry) throw new Error(`order ${orderId} has no ${eventType} in its outbox`);
  return entry.event;
}

const inventory = (event: OrderEvent) => handleInventoryEvent({ ddb, tables: TABLES }, event);

/**
 * Runs a walk for one consumer: `cancel` is the API's cancel; `reject` is inventory meeting short
 * stock (for inventory itself, its first OrderPlaced does that); `placed` and `ended` deliver the
 * order's OrderPlaced and the event that ended it to the consumer.
 */
async function walk(
  steps: Step[],
  orderId: string,
  api: Parameters<typeof cancelOrder>[0],
  consume: (event: OrderEvent) => Promise<unknown>,
  endType: EventType,
): Promise<{ placedBeforeEnd: boolean }> {
  let ended = false;
  let placedBeforeEnd = false;
  for (const step of steps) {
    if (step === "cancel") await cancelOrder(api, orderId, "changed my mind");
    if (step === "reject") await inventory(await recorded(orderId, "OrderPlaced"));
    if (step === "placed") {
      placedBeforeEnd ||= !ended;
      await consume(await recorded(orderId, "OrderPlaced"));
    }
    if (step === "ended") await consume(await recorded(orderId, endType));
    if (step === "cancel" || step === "reject") ended = true;
  }
  return { placedBeforeEnd };
}

const label = (steps: Step[]) => steps.join(" → ");

describe("inventory: stock is never leaked and never released twice", () => {
  it.each(CANCEL_WALKS.map(label))("cancelled: %s", async (steps) => {
    const { api, sku, orderId } = await newOrder(10, 3);
    await walk(steps.split(" → ") as Step[], orderId, api, inventory, "OrderCancelled");
    expect(await stockOf(sku)).toBe(10);
    expect((await loadOrder(orderId)).reservation?.status).not.toBe("RESERVED");
  });

  // Inventory rejects on its own first OrderPlaced; the rejection comes back to it afterwards.
  it.each(interleavings(["placed", "placed", "ended", "ended"], "placed").map(label))(
    "rejected for short stock: %s",
    async (steps) => {
      const { api, sku, orderId } = await newOrder(2, 3);
      await walk(steps.split(" → ") as Step[], orderId, api, inventory, "OrderRejected");
      expect(await stockOf(sku)).toBe(2);
      const order = await loadOrder(orderId);
      expect(order.status).toBe("REJECTED");
      expect(order.outbox.OrderRejected?.event).toMatchObject({
        reason: "OUT_OF_STOCK",
        lines: [{ sku, requested: 3, available: 2 }],
      });
    },
  );

  it.each(PLACED_WALKS.map(label))("placed only: %s", async (steps) => {
    const { api, sku, orderId } = await newOrder(10, 3);
    await walk(steps.split(" → ") as Step[], orderId, api, inventory, "OrderCancelled");
    expect(await stockOf(sku)).toBe(7);
  });
});

describe("inventory: a sharded SKU takes a line from one shard, never below zero, and gives it back there", () => {
  const stocksOf = (keys: string[]) => Promise.all(keys.map(stockOf));
  const setStock = (key: string, stock: number) =>
    ddb.send(
      new UpdateCommand({
        TableName: TABLES.products,
        Key: { sku: key },
        UpdateExpression: "SET stock = :stock",
        ExpressionAttributeValues: { ":stock": stock },
      }),
    );

  /** A new product imported with `total` stock over `shards`, as `npm run catalogue` does. */
  async function shardedProduct(total: number, shards: number): Promise<string> {
    const sku = `SHARD-${++orders}`;
    const product = { sku, name: sku, unitPriceCents: 1_000, currency: "EUR" as const, stock: total };
    await importCatalogue(ddb, TABLES.products, [{ ...product, stockShards: shards }]);
    return sku;
  }

  /**
   * An order for `quantity` of a sharded SKU whose shards hold `stocks`, in the order this order
   * tries them (`tried`): `stocks[0]` is on the shard it starts from.
   */
  async function shardedOrder(stocks: number[], quantity: number) {
    const sku = await shardedProduct(stocks.length, stocks.length);
    const { api, orderId } = await placeFor(sku, quantity, ++orders);
    const tried = itemsToTry(sku, new Map([[sku, stocks.length]]), orderId);
    await Promise.all(tried.map((key, i) => setStock(key, stocks[i])));
    return { api, sku, orderId, tried };
  }

  it("starts concurrent orders on different shards", () => {
    const layouts = new Map([["X", 4]]);
    const firsts = new Set(Array.from({ length: 40 }, (_, i) => itemsToTry("X", layouts, `ord_${i}`)[0]));
    expect(firsts).toEqual(new Set(["X#0", "X#1", "X#2", "X#3"]));
  });

  it("falls back from short shards to one with enough, and records the shard it took from", async () => {
    const { sku, orderId, tried } = await shardedOrder([1, 0, 5, 2], 3);
    expect(await inventory(await recorded(orderId, "OrderPlaced"))).toBe("RESERVED");
    expect(await stocksOf(tried)).toEqual([1, 0, 2, 2]);
    expect(await stockOf(sku)).toBeNaN(); // the product item holds no stock
    expect((await loadOrder(orderId)).reservation?.items).toEqual([{ sku, quantity: 3, item: tried[2] }]);
  });

  /** Inventory's calls, by command, through a client that counts them. */
  function counted() {
    const calls: Record<string, number> = {};
    const client = {
      send: (command: { constructor: { name: string } }) => {
        calls[command.constructor.name] = (calls[command.constructor.name] ?? 0) + 1;
        return ddb.send(command as Parameters<typeof ddb.send>[0]);
      },
    } as unknown as DynamoDBDocumentClient;
    return { calls, handle: (event: OrderEvent) => handleInventoryEvent({ ddb: client, tables: TABLES }, event) };
  }

  it("costs a sold-out SKU's order one refused transaction and one read of its shards, not one per shard", async () => {
    const { orderId } = await shardedOrder([0, 0, 0, 0, 0, 0, 0, 0], 1);
    const { calls, handle } = counted();
    expect(await handle(await recorded(orderId, "OrderPlaced"))).toBe("OUT_OF_STOCK");
    expect(calls.TransactWriteCommand).toBe(1);
  });

  it("after a refusal, tries only the shards that hold enough, fullest first", async () => {
    const { orderId, tried } = await shardedOrder([1, 3, 0, 6, 4], 3);
    const { calls, handle } = counted();
    expect(await handle(await recorded(orderId, "OrderPlaced"))).toBe("RESERVED");
    expect(calls.TransactWriteCommand).toBe(2);
    expect(await stocksOf(tried)).toEqual([1, 3, 0, 3, 4]);
  });

  it("is out of stock only when every shard is short, naming the most one shard holds", async () => {
    const { api, sku, orderId, tried } = await shardedOrder([2, 2, 1, 2], 3); // 7 in all, 2 at most in one
    await walk(["placed", "placed", "ended", "ended"], orderId, api, inventory, "OrderRejected");
    expect(await stocksOf(tried)).toEqual([2, 2, 1, 2]);
    const order = await loadOrder(orderId);
    expect(order.status).toBe("REJECTED");
    expect(order.fulfilment.inventory?.status).toBe("NOTHING_TO_RELEASE");
    expect(order.outbox.OrderRejected?.event).toMatchObject({ lines: [{ sku, requested: 3, available: 2 }] });
  });

  it.each(CANCEL_WALKS.map(label))("cancelled: %s: every shard ends as it began", async (steps) => {
    const { api, orderId, tried } = await shardedOrder([1, 0, 5, 2], 3);
    await walk(steps.split(" → ") as Step[], orderId, api, inventory, "OrderCancelled");
    expect(await stocksOf(tried)).toEqual([1, 0, 5, 2]);
    expect((await loadOrder(orderId)).reservation?.status).not.toBe("RESERVED");
  });

  it.each(PLACED_WALKS.map(label))("placed only: %s: reserved once", async (steps) => {
    const { api, orderId, tried } = await shardedOrder([1, 0, 5, 2], 3);
    await walk(steps.split(" → ") as Step[], orderId, api, inventory, "OrderCancelled");
    expect(await stocksOf(tried)).toEqual([1, 0, 2, 2]);
  });

  it("reserves 5 units over 4 shards exactly 5 times among 20 concurrent orders", async () => {
    const sku = await shardedProduct(5, 4);
    const placed = [];
    for (let i = 0; i < 20; i++) placed.push(await placeFor(sku, 1, ++orders));
    const events = await Promise.all(placed.map((p) => recorded(p.orderId, "OrderPlaced")));
    const outcomes = await Promise.all(events.map(inventory));
    expect(outcomes.filter((o) => o === "RESERVED")).toHaveLength(5);
    expect(outcomes.filter((o) => o === "OUT_OF_STOCK")).toHaveLength(15);
    expect(await stocksOf([0, 1, 2, 3].map((i) => `${sku}#${i}`))).toEqual([0, 0, 0, 0]);
  });

  it("gives back to the product item when an import has made the SKU unsharded since the reservation", async () => {
    const { api, sku, orderId, tried } = await shardedOrder([0, 5, 0], 3);
    await inventory(await recorded(orderId, "OrderPlaced"));
    const product = { sku, name: sku, unitPriceCents: 1_000, currency: "EUR" as const, stock: 10 };
    await importCatalogue(ddb, TABLES.products, [product], { setStock: true });
    expect(await stocksOf(tried)).toEqual([NaN, NaN, NaN]); // deleted
    await cancelOrder(api, orderId, "changed my mind");
    expect(await inventory(await recorded(orderId, "OrderCancelled"))).toBe("RELEASED");
    expect(await stockOf(sku)).toBe(13);
  });

  it("reserves from the shards when an import shards the SKU just after inventory read it as unsharded", async () => {
    const { sku, orderId } = await newOrder(6, 3);
    let imported = false;
    // The import lands between inventory's read of the product item and its transaction.
    const racing = {
      send: async (command: unknown) => {
        const answer = await ddb.send(command as BatchGetCommand);
        if (command instanceof BatchGetCommand && !imported) {
          imported = true;
          const product = { sku, name: sku, unitPriceCents: 10_000, currency: "EUR" as const, stock: 6 };
          await importCatalogue(ddb, TABLES.products, [{ ...product, stockShards: 2 }], { setStock: true });
        }
        return answer;
      },
    } as DynamoDBDocumentClient;
    const placed = await recorded(orderId, "OrderPlaced");
    expect(await handleInventoryEvent({ ddb: racing, tables: TABLES }, placed)).toBe("RESERVED");
    expect((await stocksOf([`${sku}#0`, `${sku}#1`])).sort()).toEqual([0, 3]);
  });

  it("leaves an unsharded SKU's reservation as it was: its own item, no shard recorded", async () => {
    const { sku, orderId } = await newOrder(10, 3);
    await inventory(await recorded(orderId, "OrderPlaced"));
    expect((await loadOrder(orderId)).reservation?.items).toEqual([{ sku, quantity: 3 }]);
    expect(await stockOf(sku)).toBe(7);
  });
});

async function exists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    return true;
  } catch {
    return false;
  }
}

describe("billing: an order that ends leaves no net charge", () => {
  const billing = (event: OrderEvent) => bill({ ddb, s3, ordersTable: TABLES.orders, bucket: BUCKET }, event);

  it.each(ENDING_WALKS)("%s: %s", async (endType, steps) => {
    const short = endType === "OrderRejected";
    const { api, orderId } = await newOrder(short ? 1 : 10, 3);
    const { placedBeforeEnd } = await walk(steps.split(" → ") as Step[], orderId, api, billing, endType);
    const invoiced = await exists(invoiceKey(orderId));
    expect(invoiced).toBe(placedBeforeEnd);
    expect(await exists(creditNoteKey(orderId))).toBe(invoiced);
  });

  it.each(PLACED_WALKS.map(label))("placed only: %s", async (steps) => {
    const { api, orderId } = await newOrder(10, 3);
    await walk(steps.split(" → ") as Step[], orderId, api, billing, "OrderCancelled");
    expect(await exists(invoiceKey(orderId))).toBe(true);
    expect(await exists(creditNoteKey(orderId))).toBe(false);
  });
});

describe("notification: no confirmation for an order already over, every other e-mail once", () => {
  const sent: Delivery[] = [];
  const deliver = () => {
    const counting = (delivery: Delivery) => Promise.resolve(void sent.push(delivery));
    const { deliver, config } = onceIdempotent(counting, dynamoDb, TABLES.idempotency, 14);
    config.registerLambdaContext({ getRemainingTimeInMillis: () => 30_000 } as Context);
    return deliver;
  };
  const subjects = (orderId: string) => sent.filter((d) => d.eventId.startsWith(orderId)).map((d) => d.message.subject);

  it.each(ENDING_WALKS)("%s: %s", async (endType, steps) => {
    const short = endType === "OrderRejected";
    const { api, orderId } = await newOrder(short ? 1 : 10, 3);
    const notification = (event: OrderEvent) =>
      notify({ ddb, ordersTable: TABLES.orders, sender: "orders@shop.co.uk", deliver: deliver() }, event);
    const { placedBeforeEnd } = await walk(steps.split(" → ") as Step[], orderId, api, notification, endType);
    const ending = short ? `We could not fulfil your order ${orderId}` : `Order ${orderId} cancelled`;
    expect(subjects(orderId).sort()).toEqual(
      [...(placedBeforeEnd ? [`Order ${orderId} confirmed`] : []), ending].sort(),
    );
  });

  it.each(PLACED_WALKS.map(label))("placed only: %s", async (steps) => {
    const { api, orderId } = await newOrder(10, 3);
    const notification = (event: OrderEvent) =>
      notify({ ddb, ordersTable: TABLES.orders, sender: "orders@shop.co.uk", deliver: deliver() }, event);
    await walk(steps.split(" → ") as Step[], orderId, api, notification, "OrderCancelled");
    expect(subjects(orderId)).toEqual([`Order ${orderId} confirmed`]);
  });
});

describe("review: no case stays open for an order that ended", () => {
  const reviewing = (event: OrderEvent) => review({ ddb, ordersTable: TABLES.orders, thresholds: THRESHOLDS }, event);

  it.each(ENDING_WALKS)("%s: %s", async (endType, steps) => {
    const short = endType === "OrderRejected";
    const { api, orderId } = await newOrder(short ? 1 : 10, 3, 50_000); // 150,000 cents: reviewed
    const { placedBeforeEnd } = await walk(steps.split(" → ") as Step[], orderId, api, reviewing, endType);
    const closed = short ? "CLOSED_REJECTED" : "CLOSED_CANCELLED";
    expect((await loadOrder(orderId)).fulfilment.review?.status).toBe(placedBeforeEnd ? closed : "NOT_REVIEWED");
  });

  it.each(PLACED_WALKS.map(label))("placed only: %s", async (steps) => {
    const { api, orderId } = await newOrder(10, 3, 50_000);
    await walk(steps.split(" → ") as Step[], orderId, api, reviewing, "OrderCancelled");
    expect((await loadOrder(orderId)).fulfilment.review?.status).toBe("PENDING_REVIEW");
  });
});
