import { simulate, SimulationOptions, Costs } from "../../model/simulation";
import { Topology, ConsumerTopology } from "../../model/topology";
import { Profile } from "../../model/profile";
import { CONSUMER_SERVICES, ConsumerService } from "../../contract/services";

const fixed = (ms: number) => ({ p50Ms: ms, p95Ms: ms, invocationMs: 0 });

function consumer(service: ConsumerService, more: Partial<ConsumerTopology> = {}): ConsumerTopology {
  return {
    service,
    functionName: service,
    batchSize: 10,
    maxConcurrency: 50,
    timeoutSeconds: 10,
    filtered: service === "review",
    intakePerSecond: 70_000,
    retentionSeconds: 4 * 86400,
    sendIntervalSeconds: 0,
    ...more,
  };
}

function topology(
  more: Partial<Topology> = {},
  consumers: Partial<Record<ConsumerService, Partial<ConsumerTopology>>> = {},
): Topology {
  return {
    environment: "prod",
    highThroughputFifo: true,
    api: {
      functionName: "api",
      rateLimit: 100_000,
      burstLimit: 100_000,
      reservedConcurrency: 10_000,
      timeoutSeconds: 10,
    },
    topicPerSecond: Number.POSITIVE_INFINITY,
    consumers: CONSUMER_SERVICES.map((s) => consumer(s, consumers[s])),
    accountConcurrency: 100_000,
    ordersTable: {},
    ...more,
  };
}

const costs = (ms = 10): Costs => ({
  source: "test",
  api: { p50Ms: ms, p95Ms: ms, afterPublish: 0 },
  consumers: { inventory: fixed(ms), billing: fixed(ms), notification: fixed(ms), review: fixed(ms) },
});

const curve = (phases: [number, number, number][], highValueShare = 0.1): Profile => ({
  name: "test",
  kind: "curve",
  highValueShare,
  phases: phases.map(([minutes, from, to], i) => ({ name: `p${i}`, minutes, from, to })),
});

const run = (options: Partial<SimulationOptions> & Pick<SimulationOptions, "profile">) =>
  simulate({ topology: topology(), costs: costs(), windowSeconds: 10, ...options });

describe("the fan-out simulation", () => {
  it("delivers every accepted order to each queue once, and the filtered share to review", () => {
    const result = run({ profile: curve([[2, 200, 200]], 0.25) });
    expect(result.accepted).toBe(24_000);
    expect(result.throttled).toBe(0);
    for (const service of ["inventory", "billing", "notification"] as const)
      expect(result.services[service].processed).toBe(24_000);
    expect(result.services.review.processed).toBe(6000);
  });

  it("throttles what the API's rate and burst do not admit", () => {
    const result = run({
      topology: topology({ api: { ...topology().api, rateLimit: 100, burstLimit: 50 } }),
      profile: curve([[2, 300, 300]]),
    });
    expect(result.offered).toBe(36_000);
    expect(result.accepted).toBeGreaterThanOrEqual(12_000);
    expect(result.accepted).toBeLessThanOrEqual(12_050);
    expect(result.throttled).toBe(result.offered - result.accepted);
  });

  it("builds a backlog where a consumer drains slower than orders come, and drains it at its rate", () => {
    // 2 environments × 1 message per 10 ms = 200 messages/s against 300 orders/s for a minute.
    const result = run({
      topology: topology({}, { billing: { maxConcurrency: 2 } }),
      profile: curve([[1, 300, 300]]),
    });
    const billing = result.services.billing;
    expect(billing.peakDepth).toBeGreaterThan(5500);
    expect(billing.peakDepth).toBeLessThan(6100);
    // 18,000 messages at 200/s: the last outcome 90 s from the start.
    expect(billing.lastOutcomeSeconds).toBeGreaterThan(88);
    expect(billing.lastOutcomeSeconds).toBeLessThan(92);
    expect(result.services.inventory.peakDepth).toBeLessThan(100);
  });

  it("paces a sender to its share of the SES rate, however fast its handler", () => {
    const result = run({
      topology: topology({}, { notification: { maxConcurrency: 5, sendRatePerSecond: 50, sendIntervalSeconds: 0.1 } }),
      profile: curve([[1, 100, 100]]),
    });
    // 6,000 e-mails at 50/s take 120 s.
    expect(result.services.notification.lastOutcomeSeconds).toBeGreaterThan(118);
    expect(result.services.notification.lastOutcomeSeconds).toBeLessThan(122);
    expect(result.services.notification.peakConcurrency).toBe(5);
  });

  it("holds SNS publishes to the topic's quota, so every queue lags behind it", () => {
    const result = run({ topology: topology({ topicPerSecond: 100 }), profile: curve([[1, 200, 200]]) });
    expect(result.services.inventory.lastOutcomeSeconds).toBeGreaterThan(119);
    expect(result.services.inventory.processed).toBe(12_000);
  });

  it("grows a consumer's concurrency at Lambda's scaling rate while messages wait", () => {
    const result = run({
      topology: topology({}, { inventory: { maxConcurrency: 1000 } }),
      costs: { ...costs(), consumers: { ...costs().consumers, inventory: fixed(100) } },
      profile: curve([[2, 5000, 5000]]),
      scaling: { initial: 5, perMinute: 300 },
    });
    // 5,000 messages/s × 0.1 s needs 500 environments; two minutes at +300/minute reach about 605.
    expect(result.services.inventory.peakConcurrency).toBeGreaterThan(500);
    const first = result.windows[0].services.inventory.concurrency;
    expect(first).toBeLessThan(60);
  });

  it("runs a closed loop of clients: one client places orders one API answer after another", () => {
    const result = simulate({
      topology: topology(),
      costs: costs(20),
      profile: { name: "one", kind: "clients", clients: 1, orders: 100, highValueShare: 0.2 },
      cores: 64,
      windowSeconds: 1,
    });
    // 100 orders × 20 ms of API, then the last order's services 20 ms later.
    expect(result.endSeconds).toBeCloseTo(2.02, 3);
    expect(result.orderLatency!.percentile(50)).toBeCloseTo(0.02, 2);
  });

  it("makes jobs on shared cores slow each other down", () => {
    const profile: Profile = { name: "ten", kind: "clients", clients: 10, orders: 200, highValueShare: 0 };
    const options = { topology: topology(), costs: costs(20), profile, windowSeconds: 1 };
    const roomy = simulate({ ...options, cores: 64 });
    const tight = simulate({ ...options, cores: 1 });
    // One core does 200 orders × (20 ms API + 4 × 20 ms... review gets none: 3 × 20 ms) = 16 s of work.
    expect(tight.endSeconds).toBeGreaterThan(15.9);
    expect(tight.endSeconds).toBeLessThan(16.1);
    expect(roomy.endSeconds).toBeLessThan(1);
    expect(tight.coreUtilisation).toBeGreaterThan(0.99);
  });

  it("pays an invocation's own cost once a batch: a backlog drains faster per message than single messages", () => {
    const withOverhead = (ms: number): Costs => ({
      ...costs(),
      consumers: { ...costs().consumers, billing: { p50Ms: 10, p95Ms: 10, invocationMs: ms } },
    });
    const options = {
      topology: topology({}, { billing: { maxConcurrency: 2 } }),
      profile: curve([[1, 300, 300]]),
    };
    // Full batches of 10: 2 environments × 10 messages ÷ (0.1 + 0.04) s ≈ 143/s, against 200/s without.
    const slow = run({ ...options, costs: withOverhead(40) }).services.billing.lastOutcomeSeconds;
    expect(slow).toBeGreaterThan(18_000 / 143 - 3);
    expect(slow).toBeLessThan(18_000 / 143 + 3);
  });

  it("logs a record's outcome when the record is done, before its invocation's own cost", () => {
    const overhead = { p50Ms: 10, p95Ms: 10, invocationMs: 30 };
    const result = simulate({
      topology: topology(),
      costs: {
        ...costs(10),
        consumers: { inventory: overhead, billing: overhead, notification: overhead, review: overhead },
      },
      profile: { name: "one", kind: "clients", clients: 1, orders: 10, highValueShare: 0 },
      cores: 64,
      windowSeconds: 1,
    });
    // The bench stamps an outcome with the record's "processed" log: 10 ms after the answer, not 40.
    expect(result.orderLatency!.percentile(50)).toBeCloseTo(0.01, 3);
    expect(result.services.billing.lastOutcomeSeconds).toBeCloseTo(0.11, 3);
  });

  it("lets consumers start on an order before the API has answered it", () => {
    const result = simulate({
      topology: topology(),
      costs: { ...costs(20), api: { p50Ms: 20, p95Ms: 20, afterPublish: 0.5 } },
      profile: { name: "one", kind: "clients", clients: 1, orders: 10, highValueShare: 0 },
      cores: 64,
      windowSeconds: 1,
    });
    // Published 10 ms into the API's 20: the services are done 10 ms after the answer.
    expect(result.orderLatency!.percentile(50)).toBeCloseTo(0.01, 3);
  });

  it("says when a backlog cleared, measured from the end of the peak plateau, not of the ramp down", () => {
    const result = run({
      topology: topology({}, { billing: { maxConcurrency: 2 } }),
      profile: curve([
        [1, 300, 300],
        [1, 300, 0],
      ]),
      windowSeconds: 1,
    });
    expect(result.peakEndSeconds).toBe(60);
    // 27,000 messages at 200/s: the last outcome at 135 s; the oldest is younger than 10 s some seconds before.
    const billing = result.services.billing;
    expect(billing.lastOutcomeSeconds).toBeGreaterThan(133);
    expect(billing.backlogClearedAtSeconds).toBeGreaterThan(100);
    expect(billing.backlogClearedAtSeconds).toBeLessThan(billing.lastOutcomeSeconds);
    expect(result.services.inventory.backlogClearedAtSeconds).toBeUndefined();
  });

  it("serves waiting requests first and never runs more API workers than it has", () => {
    const result = simulate({
      topology: topology({ api: { ...topology().api, reservedConcurrency: 8 } }),
      costs: costs(20),
      profile: { name: "ten", kind: "clients", clients: 10, orders: 800, highValueShare: 0 },
      cores: 64,
      windowSeconds: 1,
    });
    // 8 workers × 1 request per 20 ms = 400 orders/s: 800 orders in 2 s (and 20 ms for the last services).
    expect(result.endSeconds).toBeGreaterThan(2);
    expect(result.endSeconds).toBeLessThan(2.05);
  });

  it("ends a closed loop with Lambda's scaling too (it stops adding pollers when nothing waits)", () => {
    const result = simulate({
      topology: topology(),
      costs: costs(20),
      profile: { name: "one", kind: "clients", clients: 1, orders: 50, highValueShare: 0 },
      scaling: { initial: 5, perMinute: 300 },
      windowSeconds: 1,
    });
    expect(result.services.inventory.processed).toBe(50);
    expect(result.endSeconds).toBeLessThan(1.1);
  });
});
