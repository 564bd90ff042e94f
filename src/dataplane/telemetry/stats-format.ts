// Rendering a proxy's stat groups the ways Envoy's admin interface does: the `/stats` text
// format (`name: value`, histograms as quantiles), `/stats?format=json`, and
// `/stats/prometheus` (Envoy's tag extraction: `cluster.<name>.upstream_rq_2xx` becomes
// `envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="<name>"}`),
// plus App Mesh's stat tags (appmesh.mesh, appmesh.virtual_node, appmesh.virtual_gateway) as
// labels on every series. Nothing here runs on the request path.

import { formatBound, Histogram, SUPPORTED_QUANTILES } from './histogram';
import { CodeCounts, type StatGroup, type StatTags } from './stats';

export type StatType = 'counter' | 'gauge' | 'histogram';

/** One stat, flattened from the groups. */
export interface FlatStat {
  /** Envoy's full name, e.g. cluster.cds_egress_apps_serviceB_http_80.upstream_rq_total. */
  name: string;
  type: StatType;
  value: number;
  histogram?: Histogram;
  /** Prometheus metric name (without _bucket/_sum/_count) and labels. */
  promName: string;
  labels: Record<string, string>;
}

export interface FlattenOptions {
  /** Labels added to every series (App Mesh's stat tags). */
  constLabels?: Record<string, string>;
  /** Only stats whose Envoy name matches. */
  filter?: RegExp;
  /** Only counters/gauges that changed from zero and histograms with samples (Envoy's usedonly). */
  usedOnly?: boolean;
  /** Only stats of this type (Envoy's `type=Counters|Gauges|Histograms`). */
  type?: StatType;
}

const GAUGE = /(^|[._])(active|membership_healthy|membership_total|live|uptime|state|concurrency|memory_allocated|memory_heap_size|connected_state)$|_active$/;

export function isGauge(field: string): boolean {
  return GAUGE.test(field);
}

/** The Prometheus family and labels of a group whose tags were not given, from its prefix. */
export function tagsFromPrefix(prefix: string): StatTags {
  const [head, ...rest] = prefix.split('.');
  const tail = rest.join('.');
  switch (head) {
    case 'cluster':
      if (tail) return { family: 'cluster', labels: { envoy_cluster_name: tail } };
      break;
    case 'listener':
      if (tail) return { family: 'listener', labels: { envoy_listener_address: tail } };
      break;
    case 'http':
      if (tail) return { family: 'http', labels: { envoy_http_conn_manager_prefix: tail } };
      break;
    default:
      break;
  }
  return { family: prefix, labels: {} };
}

function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_:]/g, '_');
}

/**
 * Envoy's response-code tag extraction on a field: `upstream_rq_2xx` → (`upstream_rq_xx`,
 * class 2), `upstream_rq_503` → (`upstream_rq`, code 503).
 */
function codeTags(field: string): { field: string; labels: Record<string, string> } {
  const cls = /^(.*_rq)_([1-5])xx$/.exec(field);
  if (cls) return { field: `${cls[1]}_xx`, labels: { envoy_response_code_class: cls[2] } };
  return { field, labels: {} };
}

/** Every stat of the groups, sorted by Envoy name. */
export function flattenStats(groups: readonly StatGroup[], opts: FlattenOptions = {}): FlatStat[] {
  const out: FlatStat[] = [];
  const constLabels = opts.constLabels ?? {};
  for (const [prefix, stats, given] of groups) {
    const tags = given ?? tagsFromPrefix(prefix);
    const family = tags.family ? `envoy_${sanitize(tags.family)}_` : 'envoy_';
    const push = (field: string, type: StatType, value: number, histogram?: Histogram, code?: { stem: string; code: number }) => {
      const name = `${prefix}.${field}`;
      if (opts.type && type !== opts.type) return;
      if (opts.filter && !opts.filter.test(name)) return;
      if (opts.usedOnly && (histogram ? histogram.count === 0 : value === 0)) return;
      // Per-code counters keep their stem as the metric name (Envoy's envoy.response_code tag).
      const ct = code ? { field: code.stem, labels: { envoy_response_code: String(code.code) } } : histogram ? { field, labels: {} } : codeTags(field);
      out.push({
        name, type, value, histogram,
        promName: family + sanitize(ct.field),
        labels: { ...tags.labels, ...ct.labels, ...constLabels },
      });
    };
    for (const [field, v] of Object.entries(stats)) {
      if (typeof v === 'number') push(field, isGauge(field) ? 'gauge' : 'counter', v);
      else if (v instanceof Histogram) push(field, 'histogram', v.count, v);
      else if (v instanceof CodeCounts) {
        for (let code = 100; code < 600; code++) {
          const n = v.counts[code];
          if (n > 0) push(`${v.stem}_${code}`, 'counter', n, undefined, { stem: v.stem, code });
        }
      }
    }
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function quantileText(h: Histogram): string {
  if (h.count === 0) return 'No recorded values';
  return SUPPORTED_QUANTILES.map((p) => `P${p}(nan,${formatNumber(h.quantile(p / 100))})`).join(' ');
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return 'nan';
  return String(Number(v.toPrecision(6)));
}

/** Envoy's `/stats` text: counters and gauges, then histograms with their quantiles. */
export function renderEnvoyText(groups: readonly StatGroup[], opts: FlattenOptions = {}): string {
  const stats = flattenStats(groups, opts);
  const lines = stats.filter((s) => s.type !== 'histogram').map((s) => `${s.name}: ${s.value}`);
  for (const s of stats) if (s.histogram) lines.push(`${s.name}: ${quantileText(s.histogram)}`);
  return `${lines.join('\n')}\n`;
}

/** Envoy's `/stats?format=json`: `{stats: [{name, value}…, {histograms: {…}}]}`. */
export function renderEnvoyJson(groups: readonly StatGroup[], opts: FlattenOptions & { detailed?: boolean } = {}): unknown {
  const stats = flattenStats(groups, opts);
  const entries: unknown[] = stats.filter((s) => s.type !== 'histogram').map((s) => ({ name: s.name, value: s.value }));
  const hists = stats.filter((s) => s.histogram);
  if (hists.length) {
    const q = (h: Histogram) => SUPPORTED_QUANTILES.map((p) => {
      const v = h.quantile(p / 100);
      return { interval: null, cumulative: Number.isFinite(v) ? Number(v.toPrecision(6)) : null };
    });
    entries.push({
      histograms: opts.detailed
        ? {
            supported_percentiles: SUPPORTED_QUANTILES,
            details: hists.map((s) => ({
              name: s.name,
              percentiles: q(s.histogram!).map((x) => ({ cumulative: x.cumulative })),
              totals: disjoint(s.histogram!),
              sample_count: s.histogram!.count,
              sample_sum: s.histogram!.sum,
            })),
          }
        : {
            supported_quantiles: SUPPORTED_QUANTILES,
            computed_quantiles: hists.map((s) => ({ name: s.name, values: q(s.histogram!) })),
          },
    });
  }
  return { stats: entries };
}

/** Non-empty buckets as Envoy's detailed JSON lists them: lower bound, width, count. */
function disjoint(h: Histogram): Array<{ lower_bound: number; width: number; count: number }> {
  const out = [];
  const b = h.detailedBuckets().filter(([le]) => le !== Infinity);
  for (let i = 1; i < b.length; i++) {
    const count = b[i][1] - b[i - 1][1];
    if (count > 0) out.push({ lower_bound: b[i - 1][0], width: Number((b[i][0] - b[i - 1][0]).toPrecision(6)), count });
  }
  return out;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string>, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/**
 * Prometheus text exposition (version 0.0.4) as Envoy's /stats/prometheus writes it: one
 * `# TYPE` line per family and its series together; histograms as _bucket (Envoy's default
 * bounds, or every non-empty bucket edge with `detailed`), _sum and _count.
 */
export function renderPrometheus(groups: readonly StatGroup[], opts: FlattenOptions & { detailed?: boolean } = {}): string {
  const families = new Map<string, { type: StatType; lines: string[] }>();
  for (const s of flattenStats(groups, opts)) {
    let fam = families.get(s.promName);
    if (!fam) {
      fam = { type: s.type, lines: [] };
      families.set(s.promName, fam);
    } else if (fam.type !== s.type) {
      continue; // a name clash between kinds would make the exposition invalid
    }
    if (s.histogram) {
      const h = s.histogram;
      const buckets = opts.detailed ? h.detailedBuckets() : h.envoyBuckets();
      for (const [le, n] of buckets) fam.lines.push(`${s.promName}_bucket${labelText(s.labels, ['le', formatBound(le)])} ${n}`);
      fam.lines.push(`${s.promName}_sum${labelText(s.labels)} ${formatNumber(h.sum) === 'nan' ? 0 : Number(h.sum.toPrecision(12))}`);
      fam.lines.push(`${s.promName}_count${labelText(s.labels)} ${h.count}`);
    } else {
      fam.lines.push(`${s.promName}${labelText(s.labels)} ${s.value}`);
    }
  }
  const out: string[] = [];
  for (const [name, fam] of [...families].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(`# TYPE ${name} ${fam.type}`, ...fam.lines);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
