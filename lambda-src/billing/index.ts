import { fifoConsumer } from "../shared/fifo-consumer";
import { documentClient, s3Client } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { bill } from "./billing";

export const ENVIRONMENT = ["ORDERS_TABLE", "DOCUMENTS_BUCKET"] as const;

const env = readEnvironment(ENVIRONMENT);
const deps = { ddb: documentClient(), s3: s3Client(), ordersTable: env.ORDERS_TABLE, bucket: env.DOCUMENTS_BUCKET };

export const handler = fifoConsumer((event) => bill(deps, event));
