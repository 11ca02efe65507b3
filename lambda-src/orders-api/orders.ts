/**
 * The orders domain: place, read and cancel an order. The order item is its own idempotency
 * record (its id derives from the Idempotency-Key, it is stored with a condition) and its own
 * outbox (each change records its event in the same write; see shared/outbox.ts), so a client that
 * retries duplicates nothing, and an event is published even if the client never comes back.
 */
import { createHash } from "node:crypto";
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { eventIdFor, OrderCancelled, OrderId, OrderLine, OrderPlaced } from "../../contract/events";
import { ANONYMOUS_CALLER, OrderRecord } from "../shared/order-record";
import type { Product } from "../../contract/product";
import { cachedProductReader, ProductReader } from "../shared/product-reads";
import { EventPublisher } from "../shared/publisher";
import { attributesOf, isPublished, newOutbox, publishPending, recordEvent } from "../shared/outbox";
import { findOrder } from "../shared/orders";
import { logger } from "../shared/logger";
import { count, countNow } from "../shared/metrics";
import { ORDERS_NOT_PUBLISHED_METRIC, ORDERS_PLACED_METRIC } from "../../contract/metrics";
import { annotate } from "../shared/tracing";
import { ApiError } from "./http";
import { OrderView, PlaceOrderRequest } from "./contract";

export interface OrdersDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly ordersTable: string;
  readonly productsTable: string;
  /** Reads the products an order prices from; default: uncached, strongly consistent (product-reads.ts). */
  readonly readProducts?: ProductReader;
  readonly publisher: EventPublisher;
  readonly now?: () => Date;
}

const now = (deps: OrdersDeps) => (deps.now ?? (() => new Date()))().toISOString();

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The same key always names the same order. */
export function orderIdFor(idempotencyKey: string, caller: string = ANONYMOUS_CALLER): string {
  // A key is the caller's own: two callers who pick the same key get two orders. The anonymous
  // caller's ids are what they were before callers were told apart.
  const scoped = caller === ANONYMOUS_CALLER ? idempotencyKey : `${caller}\n${idempotencyKey}`;
  return `ord_${sha256(`order:${scoped}`).slice(0, 24)}`;
}

/**
 * Whose orders a request may see: a caller's own (`{ caller }`), or every order, for the
 * operator routes API Gateway admits only callers holding the operator policy to.
 */
export type Reader = { caller: string } | { operator: true };

/**
 * The caller's order. Another caller's is answered as one that does not exist: its existence is
 * none of their business either. Ids that cannot be orders are not looked up: they are simply unknown.
 */
async function requireOrder(deps: OrdersDeps, orderId: string, reader: Reader): Promise<OrderRecord> {
  const order = OrderId.safeParse(orderId).success ? await findOrder(deps.ddb, deps.ordersTable, orderId) : undefined;
  const visible = order && ("operator" in reader || (order.owner ?? ANONYMOUS_CALLER) === reader.caller);
  if (!visible) throw new ApiError(404, "OrderNotFound", `order ${orderId} does not exist`);
  return order;
}

async function priceItems(deps: OrdersDeps, request: PlaceOrderRequest): Promise<OrderLine[]> {
  const skus = request.items.map((i) => i.sku);
  const read = deps.readProducts ?? cachedProductReader(deps.ddb, deps.productsTable, 0);
  const products = (await read(skus)) as Map<string, Product>;
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

/**
 * Publishes the order's pending events now, for latency. A failure loses nothing: the events are
 * in the order's outbox and the relay publishes them (lambda-src/outbox-relay); the metric lets
 * the on-call engineer see SNS refusing.
 */
async function publishNow(deps: OrdersDeps, order: OrderRecord): Promise<void> {
  const { orderId } = order;
  try {
    await publishPending(deps, orderId, order);
  } catch (error) {
    logger.warn("publish failed; the outbox relay will publish the order's events", {
      orderId,
      error: error as Error,
    });
    countNow(ORDERS_NOT_PUBLISHED_METRIC);
  }
}

/**
 * Stores a new order with its OrderPlaced in the outbox, and publishes it at once; or answers the
 * order this Idempotency-Key already made. The conditional put is the existence check (a retry
 * finds its order in the refusal).
 */
export async function placeOrder(
  deps: OrdersDeps,
  idempotencyKey: string,
  request: PlaceOrderRequest,
  caller: string = ANONYMOUS_CALLER,
): Promise<OrderRecord> {
  const orderId = orderIdFor(idempotencyKey, caller);
  logger.appendKeys({ orderId }); // the router removes it when the request is answered
  annotate({ orderId, eventType: "OrderPlaced" });
  const requestHash = sha256(JSON.stringify(request));
  const replay = async (existing: OrderRecord) => {
    if (existing.requestHash !== requestHash) {
      throw new ApiError(
        409,
        "IdempotencyKeyReused",
        `Idempotency-Key "${idempotencyKey}" was already used for a different request`,
      );
    }
    if (!isPublished(existing, "OrderPlaced")) await publishNow(deps, existing);
    return existing;
  };

  let items: OrderLine[];
  try {
    items = await priceItems(deps, request);
  } catch (error) {
    // A retry must find its order even if a product was withdrawn since it was placed.
    const existing = error instanceof ApiError ? await findOrder(deps.ddb, deps.ordersTable, orderId) : undefined;
    if (existing) return replay(existing);
    throw error;
  }
  const createdAt = now(deps);
  const totalCents = items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0);
  const placed: OrderPlaced = {
    eventType: "OrderPlaced",
    version: 1,
    eventId: eventIdFor(orderId, "OrderPlaced"),
    orderId,
    occurredAt: createdAt,
    customer: request.customer,
    items,
    totalCents,
    currency: request.currency,
  };
  const order: OrderRecord = {
    orderId,
    idempotencyKey,
    owner: caller,
    requestHash,
    status: "PLACED",
    customer: request.customer,
    items,
    totalCents,
    currency: request.currency,
    createdAt,
    fulfilment: {},
    ...newOutbox(placed, attributesOf({ totalCents, currency: request.currency }, placed)),
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
    const stored = error.Item
      ? OrderRecord.parse(unmarshall(error.Item))
      : await requireOrder(deps, orderId, { caller });
    return replay(stored);
  }
  count(ORDERS_PLACED_METRIC);
  await publishNow(deps, order);
  return order;
}

export async function getOrder(
  deps: OrdersDeps,
  orderId: string,
  reader: Reader = { caller: ANONYMOUS_CALLER },
): Promise<OrderView> {
  const order = await requireOrder(deps, orderId, reader);
  return OrderView.parse(order);
}

/**
 * Cancels a PLACED order: one conditional write sets CANCELLED and records OrderCancelled in the
 * outbox, published after OrderPlaced in the order's message group. A second cancel changes
 * nothing (and publishes what is still pending); an order inventory rejected cannot be cancelled.
 */
export async function cancelOrder(
  deps: OrdersDeps,
  orderId: string,
  reason: string,
  reader: Reader = { caller: ANONYMOUS_CALLER },
): Promise<OrderRecord> {
  let order = await requireOrder(deps, orderId, reader);
  if (order.status === "PLACED") {
    const cancelledAt = now(deps);
    const cancelled: OrderCancelled = {
      eventType: "OrderCancelled",
      version: 1,
      eventId: eventIdFor(orderId, "OrderCancelled"),
      orderId,
      occurredAt: cancelledAt,
      reason,
    };
    const outbox = recordEvent(cancelled, attributesOf(order, cancelled));
    try {
      const { Attributes } = await deps.ddb.send(
        new UpdateCommand({
          TableName: deps.ordersTable,
          Key: { orderId },
          UpdateExpression: `SET #status = :cancelled, cancelledAt = :at, cancelReason = :reason, ${outbox.set} ADD ${outbox.add}`,
          ConditionExpression: "#status = :placed",
          ExpressionAttributeNames: { "#status": "status", ...outbox.names },
          ExpressionAttributeValues: {
            ":cancelled": "CANCELLED",
            ":placed": "PLACED",
            ":at": cancelledAt,
            ":reason": reason,
            ...outbox.values,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      order = OrderRecord.parse(Attributes);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Cancelled by a concurrent request, or rejected by inventory meanwhile: read what it is now.
      order = await requireOrder(deps, orderId, reader);
    }
  }
  if (order.status === "REJECTED") {
    throw new ApiError(409, "OrderRejected", `order ${orderId} was rejected (out of stock) and cannot be cancelled`);
  }
  if (order.unpublished?.size) await publishNow(deps, order);
  return order;
}
