/**
 * `npm run ops -- outbox list|replay --env <env>` (bin/outbox.ts): the outbox safety net from the operator's side
 * (lambda-src/shared/outbox.ts, lambda-src/outbox-sweep). The same SDK calls for AWS and for the
 * local runtime.
 *
 * - list: the orders whose events are still unpublished (the outbox index, oldest first in each
 *   partition, with their pending event types), and what the relay gave up: Lambda's invocation
 *   records in the relay's failures queue (shard, sequence numbers and arrival times; read, then
 *   made visible again).
 * - replay: invokes the outbox sweep now for every listed order, grace or not, and then deletes
 *   each failure record whose orders are all published. A record names stream positions, not
 *   orders, so it is deleted when no order still listed was recorded before its last record
 *   arrived (with a minute for clocks): every order in it had its event recorded by then, and an
 *   order stays listed, with the time of its oldest unpublished event, until it is published.
 *
 * IAM: dynamodb:Query on the orders table's outbox-pending index and dynamodb:GetItem on the
 * table; sqs:GetQueueUrl, sqs:ReceiveMessage, sqs:ChangeMessageVisibility and sqs:DeleteMessage on
 * the failures queue; lambda:InvokeFunction on the sweep.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { DeleteMessageBatchCommand, Message, SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { listedOrders } from "../lambda-src/shared/outbox-listing";
import { readOrderItem } from "../lambda-src/shared/orders";
import type { SweepResult } from "../lambda-src/outbox-sweep/sweep";
import { documentClientFor, OpsTarget, outboxNames } from "./target";
import { makeVisible, receiveAll } from "./dlq";
import { queueUrlOf } from "./status";

/** Orders shown by list; the count is always whole. */
const SHOWN_ORDERS = 100;
/** Clocks of Lambda and of DynamoDB Streams may differ this much. */
const CLOCK_MARGIN_MS = 60_000;

export interface PendingOrder {
  orderId: string;
  since: string;
  unpublished: string[];
}

/** Lambda's invocation record for stream records it gave up, as the failures queue holds it. */
export interface GivenUp {
  messageId: string;
  condition: string;
  invocations: number;
  shardId: string;
  sequenceNumbers: string;
  records: number;
  lastArrival: string;
}

export interface OutboxReport {
  pending: { total: number; oldest?: string; orders: PendingOrder[] };
  givenUp: GivenUp[];
}

function givenUpOf(message: Message): GivenUp {
  const record = JSON.parse(message.Body ?? "{}") as {
    requestContext?: { condition?: string; approximateInvokeCount?: number };
    DDBStreamBatchInfo?: Record<string, string | number>;
  };
  const batch = record.DDBStreamBatchInfo ?? {};
  return {
    messageId: message.MessageId!,
    condition: record.requestContext?.condition ?? "?",
    invocations: record.requestContext?.approximateInvokeCount ?? 0,
    shardId: String(batch.shardId ?? "?"),
    sequenceNumbers: `${batch.startSequenceNumber}..${batch.endSequenceNumber}`,
    records: Number(batch.batchSize ?? 0),
    lastArrival: String(batch.approximateArrivalOfLastRecord ?? ""),
  };
}

async function pendingOrders(ddb: DynamoDBDocumentClient, ordersTable: string): Promise<OutboxReport["pending"]> {
  const pending: OutboxReport["pending"] = { total: 0, orders: [] };
  for await (const { orderId, since } of listedOrders({ ddb, ordersTable })) {
    pending.total++;
    if (!pending.oldest || since < pending.oldest) pending.oldest = since;
    if (pending.orders.length >= SHOWN_ORDERS) continue;
    const item = await readOrderItem(ddb, ordersTable, orderId, { consistent: false, attributes: ["unpublished"] });
    pending.orders.push({ orderId, since, unpublished: [...((item?.unpublished as Set<string>) ?? [])].sort() });
  }
  return pending;
}

async function failureMessages(sqs: SQSClient, target: OpsTarget): Promise<{ url: string; messages: Message[] }> {
  const url = await queueUrlOf(sqs, outboxNames(target.settings).failuresQueue);
  const messages = await receiveAll(sqs, url);
  return { url, messages };
}

export async function outboxReport(target: OpsTarget, sqs: SQSClient): Promise<OutboxReport> {
  const pending = await pendingOrders(documentClientFor(target), target.tables.orders);
  const { url, messages } = await failureMessages(sqs, target);
  await makeVisible(sqs, url, messages);
  return { pending, givenUp: messages.map(givenUpOf) };
}

export function formatOutboxReport(report: OutboxReport, target: OpsTarget, now = new Date()): string {
  const age = (since: string) => `${Math.round((now.getTime() - Date.parse(since)) / 1000)} s ago`;
  const { pending, givenUp } = report;
  const lines = [`Orders with unpublished events in ${target.description}: ${pending.total}`];
  for (const o of pending.orders)
    lines.push(`  ${o.orderId}  since ${o.since} (${age(o.since)})  ${o.unpublished.join(", ")}`);
  if (pending.total > pending.orders.length) lines.push(`  … and ${pending.total - pending.orders.length} more`);
  lines.push(`Stream records the relay gave up (${outboxNames(target.settings).failuresQueue}): ${givenUp.length}`);
  for (const g of givenUp) {
    lines.push(
      `  ${g.condition} after ${g.invocations} invocations: ${g.records} record(s) ${g.sequenceNumbers} of ${g.shardId}, last arrived ${g.lastArrival}`,
    );
  }
  if (pending.total > 0 || givenUp.length > 0)
    lines.push("The sweep publishes these on its schedule; `npm run ops -- outbox replay` does it now.");
  return lines.join("\n");
}

/** Invokes the sweep for every listed order, and answers what it did. */
async function sweepNow(target: OpsTarget): Promise<SweepResult> {
  const lambda = new LambdaClient(target.lambda);
  const answer = await lambda.send(
    new InvokeCommand({
      FunctionName: outboxNames(target.settings).sweepFunction,
      Payload: Buffer.from(JSON.stringify({ graceSeconds: 0 })),
    }),
  );
  const payload = Buffer.from(answer.Payload ?? []).toString("utf8");
  if (answer.FunctionError) throw new Error(`the outbox sweep failed: ${payload}`);
  return JSON.parse(payload) as SweepResult;
}

/** Deletes the failure records whose orders are all published (see the module comment). */
async function settleFailures(target: OpsTarget, sqs: SQSClient, oldestPending?: string): Promise<number> {
  const { url, messages } = await failureMessages(sqs, target);
  const settled = messages.filter((m) => {
    const { lastArrival } = givenUpOf(m);
    return !oldestPending || Date.parse(oldestPending) > Date.parse(lastArrival) + CLOCK_MARGIN_MS;
  });
  await makeVisible(
    sqs,
    url,
    messages.filter((m) => !settled.includes(m)),
  );
  for (let i = 0; i < settled.length; i += 10) {
    const batch = settled.slice(i, i + 10);
    const { Failed = [] } = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle! })),
      }),
    );
    if (Failed.length > 0) throw new Error(`${Failed.length} failure records were not deleted: ${Failed[0].Message}`);
  }
  return settled.length;
}

/** Runs the sweep now and settles the failure records; answers the exit status (1 while anything stays unpublished). */
export async function replayOutbox(target: OpsTarget, sqs: SQSClient): Promise<number> {
  const result = await sweepNow(target);
  console.log(
    `swept ${result.orders} orders: ${result.published} events published, ${result.failed.length} orders failed${result.failed.length ? ` (${result.failed.slice(0, 5).join(", ")}${result.failed.length > 5 ? ", …" : ""})` : ""}`,
  );
  const pending = await pendingOrders(documentClientFor(target), target.tables.orders);
  const settled = await settleFailures(target, sqs, pending.oldest);
  console.log(`${settled} failure records settled (their orders are published)`);
  if (pending.total === 0) return result.failed.length > 0 ? 1 : 0;
  console.error(
    `${pending.total} orders still have unpublished events, the oldest since ${pending.oldest}: see the sweep's log for why`,
  );
  return 1;
}
