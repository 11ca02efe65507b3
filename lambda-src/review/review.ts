import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { Cents, Currency, OrderEvent, OrderPlaced } from "../../contract/events";
import { recordFulfilment } from "../shared/fulfilment";
import { loadOrder } from "../shared/orders";
import { logger } from "../shared/logger";

/** The total at or above which an order is reviewed, per currency it can be placed in. */
export const ReviewThresholds = z.record(Currency, Cents);
export type ReviewThresholds = z.infer<typeof ReviewThresholds>;

export interface ReviewDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly ordersTable: string;
  readonly thresholds: ReviewThresholds;
}

/**
 * Opens a review case for a high-value order that is still PLACED; the subscription's filter
 * policy should deliver only those, and the check is repeated here so a filter that drifts from
 * the setting cannot open cases it should not.
 */
async function open(deps: ReviewDeps, event: OrderPlaced): Promise<string> {
  const threshold = deps.thresholds[event.currency];
  if (event.totalCents < threshold) {
    logger.info("ignored: order below the review threshold", { totalCents: event.totalCents, threshold });
    return "IGNORED";
  }
  const order = await loadOrder(deps.ddb, deps.ordersTable, event.orderId);
  if (order.status !== "PLACED") {
    await recordFulfilment(deps.ddb, deps.ordersTable, "review", event, "NOT_REVIEWED");
    return "NOT_REVIEWED";
  }
  await recordFulfilment(deps.ddb, deps.ordersTable, "review", event, "PENDING_REVIEW");
  return "PENDING_REVIEW";
}

/**
 * Closes the order's open case when it is cancelled or rejected. The subscription delivers every
 * cancellation and rejection (an order's total does not say whether a case was opened), so an
 * order without a case is simply acknowledged.
 */
export async function review(deps: ReviewDeps, event: OrderEvent): Promise<string> {
  if (event.eventType === "OrderPlaced") return open(deps, event);
  const order = await loadOrder(deps.ddb, deps.ordersTable, event.orderId);
  if (order.fulfilment.review?.status !== "PENDING_REVIEW") return "NO_CASE";
  const closed = event.eventType === "OrderCancelled" ? "CLOSED_CANCELLED" : "CLOSED_REJECTED";
  await recordFulfilment(deps.ddb, deps.ordersTable, "review", event, closed);
  return closed;
}

/** REVIEW_THRESHOLDS: JSON of whole cents per accepted currency, e.g. {"EUR":100000,"USD":110000,"GBP":85000}. */
export function parseThresholds(value: string): ReviewThresholds {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new Error(`REVIEW_THRESHOLDS must be JSON, got ${JSON.stringify(value)}`);
  }
  const result = ReviewThresholds.safeParse(parsed);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new Error(`REVIEW_THRESHOLDS must give whole cents for each of ${Currency.options.join(", ")}: ${issues}`);
  }
  return result.data;
}
