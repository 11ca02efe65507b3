/**
 * The one way a consumer handles its FIFO queue's batch: Powertools' SqsFifoPartialProcessorAsync
 * with skipGroupOnError, so the first failure of a message group fails that message and every later
 * message of the same group in the batch (nothing is deleted out of order), while other groups go
 * on. A record that is not a valid event fails too: it is retried and, after maxReceiveCount,
 * waits in the dead-letter queue; it is never dropped.
 *
 * Every record reported failed is logged first, so an operator reading a DLQ can say why each
 * message is there: at ERROR ("failed") when it was attempted (body not JSON, schema invalid,
 * unknown event type or version, the handler threw), at WARN ("not attempted") when an earlier
 * record of its group failed in the same batch. Both carry messageId, receiveCount, messageGroupId
 * and a one-sentence reason; a schema failure adds `issues`, field by field.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from "@aws-lambda-powertools/batch";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { OrderEvent } from "../../contract/events";
import { logger } from "./logger";
import { countOutcome, recordProcessingTime } from "./metrics";
import { annotate, inSubsegment, observeInvocation } from "./tracing";

/** One field the event schema refused, e.g. `{ field: "items.0.quantity", message: "Too small: ..." }`. */
export interface FieldIssue {
  field: string;
  message: string;
}

/**
 * Identifiers read from a body that failed validation. They are logged under `unvalidated`, never
 * as the top-level orderId/eventId/eventType keys every valid record's lines carry: they may be
 * malformed or wrong, so a query on `orderId` only ever matches validated events, while
 * `unvalidated.orderId` still finds a poison message that claims to belong to an order.
 */
export type UnvalidatedIds = Partial<Record<"orderId" | "eventId" | "eventType", string>>;

export class InvalidEventError extends Error {
  constructor(
    messageId: string,
    /** One readable sentence. */
    readonly reason: string,
    readonly issues: FieldIssue[] = [],
    readonly unvalidated: UnvalidatedIds = {},
  ) {
    super(`message ${messageId} is not a valid order event: ${reason}`);
    this.name = "InvalidEventError";
  }
}

/** The event types and the version of each this consumer reads, from the schema itself. */
const KNOWN = new Map<unknown, unknown>(
  OrderEvent.options.map((o) => [o.shape.eventType.value, o.shape.version.value]),
);

/** At most this many characters of a value taken from an invalid body go into a log line. */
const QUOTE_LIMIT = 100;

/** A value from an invalid body as the log shows it: JSON, cut to QUOTE_LIMIT characters. */
function quoted(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;
}

function unvalidatedIds(body: Record<string, unknown>): UnvalidatedIds {
  const ids: UnvalidatedIds = {};
  for (const key of ["orderId", "eventId", "eventType"] as const) {
    const value = body[key];
    if (typeof value === "string") ids[key] = value.slice(0, QUOTE_LIMIT);
  }
  return ids;
}

/** Why a JSON body is not an event this consumer reads: an unknown type or version before field issues. */
function invalidBody(messageId: string, body: unknown, schemaIssues: FieldIssue[]): InvalidEventError {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    const kind = body === null ? "null" : Array.isArray(body) ? "an array" : `a ${typeof body}`;
    return new InvalidEventError(messageId, `the body is JSON ${kind}, not an event object`);
  }
  const fields = body as Record<string, unknown>;
  const ids = unvalidatedIds(fields);
  if (!KNOWN.has(fields.eventType)) {
    const got = fields.eventType === undefined ? "no eventType" : `unknown event type ${quoted(fields.eventType)}`;
    const reads = [...KNOWN.keys()].join(", ");
    return new InvalidEventError(messageId, `the event has ${got} (this consumer reads ${reads})`, [], ids);
  }
  const type = String(fields.eventType);
  const version = KNOWN.get(fields.eventType);
  // A number other than the known version is a newer (or older) contract; anything else is a schema issue.
  if (typeof fields.version === "number" && fields.version !== version) {
    const reason = `the ${type} event has unknown version ${fields.version} (this consumer reads version ${String(version)})`;
    return new InvalidEventError(messageId, reason, [], ids);
  }
  const listed = schemaIssues.slice(0, 3).map((i) => `${i.field}: ${i.message}`);
  const more = schemaIssues.length > listed.length ? ` (and ${schemaIssues.length - listed.length} more)` : "";
  const count = schemaIssues.length === 1 ? "1 field" : `${schemaIssues.length} fields`;
  return new InvalidEventError(
    messageId,
    `the ${type} event is invalid in ${count}: ${listed.join("; ")}${more}`,
    schemaIssues,
    ids,
  );
}

export function parseEventRecord(record: SQSRecord): OrderEvent {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    const size = record.body.length === 1 ? "1 character" : `${record.body.length} characters`;
    throw new InvalidEventError(record.messageId, `the body is not JSON (${size})`);
  }
  const parsed = OrderEvent.safeParse(body);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: i.path.join(".") || "(root)", message: i.message }));
  throw invalidBody(record.messageId, body, issues);
}

export type EventHandler = (event: OrderEvent, context: Context) => Promise<string>;

/** What every failure line says about the record, whatever went wrong. */
function recordKeys(record: SQSRecord) {
  return {
    messageId: record.messageId,
    receiveCount: Number(record.attributes.ApproximateReceiveCount),
    messageGroupId: record.attributes.MessageGroupId,
  };
}

function failureDetails(error: unknown) {
  if (error instanceof InvalidEventError) {
    return {
      reason: error.reason,
      ...(error.issues.length > 0 ? { issues: error.issues } : {}),
      ...(Object.keys(error.unvalidated).length > 0 ? { unvalidated: error.unvalidated } : {}),
      // Name and message only: the reason is the whole story, a stack would add nothing (and
      // Powertools would repeat reason, issues and unvalidated inside it).
      error: { name: error.name, message: error.message },
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  return { reason: `the handler threw ${e.name}: ${e.message}`, error: e };
}

/**
 * The records the processor reported failed without calling the handler: with skipGroupOnError,
 * those after a failed record of their group (its SqsFifoMessageGroupShortCircuitError).
 */
function logNotAttempted(
  records: SQSRecord[],
  attempted: Set<string>,
  firstFailure: Map<string | undefined, string>,
): void {
  for (const record of records.filter((r) => !attempted.has(r.messageId))) {
    const first = firstFailure.get(record.attributes.MessageGroupId);
    const reason = first
      ? `not attempted: message ${first} of its group failed before it in this batch, and a group is processed in order`
      : "not attempted: the batch processor stopped before it";
    logger.warn("not attempted", { ...recordKeys(record), reason });
  }
}

/** A Lambda handler for an SQS FIFO event source mapping with ReportBatchItemFailures. */
export function fifoConsumer(handleEvent: EventHandler) {
  const processor = new SqsFifoPartialProcessorAsync();
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    const attempted = new Set<string>();
    /** Per message group of this batch, the first record that failed. */
    const firstFailure = new Map<string | undefined, string>();
    // Per record, its own subsegment annotated with the order and event type, its outcome counted
    // (countOutcome) and its processing time recorded; the invocation flushes them (observeInvocation).
    const handleRecord = (record: SQSRecord): Promise<string> =>
      inSubsegment("### record", async () => {
        attempted.add(record.messageId);
        const started = Date.now();
        try {
          const orderEvent = parseEventRecord(record);
          annotate({ orderId: orderEvent.orderId, eventType: orderEvent.eventType });
          logger.appendKeys({
            orderId: orderEvent.orderId,
            eventId: orderEvent.eventId,
            eventType: orderEvent.eventType,
          });
          const outcome = await handleEvent(orderEvent, context);
          countOutcome(outcome);
          logger.info("processed", { outcome, ms: Date.now() - started });
          return outcome;
        } catch (error) {
          const group = record.attributes.MessageGroupId;
          if (!firstFailure.has(group)) firstFailure.set(group, record.messageId);
          logger.error("failed", { ...recordKeys(record), ...failureDetails(error), ms: Date.now() - started });
          throw error;
        } finally {
          recordProcessingTime(Date.now() - started);
          logger.removeKeys(["orderId", "eventId", "eventType"]);
        }
      });
    return observeInvocation(async () => {
      try {
        return await processPartialResponse(event, handleRecord, processor, { context, skipGroupOnError: true });
      } finally {
        logNotAttempted(Array.isArray(event.Records) ? event.Records : [], attempted, firstFailure);
      }
    });
  };
}
