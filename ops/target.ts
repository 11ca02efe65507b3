/**
 * What an operator command acts on, from `--env <name>`: the environment's settings, its region,
 * its table names, and the AWS SDK configuration that reaches it. One code path for AWS and for
 * the local runtime: only the client configuration differs.
 */
import { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSClientConfig } from "@aws-sdk/client-sqs";
import type { LambdaClientConfig } from "@aws-sdk/client-lambda";
import {
  ENVIRONMENT_NAMES,
  EnvironmentName,
  EnvironmentSettings,
  environmentSettings,
  TableKind,
  tableName,
} from "../stacks/environments";
import { DEFAULT_PORTS, LOCAL_CREDENTIALS, LOCAL_REGION } from "../contract/local-endpoints";
import { deadLetterName } from "../stacks/constructs/fifo";
import { CONSUMER_SERVICES, ConsumerService } from "../contract/services";

export interface OpsTarget {
  readonly settings: EnvironmentSettings;
  readonly region: string;
  readonly tables: Readonly<Record<TableKind, string>>;
  /**
   * AWS environments: the environment's region and the default credential chain (AWS_PROFILE,
   * SSO, environment variables, instance role). `local`: the emulators' region, credentials and
   * DynamoDB endpoint.
   */
  readonly dynamodb: DynamoDBClientConfig;
  /**
   * The same for SQS; `local`: the runtime's SNS/SQS/S3 endpoint (AWS_ENDPOINT_URL_SQS, default
   * http://localhost:4566), which also serves SQS's message move tasks (local/emulation/move-tasks.ts).
   */
  readonly sqs: SQSClientConfig;
  /** Lambda's Invoke; `local`: the same endpoint as SQS (local/emulation/lambda-invoke.ts). */
  readonly lambda: LambdaClientConfig;
  /**
   * The account's own figures (Lambda's account settings, Service Quotas, SES's account): the
   * region and credential chain; `local`: the same endpoint as SQS, which answers them.
   */
  readonly account: {
    readonly region: string;
    readonly endpoint?: string;
    readonly credentials?: typeof LOCAL_CREDENTIALS;
  };
  /** CloudWatch and CloudWatch Logs: AWS environments only (the local runtime has neither). */
  readonly cloudwatch?: { region: string };
  /** `local` only: the runtime's HTTP endpoint, for `/_local/status` (LOCAL_API_URL, default http://localhost:3000). */
  readonly localApi?: string;
  /** For messages: `dev (eu-west-1)` or `local (http://localhost:8000)`. */
  readonly description: string;
}

export class UnknownEnvironmentError extends Error {
  constructor(name: string) {
    super(`unknown environment "${name}": use one of ${ENVIRONMENT_NAMES.join(", ")}`);
    this.name = "UnknownEnvironmentError";
  }
}

function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/** `vars` stands for process.env: the settings' overrides and, for `local`, AWS_ENDPOINT_URL_DYNAMODB. */
export function resolveTarget(name: string, vars: NodeJS.ProcessEnv = process.env): OpsTarget {
  if (!isEnvironmentName(name)) throw new UnknownEnvironmentError(name);
  const settings = environmentSettings(name, vars);
  const tables = {
    orders: tableName(settings, "orders"),
    products: tableName(settings, "products"),
    idempotency: tableName(settings, "idempotency"),
  };
  if (name === "local") {
    const endpoint = vars.AWS_ENDPOINT_URL_DYNAMODB ?? `http://localhost:${DEFAULT_PORTS.dynamodb}`;
    const sqsEndpoint = vars.AWS_ENDPOINT_URL_SQS ?? `http://localhost:${DEFAULT_PORTS.aws}`;
    return {
      settings,
      region: LOCAL_REGION,
      tables,
      dynamodb: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint },
      sqs: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: sqsEndpoint },
      lambda: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: sqsEndpoint },
      account: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: sqsEndpoint },
      localApi: vars.LOCAL_API_URL ?? `http://localhost:${DEFAULT_PORTS.api}`,
      description: `local (${endpoint})`,
    };
  }
  return {
    settings,
    region: settings.region,
    tables,
    dynamodb: { region: settings.region },
    sqs: { region: settings.region },
    lambda: { region: settings.region },
    account: { region: settings.region },
    cloudwatch: { region: settings.region },
    description: `${name} (${settings.region})`,
  };
}

export function documentClientFor(target: OpsTarget): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(target.dynamodb));
}

export class UnknownServiceError extends Error {
  constructor(name: string) {
    super(`unknown service "${name}": use one of ${CONSUMER_SERVICES.join(", ")}`);
    this.name = "UnknownServiceError";
  }
}

export function requireService(name: string): ConsumerService {
  if (!(CONSUMER_SERVICES as readonly string[]).includes(name)) throw new UnknownServiceError(name);
  return name as ConsumerService;
}

/** A service's queue, as stacks/fanout-stack.ts names it: `<prefix>-<service>.fifo`. */
export function queueName(settings: Pick<EnvironmentSettings, "namePrefix">, service: ConsumerService): string {
  return `${settings.namePrefix}-${service}.fifo`;
}

/** Its dead-letter queue, by the constructs' own rule: `<prefix>-<service>-dlq.fifo`. */
export function deadLetterQueueName(
  settings: Pick<EnvironmentSettings, "namePrefix">,
  service: ConsumerService,
): string {
  return deadLetterName(queueName(settings, service));
}

/** The service's consumer function: `<prefix>-<service>`. */
export function functionName(settings: Pick<EnvironmentSettings, "namePrefix">, service: ConsumerService): string {
  return `${settings.namePrefix}-${service}`;
}

/** The outbox sweep's function and the relay's failures queue, as stacks/fanout-stack.ts names them. */
export function outboxNames(settings: Pick<EnvironmentSettings, "namePrefix">) {
  return {
    sweepFunction: `${settings.namePrefix}-outbox-sweep`,
    failuresQueue: `${settings.namePrefix}-outbox-relay-failures`,
  };
}
