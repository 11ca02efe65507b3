/**
 * Measured costs for the model, never assumed: the bench's figures (bench/results.json, the local
 * runtime's handlers) or, for a deployed environment, CloudWatch's Duration of its functions.
 */
import * as fs from "node:fs";
import { CloudWatchClient, GetMetricDataCommand, MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { CONSUMER_SERVICES, ConsumerService } from "../lambda-src/shared/services";
import type { Costs, Timing } from "./simulation";
import type { Topology } from "./topology";

/** One fan-out run of the bench (bench/fanout.ts FanOutRun), the fields read here. */
interface BenchRun {
  apiMs: { p50: number; p95: number };
  handlerMs: Record<ConsumerService, { p50: number; p95: number }>;
  cpuSeconds: { runtime: number; dynamodbLocal: number };
  /** Both absent in results from before the bench measured them. */
  orders?: number;
  idleCores?: number;
  wallSeconds: number;
  ordersPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
}

export interface BenchFile {
  date: string;
  machine: { cpus: number };
  fanOutRuns: Record<string, BenchRun[]>;
}

export function readBench(file: string): BenchFile {
  const bench = JSON.parse(fs.readFileSync(file, "utf8")) as BenchFile;
  if (!bench.fanOutRuns?.["1 clients"]?.length)
    throw new Error(`${file} has no 1-client fan-out runs: run \`npm run bench -- --only fanout\` first`);
  return bench;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianTiming(runs: { p50: number; p95: number }[]): Timing {
  return { p50Ms: median(runs.map((r) => r.p50)), p95Ms: median(runs.map((r) => r.p95)) };
}

/** The bench's one-client handler times (the least contended it measures), as durations. */
export function benchDurations(bench: BenchFile, file: string): Costs {
  const runs = bench.fanOutRuns["1 clients"];
  const consumers = {} as Record<ConsumerService, Timing>;
  for (const s of CONSUMER_SERVICES) consumers[s] = medianTiming(runs.map((r) => r.handlerMs[s]));
  return {
    source: `${file} (${bench.date.slice(0, 10)}): the local runtime's handler times with one client, median of ${runs.length} runs`,
    api: medianTiming(runs.map((r) => r.apiMs)),
    consumers,
  };
}

/**
 * What each request and message costs the local machine's shared cores: the CPU one order used in
 * the one-client runs (every process: gateway, functions, fauxqs, DynamoDB Local, minus what the
 * idle runtime burns polling), split over the API and the consumers in proportion to their
 * measured handler times. `cores` is what is left for that work once idle polling has its share.
 */
export function benchCpuCosts(bench: BenchFile, file: string, highValueShare: number): { costs: Costs; cores: number } {
  const runs = bench.fanOutRuns["1 clients"];
  if (runs.some((r) => r.orders === undefined || r.idleCores === undefined))
    throw new Error(`${file} predates the idle CPU measurement: run \`npm run bench -- --only fanout\` again`);
  const durations = benchDurations(bench, file);
  const idleCores = median(runs.map((r) => r.idleCores!));
  const cpuPerOrder = median(
    runs.map((r) => (r.cpuSeconds.runtime + r.cpuSeconds.dynamodbLocal - idleCores * r.wallSeconds) / r.orders!),
  );
  const weight = (s: ConsumerService) => (s === "review" ? highValueShare : 1);
  const timePerOrder =
    durations.api.p50Ms + CONSUMER_SERVICES.reduce((t, s) => t + weight(s) * durations.consumers[s].p50Ms, 0);
  const scale = (cpuPerOrder * 1000) / timePerOrder;
  const scaled = (t: Timing): Timing => ({ p50Ms: t.p50Ms * scale, p95Ms: t.p95Ms * scale });
  const consumers = {} as Record<ConsumerService, Timing>;
  for (const s of CONSUMER_SERVICES) consumers[s] = scaled(durations.consumers[s]);
  return {
    costs: {
      source: `${file}: ${(cpuPerOrder * 1000).toFixed(1)} ms of CPU an order (one-client runs, idle polling removed), split by handler time`,
      api: scaled(durations.api),
      consumers,
    },
    cores: bench.machine.cpus - idleCores,
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
  const consumers = {} as Record<ConsumerService, Timing>;
  for (const c of topology.consumers) {
    const perBatch = Math.max(1, value(`${c.service}_deleted`) / value(`${c.service}_invocations`));
    consumers[c.service] = { p50Ms: value(`${c.service}_p50`) / perBatch, p95Ms: value(`${c.service}_p95`) / perBatch };
  }
  return {
    source: `CloudWatch Duration of ${topology.environment}'s functions, last ${hours} h`,
    api: { p50Ms: value("api_p50"), p95Ms: value("api_p95") },
    consumers,
  };
}
