import { Construct } from "constructs";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { SqsQueueRedriveAllowPolicy } from "@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Fn, Lazy } from "cdktf";
import { FifoTopic } from "./fifo-topic";
import { deadLetterName, requireFifoName } from "./fifo";
import { denyInsecureTransport, GrantOptions, Grantee, policyDocument } from "./policy";

export interface SubscriberQueueProps {
  /** The FIFO topic the queue is subscribed to; only it may deliver. */
  readonly topic: FifoTopic;
  /** 1 to 80 characters (letters, digits, hyphens, underscores), ending with `.fifo`; the DLQ is named `<name>-dlq.fifo`. */
  readonly queueName: string;
  /** Same key as the topic, so SNS can encrypt what it delivers. */
  readonly kmsKeyArn: string;
  /** 0 to 43,200 s (SQS's range), and at least 6 × the consumer's timeout; QueueConsumer checks. */
  readonly visibilityTimeoutSeconds: number;
  /** Receives before a message moves to the DLQ, 1 to 1000. */
  readonly maxReceiveCount: number;
  /** Seconds the DLQ keeps a message, 60 to 1,209,600. @default 1,209,600 (14 days, the SQS maximum) */
  readonly dlqRetentionSeconds?: number;
  /** Per-message-group throughput quotas. @default false */
  readonly highThroughput?: boolean;
  /** SNS filter policy on message attributes. @default none: every message */
  readonly filterPolicy?: Record<string, unknown>;
}

/**
 * A FIFO queue subscribed to a FIFO topic, with its FIFO dead-letter queue, redrive, SSE under the
 * customer key, the queue policy that lets the topic (and only it) deliver, and TLS-only policies
 * on both queues.
 */
/** 14 days: the longest SQS keeps a message. */
export const MAX_RETENTION_SECONDS = 14 * 24 * 3600;

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
      messageRetentionSeconds: props.dlqRetentionSeconds ?? MAX_RETENTION_SECONDS,
      ...encryption,
      ...highThroughput,
    });
    this.queue = new SqsQueue(this, "queue", {
      name: props.queueName,
      fifoQueue: true,
      contentBasedDeduplication: false,
      // SQS's maximum: a consumer broken over a long weekend still finds its messages (default 4 days).
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
      messageRetentionSeconds: MAX_RETENTION_SECONDS,
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
    new SqsQueuePolicy(this, "dlq-policy", {
      queueUrl: this.deadLetterQueue.url,
      policy: policyDocument([denyInsecureTransport("sqs", [this.deadLetterQueue.arn])]),
    });
    this.subscription = subscribeQueue(this, {
      topic: props.topic,
      queue: this.queue,
      filterPolicy: props.filterPolicy,
    });
  }

  /**
   * Lets the grantee consume the queue: what Lambda's SQS event source mapping calls with the
   * function's role, and nothing more (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html,
   * execution role permissions). The queue's key is granted apart (QueueConsumer's `kmsKeyArn`).
   */
  grantConsumeMessages(grantee: Grantee, options: GrantOptions = {}): void {
    grantee.addToRolePolicy({
      sid: options.sid,
      actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      resources: [this.queue.arn],
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
  /** The FIFO topic that delivers. */
  readonly topic: FifoTopic;
  /** The FIFO queue it delivers to; its policy is written (or extended) to admit the topic. */
  readonly queue: SqsQueue;
  /** SNS filter policy on message attributes. @default none: every message */
  readonly filterPolicy?: Record<string, unknown>;
}

/**
 * The one policy of a queue that topics deliver to. SQS keeps one policy per queue (a second
 * aws_sqs_queue_policy would replace the first), so each subscription adds its topic to this one:
 * sns.amazonaws.com may SendMessage only from those topics (`ArnEquals aws:SourceArn`), and plain
 * HTTP is denied to everyone.
 */
class TopicDeliveryPolicy extends Construct {
  readonly resource: SqsQueuePolicy;
  private readonly topicArns: string[] = [];

  /** The queue's delivery policy, created beside the queue on first use. */
  static of(queue: SqsQueue): TopicDeliveryPolicy {
    const scope = queue.node.scope!;
    const id = `${queue.node.id}-policy`;
    return (
      (scope.node.tryFindChild(id) as TopicDeliveryPolicy | undefined) ?? new TopicDeliveryPolicy(scope, id, queue)
    );
  }

  private constructor(scope: Construct, id: string, queue: SqsQueue) {
    super(scope, id);
    this.resource = new SqsQueuePolicy(this, "policy", {
      queueUrl: queue.url,
      policy: policyDocument([
        {
          sid: "TopicsDeliver",
          principals: { Service: ["sns.amazonaws.com"] },
          actions: ["sqs:SendMessage"],
          resources: [queue.arn],
          conditions: {
            ArnEquals: {
              "aws:SourceArn": Lazy.anyValue({ produce: () => Fn.tolist(this.topicArns) }) as unknown as string[],
            },
          },
        },
        denyInsecureTransport("sqs", [queue.arn]),
      ]),
    });
  }

  admit(topicArn: string): void {
    this.topicArns.push(topicArn);
  }
}

/**
 * Subscribes a FIFO queue to a FIFO topic with raw delivery, and in the same step admits the topic
 * in the queue's policy, without which SNS's deliveries are silently dropped. The subscription
 * depends on that policy (as AWS CDK's SqsSubscription makes it), so that on a first apply or a
 * policy replacement SNS never delivers to a queue that does not yet admit it. Its id comes from
 * the topic's, so one scope can hold subscriptions to several topics.
 */
export function subscribeQueue(scope: Construct, options: QueueSubscriptionOptions): SnsTopicSubscription {
  const { topic, queue } = options;
  const queueName = queue.nameInput ?? queue.node.path;
  if (queue.fifoQueueInput !== true) {
    throw new Error(`queue "${queueName}" is not FIFO: a FIFO topic delivers only to FIFO queues`);
  }
  const id = `${topic.node.id}-subscription`;
  if (scope.node.tryFindChild(id)) {
    throw new Error(`queue "${queueName}" is already subscribed to topic "${topic.name}" in ${scope.node.path}`);
  }
  const policy = TopicDeliveryPolicy.of(queue);
  policy.admit(topic.arn);
  return new SnsTopicSubscription(scope, id, {
    topicArn: topic.arn,
    protocol: "sqs",
    endpoint: queue.arn,
    rawMessageDelivery: true,
    ...(options.filterPolicy
      ? { filterPolicy: Fn.jsonencode(options.filterPolicy), filterPolicyScope: "MessageAttributes" }
      : {}),
    dependsOn: [policy.resource],
  });
}
