/** The order as stored in the orders table, and the outcome each service records on it. */
import * as z from "zod";
import {
  Currency,
  Customer,
  EVENT_TYPES,
  MessageAttributes,
  OrderEvent,
  OrderId,
  OrderLine,
} from "../../contract/events";
import { CONSUMER_SERVICES } from "../../contract/services";

/**
 * What a service did for an event. The NOT_* outcomes are an OrderPlaced that arrived after the
 * order was already over (cancelled or rejected, e.g. redriven from a DLQ): nothing was done.
 */
export const FulfilmentStatus = z.enum([
  "RESERVED",
  "OUT_OF_STOCK",
  "NOT_RESERVED",
  "RELEASED",
  "NOTHING_TO_RELEASE",
  "INVOICED",
  "NOT_INVOICED",
  "CREDITED",
  "NOTHING_TO_CREDIT",
  "CONFIRMATION_SENT",
  "NOT_CONFIRMED",
  "CANCELLATION_SENT",
  "REJECTION_SENT",
  "PENDING_REVIEW",
  "NOT_REVIEWED",
  "CLOSED_CANCELLED",
  "CLOSED_REJECTED",
  "NO_CASE",
]);
export type FulfilmentStatus = z.infer<typeof FulfilmentStatus>;

export const Fulfilment = z.object({
  status: FulfilmentStatus,
  at: z.iso.datetime(),
  eventId: z.string(),
  sequence: z.number().int(),
});
export type Fulfilment = z.infer<typeof Fulfilment>;

/** PLACED, then over: CANCELLED by the client or REJECTED by inventory (short stock), never both. */
export const OrderStatus = z.enum(["PLACED", "CANCELLED", "REJECTED"]);
export type OrderStatus = z.infer<typeof OrderStatus>;

/** An event recorded with the change that caused it, published by the relay (or the API at once). */
export const OutboxEntry = z.object({
  event: OrderEvent,
  attributes: MessageAttributes,
  publishedAt: z.iso.datetime().optional(),
});
export type OutboxEntry = z.infer<typeof OutboxEntry>;

/** Inventory's reservation, keyed by the OrderPlaced eventId that made it. */
export const Reservation = z.object({
  eventId: z.string(),
  status: z.enum(["RESERVED", "OUT_OF_STOCK", "RELEASED"]),
  items: z.array(
    z.object({
      sku: z.string(),
      quantity: z.number().int(),
      /** The shard item the line was taken from (`<sku>#<i>`); absent: the product's own item. */
      item: z.string().optional(),
    }),
  ),
});
export type Reservation = z.infer<typeof Reservation>;

/** The caller of an API without IAM authorization (the local stack): one for every request. */
export const ANONYMOUS_CALLER = "anonymous";

export const OrderRecord = z.object({
  orderId: OrderId,
  idempotencyKey: z.string(),
  /**
   * Who placed it: the IAM principal API Gateway verified (a role, not its session), or
   * ANONYMOUS_CALLER; only they may read or cancel it. Absent on orders stored before it was kept.
   */
  owner: z.string().optional(),
  /** SHA-256 of the request body: a reused key with another body is a conflict. */
  requestHash: z.string(),
  status: OrderStatus,
  customer: Customer,
  items: z.array(OrderLine),
  totalCents: z.number().int(),
  currency: Currency,
  createdAt: z.iso.datetime(),
  cancelledAt: z.iso.datetime().optional(),
  cancelReason: z.string().optional(),
  rejectedAt: z.iso.datetime().optional(),
  /** Every event of the order's life, recorded in the write that made the change (the outbox). */
  outbox: z.partialRecord(z.enum(EVENT_TYPES), OutboxEntry),
  /**
   * The event types not yet published, a DynamoDB string set (absent when empty): the stream's
   * filter invokes the relay only for images that have it.
   */
  unpublished: z.set(z.enum(EVENT_TYPES)).optional(),
  /** While events are unpublished: the order's key in the outbox index (shared/outbox.ts). */
  outboxShard: z.string().optional(),
  outboxSince: z.iso.datetime().optional(),
  fulfilment: z.partialRecord(z.enum(CONSUMER_SERVICES), Fulfilment),
  reservation: Reservation.optional(),
});
export type OrderRecord = z.infer<typeof OrderRecord>;
