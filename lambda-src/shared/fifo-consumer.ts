/**
 * The one way a consumer handles its FIFO queue's batch: Powertools' SqsFifoPartialProcessorAsync
 * with skipGroupOnError, so the first failure of a message group fails that message and every later
 * message of the same group in the batch (nothing is deleted out of order), while other groups go
 * on. A record that is not a valid event fails too: it is retried and, after maxReceiveCount,
 * waits in the dead-letter queue; it is never dropped.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { OrderEvent } from "./events";
import { logger } from "./logger";

export class InvalidEventError extends Error {
  constructor(messageId: string, detail: string) {
    super(`message ${messageId} is not a valid order event: ${detail}`);
    this.name = "InvalidEventError";
  }
}

export function parseEventRecord(record: SQSRecord): OrderEvent {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new InvalidEventError(record.messageId, "body is not JSON");
  }
  const parsed = OrderEvent.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    throw new InvalidEventError(record.messageId, issues);
  }
  return parsed.data;
}

export type EventHandler = (event: OrderEvent, context: Context) => Promise<string>;

/** A Lambda handler for an SQS FIFO event source mapping with ReportBatchItemFailures. */
export function fifoConsumer(handleEvent: EventHandler) {
  const processor = new SqsFifoPartialProcessorAsync();
  const handleRecord = async (record: SQSRecord, context: Context): Promise<string> => {
    const started = Date.now();
    const event = parseEventRecord(record);
    logger.appendKeys({ orderId: event.orderId, eventId: event.eventId, eventType: event.eventType });
    try {
      const outcome = await handleEvent(event, context);
      logger.info("processed", { outcome, ms: Date.now() - started });
      return outcome;
    } catch (error) {
      logger.error("failed", { error: error as Error, ms: Date.now() - started });
      throw error;
    } finally {
      logger.removeKeys(["orderId", "eventId", "eventType"]);
    }
  };
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    return processPartialResponse(event, (record: SQSRecord) => handleRecord(record, context), processor, {
      context,
      skipGroupOnError: true,
    });
  };
}
