/**
 * The names of the business metrics the functions emit and the stack's dashboard and alarms read:
 * one list, so that a renamed metric cannot leave an alarm watching nothing.
 */
/** Orders stored whose event could not be published; the API's alarm watches it (OrdersApi.addAlarms). */
export const ORDERS_NOT_PUBLISHED_METRIC = "OrdersNotPublished";
/** New orders stored by the API (a client's retry of the same order is not counted again). */
export const ORDERS_PLACED_METRIC = "OrdersPlaced";
/** Events the outbox sweep published: each one the relay's stream missed or gave up. */
export const EVENTS_SWEPT_METRIC = "EventsSwept";
/** Seconds since the oldest event still unpublished after a sweep was recorded; its alarm pages. */
export const OLDEST_UNPUBLISHED_METRIC = "OldestUnpublishedAgeSeconds";
/**
 * E-mails SES refused for the account's 24-hour quota or send rate (lambda-src/notification/email.ts);
 * its alarm pages at the first (SenderIdentity.addAlarms).
 */
export const EMAILS_REFUSED_BY_QUOTA_METRIC = "EmailsRefusedByQuota";
/** Milliseconds a handler spent on one record (consumers, relay) or one request (API). */
export const PROCESSING_TIME_METRIC = "ProcessingTime";

/** The count each recorded outcome adds to; an outcome not listed counts nothing. */
export const OUTCOME_METRICS = {
  RESERVED: "OrdersReserved",
  OUT_OF_STOCK: "OrdersOutOfStock",
  INVOICED: "OrdersInvoiced",
  CREDITED: "OrdersCredited",
  CONFIRMATION_SENT: "EmailsSent",
  CANCELLATION_SENT: "EmailsSent",
  REJECTION_SENT: "EmailsSent",
  PENDING_REVIEW: "ReviewsOpened",
} as const;

/**
 * The business counts by the service (dimension `service`) that emits them: what the dashboard
 * shows (stacks/constructs/dashboard.ts).
 */
export const BUSINESS_METRICS: Readonly<Record<string, readonly string[]>> = {
  "orders-api": [ORDERS_PLACED_METRIC, ORDERS_NOT_PUBLISHED_METRIC],
  inventory: [OUTCOME_METRICS.RESERVED, OUTCOME_METRICS.OUT_OF_STOCK],
  billing: [OUTCOME_METRICS.INVOICED, OUTCOME_METRICS.CREDITED],
  notification: [OUTCOME_METRICS.CONFIRMATION_SENT, EMAILS_REFUSED_BY_QUOTA_METRIC],
  review: [OUTCOME_METRICS.PENDING_REVIEW],
  "outbox-sweep": [EVENTS_SWEPT_METRIC, OLDEST_UNPUBLISHED_METRIC],
};
