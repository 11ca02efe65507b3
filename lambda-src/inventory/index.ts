import { fifoConsumer } from "../shared/fifo-consumer";
import { documentClient } from "../shared/clients";
import { readEnvironment } from "../shared/environment";
import { handleInventoryEvent } from "./stock";

export const ENVIRONMENT = ["ORDERS_TABLE", "PRODUCTS_TABLE"] as const;

const env = readEnvironment(ENVIRONMENT);
const deps = { ddb: documentClient(), tables: { orders: env.ORDERS_TABLE, products: env.PRODUCTS_TABLE } };

export const handler = fifoConsumer((event) => handleInventoryEvent(deps, event));
