/**
 * The runtime's console lines, in one layout: who (a service, `api`, `ERROR`), what (an order and
 * its event, a request, a schedule, a stream batch), the outcome, and how long it took:
 *   `  billing       ord_…                        OrderPlaced     INVOICED             12 ms`
 *   `  api           POST /orders                                 202                  35 ms`
 */
import type { Denial } from "../authz/authorizer";
import type { ScheduledRun } from "./scheduler";
import type { StreamBatchReport } from "./stream-poller";
import type { LogRecord } from "./function-host";

/** A message a consumer processed, or failed, as its log line reported it. */
export interface ProcessedMessage {
  service: string;
  orderId: string;
  eventType: string;
  outcome: string;
  ms: number;
  failed: boolean;
  /** When the consumer logged it (ISO time). */
  at: string;
}

const WHO = 13;
const ORDER = 28;
const EVENT = 15;
/** An order and its event, or one description as wide as both. */
const WHAT = ORDER + 1 + EVENT;
const OUTCOME = 20;

/** The columns that name a message: its service, order and event type. */
export function messageColumns(service: string, orderId: string, eventType: string): string {
  return `  ${service.padEnd(WHO)} ${orderId.padEnd(ORDER)} ${eventType.padEnd(EVENT)}`;
}

/** A message's line: its columns, the outcome and the rest (time or reason). */
export function messageLine(
  message: { service: string; orderId: string; eventType: string },
  outcome: string,
  rest: string,
): string {
  return `${messageColumns(message.service, message.orderId, message.eventType)} ${outcome.padEnd(OUTCOME)} ${rest}`;
}

/** A line for anything else a service or the gateway did: one description instead of order and event. */
export function activityLine(who: string, what: string, outcome: string, ms: number): string {
  return `  ${who.padEnd(WHO)} ${what.padEnd(WHAT)} ${outcome.padEnd(OUTCOME)} ${ms} ms`;
}

/** A line that needs no columns past its first: `  ERROR         access denied: …`. */
export function noticeLine(who: string, text: string): string {
  return `  ${who.padEnd(WHO)} ${text}`;
}

/** A consumer's processed message. */
export function formatProcessed(p: ProcessedMessage): string {
  return messageLine(p, p.outcome, `${p.ms} ms`);
}

/** A scheduled invocation's line. */
export function formatScheduledRun(service: string, run: ScheduledRun): string {
  return activityLine(service, `scheduled by ${run.rule}`, run.error ? `FAILED: ${run.error}` : "ran", run.ms);
}

/** A stream poller's line: one per invocation, and one per group of records given up. */
export function formatStreamBatch(service: string, b: StreamBatchReport): string {
  return activityLine(service, `${b.records} record${b.records === 1 ? "" : "s"}`, b.outcome, b.ms);
}

/** The runtime's line for a denied call, at ERROR: who, what, and AWS's reason. */
export function formatDenial(denial: Denial): string {
  return noticeLine("ERROR", `access denied: ${denial.message}`);
}

/** A log line's key as text, or `fallback` when the function did not log it as a string or number. */
function field(record: LogRecord, key: string, fallback = "?"): string {
  const value = record[key];
  return typeof value === "string" || typeof value === "number" ? String(value) : fallback;
}

/** The message outcome a consumer's log line reports (`processed` or `failed`), if it is one. */
export function processedMessageOf(record: LogRecord): ProcessedMessage | undefined {
  if (record.message !== "processed" && record.message !== "failed") return undefined;
  const error = record.error as { message?: string } | undefined;
  return {
    service: field(record, "service"),
    orderId: field(record, "orderId"),
    eventType: field(record, "eventType"),
    outcome: record.message === "processed" ? field(record, "outcome") : `FAILED: ${error?.message ?? "error"}`,
    ms: Number(record.ms ?? 0),
    failed: record.message === "failed",
    at: field(record, "timestamp", new Date().toISOString()),
  };
}
