import { Construct } from "constructs";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Fn } from "cdktf";
import { FifoTopic } from "./fifo-topic";
import { deadLetterName, requireFifoName } from "./fifo";
import { denyInsecureTransport, policyDocument } from "./policy";

export interface SubscriberQueueProps {
  readonly topic: FifoTopic;
  /** Must end with `.fifo`; the DLQ is named `<name>-dlq.fifo`. */
  readonly queueName: string;
  /** Same key as the topic, so SNS can encrypt what it delivers. */
  readonly kmsKeyArn: string;
  /** At least 6 × the consumer's timeout; QueueConsumer checks. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the DLQ. */
  readonly maxReceiveCount: number;
  /** Default: 14 days, the SQS maximum. */
  readonly dlqRetentionSeconds?: number;
  /** Per-message-group throughput quotas. Default: false. */
  readonly highThroughput?: boolean;
  /** SNS filter policy on message attributes. Default: every message. */
  readonly filterPolicy?: Record<string, unknown>;
}

/**
 * A FIFO queue subscribed to a FIFO topic, with its FIFO dead-letter queue, redrive, SSE under the
 * customer key, and the queue policy that lets the topic (and only it) deliver.
 */
export class SubscriberQueue extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly subscription: SnsTopicSubscription;
  readonly visibilityTimeoutSeconds: number;
  readonly queueName: string;

  constructor(scope: Construct, id: string, props: SubscriberQueueProps) {
    super(scope, id);
    requireFifoName("SQS queue", props.queueName);
    if (!Number.isInteger(props.maxReceiveCount) || props.maxReceiveCount < 1 || props.maxReceiveCount > 1000) {
      throw new Error(
        `SubscriberQueue "${props.queueName}": maxReceiveCount must be 1 to 1000, got ${props.maxReceiveCount}`,
      );
    }
    this.queueName = props.queueName;
    this.visibilityTimeoutSeconds = props.visibilityTimeoutSeconds;
    const highThroughput = props.highThroughput
      ? { deduplicationScope: "messageGroup", fifoThroughputLimit: "perMessageGroupId" }
      : {};
    const encryption = { kmsMasterKeyId: props.kmsKeyArn, kmsDataKeyReusePeriodSeconds: 300 };

    this.deadLetterQueue = new SqsQueue(this, "dlq", {
      name: deadLetterName(props.queueName),
      fifoQueue: true,
      messageRetentionSeconds: props.dlqRetentionSeconds ?? 14 * 24 * 3600,
      ...encryption,
      ...highThroughput,
    });
    this.queue = new SqsQueue(this, "queue", {
      name: props.queueName,
      fifoQueue: true,
      contentBasedDeduplication: false,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
      receiveWaitTimeSeconds: 20,
      redrivePolicy: Fn.jsonencode({
        deadLetterTargetArn: this.deadLetterQueue.arn,
        maxReceiveCount: props.maxReceiveCount,
      }),
      ...encryption,
      ...highThroughput,
    });
    // A separate resource: on the DLQ itself it would reference the queue that references the DLQ.
    new SqsQueueRedriveAllowPolicy(this, "dlq-redrive-allow", {
      queueUrl: this.deadLetterQueue.url,
      redriveAllowPolicy: Fn.jsonencode({ redrivePermission: "byQueue", sourceQueueArns: [this.queue.arn] }),
    });
    this.subscription = subscribeQueue(this, {
      topic: props.topic,
      queue: this.queue,
      filterPolicy: props.filterPolicy,
    });
  }

  get arn(): string {
    return this.queue.arn;
  }

  get url(): string {
    return this.queue.url;
  }
}

export interface QueueSubscriptionOptions {
  readonly topic: FifoTopic;
  readonly queue: SqsQueue;
  readonly filterPolicy?: Record<string, unknown>;
}

/**
 * Subscribes a FIFO queue to a FIFO topic with raw delivery, and writes in the same step the queue
 * policy without which SNS's deliveries are silently dropped: sns.amazonaws.com may SendMessage
 * only from this topic (`ArnEquals aws:SourceArn`), and plain HTTP is denied.
 */
export function subscribeQueue(scope: Construct, options: QueueSubscriptionOptions): SnsTopicSubscription {
  const { topic, queue } = options;
  const queueName = queue.nameInput ?? queue.node.path;
  if (queue.fifoQueueInput !== true) {
    throw new Error(`queue "${queueName}" is not FIFO: a FIFO topic delivers only to FIFO queues`);
  }
  new SqsQueuePolicy(scope, "queue-policy", {
    queueUrl: queue.url,
    policy: policyDocument([
      {
        sid: "TopicDelivers",
        principals: { Service: ["sns.amazonaws.com"] },
        actions: ["sqs:SendMessage"],
        resources: [queue.arn],
        conditions: { ArnEquals: { "aws:SourceArn": [topic.arn] } },
      },
      denyInsecureTransport("sqs", [queue.arn]),
    ]),
  });
  return new SnsTopicSubscription(scope, "subscription", {
    topicArn: topic.arn,
    protocol: "sqs",
    endpoint: queue.arn,
    rawMessageDelivery: true,
    ...(options.filterPolicy
      ? { filterPolicy: Fn.jsonencode(options.filterPolicy), filterPolicyScope: "MessageAttributes" }
      : {}),
  });
}
