/**
 * What an operator command acts on, from `--env <name>`: the environment's settings, its region,
 * its table names, and the AWS SDK configuration that reaches it. One code path for AWS and for
 * the local runtime: only the client configuration differs.
 */
import { DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  ENVIRONMENT_NAMES,
  EnvironmentName,
  EnvironmentSettings,
  environmentSettings,
  TableKind,
  tableName,
} from "../stacks/environments";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../local/aws-clients";
import { DEFAULT_PORTS } from "../local/ports";

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
    return {
      settings,
      region: LOCAL_REGION,
      tables,
      dynamodb: { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint },
      description: `local (${endpoint})`,
    };
  }
  return {
    settings,
    region: settings.region,
    tables,
    dynamodb: { region: settings.region },
    description: `${name} (${settings.region})`,
  };
}

export function documentClientFor(target: OpsTarget): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(target.dynamodb));
}
