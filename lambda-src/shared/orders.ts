import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { OrderRecord } from "./order-record";

/** The stored order, or an error naming it: consumers only see orders the API stored first. */
export async function loadOrder(ddb: DynamoDBDocumentClient, ordersTable: string, orderId: string): Promise<OrderRecord> {
  const { Item } = await ddb.send(new GetCommand({ TableName: ordersTable, Key: { orderId }, ConsistentRead: true }));
  if (!Item) throw new Error(`order ${orderId} does not exist`);
  return OrderRecord.parse(Item);
}
