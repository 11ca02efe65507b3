import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { OrderRecord } from "./order-record";

/** How an order is read: strongly consistent or not, whole or only some of its attributes. */
export interface OrderRead {
  readonly consistent: boolean;
  /** Top-level attribute names, none a DynamoDB reserved word (they form the ProjectionExpression as they are). */
  readonly attributes?: readonly string[];
}

/** The stored item of an order as `read` asks, or undefined: the one place an order is read by id. */
export async function readOrderItem(
  ddb: DynamoDBDocumentClient,
  ordersTable: string,
  orderId: string,
  read: OrderRead,
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({
      TableName: ordersTable,
      Key: { orderId },
      ConsistentRead: read.consistent,
      ...(read.attributes ? { ProjectionExpression: read.attributes.join(", ") } : {}),
    }),
  );
  return Item;
}

/** The stored order (strongly consistent read), or undefined. */
export async function findOrder(
  ddb: DynamoDBDocumentClient,
  ordersTable: string,
  orderId: string,
): Promise<OrderRecord | undefined> {
  const item = await readOrderItem(ddb, ordersTable, orderId, { consistent: true });
  return item ? OrderRecord.parse(item) : undefined;
}

/** The stored order, or an error naming it: consumers only see orders the API stored first. */
export async function loadOrder(
  ddb: DynamoDBDocumentClient,
  ordersTable: string,
  orderId: string,
): Promise<OrderRecord> {
  const order = await findOrder(ddb, ordersTable, orderId);
  if (!order) throw new Error(`order ${orderId} does not exist`);
  return order;
}
