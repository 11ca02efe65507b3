import { S3Client } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OrderEvent } from "../shared/events";
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

/** OrderPlaced: an invoice; OrderCancelled: a credit note. The outcome is recorded after the document. */
export async function bill(deps: BillingDeps, event: OrderEvent): Promise<FulfilmentStatus> {
  let outcome: FulfilmentStatus;
  if (event.eventType === "OrderPlaced") {
    await storeDocument(deps.s3, deps.bucket, invoiceKey(event.orderId), invoiceFor(event));
    outcome = "INVOICED";
  } else {
    const order = await loadOrder(deps.ddb, deps.ordersTable, event.orderId);
    await storeDocument(deps.s3, deps.bucket, creditNoteKey(event.orderId), creditNoteFor(event, order));
    outcome = "CREDITED";
  }
  await recordFulfilment(deps.ddb, deps.ordersTable, "billing", event, outcome);
  return outcome;
}
