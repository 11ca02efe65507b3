import * as path from "node:path";
import { benchCpuCosts, oneClientContention, readBench } from "../../model/costs";

const file = path.join(__dirname, "../../bench/results.json");
const bench = readBench(file);

describe("the bench's one-client runs as the laptop shares its cores", () => {
  it("counts idle cores and invocations in flight from each run's own totals", () => {
    const contention = oneClientContention(bench, file);
    const runs = bench.fanOutRuns["1 clients"];
    const busyShares = runs.map(
      (r) => (r.cpuSeconds.runtime + r.cpuSeconds.dynamodbLocal) / (r.wallSeconds * bench.fanOutMeasured.cpus),
    );
    expect(contention.idleShare).toBeGreaterThanOrEqual(1 - Math.max(...busyShares));
    expect(contention.idleShare).toBeLessThanOrEqual(1 - Math.min(...busyShares));
    // Each run's busy time over its wall time lies between the fewest and most functions running at once.
    expect(contention.jobsInFlight).toBeGreaterThan(1);
    expect(contention.jobsInFlight).toBeLessThan(Object.keys(runs[0].functions!).length);
  });

  it("stretches each function's invocation beyond its CPU share, never below it", () => {
    const { stretch } = oneClientContention(bench, file);
    expect(Object.keys(stretch).sort()).toEqual(["billing", "inventory", "notification", "orders-api", "review"]);
    for (const factor of Object.values(stretch)) expect(factor).toBeGreaterThan(1);
    // The CPU the stretch divides by is the costs' own: the API's median invocation.
    const { costs } = benchCpuCosts(bench, file);
    const api = bench.fanOutRuns["1 clients"].map(
      (r) => r.functions!["orders-api"].busyMs / r.functions!["orders-api"].invocations,
    );
    expect(stretch["orders-api"] * costs.api.p50Ms).toBeGreaterThanOrEqual(Math.min(...api));
    expect(stretch["orders-api"] * costs.api.p50Ms).toBeLessThanOrEqual(Math.max(...api));
  });
});
