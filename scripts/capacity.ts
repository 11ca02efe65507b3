/**
 * `npm run capacity`: what each deployed environment sustains, computed from its synthesized plan
 * (event source mappings, FIFO modes, API throttling) and AWS's published quotas, written to
 * docs/capacity.md. Rerun after changing stacks/environments.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { ENVIRONMENT_NAMES, environmentSettings } from "../stacks/environments";
import { FanoutStack } from "../stacks/fanout-stack";
import { deploymentPackage } from "../stacks/bundles";
import { FUNCTION_BUNDLES } from "../lambda-src/shared/services";

/** The parts of a synthesized stack this model reads. */
interface PlanResources {
  aws_lambda_event_source_mapping: Record<
    string,
    { batch_size: number; scaling_config?: { maximum_concurrency: number } }
  >;
  aws_sns_topic: Record<string, { fifo_topic?: boolean; fifo_throughput_scope?: string }>;
  aws_apigatewayv2_stage: Record<string, { default_route_settings: { throttling_rate_limit: number } }>;
  aws_sqs_queue: Record<string, { name: string; fifo_throughput_limit?: string }>;
}

/** AWS quotas this model uses, each with its source (AWS documentation, as of 2026). */
const QUOTAS = {
  snsFifoTopicScope: {
    value: 3_000,
    unit: "messages/s per topic",
    source:
      "https://docs.aws.amazon.com/general/latest/gr/sns.html (FIFO topic, FifoThroughputScope=Topic: 3,000 messages/s, 20 MB/s)",
  },
  snsFifoPerGroup: {
    value: 300,
    unit: "messages/s per message group",
    source:
      "https://docs.aws.amazon.com/sns/latest/dg/fifo-high-throughput.html (message-group scope: regional maximum, 300 messages/s per group)",
  },
  sqsFifoPerAction: {
    value: 300,
    unit: "API calls/s per action per queue (3,000 messages/s with batches of 10)",
    source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html",
  },
  sqsFifoHighThroughput: {
    value: 70_000,
    unit: "API calls/s per action per queue in us-east-1, us-west-2, eu-west-1 (fewer elsewhere)",
    source:
      "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html (high throughput for FIFO queues)",
  },
  sqsFifoPerGroup: {
    value: 300,
    unit: "messages/s per message group",
    source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/high-throughput-fifo.html",
  },
  lambdaRegional: {
    value: 1_000,
    unit: "concurrent executions per account and region (default, raisable)",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
  },
  dynamoPartitionWrite: {
    value: 1_000,
    unit: "write units/s per partition (one hot item lives in one partition)",
    source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
  },
  dynamoOnDemandTable: {
    value: 40_000,
    unit: "write request units/s per table (default on-demand table quota)",
    source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html",
  },
  dynamoTransactionCost: {
    value: 2,
    unit: "write units per item written in a transaction",
    source:
      "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling",
  },
  sesProduction: {
    value: 14,
    unit: "e-mails/s, a new production account's typical starting rate (sandbox: 1/s, 200/day)",
    source: "https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html",
  },
  apiGatewayAccount: {
    value: 10_000,
    unit: "requests/s per account and region, HTTP APIs",
    source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html",
  },
};

interface EnvironmentCapacity {
  name: string;
  highThroughput: boolean;
  batchSize: number;
  maxConcurrency: number;
  timeoutSeconds: number;
  apiRate: number;
  limits: { limit: string; ordersPerSecond: number; raisedBy: string }[];
}

/** Orders/s one consumer drains: its pollers × batch ÷ the time a batch takes (assumed: 50 ms a message). */
const MESSAGE_SECONDS = 0.05;

function capacityOf(name: (typeof ENVIRONMENT_NAMES)[number]): EnvironmentCapacity {
  const settings = environmentSettings(name, {});
  const bundles = fs.mkdtempSync(path.join(os.tmpdir(), "capacity-bundles-"));
  for (const fn of FUNCTION_BUNDLES) fs.writeFileSync(deploymentPackage(fn, bundles), "");
  const plan = JSON.parse(
    Testing.synth(new FanoutStack(Testing.app(), `order-fanout-${name}`, { settings, bundleRoot: bundles })),
  ) as { resource: PlanResources };
  // The consumers' queue mappings (the outbox relay's stream mapping has no scaling config).
  const mapping = Object.values(plan.resource.aws_lambda_event_source_mapping).find((m) => m.scaling_config)!;
  const topic = Object.values(plan.resource.aws_sns_topic).find((t) => t.fifo_topic);
  const stage = Object.values(plan.resource.aws_apigatewayv2_stage)[0];
  const queue = Object.values(plan.resource.aws_sqs_queue).find((q) => !q.name.includes("-dlq"));
  const highThroughput =
    topic?.fifo_throughput_scope === "MessageGroup" && queue?.fifo_throughput_limit === "perMessageGroupId";
  const batchSize = mapping.batch_size;
  const maxConcurrency = mapping.scaling_config!.maximum_concurrency;
  const apiRate = stage.default_route_settings.throttling_rate_limit;
  // Each order publishes one event that SNS delivers to 3 or 4 queues; the API call is 1 request.
  const limits = [
    {
      limit: "API stage throttling (rate limit)",
      ordersPerSecond: apiRate,
      raisedBy: "apiThrottle.rateLimit in stacks/environments.ts (up to the account's 10,000 rps)",
    },
    {
      limit: highThroughput ? "SNS FIFO topic, message-group scope" : "SNS FIFO topic, topic scope",
      ordersPerSecond: highThroughput ? Number.POSITIVE_INFINITY : QUOTAS.snsFifoTopicScope.value,
      raisedBy: "highThroughputFifo: true (regional maximum; 300/s per order, never reached by one order's 2 events)",
    },
    {
      // SNS delivers each message to a subscribed queue with its own SendMessage call, never a batch:
      // the queue's per-action quota bounds what it takes from the topic, whatever the consumer's batch.
      limit: highThroughput
        ? "SQS FIFO queue, high throughput (SNS's SendMessage per message)"
        : "SQS FIFO queue (SNS's SendMessage per message: 300 calls/s)",
      ordersPerSecond: highThroughput ? QUOTAS.sqsFifoHighThroughput.value : QUOTAS.sqsFifoPerAction.value,
      raisedBy: "highThroughputFifo: true (batching does not help: SNS sends one message per call)",
    },
    {
      limit: `consumer drain rate (${maxConcurrency} pollers × ${batchSize} messages ÷ ${MESSAGE_SECONDS * batchSize} s)`,
      ordersPerSecond: Math.round(maxConcurrency / MESSAGE_SECONDS),
      raisedBy: "eventSource.maxConcurrency (needs as many active orderIds: one group is one batch at a time)",
    },
    {
      limit: "one hot SKU (every order reserves the same item)",
      ordersPerSecond: QUOTAS.dynamoPartitionWrite.value / QUOTAS.dynamoTransactionCost.value,
      raisedBy: "nothing in settings: shard the SKU's stock across items (e.g. SKU#0..9), or reserve in batches",
    },
    {
      limit: "SES sending rate (new production account)",
      ordersPerSecond: QUOTAS.sesProduction.value,
      raisedBy: "an SES sending-quota increase (AWS Support); e-mails queue in the notification queue meanwhile",
    },
  ];
  return {
    name,
    highThroughput,
    batchSize,
    maxConcurrency,
    timeoutSeconds: settings.lambda.timeoutSeconds,
    apiRate,
    limits,
  };
}

function markdown(environments: EnvironmentCapacity[]): string {
  const rate = (n: number) => (Number.isFinite(n) ? n.toLocaleString("en-US") : "regional maximum");
  const lines = [
    "# Capacity on AWS",
    "",
    "Generated by `npm run capacity` from the synthesized stacks and AWS's published quotas; do not edit.",
    "Orders/s is what each part sustains when it alone is the limit. One order is one API request, one",
    "SNS publish, and one message in each of 3 queues (4 for high-value orders); a cancellation adds one",
    `event. Consumer drain assumes ${MESSAGE_SECONDS * 1000} ms a message on AWS (measure yours with the smoke test and CloudWatch).`,
    "",
  ];
  for (const env of environments) {
    const sorted = [...env.limits].sort((a, b) => a.ordersPerSecond - b.ordersPerSecond);
    lines.push(
      `## ${env.name}`,
      "",
      `High-throughput FIFO: ${env.highThroughput ? "on" : "off"}; batch size ${env.batchSize}; maximum concurrency ${env.maxConcurrency} per queue; function timeout ${env.timeoutSeconds} s.`,
      "",
      "| limit | orders/s | raised by |",
      "| --- | ---: | --- |",
      ...sorted.map((l) => `| ${l.limit} | ${rate(l.ordersPerSecond)} | ${l.raisedBy} |`),
      "",
      `First limit hit as volume grows: **${sorted[0].limit}** at about ${rate(sorted[0].ordersPerSecond)} orders/s.`,
      "",
    );
  }
  lines.push(
    "## How message groups spread the load",
    "",
    "MessageGroupId is the orderId, so every order is its own group: SNS and SQS FIFO keep one order's",
    "events in order, while different orders are delivered, received and processed in parallel. The",
    "per-group quotas (300 messages/s) are never approached: an order has at most two events. Lambda's",
    "SQS FIFO event source hands one batch per group at a time, so parallelism is bounded by active",
    "orders and by the mapping's maximum concurrency, whichever is lower.",
    "",
    "## Quotas used",
    "",
    "| quota | value | source |",
    "| --- | ---: | --- |",
    ...Object.values(QUOTAS).map((q) => `| ${q.unit} | ${q.value.toLocaleString("en-US")} | ${q.source} |`),
    "",
  );
  return lines.join("\n");
}

const environments = ENVIRONMENT_NAMES.filter((n) => n !== "local").map(capacityOf);
const target = path.resolve(__dirname, "..", "docs", "capacity.md");
fs.writeFileSync(target, markdown(environments));
console.log(`wrote ${path.relative(process.cwd(), target)}`);
