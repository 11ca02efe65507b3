import type { Context } from "aws-lambda";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { documentClient, snsClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { snsPublisher } from "../shared/publisher";
import { logger } from "../shared/logger";
import { metrics } from "../shared/metrics";
import { EVENTS_SWEPT_METRIC, OLDEST_UNPUBLISHED_METRIC } from "../../contract/metrics";
import { observeInvocation } from "../shared/tracing";
import { sweep, SweepRequest, SweepResult } from "./sweep";

export const ENVIRONMENT = ["ORDERS_TABLE", "TOPIC_ARN", "SWEEP_GRACE_SECONDS"] as const;

const env = readEnvironment(ENVIRONMENT);
const deps = {
  ddb: documentClient(),
  ordersTable: env.ORDERS_TABLE,
  publisher: snsPublisher(snsClient(), env.TOPIC_ARN),
  graceSeconds: Number(env.SWEEP_GRACE_SECONDS),
};

export const handler = (event: unknown, context: Context): Promise<SweepResult> =>
  observeInvocation(async () => {
    const request = SweepRequest.safeParse(event);
    if (!request.success) {
      const problem = `the sweep takes a scheduled event, { orderIds: [...] } or { graceSeconds: n }: ${request.error.issues[0]?.message}`;
      logger.error("sweep refused its request", { problem });
      throw new Error(problem);
    }
    const result = await sweep({ ...deps, remainingMs: () => context.getRemainingTimeInMillis() }, request.data);
    metrics.addMetric(EVENTS_SWEPT_METRIC, MetricUnit.Count, result.published);
    metrics.addMetric(OLDEST_UNPUBLISHED_METRIC, MetricUnit.Seconds, result.oldestUnpublishedAgeSeconds);
    logger.info("swept", { ...result });
    return result;
  });
