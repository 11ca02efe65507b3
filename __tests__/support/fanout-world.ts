/**
 * One local runtime for an end-to-end file whose scenarios run side by side, with what they share:
 * the tables and bucket of the local stack, helpers that act as a client, an operator or SNS
 * would, and the ledger of what scenarios did on purpose (messages sent straight to a queue,
 * events delivered twice, requests refused), which the accounting at the end of the file reads.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PutCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { CONSUMER_SERVICES } from "../../contract/services";
import { EMAIL_SENT } from "../../lambda-src/notification/email";
import { LocalOverrides } from "../../local/plan/synth-plan";
import { messageColumns } from "../../local/runtime/lines";
import { call, processed, RunningRuntime, startLocalRuntime, status, storedItem, waitFor } from "./local-runtime";

export const ORDERS = "order-fanout-local-orders";
export const PRODUCTS = "order-fanout-local-products";
export const BUCKET = "order-fanout-local-documents-000000000000";
export const THRESHOLD = 100_000;

/**
 * Jest's limit for a scenario: only a safety net above the sum of the scenario's own deadlines,
 * so that a deadline, which names what it waited for, is what fails.
 */
export const SCENARIO_TIMEOUT_MS = 15 * 60_000;

/** A processed or failed message as the runtime reports it. */
type Handled = { service: string; orderId: string; eventType: string; failed: boolean };

/** How often the service handled the order's events without failing. */
export const countFor = (list: Handled[], orderId: string, service: string) =>
  list.filter((p) => p.orderId === orderId && p.service === service && !p.failed).length;

export class FanoutWorld {
  runtime!: RunningRuntime;
  /** How long a message whose batch failed or timed out stays invisible: 6 × the function timeout. */
  readonly redeliveryMs: number;
  /** Orders whose requests were refused: nothing may ever be processed for them. */
  readonly refusedOrderIds: string[] = [];
  /** Messages a scenario sent straight to a service's queue (a redrive, a late duplicate), by service. */
  readonly sentToQueues: Record<string, number> = {};
  /** `<service> <orderId> <eventType>` a scenario delivered twice on purpose, past SNS's deduplication. */
  readonly duplicated: string[] = [];
  /** Roles a scenario took a grant from on purpose: the only ones whose calls may have been denied. */
  readonly deniedOnPurpose = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly overrides: Required<LocalOverrides>,
    private readonly ports: { api: number; aws: number; dynamodb: number },
  ) {
    this.redeliveryMs = 6 * overrides.functionTimeoutSeconds * 1000;
  }

  async start(): Promise<void> {
    this.runtime = await startLocalRuntime(this.overrides, this.ports);
  }

  /**
   * Waits for `probe` as long as it should take plus one redelivery: Lambda may deliver any batch
   * again (a timeout, a failure), and only a wait that outlasts that is about effects, not speed.
   */
  waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, expectedMs = 60_000) {
    return waitFor(what, probe, expectedMs + this.redeliveryMs);
  }

  /**
   * Stops the runtime. With E2E_REPORT=<file>, first appends a line of each function's invocations
   * and slowest invocation against its timeout: the evidence that the timeouts chosen here leave a
   * loaded machine its margin (README, "Tests").
   */
  async stop(): Promise<void> {
    const report = process.env.E2E_REPORT;
    if (report && this.runtime) {
      const { functions } = await status(this.runtime);
      const slowest = Object.fromEntries(
        Object.entries<any>(functions).map(([name, f]) => [
          name,
          { invocations: f.invocations, maxMs: Math.round(f.maxMs) },
        ]),
      );
      fs.appendFileSync(report, `${JSON.stringify({ file: this.file, at: new Date().toISOString(), slowest })}\n`);
    }
    await this.runtime?.stop();
  }

  /** Idempotency keys unique to this run, file and scenario. */
  key(scenario: string, name: string): string {
    return `e2e-${process.pid}-${this.file}-${scenario}-${name}`;
  }

  async putProduct(sku: string, unitPriceCents: number, stock: number): Promise<void> {
    await this.runtime.clients.documents.send(
      new PutCommand({ TableName: PRODUCTS, Item: { sku, name: sku, unitPriceCents, currency: "EUR", stock } }),
    );
  }

  order(orderId: string): Promise<any> {
    return storedItem(this.runtime, ORDERS, { orderId });
  }

  async stock(sku: string): Promise<number> {
    return (await storedItem(this.runtime, PRODUCTS, { sku })).stock;
  }

  /** The orders, once each has an outcome recorded by every one of the services. */
  async fulfilled(orderIds: string[], services: readonly string[]) {
    const orders = await Promise.all(orderIds.map((id) => this.order(id)));
    return orders.every((o) => o && services.every((s) => o.fulfilment?.[s])) ? orders : undefined;
  }

  async objectKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.runtime.clients.s3.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((c) => c.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }

  /** The e-mails the local SES accepted for the order (its mailbox: every send, not one per event). */
  async mails(orderId: string): Promise<{ subject: string; to: string[]; from: string }[]> {
    return (await call(this.runtime, "GET", `/_local/mailbox?order=${encodeURIComponent(orderId)}`)).body;
  }

  /** The function's log records, parsed (logs/<function>.log in the runtime's data folder). */
  logOf(service: string): Record<string, unknown>[] {
    const file = path.join(this.runtime.dataDir, "logs", `order-fanout-local-${service}.log`);
    if (!fs.existsSync(file)) return [];
    // The last line may be half written; a line that is not JSON is not a record.
    const lines = fs.readFileSync(file, "utf8").split("\n").slice(0, -1);
    return lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** E-mails the notification service sent, by eventId: one log line per e-mail the transport took. */
  emailsSent(): Map<string, number> {
    const sent = new Map<string, number>();
    for (const record of this.logOf("notification").filter((r) => r.message === EMAIL_SENT)) {
      const eventId = String(record.eventId);
      sent.set(eventId, (sent.get(eventId) ?? 0) + 1);
    }
    return sent;
  }

  /** How often the outbox relay logged a failure to publish this order's events. */
  relayFailures(orderId: string): number {
    return this.logOf("outbox-relay").filter(
      (r) => String(r.message).startsWith("relay failed") && JSON.stringify(r).includes(orderId),
    ).length;
  }

  async queueUrl(service: string): Promise<string> {
    const { QueueUrl } = await this.runtime.clients.sqs.send(
      new GetQueueUrlCommand({ QueueName: `order-fanout-local-${service}.fifo` }),
    );
    return QueueUrl!;
  }

  /**
   * Sends a message straight to a service's queue, as SNS would deliver it (raw, in the order's
   * group). A message that was never published counts as one more the queue received.
   */
  async sendToQueue(service: string, body: unknown, orderId: string, deduplicationId: string, extra = true) {
    if (extra) this.sentToQueues[service] = (this.sentToQueues[service] ?? 0) + 1;
    const { MessageId } = await this.runtime.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: await this.queueUrl(service),
        MessageBody: JSON.stringify(body),
        MessageGroupId: orderId,
        MessageDeduplicationId: deduplicationId,
      }),
    );
    return MessageId;
  }

  /**
   * The order's message in the service's DLQ, once it is there (received: invisible for SQS's
   * default 30 s unless deleted or moved); other scenarios' dead letters are made visible again.
   * `expectedMs`: how long it should take to get there, besides the one redelivery waitFor allows.
   */
  async deadLetterOf(service: string, orderId: string, expectedMs = 20_000) {
    const sqs = this.runtime.clients.sqs;
    const dlq = (await this.queueUrl(service)).replace(/\.fifo$/, "-dlq.fifo");
    const message = await this.waitFor(
      `the ${service} DLQ message of ${orderId}`,
      async () => {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, AttributeNames: ["All"] }),
        );
        // Other scenarios' dead letters stay visible to them.
        for (const other of Messages.filter((m) => m.Attributes?.MessageGroupId !== orderId)) {
          await sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: dlq,
              ReceiptHandle: other.ReceiptHandle!,
              VisibilityTimeout: 0,
            }),
          );
        }
        return Messages.find((m) => m.Attributes?.MessageGroupId === orderId);
      },
      expectedMs,
    );
    return { dlq, message };
  }

  /** Moves the order's message from the service's DLQ back to its queue, as a redrive would. */
  async redriveByHand(service: string, orderId: string): Promise<void> {
    const { dlq, message } = await this.deadLetterOf(service, orderId);
    await this.sendToQueue(service, JSON.parse(message.Body!), orderId, `${message.MessageId}:redrive`, false);
    await this.runtime.clients.sqs.send(
      new DeleteMessageCommand({ QueueUrl: dlq, ReceiptHandle: message.ReceiptHandle! }),
    );
  }

  /** A file's last block: once every scenario is done, the accounting below. */
  describeAccounting(): void {
    describe("once every scenario is done", () => {
      it("loses nothing and doubles no effect", () => this.expectNothingLostOrTwice(), SCENARIO_TIMEOUT_MS);
    });
  }

  /**
   * What holds for the whole run once every queue is drained: for every queue, the events published
   * to it = messages processed + messages in its DLQ; no effect doubled (each e-mail sent once per
   * event); a record handled twice only where the runtime printed why (its batch timed out or failed,
   * or a scenario delivered it again on purpose); nothing processed for a refused request.
   */
  async expectNothingLostOrTwice(): Promise<void> {
    const s = await this.waitFor("every queue drained (nothing visible, nothing in flight)", async () => {
      const current = await status(this.runtime);
      return Object.values<any>(current.queues).every((q) => q.visible === 0 && q.inFlight === 0) && current;
    });
    const { Items = [] } = await this.runtime.clients.documents.send(
      new ScanCommand({ TableName: ORDERS, ConsistentRead: true }),
    );
    const published = (o: Record<string, any>, type: string) => Boolean(o.outbox?.[type]?.publishedAt);
    const events = Items.reduce(
      (n, o) => n + ["OrderPlaced", "OrderCancelled", "OrderRejected"].filter((t) => published(o, t)).length,
      0,
    );
    // Review: OrderPlaced at or above the threshold, and every order's end, to close its case.
    const reviewEvents = Items.reduce(
      (n, o) =>
        n +
        (published(o, "OrderPlaced") && o.totalCents >= THRESHOLD ? 1 : 0) +
        ["OrderCancelled", "OrderRejected"].filter((t) => published(o, t)).length,
      0,
    );
    for (const service of CONSUMER_SERVICES) {
      const deleted = s.functions[`order-fanout-local-${service}`].messages.deleted;
      const inDlq = s.queues[`order-fanout-local-${service}.fifo`].deadLetter;
      expect({ service, published: deleted + inDlq - (this.sentToQueues[service] ?? 0) }).toEqual({
        service,
        published: service === "review" ? reviewEvents : events,
      });
    }
    const sent = this.emailsSent();
    expect([...sent].filter(([, count]) => count > 1)).toEqual([]);
    // The local SES kept every e-mail the service says it sent, and no other.
    const mailbox = (await call(this.runtime, "GET", "/_local/mailbox")).body as unknown[];
    expect(mailbox).toHaveLength([...sent.values()].reduce((a, b) => a + b, 0));
    // No access was denied but on purpose: every other call is one the plan's policies allow.
    expect(Object.keys(s.denials).filter((role) => !this.deniedOnPurpose.has(role))).toEqual([]);

    const log = (await processed(this.runtime)).filter((p) => !p.failed);
    const seen = new Map<string, number>();
    for (const p of log) {
      const id = `${p.service} ${p.orderId} ${p.eventType}`;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    // A batch that timed out or failed is delivered again, as Lambda does: a record handled before
    // that is then handled twice, and its effects must not double (checked above and in the
    // scenarios). The runtime prints a line per record of such a batch; nothing else may run twice.
    const output = this.runtime.output().split("\n");
    const redelivered = (id: string) => {
      const [service, orderId, eventType] = id.split(" ");
      const columns = `${messageColumns(service, orderId, eventType)} `;
      return output.some((line) => line.startsWith(columns) && (line.includes(" FAILED ") || line.includes(" → ")));
    };
    expect([...seen].filter(([id, count]) => count > 1 && !this.duplicated.includes(id) && !redelivered(id))).toEqual(
      [],
    );
    expect(log.filter((p) => this.refusedOrderIds.includes(p.orderId))).toEqual([]);
  }
}
