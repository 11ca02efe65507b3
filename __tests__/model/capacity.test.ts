import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { topologyOf } from "../../model/topology";
import { drainPerSecond, limitsOf, quotaRequests } from "../../model/capacity";
import { loadProfile, ordersInBusiestDay } from "../../model/profile";
import { QUOTAS } from "../../model/quotas";
import type { Costs } from "../../model/simulation";

const timing = (p50Ms: number) => ({ p50Ms, p95Ms: p50Ms * 2, invocationMs: 0 });
const costs: Costs = {
  source: "test",
  api: { p50Ms: 40, p95Ms: 80, afterPublish: 0 },
  consumers: { inventory: timing(20), billing: timing(25), notification: timing(30), review: timing(10) },
};

describe("the topology read from a synthesized plan", () => {
  const prod = topologyOf("prod");
  const dev = topologyOf("dev");

  it("reads each consumer's mapping, queue mode, filter and SES pacing", () => {
    expect(Object.fromEntries(prod.consumers.map((c) => [c.service, c.maxConcurrency]))).toEqual({
      inventory: 600,
      billing: 600,
      notification: 1000,
      review: 200,
    });
    expect(prod.consumers.filter((c) => c.filtered).map((c) => c.service)).toEqual(["review"]);
    expect(prod.consumers.find((c) => c.service === "notification")!.sendRatePerSecond).toBe(10_000);
    expect(prod.api).toMatchObject({ rateLimit: 10_000, burstLimit: 5000, reservedConcurrency: 1000 });
    expect(prod.highThroughputFifo).toBe(true);
    expect(dev.highThroughputFifo).toBe(false);
  });

  it("bounds a queue without high throughput at 300 SNS deliveries a second, whatever the batch size", () => {
    // SNS sends one SendMessage per message; a FIFO queue takes 300 calls/s per action without high throughput.
    const intake = limitsOf(dev, costs, 1).filter((l) => l.part.includes("queue intake"));
    expect(intake.map((l) => l.ordersPerSecond)).toEqual([300, 300, 300, 300]);
    expect(limitsOf(prod, costs, 1).find((l) => l.part.startsWith("inventory queue intake"))!.ordersPerSecond).toBe(
      QUOTAS.sqsFifoHighThroughput.value,
    );
  });

  it("drains a consumer at its concurrency over one message's time, a paced one at its SES share", () => {
    const inventory = prod.consumers.find((c) => c.service === "inventory")!;
    expect(drainPerSecond(inventory, costs)).toBeCloseTo(600 / 0.02, 6);
    const notification = prod.consumers.find((c) => c.service === "notification")!;
    // 1,000 senders sharing 10,000/s send one each 100 ms, slower than the 30 ms handler.
    expect(drainPerSecond(notification, costs)).toBeCloseTo(10_000, 6);
  });

  it("names the quotas prod's peak needs raised, with what to ask for", () => {
    const asked = Object.fromEntries(quotaRequests(prod, 10_000).map((r) => [r.quota.raise, r.askFor]));
    expect(asked).toEqual({
      [QUOTAS.apiGatewayAccount.raise]: 15_000,
      [QUOTAS.snsFifoMessageGroupScope.raise]: 15_000,
      [QUOTAS.lambdaRegional.raise]: 3500,
      [QUOTAS.sesSendRate.raise]: 10_000,
    });
    // SES's 24-hour quota is asked for only with a day's e-mails, with headroom.
    const daily = quotaRequests(prod, 10_000, undefined, 1, 87_600_000).find((r) => r.quota === QUOTAS.sesDailyQuota)!;
    expect(daily.askFor).toBe(135_000_000);
    expect(quotaRequests(dev, 10)).toEqual([]);
    // An item of 1,100 B is billed 2 units a write, 7.05 writes an order at 5 % high-value: 141,000 units/s.
    const table = quotaRequests(prod, 10_000, 1100, 0.05).find((r) => r.quota === QUOTAS.dynamoOnDemandTable)!;
    expect(table.needed).toBeCloseTo(141_000, 6);
    expect(table.askFor).toBe(215_000);
    // Reads: 3.05 strongly consistent reads of an item under 4 KB, 30,500/s; asked with headroom
    // (45,750 → 50,000), and never below the 60,000 warm reads the orders table asks for.
    const reads = quotaRequests(prod, 10_000, 1100, 0.05).find((r) => r.quota === QUOTAS.dynamoOnDemandTableReads)!;
    expect(reads.needed).toBeCloseTo(30_500, 6);
    expect(reads.askFor).toBe(60_000);
  });
});

describe("what the peak design leaves out of no part", () => {
  it("bounds orders by the outbox index's warm writes, two an order", () => {
    const index = limitsOf(topologyOf("prod"), costs, 1).find((l) => l.part.includes("outbox index"))!;
    expect(index.ordersPerSecond).toBe(15_000);
    expect(limitsOf(topologyOf("dev"), costs, 1).some((l) => l.part.includes("outbox index"))).toBe(false);
  });

  it("counts the busiest day's orders as the curve's and the rest of the day at its quietest rate", () => {
    const profile = loadProfile("model/profiles/black-friday.json");
    // 140 minutes of curve, then 21 h 40 min at the 500 orders/s before the sale.
    expect(ordersInBusiestDay(profile, 48_600_000)).toBe(48_600_000 + (24 * 3600 - 140 * 60) * 500);
  });
});

describe("a traffic profile", () => {
  const write = (content: unknown) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "profile-")), "p.json");
    fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
    return file;
  };

  it("loads the shipped profiles", () => {
    for (const name of ["black-friday", "bench-1-client", "bench-10-clients"])
      expect(loadProfile(path.join(__dirname, "../../model/profiles", `${name}.json`)).name).toBeTruthy();
  });

  it("names each field that is wrong", () => {
    const file = write({
      name: "x",
      kind: "curve",
      highValueShare: 1.5,
      phases: [{ name: "a", minutes: 0, from: -1, to: 5 }],
    });
    expect(() => loadProfile(file)).toThrow(
      /highValueShare[\s\S]*phases\.0\.minutes: expected minutes > 0[\s\S]*phases\.0\.from: expected orders\/s ≥ 0/,
    );
    expect(() => loadProfile(write("{ not json"))).toThrow(/is not readable JSON/);
  });
});
