/**
 * `npm run bench`: measures the inner loop (synth, tests, bundles, local start-up) and the local
 * fan-out, prints a table and writes bench/results.json. Every figure is the median of --runs runs
 * (default 5) after a warm-up; every fan-out run starts from empty emulators.
 *   --runs 5  --only synth,tests,bundles,startup,fanout  --orders 1000  --clients 1,10,50
 * The fan-out part also runs its busiest level (10 clients when measured) with the runtime's
 * authorization off, for the CPU per order authorization costs.
 *   --quick   one run each, no warm-up, 300 orders, 1 and 10 clients (under 5 minutes): a check
 *             that nothing regressed badly, written to bench/results.quick.json instead
 *   --smoke   every part but tests once, 20 orders, 1 client, written to a temporary file: fails
 *             when a part produces no figures (CI runs it so the bench cannot break unnoticed;
 *             the figures' values are not checked)
 * A run of some parts keeps the other parts' figures already in the file. `npm run capacity` and
 * `npm run simulate` take their handler times and CPU per order from bench/results.json.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { parseArgs } from "node:util";
import { figure, Figure, repeat, timed } from "./measure";
import { measureSynth } from "./synth";
import { measureBundles } from "./bundles";
import { startChildRuntime } from "../local/runtime/child-runtime";
import { BENCH_PORTS, fanOutRun, FanOutRun } from "./fanout";
import { CONSUMER_SERVICES } from "../contract/services";

const ROOT = path.resolve(__dirname, "..");
const PARTS = ["synth", "tests", "bundles", "startup", "fanout"] as const;

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    runs: { type: "string" },
    only: { type: "string", default: PARTS.join(",") },
    orders: { type: "string" },
    clients: { type: "string" },
  },
});
const { smoke } = values;
const quick = values.quick || smoke;
const runs = Number(values.runs ?? (quick ? 1 : 5));
const warmUp = !quick;
const orders = Number(values.orders ?? (smoke ? 20 : quick ? 300 : 1000));
const clientLevels = (values.clients ?? (smoke ? "1" : quick ? "1,10" : "1,10,50")).split(",").map(Number);
// The smoke leaves out `tests`: it runs inside CI's own test run.
const only = new Set(smoke ? PARTS.filter((p) => p !== "tests") : values.only.split(","));
/** Part of the name of a figure every part produces: what --smoke requires. */
const PART_FIGURES: Record<(typeof PARTS)[number], string> = {
  synth: "app alone, package-root imports (s)",
  tests: "npm test, Node",
  bundles: " cold init (ms)",
  startup: "local runtime start to API answering (s)",
  fanout: " clients: orders/s",
};
const figures: Record<string, Figure> = {};
const fanOut: Record<string, FanOutRun[]> = {};

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** `npm test` as CI runs it (lint, typecheck, build, both projects), and each Jest project alone. */
async function testSuites(): Promise<void> {
  const whole = await repeat(runs, async () => (await timed("npm", ["test", "--silent"])).seconds, warmUp);
  figures[`npm test, Node ${process.versions.node} (s)`] = figure("s", whole);
  const jest = path.join(ROOT, "node_modules", ".bin", "jest");
  for (const project of ["unit", "e2e"]) {
    const alone = await repeat(
      runs,
      async () => (await timed(jest, ["--silent", "--selectProjects", project])).seconds,
      false,
    );
    figures[`Jest ${project} project alone (s)`] = figure("s", alone);
  }
}

async function startup(): Promise<void> {
  const ready = await repeat(
    runs,
    async () => {
      const runtime = await startChildRuntime(BENCH_PORTS);
      await runtime.stop();
      return runtime.readyMs / 1000;
    },
    warmUp,
  );
  figures["local runtime start to API answering (s)"] = figure("s", ready);
}

async function fanOutFigures(): Promise<void> {
  for (const clients of clientLevels) {
    log(`fan-out: ${clients} clients, ${orders} orders, ${runs} runs${warmUp ? " after a warm-up" : ""}`);
    const measured = await repeat(
      runs,
      async () => {
        const result = await fanOutRun(clients, orders);
        log(`  ${result.ordersPerSecond.toFixed(1)} orders/s, p95 ${result.latencyMs.p95} ms`);
        return result;
      },
      warmUp,
    );
    fanOut[`${clients} clients`] = measured;
    const pick = (f: (r: FanOutRun) => number) => measured.map(f);
    figures[`fan-out ${clients} clients: orders/s`] = figure(
      "orders/s",
      pick((r) => r.ordersPerSecond),
    );
    figures[`fan-out ${clients} clients: latency p50 (ms)`] = figure(
      "ms",
      pick((r) => r.latencyMs.p50),
    );
    figures[`fan-out ${clients} clients: latency p95 (ms)`] = figure(
      "ms",
      pick((r) => r.latencyMs.p95),
    );
    figures[`fan-out ${clients} clients: latency p99 (ms)`] = figure(
      "ms",
      pick((r) => r.latencyMs.p99),
    );
    figures[`fan-out ${clients} clients: API answer p50 (ms)`] = figure(
      "ms",
      pick((r) => r.apiMs.p50),
    );
    for (const service of CONSUMER_SERVICES) {
      figures[`fan-out ${clients} clients: ${service} handler p50 (ms)`] = figure(
        "ms",
        pick((r) => r.handlerMs[service].p50),
      );
    }
    figures[`fan-out ${clients} clients: CPU s, runtime process`] = figure(
      "s",
      pick((r) => r.cpuSeconds.runtime),
    );
    figures[`fan-out ${clients} clients: CPU s, DynamoDB Local`] = figure(
      "s",
      pick((r) => r.cpuSeconds.dynamodbLocal),
    );
    figures[`fan-out ${clients} clients: wall s`] = figure(
      "s",
      pick((r) => r.wallSeconds),
    );
  }
}

/** CPU milliseconds per order, runtime process and DynamoDB Local together. */
const cpuMsPerOrder = (r: FanOutRun) => ((r.cpuSeconds.runtime + r.cpuSeconds.dynamodbLocal) * 1000) / r.orders;

/**
 * What authorizing every call costs: the same fan-out with the runtime's authorization off
 * (`--no-authorization`), CPU per order against the runs with it on (issue: under 10 %).
 */
async function authorizationCost(): Promise<void> {
  const clients = clientLevels.find((c) => c >= 10) ?? clientLevels[clientLevels.length - 1];
  const on = fanOut[`${clients} clients`];
  log(`fan-out: ${clients} clients, ${orders} orders, ${runs} runs with authorization off`);
  const off = await repeat(runs, () => fanOutRun(clients, orders, ["--no-authorization"]), warmUp);
  fanOut[`${clients} clients, authorization off`] = off;
  const onMs = figure("ms", on.map(cpuMsPerOrder));
  const offMs = figure("ms", off.map(cpuMsPerOrder));
  figures[`fan-out ${clients} clients: CPU ms per order, authorization on`] = onMs;
  figures[`fan-out ${clients} clients: CPU ms per order, authorization off`] = offMs;
  figures[`fan-out ${clients} clients: authorization CPU cost (%)`] = figure("%", [
    Math.round((onMs.median / offMs.median - 1) * 1000) / 10,
  ]);
}

/** What an earlier run left in the results file. */
interface Previous {
  figures?: Record<string, Figure>;
  fanOutRuns?: Record<string, FanOutRun[]>;
  fanOutMeasured?: { date: string; cpus: number };
}

async function main(): Promise<void> {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "ignore" });
  if (only.has("synth")) {
    log("synth");
    Object.assign(figures, await measureSynth(runs, warmUp));
  }
  if (only.has("tests")) {
    log("tests");
    await testSuites();
  }
  if (only.has("bundles")) {
    log("bundles");
    Object.assign(figures, measureBundles(runs, warmUp));
  }
  if (only.has("startup")) {
    log("start-up");
    await startup();
  }
  if (only.has("fanout")) {
    await fanOutFigures();
    await authorizationCost();
  }

  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  console.log(`${"figure".padEnd(width)}  median     min        max        runs`);
  for (const [name, f] of Object.entries(figures)) {
    console.log(
      `${name.padEnd(width)}  ${String(f.median).padEnd(10)} ${String(f.min).padEnd(10)} ${String(f.max).padEnd(10)} ${f.runs.length}`,
    );
  }
  if (smoke) {
    const produced = (part: (typeof PARTS)[number]) =>
      Object.entries(figures).some(([name, f]) => name.includes(PART_FIGURES[part]) && Number.isFinite(f.median));
    const missing = PARTS.filter((p) => only.has(p) && !produced(p));
    if (missing.length > 0) throw new Error(`bench smoke: no figures from ${missing.join(", ")}`);
  }
  const file = smoke
    ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), "order-fanout-bench-")), "results.smoke.json")
    : path.join(__dirname, quick ? "results.quick.json" : "results.json");
  const previous = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Previous) : {};
  const results = {
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
    },
    node: process.version,
    date: new Date().toISOString(),
    runsPerFigure: runs,
    quick,
    figures: { ...previous.figures, ...figures },
    fanOutRuns: { ...previous.fanOutRuns, ...fanOut },
    // When and on how many cores the fan-out runs were measured (the model reads them), kept
    // from the earlier run when this one did not measure the fan-out.
    fanOutMeasured: only.has("fanout")
      ? { date: new Date().toISOString(), cpus: os.cpus().length }
      : previous.fanOutMeasured,
  };
  fs.writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`wrote ${file.startsWith(ROOT) ? path.relative(ROOT, file) : file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
