import { Construct } from "constructs";
import { CloudwatchMetricAlarm, CloudwatchMetricAlarmConfig } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { denyInsecureTransport, policyDocument } from "./policy";

export interface OpsAlarmsProps {
  /** Name of the topic alarms publish to: 1 to 256 letters, digits, hyphens and underscores. */
  readonly topicName: string;
  /** Every alarm's name starts with this; the topic admits CloudWatch for these alarms only. */
  readonly alarmNamePrefix: string;
  /** Customer key of the topic; its policy must let CloudWatch use it (see MessagingKey). */
  readonly kmsKeyArn: string;
  /** The account the alarms are in: only its CloudWatch may publish to the topic. */
  readonly accountId: string;
  /** The account's partition (`aws`, `aws-cn`, …), to build the alarms' ARNs. */
  readonly partition: string;
  /** The region the alarms are in, to build their ARNs. */
  readonly region: string;
  /** Who is e-mailed (a Terraform expression is fine). @default nobody, for stacks never deployed */
  readonly email?: string;
}

/** An alarm on one metric or on a metric-math expression; the common parts are OpsAlarms'. */
export type AlarmDefinition = Omit<
  CloudwatchMetricAlarmConfig,
  "alarmName" | "alarmActions" | "okActions" | "comparisonOperator" | "evaluationPeriods"
> & {
  readonly alarmDescription: string;
  /** How the metric is compared with the threshold. @default "GreaterThanThreshold" */
  readonly comparisonOperator?: string;
  /** Periods evaluated, at least 1. @default 1 */
  readonly evaluationPeriods?: number;
};

/**
 * The topic that reaches the on-call engineer, and the alarms that publish to it. The topic is
 * encrypted with the messaging key, denies plain HTTP, and admits CloudWatch only for this stack's
 * alarms; its e-mail subscription must be confirmed from the first message AWS sends.
 */
export class OpsAlarms extends Construct {
  readonly topic: SnsTopic;
  private readonly alarmNamePrefix: string;

  constructor(scope: Construct, id: string, props: OpsAlarmsProps) {
    super(scope, id);
    this.alarmNamePrefix = props.alarmNamePrefix;
    this.topic = new SnsTopic(this, "topic", { name: props.topicName, kmsMasterKeyId: props.kmsKeyArn });
    const alarmArns = `arn:${props.partition}:cloudwatch:${props.region}:${props.accountId}:alarm:${props.alarmNamePrefix}*`;
    new SnsTopicPolicy(this, "policy", {
      arn: this.topic.arn,
      policy: policyDocument([
        {
          sid: "AlarmsPublish",
          principals: { Service: ["cloudwatch.amazonaws.com"] },
          actions: ["sns:Publish"],
          resources: [this.topic.arn],
          conditions: {
            ArnLike: { "aws:SourceArn": [alarmArns] },
            StringEquals: { "aws:SourceAccount": [props.accountId] },
          },
        },
        denyInsecureTransport("sns", [this.topic.arn]),
      ]),
    });
    if (props.email !== undefined) {
      new SnsTopicSubscription(this, "email", { topicArn: this.topic.arn, protocol: "email", endpoint: props.email });
    }
  }

  /** An alarm named `<prefix><suffix>` that notifies the topic on ALARM and on OK. */
  add(scope: Construct, suffix: string, alarm: AlarmDefinition): CloudwatchMetricAlarm {
    return new CloudwatchMetricAlarm(scope, suffix, {
      treatMissingData: "notBreaching",
      ...alarm,
      comparisonOperator: alarm.comparisonOperator ?? "GreaterThanThreshold",
      evaluationPeriods: alarm.evaluationPeriods ?? 1,
      alarmName: `${this.alarmNamePrefix}${suffix}`,
      alarmActions: [this.topic.arn],
      okActions: [this.topic.arn],
    });
  }
}

/** A function failed or was throttled in the last minute. */
export function functionAlarms(functionName: string): Record<"errors" | "throttles", AlarmDefinition> {
  const metric = { namespace: "AWS/Lambda", dimensions: { FunctionName: functionName }, statistic: "Sum", period: 60 };
  return {
    errors: { ...metric, metricName: "Errors", threshold: 0, alarmDescription: `${functionName} failed invocations` },
    throttles: { ...metric, metricName: "Throttles", threshold: 0, alarmDescription: `${functionName} was throttled` },
  };
}

/**
 * A business count (a function's own metric, by its `service` dimension) above zero in the last
 * minute: something that should never happen happened.
 */
export function anyCountAlarm(
  metric: { readonly namespace: string; readonly service: string; readonly metricName: string },
  alarmDescription: string,
): AlarmDefinition {
  return {
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: { service: metric.service },
    statistic: "Sum",
    period: 60,
    threshold: 0,
    alarmDescription,
  };
}
