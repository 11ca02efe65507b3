import { Construct } from "constructs";
import { Fn } from "cdktf";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { PROCESSING_TIME_METRIC } from "../../contract/metrics";

/** A queue the dashboard shows, with its dead-letter queue (names; Terraform references are fine). */
export interface DashboardQueue {
  /** The queue (AWS/SQS, dimension QueueName). */
  readonly queueName: string;
  /** Its dead-letter queue, whose depth is shown beside it. */
  readonly deadLetterQueueName: string;
}

export interface DashboardProps {
  /** 1 to 255 letters, digits, hyphens and underscores. */
  readonly dashboardName: string;
  /** The region the metrics are in; also the console's, in `url`. */
  readonly region: string;
  /** The HTTP API (AWS/ApiGateway, dimension ApiId). */
  readonly apiId: string;
  /** By service. */
  readonly queues: Readonly<Record<string, DashboardQueue>>;
  /** Every function of the stack (AWS/Lambda, dimension FunctionName). */
  readonly functionNames: readonly string[];
  /** The namespace of the functions' own metrics (Powertools Metrics, dimension `service`). */
  readonly metricsNamespace: string;
  /** Every service (POWERTOOLS_SERVICE_NAME) of the stack: each records ProcessingTime. */
  readonly services: readonly string[];
  /** The business counts by the service that emits them. */
  readonly businessMetrics: Readonly<Record<string, readonly string[]>>;
}

/** One line of a metric widget: namespace, metric name, dimension name and value pairs, then options. */
type MetricLine = (string | Record<string, string>)[];

const PERIOD = 60;

/**
 * One CloudWatch dashboard of the fan-out: the API (requests, 5xx, p50/p99 latency), each queue
 * (visible messages, oldest message age, its DLQ's depth), each function (errors, throttles, p99
 * duration, concurrent executions) and the business counts and processing time of every service.
 * The body is a `jsonencode(...)` expression, so queue names and the API id stay references.
 */
export class Dashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;
  /** The dashboard in the CloudWatch console. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const widget = (title: string, stat: string, metrics: MetricLine[], width = 8) => ({
      type: "metric",
      width,
      height: 6,
      properties: { title, region: props.region, view: "timeSeries", stat, period: PERIOD, metrics },
    });
    const api = (metricName: string, options: Record<string, string> = {}): MetricLine => [
      "AWS/ApiGateway",
      metricName,
      "ApiId",
      props.apiId,
      options,
    ];
    const perFunction = (metricName: string): MetricLine[] =>
      props.functionNames.map((name) => ["AWS/Lambda", metricName, "FunctionName", name, { label: name }]);
    const sqs = (metricName: string, queueName: string, label: string, yAxis = "left"): MetricLine => [
      "AWS/SQS",
      metricName,
      "QueueName",
      queueName,
      { label, yAxis },
    ];
    const business = (metric: string, service: string): MetricLine => [
      props.metricsNamespace,
      metric,
      "service",
      service,
      { label: `${service} ${metric}` },
    ];

    const widgets = [
      widget("API requests", "Sum", [api("Count", { label: "requests" })]),
      widget("API 5xx", "Sum", [api("5xx", { label: "5xx" })]),
      widget("API latency (ms)", "p99", [
        api("Latency", { stat: "p50", label: "p50" }),
        api("Latency", { label: "p99" }),
      ]),
      ...Object.entries(props.queues).map(([service, queue]) =>
        widget(`${service} queue`, "Maximum", [
          sqs("ApproximateNumberOfMessagesVisible", queue.queueName, "visible messages"),
          sqs("ApproximateNumberOfMessagesVisible", queue.deadLetterQueueName, "DLQ depth"),
          sqs("ApproximateAgeOfOldestMessage", queue.queueName, "oldest message age (s)", "right"),
        ]),
      ),
      widget("Lambda errors", "Sum", perFunction("Errors"), 12),
      widget("Lambda throttles", "Sum", perFunction("Throttles"), 12),
      widget("Lambda duration p99 (ms)", "p99", perFunction("Duration"), 12),
      widget("Lambda concurrent executions", "Maximum", perFunction("ConcurrentExecutions"), 12),
      ...Object.entries(props.businessMetrics).map(([service, names]) =>
        widget(
          `${service}: business counts`,
          "Sum",
          names.map((name) => business(name, service)),
        ),
      ),
      widget(
        "Processing time p99 (ms), by service",
        "p99",
        props.services.map((service) => business(PROCESSING_TIME_METRIC, service)),
        12,
      ),
    ];

    this.dashboard = new CloudwatchDashboard(this, "dashboard", {
      dashboardName: props.dashboardName,
      dashboardBody: Fn.jsonencode({ widgets }),
    });
    this.url = `https://${props.region}.console.aws.amazon.com/cloudwatch/home?region=${props.region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
  }
}
