import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { BundledFunction } from "./bundled-function";
import { functionAlarms } from "./ops-alarms";
import { grantOutboxPublishing, OutboxPublisherProps } from "./outbox-publisher";
import { OUTBOX_INDEX } from "../../contract/outbox-index";
import { OLDEST_UNPUBLISHED_METRIC } from "../../contract/metrics";

/**
 * The orders table (`table`) must have the outbox index (OUTBOX_INDEX). The function's timeout is
 * the sweep's own (SWEEP_TIMEOUT_SECONDS), not a setting.
 */
export interface OutboxSweepProps extends Omit<OutboxPublisherProps, "timeoutSeconds"> {
  /** Powertools' metrics namespace, as set in `environment`: where the alarm finds the age. */
  readonly metricsNamespace: string;
  /** Minutes between sweeps, 1 to 60. @default 1 */
  readonly everyMinutes?: number;
  /** Orders listed for less than this many seconds are left to the relay, 0 to 3600. @default 120 */
  readonly graceSeconds?: number;
  /** Page when an event has waited unpublished longer than this many seconds. @default 600 */
  readonly maxUnpublishedAgeSeconds?: number;
}

/** A sweep's run: shorter than the schedule's minute, so that two runs seldom overlap. */
const SWEEP_TIMEOUT_SECONDS = 50;

/**
 * The outbox sweep (lambda-src/outbox-sweep): a function EventBridge invokes on a schedule that
 * publishes every order the outbox index still lists past the grace, whatever the stream did, and
 * reports the age of the oldest unpublished event. Its alarm pages when three of the last five
 * sweeps found that age past the limit or did not report (missing data is breaching: a sweep that
 * does not run is as bad as one that cannot publish).
 */
export class OutboxSweep extends Construct {
  readonly function: BundledFunction;
  readonly rule: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: OutboxSweepProps) {
    super(scope, id);
    const everyMinutes = props.everyMinutes ?? 1;
    const graceSeconds = props.graceSeconds ?? 120;
    if (!Number.isInteger(everyMinutes) || everyMinutes < 1 || everyMinutes > 60) {
      throw new Error(`OutboxSweep "${props.functionName}": everyMinutes must be 1 to 60, got ${everyMinutes}`);
    }
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > 3600) {
      throw new Error(`OutboxSweep "${props.functionName}": graceSeconds must be 0 to 3600, got ${graceSeconds}`);
    }
    this.function = new BundledFunction(this, "handler", {
      ...props,
      timeoutSeconds: SWEEP_TIMEOUT_SECONDS,
      environment: {
        ...props.environment,
        ORDERS_TABLE: props.table.name,
        TOPIC_ARN: props.topic.arn,
        SWEEP_GRACE_SECONDS: String(graceSeconds),
      },
    });
    props.table.grantIndexQuery(this.function, OUTBOX_INDEX.name, { sid: "ListUnpublished" });
    grantOutboxPublishing(this.function, props);
    this.rule = new CloudwatchEventRule(this, "schedule", {
      name: `${props.functionName}-schedule`,
      description: "Publishes what the outbox relay's stream missed",
      scheduleExpression: `rate(${everyMinutes} minute${everyMinutes === 1 ? "" : "s"})`,
    });
    new CloudwatchEventTarget(this, "target", { rule: this.rule.name, arn: this.function.fn.arn });
    new LambdaPermission(this, "invoked-by-schedule", {
      statementId: "ScheduledSweep",
      action: "lambda:InvokeFunction",
      functionName: this.function.fn.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.rule.arn,
    });
    for (const [what, alarm] of Object.entries(functionAlarms(props.functionName))) {
      props.alarms.add(this, `outbox-sweep-${what}`, alarm);
    }
    const maxAge = props.maxUnpublishedAgeSeconds ?? 600;
    props.alarms.add(this, "outbox-oldest-unpublished", {
      namespace: props.metricsNamespace,
      metricName: OLDEST_UNPUBLISHED_METRIC,
      dimensions: { service: "outbox-sweep" },
      statistic: "Maximum",
      period: 60 * everyMinutes,
      // Three of the last five sweeps: one late schedule does not page, a stopped sweep does.
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      threshold: maxAge,
      treatMissingData: "breaching",
      alarmDescription: `An order's event has waited more than ${maxAge} s to be published, or the outbox sweep stopped reporting`,
    });
  }
}
