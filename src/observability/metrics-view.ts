// Queries over the scraped metrics of a mesh's proxies: sums of counters and merged latency
// histograms, either cumulative (since each proxy started) or over a window between two scrapes
// (counters and histogram buckets as differences, gauges as they are now).

import type { DiscoveredProxy } from './discovery';
import { quantileFromCumulative } from '../dataplane/telemetry/histogram';
import type { Scrape, Series } from './scrape';

export type Where = (labels: Record<string, string>, proxy: DiscoveredProxy) => boolean;

interface Entry {
  proxy: DiscoveredProxy;
  series: Series[];
}

function seriesKey(s: Series): string {
  const labels = Object.keys(s.labels).sort().map((k) => `${k}=${s.labels[k]}`).join(',');
  return `${s.name}{${labels}}`;
}

export function proxyKey(p: DiscoveredProxy): string {
  return `${p.mesh}/${p.kind}/${p.name}@${p.admin}`;
}

export class MetricsView {
  private constructor(
    private readonly entries: Entry[],
    /** Length of the window in seconds (undefined: cumulative). */
    readonly seconds?: number,
  ) {}

  static cumulative(scrapes: Scrape[]): MetricsView {
    return new MetricsView(scrapes.filter((s) => !s.error).map((s) => ({ proxy: s.proxy, series: s.series })));
  }

  /** What happened between two scrapes of the same proxies. */
  static window(before: Scrape[], after: Scrape[]): MetricsView {
    const prev = new Map(before.filter((s) => !s.error).map((s) => [proxyKey(s.proxy), indexSeries(s.series)]));
    const entries: Entry[] = [];
    let seconds = 0;
    for (const s of after) {
      if (s.error) continue;
      const old = prev.get(proxyKey(s.proxy));
      const b = before.find((x) => proxyKey(x.proxy) === proxyKey(s.proxy));
      if (b) seconds = Math.max(seconds, (s.at - b.at) / 1000);
      entries.push({
        proxy: s.proxy,
        series: s.series.map((x) => {
          if (x.type === 'gauge') return x;
          // A proxy first seen in this window has no baseline: its counts are not part of it.
          if (!old) return { ...x, value: 0 };
          // A bucket edge new since `before` had there the count of the edge below it.
          const was = x.labels.le !== undefined && x.name.endsWith('_bucket')
            ? stepAt(old?.curves.get(curveKey(x)) ?? [], leOf(x))
            : old?.values.get(seriesKey(x)) ?? 0;
          // A counter that went down means the proxy restarted: count from zero.
          return { ...x, value: x.value >= was ? x.value - was : x.value };
        }),
      });
    }
    return new MetricsView(entries, seconds || undefined);
  }

  proxies(): DiscoveredProxy[] {
    return this.entries.map((e) => e.proxy);
  }

  /** Sum of the series named `name` that match. */
  sum(name: string, where: Where = () => true): number {
    let n = 0;
    for (const e of this.entries) for (const s of e.series) if (s.name === name && where(s.labels, e.proxy)) n += s.value;
    return n;
  }

  /** The values label `label` takes on series `name`. */
  labelValues(name: string, label: string): string[] {
    const out = new Set<string>();
    for (const e of this.entries) for (const s of e.series) if (s.name === name && s.labels[label] !== undefined) out.add(s.labels[label]);
    return [...out].sort();
  }

  /**
   * The merged cumulative buckets of histogram `name` (without `_bucket`) over matching series.
   * Each series is a step function of its bucket edges, so edges from different series merge exactly.
   */
  buckets(name: string, where: Where = () => true): Array<[number, number]> {
    const curves: Array<Array<[number, number]>> = [];
    const bucketName = `${name}_bucket`;
    for (const e of this.entries) {
      const byCurve = new Map<string, Array<[number, number]>>();
      for (const s of e.series) {
        if (s.name !== bucketName || !where(s.labels, e.proxy)) continue;
        const key = curveKey(s);
        const points = byCurve.get(key) ?? [];
        points.push([leOf(s), s.value]);
        byCurve.set(key, points);
      }
      for (const points of byCurve.values()) curves.push(points.sort((a, b) => a[0] - b[0]));
    }
    const edges = [...new Set(curves.flatMap((c) => c.map(([le]) => le)))].sort((a, b) => a - b);
    return edges.map((le) => [le, curves.reduce((sum, c) => sum + stepAt(c, le), 0)] as [number, number]);
  }

  quantile(name: string, q: number, where?: Where): number {
    return quantileFromCumulative(this.buckets(name, where), q);
  }
}

function leOf(s: Series): number {
  return s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
}

/** A histogram series' identity without its `le`. */
function curveKey(s: Series): string {
  const { le: _le, ...rest } = s.labels;
  return seriesKey({ name: s.name, labels: rest, value: 0 });
}

function indexSeries(series: Series[]): { values: Map<string, number>; curves: Map<string, Array<[number, number]>> } {
  const values = new Map<string, number>();
  const curves = new Map<string, Array<[number, number]>>();
  for (const s of series) {
    values.set(seriesKey(s), s.value);
    if (s.labels.le !== undefined && s.name.endsWith('_bucket')) {
      const k = curveKey(s);
      const c = curves.get(k) ?? [];
      c.push([leOf(s), s.value]);
      curves.set(k, c);
    }
  }
  for (const c of curves.values()) c.sort((a, b) => a[0] - b[0]);
  return { values, curves };
}

/** Cumulative count at `le` of a sorted curve: the value at the largest edge ≤ le. */
function stepAt(curve: Array<[number, number]>, le: number): number {
  let v = 0;
  for (const [x, n] of curve) {
    if (x > le) break;
    v = n;
  }
  return v;
}
