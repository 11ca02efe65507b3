/**
 * The deployed topology of one environment, read from its synthesized plan: what the capacity
 * model and the simulation know about the API, the topic, each queue and its consumer. Nothing
 * here is taken from stacks/environments.ts directly, so the model sees what Terraform would apply.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { EnvironmentName, environmentSettings, tableName } from "../stacks/environments";
import { FanoutStack } from "../stacks/fanout-stack";
import { deploymentPackage } from "../stacks/bundles";
import { CONSUMER_SERVICES, ConsumerService, FUNCTION_BUNDLES } from "../contract/services";
import { QUOTAS } from "./quotas";
import { sendIntervalMs } from "../contract/send-pace";

/** The parts of a synthesized stack the model reads. */
interface PlanResources {
  aws_lambda_event_source_mapping: Record<
    string,
    { function_name: string; batch_size: number; scaling_config?: { maximum_concurrency: number } }
  >;
  aws_lambda_function: Record<
    string,
    {
      function_name: string;
      timeout: number;
      reserved_concurrent_executions?: number;
      environment?: { variables?: Record<string, string> };
    }
  >;
  aws_sns_topic: Record<string, { fifo_topic?: boolean; fifo_throughput_scope?: string }>;
  aws_sns_topic_subscription: Record<string, { endpoint: string; filter_policy?: string }>;
  aws_apigatewayv2_stage: Record<
    string,
    { default_route_settings: { throttling_rate_limit: number; throttling_burst_limit: number } }
  >;
  aws_sqs_queue: Record<string, { name: string; fifo_throughput_limit?: string; message_retention_seconds?: number }>;
  aws_dynamodb_table: Record<
    string,
    { name: string; warm_throughput?: { write_units_per_second: number; read_units_per_second: number } }
  >;
}

export interface ConsumerTopology {
  readonly service: ConsumerService;
  readonly functionName: string;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly timeoutSeconds: number;
  /** The subscription has a filter policy: only some orders reach it (review: high-value ones). */
  readonly filtered: boolean;
  /** Messages/s SNS can deliver into the queue: one SendMessage call each, never a batch. */
  readonly intakePerSecond: number;
  readonly retentionSeconds: number;
  /** The e-mails/s the consumer paces itself to (SES_MAX_SEND_RATE), if it sends e-mail. */
  readonly sendRatePerSecond?: number;
  /** Seconds between two sends of one environment, by the handler's own rule (pacing.ts); 0 when unpaced. */
  readonly sendIntervalSeconds: number;
}

export interface Topology {
  readonly environment: EnvironmentName;
  readonly highThroughputFifo: boolean;
  readonly api: {
    readonly functionName: string;
    readonly rateLimit: number;
    readonly burstLimit: number;
    readonly reservedConcurrency: number;
    readonly timeoutSeconds: number;
  };
  /** Publishes/s the topic accepts (its FIFO quota in the region). */
  readonly topicPerSecond: number;
  readonly consumers: readonly ConsumerTopology[];
  readonly accountConcurrency: number;
  /** The orders table's warm write throughput, if it has one (every write of an order lands there). */
  readonly ordersTable: { readonly warmWriteUnits?: number; readonly warmReadUnits?: number };
}

/** The synthesized Terraform JSON of an environment's fan-out stack (bundles stubbed: only names matter). */
function synthesizedPlan(name: EnvironmentName, env: NodeJS.ProcessEnv = {}): { resource: PlanResources } {
  const settings = environmentSettings(name, env);
  const bundles = fs.mkdtempSync(path.join(os.tmpdir(), "model-bundles-"));
  try {
    for (const fn of FUNCTION_BUNDLES) fs.writeFileSync(deploymentPackage(fn, bundles), "");
    return JSON.parse(
      Testing.synth(new FanoutStack(Testing.app(), `order-fanout-${name}`, { settings, bundleRoot: bundles })),
    ) as { resource: PlanResources };
  } finally {
    fs.rmSync(bundles, { recursive: true, force: true });
  }
}

/** The resource id inside a reference such as `${aws_lambda_function.<id>.arn}`. */
function referencedId(reference: string): string {
  const match = /^\$\{[a-z0-9_]+\.([^.]+)\.[a-z_]+\}$/.exec(reference);
  if (!match) throw new Error(`expected a resource reference, got ${reference}`);
  return match[1];
}

function only<T>(what: string, values: T[]): T {
  if (values.length !== 1) throw new Error(`the plan has ${values.length} ${what}, expected one`);
  return values[0];
}

/** Topologies already read: a synth takes a second, and one command may ask for the same one again. */
const read = new Map<string, Topology>();

export function topologyOf(name: EnvironmentName, env: NodeJS.ProcessEnv = {}): Topology {
  const key = `${name} ${JSON.stringify(env)}`;
  const known = read.get(key);
  if (known) return known;
  const topology = readTopology(name, env);
  read.set(key, topology);
  return topology;
}

function readTopology(name: EnvironmentName, env: NodeJS.ProcessEnv): Topology {
  const resources = synthesizedPlan(name, env).resource;
  const settings = environmentSettings(name, env);
  const functions = resources.aws_lambda_function;
  const topic = only(
    "FIFO topics",
    Object.values(resources.aws_sns_topic).filter((t) => t.fifo_topic),
  );
  const messageGroupScope = topic.fifo_throughput_scope === "MessageGroup";
  const api = only(
    "API functions",
    Object.values(functions).filter((f) => f.function_name.endsWith("-orders-api")),
  );
  const stage = only("API stages", Object.values(resources.aws_apigatewayv2_stage)).default_route_settings;
  const orders = only(
    "orders tables",
    Object.values(resources.aws_dynamodb_table).filter((t) => t.name === tableName(settings, "orders")),
  );
  const consumers = CONSUMER_SERVICES.map((service): ConsumerTopology => {
    const [functionId, fn] = only(
      `${service} functions`,
      Object.entries(functions).filter(([, f]) => f.function_name === `${settings.namePrefix}-${service}`),
    );
    const mapping = only(
      `${service} queue mappings`,
      Object.values(resources.aws_lambda_event_source_mapping).filter(
        (m) => referencedId(m.function_name) === functionId && m.scaling_config,
      ),
    );
    const [queueId, queue] = only(
      `${service} queues`,
      Object.entries(resources.aws_sqs_queue).filter(([, q]) => q.name === `${settings.namePrefix}-${service}.fifo`),
    );
    const subscription = only(
      `${service} subscriptions`,
      Object.values(resources.aws_sns_topic_subscription).filter((s) => s.endpoint.includes(`.${queueId}.`)),
    );
    const variables = fn.environment?.variables ?? {};
    const sendRate = variables.SES_MAX_SEND_RATE;
    const highThroughput = queue.fifo_throughput_limit === "perMessageGroupId";
    return {
      service,
      functionName: fn.function_name,
      batchSize: mapping.batch_size,
      maxConcurrency: mapping.scaling_config!.maximum_concurrency,
      timeoutSeconds: fn.timeout,
      filtered: subscription.filter_policy !== undefined,
      intakePerSecond: highThroughput ? QUOTAS.sqsFifoHighThroughput.value : QUOTAS.sqsFifoPerAction.value,
      retentionSeconds: queue.message_retention_seconds ?? QUOTAS.sqsDefaultRetention.value,
      ...(sendRate !== undefined ? { sendRatePerSecond: Number(sendRate) } : {}),
      sendIntervalSeconds:
        sendRate !== undefined
          ? sendIntervalMs({ maxSendRate: Number(sendRate), senders: Number(variables.SES_SENDERS) }) / 1000
          : 0,
    };
  });
  return {
    environment: name,
    highThroughputFifo: messageGroupScope && consumers.every((c) => c.intakePerSecond > QUOTAS.sqsFifoPerAction.value),
    api: {
      functionName: api.function_name,
      rateLimit: stage.throttling_rate_limit,
      burstLimit: stage.throttling_burst_limit,
      reservedConcurrency: api.reserved_concurrent_executions ?? settings.accountConcurrency,
      timeoutSeconds: api.timeout,
    },
    topicPerSecond: messageGroupScope ? QUOTAS.snsFifoMessageGroupScope.value : QUOTAS.snsFifoTopicScope.value,
    consumers,
    accountConcurrency: settings.accountConcurrency,
    ordersTable: {
      warmWriteUnits: orders.warm_throughput?.write_units_per_second,
      warmReadUnits: orders.warm_throughput?.read_units_per_second,
    },
  };
}
