/**
 * The orders domain: place, read and cancel an order. The order item is its own idempotency
 * record: its id derives from the Idempotency-Key, it is stored with a condition before anything
 * is published, and it says whether each event has been published yet, so a client that retries
 * loses nothing and duplicates nothing.
 */
import { createHash } from "node:crypto";
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { eventIdFor, OrderId, OrderLine } from "../shared/events";
import { OrderRecord } from "../shared/order-record";
import type { Product } from "../shared/product";
import { EventPublisher } from "../shared/publisher";
import { findOrder as findStoredOrder } from "../shared/orders";
import { logger } from "../shared/logger";
import { countNow, ORDERS_NOT_PUBLISHED_METRIC } from "../shared/metrics";
import { ApiError } from "./http";
import { OrderView, PlaceOrderRequest } from "./contract";

export interface OrdersDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly ordersTable: string;
  readonly productsTable: string;
  readonly publisher: EventPublisher;
  readonly now?: () => Date;
}

const now = (deps: OrdersDeps) => (deps.now ?? (() => new Date()))().toISOString();

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The same key always names the same order. */
export function orderIdFor(idempotencyKey: string): string {
  return `ord_${sha256(`order:${idempotencyKey}`).slice(0, 24)}`;
}

/** Ids that cannot be orders are not looked up: they are simply unknown. */
async function findOrder(deps: OrdersDeps, orderId: string): Promise<OrderRecord | undefined> {
  return OrderId.safeParse(orderId).success ? findStoredOrder(deps.ddb, deps.ordersTable, orderId) : undefined;
}

async function requireOrder(deps: OrdersDeps, orderId: string): Promise<OrderRecord> {
  const order = await findOrder(deps, orderId);
  if (!order) throw new ApiError(404, "OrderNotFound", `order ${orderId} does not exist`);
  return order;
}

async function priceItems(deps: OrdersDeps, request: PlaceOrderRequest): Promise<OrderLine[]> {
  const skus = request.items.map((i) => i.sku);
  const products = new Map<string, Product>();
  let keys: Record<string, unknown>[] = skus.map((sku) => ({ sku }));
  for (let attempt = 0; keys.length > 0; attempt++) {
    if (attempt >= 5) throw new Error("products table kept returning unprocessed keys");
    const answer = await deps.ddb.send(
      new BatchGetCommand({ RequestItems: { [deps.productsTable]: { Keys: keys, ConsistentRead: true } } }),
    );
    for (const item of answer.Responses?.[deps.productsTable] ?? []) products.set(String(item.sku), item as Product);
    keys = answer.UnprocessedKeys?.[deps.productsTable]?.Keys ?? [];
  }
  const unknown = skus.filter((sku) => !products.has(sku));
  if (unknown.length > 0) {
    throw new ApiError(
      422,
      "UnknownSku",
      `unknown SKU${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`,
      unknown.map((sku) => ({ field: `items[${skus.indexOf(sku)}].sku`, message: `no product ${sku}` })),
    );
  }
  const mismatched = skus.filter((sku) => products.get(sku)!.currency !== request.currency);
  if (mismatched.length > 0) {
    const sku = mismatched[0];
    throw new ApiError(
      422,
      "CurrencyMismatch",
      `SKU ${sku} is priced in ${products.get(sku)!.currency}, not ${request.currency}`,
    );
  }
  return request.items.map(({ sku, quantity }) => ({
    sku,
    quantity,
    unitPriceCents: products.get(sku)!.unitPriceCents,
  }));
}

async function markPublished(deps: OrdersDeps, orderId: string, flag: "placedPublished" | "cancelPublished") {
  await deps.ddb.send(
    new UpdateCommand({
      TableName: deps.ordersTable,
      Key: { orderId },
      UpdateExpression: "SET #flag = :true",
      ExpressionAttributeNames: { "#flag": flag },
      ExpressionAttributeValues: { ":true": true },
    }),
  );
}

async function publishOrFail(publish: () => Promise<void>, orderId: string): Promise<void> {
  try {
    await publish();
  } catch (error) {
    logger.error("publish failed; the order stays unpublished until a retry", { orderId, error: error as Error });
    countNow(ORDERS_NOT_PUBLISHED_METRIC);
    throw new ApiError(
      503,
      "PublishFailed",
      `order ${orderId} is stored but its event could not be published; retry the same request`,
    );
  }
}

/** Publishes OrderPlaced unless SNS already accepted it. */
async function ensurePlacedPublished(deps: OrdersDeps, order: OrderRecord): Promise<OrderRecord> {
  if (order.placedPublished) return order;
  const event = {
    eventType: "OrderPlaced" as const,
    version: 1 as const,
    eventId: eventIdFor(order.orderId, "OrderPlaced"),
    orderId: order.orderId,
    occurredAt: order.createdAt,
    customer: order.customer,
    items: order.items,
    totalCents: order.totalCents,
    currency: order.currency,
  };
  const attributes = { eventType: event.eventType, totalCents: order.totalCents, currency: order.currency };
  await publishOrFail(() => deps.publisher.publish(event, attributes), order.orderId);
  await markPublished(deps, order.orderId, "placedPublished");
  return { ...order, placedPublished: true };
}

/**
 * Stores and publishes a new order, or answers the one this Idempotency-Key already made. The
 * conditional put is the existence check (a retry finds its order in the refusal), so a new order
 * costs three table operations: price, put, mark published.
 */
export async function placeOrder(
  deps: OrdersDeps,
  idempotencyKey: string,
  request: PlaceOrderRequest,
): Promise<OrderRecord> {
  const orderId = orderIdFor(idempotencyKey);
  logger.appendKeys({ orderId }); // the router removes it when the request is answered
  const requestHash = sha256(JSON.stringify(request));
  const replay = async (existing: OrderRecord) => {
    if (existing.requestHash !== requestHash) {
      throw new ApiError(
        409,
        "IdempotencyKeyReused",
        `Idempotency-Key "${idempotencyKey}" was already used for a different request`,
      );
    }
    return ensurePlacedPublished(deps, existing);
  };

  let items: OrderLine[];
  try {
    items = await priceItems(deps, request);
  } catch (error) {
    // A retry must find its order even if a product was withdrawn since it was placed.
    const existing = error instanceof ApiError ? await findOrder(deps, orderId) : undefined;
    if (existing) return replay(existing);
    throw error;
  }
  const order: OrderRecord = {
    orderId,
    idempotencyKey,
    requestHash,
    status: "PLACED",
    customer: request.customer,
    items,
    totalCents: items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0),
    currency: request.currency,
    createdAt: now(deps),
    placedPublished: false,
    fulfilment: {},
  };
  try {
    await deps.ddb.send(
      new PutCommand({
        TableName: deps.ordersTable,
        Item: order,
        ConditionExpression: "attribute_not_exists(orderId)",
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // A retry, or a concurrent send of the same request that stored it first.
    const stored = error.Item ? OrderRecord.parse(unmarshall(error.Item)) : await requireOrder(deps, orderId);
    return replay(stored);
  }
  return ensurePlacedPublished(deps, order);
}

export async function getOrder(deps: OrdersDeps, orderId: string): Promise<OrderView> {
  const order = await requireOrder(deps, orderId);
  return OrderView.parse(order);
}

/**
 * Cancels a PLACED order and publishes OrderCancelled in the order's message group, so every
 * service sees it after the placement. A second cancel is a no-op; one whose publish failed
 * publishes now.
 */
export async function cancelOrder(deps: OrdersDeps, orderId: string, reason: string): Promise<OrderRecord> {
  let order = await ensurePlacedPublished(deps, await requireOrder(deps, orderId));
  if (order.status === "PLACED") {
    const cancelledAt = now(deps);
    try {
      await deps.ddb.send(
        new UpdateCommand({
          TableName: deps.ordersTable,
          Key: { orderId },
          UpdateExpression:
            "SET #status = :cancelled, cancelledAt = :at, cancelReason = :reason, cancelPublished = :false",
          ConditionExpression: "#status = :placed",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: {
            ":cancelled": "CANCELLED",
            ":placed": "PLACED",
            ":at": cancelledAt,
            ":reason": reason,
            ":false": false,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    order = await requireOrder(deps, orderId);
  }
  if (order.cancelPublished) return order;
  const event = {
    eventType: "OrderCancelled" as const,
    version: 1 as const,
    eventId: eventIdFor(orderId, "OrderCancelled"),
    orderId,
    occurredAt: order.cancelledAt!,
    reason: order.cancelReason ?? "",
  };
  const attributes = { eventType: event.eventType, totalCents: order.totalCents, currency: order.currency };
  await publishOrFail(() => deps.publisher.publish(event, attributes), orderId);
  await markPublished(deps, orderId, "cancelPublished");
  return { ...order, cancelPublished: true };
}
