import { Clock, DedicatedProcessor, logNormalSampler, seededRandom, SharedProcessor } from "../../model/engine";
import { Histogram } from "../../model/histogram";

describe("the simulation's clock and processors", () => {
  it("runs events in time order, equal times in the order they were scheduled", () => {
    const clock = new Clock();
    const seen: string[] = [];
    clock.at(2, () => seen.push("b"));
    clock.at(1, () => seen.push("a"));
    clock.at(2, () => seen.push("c"));
    clock.at(1, () => clock.after(0.5, () => seen.push(`d@${clock.now}`)));
    clock.run();
    expect(seen).toEqual(["a", "d@1.5", "b", "c"]);
  });

  it("ends a job on a dedicated processor exactly its work later", () => {
    const clock = new Clock();
    const ends: number[] = [];
    const cpu = new DedicatedProcessor(clock);
    for (let i = 0; i < 100; i++) cpu.run(0.25, () => ends.push(clock.now));
    clock.run();
    expect(new Set(ends)).toEqual(new Set([0.25]));
  });

  it("shares cores: four 1-second jobs on 2 cores end at 2 s; a lone job runs at full speed", () => {
    const clock = new Clock();
    const cpu = new SharedProcessor(clock, 2);
    const ends: number[] = [];
    for (let i = 0; i < 4; i++) cpu.run(1, () => ends.push(clock.now));
    clock.run();
    expect(ends.map((t) => +t.toFixed(9))).toEqual([2, 2, 2, 2]);
    clock.at(10, () => cpu.run(1, () => ends.push(clock.now)));
    clock.run();
    expect(ends[4]).toBeCloseTo(11, 9);
    expect(cpu.busy).toBeCloseTo(5, 9);
  });

  it("slows a running job when another arrives (processor sharing on 1 core)", () => {
    const clock = new Clock();
    const cpu = new SharedProcessor(clock, 1);
    const ends: Record<string, number> = {};
    cpu.run(1, () => (ends.first = clock.now));
    clock.at(0.5, () => cpu.run(0.25, () => (ends.second = clock.now)));
    clock.run();
    // From 0.5 s both run at half speed: the second needs 0.5 s (ends at 1), the first's last 0.25 s then alone.
    expect(ends.second).toBeCloseTo(1, 9);
    expect(ends.first).toBeCloseTo(1.25, 9);
  });

  it("draws log-normal durations with the measured median and 95th percentile", () => {
    const sample = logNormalSampler(0.02, 0.05, seededRandom(7));
    const histogram = new Histogram();
    for (let i = 0; i < 50_000; i++) histogram.add(sample());
    expect(histogram.percentile(50)).toBeCloseTo(0.02, 2);
    expect(histogram.percentile(95) / 0.05).toBeGreaterThan(0.95);
    expect(histogram.percentile(95) / 0.05).toBeLessThan(1.05);
  });

  it("keeps percentiles within a bucket's 2 %", () => {
    const histogram = new Histogram();
    for (let ms = 1; ms <= 1000; ms++) histogram.add(ms / 1000);
    expect(histogram.percentile(50) / 0.5).toBeGreaterThan(0.99);
    expect(histogram.percentile(50) / 0.5).toBeLessThan(1.03);
    expect(new Histogram().percentile(50)).toBeNaN();
  });
});
