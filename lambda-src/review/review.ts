import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { OrderEvent } from "../shared/events";
import { recordFulfilment } from "../shared/fulfilment";
import { logger } from "../shared/logger";

export interface ReviewDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly ordersTable: string;
  readonly thresholdCents: number;
}

/**
 * Opens a review case for a high-value order. The subscription's filter policy should deliver only
 * OrderPlaced at or above the threshold; the check is repeated here so a filter that drifts from the
 * setting cannot open cases it should not.
 */
export async function review(deps: ReviewDeps, event: OrderEvent): Promise<string> {
  if (event.eventType !== "OrderPlaced") {
    logger.info("ignored: review handles OrderPlaced only");
    return "IGNORED";
  }
  if (event.totalCents < deps.thresholdCents) {
    logger.info("ignored: order below the review threshold", {
      totalCents: event.totalCents,
      thresholdCents: deps.thresholdCents,
    });
    return "IGNORED";
  }
  await recordFulfilment(deps.ddb, deps.ordersTable, "review", event, "PENDING_REVIEW");
  return "PENDING_REVIEW";
}

export function parseThreshold(value: string): number {
  const threshold = Number(value);
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw new Error(`REVIEW_THRESHOLD_CENTS must be a whole number of cents, got "${value}"`);
  }
  return threshold;
}
