/**
 * Reads a synthesized stack (cdk.tf.json) into what the local runtime creates and runs. Every
 * resource type is either honoured, read for authorization (roles and the policies of queues,
 * topics, buckets and keys: access.ts), known to have no local effect (logs, alarms, bucket
 * hardening), or refused with its address: nothing is skipped silently. The plan is read through
 * its index (plan-index.ts); references between resources are resolved to the local values they
 * would have (ARNs in account 000000000000, resolver.ts). Where AWS takes a name or an ARN (a
 * mapping's function and source, a target, a destination), the resolved value is matched exactly,
 * so a plan may state it as text as well as by reference.
 */
import { Value } from "./hcl-expression";
import { FilterPattern, FilterPatternError, parseFilterPattern } from "./event-filter";
import { TerraformPlan } from "./synth-plan";
import { PlanError, PlanIndex } from "./plan-index";
import { LOCAL_STREAM_LABEL, LocalAccount, Resolver, text } from "./resolver";
import { LocalAccess, readAccess } from "./access";

export { LOCAL_STREAM_LABEL, PlanError };
export type { LocalAccount };

export interface LocalQueue {
  address: string;
  name: string;
  arn: string;
  url: string;
  /** SQS CreateQueue attributes. */
  attributes: Record<string, string>;
  /** Name of the queue its redrive policy sends to, if any. */
  deadLetterQueue?: string;
}
export interface LocalTopic {
  address: string;
  name: string;
  arn: string;
  attributes: Record<string, string>;
  /**
   * Days the topic keeps published messages for replay (its `archive_policy`); absent when it keeps
   * none. fauxqs stores ArchivePolicy but archives nothing: the runtime's SNS endpoint does
   * (local/emulation/sns-archive.ts).
   */
  archiveRetentionDays?: number;
}
export interface LocalSubscription {
  address: string;
  topicArn: string;
  queueArn: string;
  attributes: Record<string, string>;
}
export type StreamViewType = "NEW_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY" | "OLD_IMAGE";
const STREAM_VIEW_TYPES: StreamViewType[] = ["NEW_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY", "OLD_IMAGE"];

type KeyType = "S" | "N" | "B";
export interface LocalIndex {
  name: string;
  partitionKey: { name: string; type: KeyType };
  sortKey?: { name: string; type: KeyType };
  projection: "KEYS_ONLY" | "ALL";
}
export interface LocalTable {
  address: string;
  name: string;
  partitionKey: string;
  partitionKeyType: KeyType;
  /** Global secondary indexes, as DynamoDB Local creates them. */
  indexes: LocalIndex[];
  ttlAttribute?: string;
  /** What the table's stream records hold; no stream when absent. */
  stream?: StreamViewType;
  /** The stream's ARN as the plan resolves `stream_arn` (see LOCAL_STREAM_LABEL). */
  streamArn?: string;
}
export interface LocalFunction {
  address: string;
  name: string;
  arn: string;
  /** cdktf's asset hash of the bundle folder: the runtime runs the dist/ folder with this hash. */
  bundleHash: string;
  /** `index.handler`: file index.js, export handler. */
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  environment: Record<string, string>;
  /** The execution role: the identity its calls and its event source mapping's calls are made with. */
  roleArn: string;
  /** Reserved concurrency, when the plan reserves any: only the account's unreserved figure counts it. */
  reservedConcurrency?: number;
}
export interface LocalEventSource {
  address: string;
  functionName: string;
  queueName: string;
  batchSize: number;
  maxConcurrency: number;
  reportBatchItemFailures: boolean;
}
/**
 * An event source mapping on a table's stream, with Lambda's semantics for DynamoDB streams
 * (local/runtime/stream-poller.ts). Defaults are AWS's.
 */
export interface LocalStreamSource {
  address: string;
  functionName: string;
  tableName: string;
  /** The table's stream ARN as the plan resolves it: the eventSourceARN of every record. */
  streamArn: string;
  /** Records per invocation, 1 to 10000; default 100. */
  batchSize: number;
  /** Seconds a batch that is not full gathers records before it is delivered, 0 (default) to 300. */
  maxBatchingWindowSeconds: number;
  startingPosition: "TRIM_HORIZON" | "LATEST";
  /** filter_criteria: a record is delivered if it matches any of them; none means every record. */
  filters: FilterPattern[];
  /** Split a batch in two when the function fails, and retry each half. */
  bisectOnError: boolean;
  /** Retries of a failed record before it is discarded, 0 to 10000; -1 (default): until it expires. */
  maxRetryAttempts: number;
  /** Age past which a record is discarded, 60 to 604800 s; -1 (default): until it expires. */
  maxRecordAgeSeconds: number;
  reportBatchItemFailures: boolean;
  /** destination_config.on_failure: the standard queue a given-up batch's record is sent to. */
  onFailureQueue?: string;
}
/** An EventBridge rule that invokes a function on a rate schedule, with its permission to. */
export interface LocalSchedule {
  address: string;
  ruleName: string;
  ruleArn: string;
  everyMs: number;
  functionName: string;
}
export interface LocalRoute {
  routeKey: string;
  functionName: string;
}
export interface LocalSes {
  /** Addresses and domains the plan declares as identities: the local SES counts them verified. */
  identities: string[];
  configurationSets: string[];
}

export interface LocalModel {
  queues: LocalQueue[];
  topics: LocalTopic[];
  subscriptions: LocalSubscription[];
  tables: LocalTable[];
  buckets: string[];
  functions: LocalFunction[];
  /** Mappings on SQS queues (local/runtime/poller.ts). */
  eventSources: LocalEventSource[];
  /** Mappings on DynamoDB table streams (local/runtime/stream-poller.ts). */
  streamSources: LocalStreamSource[];
  /** Functions EventBridge invokes on a schedule (local/runtime/scheduler.ts). */
  schedules: LocalSchedule[];
  routes: LocalRoute[];
  outputs: Record<string, Value>;
  /** SES identities (verified locally by being declared) and configuration sets. */
  ses: LocalSes;
  /** Roles and resource policies: what the runtime authorizes every call against. */
  access: LocalAccess;
}

/**
 * Types the emulators have nothing to apply to. Roles, their policies, keys and the queue, topic
 * and bucket policies among them are read by access.ts: the runtime authorizes calls against them.
 */
const NO_LOCAL_EFFECT = new Set([
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_kms_key",
  "aws_kms_alias",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_metric_alarm",
  "aws_sns_topic_policy",
  "aws_sqs_queue_policy",
  "aws_sqs_queue_redrive_allow_policy",
  "aws_s3_bucket_versioning",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_ownership_controls",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_lifecycle_configuration",
  "aws_apigatewayv2_stage",
  // Read where a schedule needs one (schedules below); an API's invoke permission has no local effect.
  "aws_lambda_permission",
]);
const HONOURED = new Set([
  "aws_sns_topic",
  "aws_sns_topic_subscription",
  "aws_sqs_queue",
  "aws_dynamodb_table",
  "aws_s3_bucket",
  "aws_lambda_function",
  "aws_lambda_event_source_mapping",
  "aws_cloudwatch_event_rule",
  "aws_cloudwatch_event_target",
  "aws_apigatewayv2_api",
  "aws_apigatewayv2_integration",
  "aws_apigatewayv2_route",
  "aws_sesv2_configuration_set",
  "aws_sesv2_email_identity",
]);
const DATA_SOURCES = new Set(["aws_caller_identity", "aws_partition"]);

const sqsAttribute = (value: Value | undefined) => (typeof value === "boolean" ? String(value) : text(value));

function checkTypes(index: PlanIndex): void {
  for (const type of index.types) {
    if (HONOURED.has(type) || NO_LOCAL_EFFECT.has(type)) continue;
    const first = index.all(type)[0].address;
    throw new PlanError(`${first}: resource type ${type} is not supported by the local runtime`);
  }
  for (const [type, names] of index.dataSources) {
    if (DATA_SOURCES.has(type)) continue;
    throw new PlanError(`data.${type}.${names[0]}: data source ${type} is not supported by the local runtime`);
  }
}

function queues(r: Resolver): LocalQueue[] {
  return r.index.all("aws_sqs_queue").map(({ name }) => {
    const c = r.evaluated("aws_sqs_queue", name);
    const self = {
      name: text(c.name),
      arn: text(r.reference(["aws_sqs_queue", name, "arn"])),
      url: text(r.reference(["aws_sqs_queue", name, "url"])),
    };
    const attributes: Record<string, string> = {};
    const mapping: Record<string, string> = {
      fifo_queue: "FifoQueue",
      content_based_deduplication: "ContentBasedDeduplication",
      visibility_timeout_seconds: "VisibilityTimeout",
      message_retention_seconds: "MessageRetentionPeriod",
      receive_wait_time_seconds: "ReceiveMessageWaitTimeSeconds",
      delay_seconds: "DelaySeconds",
      kms_master_key_id: "KmsMasterKeyId",
      kms_data_key_reuse_period_seconds: "KmsDataKeyReusePeriodSeconds",
      deduplication_scope: "DeduplicationScope",
      fifo_throughput_limit: "FifoThroughputLimit",
      redrive_policy: "RedrivePolicy",
    };
    for (const [key, value] of Object.entries(c)) {
      // SQS's own encryption at rest changes nothing a client sees, and asks no key policy.
      if (key === "name" || key === "sqs_managed_sse_enabled") continue;
      if (!(key in mapping)) throw new PlanError(`aws_sqs_queue.${name}: argument ${key} is not supported locally`);
      attributes[mapping[key]] = sqsAttribute(value);
    }
    let deadLetterQueue: string | undefined;
    if (attributes.RedrivePolicy) {
      const redrive = JSON.parse(attributes.RedrivePolicy) as { deadLetterTargetArn: string };
      deadLetterQueue = redrive.deadLetterTargetArn.split(":").pop();
    }
    return { address: `aws_sqs_queue.${name}`, ...self, attributes, deadLetterQueue };
  });
}

/**
 * A provisioner that only runs on `terraform destroy` has nothing to do here: nothing local is ever
 * destroyed (the emulators keep no state). Any other provisioner is refused.
 */
function checkDestroyOnlyProvisioners(address: string, provisioners: unknown): void {
  if (provisioners === undefined) return;
  const runsOnDestroy = (p: unknown) =>
    typeof p === "object" &&
    p !== null &&
    Object.values(p).every((body) => (body as { when?: string } | null)?.when === "destroy");
  if (!Array.isArray(provisioners) || !provisioners.every(runsOnDestroy))
    throw new PlanError(`${address}: only destroy-time provisioners are supported locally`);
}

/** `{"MessageRetentionPeriod": days}`, 1 to 365 days, as SNS accepts it; `{}` or absent: no archive. */
function archiveRetentionDays(address: string, policy: string | undefined): number | undefined {
  if (policy === undefined) return undefined;
  const parsed = JSON.parse(policy) as { MessageRetentionPeriod?: unknown };
  if (parsed.MessageRetentionPeriod === undefined && Object.keys(parsed).length === 0) return undefined;
  const days = Number(parsed.MessageRetentionPeriod);
  if (!Number.isInteger(days) || days < 1 || days > 365 || Object.keys(parsed).length !== 1)
    throw new PlanError(`${address}: archive_policy must be {"MessageRetentionPeriod": 1 to 365 days}, got ${policy}`);
  return days;
}

function topics(r: Resolver): LocalTopic[] {
  return r.index.all("aws_sns_topic").map(({ name }) => {
    checkDestroyOnlyProvisioners(`aws_sns_topic.${name}`, r.config("aws_sns_topic", name).provisioner);
    const c = r.evaluated("aws_sns_topic", name, ["provisioner"]);
    const mapping: Record<string, string> = {
      fifo_topic: "FifoTopic",
      content_based_deduplication: "ContentBasedDeduplication",
      kms_master_key_id: "KmsMasterKeyId",
      archive_policy: "ArchivePolicy",
      fifo_throughput_scope: "FifoThroughputScope",
    };
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(c)) {
      // SQS's own encryption at rest changes nothing a client sees, and asks no key policy.
      if (key === "name" || key === "sqs_managed_sse_enabled") continue;
      if (!(key in mapping)) throw new PlanError(`aws_sns_topic.${name}: argument ${key} is not supported locally`);
      attributes[mapping[key]] = sqsAttribute(value);
    }
    return {
      address: `aws_sns_topic.${name}`,
      name: text(c.name),
      arn: text(r.reference(["aws_sns_topic", name, "arn"])),
      attributes,
      archiveRetentionDays: archiveRetentionDays(`aws_sns_topic.${name}`, attributes.ArchivePolicy),
    };
  });
}

function subscriptions(r: Resolver): LocalSubscription[] {
  const found: LocalSubscription[] = [];
  for (const { name } of r.index.all("aws_sns_topic_subscription")) {
    const c = r.evaluated("aws_sns_topic_subscription", name);
    const address = `aws_sns_topic_subscription.${name}`;
    checkArguments(address, c, SUBSCRIPTION_ARGUMENTS);
    // Only SQS deliveries exist locally; an e-mail subscription (alarm e-mails) has nothing to reach.
    if (c.protocol === "email") continue;
    if (c.protocol !== "sqs") throw new PlanError(`${address}: protocol ${text(c.protocol)} is not supported locally`);
    const attributes: Record<string, string> = {};
    if (c.raw_message_delivery) attributes.RawMessageDelivery = "true";
    if (c.filter_policy) attributes.FilterPolicy = text(c.filter_policy);
    if (c.filter_policy_scope) attributes.FilterPolicyScope = text(c.filter_policy_scope);
    found.push({ address, topicArn: text(c.topic_arn), queueArn: text(c.endpoint), attributes });
  }
  return found;
}

/**
 * Arguments of a function: honoured (name, runtime family, handler, bundle by its hash, timeout,
 * memory, environment, the role its calls are authorized as), then those with no local effect:
 * the zip's path (bundles are found by hash in dist/), the architecture (the host's Node runs it),
 * tracing (no X-Ray), the log group (logs go to <data dir>/logs/), reserved concurrency (each
 * mapping's maximum concurrency bounds the local pool; the API runs one request per worker; it is
 * read only for the account's unreserved concurrency, local/emulation/account-quotas.ts), tags.
 */
const FUNCTION_ARGUMENTS = [
  "function_name",
  "runtime",
  "handler",
  "source_code_hash",
  "timeout",
  "memory_size",
  "environment",
  "role",
  "filename",
  "architectures",
  "tracing_config",
  "logging_config",
  "reserved_concurrent_executions",
  "tags",
];

/** A subscription's arguments: all honoured (the delivery policy is fauxqs's to apply). */
const SUBSCRIPTION_ARGUMENTS = [
  "topic_arn",
  "protocol",
  "endpoint",
  "raw_message_delivery",
  "filter_policy",
  "filter_policy_scope",
];

function functions(r: Resolver): LocalFunction[] {
  return r.index.all("aws_lambda_function").map(({ name }) => {
    const c = r.evaluated("aws_lambda_function", name);
    const address = `aws_lambda_function.${name}`;
    checkArguments(address, c, FUNCTION_ARGUMENTS);
    if (!text(c.runtime).startsWith("nodejs"))
      throw new PlanError(`${address}: runtime ${text(c.runtime)} cannot run locally`);
    if (!c.source_code_hash)
      throw new PlanError(`${address}: no source_code_hash; the local runtime runs bundles by their asset hash`);
    const environment = (c.environment as { variables?: Record<string, Value> } | undefined)?.variables ?? {};
    const reserved = integer(address, c, "reserved_concurrent_executions", {
      fallback: -1,
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
      or: -1,
    });
    return {
      address,
      name: text(c.function_name),
      arn: text(r.reference(["aws_lambda_function", name, "arn"])),
      bundleHash: text(c.source_code_hash),
      handler: text(c.handler),
      timeoutSeconds: Number(c.timeout ?? 3),
      memoryMb: Number(c.memory_size ?? 128),
      environment: Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, text(v)])),
      roleArn: text(c.role),
      ...(reserved >= 0 ? { reservedConcurrency: reserved } : {}),
    };
  });
}

/** Arguments of a table: honoured, then those with no local effect (protection, backups, encryption). */
const TABLE_ARGUMENTS = [
  "name",
  "hash_key",
  "attribute",
  "billing_mode",
  "ttl",
  "stream_enabled",
  "stream_view_type",
  "global_secondary_index",
  "deletion_protection_enabled",
  "point_in_time_recovery",
  "server_side_encryption",
  "tags",
];

function streamOf(address: string, c: Record<string, Value>): StreamViewType | undefined {
  const viewType = text(c.stream_view_type);
  if (!flag(address, c, "stream_enabled")) {
    if (viewType) throw new PlanError(`${address}: stream_view_type ${viewType} without stream_enabled = true`);
    return undefined;
  }
  const known = STREAM_VIEW_TYPES.find((t) => t === viewType);
  if (!known) {
    throw new PlanError(
      `${address}: stream_enabled needs stream_view_type (one of ${STREAM_VIEW_TYPES.join(", ")}), got ${viewType || "none"}`,
    );
  }
  return known;
}

const listOf = <T>(value: Value | undefined): T[] =>
  (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]) as T[];

/** The declared key attributes and their types. */
function declaredKeys(address: string, c: Record<string, Value>): Map<string, KeyType> {
  const keys = new Map<string, KeyType>();
  for (const attribute of listOf<{ name?: Value; type?: Value }>(c.attribute)) {
    const type = attribute.type;
    if (type !== "S" && type !== "N" && type !== "B") {
      throw new PlanError(`${address}: attribute ${text(attribute.name)} needs type S, N or B, got ${text(type)}`);
    }
    keys.set(text(attribute.name), type);
  }
  return keys;
}

const INDEX_ARGUMENTS = ["name", "hash_key", "range_key", "projection_type", "warm_throughput"];

/** Global secondary indexes projecting their keys or everything; warm throughput has no local effect. */
function indexesOf(address: string, c: Record<string, Value>, keyTypes: Map<string, KeyType>): LocalIndex[] {
  const key = (index: string, name: Value | undefined) => {
    const type = keyTypes.get(text(name));
    if (!type) throw new PlanError(`${address}: index ${index} has key ${text(name)}, which no attribute declares`);
    return { name: text(name), type };
  };
  return listOf<Record<string, Value>>(c.global_secondary_index).map((index) => {
    const name = text(index.name);
    checkArguments(`${address} index ${name}`, index, INDEX_ARGUMENTS);
    const projection = index.projection_type;
    if (projection !== "KEYS_ONLY" && projection !== "ALL") {
      throw new PlanError(
        `${address}: index ${name} projects ${text(projection)}; KEYS_ONLY and ALL are supported locally`,
      );
    }
    return {
      name,
      partitionKey: key(name, index.hash_key),
      ...(index.range_key ? { sortKey: key(name, index.range_key) } : {}),
      projection,
    };
  });
}

function tables(r: Resolver): LocalTable[] {
  return r.index.all("aws_dynamodb_table").map(({ name }) => {
    const c = r.evaluated("aws_dynamodb_table", name);
    const address = `aws_dynamodb_table.${name}`;
    checkArguments(address, c, TABLE_ARGUMENTS);
    if (c.billing_mode !== "PAY_PER_REQUEST") {
      throw new PlanError(
        `${address}: billing_mode ${text(c.billing_mode) || "PROVISIONED (the default)"} is not supported locally (PAY_PER_REQUEST is)`,
      );
    }
    const partitionKey = text(c.hash_key);
    const keyTypes = declaredKeys(address, c);
    const indexes = indexesOf(address, c, keyTypes);
    const used = new Set([partitionKey, ...indexes.flatMap((i) => [i.partitionKey.name, i.sortKey?.name ?? ""])]);
    const unused = [...keyTypes.keys()].find((name) => !used.has(name));
    if (unused) {
      throw new PlanError(
        `${address}: attribute ${unused} is neither the partition key nor an index key; no sort key is supported locally`,
      );
    }
    const keyType = keyTypes.get(partitionKey);
    if (!keyType)
      throw new PlanError(`${address}: the partition key ${partitionKey} needs an attribute of type S, N or B`);
    const ttl = c.ttl as { attribute_name?: Value; enabled?: Value } | undefined;
    const stream = streamOf(address, c);
    return {
      address,
      name: text(c.name),
      partitionKey,
      partitionKeyType: keyType,
      indexes,
      ...(ttl?.enabled === true ? { ttlAttribute: text(ttl.attribute_name) } : {}),
      ...(stream ? { stream, streamArn: text(r.reference(["aws_dynamodb_table", name, "stream_arn"])) } : {}),
    };
  });
}

/** Refuses every argument that is neither honoured nor known to have no local effect. */
function checkArguments(address: string, config: Record<string, Value>, allowed: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) throw new PlanError(`${address}: argument ${key} is not supported locally`);
  }
}

/** An optional boolean argument; false when unset. */
function flag(address: string, c: Record<string, Value>, key: string): boolean {
  const value = c[key];
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  throw new PlanError(`${address}: ${key} must be true or false, got ${JSON.stringify(value)}`);
}

/** An optional whole-number argument within [min, max] (or exactly `or`, AWS's -1 for "unbounded"). */
function integer(
  address: string,
  c: Record<string, Value>,
  key: string,
  range: { fallback: number; min: number; max: number; or?: number },
): number {
  const value = c[key];
  if (value === undefined || value === null) return range.fallback;
  const n = typeof value === "number" ? value : Number(text(value));
  if (Number.isInteger(n) && ((n >= range.min && n <= range.max) || n === range.or)) return n;
  const allowed = `${range.or !== undefined ? `${range.or} or ` : ""}${range.min} to ${range.max}`;
  throw new PlanError(`${address}: ${key} must be ${allowed}, got ${JSON.stringify(value)}`);
}

/** An argument the local pollers honour at one value only (AWS's default); any other is refused. */
function onlyAt(address: string, c: Record<string, Value>, key: string, honoured: number, why: string): void {
  const value = c[key];
  if (value === undefined || value === null || Number(value) === honoured) return;
  throw new PlanError(`${address}: ${key} ${text(value)} is not supported locally (${why})`);
}

function reportsBatchItemFailures(address: string, c: Record<string, Value>): boolean {
  const types = c.function_response_types ?? [];
  if (!Array.isArray(types)) throw new PlanError(`${address}: function_response_types must be a list`);
  for (const type of types) {
    if (type !== "ReportBatchItemFailures")
      throw new PlanError(`${address}: function response type ${JSON.stringify(type)} is not supported locally`);
  }
  return types.length > 0;
}

/** filter_criteria as cdktf writes it, `{filter: [{pattern}]}`, or wrapped in a list as Terraform JSON also allows. */
function filtersOf(address: string, c: Record<string, Value>): FilterPattern[] {
  const criteria = c.filter_criteria;
  if (criteria === undefined || criteria === null) return [];
  const blocks = Array.isArray(criteria) ? criteria : [criteria];
  const filters = blocks.flatMap((block) => {
    if (typeof block !== "object" || block === null || Array.isArray(block)) {
      throw new PlanError(`${address}: filter_criteria must be a block with filter entries`);
    }
    checkArguments(`${address}: filter_criteria`, block, ["filter"]);
    const filter = block.filter ?? [];
    return Array.isArray(filter) ? filter : [filter];
  });
  return filters.map((filter, i) => {
    const where = `${address}: filter_criteria filter ${i + 1}`;
    if (typeof filter !== "object" || filter === null || Array.isArray(filter) || typeof filter.pattern !== "string") {
      throw new PlanError(`${where} has no pattern`);
    }
    checkArguments(where, filter, ["pattern"]);
    try {
      return parseFilterPattern(filter.pattern);
    } catch (error) {
      if (error instanceof FilterPatternError) throw new PlanError(`${where}: ${error.message}`);
      throw error;
    }
  });
}

/** Arguments of any event source mapping that change nothing the local pollers do. */
const MAPPING_NO_LOCAL_EFFECT = ["tags", "kms_key_arn", "metrics_config"];
const MAPPING_COMMON = [
  "event_source_arn",
  "function_name",
  "enabled",
  "batch_size",
  "function_response_types",
  "maximum_batching_window_in_seconds",
  ...MAPPING_NO_LOCAL_EFFECT,
];
const QUEUE_MAPPING_ARGUMENTS = [...MAPPING_COMMON, "scaling_config"];
const STREAM_MAPPING_ARGUMENTS = [
  ...MAPPING_COMMON,
  "starting_position",
  "filter_criteria",
  "bisect_batch_on_function_error",
  "maximum_retry_attempts",
  "maximum_record_age_in_seconds",
  "parallelization_factor",
  "tumbling_window_in_seconds",
  "destination_config",
];

/**
 * The queue a stream mapping sends a given-up batch's record to. Lambda takes a standard queue or
 * topic here (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-params.html); locally, a
 * standard queue of this plan.
 */
function onFailureQueueOf(address: string, c: Record<string, Value>, queues: LocalQueue[]): string | undefined {
  const config = c.destination_config as { on_failure?: { destination_arn?: Value } } | undefined;
  if (!config) return undefined;
  checkArguments(`${address}: destination_config`, config, ["on_failure"]);
  const arn = text(config.on_failure?.destination_arn);
  const queue = queues.find((q) => q.arn === arn);
  if (!queue) throw new PlanError(`${address}: on_failure destination ${arn} is not a queue of this plan`);
  if (queue.attributes.FifoQueue === "true") {
    throw new PlanError(
      `${address}: on_failure destination ${queue.name} is a FIFO queue; Lambda takes a standard one`,
    );
  }
  return queue.name;
}

function queueSource(address: string, c: Record<string, Value>, queue: LocalQueue, fn: LocalFunction) {
  checkArguments(address, c, QUEUE_MAPPING_ARGUMENTS);
  onlyAt(
    address,
    c,
    "maximum_batching_window_in_seconds",
    0,
    "the local queue poller invokes as soon as messages arrive",
  );
  const scaling = (c.scaling_config ?? {}) as { maximum_concurrency?: number };
  return {
    address,
    functionName: fn.name,
    queueName: queue.name,
    batchSize: Number(c.batch_size ?? 10),
    maxConcurrency: Number(scaling.maximum_concurrency ?? 2),
    reportBatchItemFailures: reportsBatchItemFailures(address, c),
  };
}

function streamSource(
  address: string,
  c: Record<string, Value>,
  table: LocalTable,
  fn: LocalFunction,
  queues: LocalQueue[],
): LocalStreamSource {
  checkArguments(address, c, STREAM_MAPPING_ARGUMENTS);
  const startingPosition = text(c.starting_position);
  if (startingPosition !== "TRIM_HORIZON" && startingPosition !== "LATEST") {
    throw new PlanError(
      `${address}: starting_position ${startingPosition || "(none)"} is not supported for a DynamoDB stream (TRIM_HORIZON or LATEST)`,
    );
  }
  onlyAt(address, c, "parallelization_factor", 1, "the local poller runs one batch per shard at a time");
  onlyAt(address, c, "tumbling_window_in_seconds", 0, "no tumbling windows locally");
  const onFailureQueue = onFailureQueueOf(address, c, queues);
  return {
    address,
    functionName: fn.name,
    tableName: table.name,
    streamArn: text(c.event_source_arn),
    batchSize: integer(address, c, "batch_size", { fallback: 100, min: 1, max: 10000 }),
    maxBatchingWindowSeconds: integer(address, c, "maximum_batching_window_in_seconds", {
      fallback: 0,
      min: 0,
      max: 300,
    }),
    startingPosition,
    filters: filtersOf(address, c),
    bisectOnError: flag(address, c, "bisect_batch_on_function_error"),
    maxRetryAttempts: integer(address, c, "maximum_retry_attempts", { fallback: -1, min: 0, max: 10000, or: -1 }),
    maxRecordAgeSeconds: integer(address, c, "maximum_record_age_in_seconds", {
      fallback: -1,
      min: 60,
      max: 604800,
      or: -1,
    }),
    reportBatchItemFailures: reportsBatchItemFailures(address, c),
    ...(onFailureQueue ? { onFailureQueue } : {}),
  };
}

/** Each event source mapping, on a queue of the plan or on the stream of one of its tables. */
function eventSourceMappings(
  r: Resolver,
  model: Pick<LocalModel, "queues" | "tables" | "functions">,
): Pick<LocalModel, "eventSources" | "streamSources"> {
  const found: Pick<LocalModel, "eventSources" | "streamSources"> = { eventSources: [], streamSources: [] };
  for (const { name } of r.index.all("aws_lambda_event_source_mapping")) {
    const c = r.evaluated("aws_lambda_event_source_mapping", name);
    const address = `aws_lambda_event_source_mapping.${name}`;
    const fn = model.functions.find((f) => f.arn === c.function_name || f.name === c.function_name);
    if (!fn) throw new PlanError(`${address}: function ${text(c.function_name)} is not in this plan`);
    if (c.enabled !== undefined && c.enabled !== null && !flag(address, c, "enabled")) {
      throw new PlanError(`${address}: enabled = false is not supported locally`);
    }
    const queue = model.queues.find((q) => q.arn === c.event_source_arn);
    const table = model.tables.find((t) => t.streamArn !== undefined && t.streamArn === c.event_source_arn);
    if (queue) found.eventSources.push(queueSource(address, c, queue, fn));
    else if (table) found.streamSources.push(streamSource(address, c, table, fn, model.queues));
    else {
      throw new PlanError(
        `${address}: event source ${text(c.event_source_arn)} is not a queue or a table stream of this plan`,
      );
    }
  }
  return found;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** A rule's rate in ms; EventBridge's singular unit for 1 and plural otherwise is enforced as AWS does. */
function rateOf(address: string, expression: string): number {
  const match = RATE.exec(expression);
  const n = Number(match?.[1]);
  const unit = match?.[2] ?? "";
  if (!match || n < 1 || (n === 1) !== !unit.endsWith("s")) {
    throw new PlanError(
      `${address}: schedule_expression ${expression || "(none)"} is not supported locally (rate(1 minute), rate(5 minutes), … are; cron and event patterns are not)`,
    );
  }
  return n * UNIT_MS[unit.replace(/s$/, "")];
}

/**
 * Rules that invoke a function on a rate schedule. Each needs its target function's permission for
 * events.amazonaws.com from that rule (aws_lambda_permission), as on AWS, where EventBridge's
 * invocation is refused without it: the plan is refused rather than run a schedule AWS would not.
 */
function schedules(r: Resolver, model: Pick<LocalModel, "functions">): LocalSchedule[] {
  const permissions = r.index
    .all("aws_lambda_permission")
    .map(({ name }) => r.evaluated("aws_lambda_permission", name));
  const rules = r.index.all("aws_cloudwatch_event_rule").map(({ name }) => {
    const address = `aws_cloudwatch_event_rule.${name}`;
    const c = r.evaluated("aws_cloudwatch_event_rule", name);
    checkArguments(address, c, ["name", "description", "schedule_expression", "state", "tags"]);
    if ((c.state ?? "ENABLED") !== "ENABLED")
      throw new PlanError(`${address}: state ${text(c.state)} is not supported locally`);
    return {
      address,
      ruleName: text(c.name),
      ruleArn: text(r.reference(["aws_cloudwatch_event_rule", name, "arn"])),
      everyMs: rateOf(address, text(c.schedule_expression)),
    };
  });
  return r.index.all("aws_cloudwatch_event_target").map(({ name }) => {
    const address = `aws_cloudwatch_event_target.${name}`;
    const c = r.evaluated("aws_cloudwatch_event_target", name);
    checkArguments(address, c, ["rule", "arn", "target_id"]);
    const rule = rules.find((candidate) => candidate.ruleName === c.rule);
    if (!rule) throw new PlanError(`${address}: rule ${text(c.rule)} is not a rule of this plan`);
    const fn = model.functions.find((f) => f.arn === c.arn);
    if (!fn) throw new PlanError(`${address}: target ${text(c.arn)} is not a function of this plan`);
    const permitted = permissions.some(
      (p) =>
        p.action === "lambda:InvokeFunction" &&
        p.principal === "events.amazonaws.com" &&
        p.source_arn === rule.ruleArn &&
        (p.function_name === fn.name || p.function_name === fn.arn),
    );
    if (!permitted) {
      throw new PlanError(
        `${address}: function ${fn.name} has no aws_lambda_permission for events.amazonaws.com from ${rule.ruleName}; EventBridge's invocations would be refused`,
      );
    }
    return { ...rule, functionName: fn.name };
  });
}

/** The HTTP API's own arguments: its name and protocol; its description and tags have no local effect. */
const API_ARGUMENTS = ["name", "protocol_type", "description", "tags"];
/** An integration's arguments, all honoured (the method is the one Lambda proxy integrations use). */
const INTEGRATION_ARGUMENTS = [
  "api_id",
  "integration_type",
  "integration_uri",
  "integration_method",
  "payload_format_version",
];
const ROUTE_ARGUMENTS = ["api_id", "route_key", "target", "authorization_type"];

function routes(r: Resolver, model: Pick<LocalModel, "functions">): LocalRoute[] {
  for (const { name } of r.index.all("aws_apigatewayv2_api")) {
    const address = `aws_apigatewayv2_api.${name}`;
    const c = r.evaluated("aws_apigatewayv2_api", name);
    checkArguments(address, c, API_ARGUMENTS);
    if (c.protocol_type !== "HTTP") throw new PlanError(`${address}: only HTTP APIs are served locally`);
  }
  for (const { name } of r.index.all("aws_apigatewayv2_integration")) {
    checkArguments(
      `aws_apigatewayv2_integration.${name}`,
      r.evaluated("aws_apigatewayv2_integration", name),
      INTEGRATION_ARGUMENTS,
    );
  }
  return r.index.all("aws_apigatewayv2_route").map((route) => {
    const c = r.evaluated(route.type, route.name);
    const address = route.address;
    checkArguments(address, c, ROUTE_ARGUMENTS);
    // The local gateway checks no signatures: a plan that relies on authorization must not run as if open.
    if ((c.authorization_type ?? "NONE") !== "NONE") {
      throw new PlanError(
        `${address}: authorization_type ${text(c.authorization_type)} is not enforced locally; the local stack uses NONE`,
      );
    }
    const target = r.index.referencedBy(route, "target", "aws_apigatewayv2_integration");
    const integration = r.evaluated(target.type, target.name);
    if (integration.integration_type !== "AWS_PROXY") {
      throw new PlanError(`${address}: only AWS_PROXY Lambda integrations are supported locally`);
    }
    if (integration.payload_format_version !== "2.0") {
      throw new PlanError(
        `${address}: payload format ${text(integration.payload_format_version)} is not supported locally (2.0 is)`,
      );
    }
    const invoked = r.index.referencedBy(target, "integration_uri", "aws_lambda_function").address;
    // The index checked that it is declared, and every declared function is in model.functions.
    const fn = model.functions.find((f) => f.address === invoked)!;
    return { routeKey: text(c.route_key), functionName: fn.name };
  });
}

/**
 * SES v2 identities and configuration sets: honoured by name (the local SES accepts mail from a
 * declared identity through a declared set); their DKIM, feedback and reputation settings have no
 * local effect.
 */
function ses(r: Resolver): LocalSes {
  return {
    identities: r.index
      .all("aws_sesv2_email_identity")
      .map(({ name }) => text(r.evaluated("aws_sesv2_email_identity", name).email_identity)),
    configurationSets: r.index
      .all("aws_sesv2_configuration_set")
      .map(({ name }) => text(r.evaluated("aws_sesv2_configuration_set", name).configuration_set_name)),
  };
}

/** Everything the local runtime creates and runs for this plan, or a PlanError naming what it cannot. */
export function loadPlan(plan: TerraformPlan, account: LocalAccount): LocalModel {
  const index = new PlanIndex(plan);
  checkTypes(index);
  const r = new Resolver(index, account);
  const base = { queues: queues(r), topics: topics(r), subscriptions: subscriptions(r) };
  const access = readAccess(r, base);
  const tableList = tables(r);
  const fns = functions(r);
  const buckets = r.index.all("aws_s3_bucket").map(({ name }) => {
    const c = r.evaluated("aws_s3_bucket", name);
    // force_destroy only matters to `terraform destroy`; the emulator starts empty every time.
    checkArguments(`aws_s3_bucket.${name}`, c, ["bucket", "force_destroy", "tags"]);
    return text(c.bucket);
  });
  const outputs = Object.fromEntries(
    Object.entries(index.outputs).map(([key, { value }]) => [key, r.value(value, `output.${key}`)]),
  );
  return {
    ...base,
    tables: tableList,
    buckets,
    functions: fns,
    ...eventSourceMappings(r, { queues: base.queues, tables: tableList, functions: fns }),
    schedules: schedules(r, { functions: fns }),
    routes: routes(r, { functions: fns }),
    outputs,
    ses: ses(r),
    access,
  };
}
