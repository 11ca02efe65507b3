/**
 * `npm run ops -- status`: per service its queue (visible, in flight, in the DLQ, oldest message's
 * age) and its function (invocations, errors, throttles), and the alarms in ALARM. Queue depths come
 * from SQS everywhere; the rest from CloudWatch on AWS and from the runtime's `/_local/status` locally.
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from "@aws-sdk/client-sqs";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import { CONSUMER_SERVICES, ConsumerService } from "../contract/services";
import { deadLetterQueueName, functionName, OpsTarget, queueName } from "./target";

export interface QueueStatus {
  service: ConsumerService;
  queue: string;
  visible: number;
  inFlight: number;
  inDeadLetterQueue: number;
  /** Seconds; null where it is not known (locally). */
  oldestMessageAgeSeconds: number | null;
}

export interface FunctionStatus {
  service: ConsumerService;
  function: string;
  invocations: number;
  errors: number;
  /** null where there is no such count (locally: the runtime queues invocations instead). */
  throttles: number | null;
}

export interface StatusReport {
  environment: string;
  /** What the function counts cover. */
  window: string;
  queues: QueueStatus[];
  functions: FunctionStatus[];
  /** Alarm names in ALARM; null where alarms are not evaluated (locally). */
  alarmsInAlarm: string[] | null;
  /**
   * Calls the runtime denied, per role: count and the last reason. Local only: on AWS, denials are
   * CloudTrail's errorCode AccessDenied events (null).
   */
  accessDenied: Record<string, { count: number; last: string }> | null;
  notes: string[];
}

const WINDOW_MINUTES = 15;

export async function queueUrlOf(sqs: SQSClient, name: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  return QueueUrl!;
}

async function depths(sqs: SQSClient, name: string) {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: await queueUrlOf(sqs, name),
      AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** One GetMetricData call: every function's three Lambda metrics and every queue's oldest age. */
async function cloudWatchFigures(cloudwatch: CloudWatchClient, target: OpsTarget) {
  const end = new Date();
  const start = new Date(end.getTime() - WINDOW_MINUTES * 60_000);
  const queries: MetricDataQuery[] = [];
  CONSUMER_SERVICES.forEach((service, i) => {
    for (const metric of ["Invocations", "Errors", "Throttles"]) {
      queries.push({
        Id: `${metric.toLowerCase()}${i}`,
        MetricStat: {
          Metric: {
            Namespace: "AWS/Lambda",
            MetricName: metric,
            Dimensions: [{ Name: "FunctionName", Value: functionName(target.settings, service) }],
          },
          Period: WINDOW_MINUTES * 60,
          Stat: "Sum",
        },
      });
    }
    queries.push({
      Id: `age${i}`,
      MetricStat: {
        Metric: {
          Namespace: "AWS/SQS",
          MetricName: "ApproximateAgeOfOldestMessage",
          Dimensions: [{ Name: "QueueName", Value: queueName(target.settings, service) }],
        },
        Period: 60,
        Stat: "Maximum",
      },
    });
  });
  const values = new Map<string, number | null>();
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: start,
        EndTime: end,
        ScanBy: "TimestampDescending",
        NextToken,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      // Newest first: a sum over the one 15-minute period, or the latest minute's age.
      if (!values.has(result.Id!) || values.get(result.Id!) === null)
        values.set(result.Id!, result.Values?.[0] ?? null);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return (id: string) => values.get(id) ?? null;
}

async function alarmsInAlarm(cloudwatch: CloudWatchClient, target: OpsTarget): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({ StateValue: "ALARM", AlarmNamePrefix: `${target.settings.namePrefix}-`, NextToken }),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) names.push(alarm.AlarmName!);
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

interface LocalFunctionStats {
  invocations?: number;
  failed?: number;
}

interface LocalStatus {
  functions?: Record<string, LocalFunctionStats>;
  denials?: Record<string, { count: number; last: { message: string } }>;
}

async function localStatus(target: OpsTarget): Promise<LocalStatus> {
  let response: Response;
  try {
    response = await fetch(`${target.localApi}/_local/status`);
  } catch (error) {
    throw new Error(
      `nothing answers at ${target.localApi}: start the local runtime (npm start), or point LOCAL_API_URL at it`,
      { cause: error },
    );
  }
  if (!response.ok) throw new Error(`${target.localApi}/_local/status answered ${response.status}`);
  return (await response.json()) as LocalStatus;
}

export async function collectStatus(sqs: SQSClient, target: OpsTarget): Promise<StatusReport> {
  const queues: QueueStatus[] = [];
  for (const service of CONSUMER_SERVICES) {
    const queue = queueName(target.settings, service);
    const own = await depths(sqs, queue);
    const dlq = await depths(sqs, deadLetterQueueName(target.settings, service));
    queues.push({
      service,
      queue,
      ...own,
      inDeadLetterQueue: dlq.visible + dlq.inFlight,
      oldestMessageAgeSeconds: null,
    });
  }
  if (target.cloudwatch === undefined) {
    const local = await localStatus(target);
    const stats = local.functions ?? {};
    return {
      environment: target.description,
      window: "since the runtime started",
      queues,
      functions: CONSUMER_SERVICES.map((service) => {
        const name = functionName(target.settings, service);
        return {
          service,
          function: name,
          invocations: stats[name]?.invocations ?? 0,
          errors: stats[name]?.failed ?? 0,
          throttles: null,
        };
      }),
      alarmsInAlarm: null,
      accessDenied: Object.fromEntries(
        Object.entries(local.denials ?? {}).map(([role, d]) => [role, { count: d.count, last: d.last.message }]),
      ),
      notes: [
        "oldest message age: - (the local runtime does not report it; on AWS it is CloudWatch's ApproximateAgeOfOldestMessage)",
        "throttles: - (the local runtime queues invocations instead of throttling them)",
        "alarms: none (alarms are not evaluated locally)",
      ],
    };
  }
  const cloudwatch = new CloudWatchClient(target.cloudwatch);
  try {
    const figure = await cloudWatchFigures(cloudwatch, target);
    CONSUMER_SERVICES.forEach((_, i) => (queues[i].oldestMessageAgeSeconds = figure(`age${i}`)));
    return {
      environment: target.description,
      window: `last ${WINDOW_MINUTES} minutes`,
      queues,
      functions: CONSUMER_SERVICES.map((service, i) => ({
        service,
        function: functionName(target.settings, service),
        invocations: figure(`invocations${i}`) ?? 0,
        errors: figure(`errors${i}`) ?? 0,
        throttles: figure(`throttles${i}`) ?? 0,
      })),
      alarmsInAlarm: await alarmsInAlarm(cloudwatch, target),
      accessDenied: null,
      notes: [],
    };
  } finally {
    cloudwatch.destroy();
  }
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), ...rows.map(line)];
}

function deniedLines(denied: StatusReport["accessDenied"]): string[] {
  if (denied === null) return [];
  const roles = Object.entries(denied);
  if (roles.length === 0) return ["access denied: none"];
  return ["access denied:", ...roles.map(([role, d]) => `  ${role}: ${d.count} call(s); last: ${d.last}`)];
}

const shown = (value: number | null) => (value === null ? "-" : String(value));

export function formatStatus(report: StatusReport): string {
  const rows = report.queues.map((q) => {
    const fn = report.functions.find((f) => f.service === q.service)!;
    return [
      q.service,
      String(q.visible),
      String(q.inFlight),
      String(q.inDeadLetterQueue),
      q.oldestMessageAgeSeconds === null ? "-" : `${q.oldestMessageAgeSeconds} s`,
      String(fn.invocations),
      String(fn.errors),
      shown(fn.throttles),
    ];
  });
  const header = ["service", "visible", "in flight", "in DLQ", "oldest", "invocations", "errors", "throttles"];
  const alarms =
    report.alarmsInAlarm === null
      ? "none (alarms are not evaluated locally)"
      : report.alarmsInAlarm.length === 0
        ? "none"
        : report.alarmsInAlarm.join(", ");
  return [
    `${report.environment}: queues now; function counts ${report.window}`,
    ...table(header, rows),
    `alarms in ALARM: ${alarms}`,
    ...deniedLines(report.accessDenied),
    ...report.notes.filter((n) => !n.startsWith("alarms:")).map((n) => `note: ${n}`),
  ].join("\n");
}
