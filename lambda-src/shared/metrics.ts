import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

/** Orders stored whose event could not be published; the API's alarm watches it (FanoutStack). */
export const ORDERS_NOT_PUBLISHED_METRIC = "OrdersNotPublished";

/**
 * Business metrics as CloudWatch embedded metric format in the function's log, in the namespace
 * POWERTOOLS_METRICS_NAMESPACE with the dimension `service` (POWERTOOLS_SERVICE_NAME).
 */
export const metrics = new Metrics();

/** Counts one event now, rather than at the end of the invocation: the caller may be failing. */
export function countNow(name: string): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
  metrics.publishStoredMetrics();
}
