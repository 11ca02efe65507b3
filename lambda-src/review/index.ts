import { fifoConsumer } from "../shared/fifo-consumer";
import { documentClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { parseThreshold, review } from "./review";

export const ENVIRONMENT = ["ORDERS_TABLE", "REVIEW_THRESHOLD_CENTS"] as const;

const env = readEnvironment(ENVIRONMENT);
const deps = {
  ddb: documentClient(),
  ordersTable: env.ORDERS_TABLE,
  thresholdCents: parseThreshold(env.REVIEW_THRESHOLD_CENTS),
};

export const handler = fifoConsumer((event) => review(deps, event));
