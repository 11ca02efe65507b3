import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { EnvironmentSettings } from "./environments";
import { configureProviderAndState } from "./aws-provider";
import { MessagingKey } from "./constructs/messaging-key";
import { FifoTopic } from "./constructs/fifo-topic";
import { SubscriberQueue } from "./constructs/subscriber-queue";
import { QueueConsumer } from "./constructs/queue-consumer";
import { BundledFunction } from "./constructs/bundled-function";
import { OrdersApi } from "./constructs/orders-api";
import { OnDemandTable } from "./constructs/on-demand-table";
import { SecureBucket } from "./constructs/secure-bucket";
import { PolicyStatement } from "./constructs/policy";
import { CONSUMER_SERVICES, ConsumerService } from "../lambda-src/shared/services";

export interface FanoutStackProps {
  readonly settings: EnvironmentSettings;
  /** Where the function bundles are. Default: dist/. */
  readonly bundleRoot?: string;
}

interface ConsumerSpec {
  readonly environment: Record<string, string>;
  readonly statements: PolicyStatement[];
  readonly filterPolicy?: Record<string, unknown>;
}

/** The order fan-out of one environment: API, tables, topic, and a queue and consumer per service. */
export class FanoutStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: FanoutStackProps) {
    super(scope, id);
    const s = props.settings;
    const prefix = s.namePrefix;
    configureProviderAndState(this, s);
    const accountId = new DataAwsCallerIdentity(this, "account").accountId;
    const partition = new DataAwsPartition(this, "partition").partition;

    // Data
    const orders = new OnDemandTable(this, "orders", {
      name: `${prefix}-orders`,
      partitionKey: "orderId",
      protect: s.deletionProtection,
    });
    const products = new OnDemandTable(this, "products", {
      name: `${prefix}-products`,
      partitionKey: "sku",
      protect: s.deletionProtection,
    });
    const idempotency = new OnDemandTable(this, "idempotency", {
      name: `${prefix}-idempotency`,
      partitionKey: "id",
      ttlAttribute: "expiration",
      protect: s.deletionProtection,
    });
    const documents = new SecureBucket(this, "documents", {
      bucketName: `${prefix}-documents-${accountId}`,
      preventDestroy: s.deletionProtection,
    });

    // Messaging: the key's policy names topics by ARN built from their names (see MessagingKey).
    const eventsTopicName = `${prefix}-order-events.fifo`;
    const alarmsTopicName = `${prefix}-ops-alarms`;
    const topicArn = (name: string) => `arn:${partition}:sns:${s.region}:${accountId}:${name}`;
    const key = new MessagingKey(this, "messaging-key", {
      alias: `${prefix}-messaging`,
      accountId,
      partition,
      topicArns: [topicArn(eventsTopicName), topicArn(alarmsTopicName)],
      allowCloudWatchAlarms: true,
    });
    const topic = new FifoTopic(this, "order-events", {
      name: eventsTopicName,
      kmsKeyArn: key.arn,
      archiveRetentionDays: s.snsArchiveRetentionDays,
      highThroughput: s.highThroughputFifo,
    });
    const alarms = new SnsTopic(this, "ops-alarms", { name: alarmsTopicName, kmsMasterKeyId: key.arn });
    if (s.alarmEmail) {
      new SnsTopicSubscription(this, "ops-alarms-email", {
        topicArn: alarms.arn,
        protocol: "email",
        endpoint: s.alarmEmail,
      });
    }

    const tableAccess = (table: OnDemandTable, actions: string[]): PolicyStatement => ({
      actions: actions.map((a) => `dynamodb:${a}`),
      resources: [table.arn],
    });
    const recordsOutcome = tableAccess(orders, ["GetItem", "UpdateItem"]);
    // Powertools idempotency records of the notification service (see lambda-src/notification/notify.ts).
    const usesIdempotency = tableAccess(idempotency, ["GetItem", "PutItem", "UpdateItem", "DeleteItem"]);
    const common = { ORDERS_TABLE: orders.name };
    const emailByOutbox = s.notification.transport === "outbox";

    const specs: Record<ConsumerService, ConsumerSpec> = {
      inventory: {
        environment: { PRODUCTS_TABLE: products.name },
        statements: [tableAccess(products, ["GetItem", "UpdateItem"])],
      },
      billing: {
        environment: { DOCUMENTS_BUCKET: documents.name },
        statements: [{ actions: ["s3:PutObject", "s3:GetObject"], resources: [`${documents.arn}/invoices/*`] }],
      },
      notification: {
        environment: {
          IDEMPOTENCY_TABLE: idempotency.name,
          EMAIL_TRANSPORT: s.notification.transport,
          SENDER_EMAIL: s.notification.senderEmail,
          ...(emailByOutbox ? { DOCUMENTS_BUCKET: documents.name } : {}),
        },
        statements: [
          usesIdempotency,
          emailByOutbox
            ? { actions: ["s3:PutObject"], resources: [`${documents.arn}/outbox/*`] }
            : {
                actions: ["ses:SendEmail"],
                resources: [`arn:${partition}:ses:${s.region}:${accountId}:identity/${s.notification.senderEmail}`],
              },
        ],
      },
      review: {
        environment: { REVIEW_THRESHOLD_CENTS: String(s.reviewThresholdCents) },
        statements: [],
        filterPolicy: {
          eventType: ["OrderPlaced"],
          totalCents: [{ numeric: [">=", s.reviewThresholdCents] }],
        },
      },
    };

    const queueUrls: Record<string, string> = {};
    for (const service of CONSUMER_SERVICES) {
      const spec = specs[service];
      const queue = new SubscriberQueue(this, `${service}-queue`, {
        topic,
        queueName: `${prefix}-${service}.fifo`,
        kmsKeyArn: key.arn,
        visibilityTimeoutSeconds: 6 * s.lambda.timeoutSeconds,
        maxReceiveCount: s.maxReceiveCount,
        dlqRetentionSeconds: s.dlqRetentionSeconds,
        highThroughput: s.highThroughputFifo,
        filterPolicy: spec.filterPolicy,
      });
      new QueueConsumer(this, `${service}-consumer`, {
        service,
        functionName: `${prefix}-${service}`,
        bundle: service,
        bundleRoot: props.bundleRoot,
        queue,
        kmsKeyArn: key.arn,
        memoryMb: s.lambda.memoryMb,
        timeoutSeconds: s.lambda.timeoutSeconds,
        logRetentionDays: s.logRetentionDays,
        batchSize: s.eventSource.batchSize,
        maxConcurrency: s.eventSource.maxConcurrency,
        environment: { POWERTOOLS_SERVICE_NAME: service, ...common, ...spec.environment },
        statements: [recordsOutcome, ...spec.statements],
        alarmTopicArn: alarms.arn,
      });
      queueUrls[service] = queue.url;
    }

    const apiHandler = new BundledFunction(this, "orders-api-handler", {
      functionName: `${prefix}-orders-api`,
      bundle: "orders-api",
      bundleRoot: props.bundleRoot,
      memoryMb: s.lambda.memoryMb,
      timeoutSeconds: s.lambda.timeoutSeconds,
      logRetentionDays: s.logRetentionDays,
      environment: {
        POWERTOOLS_SERVICE_NAME: "orders-api",
        ...common,
        PRODUCTS_TABLE: products.name,
        TOPIC_ARN: topic.arn,
      },
      statements: [
        tableAccess(orders, ["GetItem", "PutItem", "UpdateItem"]),
        tableAccess(products, ["GetItem", "BatchGetItem"]),
        { actions: ["sns:Publish"], resources: [topic.arn] },
        { actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [key.arn] },
      ],
    });
    topic.restrictPublishersTo([apiHandler.role.arn]);
    const api = new OrdersApi(this, "orders-api", {
      name: `${prefix}-orders`,
      handler: apiHandler,
      authorization: s.apiAuthorization,
      throttle: s.apiThrottle,
      logRetentionDays: s.logRetentionDays,
    });

    new TerraformOutput(this, "api_url", { value: api.url });
    new TerraformOutput(this, "topic_arn", { value: topic.arn });
    new TerraformOutput(this, "queue_urls", { value: queueUrls });
    new TerraformOutput(this, "table_names", {
      value: { orders: orders.name, products: products.name, idempotency: idempotency.name },
    });
    new TerraformOutput(this, "documents_bucket", { value: documents.name });
  }
}
