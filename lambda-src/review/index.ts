import { fifoConsumer } from "../shared/fifo-consumer";
import { documentClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { parseThresholds, review } from "./review";

export const ENVIRONMENT = ["ORDERS_TABLE", "REVIEW_THRESHOLDS"] as const;

const env = readEnvironment(ENVIRONMENT);
const deps = {
  ddb: documentClient(),
  ordersTable: env.ORDERS_TABLE,
  thresholds: parseThresholds(env.REVIEW_THRESHOLDS),
};

export const handler = fifoConsumer((event) => review(deps, event));
