import { Testing, TerraformStack } from "cdktf";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { FifoTopic } from "../../stacks/constructs/fifo-topic";
import { SubscriberQueue, subscribeQueue } from "../../stacks/constructs/subscriber-queue";
import { QueueConsumer, QueueConsumerProps } from "../../stacks/constructs/queue-consumer";
import { OpsAlarms } from "../../stacks/constructs/ops-alarms";
import { OnDemandTable } from "../../stacks/constructs/on-demand-table";
import { MessagingKey } from "../../stacks/constructs/messaging-key";
import { OutboxRelay, OutboxRelayProps } from "../../stacks/constructs/outbox-relay";
import { configureProviderAndState } from "../../stacks/aws-provider";
import { environmentSettings, stateBootstrapSettings } from "../../stacks/environments";
import { fakeBundleRoot } from "../support/synth";

function scene() {
  const stack = new TerraformStack(Testing.app(), "misuse");
  const topic = new FifoTopic(stack, "topic", {
    name: "events.fifo",
    kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
  });
  return { stack, topic };
}

function opsAlarms(stack: TerraformStack): OpsAlarms {
  return new OpsAlarms(stack, "ops", {
    topicName: "ops",
    alarmNamePrefix: "misuse-",
    kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
    accountId: "123456789012",
    partition: "aws",
    region: "eu-west-1",
  });
}

function queueWithVisibility(visibilityTimeoutSeconds: number) {
  const { stack, topic } = scene();
  const queue = new SubscriberQueue(stack, "queue", {
    topic,
    queueName: "billing.fifo",
    kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
    visibilityTimeoutSeconds,
    maxReceiveCount: 3,
  });
  return { stack, queue };
}

function consumerProps(overrides: Partial<QueueConsumerProps>, visibility = 60) {
  const { stack, queue } = queueWithVisibility(visibility);
  const props: QueueConsumerProps = {
    service: "billing",
    functionName: "billing",
    bundle: "billing",
    bundleRoot: fakeBundleRoot(),
    queue,
    kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
    memoryMb: 512,
    timeoutSeconds: 10,
    logRetentionDays: 7,
    batchSize: 10,
    maxConcurrency: 2,
    environment: {},
    alarms: opsAlarms(stack),
    ...overrides,
  };
  return { stack, props };
}

function relayProps(overrides: Partial<OutboxRelayProps>) {
  const { stack, topic } = scene();
  const props: OutboxRelayProps = {
    functionName: "relay",
    bundle: "outbox-relay",
    bundleRoot: fakeBundleRoot(),
    memoryMb: 512,
    timeoutSeconds: 10,
    logRetentionDays: 7,
    environment: {},
    table: new OnDemandTable(stack, "orders", {
      name: "orders",
      partitionKey: "orderId",
      protect: false,
      stream: "NEW_IMAGE",
    }),
    topic,
    key: new MessagingKey(stack, "key", { alias: "k", accountId: "123456789012", partition: "aws", topicArns: [] }),
    alarms: opsAlarms(stack),
    ...overrides,
  };
  return { stack, props };
}

describe("constructs refuse misuse at synth time", () => {
  it.each([
    [{ batchSize: 0 }, "batchSize must be 1 to 10000, got 0"],
    [{ batchSize: 10_001 }, "batchSize must be 1 to 10000, got 10001"],
    [{ maxBatchingWindowSeconds: 301 }, "maxBatchingWindowSeconds must be whole seconds, 0 to 300, got 301"],
    [{ maxBatchingWindowSeconds: -1 }, "maxBatchingWindowSeconds must be whole seconds, 0 to 300, got -1"],
    [{ maxBatchingWindowSeconds: 0.5 }, "maxBatchingWindowSeconds must be whole seconds, 0 to 300, got 0.5"],
  ])("refuses an outbox relay batching %j outside a DynamoDB stream's range", (overrides, message) => {
    const { stack, props } = relayProps(overrides);
    expect(() => new OutboxRelay(stack, "relay", props)).toThrow(`OutboxRelay "relay": ${message}`);
  });

  it("accepts an outbox relay batching at the ends of a DynamoDB stream's range", () => {
    const { stack, props } = relayProps({ batchSize: 10_000, maxBatchingWindowSeconds: 300 });
    expect(new OutboxRelay(stack, "relay", props).eventSourceMapping.maximumBatchingWindowInSecondsInput).toBe(300);
    const zero = relayProps({ batchSize: 1, maxBatchingWindowSeconds: 0 });
    expect(new OutboxRelay(zero.stack, "relay", zero.props).eventSourceMapping.batchSizeInput).toBe(1);
  });

  it("refuses a non-FIFO queue on the FIFO topic", () => {
    const { stack, topic } = scene();
    const queue = new SqsQueue(stack, "standard", { name: "standard-queue" });
    expect(() => subscribeQueue(stack, { topic, queue })).toThrow(
      'queue "standard-queue" is not FIFO: a FIFO topic delivers only to FIFO queues',
    );
  });

  it("refuses a batch size over 10 on a FIFO queue", () => {
    const { stack, props } = consumerProps({ batchSize: 11 });
    expect(() => new QueueConsumer(stack, "consumer", props)).toThrow(
      'QueueConsumer "billing": batch size 11 is not allowed on a FIFO queue (1 to 10)',
    );
  });

  it("refuses a visibility timeout under 6 × the function timeout", () => {
    const { stack, props } = consumerProps({ timeoutSeconds: 10 }, 59);
    expect(() => new QueueConsumer(stack, "consumer", props)).toThrow(
      'queue "billing.fifo" has a visibility timeout of 59 s, under 6 × the function timeout of 10 s (60 s)',
    );
  });

  it("accepts exactly 6 × the function timeout", () => {
    const { stack, props } = consumerProps({ timeoutSeconds: 10 }, 60);
    expect(() => new QueueConsumer(stack, "consumer", props)).not.toThrow();
  });

  it("refuses a FIFO topic name without .fifo", () => {
    const stack = new TerraformStack(Testing.app(), "misuse");
    expect(() => new FifoTopic(stack, "topic", { name: "events", kmsKeyArn: "k" })).toThrow(
      'SNS topic "events" is FIFO, so its name must end with ".fifo"',
    );
  });

  it("refuses a FIFO queue name without .fifo", () => {
    const { stack, topic } = scene();
    expect(
      () =>
        new SubscriberQueue(stack, "queue", {
          topic,
          queueName: "billing",
          kmsKeyArn: "k",
          visibilityTimeoutSeconds: 60,
          maxReceiveCount: 3,
        }),
    ).toThrow('SQS queue "billing" is FIFO, so its name must end with ".fifo"');
  });

  it("refuses an AWS environment without a state bucket, naming the variable", () => {
    expect(() => environmentSettings("prod", { ORDER_FANOUT_STATE_BUCKET: "" })).toThrow(
      'environment "prod" has no state bucket: set ORDER_FANOUT_STATE_BUCKET',
    );
    expect(() => stateBootstrapSettings({ ORDER_FANOUT_STATE_BUCKET: " " })).toThrow("ORDER_FANOUT_STATE_BUCKET");
  });

  it("refuses an S3 backend without a bucket even when settings are built by hand", () => {
    const stack = new TerraformStack(Testing.app(), "handmade");
    expect(() =>
      configureProviderAndState(stack, {
        region: "eu-west-1",
        allowedAccountIds: [],
        tags: {},
        state: { kind: "s3", bucket: "", key: "k", region: "eu-west-1" },
      }),
    ).toThrow('stack "handmade" keeps its state in S3 but names no state bucket');
  });

  it("refuses a second publisher restriction on one topic", () => {
    const { topic } = scene();
    topic.restrictPublishersTo(["arn:aws:iam::123456789012:role/a"]);
    expect(() => topic.restrictPublishersTo(["arn:aws:iam::123456789012:role/b"])).toThrow("already restricted");
  });

  it("refuses a function whose bundle was not built", () => {
    const { stack, props } = consumerProps({ bundle: "missing" });
    expect(() => new QueueConsumer(stack, "consumer", props)).toThrow(
      /bundle .*missing\.zip not found; run `npm run build` first/,
    );
  });
});
