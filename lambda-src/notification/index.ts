import { fifoConsumer } from "../shared/fifo-consumer";
import { documentClient, dynamoDbClient, sesClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { logged, sesTransport } from "./email";
import { logger } from "../shared/logger";
import { paced } from "./pacing";
import { sendIntervalMs } from "../../contract/send-pace";
import { notify, onceIdempotent } from "./notify";
import { countNow } from "../shared/metrics";
import { EMAILS_REFUSED_BY_QUOTA_METRIC } from "../../contract/metrics";

/**
 * The role may send only through CONFIGURATION_SET; the account's send rate and how many
 * environments share it pace the sends (pacing.ts). Locally the runtime answers SES v2 itself.
 */
export const ENVIRONMENT = [
  "ORDERS_TABLE",
  "IDEMPOTENCY_TABLE",
  "SENDER_EMAIL",
  "CONFIGURATION_SET",
  "SES_MAX_SEND_RATE",
  "SES_SENDERS",
  "EMAIL_RECORD_DAYS",
] as const;

const env = readEnvironment(ENVIRONMENT);
const interval = sendIntervalMs({ maxSendRate: Number(env.SES_MAX_SEND_RATE), senders: Number(env.SES_SENDERS) });
const refusals = () => countNow(EMAILS_REFUSED_BY_QUOTA_METRIC);
const transport = paced(sesTransport(sesClient(), env.CONFIGURATION_SET, refusals), interval);
const dynamoDb = dynamoDbClient();
const sending = logged(transport, (message, extra) => logger.info(message, extra));
const { deliver, config } = onceIdempotent(sending, dynamoDb, env.IDEMPOTENCY_TABLE, Number(env.EMAIL_RECORD_DAYS));
const deps = { ddb: documentClient(dynamoDb), ordersTable: env.ORDERS_TABLE, sender: env.SENDER_EMAIL, deliver };

export const handler = fifoConsumer((event, context) => {
  config.registerLambdaContext(context);
  return notify(deps, event);
});
