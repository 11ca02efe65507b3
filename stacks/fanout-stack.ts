import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import {
  emailRecordDays,
  EnvironmentSettings,
  metricsNamespace,
  TableKind,
  tableName,
  variableName,
} from "./environments";
import { configureProviderAndState } from "./aws-provider";
import { checkSettings, emailsPerHalfTimeout } from "./settings-checks";
import { MessagingKey } from "./constructs/messaging-key";
import { FifoTopic } from "./constructs/fifo-topic";
import { SubscriberQueue } from "./constructs/subscriber-queue";
import { QueueConsumer } from "./constructs/queue-consumer";
import { BundledFunction, FunctionSettings } from "./constructs/bundled-function";
import { OrdersApi } from "./constructs/orders-api";
import { KeysOnlyIndex, OnDemandTable, OnDemandTableProps } from "./constructs/on-demand-table";
import { OutboxRelay } from "./constructs/outbox-relay";
import { OutboxSweep } from "./constructs/outbox-sweep";
import { SecureBucket } from "./constructs/secure-bucket";
import { Grantee } from "./constructs/policy";
import { OpsAlarms } from "./constructs/ops-alarms";
import { SenderIdentity } from "./constructs/sender-identity";
import { accountIdsInput, emailInput } from "./constructs/deployment-input";
import { VISIBILITY_TIMEOUT_FACTOR } from "./constructs/fifo";
import { CONSUMER_SERVICES, ConsumerService, FUNCTION_BUNDLES, FunctionBundle } from "../contract/services";
import { BUSINESS_METRICS } from "../contract/metrics";
import { OUTBOX_INDEX } from "../contract/outbox-index";
import { ORDER_ATTRIBUTES_WRITTEN_BY } from "../contract/order-writes";
import { Dashboard } from "./constructs/dashboard";
import type { Currency } from "../contract/events";

export interface FanoutStackProps {
  /** The environment's settings (stacks/environments.ts), checked before anything is built. */
  readonly settings: EnvironmentSettings;
  /** Where the function bundles are. @default dist/ (stacks/bundles.ts) */
  readonly bundleRoot?: string;
}

/** Where the stack is deployed: what ARNs are built from. */
interface Account {
  /** The caller's account (data source aws_caller_identity). */
  readonly accountId: string;
  /** Its partition (data source aws_partition): `aws`, `aws-cn`, … */
  readonly partition: string;
  /** The environment's region. */
  readonly region: string;
}

/** What the fan-out stores. */
interface Data {
  /** Orders with their outbox; its stream feeds the relay, its index the sweep. */
  readonly orders: OnDemandTable;
  /** The catalogue: prices and stock. */
  readonly products: OnDemandTable;
  /** Powertools idempotency records of the notification service. */
  readonly idempotency: OnDemandTable;
  /** Invoices and credit notes. */
  readonly documents: SecureBucket;
}

/** What carries events and alarms. */
interface Messaging {
  /** The customer key of the topics and queues. */
  readonly key: MessagingKey;
  /** The order-events topic. */
  readonly topic: FifoTopic;
  /** The ops topic and the alarms that publish to it. */
  readonly alarms: OpsAlarms;
}

/** How the notification service sends: its environment and the identity that grants it sending. */
interface EmailDelivery {
  /** The notification function's variables: sender, configuration set, send pace. */
  readonly environment: Record<string, string>;
  /** The SES identity it sends through, which grants the sending. */
  readonly identity: SenderIdentity;
}

/** What sets a consumer apart: its variables, what resources grant it beyond the orders table, its filter. */
interface ConsumerSpec {
  /** Variables beside its Powertools settings and ORDERS_TABLE. */
  readonly environment: Record<string, string>;
  /** Has the resources it uses beyond the orders table grant it their access. @default nothing more */
  readonly grant?: (fn: Grantee) => void;
  /** Its subscription's filter policy. @default every event */
  readonly filterPolicy?: Record<string, unknown>;
}

/**
 * The order fan-out of one environment, built in named steps: data, messaging (key, topic, the
 * ops topic), e-mail, a queue and consumer per service, the API, and the alarms that watch them.
 */
export class FanoutStack extends TerraformStack {
  private readonly settings: EnvironmentSettings;
  private readonly bundleRoot?: string;

  constructor(scope: Construct, id: string, props: FanoutStackProps) {
    super(scope, id);
    this.settings = props.settings;
    this.bundleRoot = props.bundleRoot;
    checkSettings(this.settings);
    configureProviderAndState(this, {
      ...this.settings,
      // Every AWS environment is pinned to its accounts; a deployment stops while none are given.
      allowedAccountIds: this.isLocal
        ? []
        : accountIdsInput(this, {
            envVariable: variableName(this.settings.name, "ACCOUNT_IDS"),
            value: this.settings.allowedAccountIds,
          }).listValue,
    });
    const account: Account = {
      accountId: new DataAwsCallerIdentity(this, "account").accountId,
      partition: new DataAwsPartition(this, "partition").partition,
      region: this.settings.region,
    };

    const data = this.data(account);
    const messaging = this.messaging(account);
    const email = this.email();
    const queues = this.consumers(data, messaging, email);
    const relay = this.outboxRelay(data, messaging);
    const sweep = this.outboxSweep(data, messaging);
    const api = this.api(data, messaging, [relay.function, sweep.function]);
    this.observability(data, messaging, api, queues, email.identity);

    new TerraformOutput(this, "api_url", { value: api.url });
    for (const [capability, policy] of Object.entries(api.invokePolicies ?? {})) {
      new TerraformOutput(this, `${capability}_policy_arn`, {
        description:
          capability === "operator"
            ? "Attach to the operators' roles: they read and cancel any order on /operator/orders; they sign requests with SigV4"
            : `Attach to the roles that may ${capability} their own orders; they sign requests with SigV4`,
        value: policy.arn,
      });
    }
    new TerraformOutput(this, "topic_arn", { value: messaging.topic.arn });
    new TerraformOutput(this, "queue_urls", {
      value: Object.fromEntries(Object.entries(queues).map(([service, queue]) => [service, queue.url])),
    });
    new TerraformOutput(this, "table_names", {
      value: { orders: data.orders.name, products: data.products.name, idempotency: data.idempotency.name },
    });
    new TerraformOutput(this, "documents_bucket", { value: data.documents.name });
  }

  private get prefix(): string {
    return this.settings.namePrefix;
  }

  /**
   * The outbox index; warm where the orders table is. Each order enters and leaves it once (two
   * writes), and only the sweep reads it: writes of twice the peak's orders with half again as
   * headroom (as the quotas are asked), reads at the least DynamoDB accepts for warm throughput
   * (12,000 reads, 4,000 writes:
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput.html).
   */
  private outboxIndex(): KeysOnlyIndex {
    if (!this.settings.warmThroughput?.orders) return OUTBOX_INDEX;
    const writeUnitsPerSecond = Math.max(4_000, 3 * this.settings.peakOrdersPerSecond);
    return { ...OUTBOX_INDEX, warmThroughput: { readUnitsPerSecond: 12_000, writeUnitsPerSecond } };
  }

  /** Tables and the documents bucket; protected in prod, destroyable (bucket emptied) elsewhere. */
  private data(account: Account): Data {
    const protect = this.settings.deletionProtection;
    const table = (kind: TableKind, partitionKey: string, more: Partial<OnDemandTableProps> = {}) =>
      new OnDemandTable(this, kind, {
        name: tableName(this.settings, kind),
        partitionKey,
        protect,
        warmThroughput: this.settings.warmThroughput?.[kind],
        ...more,
      });
    return {
      // Its stream feeds the outbox relay (see OutboxRelay); its index, the outbox sweep.
      orders: table("orders", "orderId", { stream: "NEW_IMAGE", indexes: [this.outboxIndex()] }),
      products: table("products", "sku"),
      idempotency: table("idempotency", "id", { ttlAttribute: "expiration" }),
      documents: new SecureBucket(this, "documents", {
        bucketName: `${this.prefix}-documents-${account.accountId}`,
        preventDestroy: protect,
        forceDestroy: !protect,
      }),
    };
  }

  /** The customer key, the order-events topic, and the ops topic that reaches the on-call engineer. */
  private messaging(account: Account): Messaging {
    // The key's policy names topics by ARN built from their names (see MessagingKey).
    const eventsTopicName = `${this.prefix}-order-events.fifo`;
    const alarmsTopicName = `${this.prefix}-ops-alarms`;
    const topicArn = (name: string) => `arn:${account.partition}:sns:${account.region}:${account.accountId}:${name}`;
    const key = new MessagingKey(this, "messaging-key", {
      alias: `${this.prefix}-messaging`,
      accountId: account.accountId,
      partition: account.partition,
      topicArns: [topicArn(eventsTopicName), topicArn(alarmsTopicName)],
      allowCloudWatchAlarms: true,
    });
    const topic = new FifoTopic(this, "order-events", {
      name: eventsTopicName,
      kmsKeyArn: key.arn,
      archiveRetentionDays: this.settings.snsArchiveRetentionDays,
      highThroughput: this.settings.highThroughputFifo,
      // Protected environments keep their archive: destroying them is a deliberate, manual act.
      ...(this.settings.deletionProtection
        ? {}
        : { destroyArchive: { region: account.region, roleArn: this.settings.roleArn } }),
    });
    const alarms = new OpsAlarms(this, "ops-alarms", {
      topicName: alarmsTopicName,
      alarmNamePrefix: `${this.prefix}-`,
      kmsKeyArn: key.arn,
      ...account,
      // The local stack is never applied: its alarms have nobody to reach.
      email: this.isLocal
        ? undefined
        : emailInput(this, {
            name: "alarm_email",
            envVariable: variableName(this.settings.name, "ALARM_EMAIL"),
            value: this.settings.alarmEmail,
            description: "The address alarms are e-mailed to (confirm the subscription from the first e-mail).",
          }).stringValue,
    });
    return { key, topic, alarms };
  }

  /**
   * What every function tells Powertools: its service (the `service` dimension of its metrics and
   * of its traces) and the environment's metrics namespace. Tracing needs no switch: Powertools
   * Tracer is off outside Lambda, so in the local runtime too.
   */
  private powertools(service: string): Record<string, string> {
    return { POWERTOOLS_SERVICE_NAME: service, POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(this.settings) };
  }

  /**
   * A function's settings, sized as this environment sizes every function: `<prefix>-<bundle>`
   * from dist/<bundle>.zip, its service told to Powertools, then the given variables.
   */
  private functionSettings(bundle: FunctionBundle, environment: Record<string, string> = {}): FunctionSettings {
    const s = this.settings;
    return {
      functionName: `${this.prefix}-${bundle}`,
      bundle,
      bundleRoot: this.bundleRoot,
      memoryMb: s.lambda.memoryMb,
      timeoutSeconds: s.lambda.timeoutSeconds,
      logRetentionDays: s.logRetentionDays,
      environment: { ...this.powertools(bundle), ...environment },
    };
  }

  private get isLocal(): boolean {
    return this.settings.name === "local";
  }

  /**
   * SES through the stack's own identity and configuration set. The local stack names its sender
   * outright: no deployment asks for it, and the local runtime reads it from the plan.
   */
  private email(): EmailDelivery {
    const notification = this.settings.notification;
    const sender = this.isLocal
      ? notification.senderEmail!
      : emailInput(this, {
          name: "sender_email",
          envVariable: variableName(this.settings.name, "SENDER_EMAIL"),
          value: notification.senderEmail,
          description: "The address order e-mails are sent from, verified in SES by this stack.",
        }).stringValue;
    const identity = new SenderIdentity(this, "sender", {
      senderEmail: sender,
      verify: notification.senderIdentity,
      configurationSetName: this.prefix,
    });
    return {
      environment: {
        SENDER_EMAIL: sender,
        CONFIGURATION_SET: identity.configurationSetName,
        // Each execution environment sends at most its share of the account's SES rate.
        SES_MAX_SEND_RATE: String(notification.maxSendRate),
        SES_SENDERS: String(this.settings.eventSource.maxConcurrency.notification),
        EMAIL_RECORD_DAYS: String(emailRecordDays(this.settings)),
      },
      identity,
    };
  }

  /**
   * E-mail is held to the SES rate, so a peak may back it up by design: its queue pages when the
   * oldest e-mail waits longer than the objective allows (docs/scale.md), or without an objective
   * (the SES sandbox's rate) when it is a day late, not at the 300 s of the other queues.
   */
  private emailMaxAgeSeconds(): number {
    const objective = this.settings.notification.objective;
    return objective ? objective.withinMinutes * 60 : 24 * 3600;
  }

  /** A subscriber queue and its consumer per service; answers the queues by service. */
  private consumers(data: Data, messaging: Messaging, email: EmailDelivery): Record<ConsumerService, SubscriberQueue> {
    const s = this.settings;
    const specs: Record<ConsumerService, ConsumerSpec> = {
      inventory: {
        environment: { PRODUCTS_TABLE: data.products.name },
        // Reads stock with BatchGetItem (lambda-src/shared/product-reads.ts), moves it in a
        // TransactWriteItems of updates, which IAM authorizes as UpdateItem on each table.
        grant: (fn) => data.products.grant(fn, ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"]),
      },
      billing: {
        environment: { DOCUMENTS_BUCKET: data.documents.name },
        // Invoices and credit notes (lambda-src/billing/billing.ts).
        grant: (fn) => data.documents.grantReadWrite(fn, "invoices/*"),
      },
      notification: {
        environment: { IDEMPOTENCY_TABLE: data.idempotency.name, ...email.environment },
        grant: (fn) => {
          // Powertools idempotency records of the notification service (see lambda-src/notification/notify.ts):
          // put in progress, updated when sent, deleted when the send fails; read back only when a
          // conditional put's failure does not return the record.
          data.idempotency.grant(fn, ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]);
          data.idempotency.grant(fn, ["dynamodb:GetItem"], { sid: "PowertoolsReadsRecord" });
          email.identity.grantSendEmail(fn);
        },
      },
      review: {
        // Plain numbers from the settings, no token inside: a JSON string is what the handler parses.
        environment: { REVIEW_THRESHOLDS: JSON.stringify(s.reviewThresholdCents) },
        filterPolicy: reviewFilterPolicy(s.reviewThresholdCents),
      },
    };

    const queues = {} as Record<ConsumerService, SubscriberQueue>;
    for (const service of CONSUMER_SERVICES) {
      const spec = specs[service];
      const queue = new SubscriberQueue(this, `${service}-queue`, {
        topic: messaging.topic,
        queueName: `${this.prefix}-${service}.fifo`,
        kmsKeyArn: messaging.key.arn,
        visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_FACTOR * s.lambda.timeoutSeconds,
        maxReceiveCount: s.maxReceiveCount,
        dlqRetentionSeconds: s.dlqRetentionSeconds,
        highThroughput: s.highThroughputFifo,
        filterPolicy: spec.filterPolicy,
      });
      const consumer = new QueueConsumer(this, `${service}-consumer`, {
        ...this.functionSettings(service, { ORDERS_TABLE: data.orders.name, ...spec.environment }),
        service,
        queue,
        kmsKeyArn: messaging.key.arn,
        batchSize: service === "notification" ? this.emailBatchSize() : s.eventSource.batchSize,
        ...(service === "notification" ? { maxMessageAgeSeconds: this.emailMaxAgeSeconds() } : {}),
        maxConcurrency: s.eventSource.maxConcurrency[service],
        alarms: messaging.alarms,
      });
      // Each records its outcome on the order.
      data.orders.grant(consumer.function, ["dynamodb:GetItem"]);
      data.orders.grantUpdate(consumer.function, {
        attributes: ORDER_ATTRIBUTES_WRITTEN_BY[service === "inventory" ? "inventory" : "consumer"],
      });
      spec.grant?.(consumer.function);
      queues[service] = queue;
    }
    return queues;
  }

  /**
   * The notification service sends at its share of the SES rate (contract/send-pace.ts),
   * so a batch of n takes n ÷ that share; the batch is held to what fits in half the function's
   * timeout, or paced sends would time out the invocation and spend the messages' receives.
   */
  private emailBatchSize(): number {
    const s = this.settings;
    const fits = Math.floor(emailsPerHalfTimeout(s, s.notification.maxSendRate));
    return Math.max(1, Math.min(s.eventSource.batchSize, fits));
  }

  /** The relay that publishes every event recorded in an order's outbox (see lambda-src/shared/outbox.ts). */
  private outboxRelay(data: Data, messaging: Messaging): OutboxRelay {
    const s = this.settings;
    return new OutboxRelay(this, "outbox-relay", {
      ...this.functionSettings("outbox-relay", { ORDERS_TABLE: data.orders.name }),
      table: data.orders,
      topic: messaging.topic,
      key: messaging.key,
      alarms: messaging.alarms,
      maxRetryAttempts: s.outboxRelayRetry.maxRetryAttempts,
      maxRecordAgeSeconds: s.outboxRelayRetry.maxRecordAgeSeconds,
    });
  }

  /** The sweep that publishes what the relay's stream missed (see OutboxSweep). */
  private outboxSweep(data: Data, messaging: Messaging): OutboxSweep {
    const s = this.settings;
    // The sweep's timeout is its own (OutboxSweep), not the environment's.
    const { timeoutSeconds: _, ...settings } = this.functionSettings("outbox-sweep");
    return new OutboxSweep(this, "outbox-sweep", {
      ...settings,
      table: data.orders,
      topic: messaging.topic,
      key: messaging.key,
      metricsNamespace: metricsNamespace(s),
      alarms: messaging.alarms,
      graceSeconds: s.outboxSweepGraceSeconds,
    });
  }

  /**
   * The orders API: its function with reserved concurrency, and routes. It, the relay and the
   * sweep are the topic's only publishers (inventory records OrderRejected in the outbox; the
   * relay publishes it).
   */
  private api(data: Data, messaging: Messaging, outboxPublishers: BundledFunction[]): OrdersApi {
    const s = this.settings;
    const handler = new BundledFunction(this, "orders-api-handler", {
      ...this.functionSettings("orders-api", {
        ORDERS_TABLE: data.orders.name,
        PRODUCTS_TABLE: data.products.name,
        TOPIC_ARN: messaging.topic.arn,
      }),
      reservedConcurrency: s.apiReservedConcurrency,
    });
    data.orders.grant(handler, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]);
    // Prices come from BatchGetItem (lambda-src/shared/product-reads.ts).
    data.products.grant(handler, ["dynamodb:BatchGetItem"]);
    messaging.topic.grantPublish(handler);
    messaging.key.grantEncryptDecrypt(handler);
    messaging.topic.restrictPublishersTo([handler.role.arn, ...outboxPublishers.map((f) => f.role.arn)]);
    return new OrdersApi(this, "orders-api", {
      name: `${this.prefix}-orders`,
      handler,
      authorization: s.apiAuthorization,
      throttle: s.apiThrottle,
      logRetentionDays: s.logRetentionDays,
    });
  }

  /**
   * In an AWS environment, the dashboard an operator watches the fan-out on; then the alarms of the
   * API, of the tables and of the SES quotas, which each defines (the consumers, the relay and the sweep add theirs
   * as they are built).
   */
  private observability(
    data: Data,
    messaging: Messaging,
    api: OrdersApi,
    queues: Record<ConsumerService, SubscriberQueue>,
    sender: SenderIdentity,
  ): void {
    if (!this.isLocal) this.dashboard(api, queues);
    api.addAlarms(messaging.alarms, {
      latencyThresholdMs: this.settings.apiLatencyAlarmMs,
      metricsNamespace: metricsNamespace(this.settings),
      service: "orders-api",
    });
    for (const table of [data.orders, data.products, data.idempotency]) table.addAlarms(messaging.alarms);
    sender.addAlarms(messaging.alarms, {
      dailyQuota: this.settings.notification.dailyQuota,
      metricsNamespace: metricsNamespace(this.settings),
      service: "notification",
    });
  }

  /** The environment's CloudWatch dashboard; its console address is the `dashboard_url` output. */
  private dashboard(api: OrdersApi, queues: Record<ConsumerService, SubscriberQueue>): void {
    const dashboard = new Dashboard(this, "dashboard", {
      dashboardName: this.prefix,
      region: this.settings.region,
      apiId: api.api.id,
      queues: Object.fromEntries(
        Object.entries(queues).map(([service, q]) => [
          service,
          { queueName: q.queue.name, deadLetterQueueName: q.deadLetterQueue.name },
        ]),
      ),
      functionNames: FUNCTION_BUNDLES.map((bundle) => `${this.prefix}-${bundle}`),
      services: FUNCTION_BUNDLES,
      metricsNamespace: metricsNamespace(this.settings),
      businessMetrics: BUSINESS_METRICS,
    });
    new TerraformOutput(this, "dashboard_url", { value: dashboard.url });
  }
}

/**
 * Review receives an OrderPlaced at or above its currency's threshold (or beyond SNS's numeric
 * range, marked `largeTotal` by the publisher), and every OrderCancelled and OrderRejected, so it
 * can close the cases it opened: one filter policy with `$or`.
 */
function reviewFilterPolicy(thresholds: Readonly<Record<Currency, number>>): Record<string, unknown> {
  return {
    $or: [
      ...Object.entries(thresholds).map(([currency, threshold]) => ({
        eventType: ["OrderPlaced"],
        currency: [currency],
        totalCents: [{ numeric: [">=", threshold] }],
      })),
      { eventType: ["OrderPlaced"], largeTotal: ["true"] },
      { eventType: ["OrderCancelled", "OrderRejected"] },
    ],
  };
}
