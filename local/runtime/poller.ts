/**
 * One poller per event source mapping, with Lambda's semantics for SQS: long polling, the
 * mapping's batch size and maximum concurrency, records shaped as Lambda delivers them, and after
 * the invocation: delete every message the partial batch response does not name; delete nothing
 * when the function throws or names a message that was not in the batch. Retries and redrive are
 * left to the queue's own visibility timeout and redrive policy. Each message left on the queue
 * gets a console line with its reason, naming the dead-letter queue on its last receive.
 */
import type { SQSRecord } from "aws-lambda";
import { DeleteMessageBatchCommand, Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { LocalEventSource, LocalQueue } from "../plan/plan";
import { FunctionHost } from "./function-host";
import { batchFailures, failureLine, INJECTED_INVOCATION_FAULT } from "./message-failures";
import { Redrive, redriveOf } from "../plan/redrive";
import { Faults } from "../emulation/faults";
import { LOCAL_REGION } from "../../contract/local-endpoints";

export interface PollerStats {
  batches: number;
  received: number;
  deleted: number;
  failed: number;
}

export function lambdaRecord(message: Message, queueArn: string): SQSRecord {
  const a = message.Attributes ?? {};
  const attributes: SQSRecord["attributes"] = {
    ApproximateReceiveCount: a.ApproximateReceiveCount ?? "1",
    SentTimestamp: a.SentTimestamp ?? "",
    SenderId: a.SenderId ?? "",
    ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? "",
    ...(a.SequenceNumber ? { SequenceNumber: a.SequenceNumber } : {}),
    ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
    ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
  };
  const messageAttributes: SQSRecord["messageAttributes"] = Object.fromEntries(
    Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? "String",
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString("base64") } : {}),
        stringListValues: [],
        binaryListValues: [],
      },
    ]),
  );
  return {
    messageId: message.MessageId ?? "",
    receiptHandle: message.ReceiptHandle ?? "",
    body: message.Body ?? "",
    attributes,
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? "",
    ...(message.MD5OfMessageAttributes ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: "aws:sqs",
    eventSourceARN: queueArn,
    awsRegion: LOCAL_REGION,
  };
}

const FAILURES_KEPT = 1000;

export interface QueuePollerOptions {
  readonly source: LocalEventSource;
  /** With the plan's attributes and DLQ name, the poller can tell when a failure moves a message there. */
  readonly queue: { url: string; arn: string } & Partial<Pick<LocalQueue, "attributes" | "deadLetterQueue">>;
  readonly sqs: SQSClient;
  /**
   * Called before each queue call the mapping makes, with its operation (GetQueueAttributes, which
   * Lambda reads the queue's settings with, ReceiveMessage, DeleteMessage): throws as SQS would
   * when the function's role may not.
   */
  readonly authorize?: (operation: string) => void;
  readonly host: FunctionHost;
  readonly faults: Faults;
  /** Receives a line per failed message and per move to the DLQ. Default: console.log. */
  readonly print?: (line: string) => void;
}

export class QueuePoller {
  readonly stats: PollerStats = { batches: 0, received: 0, deleted: 0, failed: 0 };
  /** The latest failure reason per message id (the most recent FAILURES_KEPT), for the console's DLQ view. */
  readonly failures = new Map<string, { reason: string; at: string }>();
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly redrive: Redrive | undefined;

  readonly source: LocalEventSource;
  private readonly queue: QueuePollerOptions["queue"];
  private readonly sqs: SQSClient;
  private readonly authorize: (operation: string) => void;
  private readonly host: FunctionHost;
  private readonly faults: Faults;
  private readonly print: (line: string) => void;

  constructor(options: QueuePollerOptions) {
    this.source = options.source;
    this.queue = options.queue;
    this.sqs = options.sqs;
    this.authorize = options.authorize ?? (() => {});
    this.host = options.host;
    this.faults = options.faults;
    this.print = options.print ?? ((line) => console.log(line));
    this.redrive = redriveOf(options.queue);
  }

  start(): void {
    this.loops = Array.from({ length: this.source.maxConcurrency }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.pollOnce();
      } catch (error) {
        if (this.abort.signal.aborted) return;
        console.error(`poller ${this.source.address}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  private async pollOnce(): Promise<void> {
    this.authorize("GetQueueAttributes");
    this.authorize("ReceiveMessage");
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queue.url,
        MaxNumberOfMessages: this.source.batchSize,
        WaitTimeSeconds: 20,
        MessageSystemAttributeNames: ["All"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: this.abort.signal },
    );
    if (Messages.length === 0) return;
    this.stats.batches++;
    this.stats.received += Messages.length;
    const records = Messages.map((m) => lambdaRecord(m, this.queue.arn));
    const failed = await this.invoke(records);
    const done = records.filter((r) => !failed.has(r.messageId));
    this.stats.failed += records.length - done.length;
    const fn = this.host.fn;
    const service = fn.environment.POWERTOOLS_SERVICE_NAME ?? fn.name;
    for (const record of records) {
      const reason = failed.get(record.messageId);
      if (reason === undefined) continue;
      this.print(failureLine(service, record, reason, this.redrive));
      this.failures.delete(record.messageId);
      this.failures.set(record.messageId, { reason, at: new Date().toISOString() });
      if (this.failures.size > FAILURES_KEPT) this.failures.delete(this.failures.keys().next().value!);
    }
    await this.delete(done);
  }

  /** The messages to keep on the queue, each with the reason it failed. */
  private async invoke(records: SQSRecord[]): Promise<Map<string, string>> {
    const fn = this.host.fn.name;
    if (this.faults.failsInvocation(fn)) return new Map(records.map((r) => [r.messageId, INJECTED_INVOCATION_FAULT]));
    const { handled, failedIds } = this.faults.splitBatch(fn, records);
    // When the invocation fails (it threw, e.g. Powertools' "All records failed processing", or
    // timed out), every message stays, and each gets its line: the reason the function logged for
    // it, else the invocation's error.
    const invocation = handled.length > 0 ? await this.host.invokeLogged({ Records: handled }) : undefined;
    return batchFailures({
      records,
      faulted: failedIds,
      invocation,
      reportBatchItemFailures: this.source.reportBatchItemFailures,
    });
  }

  private async delete(records: SQSRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      this.authorize("DeleteMessage");
      const entries = records.slice(i, i + 10).map((r, n) => ({ Id: String(n), ReceiptHandle: r.receiptHandle }));
      const answer = await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queue.url, Entries: entries }));
      this.stats.deleted += answer.Successful?.length ?? 0;
    }
  }
}
