/**
 * Sending an e-mail exactly once is impossible: SES can accept a message and the process die
 * before anything records that it did, and no SES call can be made conditional on our own record.
 * What this guarantees instead: the delivery is wrapped in Powertools idempotency keyed by
 * eventId, which stores an in-progress record before sending and a completed record after. A
 * redelivery after completion sends nothing; a concurrent duplicate finds the in-progress record
 * and fails (to be retried later, when the record is complete). Only a crash between SES accepting
 * and the completed record being written sends a second e-mail, after the in-progress record
 * expires with the function's remaining time: at least once, and in practice once.
 */
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { IdempotencyConfig, makeIdempotent } from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { OrderEvent } from "../../contract/events";
import { FulfilmentStatus } from "../shared/order-record";
import { recordFulfilment } from "../shared/fulfilment";
import { loadOrder } from "../shared/orders";
import { EmailTransport, emailFor } from "./email";

export interface NotificationDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly ordersTable: string;
  readonly sender: string;
  /** Sends at most once per eventId once it has completed; see onceIdempotent. */
  readonly deliver: EmailTransport;
}

/**
 * OrderPlaced: the confirmation, only while the order is PLACED (a late one for an order that is
 * over confirms nothing); OrderCancelled: the cancellation; OrderRejected: the apology.
 */
export async function notify(deps: NotificationDeps, event: OrderEvent): Promise<FulfilmentStatus> {
  const order = await loadOrder(deps.ddb, deps.ordersTable, event.orderId);
  // The order already records this event's outcome: its e-mail went out (or was decided against)
  // when it was first handled. A replay from the topic's archive, or a redelivery after the
  // idempotency record expired, sends nothing again.
  const recorded = order.fulfilment?.notification;
  if (recorded?.eventId === event.eventId) return recorded.status;
  let outcome: FulfilmentStatus;
  if (event.eventType === "OrderPlaced" && order.status !== "PLACED") {
    outcome = "NOT_CONFIRMED";
  } else {
    await deps.deliver({ eventId: event.eventId, message: emailFor(event, order, deps.sender) });
    outcome = SENT[event.eventType];
  }
  await recordFulfilment(deps.ddb, deps.ordersTable, "notification", event, outcome);
  return outcome;
}

const SENT = {
  OrderPlaced: "CONFIRMATION_SENT",
  OrderCancelled: "CANCELLATION_SENT",
  OrderRejected: "REJECTION_SENT",
} as const satisfies Record<OrderEvent["eventType"], FulfilmentStatus>;

/**
 * Wraps a transport so that each eventId is delivered once (see the module comment). A sent
 * e-mail's record is kept `recordDays`: at least as long as the topic archives events (the stack
 * sets EMAIL_RECORD_DAYS), so no replay reaches further back than the records.
 */
export function onceIdempotent(
  transport: EmailTransport,
  dynamoDb: DynamoDBClient,
  tableName: string,
  recordDays: number,
) {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: "eventId",
    expiresAfterSeconds: recordDays * 24 * 3600,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamoDb });
  const deliver = makeIdempotent(transport, { persistenceStore, config });
  return { deliver: deliver, config };
}
