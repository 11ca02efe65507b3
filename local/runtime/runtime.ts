/**
 * The embedded local runtime: emulators, the synthesized local stack created in them, one worker
 * per function running its bundle, one poller per event source mapping, and the HTTP gateway.
 * The plan is the contract: what runs here is what `order-fanout-local` declares.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { startDynamoDbLocal, startFauxqs, requireFreePort, Emulator } from "../emulation/emulators";
import { DEFAULT_PORTS, snsPort } from "./ports";
import { LocalOverrides, synthLocalPlan, TerraformPlan } from "../plan/synth-plan";
import { loadPlan, LocalModel } from "../plan/plan";
import {
  functionAwsEnvironment,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  localClients,
  LocalClients,
} from "../emulation/aws-clients";
import { provision } from "../emulation/provision";
import { bundlesByHash, FunctionHost, LogRecord } from "./function-host";
import { DIST } from "../../stacks/bundles";
import { QueuePoller } from "./poller";
import { localStreamsClient, StreamBatchReport, StreamPoller } from "./stream-poller";
import { Faults, FaultSpec } from "./faults";
import { localSnsArchive, startFaultProxy } from "../emulation/fault-proxy";
import { freePort, MessageMoveTasks, startSqsFront } from "../emulation/move-tasks";
import { startGateway } from "./gateway";
import { LocalConsole } from "../console/server";
import { importCatalogueFile } from "../../ops/catalogue/import";

export interface RuntimeOptions {
  apiPort?: number;
  awsPort?: number;
  dynamodbPort?: number;
  /** Synthesized plan and function logs. Default: .local-data/ */
  dataDir?: string;
  /** A plan to run instead of synthesizing the local stack (tests). */
  plan?: TerraformPlan;
  /** Settings that replace the local stack's own when it is synthesized. */
  overrides?: LocalOverrides;
  /** Where dist/ bundles are. */
  dist?: string;
  /** Receives the console's lines: one per processed message and per API request. */
  print?: (line: string) => void;
}

export interface ProcessedMessage {
  service: string;
  orderId: string;
  eventType: string;
  outcome: string;
  ms: number;
  failed: boolean;
  /** When the consumer logged it (ISO time). */
  at: string;
}

export class LocalRuntime {
  readonly faults = new Faults();
  /** Every message outcome the consumers logged, in order: for tests and the demo. */
  readonly processed: ProcessedMessage[] = [];
  apiUrl = "";
  startupMs = 0;
  private readonly stops: (() => Promise<void>)[] = [];
  private hosts = new Map<string, FunctionHost>();
  private pollers: QueuePoller[] = [];
  private streamPollers: StreamPoller[] = [];
  /** Queue URLs as the emulator answered them, by queue name. */
  queueUrls = new Map<string, string>();

  constructor(
    readonly model: LocalModel,
    readonly clients: LocalClients,
    readonly endpoints: { aws: string; dynamodb: string },
  ) {}

  onStop(stop: () => Promise<void>): void {
    this.stops.unshift(stop);
  }

  addHost(host: FunctionHost): void {
    this.hosts.set(host.fn.name, host);
  }

  addPoller(poller: QueuePoller): void {
    this.pollers.push(poller);
  }

  addStreamPoller(poller: StreamPoller): void {
    this.streamPollers.push(poller);
  }

  get functionHosts(): Map<string, FunctionHost> {
    return this.hosts;
  }

  queueUrl(name: string): string {
    const url = this.queueUrls.get(name);
    if (!url) throw new Error(`queue ${name} is not part of the local plan`);
    return url;
  }

  /** Why a message last failed on its queue, as its poller saw it (also faults the function never saw). */
  failureOf(messageId: string): { reason: string; at: string } | undefined {
    for (const poller of this.pollers) {
      const failure = poller.failures.get(messageId);
      if (failure) return failure;
    }
    return undefined;
  }

  addFault(spec: unknown): string {
    return this.faults.add(spec as FaultSpec);
  }

  async queueDepths(name: string): Promise<{ visible: number; inFlight: number }> {
    const { Attributes = {} } = await this.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl(name),
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  /**
   * Per queue: visible, in flight, and its DLQ's depth; per function: invocations and outcomes, and
   * what its queue poller (`messages`) or stream poller (`records`) did.
   */
  async status() {
    const queues: Record<string, unknown> = {};
    for (const source of this.model.eventSources) {
      const queue = this.model.queues.find((q) => q.name === source.queueName)!;
      const depths = await this.queueDepths(queue.name);
      const dlq = queue.deadLetterQueue ? await this.queueDepths(queue.deadLetterQueue) : undefined;
      queues[queue.name] = { ...depths, deadLetter: dlq ? dlq.visible + dlq.inFlight : 0 };
    }
    const functions = Object.fromEntries(
      [...this.hosts].map(([name, host]) => {
        const poller = this.pollers.find((p) => p.source.functionName === name);
        const streamPoller = this.streamPollers.find((p) => p.source.functionName === name);
        return [
          name,
          {
            ...host.stats,
            ...(poller ? { messages: { ...poller.stats } } : {}),
            ...(streamPoller ? { records: { ...streamPoller.stats } } : {}),
          },
        ];
      }),
    );
    return { queues, functions };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pollers, ...this.streamPollers].map((p) => p.stop()));
    for (const stop of this.stops) {
      try {
        await stop();
      } catch (error) {
        console.error(`stopping: ${(error as Error).message}`);
      }
    }
  }
}

/** A log line's key as text, or `fallback` when the function did not log it as a string or number. */
function field(record: LogRecord, key: string, fallback = "?"): string {
  const value = record[key];
  return typeof value === "string" || typeof value === "number" ? String(value) : fallback;
}

function consoleLineFor(record: LogRecord): ProcessedMessage | undefined {
  if (record.message !== "processed" && record.message !== "failed") return undefined;
  const error = record.error as { message?: string } | undefined;
  return {
    service: field(record, "service"),
    orderId: field(record, "orderId"),
    eventType: field(record, "eventType"),
    outcome: record.message === "processed" ? field(record, "outcome") : `FAILED: ${error?.message ?? "error"}`,
    ms: Number(record.ms ?? 0),
    failed: record.message === "failed",
    at: field(record, "timestamp", new Date().toISOString()),
  };
}

export function formatProcessed(p: ProcessedMessage): string {
  return `  ${p.service.padEnd(13)} ${p.orderId.padEnd(28)} ${p.eventType.padEnd(15)} ${p.outcome.padEnd(20)} ${p.ms} ms`;
}

/** A stream poller's line: one per invocation, and one per group of records given up. */
export function formatStreamBatch(service: string, b: StreamBatchReport): string {
  const records = `${b.records} record${b.records === 1 ? "" : "s"}`;
  return `  ${service.padEnd(13)} ${records.padEnd(44)} ${b.outcome.padEnd(20)} ${b.ms} ms`;
}

/**
 * One stream poller per mapping on a table stream, invoking its function's host; a share fault
 * (`{"function": "outbox-relay", "share": 0.3}`) makes invocations throw before the handler runs.
 */
function startStreamPollers(runtime: LocalRuntime, print: (line: string) => void): void {
  if (runtime.model.streamSources.length === 0) return;
  const streams = localStreamsClient(runtime.endpoints.dynamodb);
  runtime.onStop(() => Promise.resolve(streams.destroy()));
  for (const source of runtime.model.streamSources) {
    const host = runtime.functionHosts.get(source.functionName)!;
    const service = host.fn.environment.POWERTOOLS_SERVICE_NAME ?? host.fn.name;
    const poller = new StreamPoller(source, {
      dynamodb: runtime.clients.dynamodb,
      streams,
      invoke: (event) =>
        runtime.faults.failsInvocation(host.fn.name)
          ? Promise.reject(new Error("injected fault: the invocation failed"))
          : host.invoke(event),
      report: (batch) => print(formatStreamBatch(service, batch)),
    });
    runtime.addStreamPoller(poller);
    poller.start();
  }
}

/** Execution environments of a function invoked by the API (Lambda would scale further). */
const API_ENVIRONMENTS = 8;

/** A consumer scales to its event source mapping's maximum concurrency; anything else to API_ENVIRONMENTS. */
function maxEnvironmentsOf(model: LocalModel, functionName: string): number {
  return model.eventSources.find((s) => s.functionName === functionName)?.maxConcurrency ?? API_ENVIRONMENTS;
}

async function startFunctions(
  runtime: LocalRuntime,
  dataDir: string,
  dist: string,
  snsEndpoint: string,
  print: (line: string) => void,
) {
  const bundles = bundlesByHash(dist);
  const logDir = path.join(dataDir, "logs");
  fs.mkdirSync(logDir, { recursive: true });
  const awsEnvironment = functionAwsEnvironment({ ...runtime.endpoints, sns: snsEndpoint });
  for (const fn of runtime.model.functions) {
    const bundleDir = bundles.get(fn.bundleHash);
    if (!bundleDir) {
      throw new Error(
        `${fn.address}: no folder in ${dist} has the planned bundle hash ${fn.bundleHash}; run \`npm run build\``,
      );
    }
    const log = fs.createWriteStream(path.join(logDir, `${fn.name}.log`), { flags: "a" });
    runtime.onStop(() => new Promise((resolve) => log.end(resolve)));
    const host = new FunctionHost(
      fn,
      bundleDir,
      {
        ...awsEnvironment,
        POWERTOOLS_LOG_LEVEL: "INFO",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
      (record, raw) => {
        log.write(`${raw}\n`);
        const processed = consoleLineFor(record);
        if (!processed) return;
        runtime.processed.push(processed);
        if (!processed.failed) print(formatProcessed(processed)); // a failure's line comes from its poller
      },
      maxEnvironmentsOf(runtime.model, fn.name),
    );
    runtime.addHost(host);
    runtime.onStop(() => host.stop());
  }
  await Promise.all([...runtime.functionHosts.values()].map((h) => h.started()));
}

/** Starts everything; on any failure, stops what had started and rethrows. */
export async function startRuntime(options: RuntimeOptions = {}): Promise<LocalRuntime> {
  const started = Date.now();
  const ports = {
    api: options.apiPort ?? DEFAULT_PORTS.api,
    aws: options.awsPort ?? DEFAULT_PORTS.aws,
    dynamodb: options.dynamodbPort ?? DEFAULT_PORTS.dynamodb,
  };
  const dataDir = path.resolve(options.dataDir ?? ".local-data");
  const dist = options.dist ?? DIST;
  const print = options.print ?? ((line: string) => console.log(line));
  await requireFreePort(ports.api, "the API gateway", "--api-port");
  await requireFreePort(ports.aws, "the SNS/SQS/S3 endpoint", "--aws-port");

  const emulators: Emulator[] = [];
  const stopEmulators = async () => {
    await Promise.all(emulators.splice(0).map((e) => e.stop()));
  };
  // DynamoDB Local's JVM starts while this process synthesizes the plan.
  const dynamoStarting = startDynamoDbLocal(ports.dynamodb).then((e) => (emulators.push(e), e));
  try {
    const fauxqs = await startFauxqs(await freePort()); // behind the SQS front on ports.aws
    emulators.push(fauxqs);
    const plan = options.plan ?? synthLocalPlan(path.join(dataDir, "plan"), options.overrides);
    const model = loadPlan(plan, {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      sqsEndpoint: fauxqs.endpoint,
      apiEndpoint: `http://localhost:${ports.api}`,
    });
    const dynamo = await dynamoStarting;
    const clients = localClients({ aws: fauxqs.endpoint, dynamodb: dynamo.endpoint });
    const front = await startSqsFront(ports.aws, fauxqs.endpoint, new MessageMoveTasks(clients.sqs, model.queues));
    emulators.push(front);
    const runtime = new LocalRuntime(model, clients, { aws: front.endpoint, dynamodb: dynamo.endpoint });
    runtime.onStop(stopEmulators);
    try {
      runtime.queueUrls = await provision(model, runtime.clients);
      await seed(runtime);
      const archive = await localSnsArchive(model, runtime.clients, runtime.queueUrls);
      const proxy = await startFaultProxy(fauxqs.endpoint, runtime.faults, { archive, port: snsPort(ports.aws) });
      runtime.onStop(() => proxy.stop());
      await startFunctions(runtime, dataDir, dist, proxy.endpoint, print);
      for (const source of model.eventSources) {
        const queue = model.queues.find((q) => q.name === source.queueName)!;
        const poller = new QueuePoller(
          source,
          { ...queue, url: runtime.queueUrl(queue.name) },
          runtime.clients.sqs,
          runtime.functionHosts.get(source.functionName)!,
          runtime.faults,
          print,
        );
        runtime.addPoller(poller);
        poller.start();
      }
      startStreamPollers(runtime, print);
      const localConsole = new LocalConsole(runtime, dataDir);
      runtime.onStop(() => Promise.resolve(localConsole.stop()));
      const gateway = await startGateway(
        ports.api,
        model.routes,
        runtime.functionHosts,
        {
          status: () => runtime.status(),
          processed: () => runtime.processed,
          addFault: (spec) => runtime.addFault(spec),
          removeFault: (id) => runtime.faults.remove(id),
          clearFaults: () => runtime.faults.clear(),
          console: (method, pathname) => localConsole.handle(method, pathname),
        },
        ({ method, path: p, status, ms }) =>
          print(`  ${"api".padEnd(13)} ${`${method} ${p}`.padEnd(44)} ${String(status).padEnd(20)} ${ms} ms`),
      );
      runtime.onStop(() => gateway.stop());
      runtime.apiUrl = gateway.url;
      runtime.startupMs = Date.now() - started;
      return runtime;
    } catch (error) {
      await runtime.stop();
      throw error;
    }
  } catch (error) {
    await dynamoStarting.catch(() => undefined);
    await stopEmulators();
    throw error;
  }
}

const PRODUCT_FIXTURES = path.join(__dirname, "..", "fixtures", "products.json");

/**
 * Products from local/fixtures/ into the table the orders API prices from, through the catalogue
 * import an operator runs (`npm run catalogue -- import`), so the fixtures are checked as any file is.
 */
async function seed(runtime: LocalRuntime): Promise<void> {
  const api = runtime.model.functions.find((f) => f.environment.PRODUCTS_TABLE && f.environment.TOPIC_ARN);
  if (!api) throw new Error("no function of the plan names a PRODUCTS_TABLE to seed");
  await importCatalogueFile(runtime.clients.documents, api.environment.PRODUCTS_TABLE, PRODUCT_FIXTURES);
}
