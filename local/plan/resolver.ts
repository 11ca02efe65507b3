/**
 * A synthesized stack's expressions resolved to the local values they would have: references
 * between resources become the names, ARNs and URLs of account 000000000000 (see LocalAccount).
 * Shared by the plan reader (plan.ts) and the access reader (access.ts).
 */
import { evaluateDeep, ExpressionError, Value } from "./hcl-expression";
import { Block, PlanError, PlanIndex } from "./plan-index";

export interface LocalAccount {
  region: string;
  accountId: string;
  /** Base URL of the SQS endpoint, for queue URLs. */
  sqsEndpoint: string;
  /** Base URL of the API gateway. */
  apiEndpoint: string;
}

/**
 * The label of every table stream's ARN, `<table arn>/stream/<label>`. AWS labels a stream with
 * its creation time, and so does DynamoDB Local; a plan cannot know that time, so the local ARN
 * has this fixed label and the stream poller finds the real stream by table name.
 */
export const LOCAL_STREAM_LABEL = "1970-01-01T00:00:00.000";

/** Resolves references lazily, each resource's attributes computed once, cycles refused. */
export class Resolver {
  private readonly cache = new Map<string, Record<string, Value>>();
  private readonly resolving = new Set<string>();

  constructor(
    readonly index: PlanIndex,
    private readonly account: LocalAccount,
  ) {}

  get accountId(): string {
    return this.account.accountId;
  }

  /** A resource's own arguments, without cdktf's metadata and Terraform's ordering meta-arguments. */
  config(type: string, name: string): Block {
    return this.index.resource(type, name).config;
  }

  /** A resource's configuration with every expression evaluated. */
  evaluated(type: string, name: string, omit: readonly string[] = []): Record<string, Value> {
    const config = Object.fromEntries(Object.entries(this.config(type, name)).filter(([key]) => !omit.includes(key)));
    return this.value(config, `${type}.${name}`) as Record<string, Value>;
  }

  /** A value with every expression in it evaluated; `where` names it in an error. */
  value(value: unknown, where: string): Value {
    try {
      return evaluateDeep(value, (path) => this.reference(path));
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
    // An ExpressionError, so that the error names the resource whose expression holds the reference.
    if (!this.index.declares(type, name)) throw new ExpressionError(`${type}.${name} is referenced but not declared`);
    const attributes = this.attributes(type, name);
    if (type === "aws_dynamodb_table" && attribute.startsWith("stream_") && !(attribute in attributes)) {
      throw new PlanError(
        `${type}.${name}.${attribute} has no value: the table has no stream (stream_enabled is not true)`,
      );
    }
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
      return text(this.value(raw, `${address}.${key}`));
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
      case "aws_dynamodb_table": {
        const arn = `arn:aws:dynamodb:${region}:${accountId}:table/${own("name")}`;
        attributes = { name: own("name"), id: own("name"), arn };
        if (own("stream_enabled") === "true") {
          attributes.stream_arn = `${arn}/stream/${LOCAL_STREAM_LABEL}`;
          attributes.stream_label = LOCAL_STREAM_LABEL;
        }
        break;
      }
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
      case "aws_sesv2_configuration_set":
        attributes = {
          configuration_set_name: own("configuration_set_name"),
          id: own("configuration_set_name"),
          arn: `arn:aws:ses:${region}:${accountId}:configuration-set/${own("configuration_set_name")}`,
        };
        break;
      case "aws_sesv2_email_identity":
        attributes = {
          email_identity: own("email_identity"),
          id: own("email_identity"),
          arn: `arn:aws:ses:${region}:${accountId}:identity/${own("email_identity")}`,
        };
        break;
      case "aws_cloudwatch_event_rule":
        attributes = {
          name: own("name"),
          id: own("name"),
          arn: `arn:aws:events:${region}:${accountId}:rule/${own("name")}`,
        };
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
export function text(value: Value | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "object") throw new PlanError(`expected a single value, got ${JSON.stringify(value)}`);
  return String(value);
}
