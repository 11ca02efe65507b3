/**
 * The events every service exchanges, validated at both ends. Versioned: a consumer refuses a
 * version it does not know (the message fails and, after maxReceiveCount, waits in the DLQ).
 * Money is integer cents.
 */
import * as z from "zod";

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

export const OrderEvent = z.discriminatedUnion("eventType", [OrderPlaced, OrderCancelled]);
export type OrderEvent = z.infer<typeof OrderEvent>;
export type EventType = OrderEvent["eventType"];

/** Deterministic, so a retried publish carries the same SNS MessageDeduplicationId. */
export function eventIdFor(orderId: string, eventType: EventType): string {
  return `${orderId}:${eventType}`;
}

/**
 * Position of an event type in an order's life. A consumer's recorded outcome for a later event is
 * never overwritten by an earlier one.
 */
export const EVENT_SEQUENCE: Record<EventType, number> = { OrderPlaced: 1, OrderCancelled: 2 };

/** SNS message attributes; the review subscription filters on eventType and totalCents. */
export const MessageAttributes = z.object({
  eventType: z.enum(["OrderPlaced", "OrderCancelled"]),
  totalCents: Cents,
  currency: Currency,
});
export type MessageAttributes = z.infer<typeof MessageAttributes>;
