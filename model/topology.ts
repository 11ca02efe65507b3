/**
 * The deployed topology of one environment, read from its synthesized plan: what the capacity
 * model and the simulation know about the API, the topic, each queue and its consumer. Nothing
 * here is taken from stacks/environments.ts directly, so the model sees what Terraform would apply.
 */
import { EnvironmentName, EnvironmentSettings, environmentSettings } from "../stacks/environments";
import { ConsumerService } from "../contract/services";
import { sendIntervalMs } from "../contract/send-pace";
import { OUTBOX_INDEX } from "../contract/outbox-index";
import { PlanError, PlanIndex, PlanResource } from "../local/plan/plan-index";
import { TerraformPlan } from "../local/plan/synth-plan";
import { QUOTAS } from "./quotas";
import { fanoutParts } from "./fanout-parts";
import { synthesizedPlan } from "./synthesized-plan";

export interface ConsumerTopology {
  readonly service: ConsumerService;
  readonly functionName: string;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly timeoutSeconds: number;
  /** The subscription has a filter policy: only some orders reach it (review: high-value ones). */
  readonly filtered: boolean;
  /** Messages/s SNS can deliver into the queue, assuming one SendMessage call each (AWS does not document how SNS writes to a queue). */
  readonly intakePerSecond: number;
  readonly retentionSeconds: number;
  /** The e-mails/s the consumer paces itself to (SES_MAX_SEND_RATE), if it sends e-mail. */
  readonly sendRatePerSecond?: number;
  /** Seconds between two sends of one environment, by the handler's own rule (pacing.ts); 0 when unpaced. */
  readonly sendIntervalSeconds: number;
  /** Warm write units of the table it keeps idempotency records in (IDEMPOTENCY_TABLE), if warm. */
  readonly idempotencyWarmWriteUnits?: number;
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
  /**
   * The orders table's warm throughput, if it has one (every write of an order lands there), and
   * its outbox index's warm writes (each order enters and leaves the index once).
   */
  readonly ordersTable: {
    readonly warmWriteUnits?: number;
    readonly warmReadUnits?: number;
    readonly outboxIndexWarmWriteUnits?: number;
  };
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

/** The arguments of a function, a mapping, a queue, a stage and a table the model reads. */
interface FunctionConfig {
  function_name: string;
  timeout: number;
  reserved_concurrent_executions?: number;
  environment?: { variables?: Record<string, string> };
}
interface MappingConfig {
  batch_size: number;
  scaling_config?: { maximum_concurrency: number };
}
interface QueueConfig {
  fifo_throughput_limit?: string;
  message_retention_seconds?: number;
}
interface StageConfig {
  default_route_settings: { throttling_rate_limit: number; throttling_burst_limit: number };
}
interface WarmConfig {
  warm_throughput?: { write_units_per_second: number; read_units_per_second: number };
}
interface TableConfig extends WarmConfig {
  global_secondary_index?: (WarmConfig & { name: string })[];
}

const config = <T>(resource: PlanResource) => resource.config as T;

function readTopology(name: EnvironmentName, env: NodeJS.ProcessEnv): Topology {
  return topologyOfPlan(synthesizedPlan(name, env), environmentSettings(name, env));
}

/** The topology a synthesized fan-out stack deploys, with the settings it was synthesized from. */
export function topologyOfPlan(plan: TerraformPlan, settings: EnvironmentSettings): Topology {
  const index = new PlanIndex(plan);
  const parts = fanoutParts(index);
  const topic = config<{ fifo_throughput_scope?: string }>(parts.topic);
  const messageGroupScope = topic.fifo_throughput_scope === "MessageGroup";
  const api = config<FunctionConfig>(parts.apiFunction);
  const stage = config<StageConfig>(parts.apiStage).default_route_settings;
  const orders = config<TableConfig>(parts.ordersTable);
  const consumers = parts.consumers.map((consumer): ConsumerTopology => {
    const fn = config<FunctionConfig>(consumer.fn);
    const mapping = config<MappingConfig>(consumer.mapping);
    const queue = config<QueueConfig>(consumer.queue);
    if (!mapping.scaling_config) {
      throw new PlanError(`${consumer.mapping.address}: no scaling_config, so no maximum concurrency to model`);
    }
    const variables = fn.environment?.variables ?? {};
    const sendRate = variables.SES_MAX_SEND_RATE;
    const highThroughput = queue.fifo_throughput_limit === "perMessageGroupId";
    const idempotency =
      variables.IDEMPOTENCY_TABLE !== undefined
        ? config<TableConfig>(
            index.referencedBy(consumer.fn, "environment.variables.IDEMPOTENCY_TABLE", "aws_dynamodb_table"),
          ).warm_throughput?.write_units_per_second
        : undefined;
    return {
      service: consumer.service,
      functionName: fn.function_name,
      batchSize: mapping.batch_size,
      maxConcurrency: mapping.scaling_config.maximum_concurrency,
      timeoutSeconds: fn.timeout,
      filtered: consumer.subscription.config.filter_policy !== undefined,
      intakePerSecond: highThroughput ? QUOTAS.sqsFifoHighThroughput.value : QUOTAS.sqsFifoPerAction.value,
      retentionSeconds: queue.message_retention_seconds ?? QUOTAS.sqsDefaultRetention.value,
      ...(sendRate !== undefined ? { sendRatePerSecond: Number(sendRate) } : {}),
      sendIntervalSeconds:
        sendRate !== undefined
          ? sendIntervalMs({ maxSendRate: Number(sendRate), senders: Number(variables.SES_SENDERS) }) / 1000
          : 0,
      ...(idempotency !== undefined ? { idempotencyWarmWriteUnits: idempotency } : {}),
    };
  });
  return {
    environment: settings.name,
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
      outboxIndexWarmWriteUnits: orders.global_secondary_index?.find((i) => i.name === OUTBOX_INDEX.name)
        ?.warm_throughput?.write_units_per_second,
    },
  };
}
