/**
 * Fan-out throughput and latency on the local runtime, from empty emulators each run: `clients`
 * concurrent clients place `orders` orders; an order completes when its last service (inventory,
 * billing, notification, and review for high-value orders) logged its outcome. Alongside: where
 * the time goes, measured: API answer time, each handler's time, and the CPU the runtime process
 * (gateway, fauxqs, function workers) and DynamoDB Local (Java) each used.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { percentile } from "./measure";
import { itemBytes } from "./item-size";
import { localClients } from "../local/emulation/aws-clients";
import { environmentSettings, tableName } from "../stacks/environments";
import { startChildRuntime } from "../local/runtime/child-runtime";
import { CONSUMER_SERVICES } from "../contract/services";

/** Ports apart from `npm start`'s and the tests', so a bench can run beside either. */
export const BENCH_PORTS = { api: 3800, aws: 5466, dynamodb: 8800 };

const CATALOGUE = [
  { sku: "KB-01", cents: 8_900 },
  { sku: "MS-02", cents: 3_500 },
  { sku: "HD-03", cents: 19_900 },
  { sku: "CB-06", cents: 1_200 },
  { sku: "LT-05", cents: 249_900 },
];
const THRESHOLD = 100_000;

export interface FanOutRun {
  orders: number;
  ordersPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
  apiMs: { p50: number; p95: number };
  handlerMs: Record<string, { p50: number; p95: number }>;
  cpuSeconds: { runtime: number; dynamodbLocal: number };
  /** Cores the idle runtime and DynamoDB Local use (pollers' long polls, the stream poller), before any order. */
  idleCores: number;
  /**
   * Per function (service or orders-api): invocations and their total time, so that a batch's
   * fixed cost (invocation time beyond its records' own) can be told from a record's.
   */
  functions: Record<
    string,
    { invocations: number; busyMs: number; activeMs: number; records?: number; recordMs?: number }
  >;
  /** Size of an order's item once every service recorded its outcome (DynamoDB's billing rules). */
  orderItemBytes: { p50: number; max: number };
  /** From a consumer's first start on an order to the API's answer: the API's work after it published. */
  publishedBeforeAnswerMs: { p50: number };
  wallSeconds: number;
}

/** Seconds the idle runtime is watched before the clients start. */
const IDLE_SECONDS = 3;

/** CPU seconds (user + system) a process and its threads have used. */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function pidOf(pattern: string): number {
  return Number(execFileSync("pgrep", ["-n", "-f", pattern]).toString().trim());
}

/**
 * The process under `ancestor` whose command line matches: DynamoDB Local listens on a free port
 * behind the runtime's front, so it is found as the runtime's descendant (runtime → sh → java).
 */
function descendantPid(ancestor: number, pattern: RegExp): number {
  const processes = execFileSync("ps", ["-eo", "pid=,ppid=,args="])
    .toString()
    .split("\n")
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, pid, ppid, args]) => ({ pid: Number(pid), ppid: Number(ppid), args }));
  const below = new Set([ancestor]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of processes) {
      if (!below.has(p.ppid) || below.has(p.pid)) continue;
      below.add(p.pid);
      grew = true;
    }
  }
  const found = processes.find((p) => below.has(p.pid) && p.pid !== ancestor && pattern.test(p.args));
  if (!found) throw new Error(`no process matching ${pattern} under ${ancestor}`);
  return found.pid;
}

/** `runtimeArgs` go to the runtime (`--no-authorization` to measure what authorization costs). */
export async function fanOutRun(clients: number, orders: number, runtimeArgs: string[] = []): Promise<FanOutRun> {
  const runtime = await startChildRuntime(BENCH_PORTS, 60_000, runtimeArgs);
  try {
    const runtimePid = pidOf(`local/main.ts --api-port ${BENCH_PORTS.api}`);
    const javaPid = descendantPid(runtimePid, /^java .*DynamoDBLocal\.jar/);
    const busy = () => cpuSeconds(runtimePid) + cpuSeconds(javaPid);
    const idleFrom = busy();
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const idleCores = (busy() - idleFrom) / IDLE_SECONDS;
    const cpuBefore = { runtime: cpuSeconds(runtimePid), java: cpuSeconds(javaPid) };
    const accepted = new Map<string, { at: number; services: number }>();
    const apiMs: number[] = [];
    let next = 0;
    const started = Date.now();
    const stamp = started.toString(36);
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < orders) {
          const i = next++;
          const item = CATALOGUE[i % CATALOGUE.length];
          const sent = Date.now();
          const response = await fetch(`${runtime.api}/orders`, {
            method: "POST",
            headers: { "content-type": "application/json", "idempotency-key": `bench-${stamp}-${i}` },
            body: JSON.stringify({
              customer: { id: `c${i}`, email: "bench@example.com" },
              items: [{ sku: item.sku, quantity: 1 }],
            }),
          });
          const body = (await response.json()) as { orderId: string };
          if (response.status !== 202)
            throw new Error(`order ${i} answered ${response.status}: ${JSON.stringify(body)}`);
          const at = Date.now();
          apiMs.push(at - sent);
          accepted.set(body.orderId, { at, services: item.cents >= THRESHOLD ? 4 : 3 });
        }
      }),
    );
    type Processed = { service: string; orderId: string; failed: boolean; ms: number; at: string };
    let processed: Processed[] = [];
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      processed = (await (await fetch(`${runtime.api}/_local/processed`)).json()) as Processed[];
      const done = processed.filter((p) => !p.failed && accepted.has(p.orderId)).length;
      if (done >= [...accepted.values()].reduce((n, o) => n + o.services, 0)) break;
      if (Date.now() > deadline) throw new Error(`only ${done} outcomes after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const cpu = {
      runtime: cpuSeconds(runtimePid) - cpuBefore.runtime,
      dynamodbLocal: cpuSeconds(javaPid) - cpuBefore.java,
    };
    const completed = new Map<string, number>();
    for (const p of processed) {
      if (p.failed || !accepted.has(p.orderId)) continue;
      completed.set(p.orderId, Math.max(completed.get(p.orderId) ?? 0, Date.parse(p.at)));
    }
    const latencies = [...accepted].map(([orderId, { at }]) => completed.get(orderId)! - at);
    const firstStart = new Map<string, number>();
    for (const p of processed) {
      if (p.failed || !accepted.has(p.orderId)) continue;
      const start = Date.parse(p.at) - p.ms;
      firstStart.set(p.orderId, Math.min(firstStart.get(p.orderId) ?? Infinity, start));
    }
    const publishedBefore = [...accepted].map(([orderId, { at }]) => at - firstStart.get(orderId)!);
    const status = (await (await fetch(`${runtime.api}/_local/status`)).json()) as {
      functions: Record<
        string,
        { invocations: number; busyMs: number; activeMs: number; records?: number; recordMs?: number }
      >;
    };
    const { dynamodb } = localClients({ aws: runtime.api, dynamodb: runtime.dynamodb });
    const scanned = await dynamodb.send(
      new ScanCommand({ TableName: tableName(environmentSettings("local"), "orders"), Limit: 200 }),
    );
    const sizes = (scanned.Items ?? []).map(itemBytes);
    const functions: FanOutRun["functions"] = {};
    for (const [name, f] of Object.entries(status.functions)) {
      const short = name.replace(`${environmentSettings("local").namePrefix}-`, "");
      const records = processed.filter((p) => p.service === short && !p.failed);
      functions[short] = {
        invocations: f.invocations,
        busyMs: Math.round(f.busyMs),
        activeMs: Math.round(f.activeMs),
        ...(records.length ? { records: records.length, recordMs: records.reduce((ms, p) => ms + p.ms, 0) } : {}),
      };
    }
    const finished = Math.max(...completed.values());
    const handlerMs: FanOutRun["handlerMs"] = {};
    for (const service of CONSUMER_SERVICES) {
      const ms = processed.filter((p) => p.service === service && !p.failed).map((p) => p.ms);
      handlerMs[service] = { p50: percentile(ms, 50), p95: percentile(ms, 95) };
    }
    const wallSeconds = (finished - started) / 1000;
    return {
      orders,
      ordersPerSecond: orders / wallSeconds,
      latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
      apiMs: { p50: percentile(apiMs, 50), p95: percentile(apiMs, 95) },
      handlerMs,
      cpuSeconds: {
        runtime: Math.round(cpu.runtime * 10) / 10,
        dynamodbLocal: Math.round(cpu.dynamodbLocal * 10) / 10,
      },
      idleCores: Math.round(idleCores * 1000) / 1000,
      functions,
      orderItemBytes: { p50: percentile(sizes, 50), max: Math.max(...sizes) },
      publishedBeforeAnswerMs: { p50: percentile(publishedBefore, 50) },
      wallSeconds,
    };
  } finally {
    await runtime.stop();
  }
}
