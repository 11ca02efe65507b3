import { undeliverableReason } from "./email-address";
import type { Currency } from "../contract/events";
import type { ConsumerService } from "../contract/services";

/**
 * Every setting that differs between environments lives here and nowhere else.
 *
 * Values that differ per AWS account (the account ids a stack may touch, the state bucket) can be
 * overridden with environment variables, so a fork deploys to its own accounts without editing code:
 *
 *   ORDER_FANOUT_STATE_BUCKET              state bucket for every AWS environment
 *   ORDER_FANOUT_<ENV>_ACCOUNT_IDS         comma-separated 12-digit ids, e.g. ORDER_FANOUT_PROD_ACCOUNT_IDS
 *   ORDER_FANOUT_<ENV>_ROLE_ARN            role the provider and the state backend assume (another account;
 *                                          an engineer's deploy, never CI's)
 *   ORDER_FANOUT_<ENV>_PLAN_ROLE_ARN       CI's read-only plan role: the state bucket lets it read the state
 *   ORDER_FANOUT_<ENV>_APPLY_ROLE_ARN      CI's deploy role (protected environment): it may keep the state
 *   ORDER_FANOUT_<ENV>_ALARM_EMAIL         where the ops topic sends alarm e-mails (required to deploy)
 *   ORDER_FANOUT_<ENV>_SENDER_EMAIL        the address the notification service sends from (required to deploy)
 *   ORDER_FANOUT_<ENV>_SENDER_IDENTITY     `address` (default: SES verifies that one address) or `domain`
 *                                          (SES verifies its domain with Easy DKIM)
 *   ORDER_FANOUT_<ENV>_ACCOUNT_CONCURRENCY the account's Lambda concurrency quota in the region (default 1000;
 *                                          prod is designed for a raised quota, see docs/scale.md)
 *   ORDER_FANOUT_<ENV>_TABLE_READ_QUOTA    the account's DynamoDB table-level read and write throughput
 *   ORDER_FANOUT_<ENV>_TABLE_WRITE_QUOTA   quotas in the region (default 40000 each; prod is designed for raised ones)
 *
 * A value only a deployment needs (sender, alarm recipient) may be missing at synth: the stack
 * turns it into a Terraform variable whose validation stops `terraform plan` and `cdktf deploy`
 * with a message naming the variable. A value that is given but malformed fails here, at synth.
 */

export const ENVIRONMENT_NAMES = ["dev", "staging", "prod", "local"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/**
 * A local state file in the project's root, wherever terraform runs: cdktf and `terraform -chdir`
 * run in cdktf.out/stacks/<stack>/, which every `npm run synth` deletes and recreates.
 */
export function localStatePath(stack: string): string {
  return `../../../terraform.${stack}.tfstate`;
}

/** Where a stack keeps its Terraform state. */
export type StateSettings =
  { kind: "s3"; bucket: string; key: string; region: string } | { kind: "local"; path: string };

export interface EnvironmentSettings {
  /** Which environment: it names the stack (`order-fanout-<name>`) and the ORDER_FANOUT_<NAME>_* variables. */
  readonly name: EnvironmentName;
  /** The AWS region everything is deployed in. */
  readonly region: string;
  /** The provider refuses to act on any other account; empty means not pinned. */
  readonly allowedAccountIds: string[];
  /** Prefix of every resource name, e.g. `order-fanout-prod`. */
  readonly namePrefix: string;
  /** Where the stack keeps its Terraform state: an S3 key per AWS environment, a local file for `local`. */
  readonly state: StateSettings;
  /** Days every log group keeps logs: one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, …). */
  readonly logRetentionDays: number;
  /**
   * Every function's memory (128 to 10,240 MB) and timeout (1 to 900 s; the sweep keeps its own);
   * the subscriber queues' visibility timeout is 6 × that timeout.
   */
  readonly lambda: { readonly memoryMb: number; readonly timeoutSeconds: number };
  /** The orders/s the environment is sized for; `npm run capacity` checks every part against it. */
  readonly peakOrdersPerSecond: number;
  /**
   * Event source mapping of each consumer: a FIFO queue allows at most 10 per batch; maximum
   * concurrency is 2 to 1,000 per mapping. Sized from the measured handler times (docs/capacity.md).
   */
  readonly eventSource: {
    readonly batchSize: number;
    readonly maxConcurrency: Readonly<Record<ConsumerService, number>>;
  };
  /** Receives before a message moves to its queue's dead-letter queue. */
  readonly maxReceiveCount: number;
  /** Seconds a dead-letter queue keeps a message, 60 to 1,209,600 (14 days, the SQS maximum). */
  readonly dlqRetentionSeconds: number;
  /** SNS/SQS FIFO high-throughput mode (per message group quotas instead of per queue). */
  readonly highThroughputFifo: boolean;
  /** Days SNS keeps published messages for replay; 0 turns the archive off. */
  readonly snsArchiveRetentionDays: number;
  /** Orders at or above this total (cents, per currency) are sent to the review service. */
  readonly reviewThresholdCents: Readonly<Record<Currency, number>>;
  /** `NONE` only where nothing is deployed to AWS (the local stack); FanoutStack refuses it elsewhere. */
  readonly apiAuthorization: "AWS_IAM" | "NONE";
  /** The API stage's throttle: requests in a burst, and requests per second in steady state. */
  readonly apiThrottle: { readonly burstLimit: number; readonly rateLimit: number };
  /** Concurrency reserved for the orders API, so consumers scaling up cannot starve it. */
  readonly apiReservedConcurrency: number;
  /** The API's p99 latency (ms) above which the on-call engineer is alarmed. */
  readonly apiLatencyAlarmMs: number;
  /** The account's Lambda concurrency quota in the region; synth refuses settings that exceed it. */
  readonly accountConcurrency: number;
  /**
   * The account's DynamoDB table-level throughput quotas in the region (Service Quotas: Amazon
   * DynamoDB › Table-level read throughput limit, L-CF0CBE56, and write, L-AB614373): the most
   * warm throughput a table may ask for. Synth refuses warm throughput above them: a deploy
   * that asks for more fails on AWS's side, after the plan was approved.
   * @default 40,000 read and 40,000 write units (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html)
   */
  readonly tableThroughputQuota: WarmThroughput;
  /** IAM role the provider and the S3 backend assume; unset means the caller's own credentials. */
  readonly roleArn?: string;
  /** Where alarms are e-mailed; unset at synth, the deployment asks for it (see FanoutStack). */
  readonly alarmEmail?: string;
  /**
   * Protects tables from deletion (with point-in-time recovery) and the documents bucket from
   * `destroy`; without it, destroy also empties the bucket.
   */
  readonly deletionProtection: boolean;
  /**
   * Warm throughput per table (units/s it can serve at once, without on-demand's scaling steps):
   * for a known peak, so the first minutes of it are not throttled while partitions split.
   * Raising it is charged once; it cannot be lowered.
   */
  readonly warmThroughput?: Partial<Record<TableKind, WarmThroughput>>;
  /** How the notification service sends e-mail. */
  readonly notification: NotificationSettings;
  /** Orders whose events are unpublished for less than this are left to the relay by the sweep. */
  readonly outboxSweepGraceSeconds: number;
  /**
   * How long the relay retries a failing stream record before giving it up to its failures queue
   * (the sweep then publishes its order): retries, and the record's age (-1: until it expires).
   */
  readonly outboxRelayRetry: { readonly maxRetryAttempts: number; readonly maxRecordAgeSeconds: number };
  /** Tags every resource of the stack gets (the provider's default tags). */
  readonly tags: Record<string, string>;
}

/**
 * How the notification service sends: through SES v2 and the stack's own identity, either the one
 * sender address or its whole domain (Easy DKIM). The local stack too: the local runtime answers
 * SES v2 itself (local/emulation/ses.ts) with the identity and configuration set of the plan.
 */
export interface NotificationSettings {
  /** Through SES v2: the one transport, on AWS and in the local runtime. */
  readonly transport: "ses";
  /** Unset at synth, the deployment asks for it (see FanoutStack). */
  readonly senderEmail?: string;
  /** What SES verifies: the sender address alone, or its whole domain (Easy DKIM). See SenderIdentity. */
  readonly senderIdentity: "address" | "domain";
  /**
   * The account's SES maximum send rate (e-mails/s, counted per recipient) in the region; the
   * notification service paces itself to it, so a peak queues e-mails instead of failing them
   * (lambda-src/notification). Sandbox: 1/s; AWS publishes no production starting rate
   * (https://docs.aws.amazon.com/ses/latest/dg/quotas.html): `npm run ops -- quotas` reads the
   * account's real one.
   */
  readonly maxSendRate: number;
  /**
   * The account's SES sending quota: e-mails in any 24 hours (a rolling window, not a day;
   * https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html). Sandbox: 200. The
   * `email-daily-quota` alarm fires at 80 % of it; SES refuses sends beyond it.
   */
  readonly dailyQuota: number;
  /**
   * What the service promises at the design peak: `percent` of e-mails sent within
   * `withinMinutes` of the order; its queue pages when an e-mail waits longer. docs/scale.md
   * simulates the peak against it. Unset where the account's rate cannot carry the design peak
   * (the SES sandbox): no promise, and the queue pages when an e-mail is a day late.
   */
  readonly objective?: EmailObjective;
}

export interface EmailObjective {
  readonly percent: number;
  readonly withinMinutes: number;
}

/**
 * Days the notification service remembers each e-mail it sent (its idempotency records): two
 * weeks, and never less than the topic archives events, so no replay reaches past them.
 */
export function emailRecordDays(settings: Pick<EnvironmentSettings, "snsArchiveRetentionDays">): number {
  return Math.max(14, settings.snsArchiveRetentionDays);
}

/** One state bucket holds the state of every AWS environment, each under its own key. */
const DEFAULT_STATE_BUCKET = "order-fanout-terraform-state";
export const STATE_REGION = "eu-west-1";

export interface WarmThroughput {
  /** Reads per second served at once, at least 12,000 (DynamoDB's minimum). */
  readonly readUnitsPerSecond: number;
  /** Writes per second served at once, at least 4,000 (DynamoDB's minimum). */
  readonly writeUnitsPerSecond: number;
}

type Overridable = "allowedAccountIds" | "alarmEmail" | "roleArn";
type BaseSettings = Omit<EnvironmentSettings, "name" | "state" | "namePrefix" | Overridable>;

/** What every environment shares unless it says otherwise. */
const COMMON = {
  region: "eu-west-1",
  lambda: { memoryMb: 1024, timeoutSeconds: 10 },
  maxReceiveCount: 5,
  dlqRetentionSeconds: 14 * 24 * 3600,
  reviewThresholdCents: { EUR: 100_000, USD: 110_000, GBP: 85_000 },
  apiLatencyAlarmMs: 1000,
  deletionProtection: false,
  // The relay publishes within seconds; the sweep is for what its stream missed.
  outboxSweepGraceSeconds: 120,
  // Only a service failing makes the relay fail (an entry it cannot publish is refused and logged):
  // it rides out an hour of SNS or KMS trouble itself, every shard in parallel, before the sweep,
  // which drains far slower, takes over.
  outboxRelayRetry: { maxRetryAttempts: 10_000, maxRecordAgeSeconds: 3600 },
} as const;

/**
 * Every AWS environment sends through SES; the address comes from ORDER_FANOUT_<ENV>_SENDER_EMAIL.
 * The rate and 24-hour quota are the account's (sandbox: 1/s and 200).
 */
const ses = (maxSendRate: number, dailyQuota: number, objective?: EmailObjective): NotificationSettings => ({
  transport: "ses",
  senderIdentity: "address",
  maxSendRate,
  dailyQuota,
  ...(objective ? { objective } : {}),
});

/** 99 % of confirmations sent within 15 minutes of the order, where the SES rate carries the peak. */
const CONFIRMATIONS_WITHIN_15_MINUTES: EmailObjective = { percent: 99, withinMinutes: 15 };

/** Lambda's default concurrency quota per account and region. */
const DEFAULT_ACCOUNT_CONCURRENCY = 1000;
/** DynamoDB's default table-level throughput quotas per account and region (on-demand tables). */
const DEFAULT_TABLE_QUOTA: WarmThroughput = { readUnitsPerSecond: 40_000, writeUnitsPerSecond: 40_000 };

/** The same maximum concurrency for every consumer. */
const everyConsumer = (n: number) => ({ inventory: n, billing: n, notification: n, review: n });

const BASE: Record<EnvironmentName, BaseSettings> = {
  dev: {
    ...COMMON,
    logRetentionDays: 14,
    lambda: { memoryMb: 512, timeoutSeconds: 10 },
    peakOrdersPerSecond: 10,
    eventSource: { batchSize: 10, maxConcurrency: everyConsumer(2) },
    maxReceiveCount: 3,
    dlqRetentionSeconds: 4 * 24 * 3600,
    highThroughputFifo: false,
    snsArchiveRetentionDays: 0,
    apiAuthorization: "AWS_IAM",
    apiThrottle: { burstLimit: 50, rateLimit: 20 },
    apiReservedConcurrency: 10,
    accountConcurrency: DEFAULT_ACCOUNT_CONCURRENCY,
    tableThroughputQuota: DEFAULT_TABLE_QUOTA,
    // The SES sandbox.
    notification: ses(1, 200),
    tags: { project: "order-fanout", environment: "dev" },
  },
  staging: {
    ...COMMON,
    logRetentionDays: 30,
    peakOrdersPerSecond: 100,
    eventSource: { batchSize: 10, maxConcurrency: everyConsumer(5) },
    highThroughputFifo: true,
    snsArchiveRetentionDays: 7,
    apiAuthorization: "AWS_IAM",
    apiThrottle: { burstLimit: 200, rateLimit: 100 },
    apiReservedConcurrency: 50,
    accountConcurrency: DEFAULT_ACCOUNT_CONCURRENCY,
    tableThroughputQuota: DEFAULT_TABLE_QUOTA,
    // What the staging account was granted (AWS publishes no production start; `npm run ops --
    // quotas --env staging` compares these with the account's).
    notification: ses(14, 50_000),
    tags: { project: "order-fanout", environment: "staging" },
  },
  prod: {
    ...COMMON,
    logRetentionDays: 90,
    // A 10,000 orders/s peak (docs/scale.md): every figure below is checked by `npm run capacity`
    // and simulated by `npm run simulate -- --env prod --profile model/profiles/black-friday.json`.
    peakOrdersPerSecond: 10_000,
    // Concurrency ≈ messages/s × time a message (p95, measured) with headroom; notification's 1,000
    // senders (a mapping's most) share the SES rate, one e-mail each per 100 ms. That is above a
    // message's p95 in bench/results.json (73 ms), taken as its time on AWS (an assumption: the
    // local SES answers at once; a slower day on the laptop measured up to 101 ms), and whatever
    // SES cannot take yet waits in its queue. Maximum concurrency, not
    // provisioned pollers: AWS documents provisioned mode for SQS sources without saying FIFO
    // queues are supported, and it cannot be combined with maximum concurrency
    // (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html).
    eventSource: { batchSize: 10, maxConcurrency: { inventory: 600, billing: 600, notification: 1000, review: 200 } },
    highThroughputFifo: true,
    snsArchiveRetentionDays: 30,
    apiAuthorization: "AWS_IAM",
    // The account's API Gateway quota is 10,000 requests/s with a burst of 5,000 (raise the rate:
    // docs/scale.md); the stage may use all of it.
    apiThrottle: { burstLimit: 5000, rateLimit: 10_000 },
    apiReservedConcurrency: 1000,
    // The quota prod is designed for (a raise from 1,000); ORDER_FANOUT_PROD_ACCOUNT_CONCURRENCY
    // states the account's real one, and synth refuses settings above it.
    accountConcurrency: 3500,
    // The table-level quotas prod's warm throughput needs (raises from 40,000 each, requested
    // before the first deploy); ORDER_FANOUT_PROD_TABLE_READ_QUOTA and _TABLE_WRITE_QUOTA state the
    // account's real ones, and synth refuses warm throughput above them.
    tableThroughputQuota: { readUnitsPerSecond: 60_000, writeUnitsPerSecond: 150_000 },
    deletionProtection: true,
    // An order's item takes about 14 write units in its life (docs/scale.md): 141,000/s at the peak.
    warmThroughput: {
      orders: { readUnitsPerSecond: 60_000, writeUnitsPerSecond: 150_000 },
      products: { readUnitsPerSecond: 30_000, writeUnitsPerSecond: 30_000 },
      // Two writes an e-mail (Powertools' in-progress and completed records) at the SES rate, with
      // half again as headroom; reads are DynamoDB's least for warm throughput.
      idempotency: { readUnitsPerSecond: 12_000, writeUnitsPerSecond: 30_000 },
    },
    // Confirmations keep up with orders at the peak: 99 % are sent within 15 minutes (simulated,
    // docs/scale.md). A second e-mail (rejection, cancellation) for one order in ten, which the
    // simulation does not count, would back an hour's peak up by about 6 minutes more (1,000/s ×
    // 3,600 s ÷ 10,000/s), still inside the objective. The day's e-mails need the 24-hour quota
    // below; both are raises to request (docs/scale.md).
    notification: ses(10_000, 135_000_000, CONFIRMATIONS_WITHIN_15_MINUTES),
    tags: { project: "order-fanout", environment: "prod" },
  },
  // Runs in the embedded emulators (npm start); never applied to AWS.
  local: {
    ...COMMON,
    region: "us-east-1",
    logRetentionDays: 1,
    // A failed message is visible again after 30 s (6 × timeout). Batches of 5 finish well inside
    // the timeout on a 2-core laptop running both emulators. Two pollers per queue (the least AWS
    // allows): with four, the 16 consumer environments only shared the same two cores more thinly.
    // Measured on 2 cores, four vs two: e2e suite p95 a message 0.6 vs 0.35 s; `npm run bench --
    // --quick --only fanout` (twice each) 15.4-18.6 vs 20.7-21.6 orders/s.
    lambda: { memoryMb: 512, timeoutSeconds: 5 },
    peakOrdersPerSecond: 20,
    eventSource: { batchSize: 5, maxConcurrency: everyConsumer(2) },
    maxReceiveCount: 3,
    highThroughputFifo: false,
    // The runtime's SNS endpoint keeps the archive and answers ReplayPolicy (local/emulation/sns-archive.ts).
    snsArchiveRetentionDays: 1,
    apiAuthorization: "NONE",
    apiThrottle: { burstLimit: 500, rateLimit: 500 },
    apiReservedConcurrency: 10,
    accountConcurrency: DEFAULT_ACCOUNT_CONCURRENCY,
    tableThroughputQuota: DEFAULT_TABLE_QUOTA,
    // No account rate locally: high enough that pacing never holds the local flow up.
    notification: { ...ses(1000, 1_000_000, CONFIRMATIONS_WITHIN_15_MINUTES), senderEmail: "orders@localhost" },
    // Shorter, so that a fault lifted in a local scenario is swept within a minute or so, and a
    // refused publish reaches the failures queue within half a minute.
    outboxSweepGraceSeconds: 15,
    outboxRelayRetry: { maxRetryAttempts: 10, maxRecordAgeSeconds: -1 },
    tags: { project: "order-fanout", environment: "local" },
  },
};

/** Raised for a setting that is missing or malformed; the message names the variable to set. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SettingsError";
  }
}

const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

function accountIdsFrom(variable: string, value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [];
  const ids = value.split(",").map((id) => id.trim());
  const bad = ids.find((id) => !ACCOUNT_ID.test(id));
  if (bad !== undefined) {
    throw new SettingsError(`${variable} must be comma-separated 12-digit AWS account ids; "${bad}" is not one`);
  }
  return ids;
}

function stateBucket(env: NodeJS.ProcessEnv, requiredBy: string): string {
  const bucket = env.ORDER_FANOUT_STATE_BUCKET ?? DEFAULT_STATE_BUCKET;
  if (bucket.trim() === "") {
    throw new SettingsError(
      `${requiredBy} has no state bucket: set ORDER_FANOUT_STATE_BUCKET to the bucket the state-bootstrap stack created`,
    );
  }
  return bucket;
}

function stateFor(name: EnvironmentName, env: NodeJS.ProcessEnv): StateSettings {
  if (name === "local") return { kind: "local", path: localStatePath("order-fanout-local") };
  const bucket = stateBucket(env, `environment "${name}"`);
  return { kind: "s3", bucket, key: `order-fanout/${name}/terraform.tfstate`, region: STATE_REGION };
}

export type TableKind = "orders" | "products" | "idempotency";

/** The name of one of an environment's tables, for the stack and the operator commands alike. */
export function tableName(settings: Pick<EnvironmentSettings, "namePrefix">, table: TableKind): string {
  return `${settings.namePrefix}-${table}`;
}

/** CloudWatch namespace of the functions' own metrics (Powertools Metrics, EMF), one per environment. */
export function metricsNamespace(settings: Pick<EnvironmentSettings, "name">): string {
  return `order-fanout/${settings.name}`;
}

/** The name of the variable that sets `setting` for environment `name`, e.g. ORDER_FANOUT_DEV_SENDER_EMAIL. */
export function variableName(name: EnvironmentName, setting: string): string {
  return `ORDER_FANOUT_${name.toUpperCase()}_${setting}`;
}

/** A variable's value, or undefined when it is unset or blank. */
function given(env: NodeJS.ProcessEnv, variable: string): string | undefined {
  const value = env[variable]?.trim();
  return value ? value : undefined;
}

/** An address mail can reach, checked where it is given (see email-address.ts for the rule). */
function deliverableAddress(variable: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const problem = undeliverableReason(value);
  if (problem) throw new SettingsError(`${variable} ${problem}`);
  return value;
}

function roleArnFrom(variable: string, value: string | undefined): string | undefined {
  if (value === undefined || ROLE_ARN.test(value)) return value;
  throw new SettingsError(
    `${variable} must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>), got "${value}"`,
  );
}

/** A quota the account states in `variable` (what Service Quotas shows), or the one the environment is designed for. */
function quotaFrom(variable: string, value: string | undefined, designed: number, what: string): number {
  if (value === undefined) return designed;
  const quota = Number(value);
  if (!Number.isInteger(quota) || quota < 1)
    throw new SettingsError(`${variable} must be the account's ${what}, a whole number; got "${value}"`);
  return quota;
}

function notificationFrom(
  name: EnvironmentName,
  env: NodeJS.ProcessEnv,
  base: NotificationSettings,
): NotificationSettings {
  const identityVariable = variableName(name, "SENDER_IDENTITY");
  const senderIdentity = given(env, identityVariable) ?? base.senderIdentity;
  if (senderIdentity !== "address" && senderIdentity !== "domain")
    throw new SettingsError(`${identityVariable} must be "address" or "domain", got "${senderIdentity}"`);
  const senderVariable = variableName(name, "SENDER_EMAIL");
  const senderEmail = deliverableAddress(senderVariable, given(env, senderVariable));
  return { ...base, senderIdentity, ...(senderEmail ? { senderEmail } : {}) };
}

/**
 * The settings of one environment, with account-specific values taken from `env` when set.
 * Throws a SettingsError naming the variable when a value is present but unusable.
 */
export function environmentSettings(name: EnvironmentName, env: NodeJS.ProcessEnv = process.env): EnvironmentSettings {
  const base = BASE[name];
  const accountVariable = variableName(name, "ACCOUNT_IDS");
  const alarmVariable = variableName(name, "ALARM_EMAIL");
  const alarmEmail = deliverableAddress(alarmVariable, given(env, alarmVariable));
  const roleVariable = variableName(name, "ROLE_ARN");
  const roleArn = roleArnFrom(roleVariable, given(env, roleVariable));
  const concurrencyVariable = variableName(name, "ACCOUNT_CONCURRENCY");
  const readQuotaVariable = variableName(name, "TABLE_READ_QUOTA");
  const writeQuotaVariable = variableName(name, "TABLE_WRITE_QUOTA");
  return {
    ...base,
    name,
    namePrefix: `order-fanout-${name}`,
    state: stateFor(name, env),
    allowedAccountIds: accountIdsFrom(accountVariable, env[accountVariable]),
    accountConcurrency: quotaFrom(
      concurrencyVariable,
      given(env, concurrencyVariable),
      base.accountConcurrency,
      "Lambda concurrency quota",
    ),
    tableThroughputQuota: {
      readUnitsPerSecond: quotaFrom(
        readQuotaVariable,
        given(env, readQuotaVariable),
        base.tableThroughputQuota.readUnitsPerSecond,
        "DynamoDB table-level read throughput quota",
      ),
      writeUnitsPerSecond: quotaFrom(
        writeQuotaVariable,
        given(env, writeQuotaVariable),
        base.tableThroughputQuota.writeUnitsPerSecond,
        "DynamoDB table-level write throughput quota",
      ),
    },
    ...(roleArn ? { roleArn } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    notification: notificationFrom(name, env, base.notification),
  };
}

/**
 * A role that keeps one environment's state: it may read, and unless `readOnly` write, only under
 * that key's folder.
 */
export interface StateAccessRole {
  /** The role, in the environment's account. */
  readonly roleArn: string;
  /** e.g. `order-fanout/dev/` */
  readonly keyPrefix: string;
  /** A plan role: it reads the state and takes no lock. */
  readonly readOnly: boolean;
}

/**
 * Settings of the state-bootstrap stack: the bucket every AWS environment keeps its state in, and
 * the roles that reach it from other accounts: ORDER_FANOUT_<ENV>_ROLE_ARN (an engineer's deploy
 * through the provider's assume_role) and ORDER_FANOUT_<ENV>_APPLY_ROLE_ARN (CI's apply) read and
 * write, ORDER_FANOUT_<ENV>_PLAN_ROLE_ARN (CI's plans) only reads.
 */
export function stateBootstrapSettings(env: NodeJS.ProcessEnv = process.env) {
  const accessRoles: StateAccessRole[] = ENVIRONMENT_NAMES.filter((name) => name !== "local").flatMap((name) => {
    const settings = environmentSettings(name, env);
    if (settings.state.kind !== "s3") return [];
    const keyPrefix = settings.state.key.replace(/[^/]+$/, "");
    const role = (kind: string) => roleArnFrom(variableName(name, kind), given(env, variableName(name, kind)));
    return [
      { roleArn: settings.roleArn, readOnly: false },
      { roleArn: role("APPLY_ROLE_ARN"), readOnly: false },
      { roleArn: role("PLAN_ROLE_ARN"), readOnly: true },
    ].flatMap(({ roleArn, readOnly }) => (roleArn ? [{ roleArn, keyPrefix, readOnly }] : []));
  });
  return {
    bucket: stateBucket(env, "the state-bootstrap stack"),
    region: STATE_REGION,
    accessRoles,
    tags: { project: "order-fanout", purpose: "terraform-state" },
  };
}
