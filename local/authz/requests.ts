/**
 * What a request asks, in IAM's terms: the actions, the resource ARNs and the condition keys each
 * service authorizes a call by, including the KMS actions SQS and SNS perform with the caller's
 * identity on an encrypted queue or topic. A request this module cannot map answers undefined: the
 * gate refuses it for a role rather than let it through unchecked.
 *
 * Sources (Service Authorization Reference and the services' guides):
 * - DynamoDB transactions: each item is authorized as its own action (PutItem, UpdateItem,
 *   DeleteItem, ConditionCheckItem, GetItem) on its table;
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
 * - SQS batch actions are authorized as the single action; SendMessage to an SSE-KMS queue needs
 *   kms:GenerateDataKey and kms:Decrypt, receiving needs kms:Decrypt;
 *   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
 * - Publishing to an encrypted topic needs kms:GenerateDataKey and kms:Decrypt;
 *   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 * - SES SendEmail is authorized on the sending identity and the configuration set, with
 *   ses:FromAddress and ses:Recipients; https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html
 */
import { topLevelAttributes } from "./dynamodb-attributes";
import { AuthorizationCheck } from "./authorizer";

export interface MappedResources {
  readonly region: string;
  readonly accountId: string;
  /** Key ARN of each encrypted queue and topic, by their ARN. */
  readonly keys: ReadonlyMap<string, string>;
  /** SES identities the plan declares (addresses and domains). */
  readonly sesIdentities: readonly string[];
  /** The queues subscribed to each topic, by topic ARN. */
  readonly subscribers: ReadonlyMap<string, readonly string[]>;
}

type Json = Record<string, unknown>;

/** A request field that should be a string; anything else reads as empty (and maps to no resource). */
const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** SNS, when it delivers a topic's message to a subscribed queue. */
export const SNS_SERVICE = { kind: "service", service: "sns.amazonaws.com" } as const;

/**
 * What SNS does as SNS_SERVICE to deliver a topic's message to one subscribed queue: send to it
 * (the queue policy must allow it from this topic) and, for an encrypted queue, use its key.
 * https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html
 * https://docs.aws.amazon.com/sns/latest/dg/sns-enable-encryption-for-topic-sqs-queue-subscriptions.html
 */
export function snsDeliveryChecks(
  topicArn: string,
  queueArn: string,
  keyArn: string | undefined,
  accountId: string,
): AuthorizationCheck[] {
  const context = { "aws:sourcearn": [topicArn], "aws:sourceaccount": [accountId] };
  const kms = keyArn
    ? [
        { action: "kms:GenerateDataKey", resource: keyArn, context, kms: true },
        { action: "kms:Decrypt", resource: keyArn, context, kms: true },
      ]
    : [];
  return [{ action: "sqs:SendMessage", resource: queueArn, context }, ...kms];
}

/** An address without its display name: `Shop <orders@shop.example>` → `orders@shop.example`. */
export function bareAddress(address: string): string {
  return /<([^>]+)>/.exec(address)?.[1] ?? address;
}

/**
 * The identity SES sends an address's mail as: the address itself when it is verified, else its
 * domain when that is (SES sends from any address of a verified domain); undefined when neither.
 */
export function verifiedIdentityOf(address: string, identities: readonly string[]): string | undefined {
  const bare = bareAddress(address);
  return [bare, bare.split("@").pop() ?? ""].find((identity) => identities.includes(identity));
}

export class RequestMapper {
  constructor(private readonly r: MappedResources) {}

  private arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.r.region}:${this.r.accountId}:${resource}`;
  }

  private tableArn(nameOrArn: unknown): string {
    const name = str(nameOrArn);
    return name.startsWith("arn:") ? name : this.arn("dynamodb", `table/${name}`);
  }

  /** DynamoDB's JSON protocol: `X-Amz-Target: DynamoDB_20120810.<Operation>`. */
  dynamodb(operation: string, body: Json): AuthorizationCheck[] | undefined {
    const on = (action: string, table: unknown) => ({ action: `dynamodb:${action}`, resource: this.tableArn(table) });
    // An item action carries the top-level attributes it names, for `dynamodb:Attributes` conditions.
    const onItem = (action: string, detail: Json) => ({
      ...on(action, detail.TableName),
      context: { "dynamodb:attributes": topLevelAttributes(detail) },
    });
    switch (operation) {
      case "BatchGetItem":
      case "BatchWriteItem":
        return Object.keys((body.RequestItems as Json | undefined) ?? {}).map((table) => on(operation, table));
      case "TransactWriteItems":
      case "TransactGetItems": {
        const actions: Record<string, string> = {
          Put: "PutItem",
          Update: "UpdateItem",
          Delete: "DeleteItem",
          ConditionCheck: "ConditionCheckItem",
          Get: "GetItem",
        };
        return ((body.TransactItems as Json[] | undefined) ?? []).flatMap((item) =>
          Object.entries(item).map(([kind, detail]) => onItem(actions[kind], detail as Json)),
        );
      }
      case "ListTables":
        return [{ action: "dynamodb:ListTables", resource: "*" }];
      case "Query":
      case "Scan":
        return [
          {
            action: `dynamodb:${operation}`,
            resource: body.IndexName
              ? `${this.tableArn(body.TableName)}/index/${str(body.IndexName)}`
              : this.tableArn(body.TableName),
          },
        ];
      case "GetItem":
      case "PutItem":
      case "UpdateItem":
      case "DeleteItem":
        return body.TableName === undefined ? undefined : [onItem(operation, body)];
      default:
        return body.TableName === undefined ? undefined : [on(operation, body.TableName)];
    }
  }

  private queueArn(url: unknown): string {
    return this.arn("sqs", str(url).split("/").pop()!);
  }

  /**
   * SQS's JSON protocol: `X-Amz-Target: AmazonSQS.<Operation>`. Actions are lower case, as SQS
   * writes them in its messages ("sqs:sendmessage"); IAM matches actions case-insensitively.
   */
  sqs(operation: string, body: Json): AuthorizationCheck[] | undefined {
    const single: Record<string, string> = {
      SendMessageBatch: "SendMessage",
      DeleteMessageBatch: "DeleteMessage",
      ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
    };
    const action = `sqs:${(single[operation] ?? operation).toLowerCase()}`;
    if (operation === "ListQueues") return [{ action, resource: "*" }];
    if (operation === "GetQueueUrl" || operation === "CreateQueue")
      return [{ action, resource: this.queueArn(body.QueueName) }];
    if (operation === "StartMessageMoveTask") return [{ action, resource: str(body.SourceArn) }];
    if (operation === "ListMessageMoveTasks" || operation === "CancelMessageMoveTask")
      return [{ action, resource: body.SourceArn ? str(body.SourceArn) : "*" }];
    if (body.QueueUrl === undefined) return undefined;
    const queue = this.queueArn(body.QueueUrl);
    const key = this.r.keys.get(queue);
    const kms = (actions: string[]) => (key ? actions.map((a) => ({ action: a, resource: key, kms: true })) : []);
    if (action === "sqs:sendmessage")
      return [{ action, resource: queue }, ...kms(["kms:GenerateDataKey", "kms:Decrypt"])];
    if (action === "sqs:receivemessage") return [{ action, resource: queue }, ...kms(["kms:Decrypt"])];
    return [{ action, resource: queue }];
  }

  /** SNS's query protocol: a form naming the Action. The action is written as SNS writes it: `SNS:Publish`. */
  sns(form: URLSearchParams): AuthorizationCheck[] | undefined {
    const operation = form.get("Action") ?? "";
    const action = `SNS:${operation === "PublishBatch" ? "Publish" : operation}`;
    if (operation === "ListTopics" || operation === "ListSubscriptions") return [{ action, resource: "*" }];
    if (operation === "CreateTopic") return [{ action, resource: this.arn("sns", form.get("Name") ?? "") }];
    const subscription = form.get("SubscriptionArn");
    // A subscription's actions are authorized on its topic: its ARN without the last segment.
    const topic = form.get("TopicArn") ?? form.get("ResourceArn") ?? subscription?.replace(/:[^:]+$/, "") ?? undefined;
    if (!topic) return undefined;
    const key = this.r.keys.get(topic);
    if (action === "SNS:Publish" && key)
      return [
        { action, resource: topic },
        { action: "kms:GenerateDataKey", resource: key, kms: true },
        { action: "kms:Decrypt", resource: key, kms: true },
      ];
    return [{ action, resource: topic }];
  }

  /** SNS's deliveries of a message published to the topic, to every queue subscribed to it. */
  snsDeliveries(topicArn: string): AuthorizationCheck[] {
    return (this.r.subscribers.get(topicArn) ?? []).flatMap((queue) =>
      snsDeliveryChecks(topicArn, queue, this.r.keys.get(queue), this.r.accountId),
    );
  }

  /** S3's REST protocol, path-style (`/<bucket>/<key>`) or virtual-hosted (`<bucket>.<host>`). */
  s3(method: string, url: URL, host: string): AuthorizationCheck[] | undefined {
    const virtual = /^([a-z0-9.-]+)\.(?:s3\.)?(?:localhost|127\.0\.0\.1)(?::\d+)?$/.exec(host)?.[1];
    const parts = url.pathname.slice(1).split("/");
    const bucket = virtual ?? parts.shift() ?? "";
    const key = decodeURIComponent((virtual ? url.pathname.slice(1) : parts.join("/")) || "");
    // Sub-resources (?acl, ?tagging, ?uploads …) are not mapped: the functions never use them.
    const subresource = [...url.searchParams.keys()].some(
      (k) => !["list-type", "prefix", "max-keys", "x-id", "continuation-token", "delimiter"].includes(k),
    );
    if (!bucket || subresource) return undefined;
    if (key) {
      const object = `arn:aws:s3:::${bucket}/${key}`;
      const actions: Record<string, string> = {
        GET: "GetObject",
        HEAD: "GetObject",
        PUT: "PutObject",
        DELETE: "DeleteObject",
      };
      return actions[method] ? [{ action: `s3:${actions[method]}`, resource: object }] : undefined;
    }
    const actions: Record<string, string> = {
      GET: "ListBucket",
      HEAD: "ListBucket",
      PUT: "CreateBucket",
      DELETE: "DeleteBucket",
    };
    return actions[method] ? [{ action: `s3:${actions[method]}`, resource: `arn:aws:s3:::${bucket}` }] : undefined;
  }

  /** SES v2 SendEmail (`POST /v2/email/outbound-emails`). */
  sesSendEmail(body: Json): AuthorizationCheck[] {
    const from = str(body.FromEmailAddress);
    const destination = (body.Destination as Record<string, string[] | undefined> | undefined) ?? {};
    const recipients = [
      ...(destination.ToAddresses ?? []),
      ...(destination.CcAddresses ?? []),
      ...(destination.BccAddresses ?? []),
    ];
    const context = {
      "ses:fromaddress": [bareAddress(from)],
      "ses:recipients": recipients,
      "ses:apiversion": ["2"],
    };
    // The identity SES authorizes the send on; an unverified sender is SES's to refuse (ses.ts).
    const identity = verifiedIdentityOf(from, this.r.sesIdentities) ?? bareAddress(from);
    const checks: AuthorizationCheck[] = [
      { action: "ses:SendEmail", resource: this.arn("ses", `identity/${identity}`), context },
    ];
    if (body.ConfigurationSetName)
      checks.push({
        action: "ses:SendEmail",
        resource: this.arn("ses", `configuration-set/${str(body.ConfigurationSetName)}`),
        context,
      });
    return checks;
  }
}
