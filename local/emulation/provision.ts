/** Creates what a loaded plan declares in the emulators, through the real AWS SDK clients. */
import { CreateTableCommand, UpdateTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand } from "@aws-sdk/client-sqs";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { LocalModel, LocalQueue, LocalTable } from "../plan/plan";
import { LocalClients } from "./aws-clients";

/** Dead-letter queues first: a queue's redrive policy names a queue that must exist. */
function inCreationOrder(queues: LocalQueue[]): LocalQueue[] {
  const targets = new Set(queues.map((q) => q.deadLetterQueue).filter(Boolean));
  return [...queues.filter((q) => targets.has(q.name)), ...queues.filter((q) => !targets.has(q.name))];
}

async function step<T>(address: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw new Error(`creating ${address} in the emulator failed: ${(error as Error).message}`, { cause: error });
  }
}

/** Every key attribute of the table and its indexes, once. */
function attributeDefinitions(table: LocalTable) {
  const keys = [
    { name: table.partitionKey, type: table.partitionKeyType },
    ...table.indexes.flatMap((index) => [index.partitionKey, ...(index.sortKey ? [index.sortKey] : [])]),
  ];
  const unique = new Map(keys.map((key) => [key.name, key.type]));
  return [...unique].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType }));
}

/** Creates everything; answers each queue's URL as the emulator gave it, by queue name. */
export async function provision(model: LocalModel, clients: LocalClients): Promise<Map<string, string>> {
  await Promise.all(
    model.tables.map((table) =>
      step(table.address, async () => {
        await clients.dynamodb.send(
          new CreateTableCommand({
            TableName: table.name,
            BillingMode: "PAY_PER_REQUEST",
            KeySchema: [{ AttributeName: table.partitionKey, KeyType: "HASH" }],
            AttributeDefinitions: attributeDefinitions(table),
            ...(table.indexes.length > 0
              ? {
                  GlobalSecondaryIndexes: table.indexes.map((index) => ({
                    IndexName: index.name,
                    KeySchema: [
                      { AttributeName: index.partitionKey.name, KeyType: "HASH" as const },
                      ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: "RANGE" as const }] : []),
                    ],
                    Projection: { ProjectionType: index.projection },
                  })),
                }
              : {}),
            ...(table.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } } : {}),
          }),
        );
        if (table.ttlAttribute) {
          await clients.dynamodb.send(
            new UpdateTimeToLiveCommand({
              TableName: table.name,
              TimeToLiveSpecification: { AttributeName: table.ttlAttribute, Enabled: true },
            }),
          );
        }
      }),
    ),
  );
  for (const bucket of model.buckets)
    await step(`bucket ${bucket}`, () => clients.s3.send(new CreateBucketCommand({ Bucket: bucket })));
  for (const topic of model.topics) {
    await step(topic.address, () =>
      clients.sns.send(new CreateTopicCommand({ Name: topic.name, Attributes: topic.attributes })),
    );
  }
  const queueUrls = new Map<string, string>();
  for (const queue of inCreationOrder(model.queues)) {
    const { QueueUrl } = await step(queue.address, () =>
      clients.sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: queue.attributes })),
    );
    queueUrls.set(queue.name, QueueUrl!);
  }
  for (const subscription of model.subscriptions) {
    await step(subscription.address, () =>
      clients.sns.send(
        new SubscribeCommand({
          TopicArn: subscription.topicArn,
          Protocol: "sqs",
          Endpoint: subscription.queueArn,
          Attributes: subscription.attributes,
          ReturnSubscriptionArn: true,
        }),
      ),
    );
  }
  return queueUrls;
}
