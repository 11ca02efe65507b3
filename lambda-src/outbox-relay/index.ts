import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { documentClient, snsClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { snsPublisher } from "../shared/publisher";
import { logger } from "../shared/logger";
import { observeInvocation } from "../shared/tracing";
import { relay } from "./relay";

export const ENVIRONMENT = ["ORDERS_TABLE", "TOPIC_ARN"] as const;

const env = readEnvironment(ENVIRONMENT);
const deps = {
  ddb: documentClient(),
  ordersTable: env.ORDERS_TABLE,
  publisher: snsPublisher(snsClient(), env.TOPIC_ARN),
};

export const handler = (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> =>
  observeInvocation(async () => {
    logger.appendKeys({ records: event.Records.length });
    try {
      return await relay(deps, event.Records);
    } finally {
      logger.removeKeys(["records"]);
    }
  });
