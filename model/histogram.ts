/**
 * Latencies kept as counts in logarithmic buckets (2 % wide, 1 ms to about 11 days), so that a
 * simulation of millions of messages keeps percentiles per minute in constant memory.
 */
const GROWTH = 1.02;
const SMALLEST = 0.001;
const BUCKETS = Math.ceil(Math.log(1e6 / SMALLEST) / Math.log(GROWTH)) + 1;

export class Histogram {
  private counts = new Float64Array(BUCKETS);
  total = 0;

  add(seconds: number, weight = 1): void {
    const index =
      seconds <= SMALLEST ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(seconds / SMALLEST) / Math.log(GROWTH)));
    this.counts[index] += weight;
    this.total += weight;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
  }

  /** The p-th percentile in seconds (the upper edge of its bucket), or NaN when empty. */
  percentile(p: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = (p / 100) * this.total;
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank && this.counts[i] > 0) return SMALLEST * GROWTH ** i;
    }
    return SMALLEST * GROWTH ** (BUCKETS - 1);
  }
}
