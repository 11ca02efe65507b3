/**
 * Invoices and credit notes as JSON documents in the documents bucket. Each document is derived
 * only from the event and the stored order (numbers from the orderId, dates from the event), so
 * writing it again on a redelivery produces the same object: the effect is idempotent by content.
 */
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { OrderCancelled, OrderPlaced, OrderRejected } from "../../contract/events";
import { OrderRecord } from "../shared/order-record";

export interface Invoice {
  invoiceNumber: string;
  orderId: string;
  issuedAt: string;
  customer: { id: string; email: string };
  lines: { sku: string; quantity: number; unitPriceCents: number; amountCents: number }[];
  totalCents: number;
  currency: string;
}

export interface CreditNote {
  creditNoteNumber: string;
  invoiceNumber: string;
  orderId: string;
  issuedAt: string;
  reason: string;
  totalCents: number;
  currency: string;
}

const documentNumber = (prefix: string, orderId: string) => `${prefix}-${orderId.slice(4).toUpperCase()}`;

export const invoiceKey = (orderId: string) => `invoices/${orderId}.json`;
export const creditNoteKey = (orderId: string) => `invoices/${orderId}.credit-note.json`;

export function invoiceFor(event: OrderPlaced): Invoice {
  const lines = event.items.map((item) => ({ ...item, amountCents: item.quantity * item.unitPriceCents }));
  const totalCents = lines.reduce((sum, line) => sum + line.amountCents, 0);
  if (totalCents !== event.totalCents) {
    throw new Error(
      `order ${event.orderId}: lines add up to ${totalCents} cents but the event says ${event.totalCents}`,
    );
  }
  return {
    invoiceNumber: documentNumber("INV", event.orderId),
    orderId: event.orderId,
    issuedAt: event.occurredAt,
    customer: event.customer,
    lines,
    totalCents,
    currency: event.currency,
  };
}

const creditReason = (event: OrderCancelled | OrderRejected) =>
  event.eventType === "OrderCancelled"
    ? event.reason
    : `out of stock: ${event.lines.map((l) => `${l.sku} (${l.available} of ${l.requested} left)`).join(", ")}`;

export function creditNoteFor(event: OrderCancelled | OrderRejected, order: OrderRecord): CreditNote {
  return {
    creditNoteNumber: documentNumber("CN", event.orderId),
    invoiceNumber: documentNumber("INV", event.orderId),
    orderId: event.orderId,
    issuedAt: event.occurredAt,
    reason: creditReason(event),
    totalCents: order.totalCents,
    currency: order.currency,
  };
}

export async function storeDocument(
  s3: S3Client,
  bucket: string,
  key: string,
  document: Invoice | CreditNote,
): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: JSON.stringify(document, null, 2),
      ContentType: "application/json",
    }),
  );
}
