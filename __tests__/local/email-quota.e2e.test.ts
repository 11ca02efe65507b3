/**
 * E-mail beyond SES's 24-hour quota, end to end, in a local account whose quota is one e-mail. The
 * first order is confirmed. The second's confirmation is refused by the local SES as SES refuses it;
 * the notification bundle fails the message naming the quota, and after its receives the message
 * waits in the notification DLQ (nothing is lost) while the order's other services carry on.
 * `ops quotas` reads the account's figure with the same calls as on AWS and says it is short.
 */
import {
  placeOrder,
  RunningRuntime,
  runCommandLine,
  startLocalRuntime,
  storedItem,
  waitFor,
} from "../support/local-runtime";

const PORTS = { api: 3900, aws: 5566, dynamodb: 8900 };
const ORDERS = "order-fanout-local-orders";

let runtime: RunningRuntime;

beforeAll(async () => {
  // A failed message is visible again after 30 s (6 × 5 s), and its second receive dead-letters it.
  runtime = await startLocalRuntime({ functionTimeoutSeconds: 5, maxReceiveCount: 1, sesDailyQuota: 1 }, PORTS);
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
});

const ops = (...args: string[]) => runCommandLine(runtime, "bin/ops.ts", ...args);
const fulfilment = async (orderId: string) => (await storedItem(runtime, ORDERS, { orderId }))?.fulfilment ?? {};

it("reads the account's quotas as on AWS, and says a 24-hour quota below the design is short for the peak", async () => {
  const run = await ops("quotas", "--env", "local");
  expect(run.stderr).toBe("");
  // Short only for the peak: an apply would still succeed.
  expect(run.status).toBe(0);
  expect(run.stdout).toMatch(/^ok\s+AWS Lambda › Concurrent executions \(L-B99A9384\): the account has 1000/m);
  expect(run.stdout).toMatch(/^ok\s+Amazon DynamoDB › Table-level write throughput limit \(L-AB614373\)/m);
  expect(run.stdout).toMatch(
    /^SHORT at the peak\s+Amazon SES › Sending quota \(L-804C8AE8\): the account has 1, needed 1000000/m,
  );
}, 60_000);

it("keeps an e-mail SES refuses beyond the 24-hour quota in the notification DLQ, naming the quota, and the order goes on", async () => {
  const first = await placeOrder(runtime, `email-quota-${process.pid}-a`, [{ sku: "KB-01", quantity: 1 }]);
  expect(first.status).toBe(202);
  await waitFor(
    "the first order's confirmation",
    async () => (await fulfilment(first.body.orderId)).notification?.status === "CONFIRMATION_SENT",
    60_000,
  );

  const second = await placeOrder(runtime, `email-quota-${process.pid}-b`, [{ sku: "KB-01", quantity: 1 }]);
  expect(second.status).toBe(202);
  const orderId = second.body.orderId as string;
  await waitFor(
    "inventory and billing handling the second order",
    async () => {
      const f = await fulfilment(orderId);
      return f.inventory?.status === "RESERVED" && f.billing?.status === "INVOICED";
    },
    60_000,
  );
  await waitFor(
    "the refused confirmation in the notification DLQ",
    async () => {
      const run = await ops("status", "--env", "local", "--json");
      if (run.status !== 0) return false;
      const report = JSON.parse(run.stdout) as { queues: { service: string; inDeadLetterQueue: number }[] };
      return report.queues.find((q) => q.service === "notification")?.inDeadLetterQueue === 1;
    },
    90_000,
  );
  const listed = await ops("dlq", "list", "notification", "--env", "local", "--data-dir", runtime.dataDir);
  expect(listed.status).toBe(0);
  expect(listed.stdout).toContain(orderId);
  expect(listed.stdout).toContain("the account's 24-hour sending quota is used up (Daily message quota exceeded.)");
  // Nothing recorded a confirmation that was never sent.
  expect((await fulfilment(orderId)).notification).toBeUndefined();
}, 180_000);
