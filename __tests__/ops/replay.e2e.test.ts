/**
 * `replay` end to end: a real runtime (emulators, bundles, pollers) on ports of its own, the real
 * command in a process of its own, talking to the runtime's SNS endpoint as an operator would.
 */
import { execFile } from "node:child_process";
import * as path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { orderIdFor } from "../../lambda-src/orders-api/orders";
import { snsPort } from "../../contract/local-endpoints";
import { call, placeOrder, processed, RunningRuntime, startLocalRuntime, waitFor } from "../support/local-runtime";

const ROOT = path.resolve(__dirname, "../..");
const PORTS = { api: 3300, aws: 4866, dynamodb: 8300 };
const BUCKET = "order-fanout-local-documents-000000000000";

let runtime: RunningRuntime;

beforeAll(async () => {
  runtime = await startLocalRuntime({ functionTimeoutSeconds: 5, maxReceiveCount: 3 }, PORTS);
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
});

/** `npm run ops -- replay ...` as another engineer wires it: replayCommand's exit status is the process's. */
function replay(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const script = `require("./bin/replay").replayCommand(${JSON.stringify(args)}).then((s) => (process.exitCode = s))`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "-e", script],
      { cwd: ROOT, env: { ...process.env, AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${snsPort(PORTS.aws)}` } },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function invoices(orderId: string): Promise<string[]> {
  const page = await runtime.clients.s3.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `invoices/${orderId}` }),
  );
  return (page.Contents ?? []).map((c) => c.Key!);
}

const billed = async (orderId: string) =>
  (await processed(runtime)).filter((p) => p.service === "billing" && p.orderId === orderId);

it("replays the last hour into billing only; billing sees each event again and changes nothing", async () => {
  const keys = [`replay-${process.pid}-a`, `replay-${process.pid}-b`];
  const from = new Date(Date.now() - 60 * 60 * 1000).toISOString();
  for (const key of keys) expect((await placeOrder(runtime, key, [{ sku: "KB-01", quantity: 1 }])).status).toBe(202);
  const orderIds = keys.map((key) => orderIdFor(key));
  const before = await waitFor("both orders billed", async () => {
    const orders = await Promise.all(orderIds.map(async (id) => (await call(runtime, "GET", `/orders/${id}`)).body));
    return orders.every((o) => o?.fulfilment?.billing) && orders.map((o) => o.fulfilment.billing);
  });

  const run = await replay("billing", "--from", from, "--env", "local");
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout).toContain("replay into order-fanout-local-billing.fifo in local (http://127.0.0.1:4867)");
  expect(run.stdout).toContain("Completed");

  for (const id of orderIds)
    await waitFor(`billing saw ${id} again`, async () => (await billed(id)).length >= 2, 20_000);
  for (const [i, id] of orderIds.entries()) {
    expect((await billed(id)).map((p) => p.eventType)).toEqual(["OrderPlaced", "OrderPlaced"]);
    expect(await invoices(id)).toEqual([`invoices/${id}.json`]);
    expect((await call(runtime, "GET", `/orders/${id}`)).body.fulfilment.billing).toEqual(before[i]);
  }
  // Only billing's subscription was replayed to: every other service saw each event once at most.
  const others = (await processed(runtime)).filter((p) => orderIds.includes(p.orderId) && p.service !== "billing");
  const seen = others.map((p) => `${p.service} ${p.orderId} ${p.eventType}`);
  expect(new Set(seen).size).toBe(seen.length);

  // A bounded replay is refused: what SNS does after one is not documented.
  const bounded = await replay("billing", "--from", from, "--to", new Date().toISOString(), "--env", "local");
  expect(bounded.status).toBe(2);
  expect(bounded.stderr).toMatch(/--to is refused/);
}, 60_000);

it("replays into review only what its subscription's filter lets through, as live delivery did", async () => {
  const small = `replay-review-${process.pid}-small`; // 89.00 EUR: under review's threshold
  const large = `replay-review-${process.pid}-large`; // 2,499.00 EUR: at or above it
  const from = new Date(Date.now() - 60 * 60 * 1000).toISOString();
  expect((await placeOrder(runtime, small, [{ sku: "KB-01", quantity: 1 }])).status).toBe(202);
  expect((await placeOrder(runtime, large, [{ sku: "LT-05", quantity: 1 }])).status).toBe(202);
  const [smallId, largeId] = [orderIdFor(small), orderIdFor(large)];
  const reviewed = async (orderId: string) =>
    (await processed(runtime)).filter((p) => p.service === "review" && p.orderId === orderId);
  await waitFor("large order reviewed", async () => (await reviewed(largeId)).length === 1);
  await waitFor("small order billed", async () => (await billed(smallId)).length === 1);

  const run = await replay("review", "--from", from, "--env", "local");
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);

  // The small order was archived first, so its filter decision came before the large one's delivery.
  await waitFor("review saw the large order again", async () => (await reviewed(largeId)).length >= 2, 20_000);
  expect((await reviewed(largeId)).map((p) => p.eventType)).toEqual(["OrderPlaced", "OrderPlaced"]);
  expect(await reviewed(smallId)).toEqual([]);
}, 60_000);
