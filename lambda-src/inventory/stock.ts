/**
 * Stock reservation. One DynamoDB transaction decrements every line's stock only if enough is
 * available and records the reservation on the order, keyed by the OrderPlaced eventId; so stock
 * never goes negative, two orders racing for the last unit reserve it once, and a redelivered event
 * finds its reservation and changes nothing.
 */
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { eventIdFor, OrderCancelled, OrderEvent, OrderPlaced, OrderRejected, ShortLine } from "../shared/events";
import { attributesOf, recordEvent } from "../shared/outbox";
import { recordFulfilment } from "../shared/fulfilment";
import { FulfilmentStatus, Reservation } from "../shared/order-record";
import { loadOrder } from "../shared/orders";

export interface StockTables {
  readonly orders: string;
  readonly products: string;
}

/** Transactions touching the same items concurrently are cancelled with TransactionConflict. */
const CONFLICT_ATTEMPTS = 8;
/**
 * Full-jitter backoff between attempts, capped: uncapped, the last waits reach 2.5 and 5 s, which
 * holds a whole FIFO batch (and its visibility timeout) for one contended SKU. Capped, eight
 * attempts wait about a second at most in all.
 */
const CONFLICT_BACKOFF_CAP_MS = 250;

function isConditionFailure(code: string | undefined): boolean {
  return code === "ConditionalCheckFailed";
}

async function transactWithConflictRetry(ddb: DynamoDBDocumentClient, command: TransactWriteCommand): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ddb.send(command);
      return;
    } catch (error) {
      const conflicted =
        error instanceof TransactionCanceledException &&
        (error.CancellationReasons ?? []).some((r) => r.Code === "TransactionConflict");
      if (!conflicted || attempt >= CONFLICT_ATTEMPTS) throw error;
      const backoffMs = Math.random() * Math.min(CONFLICT_BACKOFF_CAP_MS, 20 * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }
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

/**
 * One transaction: the change to the order's reservation and every line's stock, all or nothing.
 * Taking stock is conditional on enough being left; the order's change comes first, so
 * CancellationReasons[0] is the order's and the rest are the lines', in order.
 */
async function transactReservation(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  orderId: string,
  items: { sku: string; quantity: number }[],
  change: "take" | "give back",
  orderUpdate: OrderUpdate,
): Promise<void> {
  await transactWithConflictRetry(
    ddb,
    new TransactWriteCommand({
      TransactItems: [
        { Update: { TableName: tables.orders, Key: { orderId }, ...orderUpdate } },
        ...items.map(({ sku, quantity }) => ({
          Update: {
            TableName: tables.products,
            Key: { sku },
            UpdateExpression: change === "take" ? "SET stock = stock - :quantity" : "SET stock = stock + :quantity",
            ...(change === "take" ? { ConditionExpression: "stock >= :quantity" } : {}),
            ExpressionAttributeValues: { ":quantity": quantity },
          },
        })),
      ],
    }),
  );
}

/** Merges repeated SKUs so each product is updated once in the transaction. */
function quantitiesBySku(items: { sku: string; quantity: number }[]): { sku: string; quantity: number }[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Reserves an OrderPlaced's lines, only while the order is PLACED: an OrderPlaced that arrives
 * after the order was cancelled or rejected (redriven from a DLQ, say) reserves nothing.
 */
export async function reserveStock(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  event: OrderPlaced,
): Promise<FulfilmentStatus> {
  const items = quantitiesBySku(event.items);
  const reservation: Reservation = { eventId: event.eventId, status: "RESERVED", items };
  try {
    await transactReservation(ddb, tables, event.orderId, items, "take", {
      UpdateExpression: "SET reservation = :reservation",
      ConditionExpression: "attribute_exists(orderId) AND attribute_not_exists(reservation) AND #status = :placed",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":reservation": reservation, ":placed": "PLACED" },
    });
    return "RESERVED";
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [orderReason, ...stockReasons] = error.CancellationReasons ?? [];
    if (isConditionFailure(orderReason?.Code)) return outcomeOfEarlier(ddb, tables, event.orderId);
    if (stockReasons.some((r) => isConditionFailure(r.Code))) {
      return rejectForShortStock(ddb, tables, event, items);
    }
    throw error;
  }
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

/** The lines whose product has less stock than the order asks for, as read now. */
async function shortLines(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  items: Reservation["items"],
): Promise<ShortLine[]> {
  const { Responses } = await ddb.send(
    new BatchGetCommand({
      RequestItems: { [tables.products]: { Keys: items.map(({ sku }) => ({ sku })), ConsistentRead: true } },
    }),
  );
  const stock = new Map((Responses?.[tables.products] ?? []).map((p) => [String(p.sku), Number(p.stock)]));
  const short = items
    .map(({ sku, quantity }) => ({ sku, requested: quantity, available: stock.get(sku) ?? 0 }))
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
): Promise<FulfilmentStatus> {
  const rejectedAt = new Date().toISOString();
  const rejected: OrderRejected = {
    eventType: "OrderRejected",
    version: 1,
    eventId: eventIdFor(event.orderId, "OrderRejected"),
    orderId: event.orderId,
    occurredAt: rejectedAt,
    reason: "OUT_OF_STOCK",
    lines: await shortLines(ddb, tables, items),
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
export async function releaseStock(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  event: OrderCancelled | OrderRejected,
): Promise<FulfilmentStatus> {
  const reservation = await reservationOf(ddb, tables, event.orderId);
  if (!reservation || reservation.status === "OUT_OF_STOCK") return "NOTHING_TO_RELEASE";
  if (reservation.status === "RELEASED") return "RELEASED";
  try {
    await transactReservation(ddb, tables, event.orderId, reservation.items, "give back", {
      UpdateExpression: "SET reservation.#status = :released, reservation.releasedBy = :eventId",
      ConditionExpression: "reservation.#status = :reserved",
      ExpressionAttributeNames: { "#status": "status" },
      ExpressionAttributeValues: { ":released": "RELEASED", ":reserved": "RESERVED", ":eventId": event.eventId },
    });
  } catch (error) {
    const [orderReason] = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
    if (!isConditionFailure(orderReason?.Code)) throw error;
    // Released concurrently by a redelivery of this event.
  }
  return "RELEASED";
}

export interface InventoryDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly tables: StockTables;
}

/** Reserves on OrderPlaced, releases on OrderCancelled or OrderRejected, and records the outcome on the order. */
export async function handleInventoryEvent(deps: InventoryDeps, event: OrderEvent): Promise<FulfilmentStatus> {
  const outcome =
    event.eventType === "OrderPlaced"
      ? await reserveStock(deps.ddb, deps.tables, event)
      : await releaseStock(deps.ddb, deps.tables, event);
  await recordFulfilment(deps.ddb, deps.tables.orders, "inventory", event, outcome);
  return outcome;
}
