import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { OrderRecord } from "./order-record";

/** The stored order (strongly consistent read), or undefined. */
export async function findOrder(
  ddb: DynamoDBDocumentClient,
  ordersTable: string,
  orderId: string,
): Promise<OrderRecord | undefined> {
  const { Item } = await ddb.send(new GetCommand({ TableName: ordersTable, Key: { orderId }, ConsistentRead: true }));
  return Item ? OrderRecord.parse(Item) : undefined;
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
