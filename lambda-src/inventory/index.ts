import { fifoConsumer } from "../shared/fifo-consumer";
import { documentClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { cachedProductReader } from "../shared/product-reads";
import { handleInventoryEvent } from "./stock";

export const ENVIRONMENT = ["ORDERS_TABLE", "PRODUCTS_TABLE"] as const;

/**
 * How long a SKU's stock layout (stockShards) is reused in this environment. Safe whatever an
 * import changes meanwhile: a line that finds no stock reads the layout again, fresh (stock.ts).
 */
const LAYOUT_MAX_AGE_MS = 10_000;

const env = readEnvironment(ENVIRONMENT);
const ddb = documentClient();
const deps = {
  ddb,
  tables: { orders: env.ORDERS_TABLE, products: env.PRODUCTS_TABLE },
  readProducts: cachedProductReader(ddb, env.PRODUCTS_TABLE, LAYOUT_MAX_AGE_MS),
};

export const handler = fifoConsumer((event) => handleInventoryEvent(deps, event));
