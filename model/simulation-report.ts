/** A simulation as text: a table over time, a summary per service, and the bench beside the prediction. */
import type { Histogram } from "./histogram";
import type { BenchFile } from "./costs";
import type { Profile } from "./profile";
import type { SimulationResult } from "./simulation";
import { count, duration, percent, textTable as table } from "./format";

const ROWS = 36;

const ms = (h: Histogram, p: number) => (h.total ? Math.round(h.percentile(p) * 1000) : Number.NaN);

/** One row per reporting interval (thinned to about ROWS rows): orders and each service. */
export function simulationTable(result: SimulationResult, profile: Profile): string {
  const windows = result.windows;
  if (windows.length === 0) return "(nothing simulated)";
  const width = windows.length > 1 ? windows[1].start - windows[0].start : 1;
  const step = Math.max(1, Math.ceil(windows.length / ROWS));
  const services = Object.keys(result.services) as (keyof SimulationResult["services"])[];
  const header = ["time", "offered/s", "accepted/s", ...services.flatMap((s) => [`${s}/s`, "depth", "oldest", "p95"])];
  const rows = windows
    .filter((_, i) => i % step === 0)
    .map((w) => [
      duration(w.start + width),
      count(w.offered / width),
      count(w.accepted / width),
      ...services.flatMap((s) => {
        const sw = w.services[s];
        return [
          count(sw.processed / width),
          count(sw.depth),
          duration(sw.oldestAgeSeconds),
          duration(sw.latency.percentile(95)),
        ];
      }),
    ]);
  const unit = profile.kind === "curve" ? "every row is the interval ending at its time" : "closed loop";
  return `\n${unit}; latency is from the order's placing to the service's outcome\n${table(header, rows)}`;
}

/** Per service: the header and one row each, for the terminal and for docs/scale.md alike. */
export const SERVICE_SUMMARY_HEADER = [
  "service",
  "messages",
  "peak depth",
  "oldest message",
  "peak concurrency",
  "p50",
  "p95",
  "p99",
  "last outcome",
  "backlog cleared after the peak",
];

export function serviceSummaryRows(result: SimulationResult): string[][] {
  return Object.entries(result.services).map(([name, s]) => [
    name,
    count(s.processed),
    count(s.peakDepth),
    duration(s.peakOldestAgeSeconds),
    count(s.peakConcurrency),
    duration(s.latency.percentile(50)),
    duration(s.latency.percentile(95)),
    duration(s.latency.percentile(99)),
    duration(s.lastOutcomeSeconds),
    result.peakEndSeconds !== undefined && s.backlogClearedAtSeconds !== undefined
      ? duration(Math.max(0, s.backlogClearedAtSeconds - result.peakEndSeconds))
      : "-",
  ]);
}

export function summaryTable(result: SimulationResult): string {
  const orders =
    `orders: ${count(result.offered)} offered, ${count(result.accepted)} accepted, ${count(result.throttled)} throttled; ` +
    `API p50 ${duration(result.apiLatency.percentile(50))}, p95 ${duration(result.apiLatency.percentile(95))}` +
    (result.coreUtilisation !== undefined ? `; shared cores ${(result.coreUtilisation * 100).toFixed(0)} % busy` : "");
  return `\n${orders}\n${table(SERVICE_SUMMARY_HEADER, serviceSummaryRows(result))}`;
}

export interface Comparison {
  figure: string;
  measured: number;
  predicted: number;
}

/** The bench's measurement of the same load (median of its runs) beside the simulation's prediction. */
export function compareWithBench(result: SimulationResult, profile: Profile, bench: BenchFile): Comparison[] {
  if (profile.kind !== "clients") return [];
  const runs = bench.fanOutRuns[`${profile.clients} clients`]?.filter((r) => r.orders === profile.orders);
  if (!runs?.length) return [];
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const latency = result.orderLatency!;
  return [
    { figure: "orders/s", measured: median(runs.map((r) => r.ordersPerSecond)), predicted: result.ordersPerSecond },
    { figure: "latency p50 (ms)", measured: median(runs.map((r) => r.latencyMs.p50)), predicted: ms(latency, 50) },
    { figure: "latency p95 (ms)", measured: median(runs.map((r) => r.latencyMs.p95)), predicted: ms(latency, 95) },
    { figure: "latency p99 (ms)", measured: median(runs.map((r) => r.latencyMs.p99)), predicted: ms(latency, 99) },
  ];
}

export function benchComparison(result: SimulationResult, profile: Profile, bench: BenchFile): string {
  const rows = compareWithBench(result, profile, bench).map((c) => [
    c.figure,
    c.measured.toFixed(1),
    c.predicted.toFixed(1),
    percent(c.predicted, c.measured),
  ]);
  if (rows.length === 0) return "\n(the bench file has no run of this load to compare with)";
  return `\nthe bench's measurement of this load (median of its runs) beside the prediction\n${table(
    ["figure", "bench", "simulation", "difference"],
    rows,
  )}`;
}
