/**
 * Stock reservation. One DynamoDB transaction decrements every line's stock only if enough is
 * available and records the reservation on the order, keyed by the OrderPlaced eventId; so stock
 * never goes negative, two orders racing for the last unit reserve it once, and a redelivered event
 * finds its reservation and changes nothing.
 */
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { OrderCancelled, OrderEvent, OrderPlaced } from "../shared/events";
import { recordFulfilment } from "../shared/fulfilment";
import { FulfilmentStatus, Reservation } from "../shared/order-record";
import { loadOrder } from "../shared/orders";

export interface StockTables {
  readonly orders: string;
  readonly products: string;
}

/** Transactions touching the same items concurrently are cancelled with TransactionConflict. */
const CONFLICT_ATTEMPTS = 8;

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
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
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
      ConditionExpression: "attribute_exists(orderId) AND attribute_not_exists(reservation)",
      ExpressionAttributeValues: { ":reservation": reservation },
    });
    return "RESERVED";
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [orderReason, ...stockReasons] = error.CancellationReasons ?? [];
    if (isConditionFailure(orderReason?.Code)) {
      // Redelivery, or an order that does not exist: the stored reservation tells which.
      const existing = await reservationOf(ddb, tables, event.orderId);
      if (!existing)
        throw new Error(`order ${event.orderId} has no reservation yet its condition failed`, { cause: error });
      return existing.status === "OUT_OF_STOCK" ? "OUT_OF_STOCK" : "RESERVED";
    }
    if (stockReasons.some((r) => isConditionFailure(r.Code))) {
      return recordOutOfStock(ddb, tables, event, items);
    }
    throw error;
  }
}

/**
 * Short stock is a business outcome, recorded once like a reservation, not a retry. If a
 * concurrent delivery of the same event reserved meanwhile, its reservation stands.
 */
async function recordOutOfStock(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  event: OrderPlaced,
  items: Reservation["items"],
): Promise<FulfilmentStatus> {
  const reservation: Reservation = { eventId: event.eventId, status: "OUT_OF_STOCK", items };
  const { Attributes } = await ddb.send(
    new UpdateCommand({
      TableName: tables.orders,
      Key: { orderId: event.orderId },
      UpdateExpression: "SET reservation = if_not_exists(reservation, :reservation)",
      ConditionExpression: "attribute_exists(orderId)",
      ExpressionAttributeValues: { ":reservation": reservation },
      ReturnValues: "ALL_NEW",
    }),
  );
  return (Attributes?.reservation as Reservation | undefined)?.status === "RESERVED" ? "RESERVED" : "OUT_OF_STOCK";
}

/** Gives a reservation's stock back once; a cancelled order that reserved nothing is recorded too. */
export async function releaseStock(
  ddb: DynamoDBDocumentClient,
  tables: StockTables,
  event: OrderCancelled,
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

/** Reserves on OrderPlaced, releases on OrderCancelled, and records the outcome on the order. */
export async function handleInventoryEvent(deps: InventoryDeps, event: OrderEvent): Promise<FulfilmentStatus> {
  const outcome =
    event.eventType === "OrderPlaced"
      ? await reserveStock(deps.ddb, deps.tables, event)
      : await releaseStock(deps.ddb, deps.tables, event);
  await recordFulfilment(deps.ddb, deps.tables.orders, "inventory", event, outcome);
  return outcome;
}
