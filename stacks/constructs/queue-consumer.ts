import { Construct } from "constructs";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { BundledFunction, FunctionSettings } from "./bundled-function";
import { SubscriberQueue } from "./subscriber-queue";
import { FIFO_MAX_BATCH_SIZE, VISIBILITY_TIMEOUT_FACTOR } from "./fifo";
import { AlarmDefinition, functionAlarms, OpsAlarms } from "./ops-alarms";

/** The function's settings (FunctionSettings), and how it consumes its queue. */
export interface QueueConsumerProps extends FunctionSettings {
  /** Short service name, e.g. `inventory`; begins each of its alarms' names (`<prefix><service>-<what>`). */
  readonly service: string;
  /** The queue it consumes; its visibility timeout must be at least 6 × `timeoutSeconds`. */
  readonly queue: SubscriberQueue;
  /** Key the queue is encrypted with; the function gets kms:Decrypt on it. */
  readonly kmsKeyArn: string;
  /** Messages per invocation, 1 to 10 (the FIFO maximum). */
  readonly batchSize: number;
  /** Pollers Lambda may run for this queue, 2 to 1000. */
  readonly maxConcurrency: number;
  /** Where its alarms go. */
  readonly alarms: OpsAlarms;
  /** Alarm when the oldest message is older than this, in seconds. @default 300 */
  readonly maxMessageAgeSeconds?: number;
}

/**
 * A Lambda that consumes one FIFO subscriber queue: the function and its role (receive/delete on
 * its own queue, decrypt with the queue's key), the event source mapping with partial batch
 * responses, and alarms on the DLQ, message age, a queue that stops draining, errors and throttles.
 */
export class QueueConsumer extends Construct {
  readonly function: BundledFunction;
  readonly eventSourceMapping: LambdaEventSourceMapping;

  constructor(scope: Construct, id: string, props: QueueConsumerProps) {
    super(scope, id);
    const { queue } = props;
    const where = `QueueConsumer "${props.functionName}"`;
    if (!Number.isInteger(props.batchSize) || props.batchSize < 1 || props.batchSize > FIFO_MAX_BATCH_SIZE) {
      throw new Error(
        `${where}: batch size ${props.batchSize} is not allowed on a FIFO queue (1 to ${FIFO_MAX_BATCH_SIZE})`,
      );
    }
    const minimumVisibility = VISIBILITY_TIMEOUT_FACTOR * props.timeoutSeconds;
    if (queue.visibilityTimeoutSeconds < minimumVisibility) {
      throw new Error(
        `${where}: queue "${queue.queueName}" has a visibility timeout of ${queue.visibilityTimeoutSeconds} s, ` +
          `under ${VISIBILITY_TIMEOUT_FACTOR} × the function timeout of ${props.timeoutSeconds} s (${minimumVisibility} s)`,
      );
    }
    if (!Number.isInteger(props.maxConcurrency) || props.maxConcurrency < 2 || props.maxConcurrency > 1000) {
      throw new Error(`${where}: maximum concurrency must be 2 to 1000, got ${props.maxConcurrency}`);
    }

    this.function = new BundledFunction(this, "handler", props);
    queue.grantConsumeMessages(this.function, { sid: "ConsumeOwnQueue" });
    this.function.addToRolePolicy({ sid: "DecryptOwnQueue", actions: ["kms:Decrypt"], resources: [props.kmsKeyArn] });
    this.eventSourceMapping = new LambdaEventSourceMapping(this, "event-source", {
      eventSourceArn: queue.arn,
      functionName: this.function.fn.arn,
      batchSize: props.batchSize,
      functionResponseTypes: ["ReportBatchItemFailures"],
      scalingConfig: { maximumConcurrency: props.maxConcurrency },
    });
    this.addAlarms(props);
  }

  private addAlarms(props: QueueConsumerProps): void {
    const queueMetric = (queueName: string) => ({ namespace: "AWS/SQS", dimensions: { QueueName: queueName } });
    const alarms: Record<string, AlarmDefinition> = {
      "dlq-messages": {
        ...queueMetric(props.queue.deadLetterQueue.name),
        metricName: "ApproximateNumberOfMessagesVisible",
        statistic: "Maximum",
        period: 60,
        threshold: 0,
        alarmDescription: `Messages of ${props.service} are in its dead-letter queue`,
      },
      "oldest-message-age": {
        ...queueMetric(props.queue.queue.name),
        metricName: "ApproximateAgeOfOldestMessage",
        statistic: "Maximum",
        period: 60,
        threshold: props.maxMessageAgeSeconds ?? 300,
        alarmDescription: `${props.service} is falling behind its queue`,
      },
      // Messages wait and none is deleted: stuck, whatever the backlog's age (a paced queue may be
      // hours behind by design at a peak, but it always drains).
      "not-draining": {
        metricQuery: [
          {
            id: "waiting",
            metric: {
              ...queueMetric(props.queue.queue.name),
              metricName: "ApproximateNumberOfMessagesVisible",
              stat: "Maximum",
              period: 300,
            },
          },
          {
            id: "deleted",
            metric: {
              ...queueMetric(props.queue.queue.name),
              metricName: "NumberOfMessagesDeleted",
              stat: "Sum",
              period: 300,
            },
          },
          {
            id: "stuck",
            expression: "IF(waiting > 0 AND FILL(deleted, 0) == 0, 1, 0)",
            returnData: true,
            label: "stuck",
          },
        ],
        threshold: 0,
        evaluationPeriods: 3,
        alarmDescription: `${props.service} has had messages waiting and deleted none for 15 minutes`,
      },
      ...functionAlarms(props.functionName),
    };
    for (const [what, alarm] of Object.entries(alarms)) props.alarms.add(this, `${props.service}-${what}`, alarm);
  }
}
