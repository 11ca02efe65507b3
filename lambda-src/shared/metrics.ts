import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { OUTCOME_METRICS, PROCESSING_TIME_METRIC } from "../../contract/metrics";
import type { FulfilmentStatus } from "./order-record";

/**
 * Business metrics as CloudWatch embedded metric format in the function's log, in the namespace
 * POWERTOOLS_METRICS_NAMESPACE with the dimension `service` (POWERTOOLS_SERVICE_NAME). Stored
 * metrics are flushed once per invocation (observeInvocation in tracing.ts).
 */
export const metrics = new Metrics();

/** Counts one event, flushed with the invocation's other metrics. */
export function count(name: string): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
}

/** The contract's outcome counts, each keyed by an outcome an order can record (a typo fails to compile). */
const outcomeMetric: { readonly [S in keyof typeof OUTCOME_METRICS]: S extends FulfilmentStatus ? string : never } =
  OUTCOME_METRICS;

/** Counts a consumer's outcome, when it is one an operator counts. */
export function countOutcome(outcome: string): void {
  const name = (outcomeMetric as Partial<Record<string, string>>)[outcome];
  if (name) count(name);
}

export function recordProcessingTime(ms: number): void {
  metrics.addMetric(PROCESSING_TIME_METRIC, MetricUnit.Milliseconds, ms);
}

/** Writes the stored metrics as one EMF document. */
export function publishMetrics(): void {
  metrics.publishStoredMetrics();
}

/** Counts one event now, rather than at the end of the invocation: the caller may be failing. */
export function countNow(name: string): void {
  count(name);
  publishMetrics();
}
