/**
 * Measured costs for the model, never assumed: the bench's figures (bench/results.json, the local
 * runtime's handlers) or, for a deployed environment, CloudWatch's Duration of its functions.
 */
import * as fs from "node:fs";
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { CONSUMER_SERVICES, ConsumerService } from "../contract/services";
import type { ConsumerCost, Costs, Timing } from "./simulation";
import type { Topology } from "./topology";

/** One fan-out run of the bench (bench/fanout.ts FanOutRun), the fields read here. */
interface BenchRun {
  apiMs: { p50: number; p95: number };
  handlerMs: Record<ConsumerService, { p50: number; p95: number }>;
  cpuSeconds: { runtime: number; dynamodbLocal: number };
  /** Absent in results from before the bench measured them. */
  orders?: number;
  idleCores?: number;
  functions?: Record<
    string,
    { invocations: number; busyMs: number; activeMs: number; records?: number; recordMs?: number }
  >;
  publishedBeforeAnswerMs?: { p50: number };
  orderItemBytes?: { p50: number; max: number };
  wallSeconds: number;
  ordersPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
}

export interface BenchFile {
  fanOutRuns: Record<string, BenchRun[]>;
  /** When and on how many cores the fan-out runs were measured. */
  fanOutMeasured: { date: string; cpus: number };
}

export function readBench(file: string): BenchFile {
  const bench = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<BenchFile>;
  if (!bench.fanOutRuns?.["1 clients"]?.length || !bench.fanOutMeasured)
    throw new Error(`${file} has no 1-client fan-out runs: run \`npm run bench -- --only fanout\` first`);
  return bench as BenchFile;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianTiming(runs: { p50: number; p95: number }[]): Timing {
  return { p50Ms: median(runs.map((r) => r.p50)), p95Ms: median(runs.map((r) => r.p95)) };
}

/** The 1-client runs, checked to hold every figure the model reads. */
function oneClientRuns(bench: BenchFile, file: string): Required<BenchRun>[] {
  const runs = bench.fanOutRuns["1 clients"];
  if (
    runs.some(
      (r) => !r.orders || r.idleCores === undefined || !r.functions || !r.publishedBeforeAnswerMs || !r.orderItemBytes,
    )
  )
    throw new Error(`${file} predates the figures the model reads: run \`npm run bench -- --only fanout\` again`);
  return runs as Required<BenchRun>[];
}

/** A consumer's invocation time beyond its records' own (starting, flushing logs and metrics), per invocation. */
function invocationMs(run: Required<BenchRun>, service: ConsumerService): number {
  const f = run.functions[service];
  return Math.max(0, (f.busyMs - (f.recordMs ?? 0)) / f.invocations);
}

/**
 * The bench's one-client times (the least contended it measures), as durations: each record's,
 * each invocation's beyond its records', and the API's with the share after it published.
 */
export function benchDurations(bench: BenchFile, file: string): Costs {
  const runs = oneClientRuns(bench, file);
  const consumers = {} as Record<ConsumerService, ConsumerCost>;
  for (const s of CONSUMER_SERVICES)
    consumers[s] = {
      ...medianTiming(runs.map((r) => r.handlerMs[s])),
      invocationMs: median(runs.map((r) => invocationMs(r, s))),
    };
  const api = medianTiming(runs.map((r) => r.apiMs));
  const afterPublish = Math.min(1, Math.max(0, median(runs.map((r) => r.publishedBeforeAnswerMs.p50)) / api.p50Ms));
  return {
    source: `${file} (${bench.fanOutMeasured.date.slice(0, 10)}): the local runtime's handler times with one client, median of ${runs.length} runs`,
    api: { ...api, afterPublish },
    consumers,
    orderItemBytes: median(runs.map((r) => r.orderItemBytes.p50)),
  };
}

/**
 * What each request, message and invocation costs the local machine's shared cores, from the
 * one-client runs: the CPU one order used (every process: gateway, functions, fauxqs, DynamoDB
 * Local, minus what the idle runtime burns polling), split over the functions by their worker
 * threads' own measured CPU (event-loop active time; the emulators' share of an order goes with
 * the calls that caused it, in the same proportion), and within a consumer between its records
 * and its invocations by their measured times. The outbox relay, which sees every new order on
 * the table's stream, is a cost of its own. `cores` is what is left once idle polling has its share.
 */
export function benchCpuCosts(bench: BenchFile, file: string): { costs: Costs; cores: number } {
  const runs = oneClientRuns(bench, file);
  const durations = benchDurations(bench, file);
  const idleCores = median(runs.map((r) => r.idleCores));
  // Per run: CPU seconds of the order's work ÷ the functions' own active seconds.
  const scale = median(
    runs.map((r) => {
      const cpu = r.cpuSeconds.runtime + r.cpuSeconds.dynamodbLocal - idleCores * r.wallSeconds;
      const active = Object.values(r.functions).reduce((ms, f) => ms + f.activeMs, 0) / 1000;
      return cpu / active;
    }),
  );
  /** Median CPU ms of one invocation of a function. */
  const perInvocation = (name: string) =>
    scale * median(runs.map((r) => r.functions[name].activeMs / r.functions[name].invocations));
  const consumers = {} as Record<ConsumerService, ConsumerCost>;
  for (const s of CONSUMER_SERVICES) {
    const d = durations.consumers[s];
    const records = median(runs.map((r) => (r.functions[s].records ?? 0) / r.functions[s].invocations));
    const wall = d.invocationMs + records * d.p50Ms;
    const cpu = perInvocation(s);
    consumers[s] = {
      p50Ms: (cpu * d.p50Ms) / wall,
      p95Ms: (cpu * d.p95Ms) / wall,
      invocationMs: (cpu * d.invocationMs) / wall,
    };
  }
  const api = perInvocation("orders-api");
  const relayPerOrder = scale * median(runs.map((r) => r.functions["outbox-relay"].activeMs / r.orders));
  const cpuPerOrder = median(
    runs.map((r) => (r.cpuSeconds.runtime + r.cpuSeconds.dynamodbLocal - idleCores * r.wallSeconds) / r.orders),
  );
  return {
    costs: {
      source: `${file}: ${(cpuPerOrder * 1000).toFixed(1)} ms of CPU an order (one-client runs, idle polling removed), split by each function's measured CPU`,
      api: {
        p50Ms: api,
        p95Ms: (api * durations.api.p95Ms) / durations.api.p50Ms,
        afterPublish: durations.api.afterPublish,
      },
      consumers,
      relayPerOrderMs: relayPerOrder,
    },
    cores: bench.fanOutMeasured.cpus - idleCores,
  };
}

/** How the one-client runs shared the machine: what the laptop check's explanation rests on. */
export interface Contention {
  /** Wall time ÷ CPU of one invocation, for the API and each consumer (medians over runs). */
  readonly stretch: Readonly<Record<string, number>>;
  /** Share of the cores' time no process used. */
  readonly idleShare: number;
  /** Invocations in flight on average (Little's law: their busy time ÷ the run's wall time). */
  readonly jobsInFlight: number;
}

export function oneClientContention(bench: BenchFile, file: string): Contention {
  const runs = oneClientRuns(bench, file);
  const { costs } = benchCpuCosts(bench, file);
  const cpuMs: Record<string, number> = { "orders-api": costs.api.p50Ms };
  for (const s of CONSUMER_SERVICES) {
    const c = costs.consumers[s];
    const records = median(runs.map((r) => (r.functions[s].records ?? 0) / r.functions[s].invocations));
    cpuMs[s] = c.invocationMs + records * c.p50Ms;
  }
  const stretch: Record<string, number> = {};
  for (const [name, cpu] of Object.entries(cpuMs))
    stretch[name] = median(runs.map((r) => r.functions[name].busyMs / r.functions[name].invocations)) / cpu;
  const cpus = bench.fanOutMeasured.cpus;
  return {
    stretch,
    idleShare: median(
      runs.map((r) => 1 - (r.cpuSeconds.runtime + r.cpuSeconds.dynamodbLocal) / (r.wallSeconds * cpus)),
    ),
    jobsInFlight: median(
      runs.map((r) => Object.values(r.functions).reduce((ms, f) => ms + f.busyMs, 0) / (r.wallSeconds * 1000)),
    ),
  };
}

/**
 * A deployed environment's durations from CloudWatch over the last `hours`: each function's
 * Duration p50 and p95; a consumer's per message is its Duration over its mean batch (messages
 * its queue deleted ÷ its invocations).
 */
export async function cloudWatchDurations(topology: Topology, hours: number, region: string): Promise<Costs> {
  const cloudWatch = new CloudWatchClient({ region });
  const end = new Date();
  const start = new Date(end.getTime() - hours * 3600_000);
  const queries: MetricDataQuery[] = [];
  const add = (id: string, namespace: string, metricName: string, dimension: [string, string], stat: string) =>
    queries.push({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: namespace,
          MetricName: metricName,
          Dimensions: [{ Name: dimension[0], Value: dimension[1] }],
        },
        Period: hours * 3600,
        Stat: stat,
      },
    });
  const functions = [
    { id: "api", name: topology.api.functionName },
    ...topology.consumers.map((c) => ({ id: c.service, name: c.functionName })),
  ];
  for (const f of functions) {
    add(`${f.id}_p50`, "AWS/Lambda", "Duration", ["FunctionName", f.name], "p50");
    add(`${f.id}_p95`, "AWS/Lambda", "Duration", ["FunctionName", f.name], "p95");
    add(`${f.id}_invocations`, "AWS/Lambda", "Invocations", ["FunctionName", f.name], "Sum");
  }
  for (const c of topology.consumers)
    add(`${c.service}_deleted`, "AWS/SQS", "NumberOfMessagesDeleted", ["QueueName", `${c.functionName}.fifo`], "Sum");
  const { MetricDataResults = [] } = await cloudWatch.send(
    new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: start, EndTime: end }),
  );
  const value = (id: string): number => {
    const found = MetricDataResults.find((r) => r.Id === id)?.Values?.[0];
    if (found === undefined)
      throw new Error(
        `CloudWatch has no ${id.replace("_", " ")} for the last ${hours} h: has the environment had traffic?`,
      );
    return found;
  };
  // Duration is per invocation: spread over its mean batch, the invocation's own cost included.
  const consumers = {} as Record<ConsumerService, ConsumerCost>;
  for (const c of topology.consumers) {
    const perBatch = Math.max(1, value(`${c.service}_deleted`) / value(`${c.service}_invocations`));
    consumers[c.service] = {
      p50Ms: value(`${c.service}_p50`) / perBatch,
      p95Ms: value(`${c.service}_p95`) / perBatch,
      invocationMs: 0,
    };
  }
  return {
    source: `CloudWatch Duration of ${topology.environment}'s functions, last ${hours} h`,
    // Where in its time the API publishes is not in its metrics: taken as at the end.
    api: { p50Ms: value("api_p50"), p95Ms: value("api_p95"), afterPublish: 0 },
    consumers,
  };
}
