/** The chart of a simulation: throughput, queue depth, oldest message age and p95 latency over time. */
import { Panel, Series, svgChart } from "./chart";
import type { SimulationResult, ServiceWindow, Window } from "./simulation";

export function simulationChart(result: SimulationResult, title: string): string {
  const windows = result.windows;
  const width = windows.length > 1 ? windows[1].start - windows[0].start : 1;
  const inMinutes = width >= 60;
  const x = (w: Window) => (w.start + width) / (inMinutes ? 60 : 1);
  const services = Object.keys(result.services) as (keyof SimulationResult["services"])[];
  const perService = (value: (s: ServiceWindow) => number): Series[] =>
    services.map((name) => ({ name, points: windows.map((w) => [x(w), value(w.services[name])] as const) }));
  const panels: Panel[] = [
    {
      title: "Orders offered and accepted, messages processed per service",
      unit: "per second",
      series: [
        { name: "offered", points: windows.map((w) => [x(w), w.offered / width] as const) },
        { name: "accepted", points: windows.map((w) => [x(w), w.accepted / width] as const) },
        ...perService((s) => s.processed / width),
      ],
    },
    { title: "Queue depth", unit: "messages", series: perService((s) => s.depth), logFloor: 1 },
    {
      title: "Oldest message age",
      unit: "seconds",
      series: perService((s) => s.oldestAgeSeconds),
      logFloor: 0.01,
    },
    {
      title: "Latency from the order's placing to the service's outcome, p95",
      unit: "seconds",
      series: perService((s) => s.latency.percentile(95)),
      logFloor: 0.01,
    },
  ];
  return svgChart(title, inMinutes ? "minutes from the start" : "seconds from the start", panels);
}
