/**
 * The embedded local runtime, assembled: emulators, the synthesized local stack created in them, one
 * worker per function running its bundle, one poller per event source mapping, the HTTP gateway and
 * the console it serves.
 * The plan is the contract: what runs here is what `order-fanout-local` declares.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { freePort, startDynamoDbLocal, startFauxqs, requireFreePort } from "./emulation/emulators";
import { DEFAULT_PORTS, LOCAL_ACCOUNT, LOCAL_REGION, snsPort } from "../contract/local-endpoints";
import { LocalOverrides, synthLocalPlan, TerraformPlan } from "./plan/synth-plan";
import { loadPlan, LocalModel } from "./plan/plan";
import { functionAwsEnvironment, localClients, LocalClients } from "./emulation/aws-clients";
import { provision } from "./emulation/provision";
import { bundlesByHash, FunctionHost } from "./runtime/function-host";
import { DIST } from "../stacks/bundles";
import { QueuePoller } from "./runtime/poller";
import { localStreamsClient, StreamPoller } from "./runtime/stream-poller";
import { Faults, FaultSpec } from "./emulation/faults";
import { localSnsArchive, startFaultProxy } from "./emulation/fault-proxy";
import { MessageMoveTasks } from "./emulation/move-tasks";
import { startAwsFront, startDynamoDbFront } from "./emulation/aws-front";
import { LocalSes } from "./emulation/ses";
import { AccountQuotas } from "./emulation/account-quotas";
import { environmentSettings } from "../stacks/environments";
import { Authorizer, functionCredentials } from "./authz/authorizer";
import { Gate } from "./authz/gate";
import { RequestMapper } from "./authz/requests";
import { grantsReport } from "./authz/grants";
import { startGateway } from "./runtime/gateway";
import { Scheduler } from "./runtime/scheduler";
import { RuntimeParts, RuntimeState } from "./runtime/state";
import {
  activityLine,
  formatDenial,
  formatProcessed,
  formatScheduledRun,
  formatStreamBatch,
  ProcessedMessage,
  processedMessageOf,
} from "./runtime/lines";
import { LocalConsole } from "./console/server";
import { importCatalogueFile } from "../ops/catalogue/import";

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
  /**
   * The local account's SES 24-hour quota instead of the one the local stack is designed for (its
   * settings' notification.dailyQuota): to try what happens to e-mail beyond it.
   */
  sesDailyQuota?: number;
  /** Where dist/ bundles are. */
  dist?: string;
  /** False: no call is authorized (to measure what authorization costs). Default true. */
  authorization?: boolean;
  /** Receives the console's lines: one per processed message and per API request. */
  print?: (line: string) => void;
}

/** Stops, in order, what was started: pollers first, then consumers of the emulators, then the emulators. */
class Stops {
  private readonly stops: (() => Promise<void>)[] = [];

  /** Registers a stop; stops run in the reverse order of registration. */
  add(stop: () => Promise<void>): void {
    this.stops.unshift(stop);
  }

  async run(): Promise<void> {
    for (const stop of this.stops.splice(0)) {
      try {
        await stop();
      } catch (error) {
        console.error(`stopping: ${(error as Error).message}`);
      }
    }
  }
}

export interface LocalRuntimeOptions {
  readonly state: RuntimeState;
  readonly apiUrl: string;
  /** Milliseconds from the call to startRuntime to the gateway answering. */
  readonly startupMs: number;
  readonly stops: Stops;
}

/** A running local runtime, assembled by startRuntime once every part has started. */
export class LocalRuntime {
  readonly state: RuntimeState;
  readonly apiUrl: string;
  readonly startupMs: number;
  private readonly stops: Stops;

  constructor(options: LocalRuntimeOptions) {
    this.state = options.state;
    this.apiUrl = options.apiUrl;
    this.startupMs = options.startupMs;
    this.stops = options.stops;
  }

  async stop(): Promise<void> {
    await this.stops.run();
  }
}

/** How a function's lines are labelled: its Powertools service name. */
const serviceOf = (host: FunctionHost) => host.fn.environment.POWERTOOLS_SERVICE_NAME ?? host.fn.name;

/**
 * One stream poller per mapping on a table stream, invoking its function's host; a share fault
 * (`{"function": "outbox-relay", "share": 0.3}`) makes invocations throw before the handler runs.
 */
function startStreamPollers(
  parts: Pick<RuntimeParts, "model" | "clients" | "hosts" | "faults" | "queueUrls"> & {
    gate: Gate;
    dynamodbEmulator: string;
  },
  stops: Stops,
  print: (line: string) => void,
): StreamPoller[] {
  if (parts.model.streamSources.length === 0) return [];
  // Straight to DynamoDB Local: the mapping's calls are authorized as its function's role before each.
  const streams = localStreamsClient(parts.dynamodbEmulator);
  stops.add(() => Promise.resolve(streams.destroy()));
  return parts.model.streamSources.map((source) => {
    const host = parts.hosts.get(source.functionName)!;
    const service = serviceOf(host);
    const poller = new StreamPoller(source, {
      dynamodb: parts.clients.dynamodb,
      streams,
      invoke: (event) =>
        parts.faults.failsInvocation(host.fn.name)
          ? Promise.reject(new Error("injected fault: the invocation failed"))
          : host.invoke(event),
      report: (batch) => print(formatStreamBatch(service, batch)),
      authorize: (operation) =>
        parts.gate.require(host.fn.roleArn, [{ action: `dynamodb:${operation}`, resource: source.streamArn }]),
      ...(source.onFailureQueue ? { onFailure: onFailureDestination(parts, host, source.onFailureQueue) } : {}),
    });
    stops.add(() => poller.stop());
    poller.start();
    return poller;
  });
}

/** A mapping's on-failure queue: Lambda sends there with the function's role, which must be allowed to. */
function onFailureDestination(
  parts: Pick<RuntimeParts, "model" | "clients" | "queueUrls"> & { gate: Gate },
  host: FunctionHost,
  queueName: string,
) {
  const queue = parts.model.queues.find((q) => q.name === queueName)!;
  return {
    functionArn: host.fn.arn,
    destination: queueName,
    send: async (record: string) => {
      parts.gate.require(host.fn.roleArn, parts.gate.mapper.sqs("SendMessage", { QueueUrl: queue.url })!);
      await parts.clients.sqs.send(
        new SendMessageCommand({ QueueUrl: parts.queueUrls.get(queueName)!, MessageBody: record }),
      );
    },
  };
}

/** What the request mapper needs of the model: keys of encrypted queues and topics, SES identities, subscriptions. */
function mappedResources(model: LocalModel) {
  const keys = new Map<string, string>();
  for (const resource of [...model.queues, ...model.topics]) {
    if (resource.attributes.KmsMasterKeyId) keys.set(resource.arn, resource.attributes.KmsMasterKeyId);
  }
  const subscribers = new Map<string, string[]>();
  for (const s of model.subscriptions)
    subscribers.set(s.topicArn, [...(subscribers.get(s.topicArn) ?? []), s.queueArn]);
  return { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT, keys, sesIdentities: model.ses.identities, subscribers };
}

/** One poller per queue event source mapping, invoking its function's host. */
function startQueuePollers(
  parts: Pick<RuntimeParts, "model" | "clients" | "queueUrls" | "hosts" | "faults"> & { gate: Gate },
  stops: Stops,
  print: (line: string) => void,
): QueuePoller[] {
  return parts.model.eventSources.map((source) => {
    const queue = parts.model.queues.find((q) => q.name === source.queueName)!;
    const roleArn = parts.hosts.get(source.functionName)!.fn.roleArn;
    const poller = new QueuePoller({
      source,
      queue: { ...queue, url: parts.queueUrls.get(queue.name)! },
      sqs: parts.clients.sqs,
      // The mapping's own calls (and the kms:Decrypt of an encrypted queue), as its function's role.
      authorize: (operation) => parts.gate.require(roleArn, parts.gate.mapper.sqs(operation, { QueueUrl: queue.url })!),
      host: parts.hosts.get(source.functionName)!,
      faults: parts.faults,
      print,
    });
    stops.add(() => poller.stop());
    poller.start();
    return poller;
  });
}

/** Execution environments of a function invoked by the API (Lambda would scale further). */
export const API_ENVIRONMENTS = 8;

/** A consumer scales to its event source mapping's maximum concurrency; anything else to API_ENVIRONMENTS. */
function maxEnvironmentsOf(model: LocalModel, functionName: string): number {
  return model.eventSources.find((s) => s.functionName === functionName)?.maxConcurrency ?? API_ENVIRONMENTS;
}

interface FunctionsOptions {
  readonly model: LocalModel;
  readonly endpoints: { aws: string; dynamodb: string };
  readonly snsEndpoint: string;
  readonly dataDir: string;
  readonly dist: string;
  /** The bundle folders in dist/, by asset hash (bundlesByHash). */
  readonly bundles: Map<string, string>;
  readonly processed: ProcessedMessage[];
  readonly print: (line: string) => void;
}

/** A host per function of the plan, each with its first environment started and its log file open. */
async function startFunctions(options: FunctionsOptions, stops: Stops): Promise<Map<string, FunctionHost>> {
  const { model, dist, bundles, processed, print } = options;
  const logDir = path.join(options.dataDir, "logs");
  fs.mkdirSync(logDir, { recursive: true });
  const awsEnvironment = functionAwsEnvironment({ ...options.endpoints, sns: options.snsEndpoint });
  const hosts = new Map<string, FunctionHost>();
  for (const fn of model.functions) {
    const bundleDir = bundles.get(fn.bundleHash);
    if (!bundleDir) {
      throw new Error(
        `${fn.address}: no folder in ${dist} has the planned bundle hash ${fn.bundleHash}; run \`npm run build\``,
      );
    }
    const log = fs.createWriteStream(path.join(logDir, `${fn.name}.log`), { flags: "a" });
    stops.add(() => new Promise((resolve) => log.end(resolve)));
    const credentials = functionCredentials(fn.roleArn);
    const host = new FunctionHost({
      fn,
      bundleDir,
      runtimeEnvironment: {
        ...awsEnvironment,
        // Credentials that name the function's execution role: each call is authorized as that role.
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        POWERTOOLS_LOG_LEVEL: "INFO",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
      onLog: (record, raw) => {
        log.write(`${raw}\n`);
        const line = processedMessageOf(record);
        if (!line) return;
        processed.push(line);
        if (!line.failed) print(formatProcessed(line)); // a failure's line comes from its poller
      },
      maxEnvironments: maxEnvironmentsOf(model, fn.name),
    });
    hosts.set(fn.name, host);
    stops.add(() => host.stop());
  }
  await Promise.all([...hosts.values()].map((h) => h.started()));
  return hosts;
}

/** The bytes of the functions' deployment packages (dist/<fn>.zip), as Lambda counts its code storage. */
function packageBytes(model: LocalModel, bundles: Map<string, string>): number {
  return model.functions.reduce((sum, fn) => {
    const dir = bundles.get(fn.bundleHash);
    return sum + (dir && fs.existsSync(`${dir}.zip`) ? fs.statSync(`${dir}.zip`).size : 0);
  }, 0);
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
  await requireFreePort(ports.dynamodb, "the DynamoDB endpoint", "--dynamodb-port");

  const stops = new Stops();
  // DynamoDB Local's JVM starts while this process synthesizes the plan; it and fauxqs listen on
  // free loopback ports behind the runtime's fronts, which own --dynamodb-port and --aws-port.
  const dynamoStarting = freePort().then(startDynamoDbLocal);
  stops.add(async () => (await dynamoStarting.catch(() => undefined))?.stop());
  try {
    const fauxqs = await startFauxqs(LOCAL_REGION);
    stops.add(() => fauxqs.stop());
    const plan = options.plan ?? synthLocalPlan(path.join(dataDir, "plan"), options.overrides);
    const account = {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      sqsEndpoint: `http://127.0.0.1:${ports.aws}`,
      apiEndpoint: `http://localhost:${ports.api}`,
    };
    const model = loadPlan(plan, account);
    const authorizer = new Authorizer(model.access, LOCAL_ACCOUNT, (denial) => print(formatDenial(denial)));
    const gate = new Gate(authorizer, new RequestMapper(mappedResources(model)), options.authorization ?? true);
    // The local account's quotas: the local environment's settings, which stand for a fresh
    // account's defaults (Lambda 1000, DynamoDB 40,000/40,000) and an SES quota that never holds the flow up.
    const settings = environmentSettings("local", {});
    const ses = new LocalSes(model.ses, LOCAL_REGION, {
      maxSendRate: settings.notification.maxSendRate,
      max24HourSend: options.sesDailyQuota ?? settings.notification.dailyQuota,
    });
    const bundles = bundlesByHash(dist);
    const quotas = new AccountQuotas(
      {
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT,
        lambdaConcurrency: settings.accountConcurrency,
        reservedConcurrency: model.functions.reduce((sum, fn) => sum + (fn.reservedConcurrency ?? 0), 0),
        functions: { count: model.functions.length, codeSize: packageBytes(model, bundles) },
        tableThroughput: settings.tableThroughputQuota,
      },
      ses,
    );
    // Lambda's Invoke on the AWS endpoint reaches the functions, which start after the endpoint.
    const invocable = new Map<string, FunctionHost>();
    const dynamo = await dynamoStarting;
    const clients = localClients({ aws: fauxqs.endpoint, dynamodb: dynamo.endpoint });
    const front = await startAwsFront({
      port: ports.aws,
      fauxqs,
      gate,
      tasks: new MessageMoveTasks(clients.sqs, model.queues),
      ses,
      invoke: (name, payload) => invocable.get(name)?.invoke(payload),
      functionArn: (name) => `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`,
      account: quotas,
    });
    stops.add(() => front.stop());
    const dynamoFront = await startDynamoDbFront(ports.dynamodb, dynamo.endpoint, gate);
    stops.add(() => dynamoFront.stop());
    const endpoints = { aws: front.endpoint, dynamodb: dynamoFront.endpoint };

    const queueUrls = await provision(model, clients);
    await seed(model, clients);
    const faults = new Faults();
    const archive = localSnsArchive(model, clients, queueUrls);
    const proxy = await startFaultProxy(fauxqs.endpoint, faults, { gate, archive, port: snsPort(ports.aws) });
    stops.add(() => proxy.stop());
    const processed: ProcessedMessage[] = [];
    const hosts = await startFunctions(
      { model, endpoints, snsEndpoint: proxy.endpoint, dataDir, dist, bundles, processed, print },
      stops,
    );
    for (const [name, host] of hosts) invocable.set(name, host);
    const scheduler = new Scheduler(
      model.schedules,
      (name, event) => hosts.get(name)!.invoke(event),
      (run) => print(formatScheduledRun(serviceOf(hosts.get(run.functionName)!), run)),
    );
    scheduler.start();
    stops.add(() => scheduler.stop());
    const parts = { model, clients, endpoints, queueUrls, faults, hosts, processed, authorizer, mailbox: ses.mailbox };
    const state = new RuntimeState({
      ...parts,
      pollers: startQueuePollers({ ...parts, gate }, stops, print),
      streamPollers: startStreamPollers({ ...parts, gate, dynamodbEmulator: dynamo.endpoint }, stops, print),
    });
    const localConsole = new LocalConsole(state, dataDir);
    stops.add(() => Promise.resolve(localConsole.stop()));
    const gateway = await startGateway({
      port: ports.api,
      routes: model.routes,
      hosts,
      local: {
        status: () => state.status(),
        processed: () => state.processed,
        addFault: (spec) => faults.add(spec as FaultSpec),
        removeFault: (id) => faults.remove(id),
        clearFaults: () => faults.clear(),
        useAccess: (replacement) => authorizer.use(loadPlan(replacement as TerraformPlan, account).access),
        grants: () => grantsReport(authorizer),
        mailbox: (order) => [...state.mails(order)],
        console: (method, pathname) => localConsole.handle(method, pathname),
      },
      log: ({ method, path: p, status, ms }) => print(activityLine("api", `${method} ${p}`, String(status), ms)),
    });
    stops.add(() => gateway.stop());
    return new LocalRuntime({ state, apiUrl: gateway.url, startupMs: Date.now() - started, stops });
  } catch (error) {
    await stops.run();
    throw error;
  }
}

const PRODUCT_FIXTURES = path.join(__dirname, "fixtures", "products.json");

/**
 * Products from local/fixtures/ into the table the orders API prices from, through the catalogue
 * import an operator runs (`npm run catalogue -- import`), so the fixtures are checked as any file is.
 */
async function seed(model: LocalModel, clients: LocalClients): Promise<void> {
  const api = model.functions.find((f) => f.environment.PRODUCTS_TABLE && f.environment.TOPIC_ARN);
  if (!api) throw new Error("no function of the plan names a PRODUCTS_TABLE to seed");
  await importCatalogueFile(clients.documents, api.environment.PRODUCTS_TABLE, PRODUCT_FIXTURES);
}
