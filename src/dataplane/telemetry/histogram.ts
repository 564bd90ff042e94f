// Latency histograms for the proxy's stats (Envoy's upstream_rq_time, downstream_rq_time, …).
// Values are milliseconds, kept in fixed buckets of two significant digits (…, 1.0, 1.1, …,
// 9.9, 10, 11, …): recording is one log10 and one array increment, quantiles are within ~5 %,
// and every bound Envoy's Prometheus output uses (0.5, 1, 5, 10, 25, …) is a bucket edge, so
// those cumulative counts are exact.

/** Envoy's default histogram bucket bounds (ms), as /stats/prometheus prints them. */
export const ENVOY_BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

/** Envoy's supported quantiles (percent), as /stats prints them. */
export const SUPPORTED_QUANTILES = [0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100];

const MIN_EXP = -3; // 0.001 ms
const MAX_EXP = 6; // up to 9.9e6 ms
const PER_DECADE = 90;
const SIZE = (MAX_EXP - MIN_EXP + 1) * PER_DECADE + 1;

/** UPPER[i]: the inclusive upper bound of bucket i; bucket 0 holds everything ≤ 0.001 ms. */
const UPPER = new Float64Array(SIZE);
UPPER[0] = 10 ** MIN_EXP;
for (let i = 1; i < SIZE; i++) {
  const e = Math.floor((i - 1) / PER_DECADE) + MIN_EXP;
  const m = ((i - 1) % PER_DECADE) + 10;
  // Dividing by a power of ten keeps small bounds exact-looking (0.5, not 0.5000000000000001).
  UPPER[i] = e - 1 < 0 ? m / 10 ** (1 - e) : m * 10 ** (e - 1);
}

/** POW10[e - MIN_EXP] = 10 ** (e - 1) for the exponents bucketOf sees (a table: Math.pow per record showed in profiles). */
const POW10 = Array.from({ length: MAX_EXP - MIN_EXP + 1 }, (_, i) => 10 ** (i + MIN_EXP - 1));

function bucketOf(v: number): number {
  if (!(v > UPPER[0])) return 0;
  let e = Math.floor(Math.log10(v));
  if (e > MAX_EXP) return SIZE - 1;
  let m = Math.ceil(v / POW10[e - MIN_EXP] - 1e-9);
  if (m < 10) m = 10;
  if (m > 99) {
    e++;
    m = 10;
    if (e > MAX_EXP) return SIZE - 1;
  }
  return (e - MIN_EXP) * PER_DECADE + (m - 10) + 1;
}

/** A bound as printed: at most six significant digits, no float noise. */
export function formatBound(b: number): string {
  return b === Infinity ? '+Inf' : String(Number(b.toPrecision(6)));
}

/**
 * The q-quantile (0..1) of a distribution given as cumulative counts at increasing bounds
 * (`[le, count ≤ le]`, the Prometheus shape), interpolating linearly inside the bucket the
 * quantile falls in. NaN when there are no observations.
 */
export function quantileFromCumulative(buckets: ReadonlyArray<readonly [number, number]>, q: number): number {
  const total = buckets.length ? buckets[buckets.length - 1][1] : 0;
  if (!(total > 0)) return NaN;
  const target = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= target && count > prevCount) {
      if (le === Infinity) return prevLe;
      const share = (target - prevCount) / (count - prevCount);
      return prevLe + (le - prevLe) * Math.max(0, share);
    }
    prevLe = le === Infinity ? prevLe : le;
    prevCount = count;
  }
  return prevLe;
}

export class Histogram {
  private readonly counts = new Float64Array(SIZE);
  count = 0;
  sum = 0;

  record(ms: number): void {
    this.counts[bucketOf(ms)]++;
    this.count++;
    this.sum += ms;
  }

  /** Observations ≤ `bound` (exact for two-significant-digit bounds). */
  cumulative(bound: number): number {
    let n = 0;
    const limit = bound * (1 + 1e-9);
    for (let i = 0; i < SIZE && UPPER[i] <= limit; i++) n += this.counts[i];
    return n;
  }

  /**
   * Cumulative counts at the edges of every non-empty bucket (its lower edge too, so the
   * distribution can be rebuilt exactly from the list), ending with +Inf.
   */
  detailedBuckets(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let cum = 0;
    for (let i = 0; i < SIZE; i++) {
      const c = this.counts[i];
      if (c === 0) continue;
      const lower = i === 0 ? 0 : UPPER[i - 1];
      if (i > 0 && (out.length === 0 || out[out.length - 1][0] !== lower)) out.push([lower, cum]);
      cum += c;
      out.push([UPPER[i], cum]);
    }
    out.push([Infinity, this.count]);
    return out;
  }

  /** Cumulative counts at Envoy's default bounds, ending with +Inf. */
  envoyBuckets(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let cum = 0;
    let i = 0;
    for (const b of ENVOY_BUCKETS) {
      const limit = b * (1 + 1e-9);
      for (; i < SIZE && UPPER[i] <= limit; i++) cum += this.counts[i];
      out.push([b, cum]);
    }
    out.push([Infinity, this.count]);
    return out;
  }

  /** q in 0..1; NaN when empty. */
  quantile(q: number): number {
    return quantileFromCumulative(this.detailedBuckets(), q);
  }

  /** Non-empty buckets as `[index, count]` pairs: a worker process ships these (stats-merge.ts). */
  bucketCounts(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < SIZE; i++) if (this.counts[i] > 0) out.push([i, this.counts[i]]);
    return out;
  }

  /** Adds another histogram's `bucketCounts()`, count and sum (workers' histograms merged into one). */
  addBucketCounts(buckets: ReadonlyArray<readonly [number, number]>, count: number, sum: number): void {
    for (const [i, c] of buckets) if (i >= 0 && i < SIZE) this.counts[i] += c;
    this.count += count;
    this.sum += sum;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
  }
}
