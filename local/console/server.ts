/**
 * The local console at `/_local/console`: a page (local/console/, plain HTML, CSS and script) and
 * the JSON it polls. `GET /_local/console/state` assembles the topology from the plan with live
 * counts from the runtime's status, the latest orders with each service's outcome, what is in each
 * dead-letter queue and why, the redrives started from the page, and the active faults.
 * `POST /_local/console/redrive/<service>` starts a redrive through ops/dlq.ts, as `npm run ops --
 * dlq redrive` does: a message move task on the runtime's SQS endpoint.
 *
 * Listing a DLQ is a receive (ops/dlq.ts has no other way: SQS has no peek): each listing bumps the
 * messages' receive counts. The console lists a DLQ only when its depth changes, never while a
 * redrive of it runs, and says so on the page.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SQSClient } from "@aws-sdk/client-sqs";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { RuntimeState } from "../runtime/state";
import type { ConsoleAnswer } from "../runtime/gateway";
import { DeadLetter, listDeadLetters, MoveTaskRunningError, redrive } from "../../ops/dlq";
import { deadLetterQueueName, functionName, OpsTarget, queueName, resolveTarget } from "../../ops/target";
import { CONSUMER_SERVICES, ConsumerService, FILTERED_SERVICES } from "../../contract/services";

const ASSETS = __dirname;
const FILES: Record<string, { file: string; type: string }> = {
  "/_local/console": { file: "index.html", type: "text/html; charset=utf-8" },
  "/_local/console/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/_local/console/console.css": { file: "console.css", type: "text/css; charset=utf-8" },
  "/_local/console/console.js": { file: "console.js", type: "text/javascript; charset=utf-8" },
};
/** Nothing from elsewhere: the page works offline, and data can never become markup or script. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'";

const ORDERS_SHOWN = 20;

interface Listing {
  /** The DLQ depth the messages were listed at. */
  depth: number;
  messages: (DeadLetter & { reasonSource: string })[];
  listedAt: string;
  error?: string;
}

interface Redrive {
  status: string;
  lines: string[];
  startedAt: string;
  finishedAt?: string;
  error?: string;
}

const json = (status: number, body: unknown): ConsoleAnswer => ({
  status,
  headers: { "content-type": "application/json", "cache-control": "no-store" },
  body: JSON.stringify(body),
});

/** Denials and e-mails the console shows, newest first. */
const DENIALS_SHOWN = 20;
const MAILS_SHOWN = 50;

export class LocalConsole {
  readonly target: OpsTarget;
  private readonly sqs: SQSClient;
  private readonly listings = new Map<ConsumerService, Listing>();
  private readonly listing = new Set<ConsumerService>();
  private readonly redrives = new Map<ConsumerService, Redrive>();

  constructor(
    private readonly runtime: RuntimeState,
    private readonly dataDir: string,
  ) {
    // The operator commands' own target, pointed at this runtime's endpoints (its SQS endpoint
    // serves the move tasks), so that the console lists and redrives by their code path.
    this.target = resolveTarget("local", {
      AWS_ENDPOINT_URL_SQS: runtime.endpoints.aws,
      AWS_ENDPOINT_URL_DYNAMODB: runtime.endpoints.dynamodb,
    });
    this.sqs = new SQSClient(this.target.sqs);
  }

  stop(): void {
    this.sqs.destroy();
  }

  /** Answers a request under `/_local/console`, or undefined when it is not one of the console's. */
  async handle(method: string, pathname: string): Promise<ConsoleAnswer | undefined> {
    const asset = FILES[pathname];
    if (asset && method === "GET") {
      return {
        status: 200,
        headers: { "content-type": asset.type, "content-security-policy": CSP, "cache-control": "no-cache" },
        body: fs.readFileSync(path.join(ASSETS, asset.file)),
      };
    }
    if (pathname === "/_local/console/state" && method === "GET") return json(200, await this.state());
    const redriven = /^\/_local\/console\/redrive\/([^/]+)$/.exec(pathname);
    if (redriven && method === "POST") return this.startRedrive(decodeURIComponent(redriven[1]));
    if (pathname.startsWith("/_local/console")) return json(404, { message: "Not Found" });
    return undefined;
  }

  async state() {
    const status = await this.runtime.status();
    const model = this.runtime.model;
    const queueByArn = new Map(model.queues.map((q) => [q.arn, q]));
    const services = CONSUMER_SERVICES.map((service) => {
      const queue = queueName(this.target.settings, service);
      const dlq = deadLetterQueueName(this.target.settings, service);
      const fn = functionName(this.target.settings, service);
      const subscription = model.subscriptions.find((s) => queueByArn.get(s.queueArn)?.name === queue);
      const depths = (status.queues[queue] ?? { visible: 0, inFlight: 0, deadLetter: 0 }) as {
        visible: number;
        inFlight: number;
        deadLetter: number;
      };
      return {
        service,
        filtered: FILTERED_SERVICES.includes(service),
        subscription: subscription
          ? {
              topic: subscription.topicArn.split(":").pop(),
              filterPolicy: subscription.attributes.FilterPolicy ?? null,
              filterPolicyScope: subscription.attributes.FilterPolicyScope ?? null,
            }
          : null,
        queue: { name: queue, visible: depths.visible, inFlight: depths.inFlight },
        deadLetterQueue: { name: dlq, depth: depths.deadLetter },
        function: { name: fn, ...(status.functions[fn] ?? {}) },
      };
    });
    const deadLetters = Object.fromEntries(
      services.map((s) => [s.service, this.deadLetters(s.service, s.deadLetterQueue.depth)]),
    );
    return {
      now: new Date().toISOString(),
      topology: {
        routes: model.routes,
        topics: model.topics.map((t) => ({ name: t.name, fifo: t.attributes.FifoTopic === "true" })),
        services,
        streams: model.streamSources.map((s) => ({
          functionName: s.functionName,
          tableName: s.tableName,
          ...(status.functions[s.functionName] ?? {}),
        })),
        tables: model.tables.map((t) => ({ name: t.name, partitionKey: t.partitionKey, stream: t.stream ?? null })),
        functions: model.functions.map((f) => ({ name: f.name, ...(status.functions[f.name] ?? {}) })),
      },
      orders: await this.latestOrders(),
      deadLetters,
      redrives: Object.fromEntries(this.redrives),
      faults: this.runtime.faults.list(),
      // Calls the plan's policies denied, per role (the last reason each), and the newest denials.
      access: { byRole: status.denials, recent: this.runtime.authorizer.denials.slice(-DENIALS_SHOWN).reverse() },
      mailbox: this.runtime.mails().slice(-MAILS_SHOWN).reverse(),
    };
  }

  /** The newest orders, by createdAt: a scan of the orders table (a local table is small). */
  private async latestOrders() {
    const orders: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.runtime.clients.documents.send(
        new ScanCommand({
          TableName: this.target.tables.orders,
          ProjectionExpression: "orderId, #status, createdAt, totalCents, currency, fulfilment",
          ExpressionAttributeNames: { "#status": "status" },
          ExclusiveStartKey,
        }),
      );
      orders.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return orders
      .sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)))
      .slice(0, ORDERS_SHOWN)
      .map((o) => ({
        orderId: o.orderId,
        status: o.status,
        createdAt: o.createdAt,
        totalCents: o.totalCents,
        currency: o.currency,
        fulfilment: Object.fromEntries(
          Object.entries((o.fulfilment ?? {}) as Record<string, { status?: unknown; at?: unknown }>).map(
            ([service, f]) => [service, { status: f.status, at: f.at }],
          ),
        ),
      }));
  }

  /**
   * What the last listing found, starting a new one in the background when the depth changed since
   * (and no redrive of the DLQ runs: a listing hides its messages from the move task for a moment).
   */
  private deadLetters(service: ConsumerService, depth: number) {
    const last = this.listings.get(service);
    const redriving = this.redrives.get(service)?.status === "RUNNING";
    if (depth === 0) this.listings.set(service, { depth: 0, messages: [], listedAt: new Date().toISOString() });
    else if (last?.depth !== depth && !redriving && !this.listing.has(service)) void this.list(service, depth);
    const current = this.listings.get(service);
    return {
      depth,
      messages: current && current.depth === depth ? current.messages : null,
      listedAt: current?.listedAt ?? null,
      listing: this.listing.has(service),
      ...(current?.error ? { error: current.error } : {}),
    };
  }

  private async list(service: ConsumerService, depth: number): Promise<void> {
    this.listing.add(service);
    try {
      const { messages } = await listDeadLetters(this.sqs, this.target, service, this.dataDir);
      this.listings.set(service, {
        depth: messages.length === depth ? depth : messages.length,
        listedAt: new Date().toISOString(),
        messages: messages.map((m) => {
          // An injected fault fails a message before its function runs, so no log line gives a
          // reason; the runtime's poller saw it fail, and says why.
          const seen = m.reason === "no reason logged" ? this.runtime.failureOf(m.messageId) : undefined;
          return seen
            ? { ...m, reason: seen.reason, reasonSource: "local runtime" }
            : { ...m, reasonSource: m.reason === "no reason logged" ? "none" : "function log" };
        }),
      });
    } catch (error) {
      this.listings.set(service, {
        depth: -1,
        messages: [],
        listedAt: new Date().toISOString(),
        error: (error as Error).message,
      });
    } finally {
      this.listing.delete(service);
    }
  }

  /** Starts the redrive and answers once its move task started (202), or why it did not. */
  private async startRedrive(name: string): Promise<ConsoleAnswer> {
    if (!(CONSUMER_SERVICES as readonly string[]).includes(name)) return json(404, { message: `no service ${name}` });
    const service = name as ConsumerService;
    if (this.redrives.get(service)?.status === "RUNNING")
      return json(409, { message: `a redrive of ${service} is already running` });
    const entry: Redrive = { status: "RUNNING", lines: [], startedAt: new Date().toISOString() };
    this.redrives.set(service, entry);
    let started: () => void = () => undefined;
    const moveTaskStarted = new Promise<void>((resolve) => (started = resolve));
    const done = redrive(this.sqs, this.target, service, {
      pollMs: 250,
      print: (line) => {
        entry.lines.push(line.trim());
        if (entry.lines.length > 20) entry.lines.shift();
        started();
      },
    }).then(
      (task) => {
        entry.status = task.Status ?? "COMPLETED";
        if (task.FailureReason) entry.error = task.FailureReason;
        entry.finishedAt = new Date().toISOString();
        this.listings.delete(service);
      },
      (error: Error) => {
        entry.status = "FAILED";
        entry.error = error.message;
        entry.finishedAt = new Date().toISOString();
        return error;
      },
    );
    const first = await Promise.race([moveTaskStarted.then(() => undefined), done]);
    if (first instanceof MoveTaskRunningError) {
      this.redrives.delete(service);
      return json(409, { message: first.message });
    }
    if (first instanceof Error) return json(500, { message: first.message });
    return json(202, { service, redrive: entry });
  }
}
