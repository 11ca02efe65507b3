/**
 * The HTTP contract of the orders API: what the handler validates with, and what
 * docs/openapi.yaml is generated from (scripts/generate-openapi.ts), so the two cannot drift.
 */
import * as z from "zod";
import { Cents, Currency, Customer, OrderId, OrderLine, Sku } from "../../contract/events";
import { Fulfilment, OrderStatus } from "../shared/order-record";
import { CONSUMER_SERVICES } from "../../contract/services";

export const MAX_BODY_BYTES = 64 * 1024;
export const IdempotencyKey = z.string().regex(/^[\x21-\x7e]{1,128}$/, "1 to 128 printable ASCII characters");

export const PlaceOrderRequest = z
  .strictObject({
    customer: Customer.strict(),
    items: z
      .array(z.strictObject({ sku: Sku, quantity: z.number().int().min(1).max(1000) }))
      .min(1)
      .max(50)
      .refine((items) => new Set(items.map((i) => i.sku)).size === items.length, "each SKU may appear once"),
    currency: Currency.default("EUR"),
  })
  .meta({ id: "PlaceOrderRequest", description: "Prices come from the products table, never from the client." });
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

export const CancelOrderRequest = z
  .strictObject({ reason: z.string().max(500).optional() })
  .meta({ id: "CancelOrderRequest", description: "The body is optional." });

export const OrderAccepted = z
  .object({ orderId: OrderId, status: OrderStatus, totalCents: Cents, currency: Currency })
  .meta({ id: "OrderAccepted" });

export const OrderView = z
  .object({
    orderId: OrderId,
    status: OrderStatus,
    customer: Customer,
    items: z.array(OrderLine),
    totalCents: Cents,
    currency: Currency,
    createdAt: z.iso.datetime(),
    cancelledAt: z.iso.datetime().optional(),
    cancelReason: z.string().optional(),
    rejectedAt: z.iso.datetime().optional(),
    fulfilment: z.partialRecord(z.enum(CONSUMER_SERVICES), Fulfilment),
  })
  .meta({ id: "OrderView" });
export type OrderView = z.infer<typeof OrderView>;

export const ERROR_CODES = [
  "MissingIdempotencyKey",
  "InvalidIdempotencyKey",
  "InvalidJson",
  "ValidationError",
  "UnsupportedMediaType",
  "PayloadTooLarge",
  "UnknownSku",
  "CurrencyMismatch",
  "IdempotencyKeyReused",
  "OrderNotFound",
  "RouteNotFound",
  "OrderRejected",
  "InternalError",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorBody = z
  .object({
    error: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof ErrorBody>;
