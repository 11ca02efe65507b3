/**
 * The events every service exchanges, validated at both ends. Versioned: a consumer refuses a
 * version it does not know (the message fails and, after maxReceiveCount, waits in the DLQ).
 * Money is integer cents.
 */
import * as z from "zod";

/** No "#": a sharded SKU's stock items are keyed `<sku>#<i>` (product.ts), never a SKU. */
export const Sku = z
  .string()
  .regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, "a SKU is 1 to 64 upper-case letters, digits or dashes");
export const Currency = z.enum(["EUR", "USD", "GBP"]);
export type Currency = z.infer<typeof Currency>;
export const Cents = z.number().int().nonnegative();
export const OrderId = z.string().regex(/^ord_[0-9a-f]{24}$/, "not an order id");

export const OrderLine = z.object({
  sku: Sku,
  quantity: z.number().int().min(1).max(1000),
  unitPriceCents: Cents,
});
export type OrderLine = z.infer<typeof OrderLine>;

export const Customer = z.object({
  id: z.string().min(1).max(128),
  email: z.email(),
});
export type Customer = z.infer<typeof Customer>;

const EventBase = z.object({
  eventId: z.string().min(1),
  orderId: OrderId,
  occurredAt: z.iso.datetime(),
  version: z.literal(1),
});

export const OrderPlaced = EventBase.extend({
  eventType: z.literal("OrderPlaced"),
  customer: Customer,
  items: z.array(OrderLine).min(1).max(50),
  totalCents: Cents,
  currency: Currency,
});
export type OrderPlaced = z.infer<typeof OrderPlaced>;

export const OrderCancelled = EventBase.extend({
  eventType: z.literal("OrderCancelled"),
  reason: z.string().max(500),
});
export type OrderCancelled = z.infer<typeof OrderCancelled>;

/**
 * A line inventory could not reserve: how many were asked for and how many were left; for a
 * sharded SKU, the most any one shard had, since a line is taken from one shard.
 */
export const ShortLine = z.object({
  sku: Sku,
  requested: z.number().int().min(1),
  available: z.number().int().nonnegative(),
});
export type ShortLine = z.infer<typeof ShortLine>;

/** Inventory could not reserve the order; every service undoes or withholds what it did for it. */
export const OrderRejected = EventBase.extend({
  eventType: z.literal("OrderRejected"),
  reason: z.literal("OUT_OF_STOCK"),
  lines: z.array(ShortLine).min(1),
});
export type OrderRejected = z.infer<typeof OrderRejected>;

export const OrderEvent = z.discriminatedUnion("eventType", [OrderPlaced, OrderCancelled, OrderRejected]);
export type OrderEvent = z.infer<typeof OrderEvent>;
export type EventType = OrderEvent["eventType"];

/** Deterministic, so a retried publish carries the same SNS MessageDeduplicationId. */
export function eventIdFor(orderId: string, eventType: EventType): string {
  return `${orderId}:${eventType}`;
}

export const EVENT_TYPES = ["OrderPlaced", "OrderCancelled", "OrderRejected"] as const satisfies EventType[];

/**
 * Position of an event type in an order's life: placed, then over (cancelled by the client or
 * rejected by inventory, never both). A consumer's recorded outcome for a later event is never
 * overwritten by an earlier one, and events are published in this order.
 */
export const EVENT_SEQUENCE: Record<EventType, number> = { OrderPlaced: 1, OrderCancelled: 2, OrderRejected: 2 };

/**
 * SNS's numeric filter matching covers -10^9 to 10^9 only
 * (https://docs.aws.amazon.com/sns/latest/dg/subscription-filter-policy-constraints.html): a larger total would
 * match no numeric condition, so such an event also carries `largeTotal`, which filters match as a
 * string.
 */
export const NUMERIC_FILTER_LIMIT = 1_000_000_000;

/** SNS message attributes; the review subscription filters on them. */
export const MessageAttributes = z.object({
  eventType: z.enum(EVENT_TYPES),
  totalCents: Cents,
  currency: Currency,
});
export type MessageAttributes = z.infer<typeof MessageAttributes>;
