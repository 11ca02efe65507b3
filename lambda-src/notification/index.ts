import { fifoConsumer } from "../shared/fifo-consumer";
import { documentClient, dynamoDbClient, s3Client, sesClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { logged, outboxTransport, sesTransport } from "./email";
import { logger } from "../shared/logger";
import { paced, sendIntervalMs } from "./pacing";
import { notify, onceIdempotent } from "./notify";

export const ENVIRONMENT = ["ORDERS_TABLE", "IDEMPOTENCY_TABLE", "EMAIL_TRANSPORT", "SENDER_EMAIL"] as const;
/** Read only when EMAIL_TRANSPORT is `outbox`. */
export const OUTBOX_ENVIRONMENT = ["DOCUMENTS_BUCKET"] as const;
/**
 * Read only when EMAIL_TRANSPORT is `ses`: the role may send only through this configuration set;
 * the account's send rate and how many environments share it pace the sends (pacing.ts).
 */
export const SES_ENVIRONMENT = ["CONFIGURATION_SET", "SES_MAX_SEND_RATE", "SES_SENDERS"] as const;

function sesDelivery() {
  const ses = readEnvironment(SES_ENVIRONMENT);
  const interval = sendIntervalMs({ maxSendRate: Number(ses.SES_MAX_SEND_RATE), senders: Number(ses.SES_SENDERS) });
  return paced(sesTransport(sesClient(), ses.CONFIGURATION_SET), interval);
}

const env = readEnvironment(ENVIRONMENT);
const transport =
  env.EMAIL_TRANSPORT === "outbox"
    ? outboxTransport(s3Client(), readEnvironment(OUTBOX_ENVIRONMENT).DOCUMENTS_BUCKET)
    : sesDelivery();
const dynamoDb = dynamoDbClient();
const sending = logged(transport, (message, extra) => logger.info(message, extra));
const { deliver, config } = onceIdempotent(sending, dynamoDb, env.IDEMPOTENCY_TABLE);
const deps = { ddb: documentClient(dynamoDb), ordersTable: env.ORDERS_TABLE, sender: env.SENDER_EMAIL, deliver };

export const handler = fifoConsumer((event, context) => {
  config.registerLambdaContext(context);
  return notify(deps, event);
});
