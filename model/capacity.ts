/**
 * The capacity model: what each part of a deployed environment sustains when it alone is the
 * limit, from the synthesized plan (topology.ts), AWS's published quotas (quotas.ts) and measured
 * handler times (costs.ts); and the quotas an environment's design peak needs raised.
 */
import type { ConsumerService } from "../contract/services";
import { count } from "./format";
import { Quota, QUOTAS } from "./quotas";
import type { Costs } from "./simulation";
import type { ConsumerTopology, Topology } from "./topology";

export interface Limit {
  readonly part: string;
  readonly ordersPerSecond: number;
  readonly raisedBy: string;
}

/** A quota the design peak needs above its default, and what to ask for. */
export interface QuotaRequest {
  readonly quota: Quota;
  readonly needed: number;
  readonly askFor: number;
}

/**
 * Headroom asked above what the peak needs: handler times on AWS differ from the bench's, the
 * p95 is above the median, and other workloads of the account share the same quotas.
 */
export const HEADROOM = 1.5;

/** The share of orders a consumer receives: every order, or the filter's share (review). */
function shareOf(consumer: ConsumerTopology, highValueShare: number): number {
  return consumer.filtered ? highValueShare : 1;
}

const seconds = (ms: number) => ms / 1000;

/**
 * Seconds one message holds an execution environment in full batches (a backlog's): its handler
 * time plus its share of the invocation's own, or for a paced sender at least its share of the
 * SES rate (contract/send-pace.ts).
 */
function messageSeconds(consumer: ConsumerTopology, costs: Costs, ms: number): number {
  const pace = consumer.sendIntervalSeconds;
  const invocation = costs.consumers[consumer.service].invocationMs / consumer.batchSize;
  return Math.max(pace, seconds(ms + invocation));
}

/** Messages/s one consumer drains: its concurrency ÷ the time a message takes in a full batch. */
export function drainPerSecond(consumer: ConsumerTopology, costs: Costs): number {
  return consumer.maxConcurrency / messageSeconds(consumer, costs, costs.consumers[consumer.service].p50Ms);
}

/**
 * Reservations/s of one stock item: one partition's writes ÷ a transactional write's cost. A SKU
 * in every order is limited to this per shard item (stockShards in the catalogue), whatever the settings.
 */
export const RESERVATIONS_PER_STOCK_ITEM = QUOTAS.dynamoPartitionWrite.value / QUOTAS.dynamoTransactionCost.value;

/**
 * Writes to an order's item in its life, counted from the code: the API puts it (1) and marks
 * OrderPlaced published (1); inventory reserves in a transaction (2: a transactional write costs
 * double); each consumer records its outcome (1 each, review for its share). Each write is billed
 * one unit per KB of the item, which grows as outcomes are recorded.
 */
export function orderWriteUnits(itemBytes: number, highValueShare: number): number {
  const writes = 1 + 1 + 2 + 3 + highValueShare;
  return writes * Math.ceil(itemBytes / 1024);
}

/**
 * Strongly consistent reads of an order's item in its life, counted from the code: billing and
 * notification read it (1 each), review for its share, and the outbox relay once for the new
 * order on the stream (inventory reads it only to release). Each is billed one unit per 4 KB.
 */
export function orderReadUnits(itemBytes: number, highValueShare: number): number {
  const reads = 1 + 1 + highValueShare + 1;
  return reads * Math.ceil(itemBytes / 4096);
}

/**
 * Writes of one message's idempotency record (Powertools idempotency): put in progress, then
 * updated complete; each a record well under 1 KB.
 */
export const IDEMPOTENCY_WRITES = 2;

/**
 * Writes of an order to the outbox index (lambda-src/shared/outbox-index.ts): listed with its first
 * unpublished event, unlisted with the publish of its last; each a write of a key-only index item
 * under 1 KB. A rejection lists and unlists it once more, too rare to count.
 */
export const OUTBOX_INDEX_WRITES = 2;

/** Lambda concurrency at `ordersPerSecond` (Little's law with the p95 time: rate × time). */
export function concurrencyAt(
  topology: Topology,
  costs: Costs,
  ordersPerSecond: number,
  highValueShare: number,
): { api: number; consumers: Record<ConsumerService, number> } {
  const consumers = {} as Record<ConsumerService, number>;
  for (const c of topology.consumers) {
    const rate = Math.min(ordersPerSecond * shareOf(c, highValueShare), drainPerSecond(c, costs));
    consumers[c.service] = Math.min(
      c.maxConcurrency,
      Math.ceil(rate * messageSeconds(c, costs, costs.consumers[c.service].p95Ms)),
    );
  }
  return { api: Math.ceil(ordersPerSecond * seconds(costs.api.p95Ms)), consumers };
}

export function limitsOf(topology: Topology, costs: Costs, highValueShare: number): Limit[] {
  const api = topology.api;
  const limits: Limit[] = [
    {
      part: "API stage throttling (rate limit)",
      ordersPerSecond: api.rateLimit,
      raisedBy: "apiThrottle.rateLimit in stacks/environments.ts",
    },
    {
      part: "API Gateway, every API of the account and region",
      ordersPerSecond: QUOTAS.apiGatewayAccount.value,
      raisedBy: QUOTAS.apiGatewayAccount.raise,
    },
    {
      part: `orders API function (${api.reservedConcurrency} reserved ÷ ${costs.api.p50Ms} ms)`,
      ordersPerSecond: api.reservedConcurrency / seconds(costs.api.p50Ms),
      raisedBy: "apiReservedConcurrency in stacks/environments.ts",
    },
    {
      part: topology.highThroughputFifo
        ? "SNS FIFO publishes, message-group scope (per account in the region)"
        : "SNS FIFO topic, topic scope",
      ordersPerSecond: topology.topicPerSecond,
      raisedBy: topology.highThroughputFifo
        ? QUOTAS.snsFifoMessageGroupScope.raise
        : "highThroughputFifo: true in stacks/environments.ts",
    },
  ];
  for (const c of topology.consumers) {
    const share = shareOf(c, highValueShare);
    limits.push({
      // An assumption, not a documented fact: AWS does not say how SNS writes to a subscribed
      // queue. Taken as one SendMessage call a message (never a batch), the queue's per-action
      // quota bounds what it takes from the topic, whatever the consumer's batch size.
      part: `${c.service} queue intake (assumed: SNS sends one message per SendMessage call)`,
      ordersPerSecond: c.intakePerSecond / share,
      raisedBy: "highThroughputFifo: true (batching does not help)",
    });
    const perMessage = costs.consumers[c.service].p50Ms;
    limits.push({
      part:
        c.sendRatePerSecond !== undefined
          ? `${c.service}: ${c.maxConcurrency} senders paced to the SES rate of ${c.sendRatePerSecond}/s (e-mails wait in the queue beyond it)`
          : `${c.service} drain (${c.maxConcurrency} concurrent ÷ ${perMessage} ms a message)`,
      ordersPerSecond: drainPerSecond(c, costs) / share,
      raisedBy:
        c.sendRatePerSecond !== undefined
          ? `${QUOTAS.sesSendRate.raise}, then notification.maxSendRate`
          : "eventSource.maxConcurrency (at most 1,000 per mapping)",
    });
  }
  if (costs.orderItemBytes !== undefined) {
    const table = topology.ordersTable;
    const sides = [
      { kind: "write", warm: table.warmWriteUnits, units: orderWriteUnits, quota: QUOTAS.dynamoOnDemandTable },
      { kind: "read", warm: table.warmReadUnits, units: orderReadUnits, quota: QUOTAS.dynamoOnDemandTableReads },
    ];
    for (const side of sides) {
      const units = side.units(costs.orderItemBytes, highValueShare);
      const capacity = side.warm ?? side.quota.value;
      limits.push({
        part: `orders table: ${side.warm ? "warm" : "on-demand"} ${side.kind} units ${count(capacity)}/s ÷ ${units.toFixed(1)} an order (items of ${costs.orderItemBytes} B)`,
        ordersPerSecond: capacity / units,
        raisedBy: `warmThroughput.orders in stacks/environments.ts, and ${side.quota.raise} above ${count(side.quota.value)}`,
      });
    }
  }
  for (const c of topology.consumers) {
    if (c.idempotencyWarmWriteUnits === undefined) continue;
    limits.push({
      part: `${c.service}'s idempotency records: warm write units ${count(c.idempotencyWarmWriteUnits)}/s ÷ ${IDEMPOTENCY_WRITES} a message`,
      ordersPerSecond: c.idempotencyWarmWriteUnits / IDEMPOTENCY_WRITES / shareOf(c, highValueShare),
      raisedBy: "warmThroughput.idempotency in stacks/environments.ts",
    });
  }
  const outboxIndex = topology.ordersTable.outboxIndexWarmWriteUnits;
  if (outboxIndex !== undefined) {
    limits.push({
      part: `orders table's outbox index: warm write units ${count(outboxIndex)}/s ÷ 2 an order (it enters and leaves)`,
      ordersPerSecond: outboxIndex / OUTBOX_INDEX_WRITES,
      raisedBy: "the outbox index's warm throughput in stacks/fanout-stack.ts",
    });
  }
  const perOrder = topology.consumers.reduce(
    (n, c) => n + shareOf(c, highValueShare) * seconds(costs.consumers[c.service].p50Ms),
    0,
  );
  limits.push({
    part: `Lambda concurrency the consumers share (${topology.accountConcurrency} − ${api.reservedConcurrency} reserved for the API)`,
    ordersPerSecond: (topology.accountConcurrency - api.reservedConcurrency) / perOrder,
    raisedBy: `${QUOTAS.lambdaRegional.raise}, then ORDER_FANOUT_<ENV>_ACCOUNT_CONCURRENCY`,
  });
  return limits.sort((a, b) => a.ordersPerSecond - b.ordersPerSecond);
}

const roundUp = (n: number, step: number) => Math.ceil(n / step) * step;

/**
 * The quotas an environment needs raised above AWS's defaults: for its API throttle, and for
 * `peak` orders/s with HEADROOM (SNS publishes; the orders table's writes when the order item's
 * size was measured), and for what its settings declare (Lambda concurrency, the SES rate).
 */
export function quotaRequests(
  topology: Topology,
  peak: number,
  orderItemBytes?: number,
  highValueShare = 1,
  emailsPerDay?: number,
): QuotaRequest[] {
  const requests: QuotaRequest[] = [];
  const ask = (quota: Quota, needed: number, askFor: number) => {
    if (askFor > quota.value) requests.push({ quota, needed, askFor });
  };
  const api = topology.api.rateLimit;
  ask(QUOTAS.apiGatewayAccount, api, roundUp(api * HEADROOM, 1000));
  if (topology.highThroughputFifo) ask(QUOTAS.snsFifoMessageGroupScope, peak, roundUp(peak * HEADROOM, 1000));
  const lambda = topology.api.reservedConcurrency + topology.consumers.reduce((n, c) => n + c.maxConcurrency, 0);
  ask(QUOTAS.lambdaRegional, lambda, topology.accountConcurrency);
  const email = topology.consumers.find((c) => c.sendRatePerSecond !== undefined)?.sendRatePerSecond;
  if (email !== undefined) ask(QUOTAS.sesSendRate, email, email);
  // SES's 24-hour quota is the account's: asked with headroom over the busiest day's e-mails.
  if (emailsPerDay !== undefined) ask(QUOTAS.sesDailyQuota, emailsPerDay, roundUp(emailsPerDay * HEADROOM, 5_000_000));
  if (orderItemBytes !== undefined) {
    // Every write of an order lands on the orders table: its table-level quota must cover the
    // peak's, and at least the warm throughput the table asks for (an apply asking more is refused).
    const { warmWriteUnits = 0, warmReadUnits = 0 } = topology.ordersTable;
    const writes = peak * orderWriteUnits(orderItemBytes, highValueShare);
    ask(QUOTAS.dynamoOnDemandTable, writes, Math.max(roundUp(writes * HEADROOM, 5000), warmWriteUnits));
    const reads = peak * orderReadUnits(orderItemBytes, highValueShare);
    ask(QUOTAS.dynamoOnDemandTableReads, reads, Math.max(roundUp(reads * HEADROOM, 5000), warmReadUnits));
  }
  return requests;
}
