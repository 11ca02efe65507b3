import { Construct } from "constructs";
import { Fn } from "cdktf";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { BundledFunction } from "./bundled-function";
import { functionAlarms, OpsAlarms } from "./ops-alarms";
import { OnDemandTable } from "./on-demand-table";
import { FifoTopic } from "./fifo-topic";
import { EVENT_TYPES } from "../../lambda-src/shared/events";

export interface OutboxRelayProps {
  readonly functionName: string;
  /** Default: dist/ (see BundledFunction). */
  readonly bundleRoot?: string;
  /** The orders table; must have a stream with new images. */
  readonly table: OnDemandTable;
  readonly topic: FifoTopic;
  /** The topic's key: the relay encrypts what it publishes. */
  readonly kmsKeyArn: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly logRetentionDays: number;
  readonly environment: Record<string, string>;
  readonly alarms: OpsAlarms;
  /** Alarm when the relay lags the stream by more than this. Default: 60 s. */
  readonly maxIteratorAgeSeconds?: number;
}

/**
 * The outbox relay (lambda-src/outbox-relay): a function fed by the orders table's stream, whose
 * filter invokes it only for images with unpublished events, that publishes them to the topic.
 * A failed batch is retried from the failed record (bisected on error) until it succeeds or the
 * record leaves the stream after 24 hours: an event must not be given up while SNS is refusing.
 */
export class OutboxRelay extends Construct {
  readonly function: BundledFunction;
  readonly eventSourceMapping: LambdaEventSourceMapping;

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
    this.function = new BundledFunction(this, "handler", {
      functionName: props.functionName,
      bundle: "outbox-relay",
      bundleRoot: props.bundleRoot,
      memoryMb: props.memoryMb,
      timeoutSeconds: props.timeoutSeconds,
      logRetentionDays: props.logRetentionDays,
      environment: { ...props.environment, TOPIC_ARN: props.topic.arn },
      statements: [
        {
          sid: "ReadOrdersStream",
          actions: [
            "dynamodb:DescribeStream",
            "dynamodb:GetRecords",
            "dynamodb:GetShardIterator",
            "dynamodb:ListStreams",
          ],
          resources: [streamArn],
        },
        {
          sid: "ReadAndMarkOrders",
          actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
          resources: [props.table.arn],
        },
        { sid: "Publish", actions: ["sns:Publish"], resources: [props.topic.arn] },
        { sid: "EncryptPublished", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.kmsKeyArn] },
      ],
    });
    this.eventSourceMapping = new LambdaEventSourceMapping(this, "event-source", {
      eventSourceArn: streamArn,
      functionName: this.function.fn.arn,
      startingPosition: "TRIM_HORIZON",
      batchSize: 10,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
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
  }
}
