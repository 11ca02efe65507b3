import { HeadObjectCommand, NotFound, S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OrderCancelled, OrderEvent, OrderPlaced, OrderRejected } from "../../contract/events";
import { FulfilmentStatus } from "../shared/order-record";
import { recordFulfilment } from "../shared/fulfilment";
import { loadOrder } from "../shared/orders";
import { creditNoteFor, creditNoteKey, invoiceFor, invoiceKey, storeDocument } from "./documents";

export interface BillingDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly ordersTable: string;
  readonly bucket: string;
}

/**
 * An order that ends (cancelled or rejected) leaves its customer with no net charge: either it
 * was never invoiced, or its invoice has a credit note. The invoice itself (in S3) is the record
 * of having invoiced, so a crash between storing it and recording the outcome cannot hide it.
 */
async function invoiced(deps: BillingDeps, orderId: string): Promise<boolean> {
  try {
    await deps.s3.send(new HeadObjectCommand({ Bucket: deps.bucket, Key: invoiceKey(orderId) }));
    return true;
  } catch (error) {
    // S3 answers 404 for a missing key only to a caller that may list the bucket (the stack grants it).
    if (
      error instanceof NotFound ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
    )
      return false;
    throw error;
  }
}

/** Invoices an OrderPlaced only while the order is PLACED: a late one for an order that is over bills nothing. */
async function invoice(deps: BillingDeps, event: OrderPlaced): Promise<FulfilmentStatus> {
  const order = await loadOrder(deps.ddb, deps.ordersTable, event.orderId);
  if (order.status !== "PLACED") return "NOT_INVOICED";
  await storeDocument(deps.s3, deps.bucket, invoiceKey(event.orderId), invoiceFor(event));
  return "INVOICED";
}

/** Credits what was invoiced, once (the credit note is derived from the order, so rewriting it changes nothing). */
async function credit(deps: BillingDeps, event: OrderCancelled | OrderRejected): Promise<FulfilmentStatus> {
  if (!(await invoiced(deps, event.orderId))) return "NOTHING_TO_CREDIT";
  const order = await loadOrder(deps.ddb, deps.ordersTable, event.orderId);
  await storeDocument(deps.s3, deps.bucket, creditNoteKey(event.orderId), creditNoteFor(event, order));
  return "CREDITED";
}

/** OrderPlaced: an invoice; OrderCancelled or OrderRejected: a credit note. The outcome is recorded after the document. */
export async function bill(deps: BillingDeps, event: OrderEvent): Promise<FulfilmentStatus> {
  const outcome = event.eventType === "OrderPlaced" ? await invoice(deps, event) : await credit(deps, event);
  await recordFulfilment(deps.ddb, deps.ordersTable, "billing", event, outcome);
  return outcome;
}
