/**
 * A discrete-event simulation of the fan-out's topology under an offered load: the API's throttle
 * (token bucket: rate and burst) and its function's concurrency, the topic's publish quota, each
 * queue's intake quota (assumed, undocumented: SNS sends one message per SendMessage call), and per queue a pool of
 * Lambda invocations taking batches, bounded by the mapping's maximum concurrency, by how fast
 * Lambda adds pollers, by the account's unreserved concurrency and, for e-mail, by each
 * environment's share of the SES rate.
 *
 * Orders move in cohorts (all orders arriving in one 10 ms tick), so an hour at 10,000 orders/s
 * stays in the millions of events; a closed loop of clients moves single orders, so the bench's
 * per-order latency can be compared. A curve's requests beyond the API function's concurrency are
 * throttled, as Lambda does; a closed loop's wait for a worker, as the local gateway does. What is
 * left out is named in docs/scale.md.
 */
import { Clock, DedicatedProcessor, logNormalSampler, Processor, seededRandom, SharedProcessor } from "./engine";
import { Histogram } from "./histogram";
import { curveSeconds, CurveProfile, offeredRate, Profile } from "./profile";
import { ConsumerTopology, Topology } from "./topology";
import type { ConsumerService } from "../contract/services";

/** A measured time: median and 95th percentile, in milliseconds. */
export interface Timing {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** A consumer's cost: each message's, and each invocation's beyond its messages' (start, flush). */
export interface ConsumerCost extends Timing {
  readonly invocationMs: number;
}

/** The API's cost, and the share of it that comes after it published (storing the publish, answering). */
export interface ApiCost extends Timing {
  readonly afterPublish: number;
}

/**
 * What one request or message costs. On AWS: the handler's duration. On the local runtime: the
 * CPU it needs from the shared cores (the handler's own and the emulators' work on its behalf).
 */
export interface Costs {
  readonly source: string;
  readonly api: ApiCost;
  readonly consumers: Readonly<Record<ConsumerService, ConsumerCost>>;
  /** An order's item once every service recorded its outcome, bytes as DynamoDB bills it; when measured. */
  readonly orderItemBytes?: number;
  /**
   * The outbox relay's work for each order (it sees every new order on the table's stream, and
   * finds it published): a load on shared cores; on AWS its own concurrency, not simulated.
   */
  readonly relayPerOrderMs?: number;
}

/** How the consumers' concurrency grows while a queue has a backlog (Lambda's SQS scaling). */
export interface Scaling {
  readonly initial: number;
  readonly perMinute: number;
}

export interface SimulationOptions {
  readonly topology: Topology;
  readonly costs: Costs;
  readonly profile: Profile;
  /** Cores every job shares (the local runtime); absent: each invocation has its own (AWS). */
  readonly cores?: number;
  /** Absent: every poller runs from the start (the local runtime). */
  readonly scaling?: Scaling;
  readonly windowSeconds: number;
  readonly seed?: number;
}

export interface ServiceWindow {
  processed: number;
  /** Messages waiting at the window's end. */
  depth: number;
  /** Age of the oldest waiting message at the window's end, seconds (from the order's placing). */
  oldestAgeSeconds: number;
  concurrency: number;
  /** From the order's placing to this service's outcome. */
  latency: Histogram;
}

export interface Window {
  start: number;
  offered: number;
  accepted: number;
  throttled: number;
  apiLatency: Histogram;
  services: Record<ConsumerService, ServiceWindow>;
}

export interface ServiceSummary {
  processed: number;
  peakDepth: number;
  peakOldestAgeSeconds: number;
  peakConcurrency: number;
  /** When its last message was processed (seconds from the start). */
  lastOutcomeSeconds: number;
  /**
   * When its backlog last cleared: the first window end at which its oldest message was younger
   * than BACKLOG_SECONDS again; absent when it never had one.
   */
  backlogClearedAtSeconds?: number;
  latency: Histogram;
}

/** A queue whose oldest message is older than this has a backlog. */
export const BACKLOG_SECONDS = 10;

export interface SimulationResult {
  readonly windows: Window[];
  readonly services: Record<ConsumerService, ServiceSummary>;
  readonly offered: number;
  readonly accepted: number;
  readonly throttled: number;
  readonly apiLatency: Histogram;
  /** Closed loop only: from the API's answer to the order's last outcome, as the bench measures. */
  readonly orderLatency?: Histogram;
  /** Orders/s from the first request to the last outcome (what the bench reports). */
  readonly ordersPerSecond: number;
  readonly endSeconds: number;
  /** End of the offered load's highest plateau (curves only). */
  readonly peakEndSeconds?: number;
  readonly events: number;
  /** Share of the shared cores in use, when there are shared cores. */
  readonly coreUtilisation?: number;
}

/** Orders placed together: `order` is the order's index when cohorts are single orders (closed loop). */
interface Cohort {
  placedAt: number;
  count: number;
  order: number;
}

const TICK_SECONDS = 0.01;
/** A curve's backlog is followed for at most this long after the offered load ends. */
const DRAIN_LIMIT_SECONDS = 4 * 24 * 3600;

/** Lets `count` items through at most `perSecond`; the rest wait their turn (unbounded: SNS and the outbox retry). */
class RateGate {
  private nextFree = 0;

  constructor(
    private readonly clock: Clock,
    private readonly perSecond: number,
  ) {}

  pass(count: number, then: () => void): void {
    if (!Number.isFinite(this.perSecond)) return then();
    this.nextFree = Math.max(this.clock.now, this.nextFree) + count / this.perSecond;
    if (this.nextFree <= this.clock.now) then();
    else this.clock.at(this.nextFree, then);
  }
}

/** The concurrency consumers share: what the account has left after the API's reservation. */
class ConcurrencyPool {
  inUse = 0;
  constructor(readonly size: number) {}
}

class Stats {
  readonly windows: Window[] = [];

  constructor(
    private readonly windowSeconds: number,
    private readonly services: readonly ConsumerService[],
  ) {}

  at(time: number): Window {
    const index = Math.floor(time / this.windowSeconds);
    while (this.windows.length <= index) {
      const services = {} as Record<ConsumerService, ServiceWindow>;
      for (const s of this.services)
        services[s] = { processed: 0, depth: 0, oldestAgeSeconds: 0, concurrency: 0, latency: new Histogram() };
      this.windows.push({
        start: this.windows.length * this.windowSeconds,
        offered: 0,
        accepted: 0,
        throttled: 0,
        apiLatency: new Histogram(),
        services,
      });
    }
    return this.windows[index];
  }
}

/** The orders of a closed loop: how many outcomes each still waits for, and when it was answered. */
class OrderTracker {
  private readonly remaining: Int32Array;
  private readonly answeredAt: Float64Array;
  private readonly lastOutcome: Float64Array;
  /** 1 from publishing until the API answers. */
  private readonly pending: Int8Array;
  private readonly done: Int8Array;
  readonly latency = new Histogram();
  lastCompletion = 0;

  constructor(orders: number) {
    this.remaining = new Int32Array(orders);
    this.answeredAt = new Float64Array(orders);
    this.lastOutcome = new Float64Array(orders);
    this.pending = new Int8Array(orders);
    this.done = new Int8Array(orders);
  }

  /** The order was published to `services` queues; its outcomes may come before the API answers. */
  expect(order: number, services: number): void {
    this.remaining[order] += services;
    this.pending[order]++;
  }

  answered(order: number, at: number): void {
    this.answeredAt[order] = at;
    this.pending[order]--;
    this.complete(order);
  }

  outcome(order: number, at: number): void {
    this.lastOutcome[order] = Math.max(this.lastOutcome[order], at);
    this.remaining[order]--;
    this.complete(order);
  }

  /** Counted once, when the API has answered and every service has its outcome (as the bench sees it). */
  private complete(order: number): void {
    if (this.remaining[order] !== 0 || this.pending[order] !== 0 || this.done[order]) return;
    this.done[order] = 1;
    this.latency.add(Math.max(0, this.lastOutcome[order] - this.answeredAt[order]));
    this.lastCompletion = Math.max(this.lastCompletion, this.lastOutcome[order], this.answeredAt[order]);
  }
}

class ConsumerPool {
  private readonly queue: Cohort[] = [];
  private head = 0;
  depth = 0;
  active = 0;
  private limit: number;
  private readonly messageSeconds: () => number;
  private readonly invocationSeconds: number;
  readonly summary: ServiceSummary = {
    processed: 0,
    peakDepth: 0,
    peakOldestAgeSeconds: 0,
    peakConcurrency: 0,
    lastOutcomeSeconds: 0,
    latency: new Histogram(),
  };
  /** Fraction of an order carried over, for a filtered subscription's share. */
  private carry = 0;
  private backlogged = false;
  private scaling?: { readonly rate: Scaling; scheduled: boolean };

  constructor(
    readonly topology: ConsumerTopology,
    timing: ConsumerCost,
    random: () => number,
    private readonly clock: Clock,
    private readonly processor: Processor,
    private readonly pool: ConcurrencyPool,
    private readonly stats: Stats,
    private readonly orders: OrderTracker | undefined,
    scaling: Scaling | undefined,
    private readonly onFree: () => void,
  ) {
    const sample = logNormalSampler(timing.p50Ms / 1000, timing.p95Ms / 1000, random);
    // A paced sender takes a message no sooner than its interval after the last (contract/send-pace.ts).
    const pace = topology.sendIntervalSeconds;
    this.messageSeconds = pace > 0 ? () => Math.max(pace, sample()) : sample;
    this.invocationSeconds = timing.invocationMs / 1000;
    this.limit = scaling ? Math.min(scaling.initial, topology.maxConcurrency) : topology.maxConcurrency;
    if (scaling) this.scaling = { rate: scaling, scheduled: false };
  }

  /** How many of `count` orders this queue receives (all, or the filter's share). */
  share(count: number, highValueShare: number): number {
    if (!this.topology.filtered) return count;
    this.carry += count * highValueShare;
    const taken = Math.floor(this.carry + 1e-9);
    this.carry -= taken;
    return taken;
  }

  arrive(cohort: Cohort): void {
    this.queue.push(cohort);
    this.depth += cohort.count;
    this.summary.peakDepth = Math.max(this.summary.peakDepth, this.depth);
    this.scaleWhileWaiting();
    this.pump();
  }

  pump(): void {
    while (this.depth > 0 && this.active < Math.floor(this.limit) && this.pool.inUse < this.pool.size)
      this.startBatch();
  }

  /** Depth and age of the oldest message, sampled at each window's end. */
  sample(window: ServiceWindow): void {
    window.depth = this.depth;
    window.concurrency = this.active;
    window.oldestAgeSeconds = this.depth > 0 ? this.clock.now - this.queue[this.head].placedAt : 0;
    this.summary.peakOldestAgeSeconds = Math.max(this.summary.peakOldestAgeSeconds, window.oldestAgeSeconds);
    if (window.oldestAgeSeconds > BACKLOG_SECONDS) this.backlogged = true;
    else if (this.backlogged) {
      this.backlogged = false;
      this.summary.backlogClearedAtSeconds = this.clock.now;
    }
  }

  /** Adds concurrency each second while messages wait (Lambda's SQS scaling); stops when none do. */
  private scaleWhileWaiting(): void {
    const scaling = this.scaling;
    if (!scaling || scaling.scheduled || this.limit >= this.topology.maxConcurrency) return;
    scaling.scheduled = true;
    const step = () => {
      if (this.depth > 0 && this.limit < this.topology.maxConcurrency) {
        this.limit = Math.min(this.topology.maxConcurrency, this.limit + scaling.rate.perMinute / 60);
        this.pump();
        this.clock.after(1, step);
      } else scaling.scheduled = false;
    };
    this.clock.after(1, step);
  }

  private take(): Cohort[] {
    const pieces: Cohort[] = [];
    let wanted = this.topology.batchSize;
    while (wanted > 0 && this.depth > 0) {
      const front = this.queue[this.head];
      const n = Math.min(wanted, front.count);
      pieces.push({ placedAt: front.placedAt, count: n, order: front.order });
      front.count -= n;
      this.depth -= n;
      wanted -= n;
      if (front.count === 0) this.head++;
    }
    // Drop what has been taken now and then, so a long backlog does not keep every cohort.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return pieces;
  }

  private startBatch(): void {
    const pieces = this.take();
    this.active++;
    this.pool.inUse++;
    this.summary.peakConcurrency = Math.max(this.summary.peakConcurrency, this.active);
    this.runRecords(pieces, 0);
  }

  /**
   * A batch's records run one after another, each outcome logged when its record is done (the
   * bench's latency ends there); the invocation's own cost (flushing metrics and logs) comes after.
   */
  private runRecords(pieces: Cohort[], next: number): void {
    if (next === pieces.length) {
      this.processor.run(this.invocationSeconds, () => this.finish());
      return;
    }
    const piece = pieces[next];
    let work = 0;
    for (let i = 0; i < piece.count; i++) work += this.messageSeconds();
    this.processor.run(work, () => {
      this.outcome(piece);
      this.runRecords(pieces, next + 1);
    });
  }

  private outcome(piece: Cohort): void {
    const now = this.clock.now;
    const window = this.stats.at(now).services[this.topology.service];
    window.processed += piece.count;
    this.summary.processed += piece.count;
    window.latency.add(now - piece.placedAt, piece.count);
    this.summary.latency.add(now - piece.placedAt, piece.count);
    if (this.orders && piece.order >= 0) this.orders.outcome(piece.order, now);
    this.summary.lastOutcomeSeconds = now;
  }

  private finish(): void {
    this.active--;
    this.pool.inUse--;
    this.pump();
    this.onFree();
  }
}

export function simulate(options: SimulationOptions): SimulationResult {
  const { topology, costs, profile } = options;
  const clock = new Clock();
  const random = seededRandom(options.seed ?? 1);
  const shared = options.cores !== undefined ? new SharedProcessor(clock, options.cores) : undefined;
  const processor: Processor = shared ?? new DedicatedProcessor(clock);
  const services = topology.consumers.map((c) => c.service);
  const stats = new Stats(options.windowSeconds, services);
  const orders = profile.kind === "clients" ? new OrderTracker(profile.orders) : undefined;
  const pool = new ConcurrencyPool(topology.accountConcurrency - topology.api.reservedConcurrency);
  const pools: ConsumerPool[] = [];
  const pumpAll = () => pools.forEach((p) => p.pump());
  for (const consumer of topology.consumers) {
    pools.push(
      new ConsumerPool(
        consumer,
        costs.consumers[consumer.service],
        random,
        clock,
        processor,
        pool,
        stats,
        orders,
        options.scaling,
        pumpAll,
      ),
    );
  }
  const topic = new RateGate(clock, topology.topicPerSecond);
  const intakes = pools.map((p) => new RateGate(clock, p.topology.intakePerSecond));
  const apiSeconds = logNormalSampler(costs.api.p50Ms / 1000, costs.api.p95Ms / 1000, random);
  const apiLatency = new Histogram();
  let apiActive = 0;
  const apiWaiting: Cohort[] = [];
  let offered = 0;
  let accepted = 0;
  let throttled = 0;

  const publish = (cohort: Cohort) => {
    topic.pass(cohort.count, () => {
      let services = 0;
      pools.forEach((p, i) => {
        const count = p.share(cohort.count, profile.highValueShare);
        if (count === 0) return;
        services++;
        intakes[i].pass(count, () => p.arrive({ ...cohort, count }));
      });
      if (orders && cohort.order >= 0) orders.expect(cohort.order, services);
    });
  };

  // The API publishes, then records that it did and answers: consumers start before the answer.
  const runApi = (cohort: Cohort, then: () => void) => {
    apiActive += cohort.count;
    const work = apiSeconds();
    processor.run(work * (1 - costs.api.afterPublish), () => {
      publish(cohort);
      if (costs.relayPerOrderMs) processor.run((cohort.count * costs.relayPerOrderMs) / 1000, () => undefined);
      processor.run(work * costs.api.afterPublish, () => {
        apiActive -= cohort.count;
        apiLatency.add(clock.now - cohort.placedAt, cohort.count);
        stats.at(clock.now).apiLatency.add(clock.now - cohort.placedAt, cohort.count);
        if (orders && cohort.order >= 0) orders.answered(cohort.order, clock.now);
        // The freed worker goes to the request waiting longest, then the client places its next.
        const next = apiWaiting.shift();
        if (next) runApi(next, placeNext);
        then();
      });
    });
  };

  // Closed loop: each client places its next order when the API has answered the last.
  let nextOrder = 0;
  const placeNext = () => {
    if (profile.kind !== "clients" || nextOrder >= profile.orders) return;
    const cohort: Cohort = { placedAt: clock.now, count: 1, order: nextOrder++ };
    offered++;
    accepted++;
    stats.at(clock.now).offered++;
    stats.at(clock.now).accepted++;
    if (apiActive < topology.api.reservedConcurrency && apiWaiting.length === 0) runApi(cohort, placeNext);
    else apiWaiting.push(cohort);
  };

  const sampleWindows = () => {
    const window = stats.at(clock.now - 1e-9);
    pools.forEach((p) => p.sample(window.services[p.topology.service]));
  };
  const busy = () => pools.some((p) => p.depth > 0 || p.active > 0) || apiActive > 0;

  let peakEndSeconds: number | undefined;
  if (profile.kind === "clients") {
    for (let c = 0; c < profile.clients; c++) placeNext();
    const every = () => {
      sampleWindows();
      if (busy() || nextOrder < profile.orders) clock.after(options.windowSeconds, every);
    };
    clock.after(options.windowSeconds, every);
    clock.run();
  } else {
    peakEndSeconds = peakEnd(profile);
    const end = curveSeconds(profile);
    const tokens = { count: topology.api.burstLimit, carry: 0 };
    // Ticks are counted, not summed, so that float error adds no tick at the curve's end.
    let ticks = 0;
    const tick = () => {
      const rate = offeredRate(profile, clock.now);
      tokens.count = Math.min(topology.api.burstLimit, tokens.count + topology.api.rateLimit * TICK_SECONDS);
      tokens.carry += rate * TICK_SECONDS;
      const arriving = Math.floor(tokens.carry);
      tokens.carry -= arriving;
      const window = stats.at(clock.now);
      window.offered += arriving;
      offered += arriving;
      const room = Math.max(0, topology.api.reservedConcurrency - apiActive);
      const admitted = Math.min(arriving, Math.floor(tokens.count), room);
      tokens.count -= admitted;
      window.accepted += admitted;
      window.throttled += arriving - admitted;
      accepted += admitted;
      throttled += arriving - admitted;
      if (admitted > 0) runApi({ placedAt: clock.now, count: admitted, order: -1 }, () => undefined);
      if (++ticks * TICK_SECONDS < end - 1e-9) clock.at(ticks * TICK_SECONDS, tick);
    };
    clock.at(0, tick);
    const every = () => {
      sampleWindows();
      if (clock.now < end || busy()) clock.after(options.windowSeconds, every);
    };
    clock.after(options.windowSeconds, every);
    clock.run(end + DRAIN_LIMIT_SECONDS);
  }

  const summaries = {} as Record<ConsumerService, ServiceSummary>;
  for (const p of pools) summaries[p.topology.service] = p.summary;
  const lastOutcome = Math.max(...pools.map((p) => p.summary.lastOutcomeSeconds));
  const endSeconds = orders ? orders.lastCompletion : lastOutcome;
  return {
    windows: stats.windows,
    services: summaries,
    offered,
    accepted,
    throttled,
    apiLatency,
    ...(orders ? { orderLatency: orders.latency } : {}),
    ordersPerSecond: accepted / endSeconds,
    endSeconds,
    ...(peakEndSeconds !== undefined ? { peakEndSeconds } : {}),
    events: clock.events,
    ...(shared ? { coreUtilisation: shared.busy / (options.cores! * clock.now) } : {}),
  };
}

/**
 * The end of the curve's last plateau at its highest rate (a ramp down from it is not the peak);
 * for a curve with no such plateau, the end of the last phase that reaches the highest rate.
 */
function peakEnd(profile: CurveProfile): number {
  const highest = Math.max(...profile.phases.map((p) => Math.max(p.from, p.to)));
  const ends = (isPeak: (p: CurveProfile["phases"][number]) => boolean) => {
    let start = 0;
    let end: number | undefined;
    for (const phase of profile.phases) {
      start += phase.minutes * 60;
      if (isPeak(phase)) end = start;
    }
    return end;
  };
  return ends((p) => p.from === highest && p.to === highest) ?? ends((p) => Math.max(p.from, p.to) === highest)!;
}
