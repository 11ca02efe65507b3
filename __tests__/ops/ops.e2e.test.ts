/**
 * `npm run ops` end to end: the real CLI as a child process against the real local runtime, whose
 * SQS endpoint provides the message move tasks fauxqs lacks. A message billing cannot process (an
 * OrderPlaced for an order not stored) reaches billing's DLQ; `status` counts it, `dlq list` names
 * its order and the reason billing logged, and once the order exists `dlq redrive` moves it back
 * and billing invoices it.
 */
import { PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { orderIdFor } from "../../lambda-src/orders-api/orders";
import {
  addFault,
  CommandRun,
  placeOrder,
  runCommandLine,
  removeFault,
  RunningRuntime,
  startLocalRuntime,
  storedItem,
  waitFor,
} from "../support/local-runtime";

const PORTS = { api: 3700, aws: 5366, dynamodb: 8700 };
const ORDERS = "order-fanout-local-orders";

let runtime: RunningRuntime;

beforeAll(async () => {
  // The local stack's own 5 s function timeout, the margin a loaded machine needs (see
  // failures.e2e.test.ts); a failed message is visible again after 30 s, and its second receive
  // sends it to the DLQ.
  runtime = await startLocalRuntime({ functionTimeoutSeconds: 5, maxReceiveCount: 1 }, PORTS);
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
});

function ops(...args: string[]): Promise<CommandRun> {
  return runCommandLine(runtime, "bin/ops.ts", ...args);
}

function command(script: string, ...args: string[]): Promise<CommandRun> {
  return runCommandLine(runtime, script, ...args);
}

it("counts, lists and redrives a dead-lettered message", async () => {
  // A real order, whose OrderPlaced is copied for an order that does not exist yet.
  const real = await placeOrder(runtime, "ops-e2e-real", [{ sku: "KB-01", quantity: 1 }]);
  expect(real.status).toBe(202);
  const stored = await storedItem(runtime, ORDERS, { orderId: real.body.orderId });
  const orphan = orderIdFor("ops-e2e-orphan");
  const event = { ...stored.outbox.OrderPlaced.event, orderId: orphan, eventId: `${orphan}:OrderPlaced` };
  const { QueueUrl } = await runtime.clients.sqs.send(
    new GetQueueUrlCommand({ QueueName: "order-fanout-local-billing.fifo" }),
  );
  await runtime.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl,
      MessageBody: JSON.stringify(event),
      MessageGroupId: orphan,
      MessageDeduplicationId: event.eventId,
    }),
  );

  const inDlq = await waitFor(
    "status counting it in billing's DLQ",
    async () => {
      const run = await ops("status", "--env", "local", "--json");
      if (run.status !== 0) return false;
      const report = JSON.parse(run.stdout) as { queues: { service: string; inDeadLetterQueue: number }[] };
      return report.queues.find((q) => q.service === "billing")?.inDeadLetterQueue === 1 && run;
    },
    90_000,
  );
  expect(inDlq.status).toBe(0);

  const listed = await ops("dlq", "list", "billing", "--env", "local", "--data-dir", runtime.dataDir);
  expect(listed.status).toBe(0);
  expect(listed.stdout).toContain(orphan);
  expect(listed.stdout).toContain("OrderPlaced");
  expect(listed.stdout).toContain(`order ${orphan} does not exist`);

  // The operator fixes the cause, then redrives.
  await runtime.clients.documents.send(new PutCommand({ TableName: ORDERS, Item: { ...stored, orderId: orphan } }));
  const redriven = await ops("dlq", "redrive", "billing", "--env", "local");
  expect(redriven).toMatchObject({ status: 0 });
  expect(redriven.stdout).toMatch(/COMPLETED: moved 1 of 1/);
  const invoiced = await waitFor(
    "billing invoicing the redriven order",
    async () => (await storedItem(runtime, ORDERS, { orderId: orphan }))?.fulfilment?.billing?.status === "INVOICED",
    30_000,
  );
  expect(invoiced).toBe(true);

  const unknown = await ops("dlq", "list", "payroll", "--env", "local");
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain('unknown service "payroll"');
}, 150_000);

it("smoke-tests the deployment and leaves no live order: the order is cancelled and every service compensates", async () => {
  const run = await command("bin/smoke.ts", "--url", runtime.api);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  for (const service of ["inventory", "billing", "notification"])
    expect(run.stdout).toContain(`✓ ${service} compensated the cancellation`);

  // It orders the catalogue's smoke-test product, never a real one.
  const real = await command("bin/smoke.ts", "--env", "local", "--sku", "KB-01");
  expect(real.status).toBe(1);
  expect(real.stderr).toContain('KB-01 is a real product, not marked for smoke tests ("smokeTest": true)');
}, 90_000);

it("loses no order when the relay gives its stream record up: the scheduled sweep publishes it, outbox list shows both, replay settles the record", async () => {
  const key = "ops-outbox-given-up";
  const orderId = orderIdFor(key);
  const refusal = await addFault(runtime, { publish: "refuse", orderId });
  const placed = await placeOrder(runtime, key, [{ sku: "KB-01", quantity: 1 }]);
  expect(placed.status).toBe(202);

  // The API's publish and the relay's 1 + 10 tries are refused; the relay's record goes to its failures queue.
  const listed = async () => JSON.parse((await ops("outbox", "list", "--env", "local", "--json")).stdout);
  const { QueueUrl: failures } = await runtime.clients.sqs.send(
    new GetQueueUrlCommand({ QueueName: "order-fanout-local-outbox-relay-failures" }),
  );
  await waitFor(
    "the relay giving the order's record up",
    async () => {
      const { Attributes } = await runtime.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: failures, AttributeNames: ["ApproximateNumberOfMessages"] }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages) > 0;
    },
    90_000,
  );
  const report = await listed();
  expect(report.givenUp[0]).toMatchObject({ condition: "RetryAttemptsExhausted", invocations: 11, records: 1 });
  expect(report.pending.orders).toContainEqual(expect.objectContaining({ orderId, unpublished: ["OrderPlaced"] }));
  expect((await storedItem(runtime, ORDERS, { orderId })).fulfilment).toEqual({});

  // Nothing but the sweep, on its one-minute schedule, publishes it now.
  await removeFault(runtime, refusal);
  const reserved = await waitFor(
    "the scheduled sweep publishing the order",
    async () => (await storedItem(runtime, ORDERS, { orderId }))?.fulfilment?.inventory?.status === "RESERVED",
    150_000,
  );
  expect(reserved).toBe(true);
  const order = await storedItem(runtime, ORDERS, { orderId });
  expect(order.unpublished).toBeUndefined();
  expect(order.outboxShard).toBeUndefined(); // out of the index once published

  const replayed = await ops("outbox", "replay", "--env", "local");
  expect(replayed.stderr).toBe("");
  expect(replayed.status).toBe(0);
  expect(replayed.stdout).toMatch(/^[1-9]\d* failure records settled/m);
  expect(await listed()).toMatchObject({ pending: { total: 0 }, givenUp: [] });

  const usage = await ops("outbox", "resend", "--env", "local");
  expect(usage.status).toBe(2);
  expect(usage.stderr).toContain('unknown command "outbox resend": use list, replay or backfill');

  // An order written before the index existed: unpublished, and not listed. backfill lists it.
  const legacyKey = "ops-outbox-legacy";
  const legacy = orderIdFor(legacyKey);
  const held = await addFault(runtime, { publish: "refuse", orderId: legacy });
  expect((await placeOrder(runtime, legacyKey, [{ sku: "KB-01", quantity: 1 }])).status).toBe(202);
  await runtime.clients.documents.send(
    new UpdateCommand({
      TableName: ORDERS,
      Key: { orderId: legacy },
      UpdateExpression: "REMOVE outboxShard, outboxSince",
    }),
  );
  const backfilled = await ops("outbox", "backfill", "--env", "local");
  expect(backfilled.stderr).toBe("");
  expect(backfilled.stdout).toContain("1 orders with unpublished events were not in the outbox index; 1 listed now");
  expect(await storedItem(runtime, ORDERS, { orderId: legacy })).toMatchObject({
    outboxShard: expect.any(String),
    outboxSince: expect.any(String),
  });
  await removeFault(runtime, held);
  await waitFor(
    "the backfilled order to be published",
    async () => (await storedItem(runtime, ORDERS, { orderId: legacy }))?.fulfilment?.inventory?.status === "RESERVED",
    150_000,
  );
}, 300_000);
