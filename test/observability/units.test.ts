// Observability building blocks without processes: histograms, the stat renderers (Prometheus
// checked with a real parser, and with promtool when it is installed), trace context, access log
// formats, the OTLP exporter against a collector on loopback, metric windows and the graph.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import { ClusterStats, type StatGroup } from '../../src/dataplane/telemetry/stats';
import { ProxyTelemetry } from '../../src/dataplane/telemetry/proxy-telemetry';
import { compileFormat, DEFAULT_FORMAT, strftime, type AccessLogEntry } from '../../src/dataplane/http/access-log';
import { ENVOY_BUCKETS, Histogram, quantileFromCumulative } from '../../src/dataplane/telemetry/histogram';
import { flattenStats, renderEnvoyJson, renderEnvoyText, renderPrometheus } from '../../src/dataplane/telemetry/stats-format';
import {
  continueTrace, formatAmznTraceId, formatTraceparent, injectTrace, parseAmznTraceId, parseTraceparent,
} from '../../src/dataplane/telemetry/trace-context';
import { OtlpExporter, parseOtlpEndpoint, unixNanos, type SpanRecord } from '../../src/dataplane/telemetry/otlp';
import { parsePrometheusText, type Scrape } from '../../src/observability/scrape';
import { MetricsView } from '../../src/observability/metrics-view';
import { buildGraph, toDot, toMermaid, toPng, toSvg } from '../../src/observability/graph';
import type { DiscoveredProxy } from '../../src/observability/discovery';
import { UsageError } from '../../src/base/errors';
import { SnapshotBuilder, walkthroughSnapshot } from '../envoy-translate/snapshot-builder';
import { meshRows, renderStatTable } from '../../src/observability/stat-command';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Array<{
  name: string; type: string; metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string> }>;
}>;

/** A deterministic pseudo-random sequence (so failures reproduce). */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('Histogram', () => {
  test('quantiles within 5 % of the exact ones on a spread of latencies', () => {
    const rnd = lcg(7);
    const values = Array.from({ length: 5000 }, () => Math.exp(rnd() * 8 - 3)); // 0.05 ms … 150 ms
    const h = new Histogram();
    for (const v of values) h.record(v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1];
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.05);
    }
    expect(h.count).toBe(5000);
    expect(h.sum).toBeCloseTo(values.reduce((a, b) => a + b, 0), 6);
  });

  test('bounds are inclusive (le) and exact at Envoy\'s bucket edges', () => {
    const h = new Histogram();
    for (const v of [0.5, 1, 1.01, 4.99, 5, 5.01, 250, 4_000_000]) h.record(v);
    const at = new Map(h.envoyBuckets());
    expect(at.get(0.5)).toBe(1);
    expect(at.get(1)).toBe(2);
    expect(at.get(5)).toBe(5);
    expect(at.get(10)).toBe(6);
    expect(at.get(250)).toBe(7);
    expect(at.get(3600000)).toBe(7);
    expect(at.get(Infinity)).toBe(8);
    expect(h.envoyBuckets().map(([le]) => le)).toEqual([...ENVOY_BUCKETS, Infinity]);
    expect(h.cumulative(1)).toBe(2);
  });

  test('detailed buckets rebuild the distribution; an empty histogram has no quantile', () => {
    const h = new Histogram();
    expect(h.quantile(0.5)).toBeNaN();
    for (let i = 0; i < 100; i++) h.record(2.05); // bucket (2.0, 2.1]
    const d = h.detailedBuckets();
    expect(d).toEqual([[2, 0], [2.1, 100], [Infinity, 100]]);
    expect(quantileFromCumulative(d, 0.5)).toBeCloseTo(2.05, 6);
    expect(quantileFromCumulative(d, 1)).toBeCloseTo(2.1, 6);
  });
});

function sampleGroups(): StatGroup[] {
  const c = new ClusterStats();
  c.upstream_rq_total = 7;
  for (const s of [200, 200, 200, 200, 503, 503, 404]) c.countStatus(s);
  c.upstream_rq_retry = 2;
  c['outlier_detection.ejections_active'] = 1;
  c.membership_healthy = 2;
  for (const v of [0.4, 0.9, 3, 12]) c.upstream_rq_time.record(v);
  // HTTP and route stats grouped the way a proxy groups them.
  const t = new ProxyTelemetry();
  const h = t.httpStats('egress');
  h.downstream_rq_total = 3;
  for (const s of [200, 200, 500]) h.countStatus(s, 1.5);
  const r = t.routeStats('serviceb.apps.local', 'serviceB', 'serviceb.apps.local');
  r.upstream_rq_total = 2;
  r.complete(200, 1, 0, false, r.target('cds_egress_apps_serviceB_http2_80'));
  r.complete(503, 2, 1, false, r.target('cds_egress_apps_serviceBv2_http2_80'));
  return [
    ['cluster.cds_egress_apps_serviceB_http2_80', c, { family: 'cluster', labels: { envoy_cluster_name: 'cds_egress_apps_serviceB_http2_80', appmesh_target_virtual_node: 'serviceB' } }],
    ...t.groups(),
    ['listener_manager.lds', { update_success: 3, update_rejected: 0 }],
  ];
}

describe('stat renderers', () => {
  const constLabels = { appmesh_mesh: 'apps', appmesh_virtual_node: 'serviceA' };

  test('Envoy text: sorted `name: value` lines, per-code counters, histograms as quantiles', () => {
    const text = renderEnvoyText(sampleGroups());
    const lines = text.trim().split('\n');
    expect(lines).toContain('cluster.cds_egress_apps_serviceB_http2_80.upstream_rq_2xx: 4');
    expect(lines).toContain('cluster.cds_egress_apps_serviceB_http2_80.upstream_rq_503: 2');
    expect(lines).toContain('cluster.cds_egress_apps_serviceB_http2_80.upstream_rq_404: 1');
    expect(lines).toContain('http.egress.downstream_rq_5xx: 1');
    expect(lines).toContain('listener_manager.lds.update_success: 3');
    expect(lines).toContain('vhost.serviceb.apps.local.route.serviceB.upstream_rq_retry: 1');
    const hist = lines.find((l) => l.startsWith('cluster.cds_egress_apps_serviceB_http2_80.upstream_rq_time: '))!;
    expect(hist).toMatch(/P0\(nan,[\d.]+\) P25\(nan,[\d.]+\) P50\(nan,[\d.]+\).* P100\(nan,12\)$/);
    const counters = lines.filter((l) => !l.includes('P50('));
    expect(counters).toEqual([...counters].sort());
    const gauges = renderEnvoyText(sampleGroups(), { type: 'gauge', usedOnly: true }).trim().split('\n');
    expect(gauges).toEqual([
      'cluster.cds_egress_apps_serviceB_http2_80.membership_healthy: 2',
      'cluster.cds_egress_apps_serviceB_http2_80.outlier_detection.ejections_active: 1',
    ]);
    expect(renderEnvoyText(sampleGroups(), { type: 'histogram', usedOnly: true }).trim().split('\n').map((l) => l.split(':')[0]).sort()).toEqual([
      'cluster.cds_egress_apps_serviceB_http2_80.upstream_rq_time', 'http.egress.downstream_rq_time', 'vhost.serviceb.apps.local.route.serviceB.upstream_rq_time',
    ]);
    const filtered = renderEnvoyText(sampleGroups(), { filter: /retry/, usedOnly: true }).trim().split('\n');
    expect(filtered).toEqual([
      'cluster.cds_egress_apps_serviceB_http2_80.upstream_rq_retry: 2',
      'vhost.serviceb.apps.local.route.serviceB.upstream_rq_retry: 1',
    ]);
  });

  test('JSON: Envoy\'s {stats: [{name, value}], histograms: computed_quantiles}', () => {
    const doc = renderEnvoyJson(sampleGroups()) as { stats: Array<Record<string, unknown>> };
    expect(doc.stats).toContainEqual({ name: 'http.egress.downstream_rq_total', value: 3 });
    const hist = doc.stats.find((s) => 'histograms' in s) as { histograms: { supported_quantiles: number[]; computed_quantiles: Array<{ name: string; values: Array<{ cumulative: number }> }> } };
    expect(hist.histograms.supported_quantiles).toContain(99);
    const q = hist.histograms.computed_quantiles.find((x) => x.name === 'cluster.cds_egress_apps_serviceB_http2_80.upstream_rq_time')!;
    expect(q.values[q.values.length - 1].cumulative).toBe(12);
  });

  test('Prometheus: parsed by parse-prometheus-text-format, Envoy\'s tag extraction, App Mesh labels', () => {
    const text = renderPrometheus(sampleGroups(), { constLabels });
    const families = new Map(parsePrometheus(text).map((f) => [f.name, f]));
    const total = families.get('envoy_cluster_upstream_rq_total')!;
    expect(total.type).toBe('COUNTER');
    expect(total.metrics[0]).toEqual({
      value: '7',
      labels: { envoy_cluster_name: 'cds_egress_apps_serviceB_http2_80', appmesh_target_virtual_node: 'serviceB', appmesh_mesh: 'apps', appmesh_virtual_node: 'serviceA' },
    });
    const classes = families.get('envoy_cluster_upstream_rq_xx')!.metrics;
    expect(classes.find((m) => m.labels!.envoy_response_code_class === '5')!.value).toBe('2');
    const codes = families.get('envoy_cluster_upstream_rq')!.metrics;
    expect(codes.map((m) => [m.labels!.envoy_response_code, m.value]).sort()).toEqual([['200', '4'], ['404', '1'], ['503', '2']]);
    expect(families.get('envoy_cluster_outlier_detection_ejections_active')!.type).toBe('GAUGE');
    expect(families.get('envoy_cluster_membership_healthy')!.type).toBe('GAUGE');
    expect(families.get('envoy_http_downstream_rq_total')!.metrics[0].labels!.envoy_http_conn_manager_prefix).toBe('egress');
    expect(families.get('envoy_vhost_route_upstream_rq_completed')!.metrics[0].labels).toMatchObject({ envoy_virtual_host: 'serviceb.apps.local', envoy_route: 'serviceB' });
    const targets = families.get('envoy_vhost_route_target_upstream_rq_total')!.metrics;
    expect(targets.map((m) => m.labels!.envoy_cluster_name).sort()).toEqual(['cds_egress_apps_serviceB_http2_80', 'cds_egress_apps_serviceBv2_http2_80']);
    expect(families.get('envoy_listener_manager_lds_update_success')!.metrics[0].value).toBe('3');
    const hist = families.get('envoy_cluster_upstream_rq_time')!;
    expect(hist.type).toBe('HISTOGRAM');
    expect(hist.metrics[0].buckets).toMatchObject({ '0.5': '1', '1': '2', '5': '3', '10': '3', '25': '4', '+Inf': '4' });
    // Every family is declared once and its series are contiguous.
    const typeLines = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    expect(new Set(typeLines).size).toBe(typeLines.length);
  });

  test('Prometheus histograms: per label set, cumulative buckets rise to +Inf = _count, with _sum', () => {
    for (const detailed of [false, true]) {
      const text = renderPrometheus(sampleGroups(), { constLabels, detailed });
      const series = parsePrometheusText(text);
      const buckets = series.filter((s) => s.name === 'envoy_cluster_upstream_rq_time_bucket');
      const les = buckets.map((s) => (s.labels.le === '+Inf' ? Infinity : Number(s.labels.le)));
      expect(les).toEqual([...les].sort((a, b) => a - b));
      const counts = buckets.map((s) => s.value);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      expect(counts[counts.length - 1]).toBe(4);
      expect(series.find((s) => s.name === 'envoy_cluster_upstream_rq_time_count')!.value).toBe(4);
      expect(series.find((s) => s.name === 'envoy_cluster_upstream_rq_time_sum')!.value).toBeCloseTo(16.3, 6);
      expect(series.find((s) => s.name === 'envoy_cluster_upstream_rq_time_count')!.type).toBe('histogram');
    }
  });

  test('promtool check metrics accepts the exposition (when Debian\'s prometheus package is installed)', () => {
    const probe = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      // Environment-dependent: promtool comes from `apt-get install prometheus`.
      console.log('promtool not installed (apt-get install prometheus): skipping its check; parse-prometheus-text-format checked the format above');
      return;
    }
    const r = spawnSync('promtool', ['check', 'metrics'], { input: renderPrometheus(sampleGroups(), { constLabels }), encoding: 'utf8' });
    // promtool lints names and help texts too (Envoy's names do not follow its conventions);
    // what must not appear is a parse error.
    // Exit 3 is "lint problems only"; 1 would be a parse error.
    expect([0, 3]).toContain(r.status);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/error while linting|text format parsing error/i);
  });

  test('flattened names and types', () => {
    const flat = flattenStats(sampleGroups(), { usedOnly: true });
    expect(flat.find((s) => s.name === 'cluster.cds_egress_apps_serviceB_http2_80.upstream_rq_time')!.type).toBe('histogram');
    expect(flat.some((s) => s.name.endsWith('upstream_rq_1xx'))).toBe(false);
  });
});

describe('trace context', () => {
  test('traceparent continues the trace with a new span whose parent is the caller', () => {
    const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const c = continueTrace({ traceparent: incoming });
    expect(c.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(c.parentSpanId).toBe('00f067aa0ba902b7');
    expect(c.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(c.spanId).not.toBe('00f067aa0ba902b7');
    const out: Record<string, string | string[]> = {};
    injectTrace(out, c);
    expect(out.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${c.spanId}-01`);
    expect(out['x-amzn-trace-id']).toBe(`Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=${c.spanId};Sampled=1`);
  });

  test('X-Amzn-Trace-Id alone is continued; the same trace id shows in both headers', () => {
    const c = continueTrace({ 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1' });
    expect(c.traceId).toBe('5759e988bd862e3fe1be46a994272793');
    expect(c.parentSpanId).toBe('53995c3f42cd8ad8');
    expect(parseAmznTraceId(formatAmznTraceId(c))).toEqual({ traceId: c.traceId, spanId: c.spanId, sampled: true });
    expect(parseTraceparent(formatTraceparent(c))).toEqual({ traceId: c.traceId, spanId: c.spanId, sampled: true });
  });

  test('invalid or absent headers start a new trace (X-Ray compatible id: epoch seconds first)', () => {
    for (const h of [{}, { traceparent: 'garbage' }, { traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' }, { 'x-amzn-trace-id': 'Root=nope' }]) {
      const c = continueTrace(h);
      expect(c.parentSpanId).toBeUndefined();
      expect(c.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(Math.abs(parseInt(c.traceId.slice(0, 8), 16) - Date.now() / 1000)).toBeLessThan(5);
    }
    expect(continueTrace({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' }).sampled).toBe(false);
    const ids = new Set(Array.from({ length: 2000 }, () => continueTrace({}).spanId));
    expect(ids.size).toBe(2000);
    // Trace ids across several refills of the random pool, from the request's own time (a second that changes).
    const traces = Array.from({ length: 1000 }, (_, i) => continueTrace({}, 1_700_000_000_000 + i * 10).traceId);
    expect(new Set(traces).size).toBe(1000);
    for (const [i, t] of traces.entries()) {
      expect(t).toMatch(/^[0-9a-f]{32}$/);
      expect(parseInt(t.slice(0, 8), 16)).toBe(1_700_000_000 + Math.floor((i * 10) / 1000));
    }
  });
});

function entry(over: Partial<AccessLogEntry> = {}): AccessLogEntry {
  const req: Record<string, string> = { 'user-agent': 'curl/8', 'x-request-id': 'rid-1', ':authority': 'serviceb.apps.local', 'x-forwarded-for': '10.0.0.1', 'x-long': 'abcdefghij' };
  const res: Record<string, string> = { 'x-envoy-upstream-service-time': '3', 'content-type': 'application/json' };
  return {
    startTime: Date.UTC(2026, 10, 25, 12, 30, 45, 123), method: 'GET', path: '/orders?id=7', protocol: 'HTTP/1.1', status: 200, flags: '',
    bytesReceived: 0, bytesSent: 42, durationMs: 5, upstreamHost: '127.0.0.1:15000', upstreamCluster: 'cds_egress_apps_serviceB_http2_80',
    routeName: 'serviceB', downstreamRemote: '127.0.0.1', downstreamRemotePort: 50000, traceId: 'abc',
    reqHeader: (n) => req[n], resHeader: (n) => res[n], ...over,
  };
}

describe('access log formats', () => {
  test("Envoy's default line", () => {
    expect(compileFormat(DEFAULT_FORMAT)(entry())).toBe(
      '[2026-11-25T12:30:45.123Z] "GET /orders?id=7 HTTP/1.1" 200 - 0 42 5 3 "10.0.0.1" "curl/8" "rid-1" "serviceb.apps.local" "127.0.0.1:15000"\n');
    expect(compileFormat(DEFAULT_FORMAT)(entry({ status: 503, flags: 'UF,URX', upstreamHost: undefined }))).toContain(' 503 UF,URX ');
  });

  test('operators: START_TIME(format), REQ(X?Y):N, REQ_WITHOUT_QUERY, addresses, TRACE_ID', () => {
    const f = compileFormat('%START_TIME(%Y/%m/%d %H:%M:%S.%3f %s)% %REQ(X-MISSING?USER-AGENT)% %REQ(X-LONG):4% %REQ_WITHOUT_QUERY(:PATH)% '
      + '%DOWNSTREAM_REMOTE_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_CLUSTER% %ROUTE_NAME% %TRACE_ID% %RESPONSE_CODE_DETAILS% %UNKNOWN_OP%');
    expect(f(entry())).toBe(`2026/11/25 12:30:45.123 ${Math.floor(Date.UTC(2026, 10, 25, 12, 30, 45) / 1000)} curl/8 abcd /orders 127.0.0.1:50000 127.0.0.1 cds_egress_apps_serviceB_http2_80 serviceB abc via_upstream -`);
    expect(strftime('%j %b %a %6f', Date.UTC(2026, 0, 2, 0, 0, 0, 5))).toBe('002 Jan Fri 005000');
  });
});

describe('OTLP exporter', () => {
  let server: http.Server;
  let url: string;
  const bodies: any[] = [];
  let failNext = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (failNext > 0) {
          failNext--;
          res.writeHead(503).end();
          return;
        }
        bodies.push({ path: req.url, type: req.headers['content-type'], body: JSON.parse(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const span = (i: number): SpanRecord => ({
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: `00000000000000${String(i).padStart(2, '0')}`, parentSpanId: i > 0 ? '0000000000000000'.slice(0, 14) + '00' : undefined,
    name: 'serviceb.apps.local/', kind: 3, startMs: 1_764_000_000_000.25, durationMs: 1.5, attributes: { 'http.status_code': 200, 'http.method': 'GET', empty: undefined, ok: true, ratio: 0.5 }, error: false,
  });

  test('batches spans into OTLP/HTTP JSON with the resource; bare URLs get /v1/traces', async () => {
    const exp = new OtlpExporter(parseOtlpEndpoint(url), { 'service.name': 'serviceA', 'appmesh.mesh': 'apps' }, { batchSize: 3, flushMs: 50 });
    for (let i = 0; i < 7; i++) exp.add(span(i));
    await exp.shutdown();
    expect(bodies.map((b) => b.body.resourceSpans[0].scopeSpans[0].spans.length)).toEqual([3, 3, 1]);
    const first = bodies[0];
    expect(first.path).toBe('/v1/traces');
    expect(first.type).toBe('application/json');
    const rs = first.body.resourceSpans[0];
    expect(rs.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'serviceA' } }, { key: 'appmesh.mesh', value: { stringValue: 'apps' } },
    ]);
    const s = rs.scopeSpans[0].spans[0];
    expect(s).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '0000000000000000', kind: 3, status: { code: 0 } });
    expect(s.startTimeUnixNano).toBe('1764000000000250000');
    expect(s.endTimeUnixNano).toBe('1764000000001750000');
    expect(s.attributes).toEqual([
      { key: 'http.status_code', value: { intValue: '200' } }, { key: 'http.method', value: { stringValue: 'GET' } },
      { key: 'ok', value: { boolValue: true } }, { key: 'ratio', value: { doubleValue: 0.5 } },
    ]);
    expect(exp.stats).toMatchObject({ spans_exported: 7, export_success: 3, export_failed: 0, spans_dropped: 0 });
    exp.add(span(9));
    expect(exp.stats.spans_dropped).toBe(1); // shut down
  });

  test('a failing collector drops the batch and counts it; the queue is bounded', async () => {
    bodies.length = 0;
    failNext = 1;
    const lines: string[] = [];
    const exp = new OtlpExporter(parseOtlpEndpoint(`${url}/custom`), {}, { batchSize: 2, maxQueue: 4, flushMs: 10_000, log: (l) => lines.push(l) });
    for (let i = 0; i < 6; i++) exp.add(span(i)); // 4 queued (first batch sent at 2), 2 over the limit or sent
    await exp.flush();
    await exp.shutdown();
    expect(exp.stats.export_failed).toBe(1);
    expect(exp.stats.spans_exported + exp.stats.spans_dropped).toBe(6);
    expect(bodies.every((b) => b.path === '/custom')).toBe(true);
    expect(lines[0]).toMatch(/trace export to .*failed \(HTTP 503\)/);
  });

  test('only http:// collectors on loopback', () => {
    expect(parseOtlpEndpoint('http://localhost:4318').href).toBe('http://localhost:4318/v1/traces');
    expect(parseOtlpEndpoint('http://[::1]:4318/v1/traces').hostname).toBe('[::1]');
    for (const bad of ['http://10.0.0.5:4318/v1/traces', 'https://127.0.0.1:4318', 'not a url', 'http://collector.example.com/v1/traces']) {
      expect(() => parseOtlpEndpoint(bad)).toThrow(UsageError);
    }
    expect(unixNanos(1.9999999)).toBe('1999999');
  });
});

function fakeProxy(kind: DiscoveredProxy['kind'], name: string, admin: number): DiscoveredProxy {
  return { pid: 1, mesh: 'apps', kind, name, admin, startedAt: '', source: 'proxy', file: '', running: true };
}

function scrape(proxy: DiscoveredProxy, at: number, text: string): Scrape {
  return { proxy, at, series: parsePrometheusText(text) };
}

describe('metrics windows', () => {
  const a = fakeProxy('virtualNode', 'serviceA', 1);
  const exposition = (total: number, ok: number, buckets: Array<[string, number]>, active: number) => [
    '# TYPE envoy_vhost_route_upstream_rq_completed counter',
    `envoy_vhost_route_upstream_rq_completed{envoy_route="serviceB",appmesh_target_virtual_service="serviceb.apps.local"} ${total}`,
    '# TYPE envoy_vhost_route_upstream_rq_xx counter',
    `envoy_vhost_route_upstream_rq_xx{envoy_route="serviceB",appmesh_target_virtual_service="serviceb.apps.local",envoy_response_code_class="2"} ${ok}`,
    `envoy_vhost_route_upstream_rq_xx{envoy_route="serviceB",appmesh_target_virtual_service="serviceb.apps.local",envoy_response_code_class="5"} ${total - ok}`,
    '# TYPE envoy_cluster_outlier_detection_ejections_active gauge',
    `envoy_cluster_outlier_detection_ejections_active{appmesh_target_virtual_node="serviceB"} ${active}`,
    '# TYPE envoy_vhost_route_upstream_rq_time histogram',
    ...buckets.map(([le, n]) => `envoy_vhost_route_upstream_rq_time_bucket{envoy_route="serviceB",le="${le}"} ${n}`),
    '',
  ].join('\n');

  test('counters and histogram buckets as differences, gauges as they are; new bucket edges use the step below', () => {
    const before = scrape(a, 1000, exposition(10, 10, [['0.9', 0], ['1', 10], ['+Inf', 10]], 0));
    const after = scrape(a, 3000, exposition(30, 25, [['0.9', 0], ['1', 10], ['2.9', 10], ['3', 30], ['+Inf', 30]], 1));
    const w = MetricsView.window([before], [after]);
    expect(w.seconds).toBe(2);
    expect(w.sum('envoy_vhost_route_upstream_rq_completed')).toBe(20);
    expect(w.sum('envoy_vhost_route_upstream_rq_xx', (l) => l.envoy_response_code_class === '5')).toBe(5);
    expect(w.sum('envoy_cluster_outlier_detection_ejections_active')).toBe(1);
    // All 20 new observations are in (2.9, 3]: the median is there, not at 1 ms.
    expect(w.quantile('envoy_vhost_route_upstream_rq_time', 0.5)).toBeCloseTo(2.95, 6);
    const c = MetricsView.cumulative([after]);
    expect(c.sum('envoy_vhost_route_upstream_rq_completed')).toBe(30);
    expect(c.quantile('envoy_vhost_route_upstream_rq_time', 0.25)).toBeLessThanOrEqual(1);
  });

  test('histograms of several proxies merge exactly; a restarted proxy counts from zero', () => {
    const b = fakeProxy('virtualGateway', 'gw', 2);
    const merged = MetricsView.cumulative([
      scrape(a, 0, exposition(4, 4, [['0.9', 0], ['1', 4], ['+Inf', 4]], 0)),
      scrape(b, 0, exposition(4, 4, [['9.9', 0], ['10', 4], ['+Inf', 4]], 0)),
    ]);
    expect(merged.buckets('envoy_vhost_route_upstream_rq_time')).toEqual([[0.9, 0], [1, 4], [9.9, 4], [10, 8], [Infinity, 8]]);
    const restarted = MetricsView.window(
      [scrape(a, 0, exposition(100, 100, [['+Inf', 100]], 0))],
      [scrape(a, 1000, exposition(5, 5, [['+Inf', 5]], 0))],
    );
    expect(restarted.sum('envoy_vhost_route_upstream_rq_completed')).toBe(5);
    expect(restarted.labelValues('envoy_cluster_outlier_detection_ejections_active', 'appmesh_target_virtual_node')).toEqual(['serviceB']);
  });
});

describe('graph', () => {
  const snapshot = walkthroughSnapshot([75, 25]);

  test('configured topology: services → router → route → weighted nodes, node backends', () => {
    const g = buildGraph(snapshot);
    expect(g.live).toBe(false);
    expect(g.nodes.map((n) => n.id).sort()).toEqual([
      'route:serviceB/serviceB', 'virtualNode:serviceA', 'virtualNode:serviceB', 'virtualNode:serviceBv2',
      'virtualRouter:serviceB', 'virtualService:servicea.apps.local', 'virtualService:serviceb.apps.local',
    ]);
    const edges = g.edges.map((e) => `${e.from} -> ${e.to}${e.weight !== undefined ? ` ${e.weight}%` : ''}`).sort();
    expect(edges).toEqual([
      'route:serviceB/serviceB -> virtualNode:serviceB 75%',
      'route:serviceB/serviceB -> virtualNode:serviceBv2 25%',
      'virtualNode:serviceA -> virtualService:serviceb.apps.local',
      'virtualRouter:serviceB -> route:serviceB/serviceB',
      'virtualService:servicea.apps.local -> virtualNode:serviceA',
      'virtualService:serviceb.apps.local -> virtualRouter:serviceB',
    ]);
  });

  test('live traffic on the edges: observed target shares and 5xx rates from route target stats', () => {
    const a = fakeProxy('virtualNode', 'serviceA', 1);
    const text = [
      '# TYPE envoy_vhost_route_target_upstream_rq_total counter',
      'envoy_vhost_route_target_upstream_rq_total{envoy_virtual_host="serviceb.apps.local",envoy_route="serviceB",appmesh_target_virtual_service="serviceb.apps.local",envoy_cluster_name="cds_egress_apps_serviceB_http2_80"} 740',
      'envoy_vhost_route_target_upstream_rq_total{envoy_virtual_host="serviceb.apps.local",envoy_route="serviceB",appmesh_target_virtual_service="serviceb.apps.local",envoy_cluster_name="cds_egress_apps_serviceBv2_http2_80"} 260',
      '# TYPE envoy_vhost_route_target_upstream_rq_xx counter',
      'envoy_vhost_route_target_upstream_rq_xx{envoy_virtual_host="serviceb.apps.local",envoy_route="serviceB",appmesh_target_virtual_service="serviceb.apps.local",envoy_cluster_name="cds_egress_apps_serviceBv2_http2_80",envoy_response_code_class="5"} 26',
      '# TYPE envoy_vhost_route_upstream_rq_completed counter',
      'envoy_vhost_route_upstream_rq_completed{envoy_virtual_host="serviceb.apps.local",envoy_route="serviceB",appmesh_target_virtual_service="serviceb.apps.local"} 1000',
      '',
    ].join('\n');
    const g = buildGraph(snapshot, MetricsView.cumulative([scrape(a, 0, text)]), [a]);
    const to = (n: string) => g.edges.find((e) => e.kind === 'target' && e.to === `virtualNode:${n}`)!;
    expect(to('serviceB').traffic).toEqual({ requests: 740, errors: 0, share: 0.74 });
    expect(to('serviceBv2').traffic).toEqual({ requests: 260, errors: 26, share: 0.26 });
    expect(g.edges.find((e) => e.kind === 'backend')!.traffic!.requests).toBe(1000);
    expect(g.nodes.find((n) => n.id === 'virtualNode:serviceA')!.proxies).toBe(1);
    expect(g.nodes.find((n) => n.id === 'virtualNode:serviceB')!.proxies).toBe(0);
    const mermaid = toMermaid(g);
    expect(mermaid).toMatch(/^flowchart LR$/m);
    expect(mermaid).toContain('weight 25% · seen 26%<br/>260 req · 10% 5xx');
    expect(mermaid).toMatch(/linkStyle \d+ stroke:#d32f2f/);
    const dot = toDot(g);
    expect(dot).toContain('"route:serviceB/serviceB" -> "virtualNode:serviceBv2" [label="weight 25% · seen 26%\\n260 req · 10% 5xx", color="#d32f2f"');
  });

  test('SVG by Graphviz (WebAssembly) and PNG by resvg', async () => {
    const g = buildGraph(snapshot);
    const svg = await toSvg(g);
    expect(svg).toMatch(/<svg[\s\S]*<\/svg>\s*$/);
    for (const name of ['serviceb.apps.local', 'serviceBv2', 'weight 75%']) expect(svg).toContain(name);
    const png = await toPng(g, 1);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBeGreaterThan(300); // width from the IHDR chunk
  });
});

describe('stat rows and gateways', () => {
  const gw = fakeProxy('virtualGateway', 'gw', 3);
  const a = fakeProxy('virtualNode', 'serviceA', 1);
  const b = fakeProxy('virtualNode', 'serviceB', 2);
  const snap = new SnapshotBuilder('apps')
    .node('serviceB', { listeners: [{ portMapping: { port: 80, protocol: 'http' } }] })
    .node('serviceA', { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], backends: [{ virtualService: { virtualServiceName: 'b.local' } }] })
    .service('b.local', { node: 'serviceB' })
    .gateway('gw', { listeners: [{ portMapping: { port: 8088, protocol: 'http' } }] })
    .gatewayRoute('gw', 'to-b', { httpRoute: { match: { prefix: '/b' }, action: { target: { virtualService: { virtualServiceName: 'b.local' } } } } })
    .build();
  const ingress = (n: number, fail: number, le: string) => [
    '# TYPE envoy_http_downstream_rq_completed counter',
    `envoy_http_downstream_rq_completed{envoy_http_conn_manager_prefix="ingress"} ${n}`,
    '# TYPE envoy_http_downstream_rq_xx counter',
    `envoy_http_downstream_rq_xx{envoy_http_conn_manager_prefix="ingress",envoy_response_code_class="5"} ${fail}`,
    '# TYPE envoy_http_downstream_rq_time histogram',
    `envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix="ingress",le="${le}"} ${n}`,
    `envoy_http_downstream_rq_time_bucket{envoy_http_conn_manager_prefix="ingress",le="+Inf"} ${n}`,
    // Egress requests must not count as the node's own traffic.
    `envoy_http_downstream_rq_completed{envoy_http_conn_manager_prefix="egress"} 999`,
  ];

  test('node rows: inbound from the own proxy, retries and ejections from callers; gateway and gateway route rows', () => {
    const scrapes = (k: number) => [
      scrape(b, k * 1000, [...ingress(100 * k, 10 * k, '2'), ''].join('\n')),
      scrape(a, k * 1000, [
        '# TYPE envoy_cluster_upstream_rq_retry counter',
        `envoy_cluster_upstream_rq_retry{envoy_cluster_name="cds_egress_apps_serviceB_http_80",appmesh_target_virtual_node="serviceB"} ${3 * k}`,
        '# TYPE envoy_cluster_outlier_detection_ejections_active gauge',
        'envoy_cluster_outlier_detection_ejections_active{envoy_cluster_name="cds_egress_apps_serviceB_http_80",appmesh_target_virtual_node="serviceB"} 1',
        '',
      ].join('\n')),
      scrape(gw, k * 1000, [...ingress(40 * k, 0, '5'),
        '# TYPE envoy_vhost_route_upstream_rq_completed counter',
        `envoy_vhost_route_upstream_rq_completed{envoy_virtual_host="self_redirect",envoy_route="to-b"} ${40 * k}`,
        '# TYPE envoy_vhost_route_upstream_rq_total counter',
        `envoy_vhost_route_upstream_rq_total{envoy_virtual_host="self_redirect",envoy_route="to-b"} ${40 * k}`,
        '# TYPE envoy_vhost_route_upstream_rq_time histogram',
        `envoy_vhost_route_upstream_rq_time_bucket{envoy_virtual_host="self_redirect",envoy_route="to-b",le="7"} ${40 * k}`,
        '',
      ].join('\n')),
    ];
    const view = MetricsView.window(scrapes(1), scrapes(3));
    const rows = meshRows(snap, [a, b, gw], view, view.seconds!);
    const row = (name: string) => rows.find((r) => r.name === name)!;
    expect(row('serviceB')).toMatchObject({ kind: 'virtualNode', requests: 200, rps: 100, retries: 6, ejectedHosts: 1, proxies: { reachable: 1, total: 1 } });
    expect(row('serviceB').successRate).toBeCloseTo(0.9, 9);
    expect(row('serviceB').latencyMs!.p99).toBeLessThanOrEqual(2);
    expect(row('serviceA')).toMatchObject({ requests: 0, rps: 0, successRate: null, latencyMs: null });
    expect(row('gw')).toMatchObject({ kind: 'virtualGateway', requests: 80, successRate: 1 });
    expect(row('gw/to-b')).toMatchObject({ kind: 'gatewayRoute', requests: 80, rps: 40 });
    const table = renderStatTable({ windowSeconds: 2, rows, unreachable: [] });
    expect(table).toMatch(/^serviceB\s+1\/1\s+90\.00%\s+100\.0rps\s+[\d.]+ms\s+[\d.]+ms\s+[\d.]+ms\s+6\s+1$/m);
    expect(table).toMatch(/^serviceA\s+1\/1\s+-\s+-\s+-\s+-\s+-\s+0\s+0$/m);
    expect(table).toMatch(/^VIRTUAL GATEWAY\s+MESHED/m);
    expect(table).toMatch(/^gw\/to-b\s+1\/1\s+100\.00%\s+40\.0rps/m);
  });

  test('graph of a gateway: gateway → gateway route → service → node', () => {
    const g = buildGraph(snap);
    const edges = g.edges.map((e) => `${e.kind} ${e.from} -> ${e.to}`).sort();
    expect(edges).toEqual([
      'backend virtualNode:serviceA -> virtualService:b.local',
      'gatewayRoute virtualGateway:gw -> gatewayRoute:gw/to-b',
      'gatewayTarget gatewayRoute:gw/to-b -> virtualService:b.local',
      'provider virtualService:b.local -> virtualNode:serviceB',
    ]);
    expect(toDot(g)).toContain('"virtualGateway:gw" [label="gw\\n(virtual gateway)\\nhttp:8088", shape=trapezium');
  });
});

describe('local check without any state', () => {
  afterAll(cleanupHomes);

  test('fails (exit 1) with the fix, and changes nothing', async () => {
    const home = tempHome();
    const r = await runCli(['local', 'check'], { home });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ no local state at .*state\.db$/m);
    expect(r.stdout).toMatch(/^ {4}fix: create a mesh first, e\.g\. `awsmesh appmesh create-mesh --mesh-name apps`/m);
    expect(r.stderr).toMatch(/1 check failed/);
    expect(fs.readdirSync(home)).toEqual([]);
  });
});
