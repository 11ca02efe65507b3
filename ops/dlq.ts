/**
 * `npm run ops -- dlq list|redrive <service>`: what is in a service's dead-letter queue and why,
 * and moving it back to the service's queue with SQS's message move task. Listing never deletes:
 * every message is received with a short visibility timeout, then made visible again at once.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  ListMessageMoveTasksResultEntry,
  Message,
  ReceiveMessageCommand,
  SQSClient,
  StartMessageMoveTaskCommand,
} from "@aws-sdk/client-sqs";
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ConsumerService } from "../contract/services";
import { deadLetterQueueName, functionName, OpsTarget, queueName } from "./target";
import { queueUrlOf } from "./status";

/** Long enough to finish reading a DLQ, short enough that a crash of this command hides nothing for long. */
const LIST_VISIBILITY_SECONDS = 30;

export interface DeadLetter {
  messageId: string;
  orderId: string;
  eventType: string;
  receiveCount: number;
  /** ISO time, and what it is: the failure the function logged, or SQS's first receive (or send). */
  failedAt: string;
  failedAtSource: "logged failure" | "first received" | "sent";
  reason: string;
}

/** Receives until no new message id appears; answers the messages and their latest receipt handles. */
export async function receiveAll(sqs: SQSClient, url: string): Promise<Message[]> {
  const seen = new Map<string, Message>();
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: LIST_VISIBILITY_SECONDS,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
    );
    const fresh = Messages.filter((m) => !seen.has(m.MessageId!));
    for (const m of Messages) seen.set(m.MessageId!, m);
    if (fresh.length === 0) return [...seen.values()];
  }
}

export async function makeVisible(sqs: SQSClient, url: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    const { Failed = [] } = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: url,
        Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
      }),
    );
    if (Failed.length > 0)
      throw new Error(
        `${Failed.length} messages stay invisible for up to ${LIST_VISIBILITY_SECONDS} s: ${Failed[0].Message ?? Failed[0].Code}`,
      );
  }
}

interface LoggedFailure {
  reason: string;
  at?: string;
}

/** The function's ERROR line for a record (lambda-src/shared/fifo-consumer.ts): messageId, reason, timestamp. */
function failureOf(line: unknown): LoggedFailure | undefined {
  const record = line as { level?: unknown; messageId?: unknown; reason?: unknown; timestamp?: unknown };
  if (record?.level !== "ERROR" || typeof record.reason !== "string") return undefined;
  return { reason: record.reason, at: typeof record.timestamp === "string" ? record.timestamp : undefined };
}

/** Locally: `<data-dir>/logs/<function>.log`, Powertools JSON lines; the last ERROR per messageId. */
export function localFailures(dataDir: string, fn: string): Map<string, LoggedFailure> {
  const file = path.join(dataDir, "logs", `${fn}.log`);
  const failures = new Map<string, LoggedFailure>();
  if (!fs.existsSync(file)) return failures;
  for (const text of fs.readFileSync(file, "utf8").split("\n")) {
    if (!text.includes('"ERROR"')) continue;
    try {
      const line = JSON.parse(text) as { messageId?: unknown };
      const failure = failureOf(line);
      if (failure && typeof line.messageId === "string") failures.set(line.messageId, failure);
    } catch {
      // not a JSON line (a crash's output): not a logged failure
    }
  }
  return failures;
}

/** On AWS: the function's log group, filtered on the record's messageId at ERROR. */
async function awsFailure(
  logs: CloudWatchLogsClient,
  fn: string,
  messageId: string,
  since: number,
): Promise<LoggedFailure | undefined> {
  let found: LoggedFailure | undefined;
  let nextToken: string | undefined;
  do {
    const page = await logs.send(
      new FilterLogEventsCommand({
        logGroupName: `/aws/lambda/${fn}`,
        filterPattern: `{ $.messageId = "${messageId}" && $.level = "ERROR" }`,
        startTime: since,
        nextToken,
      }),
    );
    for (const event of page.events ?? []) {
      try {
        found = failureOf(JSON.parse(event.message ?? "")) ?? found;
      } catch {
        // a line that is not JSON cannot carry the record's reason
      }
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return found;
}

function claimed(message: Message): { orderId: string; eventType: string } {
  let body: { orderId?: unknown; eventType?: unknown } = {};
  try {
    body = (JSON.parse(message.Body ?? "") ?? {}) as typeof body;
  } catch {
    // not JSON: the message group (the order id, as published) is all there is
  }
  return {
    orderId: message.Attributes?.MessageGroupId ?? (typeof body.orderId === "string" ? body.orderId : "?"),
    eventType: typeof body.eventType === "string" ? body.eventType : "?",
  };
}

const isoOf = (epochMs: string | undefined) => (epochMs ? new Date(Number(epochMs)).toISOString() : "?");

export async function listDeadLetters(
  sqs: SQSClient,
  target: OpsTarget,
  service: ConsumerService,
  dataDir: string,
): Promise<{ queue: string; messages: DeadLetter[] }> {
  const queue = deadLetterQueueName(target.settings, service);
  const url = await queueUrlOf(sqs, queue);
  const messages = await receiveAll(sqs, url);
  try {
    const fn = functionName(target.settings, service);
    const local = target.cloudwatch === undefined ? localFailures(dataDir, fn) : undefined;
    const logs = target.cloudwatch ? new CloudWatchLogsClient(target.cloudwatch) : undefined;
    try {
      const letters: DeadLetter[] = [];
      for (const message of messages) {
        const attributes = message.Attributes ?? {};
        const since = Number(attributes.SentTimestamp ?? 0) - 60_000;
        const failure = local
          ? local.get(message.MessageId!)
          : await awsFailure(logs!, fn, message.MessageId!, Math.max(0, since));
        const firstReceived = attributes.ApproximateFirstReceiveTimestamp;
        letters.push({
          messageId: message.MessageId!,
          ...claimed(message),
          receiveCount: Number(attributes.ApproximateReceiveCount ?? 0),
          failedAt: failure?.at ?? isoOf(firstReceived ?? attributes.SentTimestamp),
          failedAtSource: failure?.at ? "logged failure" : firstReceived ? "first received" : "sent",
          reason: failure?.reason ?? "no reason logged",
        });
      }
      return { queue, messages: letters };
    } finally {
      logs?.destroy();
    }
  } finally {
    await makeVisible(sqs, url, messages);
  }
}

export function formatDeadLetters(queue: string, target: OpsTarget, messages: DeadLetter[]): string {
  const lines = [`${queue} in ${target.description}: ${messages.length} message${messages.length === 1 ? "" : "s"}`];
  for (const m of messages) {
    lines.push(
      `  ${m.orderId}  ${m.eventType}  receives ${m.receiveCount}  ${m.failedAtSource} ${m.failedAt}  message ${m.messageId}`,
      `    reason: ${m.reason}`,
    );
  }
  return lines.join("\n");
}

/** Thrown when a move task already runs for the DLQ: nothing was started. */
export class MoveTaskRunningError extends Error {}

async function arnOf(sqs: SQSClient, name: string): Promise<string> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: await queueUrlOf(sqs, name), AttributeNames: ["QueueArn"] }),
  );
  return Attributes.QueueArn!;
}

const progress = (t: ListMessageMoveTasksResultEntry) =>
  `${t.Status}: moved ${t.ApproximateNumberOfMessagesMoved ?? 0} of ${t.ApproximateNumberOfMessagesToMove ?? "?"}`;

/**
 * Starts a move task from the service's DLQ to its queue and follows it to its end; answers its
 * last state. Refuses (MoveTaskRunningError) while another task runs for that DLQ.
 */
export async function redrive(
  sqs: SQSClient,
  target: OpsTarget,
  service: ConsumerService,
  options: { rate?: number; pollMs?: number; print?: (line: string) => void } = {},
): Promise<ListMessageMoveTasksResultEntry> {
  const print = options.print ?? ((line: string) => console.log(line));
  const dlq = deadLetterQueueName(target.settings, service);
  const source = queueName(target.settings, service);
  const SourceArn = await arnOf(sqs, dlq);
  const DestinationArn = await arnOf(sqs, source);
  const { Results = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn, MaxResults: 10 }));
  const running = Results.find((t) => t.Status === "RUNNING" || t.Status === "CANCELLING");
  if (running) {
    const since = running.StartedTimestamp ? ` since ${new Date(running.StartedTimestamp).toISOString()}` : "";
    throw new MoveTaskRunningError(
      `a move task is already ${running.Status} for ${dlq}${since} (${progress(running)}): wait for it to end, or cancel it`,
    );
  }
  const { TaskHandle } = await sqs.send(
    new StartMessageMoveTaskCommand({ SourceArn, DestinationArn, MaxNumberOfMessagesPerSecond: options.rate }),
  );
  print(`${dlq} → ${source} in ${target.description}: move task started`);
  let last = "";
  for (;;) {
    const { Results: latest = [] } = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn, MaxResults: 10 }));
    // The handle is listed only while RUNNING; then ours is the most recent task (none could start beside it).
    const task = latest.find((t) => t.TaskHandle === TaskHandle) ?? latest[0];
    if (task && progress(task) !== last) print(`  ${(last = progress(task))}`);
    if (task && task.Status !== "RUNNING" && task.Status !== "CANCELLING") return task;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}
