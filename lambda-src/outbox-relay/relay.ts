/**
 * The outbox relay: for each stream record of an order that has unpublished events (the event
 * source mapping's filter admits only those), publishes the order's pending events in lifecycle
 * order and marks them published (shared/outbox.ts). Records are handled in stream order; at the
 * first failure the rest of the batch is reported failed from that record on, so Lambda retries
 * from it and nothing of an order is published out of order. One record at a time: each has its
 * own X-Ray subsegment, which the tracer keeps as its one current segment, and a batch of 100 is
 * mostly one consistent read each (the API has already published).
 */
import type { DynamoDBBatchResponse, DynamoDBRecord } from "aws-lambda";
import { OutboxDeps, publishPending } from "../shared/outbox";
import { logger } from "../shared/logger";
import { recordProcessingTime } from "../shared/metrics";
import { annotate, inSubsegment } from "../shared/tracing";

function orderIdOf(record: DynamoDBRecord): string {
  const orderId = record.dynamodb?.Keys?.orderId?.S;
  if (!orderId) throw new Error(`stream record ${record.eventID ?? "?"} has no orderId key`);
  return orderId;
}

/** Publishes one record's pending events in its own subsegment; answers whether the batch may go on. */
function relayRecord(deps: OutboxDeps, record: DynamoDBRecord): Promise<boolean> {
  return inSubsegment("### order", async () => {
    const started = Date.now();
    const sequenceNumber = record.dynamodb?.SequenceNumber ?? "";
    const orderId = record.dynamodb?.Keys?.orderId?.S;
    annotate({ orderId });
    try {
      const published = await publishPending(deps, orderIdOf(record));
      annotate({ eventType: published.join(",") });
      logger.info("relayed", { orderId, published, sequenceNumber });
      return true;
    } catch (error) {
      logger.error("relay failed; Lambda retries from this record", { orderId, sequenceNumber, error: error as Error });
      return false;
    } finally {
      recordProcessingTime(Date.now() - started);
    }
  });
}

export async function relay(deps: OutboxDeps, records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  for (const record of records) {
    if (!(await relayRecord(deps, record))) {
      return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? "" }] };
    }
  }
  return { batchItemFailures: [] };
}
