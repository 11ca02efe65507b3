/**
 * A replay's filter, decided by fauxqs's own fan-out through its public SNS and SQS API: a topic and
 * a queue of the replay's own, subscribed with the replayed subscription's `FilterPolicy` and
 * `FilterPolicyScope`. Each archived message is published to that topic as it was first published;
 * fauxqs enqueues before it answers Publish, so whether the message is in the queue right after is
 * whether live delivery would have let it through. A replay thus filters exactly as live delivery
 * does, without depending on how fauxqs evaluates a policy inside. The pair is deleted when the
 * replay ends.
 */
import { randomUUID } from "node:crypto";
import { CreateTopicCommand, DeleteTopicCommand, PublishCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from "@aws-sdk/client-sqs";
import { LocalClients } from "./aws-clients";
import { ArchivedMessage, ReplayFilter, sdkMessageAttributes, SubscriptionFilterPolicy } from "./sns-archive";

/** A new topic and a new queue subscribed to it with `attributes`, both named `name`. */
export async function subscribedQueue(
  clients: Pick<LocalClients, "sns" | "sqs">,
  name: string,
  attributes: Record<string, string>,
): Promise<{ topicArn: string; queueUrl: string }> {
  const { TopicArn } = await clients.sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes = {} } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  await clients.sns.send(
    new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: Attributes.QueueArn, Attributes: attributes }),
  );
  return { topicArn: TopicArn!, queueUrl: QueueUrl! };
}

/** Opens the probe of one replay; `clients` must reach fauxqs directly (not the archiving endpoint). */
export async function openFilterProbe(
  clients: Pick<LocalClients, "sns" | "sqs">,
  filter: SubscriptionFilterPolicy,
): Promise<ReplayFilter> {
  const { topicArn, queueUrl } = await subscribedQueue(clients, `replay-filter-${randomUUID()}`, {
    FilterPolicy: filter.policy,
    ...(filter.scope === undefined ? {} : { FilterPolicyScope: filter.scope }),
  });
  return {
    async matches(message: ArchivedMessage) {
      await clients.sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: message.body,
          MessageAttributes: sdkMessageAttributes(message.attributes),
        }),
      );
      const { Messages = [] } = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
      );
      for (const received of Messages)
        await clients.sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.ReceiptHandle }));
      return Messages.length > 0;
    },
    async close() {
      await clients.sns.send(new DeleteTopicCommand({ TopicArn: topicArn }));
      await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
    },
  };
}
