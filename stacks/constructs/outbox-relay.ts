import { Construct } from "constructs";
import { Fn } from "cdktf";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { SqsQueuePolicy } from "@cdktf/provider-aws/lib/sqs-queue-policy";
import { denyInsecureTransport, policyDocument } from "./policy";
import { MAX_RETENTION_SECONDS } from "./subscriber-queue";
import { BundledFunction } from "./bundled-function";
import { functionAlarms } from "./ops-alarms";
import { grantOutboxPublishing, OutboxPublisherProps } from "./outbox-publisher";
import { EVENT_TYPES } from "../../contract/events";

/** The orders table (`table`) must have a stream with new images. */
export interface OutboxRelayProps extends OutboxPublisherProps {
  /** Alarm when the relay lags the stream by more than this many seconds. @default 60 */
  readonly maxIteratorAgeSeconds?: number;
  /** Retries of a failing record before it is given up to the failures queue, 0 to 10000. @default 10 */
  readonly maxRetryAttempts?: number;
  /** Age past which a failing record is given up, 60 to 604800 s, or -1 (until it expires). @default -1 */
  readonly maxRecordAgeSeconds?: number;
  /** Records per invocation, 1 to 10000. @default 100 */
  readonly batchSize?: number;
  /**
   * Seconds Lambda gathers records before invoking, whole, 0 to 300: it invokes when the batch is
   * full, the payload reaches 6 MB, or this window has passed. @default 1
   */
  readonly maxBatchingWindowSeconds?: number;
}

/**
 * Every new order's INSERT passes the filter (the API marks its event published only after writing
 * it), so without a window the relay runs once per order. With these, it runs about once a second
 * per stream shard (measured locally at one client: 30 to 34 invocations per 1,000 orders), and,
 * by the batch size, at least 100 orders an invocation on a shard taking 100 orders/s or more
 * (an estimate: a peak's orders spread over the table's many shards).
 * The window delays only the relay's rescue of an order whose inline publish by the API failed,
 * by at most a second; the sweep stays the net behind both.
 */
const DEFAULT_BATCH = { batchSize: 100, maxBatchingWindowSeconds: 1 };

/**
 * Ranges for a DynamoDB stream: https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html
 * (batch size); the window's 0 to 300 s is CreateEventSourceMapping's MaximumBatchingWindowInSeconds.
 */
function batching(name: string, props: OutboxRelayProps) {
  const batchSize = props.batchSize ?? DEFAULT_BATCH.batchSize;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new Error(`OutboxRelay "${name}": batchSize must be 1 to 10000, got ${batchSize}`);
  }
  const window = props.maxBatchingWindowSeconds ?? DEFAULT_BATCH.maxBatchingWindowSeconds;
  if (!Number.isInteger(window) || window < 0 || window > 300) {
    throw new Error(`OutboxRelay "${name}": maxBatchingWindowSeconds must be whole seconds, 0 to 300, got ${window}`);
  }
  return { batchSize, maximumBatchingWindowInSeconds: window };
}

/**
 * The outbox relay (lambda-src/outbox-relay): a function fed by the orders table's stream, whose
 * filter invokes it only for images with unpublished events, that publishes them to the topic.
 * A failed batch is retried from the failed record (bisected on error), within bounds (retries and
 * record age), so a failure that does not end blocks its shard for at most that long, not the
 * stream's 24 hours; then
 * Lambda sends where it was (shard and sequence numbers, not the order) to the failures queue,
 * which pages and which `npm run ops -- outbox list` shows. Nothing is lost by giving up: the
 * order stays listed in the outbox index until its events are published, and the outbox sweep
 * (OutboxSweep) publishes it.
 */
export class OutboxRelay extends Construct {
  readonly function: BundledFunction;
  readonly eventSourceMapping: LambdaEventSourceMapping;
  /** Where Lambda records the batches it gave up (standard: a stream's on-failure destination cannot be FIFO). */
  readonly failures: SqsQueue;

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    const streamArn = props.table.table.streamArn;
    if (
      props.table.table.streamViewTypeInput !== "NEW_IMAGE" &&
      props.table.table.streamViewTypeInput !== "NEW_AND_OLD_IMAGES"
    ) {
      throw new Error(
        `OutboxRelay "${props.functionName}": table ${props.table.node.id} has no stream with new images`,
      );
    }
    const maxRetryAttempts = props.maxRetryAttempts ?? 10;
    if (!Number.isInteger(maxRetryAttempts) || maxRetryAttempts < 0 || maxRetryAttempts > 10_000) {
      throw new Error(
        `OutboxRelay "${props.functionName}": maxRetryAttempts must be 0 to 10000, got ${maxRetryAttempts}`,
      );
    }
    const maxRecordAgeSeconds = props.maxRecordAgeSeconds ?? -1;
    if (maxRecordAgeSeconds !== -1 && !(maxRecordAgeSeconds >= 60 && maxRecordAgeSeconds <= 604_800)) {
      throw new Error(
        `OutboxRelay "${props.functionName}": maxRecordAgeSeconds must be 60 to 604800 or -1, got ${maxRecordAgeSeconds}`,
      );
    }
    const batch = batching(props.functionName, props);
    // Only shard IDs and sequence numbers, no order data: SQS's own encryption is enough.
    this.failures = new SqsQueue(this, "failures", {
      name: `${props.functionName}-failures`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: MAX_RETENTION_SECONDS,
    });
    new SqsQueuePolicy(this, "failures-policy", {
      queueUrl: this.failures.url,
      policy: policyDocument([denyInsecureTransport("sqs", [this.failures.arn])]),
    });
    this.function = new BundledFunction(this, "handler", {
      ...props,
      environment: { ...props.environment, TOPIC_ARN: props.topic.arn },
    });
    props.table.grantStreamRead(this.function, { sid: "ReadOrdersStream" });
    grantOutboxPublishing(this.function, props);
    // The mapping sends a given-up batch's record with the function's role.
    this.function.addToRolePolicy({
      sid: "RecordGivenUp",
      actions: ["sqs:SendMessage"],
      resources: [this.failures.arn],
    });
    this.eventSourceMapping = new LambdaEventSourceMapping(this, "event-source", {
      eventSourceArn: streamArn,
      functionName: this.function.fn.arn,
      startingPosition: "TRIM_HORIZON",
      ...batch,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: maxRetryAttempts,
      maximumRecordAgeInSeconds: maxRecordAgeSeconds,
      destinationConfig: { onFailure: { destinationArn: this.failures.arn } },
      functionResponseTypes: ["ReportBatchItemFailures"],
      // Only images that still list an unpublished event (a DynamoDB string set: any element matches).
      filterCriteria: {
        filter: [
          {
            pattern: Fn.jsonencode({
              eventName: ["INSERT", "MODIFY"],
              dynamodb: { NewImage: { unpublished: { SS: [...EVENT_TYPES] } } },
            }),
          },
        ],
      },
    });
    const metric = { namespace: "AWS/Lambda", dimensions: { FunctionName: props.functionName } };
    for (const [what, alarm] of Object.entries(functionAlarms(props.functionName))) {
      props.alarms.add(this, `outbox-relay-${what}`, alarm);
    }
    props.alarms.add(this, "outbox-relay-iterator-age", {
      ...metric,
      metricName: "IteratorAge",
      statistic: "Maximum",
      period: 60,
      threshold: (props.maxIteratorAgeSeconds ?? 60) * 1000,
      alarmDescription: `${props.functionName} lags the orders stream: events are waiting to be published`,
    });
    props.alarms.add(this, "outbox-relay-gave-up", {
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: this.failures.name },
      statistic: "Maximum",
      period: 60,
      threshold: 0,
      alarmDescription: `${props.functionName} gave stream records up: the sweep publishes their orders; see \`npm run ops -- outbox list\``,
    });
  }
}
