import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { MessageAttributes, NUMERIC_FILTER_LIMIT, OrderEvent } from "../../contract/events";

export interface EventPublisher {
  publish(event: OrderEvent, attributes: MessageAttributes): Promise<void>;
}

/**
 * Publishes to the SNS FIFO topic. MessageGroupId = orderId keeps an order's events in order for
 * every subscriber; MessageDeduplicationId = eventId makes a retried publish a no-op for 5 minutes.
 */
export function snsPublisher(sns: SNSClient, topicArn: string): EventPublisher {
  return {
    async publish(event, attributes) {
      const valid = OrderEvent.parse(event);
      const attrs = MessageAttributes.parse(attributes);
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: JSON.stringify(valid),
          MessageGroupId: valid.orderId,
          MessageDeduplicationId: valid.eventId,
          MessageAttributes: {
            eventType: { DataType: "String", StringValue: attrs.eventType },
            totalCents: { DataType: "Number", StringValue: String(attrs.totalCents) },
            currency: { DataType: "String", StringValue: attrs.currency },
            // Beyond SNS's numeric filter range (see NUMERIC_FILTER_LIMIT).
            ...(attrs.totalCents > NUMERIC_FILTER_LIMIT
              ? { largeTotal: { DataType: "String", StringValue: "true" } }
              : {}),
          },
        }),
      );
    },
  };
}
