/**
 * The discrete-event core of the simulation: a clock, an event heap, and the processors that run
 * work. On AWS every Lambda execution environment has its own CPU, so a job takes exactly its
 * duration (`DedicatedProcessor`); on the local runtime every function, both emulators and the
 * gateway share the machine's cores, so jobs slow each other down (`SharedProcessor`, processor
 * sharing: n jobs on c cores each progress at min(1, c/n) seconds of work per second).
 */

type Action = () => void;

/** A binary min-heap of events ordered by time, then by insertion (so equal times stay in order). */
export class Clock {
  now = 0;
  private times: number[] = [];
  private seqs: number[] = [];
  private actions: Action[] = [];
  private seq = 0;
  /** Events run so far, for the report. */
  events = 0;

  at(time: number, action: Action): void {
    let i = this.times.length;
    this.times.push(time);
    this.seqs.push(this.seq++);
    this.actions.push(action);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  after(delay: number, action: Action): void {
    this.at(this.now + delay, action);
  }

  /** Runs events in time order until none is left or the next is later than `until`. */
  run(until = Number.POSITIVE_INFINITY): void {
    while (this.times.length > 0 && this.times[0] <= until) {
      this.now = this.times[0];
      const action = this.pop();
      this.events++;
      action();
    }
  }

  private pop(): Action {
    const top = this.actions[0];
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.actions.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < this.times.length && this.before(left, least)) least = left;
      if (right < this.times.length && this.before(right, least)) least = right;
      if (least === i) return top;
      this.swap(i, least);
      i = least;
    }
  }

  private before(a: number, b: number): boolean {
    return this.times[a] < this.times[b] || (this.times[a] === this.times[b] && this.seqs[a] < this.seqs[b]);
  }

  private swap(a: number, b: number): void {
    [this.times[a], this.times[b]] = [this.times[b], this.times[a]];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b], this.seqs[a]];
    [this.actions[a], this.actions[b]] = [this.actions[b], this.actions[a]];
  }
}

/** Where jobs run: `run(work, done)` calls `done` when `work` seconds of work have been done. */
export interface Processor {
  run(work: number, done: Action): void;
}

/** Every job on its own CPU: it ends `work` seconds after it starts (Lambda on AWS). */
export class DedicatedProcessor implements Processor {
  constructor(private readonly clock: Clock) {}

  run(work: number, done: Action): void {
    this.clock.after(work, done);
  }
}

/**
 * `cores` shared by every job (processor sharing). Tracked in virtual time: `virtual` advances at
 * min(1, cores/jobs) per second, and a job ends when it reaches the virtual time it started at plus
 * its work. Only the next ending is on the clock; a generation number voids it when jobs change.
 */
export class SharedProcessor implements Processor {
  private virtual = 0;
  private updatedAt = 0;
  private jobs: { end: number; done: Action }[] = [];
  private generation = 0;
  /** Core-seconds of work done, for the utilisation figure. */
  busy = 0;

  constructor(
    private readonly clock: Clock,
    private readonly cores: number,
  ) {
    if (!(cores > 0)) throw new Error(`a shared processor needs cores > 0, got ${cores}`);
  }

  run(work: number, done: Action): void {
    this.advance();
    this.jobs.push({ end: this.virtual + work, done });
    this.jobs.sort((a, b) => a.end - b.end);
    this.schedule();
  }

  private rate(): number {
    return this.jobs.length === 0 ? 0 : Math.min(1, this.cores / this.jobs.length);
  }

  private advance(): void {
    const elapsed = this.clock.now - this.updatedAt;
    this.virtual += elapsed * this.rate();
    this.busy += elapsed * Math.min(this.cores, this.jobs.length);
    this.updatedAt = this.clock.now;
  }

  private schedule(): void {
    const generation = ++this.generation;
    if (this.jobs.length === 0) return;
    const delay = Math.max(0, (this.jobs[0].end - this.virtual) / this.rate());
    this.clock.after(delay, () => {
      if (generation !== this.generation) return;
      this.advance();
      // Floating point: treat a job within a nanosecond of its end as ended.
      const ended = this.jobs.filter((j) => j.end <= this.virtual + 1e-9);
      this.jobs = this.jobs.filter((j) => j.end > this.virtual + 1e-9);
      this.schedule();
      for (const job of ended) job.done();
    });
  }
}

/** A seeded generator (mulberry32), so a simulation run is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Durations drawn from a log-normal distribution fitted to a measured median and 95th percentile
 * (service times are skewed right: most are near the median, a few much longer).
 */
export function logNormalSampler(p50: number, p95: number, random: () => number): () => number {
  const mu = Math.log(p50);
  const sigma = p95 > p50 ? Math.log(p95 / p50) / 1.6449 : 0;
  return () => {
    if (sigma === 0) return p50;
    // Box-Muller; 1 - random() keeps the logarithm's argument above 0.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.exp(mu + sigma * z);
  };
}
