import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { EVENT_SEQUENCE, OrderEvent } from "../../contract/events";
import { FulfilmentStatus } from "./order-record";
import { ConsumerService } from "../../contract/services";

/**
 * Records a service's outcome on the order as `fulfilment.<service>`. The condition keeps a later
 * event's outcome from being replaced by an earlier event's (a redelivered OrderPlaced after the
 * OrderCancelled was handled), and keeps the first outcome of an event: a redelivery decides
 * again against an order that may have moved on (an OrderPlaced delivered again after the order
 * was cancelled would say NOT_CONFIRMED over the CONFIRMATION_SENT that really happened).
 * Returns false when the outcome was not recorded; throws when the order does not exist.
 */
export async function recordFulfilment(
  ddb: DynamoDBDocumentClient,
  ordersTable: string,
  service: ConsumerService,
  event: OrderEvent,
  status: FulfilmentStatus,
  now: () => Date = () => new Date(),
): Promise<boolean> {
  const sequence = EVENT_SEQUENCE[event.eventType];
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: ordersTable,
        Key: { orderId: event.orderId },
        UpdateExpression: "SET fulfilment.#service = :outcome",
        ConditionExpression:
          "attribute_exists(orderId) AND (attribute_not_exists(fulfilment.#service) OR " +
          "fulfilment.#service.#sequence < :sequence OR " +
          "(fulfilment.#service.#sequence = :sequence AND fulfilment.#service.eventId <> :eventId))",
        ExpressionAttributeNames: { "#service": service, "#sequence": "sequence" },
        ExpressionAttributeValues: {
          ":outcome": { status, at: now().toISOString(), eventId: event.eventId, sequence },
          ":sequence": sequence,
          ":eventId": event.eventId,
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      }),
    );
    return true;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    if (!error.Item)
      throw new Error(`order ${event.orderId} does not exist; cannot record ${service} outcome`, { cause: error });
    return false;
  }
}
