/**
 * Every setting that differs between environments lives here and nowhere else.
 *
 * Values that differ per AWS account (the account ids a stack may touch, the state bucket) can be
 * overridden with environment variables, so a fork deploys to its own accounts without editing code:
 *
 *   ORDER_FANOUT_STATE_BUCKET          state bucket for every AWS environment
 *   ORDER_FANOUT_<ENV>_ACCOUNT_IDS     comma-separated 12-digit ids, e.g. ORDER_FANOUT_PROD_ACCOUNT_IDS
 *   ORDER_FANOUT_<ENV>_ALARM_EMAIL     where the ops topic sends alarm e-mails
 *   ORDER_FANOUT_<ENV>_SENDER_EMAIL    the SES identity the notification service sends from
 */

export const ENVIRONMENT_NAMES = ["dev", "staging", "prod", "local"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** Where a stack keeps its Terraform state. */
export type StateSettings =
  { kind: "s3"; bucket: string; key: string; region: string } | { kind: "local"; path: string };

export interface EnvironmentSettings {
  readonly name: EnvironmentName;
  readonly region: string;
  /** The provider refuses to act on any other account; empty means not pinned. */
  readonly allowedAccountIds: string[];
  /** Prefix of every resource name, e.g. `order-fanout-prod`. */
  readonly namePrefix: string;
  readonly state: StateSettings;
  readonly logRetentionDays: number;
  readonly lambda: { readonly memoryMb: number; readonly timeoutSeconds: number };
  /** Event source mapping of each consumer. A FIFO queue allows at most 10 per batch. */
  readonly eventSource: { readonly batchSize: number; readonly maxConcurrency: number };
  /** Receives before a message moves to its queue's dead-letter queue. */
  readonly maxReceiveCount: number;
  readonly dlqRetentionSeconds: number;
  /** SNS/SQS FIFO high-throughput mode (per message group quotas instead of per queue). */
  readonly highThroughputFifo: boolean;
  /** Days SNS keeps published messages for replay; 0 turns the archive off. */
  readonly snsArchiveRetentionDays: number;
  /** Orders at or above this total (cents) are sent to the review service. */
  readonly reviewThresholdCents: number;
  readonly apiAuthorization: "AWS_IAM" | "NONE";
  readonly apiThrottle: { readonly burstLimit: number; readonly rateLimit: number };
  readonly alarmEmail?: string;
  /** Protects tables from deletion and turns on point-in-time recovery. */
  readonly deletionProtection: boolean;
  readonly notification: { readonly transport: "ses" | "outbox"; readonly senderEmail: string };
  readonly tags: Record<string, string>;
}

/** One state bucket holds the state of every AWS environment, each under its own key. */
const DEFAULT_STATE_BUCKET = "order-fanout-terraform-state";
export const STATE_REGION = "eu-west-1";

type Overridable = "allowedAccountIds" | "alarmEmail";
type BaseSettings = Omit<EnvironmentSettings, "name" | "state" | "namePrefix" | Overridable> & {
  readonly alarmEmail?: string;
};

/** What every environment shares unless it says otherwise. */
const COMMON = {
  region: "eu-west-1",
  lambda: { memoryMb: 1024, timeoutSeconds: 10 },
  maxReceiveCount: 5,
  dlqRetentionSeconds: 14 * 24 * 3600,
  reviewThresholdCents: 100_000,
  deletionProtection: false,
} as const;

const BASE: Record<EnvironmentName, BaseSettings> = {
  dev: {
    ...COMMON,
    logRetentionDays: 14,
    lambda: { memoryMb: 512, timeoutSeconds: 10 },
    eventSource: { batchSize: 10, maxConcurrency: 2 },
    maxReceiveCount: 3,
    dlqRetentionSeconds: 4 * 24 * 3600,
    highThroughputFifo: false,
    snsArchiveRetentionDays: 0,
    apiAuthorization: "NONE",
    apiThrottle: { burstLimit: 50, rateLimit: 20 },
    notification: { transport: "ses", senderEmail: "orders-dev@example.com" },
    tags: { project: "order-fanout", environment: "dev" },
  },
  staging: {
    ...COMMON,
    logRetentionDays: 30,
    eventSource: { batchSize: 10, maxConcurrency: 5 },
    highThroughputFifo: true,
    snsArchiveRetentionDays: 7,
    apiAuthorization: "AWS_IAM",
    apiThrottle: { burstLimit: 200, rateLimit: 100 },
    notification: { transport: "ses", senderEmail: "orders-staging@example.com" },
    tags: { project: "order-fanout", environment: "staging" },
  },
  prod: {
    ...COMMON,
    logRetentionDays: 90,
    eventSource: { batchSize: 10, maxConcurrency: 20 },
    highThroughputFifo: true,
    snsArchiveRetentionDays: 30,
    apiAuthorization: "AWS_IAM",
    apiThrottle: { burstLimit: 1000, rateLimit: 500 },
    deletionProtection: true,
    notification: { transport: "ses", senderEmail: "orders@example.com" },
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
    eventSource: { batchSize: 5, maxConcurrency: 2 },
    maxReceiveCount: 3,
    highThroughputFifo: false,
    snsArchiveRetentionDays: 0,
    apiAuthorization: "NONE",
    apiThrottle: { burstLimit: 500, rateLimit: 500 },
    notification: { transport: "outbox", senderEmail: "orders@localhost" },
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
  if (name === "local") return { kind: "local", path: "terraform.order-fanout-local.tfstate" };
  const bucket = stateBucket(env, `environment "${name}"`);
  return { kind: "s3", bucket, key: `order-fanout/${name}/terraform.tfstate`, region: STATE_REGION };
}

/**
 * The settings of one environment, with account-specific values taken from `env` when set.
 * Throws a SettingsError naming the variable when a value is present but unusable.
 */
export function environmentSettings(name: EnvironmentName, env: NodeJS.ProcessEnv = process.env): EnvironmentSettings {
  const upper = name.toUpperCase();
  const base = BASE[name];
  const accountVariable = `ORDER_FANOUT_${upper}_ACCOUNT_IDS`;
  const alarmEmail = env[`ORDER_FANOUT_${upper}_ALARM_EMAIL`] ?? base.alarmEmail;
  const senderEmail = env[`ORDER_FANOUT_${upper}_SENDER_EMAIL`] ?? base.notification.senderEmail;
  return {
    ...base,
    name,
    namePrefix: `order-fanout-${name}`,
    state: stateFor(name, env),
    allowedAccountIds: accountIdsFrom(accountVariable, env[accountVariable]),
    ...(alarmEmail ? { alarmEmail } : {}),
    notification: { ...base.notification, senderEmail },
  };
}

/** Settings of the state-bootstrap stack: the bucket every AWS environment keeps its state in. */
export function stateBootstrapSettings(env: NodeJS.ProcessEnv = process.env) {
  return {
    bucket: stateBucket(env, "the state-bootstrap stack"),
    region: STATE_REGION,
    tags: { project: "order-fanout", purpose: "terraform-state" },
  };
}
