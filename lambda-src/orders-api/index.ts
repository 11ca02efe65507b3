import { documentClient, snsClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { snsPublisher } from "../shared/publisher";
import { ordersApi } from "./router";

export const ENVIRONMENT = ["ORDERS_TABLE", "PRODUCTS_TABLE", "TOPIC_ARN"] as const;

const env = readEnvironment(ENVIRONMENT);

export const handler = ordersApi({
  ddb: documentClient(),
  ordersTable: env.ORDERS_TABLE,
  productsTable: env.PRODUCTS_TABLE,
  publisher: snsPublisher(snsClient(), env.TOPIC_ARN),
});
