/** The order as stored in the orders table, and the outcome each service records on it. */
import * as z from "zod";
import { Currency, Customer, OrderId, OrderLine } from "./events";
import { CONSUMER_SERVICES } from "./services";

export const FulfilmentStatus = z.enum([
  "RESERVED",
  "OUT_OF_STOCK",
  "RELEASED",
  "NOTHING_TO_RELEASE",
  "INVOICED",
  "CREDITED",
  "CONFIRMATION_SENT",
  "CANCELLATION_SENT",
  "PENDING_REVIEW",
]);
export type FulfilmentStatus = z.infer<typeof FulfilmentStatus>;

export const Fulfilment = z.object({
  status: FulfilmentStatus,
  at: z.iso.datetime(),
  eventId: z.string(),
  sequence: z.number().int(),
});
export type Fulfilment = z.infer<typeof Fulfilment>;

export const OrderStatus = z.enum(["PLACED", "CANCELLED"]);

/** Inventory's reservation, keyed by the OrderPlaced eventId that made it. */
export const Reservation = z.object({
  eventId: z.string(),
  status: z.enum(["RESERVED", "OUT_OF_STOCK", "RELEASED"]),
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
});
export type Reservation = z.infer<typeof Reservation>;

export const OrderRecord = z.object({
  orderId: OrderId,
  idempotencyKey: z.string(),
  /** SHA-256 of the request body: a reused key with another body is a conflict. */
  requestHash: z.string(),
  status: OrderStatus,
  customer: Customer,
  items: z.array(OrderLine),
  totalCents: z.number().int(),
  currency: Currency,
  createdAt: z.iso.datetime(),
  /** False until SNS accepted OrderPlaced; a retry of the same request publishes it. */
  placedPublished: z.boolean(),
  cancelledAt: z.iso.datetime().optional(),
  cancelReason: z.string().optional(),
  cancelPublished: z.boolean().optional(),
  fulfilment: z.partialRecord(z.enum(CONSUMER_SERVICES), Fulfilment),
  reservation: Reservation.optional(),
});
export type OrderRecord = z.infer<typeof OrderRecord>;
