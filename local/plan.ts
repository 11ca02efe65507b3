/**
 * Reads a synthesized stack (cdk.tf.json) into what the local runtime creates and runs. Every
 * resource type is either honoured, known to have no local effect (IAM, KMS, logs, alarms, bucket
 * hardening), or refused with its address: nothing is skipped silently. References between
 * resources are resolved to the local values they would have (ARNs in account 000000000000).
 */
import { evaluateDeep, evaluateString, ExpressionError, Value } from "./hcl-expression";
import { TerraformPlan } from "./synth-plan";

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

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
}
export interface LocalSubscription {
  address: string;
  topicArn: string;
  queueArn: string;
  attributes: Record<string, string>;
}
export interface LocalTable {
  address: string;
  name: string;
  partitionKey: string;
  ttlAttribute?: string;
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
}
export interface LocalEventSource {
  address: string;
  functionName: string;
  queueName: string;
  batchSize: number;
  maxConcurrency: number;
  reportBatchItemFailures: boolean;
}
export interface LocalRoute {
  routeKey: string;
  functionName: string;
}
export interface LocalModel {
  queues: LocalQueue[];
  topics: LocalTopic[];
  subscriptions: LocalSubscription[];
  tables: LocalTable[];
  buckets: string[];
  functions: LocalFunction[];
  eventSources: LocalEventSource[];
  routes: LocalRoute[];
  outputs: Record<string, Value>;
}

export interface LocalAccount {
  region: string;
  accountId: string;
  /** Base URL of the SQS endpoint, for queue URLs. */
  sqsEndpoint: string;
  /** Base URL of the API gateway. */
  apiEndpoint: string;
}

/** Types that exist only for AWS's control plane; the emulators have nothing to apply them to. */
const NO_LOCAL_EFFECT = new Set([
  "aws_iam_role",
  "aws_iam_role_policy",
  "aws_kms_key",
  "aws_kms_alias",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_metric_alarm",
  "aws_sns_topic_policy",
  "aws_sqs_queue_policy", // checked: see checkQueuePolicies
  "aws_sqs_queue_redrive_allow_policy",
  "aws_s3_bucket_versioning",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_ownership_controls",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_lifecycle_configuration",
  "aws_apigatewayv2_stage",
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
  "aws_apigatewayv2_api",
  "aws_apigatewayv2_integration",
  "aws_apigatewayv2_route",
]);
const DATA_SOURCES = new Set(["aws_caller_identity", "aws_partition"]);

type Block = Record<string, unknown>;

/** cdktf's construct metadata and arguments that only order or guard Terraform's own work. */
const ORDERING_ONLY = new Set(["//", "depends_on", "lifecycle", "provider"]);

/** Resolves references lazily, each resource's attributes computed once, cycles refused. */
class Resolver {
  private readonly cache = new Map<string, Record<string, Value>>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly plan: TerraformPlan,
    private readonly account: LocalAccount,
  ) {}

  /** A resource's own arguments, without cdktf's metadata and Terraform's ordering meta-arguments. */
  config(type: string, name: string): Block {
    const block = this.plan.resource?.[type]?.[name];
    if (!block) throw new PlanError(`${type}.${name} is referenced but not declared`);
    for (const meta of ["count", "for_each"]) {
      if (meta in block) throw new PlanError(`${type}.${name}: ${meta} is not supported locally`);
    }
    return Object.fromEntries(Object.entries(block).filter(([key]) => !ORDERING_ONLY.has(key)));
  }

  /** A resource's configuration with every expression evaluated. */
  evaluated(type: string, name: string): Record<string, Value> {
    const address = `${type}.${name}`;
    try {
      return evaluateDeep(this.config(type, name), (path) => this.reference(path)) as Record<string, Value>;
    } catch (error) {
      if (error instanceof ExpressionError) throw new PlanError(`${address}: ${error.message}`);
      throw error;
    }
  }

  value(text: string, where: string): Value {
    try {
      return evaluateString(text, (path) => this.reference(path));
    } catch (error) {
      if (error instanceof ExpressionError) throw new PlanError(`${where}: ${error.message}`);
      throw error;
    }
  }

  reference(path: string[]): Value {
    if (path[0] === "data") {
      const [, type, , attribute] = path;
      if (type === "aws_caller_identity" && attribute === "account_id") return this.account.accountId;
      if (type === "aws_partition" && attribute === "partition") return "aws";
      throw new PlanError(`data source reference ${path.join(".")} is not supported locally`);
    }
    const [type, name, attribute] = path;
    if (path.length !== 3) throw new PlanError(`reference ${path.join(".")} is not supported locally`);
    const attributes = this.attributes(type, name);
    if (!(attribute in attributes)) {
      throw new PlanError(
        `${type}.${name}.${attribute} has no local value (known: ${Object.keys(attributes).join(", ")})`,
      );
    }
    return attributes[attribute];
  }

  private attributes(type: string, name: string): Record<string, Value> {
    const address = `${type}.${name}`;
    const cached = this.cache.get(address);
    if (cached) return cached;
    if (this.resolving.has(address)) throw new PlanError(`${address} refers to itself through its references`);
    this.resolving.add(address);
    const own = (key: string) => {
      const raw = this.config(type, name)[key];
      return text(typeof raw === "string" ? this.value(raw, `${address}.${key}`) : (raw as Value | undefined));
    };
    const { region, accountId } = this.account;
    let attributes: Record<string, Value>;
    switch (type) {
      case "aws_sqs_queue": {
        const queueName = own("name");
        const url = `${this.account.sqsEndpoint}/${accountId}/${queueName}`;
        attributes = { name: queueName, id: url, url, arn: `arn:aws:sqs:${region}:${accountId}:${queueName}` };
        break;
      }
      case "aws_sns_topic": {
        const arn = `arn:aws:sns:${region}:${accountId}:${own("name")}`;
        attributes = { name: own("name"), id: arn, arn };
        break;
      }
      case "aws_dynamodb_table":
        attributes = {
          name: own("name"),
          id: own("name"),
          arn: `arn:aws:dynamodb:${region}:${accountId}:table/${own("name")}`,
        };
        break;
      case "aws_s3_bucket":
        attributes = { bucket: own("bucket"), id: own("bucket"), arn: `arn:aws:s3:::${own("bucket")}` };
        break;
      case "aws_lambda_function": {
        const arn = `arn:aws:lambda:${region}:${accountId}:function:${own("function_name")}`;
        attributes = {
          function_name: own("function_name"),
          id: own("function_name"),
          arn,
          invoke_arn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
        };
        break;
      }
      case "aws_iam_role":
        attributes = { name: own("name"), id: own("name"), arn: `arn:aws:iam::${accountId}:role/${own("name")}` };
        break;
      case "aws_kms_key":
        attributes = { id: name, key_id: name, arn: `arn:aws:kms:${region}:${accountId}:key/${name}` };
        break;
      case "aws_cloudwatch_log_group":
        attributes = { name: own("name"), arn: `arn:aws:logs:${region}:${accountId}:log-group:${own("name")}` };
        break;
      case "aws_apigatewayv2_api":
        attributes = {
          id: name,
          api_endpoint: this.account.apiEndpoint,
          execution_arn: `arn:aws:execute-api:${region}:${accountId}:${name}`,
        };
        break;
      default:
        attributes = { id: name };
    }
    this.resolving.delete(address);
    this.cache.set(address, attributes);
    return attributes;
  }
}

/** A single value as a string ("" when unset); an object or a list where one value belongs is refused. */
function text(value: Value | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "object") throw new PlanError(`expected a single value, got ${JSON.stringify(value)}`);
  return String(value);
}
const sqsAttribute = (value: Value | undefined) => (typeof value === "boolean" ? String(value) : text(value));

function resourcesOf(plan: TerraformPlan, type: string): [string, Block][] {
  return Object.entries(plan.resource?.[type] ?? {});
}

function checkTypes(plan: TerraformPlan): void {
  for (const [type, resources] of Object.entries(plan.resource ?? {})) {
    if (HONOURED.has(type) || NO_LOCAL_EFFECT.has(type)) continue;
    const first = Object.keys(resources)[0];
    throw new PlanError(`${type}.${first}: resource type ${type} is not supported by the local runtime`);
  }
  for (const [type, sources] of Object.entries(plan.data ?? {})) {
    if (DATA_SOURCES.has(type)) continue;
    throw new PlanError(
      `data.${type}.${Object.keys(sources)[0]}: data source ${type} is not supported by the local runtime`,
    );
  }
}

function queues(plan: TerraformPlan, r: Resolver): LocalQueue[] {
  return resourcesOf(plan, "aws_sqs_queue").map(([name]) => {
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
      if (key === "name") continue;
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

function topics(plan: TerraformPlan, r: Resolver): LocalTopic[] {
  return resourcesOf(plan, "aws_sns_topic").map(([name]) => {
    const c = r.evaluated("aws_sns_topic", name);
    const mapping: Record<string, string> = {
      fifo_topic: "FifoTopic",
      content_based_deduplication: "ContentBasedDeduplication",
      kms_master_key_id: "KmsMasterKeyId",
      archive_policy: "ArchivePolicy",
      fifo_throughput_scope: "FifoThroughputScope",
    };
    const attributes: Record<string, string> = {};
    for (const [key, value] of Object.entries(c)) {
      if (key === "name") continue;
      if (!(key in mapping)) throw new PlanError(`aws_sns_topic.${name}: argument ${key} is not supported locally`);
      attributes[mapping[key]] = sqsAttribute(value);
    }
    return {
      address: `aws_sns_topic.${name}`,
      name: text(c.name),
      arn: text(r.reference(["aws_sns_topic", name, "arn"])),
      attributes,
    };
  });
}

function subscriptions(plan: TerraformPlan, r: Resolver): LocalSubscription[] {
  const found: LocalSubscription[] = [];
  for (const [name] of resourcesOf(plan, "aws_sns_topic_subscription")) {
    const c = r.evaluated("aws_sns_topic_subscription", name);
    const address = `aws_sns_topic_subscription.${name}`;
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

interface PolicyStatement {
  Effect?: string;
  Principal?: "*" | { Service?: string | string[]; AWS?: string | string[] };
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function admitsTopic(statement: PolicyStatement, queueArn: string, topicArn: string): boolean {
  if (statement.Effect !== "Allow") return false;
  const principal = statement.Principal;
  const snsMaySend = principal === "*" || list(principal?.Service).includes("sns.amazonaws.com");
  const sendAllowed = list(statement.Action).some((a) => a === "sqs:SendMessage" || a === "sqs:*" || a === "*");
  const onQueue = list(statement.Resource).some((res) => res === queueArn || res === "*");
  const conditions = statement.Condition ?? {};
  const sourceArns = [...list(conditions.ArnEquals?.["aws:SourceArn"]), ...list(conditions.ArnLike?.["aws:SourceArn"])];
  const fromTopic = Object.keys(conditions).length === 0 || sourceArns.includes(topicArn);
  return snsMaySend && sendAllowed && onQueue && fromTopic;
}

/**
 * On AWS a subscribed queue whose policy does not let sns.amazonaws.com send from the topic drops
 * every delivery without an error anywhere. The emulator would deliver anyway, so check here.
 */
function checkQueuePolicies(
  plan: TerraformPlan,
  r: Resolver,
  model: Pick<LocalModel, "queues" | "subscriptions">,
): void {
  const policies = resourcesOf(plan, "aws_sqs_queue_policy").map(([name]) => {
    const c = r.evaluated("aws_sqs_queue_policy", name);
    const document = JSON.parse(text(c.policy)) as { Statement: PolicyStatement | PolicyStatement[] };
    const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    return { queueUrl: text(c.queue_url), statements };
  });
  for (const subscription of model.subscriptions) {
    const queue = model.queues.find((q) => q.arn === subscription.queueArn);
    if (!queue)
      throw new PlanError(`${subscription.address}: endpoint ${subscription.queueArn} is not a queue of this plan`);
    const statements = policies.filter((p) => p.queueUrl === queue.url).flatMap((p) => p.statements);
    if (!statements.some((s) => admitsTopic(s, queue.arn, subscription.topicArn))) {
      throw new PlanError(
        `${subscription.address}: the policy of queue ${queue.name} (${queue.address}) does not let sns.amazonaws.com ` +
          `send from ${subscription.topicArn}; on AWS every message to it would be dropped silently`,
      );
    }
  }
}

function functions(plan: TerraformPlan, r: Resolver): LocalFunction[] {
  return resourcesOf(plan, "aws_lambda_function").map(([name]) => {
    const c = r.evaluated("aws_lambda_function", name);
    const address = `aws_lambda_function.${name}`;
    if (!text(c.runtime).startsWith("nodejs"))
      throw new PlanError(`${address}: runtime ${text(c.runtime)} cannot run locally`);
    if (!c.source_code_hash)
      throw new PlanError(`${address}: no source_code_hash; the local runtime runs bundles by their asset hash`);
    const environment = (c.environment as { variables?: Record<string, Value> } | undefined)?.variables ?? {};
    return {
      address,
      name: text(c.function_name),
      arn: text(r.reference(["aws_lambda_function", name, "arn"])),
      bundleHash: text(c.source_code_hash),
      handler: text(c.handler),
      timeoutSeconds: Number(c.timeout ?? 3),
      memoryMb: Number(c.memory_size ?? 128),
      environment: Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, text(v)])),
    };
  });
}

function eventSources(
  plan: TerraformPlan,
  r: Resolver,
  model: Pick<LocalModel, "queues" | "functions">,
): LocalEventSource[] {
  return resourcesOf(plan, "aws_lambda_event_source_mapping").map(([name]) => {
    const c = r.evaluated("aws_lambda_event_source_mapping", name);
    const address = `aws_lambda_event_source_mapping.${name}`;
    const queue = model.queues.find((q) => q.arn === c.event_source_arn);
    if (!queue) throw new PlanError(`${address}: event source ${text(c.event_source_arn)} is not a queue of this plan`);
    const fn = model.functions.find((f) => f.arn === c.function_name || f.name === c.function_name);
    if (!fn) throw new PlanError(`${address}: function ${text(c.function_name)} is not in this plan`);
    const scaling = (c.scaling_config ?? {}) as { maximum_concurrency?: number };
    return {
      address,
      functionName: fn.name,
      queueName: queue.name,
      batchSize: Number(c.batch_size ?? 10),
      maxConcurrency: Number(scaling.maximum_concurrency ?? 2),
      reportBatchItemFailures: ((c.function_response_types ?? []) as string[]).includes("ReportBatchItemFailures"),
    };
  });
}

function routes(plan: TerraformPlan, r: Resolver, model: Pick<LocalModel, "functions">): LocalRoute[] {
  return resourcesOf(plan, "aws_apigatewayv2_route").map(([name]) => {
    const c = r.evaluated("aws_apigatewayv2_route", name);
    const address = `aws_apigatewayv2_route.${name}`;
    const integrationName = /^integrations\/(.+)$/.exec(text(c.target))?.[1];
    const integration = integrationName ? r.evaluated("aws_apigatewayv2_integration", integrationName) : undefined;
    if (!integration || integration.integration_type !== "AWS_PROXY") {
      throw new PlanError(`${address}: only AWS_PROXY Lambda integrations are supported locally`);
    }
    if (integration.payload_format_version !== "2.0") {
      throw new PlanError(
        `${address}: payload format ${text(integration.payload_format_version)} is not supported locally (2.0 is)`,
      );
    }
    const fn = model.functions.find((f) => text(integration.integration_uri).includes(`function:${f.name}/`));
    if (!fn)
      throw new PlanError(
        `${address}: integration target ${text(integration.integration_uri)} is not a function of this plan`,
      );
    return { routeKey: text(c.route_key), functionName: fn.name };
  });
}

/** Everything the local runtime creates and runs for this plan, or a PlanError naming what it cannot. */
export function loadPlan(plan: TerraformPlan, account: LocalAccount): LocalModel {
  checkTypes(plan);
  const r = new Resolver(plan, account);
  const base = { queues: queues(plan, r), topics: topics(plan, r), subscriptions: subscriptions(plan, r) };
  checkQueuePolicies(plan, r, base);
  const fns = functions(plan, r);
  const tables = resourcesOf(plan, "aws_dynamodb_table").map(([name]) => {
    const c = r.evaluated("aws_dynamodb_table", name);
    const ttl = c.ttl as { attribute_name?: string; enabled?: boolean } | undefined;
    return {
      address: `aws_dynamodb_table.${name}`,
      name: text(c.name),
      partitionKey: text(c.hash_key),
      ...(ttl?.enabled ? { ttlAttribute: ttl.attribute_name } : {}),
    };
  });
  const buckets = resourcesOf(plan, "aws_s3_bucket").map(([name]) => text(r.evaluated("aws_s3_bucket", name).bucket));
  const outputs = Object.fromEntries(
    Object.entries(plan.output ?? {}).map(([key, { value }]) => [
      key,
      evaluateDeep(value, (path) => r.reference(path)),
    ]),
  );
  return {
    ...base,
    tables,
    buckets,
    functions: fns,
    eventSources: eventSources(plan, r, { queues: base.queues, functions: fns }),
    routes: routes(plan, r, { functions: fns }),
    outputs,
  };
}
