import { documentClient, snsClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { snsPublisher } from "../shared/publisher";
import { cachedProductReader } from "../shared/product-reads";
import { ordersApi } from "./router";

export const ENVIRONMENT = ["ORDERS_TABLE", "PRODUCTS_TABLE", "TOPIC_ARN"] as const;

/**
 * How long this environment prices from a product it read: a flash-sale SKU is in every order,
 * and its one item serves 3,000 reads/s (product-reads.ts); a price change reaches new orders
 * within this much.
 */
const PRICE_MAX_AGE_MS = 5_000;

const env = readEnvironment(ENVIRONMENT);
const ddb = documentClient();

export const handler = ordersApi({
  ddb,
  ordersTable: env.ORDERS_TABLE,
  productsTable: env.PRODUCTS_TABLE,
  readProducts: cachedProductReader(ddb, env.PRODUCTS_TABLE, PRICE_MAX_AGE_MS),
  publisher: snsPublisher(snsClient(), env.TOPIC_ARN),
});
