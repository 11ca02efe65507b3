/**
 * Stock reservation. One DynamoDB transaction decrements every line's stock only if enough is
 * available and records the reservation on the order, keyed by the OrderPlaced eventId; so stock
 * never goes negative, two orders racing for the last unit reserve it once, and a redelivered event
 * finds its reservation and changes nothing. A sharded SKU's line is taken from one of its shards
 * (stock-items.ts): the transaction is tried again with the next shard for each line it refused.
 */
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { eventIdFor, OrderCancelled, OrderEvent, OrderPlaced, OrderRejected, ShortLine } from "../../contract/events";
import { attributesOf, recordEvent } from "../shared/outbox";
import { recordFulfilment } from "../shared/fulfilment";
import { FulfilmentStatus, Reservation } from "../shared/order-record";
import { loadOrder } from "../shared/orders";
import { itemsToTry, Layouts, mostAvailable, readLayouts, sameLayouts } from "./stock-items";
import { cachedProductReader, getProductItems, ProductReader } from "../shared/product-reads";
import { RetryPolicy, retryWithBackoff } from "../shared/retry";

export interface StockTables {
  readonly orders: string;
  readonly products: string;
}

/**
 * Transactions touching the same items concurrently are cancelled with TransactionConflict: eight
 * attempts, full-jitter backoff between them, capped: uncapped, the last waits reach 2.5 and 5 s,
 * which holds a whole FIFO batch (and its visibility timeout) for one contended SKU. Capped, eight
 * attempts wait about a second at most in all.
 */
const CONFLICT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 40, maxDelayMs: 250 };

function isConditionFailure(code: string | undefined): boolean {
  return code === "ConditionalCheckFailed";
}

function isConflict(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((r) => r.Code === "TransactionConflict")
  );
}

async function transactWithConflictRetry(ddb: DynamoDBDocumentClient, command: TransactWriteCommand): Promise<void> {
  let conflict: unknown;
  const done = await retryWithBackoff(CONFLICT_RETRY, async () => {
    try {
      await ddb.send(command);
      return true;
    } catch (error) {
      if (!isConflict(error)) throw error;
      conflict = error;
      return false;
    }
  });
  if (!done) throw conflict;
}

async function reservationOf(ddb: DynamoDBDocumentClient, tables: StockTables, orderId: string) {
  return (await loadOrder(ddb, tables.orders, orderId)).reservation;
}

interface OrderUpdate {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

type StockLine = Reservation["items"][number];
/** A line with the item it changes: the product's own (its SKU) or one of its shards. */
type PlacedLine = StockLine & { item: string };
type Change = "take" | "give back";

/**
 * One transaction: the change to the order's reservation and every line's stock item, all or
 * nothing. Taking is conditional on enough being left, giving back on the item holding stock (a
 * shard an import removed does not); the order's change comes first, so CancellationReasons[0] is
 * the order's and the rest are the lines', in order.
 */
async function transactReservation(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  orderId: string,
  lines: PlacedLine[],
  change: Change,
  orderUpdate: OrderUpdate,
): Promise<void> {
  await transactWithConflictRetry(
    ddb,
    new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: tables.orders, Key: { orderId }, ...orderUpdate } },
        ...lines.map(({ item, quantity }) => ({
          Update: {
            TableName: tables.products,
            Key: { sku: item },
            UpdateExpression: change === "take" ? "SET stock = stock - :quantity" : "SET stock = stock + :quantity",
            ConditionExpression: change === "take" ? "stock >= :quantity" : "attribute_exists(stock)",
            ExpressionAttributeValues: { ":quantity": quantity },
          },
        })),
      ],
    }),
  );
}

/** Done, refused by the order's condition, or some line found no item that would do. */
type Outcome = "DONE" | "ORDER_REFUSED" | { short: Layouts };

/**
 * Of `items`, those a line may use now (strongly consistent): to take, the ones holding at least
 * its quantity, fullest first; to give back, the ones that still exist.
 */
async function usableItems(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  items: string[],
  quantity: number,
  change: Change,
): Promise<string[]> {
  if (items.length === 0) return [];
  const stored = await getProductItems(ddb, tables.products, items, true);
  const stock = (item: string) => stored.get(item)?.stock;
  if (change === "give back") return items.filter((item) => stock(item) !== undefined);
  return items
    .filter((item) => Number(stock(item) ?? 0) >= quantity)
    .sort((a, b) => Number(stock(b)) - Number(stock(a)));
}

/**
 * The transaction with each line on the first item it may use. A line the transaction refused
 * reads its other items once and moves on to those that can take it, fullest first; so an order
 * for a sold-out flash-sale SKU costs one refused transaction and one read, not one per shard.
 */
async function transactOverItems(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  orderId: string,
  candidates: { line: StockLine; items: string[] }[],
  change: Change,
  orderUpdate: (lines: PlacedLine[]) => OrderUpdate,
): Promise<"DONE" | "ORDER_REFUSED" | "SHORT"> {
  const items = candidates.map((c) => c.items);
  const next = candidates.map(() => 0);
  const reread = candidates.map(() => false);
  for (;;) {
    const lines = candidates.map(({ line }, i) => ({ ...line, item: items[i][next[i]] }));
    try {
      await transactReservation(ddb, tables, orderId, lines, change, orderUpdate(lines));
      return "DONE";
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [orderReason, ...lineReasons] = error.CancellationReasons ?? [];
      if (isConditionFailure(orderReason?.Code)) return "ORDER_REFUSED";
      const refused = lineReasons.flatMap((reason, i) => (isConditionFailure(reason.Code) ? [i] : []));
      if (refused.length === 0) throw error;
      for (const i of refused) {
        const rest = items[i].slice(next[i] + 1);
        // Once re-read, the list is what can take the line: a refusal then is a race, try the next.
        items[i] = reread[i] ? rest : await usableItems(ddb, tables, rest, candidates[i].line.quantity, change);
        reread[i] = true;
        next[i] = 0;
        if (items[i].length === 0) return "SHORT";
      }
    }
  }
}

/**
 * `transactOverItems` on the layouts read now; when a line found no item, the layouts are read
 * again, strongly consistent, and if an import changed one since (stockShards), tried once more:
 * a stale read never rejects an order or fails a release.
 */
async function transactOnLayouts(
  { ddb, tables, readProducts }: StockStore,
  orderId: string,
  lines: StockLine[],
  change: Change,
  orderUpdate: (lines: PlacedLine[]) => OrderUpdate,
): Promise<Outcome> {
  const skus = lines.map((l) => l.sku);
  let layouts = await readLayouts(readProducts, skus);
  for (let pass = 1; ; pass++) {
    const candidates = lines.map((line) => ({ line, items: itemsToTry(line.sku, layouts, orderId, line.item) }));
    const outcome = await transactOverItems(ddb, tables, orderId, candidates, change, orderUpdate);
    if (outcome !== "SHORT") return outcome;
    const current = await readLayouts(readProducts, skus, true);
    if (pass > 1 || sameLayouts(current, layouts)) return { short: current };
    layouts = current;
  }
}

/** What the reservation records of a line: the item only when it is not the product's own. */
function recorded({ sku, quantity, item }: PlacedLine): StockLine {
  return item === sku ? { sku, quantity } : { sku, quantity, item };
}

/** Merges repeated SKUs so each product is updated once in the transaction. */
function quantitiesBySku(items: { sku: string; quantity: number }[]): StockLine[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Reserves an OrderPlaced's lines, only while the order is PLACED: an OrderPlaced that arrives
 * after the order was cancelled or rejected (redriven from a DLQ, say) reserves nothing.
 */
async function reserveStock(store: StockStore, event: OrderPlaced): Promise<FulfilmentStatus> {
  const { ddb, tables } = store;
  const items = quantitiesBySku(event.items);
  const outcome = await transactOnLayouts(store, event.orderId, items, "take", (lines) => ({
    UpdateExpression: "SET reservation = :reservation",
    ConditionExpression: "attribute_exists(orderId) AND attribute_not_exists(reservation) AND #status = :placed",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: {
      ":reservation": { eventId: event.eventId, status: "RESERVED", items: lines.map(recorded) } satisfies Reservation,
      ":placed": "PLACED",
    },
  }));
  if (outcome === "DONE") return "RESERVED";
  if (outcome === "ORDER_REFUSED") return outcomeOfEarlier(ddb, tables, event.orderId);
  return rejectForShortStock(ddb, tables, event, items, outcome.short);
}

/** Why the order refused a reservation: one was made before (a redelivery), or the order is over. */
async function outcomeOfEarlier(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  orderId: string,
): Promise<FulfilmentStatus> {
  const order = await loadOrder(ddb, tables.orders, orderId);
  if (order.reservation) return order.reservation.status === "OUT_OF_STOCK" ? "OUT_OF_STOCK" : "RESERVED";
  return "NOT_RESERVED";
}

/**
 * The lines short as read now: those whose SKU has no one item holding what they ask for
 * (`available` is the most one item holds: a line is taken from one).
 */
async function shortLines(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  items: Reservation["items"],
  layouts: Layouts,
): Promise<ShortLine[]> {
  const available = await mostAvailable(ddb, tables.products, layouts);
  const short = items
    .map(({ sku, quantity }) => ({ sku, requested: quantity, available: available.get(sku) ?? 0 }))
    .filter((line) => line.available < line.requested);
  // Stock can come back between the failed transaction and this read: name every line then.
  return short.length > 0 ? short : items.map(({ sku, quantity }) => ({ sku, requested: quantity, available: 0 }));
}

/**
 * Short stock is a business outcome, not a retry: one conditional write records the OUT_OF_STOCK
 * reservation, sets the order REJECTED and records OrderRejected in its outbox (the relay
 * publishes it in the order's message group, after OrderPlaced), so every service undoes or
 * withholds what it did. If the order was cancelled meanwhile, or a concurrent delivery of the
 * same event got there first, that stands.
 */
async function rejectForShortStock(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  event: OrderPlaced,
  items: Reservation["items"],
  layouts: Layouts,
): Promise<FulfilmentStatus> {
  const rejectedAt = new Date().toISOString();
  const rejected: OrderRejected = {
    eventType: "OrderRejected",
    version: 1,
    eventId: eventIdFor(event.orderId, "OrderRejected"),
    orderId: event.orderId,
    occurredAt: rejectedAt,
    reason: "OUT_OF_STOCK",
    lines: await shortLines(ddb, tables, items, layouts),
  };
  const outbox = recordEvent(rejected, attributesOf(event, rejected));
  const reservation: Reservation = { eventId: event.eventId, status: "OUT_OF_STOCK", items };
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tables.orders,
        Key: { orderId: event.orderId },
        UpdateExpression: `SET reservation = :reservation, #status = :rejected, rejectedAt = :at, ${outbox.set} ADD ${outbox.add}`,
        ConditionExpression: "attribute_not_exists(reservation) AND #status = :placed",
        ExpressionAttributeNames: { "#status": "status", ...outbox.names },
        ExpressionAttributeValues: {
          ":reservation": reservation,
          ":rejected": "REJECTED",
          ":placed": "PLACED",
          ":at": rejectedAt,
          ...outbox.values,
        },
      }),
    );
    return "OUT_OF_STOCK";
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    return outcomeOfEarlier(ddb, tables, event.orderId);
  }
}

/**
 * Gives a reservation's stock back once, when the order is cancelled or rejected; an order that
 * reserved nothing (short stock, or over before its OrderPlaced came) has nothing to release.
 */
async function releaseStock(store: StockStore, event: OrderCancelled | OrderRejected): Promise<FulfilmentStatus> {
  const { ddb, tables } = store;
  const reservation = await reservationOf(ddb, tables, event.orderId);
  if (!reservation || reservation.status === "OUT_OF_STOCK") return "NOTHING_TO_RELEASE";
  if (reservation.status === "RELEASED") return "RELEASED";
  // Back to the item each line was taken from, or, if an import has removed it since, another of the SKU's.
  const outcome = await transactOnLayouts(store, event.orderId, reservation.items, "give back", () => ({
    UpdateExpression: "SET reservation.#status = :released, reservation.releasedBy = :eventId",
    ConditionExpression: "reservation.#status = :reserved",
    ExpressionAttributeNames: { "#status": "status" },
    ExpressionAttributeValues: { ":released": "RELEASED", ":reserved": "RESERVED", ":eventId": event.eventId },
  }));
  if (typeof outcome === "object") {
    const skus = reservation.items.map((l) => l.sku).join(", ");
    throw new Error(`cannot give back the stock of order ${event.orderId}: no item of ${skus} holds stock`);
  }
  // ORDER_REFUSED: released concurrently by a redelivery of this event.
  return "RELEASED";
}

export interface InventoryDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly tables: StockTables;
  /** Reads product items (stock layouts); default: uncached, strongly consistent. See product-reads.ts. */
  readonly readProducts?: ProductReader;
}

/** What reserving and releasing use: the deps with a product reader. */
type StockStore = Required<InventoryDeps>;

/** Reserves on OrderPlaced, releases on OrderCancelled or OrderRejected, and records the outcome on the order. */
export async function handleInventoryEvent(deps: InventoryDeps, event: OrderEvent): Promise<FulfilmentStatus> {
  const store: StockStore = {
    ...deps,
    readProducts: deps.readProducts ?? cachedProductReader(deps.ddb, deps.tables.products, 0),
  };
  const outcome =
    event.eventType === "OrderPlaced" ? await reserveStock(store, event) : await releaseStock(store, event);
  await recordFulfilment(deps.ddb, deps.tables.orders, "inventory", event, outcome);
  return outcome;
}
