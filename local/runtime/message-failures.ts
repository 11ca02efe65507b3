/**
 * Why each message of a batch stays on its queue, and the console line that says so. The reason is
 * the one the function logged for the message (fifo-consumer's ERROR "failed" and WARN "not
 * attempted" lines carry messageId and reason), or what the runtime itself did: an injected fault,
 * an invocation that threw or timed out. When it was the message's last receive under its queue's
 * redrive policy, the line names the dead-letter queue it moves to instead.
 */
import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import type { Invocation, LogRecord } from "./function-host";
import type { Redrive } from "../plan/redrive";
import { messageColumns, messageLine } from "./lines";

/** Per messageId, the reason the function logged (at ERROR or WARN) for a record it did not process. */
export function loggedReasons(logs: LogRecord[]): Map<string, string> {
  const reasons = new Map<string, string>();
  for (const log of logs) {
    if (log.level !== "ERROR" && log.level !== "WARN") continue;
    if (typeof log.messageId !== "string" || typeof log.reason !== "string") continue;
    if (!reasons.has(log.messageId)) reasons.set(log.messageId, log.reason);
  }
  return reasons;
}

export const INJECTED_INVOCATION_FAULT = "injected fault: the invocation failed (a share fault, POST /_local/faults)";

export interface BatchRun {
  /** The batch as received. */
  records: SQSRecord[];
  /** Ids a message fault failed without invoking the function (Faults.splitBatch), in batch order. */
  faulted: string[];
  /** The invocation with the other records, if any were left. */
  invocation?: Invocation;
  reportBatchItemFailures: boolean;
}

/**
 * The messages of a batch that stay on the queue, each with its reason, as Lambda's SQS event
 * source decides: every message when the function throws or names a message it was not sent,
 * otherwise those the partial batch response names, and those a fault failed.
 */
export function batchFailures({
  records,
  faulted,
  invocation,
  reportBatchItemFailures,
}: BatchRun): Map<string, string> {
  const failed = new Map<string, string>();
  const faultedIds = new Set(faulted);
  const groupOf = (r: SQSRecord) => r.attributes.MessageGroupId ?? r.messageId;
  const firstFaulted = new Map<string, string>();
  for (const record of records.filter((r) => faultedIds.has(r.messageId))) {
    const first = firstFaulted.get(groupOf(record));
    if (first === undefined) firstFaulted.set(groupOf(record), record.messageId);
    failed.set(
      record.messageId,
      first === undefined
        ? "injected fault: a message fault failed it (POST /_local/faults)"
        : `not attempted: an injected fault failed message ${first} of its group before it`,
    );
  }
  if (!invocation) return failed;
  const sent = records.filter((r) => !faultedIds.has(r.messageId));
  const logged = loggedReasons(invocation.logs);
  const failAll = (fallback: string) => {
    for (const r of sent) failed.set(r.messageId, logged.get(r.messageId) ?? fallback);
    return failed;
  };
  if (!invocation.ok) return failAll(`the invocation failed: ${invocation.error.message}`);
  if (!reportBatchItemFailures) return failed;
  const reported = ((invocation.result as SQSBatchResponse | undefined)?.batchItemFailures ?? []).map(
    (f) => f.itemIdentifier,
  );
  const known = new Set(sent.map((r) => r.messageId));
  if (reported.some((id) => !known.has(id))) {
    return failAll("the response named a message not in the batch, and Lambda then fails the whole batch");
  }
  for (const id of reported)
    failed.set(id, logged.get(id) ?? "reported failed by the function, which logged no reason");
  return failed;
}

/** True when this failure was the message's last receive: SQS moves it to the DLQ instead of the next. */
export function movesToDeadLetter(record: SQSRecord, redrive: Redrive | undefined): boolean {
  return redrive !== undefined && Number(record.attributes.ApproximateReceiveCount) >= redrive.maxReceiveCount;
}

/** The order and event type a message claims, for the console only (its body is not validated here). */
function claimed(record: SQSRecord): { orderId: string; eventType: string } {
  let body: { orderId?: unknown; eventType?: unknown } = {};
  try {
    body = (JSON.parse(record.body) ?? {}) as typeof body;
  } catch {
    // not JSON: the message group (the order id, as published) is all there is
  }
  return {
    orderId: typeof body.orderId === "string" ? body.orderId : (record.attributes.MessageGroupId ?? "?"),
    eventType: typeof body.eventType === "string" ? body.eventType : "?",
  };
}

/**
 * The console line of a message that stays on its queue, in the columns of the runtime's
 * processed lines (service, order, event, outcome):
 *   `  billing       ord_…  OrderPlaced     FAILED               receive 1 of 3: <reason>`
 *   `  billing       ord_…  OrderPlaced     → order-fanout-local-billing-dlq.fifo after 3 receives: <reason>`
 */
export function failureLine(service: string, record: SQSRecord, reason: string, redrive: Redrive | undefined): string {
  const { orderId, eventType } = claimed(record);
  const receives = Number(record.attributes.ApproximateReceiveCount);
  if (redrive && movesToDeadLetter(record, redrive)) {
    const columns = messageColumns(service, orderId, eventType);
    return `${columns} → ${redrive.deadLetterQueue} after ${receives} receive${receives === 1 ? "" : "s"}: ${reason}`;
  }
  const of = redrive ? ` of ${redrive.maxReceiveCount}` : "";
  return messageLine({ service, orderId, eventType }, "FAILED", `receive ${receives}${of}: ${reason}`);
}
