// Stats of several worker processes as one set (`awsmesh proxy --concurrency N`). Envoy's workers
// share one stats store, so its admin shows one value per stat; here each worker keeps its own
// objects, ships them as plain data (serializeStatGroups) and the primary merges them back into
// StatGroups the usual renderers print (mergeStatGroups): counters summed, histograms merged
// bucket by bucket, gauges summed where every worker holds a share (active connections and
// requests) and taken at their maximum where each worker holds the same cluster-wide fact
// (membership, outlier ejections, server state).

import { Histogram } from './histogram';
import { isGauge } from './stats-format';
import { CodeCounts, type StatGroup, type StatTags } from './stats';

/** One stat field as shipped between processes. */
export type ShippedValue =
  | number
  | { h: Array<[number, number]>; n: number; s: number }
  | { c: string; v: Array<[number, number]> };

export interface ShippedGroup {
  prefix: string;
  tags?: StatTags;
  fields: Record<string, ShippedValue>;
}

/** Gauges that state one cluster-wide (or process-wide) fact in every worker: merged by maximum. */
const SAME_IN_EVERY_WORKER = /(^|[._])(membership_healthy|membership_total|ejections_active|live|uptime|state|concurrency)$/;

/** A worker's stat groups as plain data (structured-clone and JSON safe). */
export function serializeStatGroups(groups: readonly StatGroup[]): ShippedGroup[] {
  return groups.map(([prefix, stats, tags]) => {
    const fields: Record<string, ShippedValue> = {};
    for (const [field, v] of Object.entries(stats)) {
      if (typeof v === 'number') fields[field] = v;
      else if (v instanceof Histogram) fields[field] = { h: v.bucketCounts(), n: v.count, s: v.sum };
      else if (v instanceof CodeCounts) {
        const codes: Array<[number, number]> = [];
        for (let code = 100; code < 600; code++) if (v.counts[code] > 0) codes.push([code, v.counts[code]]);
        fields[field] = { c: v.stem, v: codes };
      }
    }
    return tags ? { prefix, tags, fields } : { prefix, fields };
  });
}

/** Several workers' groups as one: same prefix → one group, each field merged by its kind. */
export function mergeStatGroups(workers: ReadonlyArray<readonly ShippedGroup[]>): StatGroup[] {
  const merged = new Map<string, { tags?: StatTags; stats: Record<string, unknown> }>();
  for (const groups of workers) {
    for (const g of groups) {
      let m = merged.get(g.prefix);
      if (!m) {
        m = { tags: g.tags, stats: {} };
        merged.set(g.prefix, m);
      }
      for (const [field, v] of Object.entries(g.fields)) mergeField(m.stats, field, v);
    }
  }
  return [...merged].map(([prefix, m]) => (m.tags ? [prefix, m.stats, m.tags] : [prefix, m.stats]));
}

function mergeField(into: Record<string, unknown>, field: string, v: ShippedValue): void {
  const have = into[field];
  if (typeof v === 'number') {
    if (typeof have !== 'number') into[field] = v;
    else into[field] = SAME_IN_EVERY_WORKER.test(field) ? Math.max(have, v) : have + v;
  } else if ('h' in v) {
    const h = have instanceof Histogram ? have : (into[field] = new Histogram()) as Histogram;
    h.addBucketCounts(v.h, v.n, v.s);
  } else {
    const c = have instanceof CodeCounts ? have : (into[field] = new CodeCounts(v.c)) as CodeCounts;
    for (const [code, n] of v.v) c.counts[code] += n;
  }
}

/**
 * What of a worker's last stats outlives the worker: its counters, status-code counts and
 * histograms (cumulative facts), not its gauges (connections it held are gone with it). The pool
 * merges these into every later view, so a replaced worker does not make counters run backwards.
 */
export function cumulativeOnly(groups: readonly ShippedGroup[]): ShippedGroup[] {
  return groups.flatMap((g) => {
    const fields = Object.fromEntries(Object.entries(g.fields).filter(([field, v]) => typeof v !== 'number' || !isGauge(field)));
    return Object.keys(fields).length ? [{ ...g, fields }] : [];
  });
}
