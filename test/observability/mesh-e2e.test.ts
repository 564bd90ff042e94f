// End to end with real processes on loopback: the walkthrough mesh applied with `awsmesh appmesh
// …` (plus access logs), echo apps as child processes, one `awsmesh proxy` process per virtual
// node exporting spans to a tiny OTLP collector run by this test. Traffic goes through serviceA's
// egress; then the admin pages, access logs, trace headers, exported spans and the
// `local stat | graph | check` commands are checked against what was sent.

import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { applyWalkthrough, cli, startCliProxy, type RunningProxy } from '../dataplane/cli';
import { keepAlive, load, viaProxy, type Reply } from '../dataplane/helpers';
import { runBin } from '../helpers/run-cli';
import { startServe } from '../helpers/serve-process';
import { waitUntil } from '../helpers/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Array<{
  name: string; type: string; metrics: Array<{ value?: string; labels?: Record<string, string> }>;
}>;

const ECHO = path.join(__dirname, 'fixtures', 'echo-app.js');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-obs-e2e-'));
const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2' };
const logA = path.join(home, 'serviceA-access.log');
const logB = path.join(home, 'serviceB-access.json');
const N = 600;

interface EchoApp {
  port: number;
  child: ChildProcess;
}

const apps: EchoApp[] = [];
const proxies: RunningProxy[] = [];
let a: RunningProxy;
let b: RunningProxy;
let b2: RunningProxy;
let collector: http.Server;
let otlp: string;
const exported: any[] = [];
let replies: Reply[] = [];
const sent: Array<{ traceparent?: string; amzn?: string; requestId?: string }> = [];

function startEcho(name: string, extra: Record<string, string> = {}): Promise<EchoApp> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ECHO], { env: { ...process.env, APP_NAME: name, PORT: '0', ...extra }, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.once('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve({ port: Number(m[1]), child });
      else reject(new Error(`echo app: ${d}`));
    });
    child.once('exit', (code) => reject(new Error(`echo app ${name} exited ${code}`)));
  });
}

function get(port: number, p: string): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body, type: res.headers['content-type'] }));
    }).on('error', reject);
  });
}


/** `name: value` lines of /stats as a map. */
async function stats(port: number, query = ''): Promise<Map<string, string>> {
  const text = (await get(port, `/stats${query}`)).body;
  return new Map(text.trim().split('\n').map((l) => [l.slice(0, l.indexOf(': ')), l.slice(l.indexOf(': ') + 2)]));
}

const num = (m: Map<string, string>, k: string) => Number(m.get(k) ?? NaN);

function spans(): any[] {
  return exported.flatMap((body) => body.resourceSpans.flatMap((rs: any) => {
    const resource = Object.fromEntries(rs.resource.attributes.map((x: any) => [x.key, x.value.stringValue]));
    return rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => ({ ...s, resource })));
  }));
}

function updateNode(name: string, logging: unknown): void {
  const out = cli(['appmesh', 'describe-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', name], env);
  const spec = JSON.parse(out.stdout).virtualNode.spec;
  const r = cli(['appmesh', 'update-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', name, '--spec', JSON.stringify({ ...spec, logging })], env);
  if (r.status !== 0) throw new Error(r.stderr);
}

beforeAll(async () => {
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/v1/traces') exported.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', () => r()));
  otlp = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;

  applyWalkthrough(env);
  updateNode('serviceA', { accessLog: { file: { path: logA } } });
  updateNode('serviceB', {
    accessLog: {
      file: {
        path: logB,
        format: { json: [
          { key: 'status', value: '%RESPONSE_CODE%' }, { key: 'path', value: '%REQ(:PATH)%' }, { key: 'request_id', value: '%REQ(X-REQUEST-ID)%' },
          { key: 'missing', value: '%REQ(X-NOPE)%' }, { key: 'summary', value: '%REQ(:METHOD)% %RESPONSE_CODE%' }, { key: 'duration', value: '%DURATION%' },
        ] },
      },
    },
  });
  apps.push(await startEcho('serviceB'), await startEcho('serviceBv2', { FAIL_EVERY: '10' }));
  const common = ['--ingress-port', '0', '--egress-port', '0', '--admin-port', '0', '--otlp-endpoint', otlp];
  [b, b2, a] = await Promise.all([
    startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceB', '--app-port', String(apps[0].port), ...common], env),
    startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceBv2', '--app-port', String(apps[1].port), ...common], env),
    startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceA', ...common], env),
  ]);
  proxies.push(b, b2, a);
  // serviceA's sidecar knows both serviceB endpoints once they registered.
  await waitUntil(async () => {
    const c = (await get(a.admin, '/clusters')).body;
    return c.includes(`cds_egress_apps_serviceB_http2_80::127.0.0.1:${b.ingress}::`) && c.includes(`cds_egress_apps_serviceBv2_http2_80::127.0.0.1:${b2.ingress}::`) ? true : undefined;
  }, { describe: 'endpoints', timeoutMs: 10_000 });

  replies = await load(N, 8, (i) => {
    const headers: Record<string, string> = {};
    const s: (typeof sent)[number] = {};
    if (i % 3 === 0) s.traceparent = headers.traceparent = `00-${(i + 1).toString(16).padStart(32, 'a')}-${(i + 1).toString(16).padStart(16, 'b')}-01`;
    if (i % 3 === 1) s.amzn = headers['x-amzn-trace-id'] = `Root=1-5759e988-${(i + 1).toString(16).padStart(24, 'c')};Parent=53995c3f42cd8ad8;Sampled=1`;
    if (i % 5 === 0) s.requestId = headers['x-request-id'] = `given-${i}`;
    sent[i] = s;
    return viaProxy(a.egress, `http://serviceb.apps.local/item/${i}?q=1`, { headers });
  });
}, 60_000);

afterAll(async () => {
  // (serviceBv2's proxy was killed by the check test.)
  await Promise.all(proxies.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => p.stop()));
  keepAlive.destroy();
  for (const x of apps) x.child.kill('SIGTERM');
  await new Promise<void>((r) => collector.close(() => r()));
  fs.rmSync(home, { recursive: true, force: true });
});

test('every request succeeded (the 10 % 503s of serviceBv2 were retried by the default policy)', () => {
  expect(replies.filter((r) => r.status !== 200).map((r) => r.status)).toEqual([]);
});

test('trace headers: x-request-id kept or made; traceparent and X-Amzn-Trace-Id continued or started, new span per hop', () => {
  replies.forEach((r, i) => {
    const h = JSON.parse(r.body).headers as Record<string, string>;
    const s = sent[i];
    if (s.requestId) expect(h['x-request-id']).toBe(s.requestId);
    else expect(h['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const tp = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(h.traceparent)!;
    expect(tp).not.toBeNull();
    const amzn = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=1$/.exec(h['x-amzn-trace-id'])!;
    expect(amzn).not.toBeNull();
    // Both headers name the same trace and the same (ingress sidecar's) span.
    expect(amzn[1] + amzn[2]).toBe(tp[1]);
    expect(amzn[3]).toBe(tp[2]);
    if (s.traceparent) {
      expect(tp[1]).toBe(s.traceparent.slice(3, 35));
      expect(tp[2]).not.toBe(s.traceparent.slice(36, 52));
    } else if (s.amzn) {
      expect(tp[1]).toBe(`5759e988${s.amzn.slice(16, 40)}`);
    }
  });
  const started = replies.filter((_, i) => !sent[i].traceparent && !sent[i].amzn).map((r) => JSON.parse(r.body).headers.traceparent.slice(3, 35));
  expect(new Set(started).size).toBe(started.length);
});

test('spans exported over OTLP/HTTP: one per hop, ingress span a child of the egress span', async () => {
  // Both hops of every request: serviceA's egress span and serviceB/serviceBv2's ingress span (one
  // per attempt: retried attempts have their own). Each proxy exports on its own schedule, so wait
  // for both sides (a total of 2N alone could be reached by the ingress side's retried attempts
  // before serviceA's last batch arrived).
  const bySide = () => {
    const all = spans();
    return { egress: all.filter((s) => s.resource['service.name'] === 'serviceA'), ingress: all.filter((s) => s.resource['service.name'] !== 'serviceA') };
  };
  const { egress, ingress } = await waitUntil(() => {
    const x = bySide();
    return x.egress.length >= N && x.ingress.length >= N ? x : undefined;
  }, { describe: 'spans of both hops', timeoutMs: 15_000 });
  expect(egress.length).toBe(N);
  expect(egress.every((s) => s.kind === 3 && s.resource['appmesh.mesh'] === 'apps' && s.resource['appmesh.virtual_node'] === 'serviceA')).toBe(true);
  expect(new Set(ingress.map((s) => s.resource['service.name']))).toEqual(new Set(['serviceB', 'serviceBv2']));
  const bySpan = new Map(egress.map((s) => [s.spanId, s]));
  const i = sent.findIndex((s) => s.traceparent);
  const seen = JSON.parse(replies[i].body).headers.traceparent.split('-');
  const hop2 = ingress.find((s) => s.spanId === seen[2])!;
  expect(hop2.kind).toBe(2);
  expect(hop2.traceId).toBe(seen[1]);
  const hop1 = bySpan.get(hop2.parentSpanId)!;
  expect(hop1.parentSpanId).toBe(sent[i].traceparent!.slice(36, 52));
  expect(hop1.name).toBe('serviceb.apps.local/item/0');
  const attrs = Object.fromEntries(hop1.attributes.map((x: any) => [x.key, x.value.stringValue ?? Number(x.value.intValue)]));
  expect(attrs).toMatchObject({ 'http.method': 'GET', 'http.status_code': 200, 'appmesh.route': 'serviceB', 'appmesh.virtual_service': 'serviceb.apps.local' });
  expect(BigInt(hop1.endTimeUnixNano)).toBeGreaterThan(BigInt(hop1.startTimeUnixNano));
  // The exporter counts a batch once the collector's answer is in, just after the collector got it.
  const info = await waitUntil(async () => {
    const m = await stats(a.admin, '?filter=^tracing\\.');
    return num(m, 'tracing.otlp.spans_exported') >= N ? m : undefined;
  }, { describe: 'tracing.otlp.spans_exported', timeoutMs: 5000 });
  expect(num(info, 'tracing.otlp.spans_exported')).toBe(N);
  expect(num(info, 'tracing.otlp.spans_dropped')).toBe(0);
});

test('/stats: Envoy names; requests, classes, per-code, retries and route stats add up', async () => {
  const s = await stats(a.admin);
  const B = 'cluster.cds_egress_apps_serviceB_http2_80';
  const B2 = 'cluster.cds_egress_apps_serviceBv2_http2_80';
  expect(num(s, 'http.egress.downstream_rq_total')).toBe(N);
  expect(num(s, 'http.egress.downstream_rq_2xx')).toBe(N);
  expect(num(s, 'http.egress.downstream_rq_200')).toBe(N);
  expect(num(s, `${B}.upstream_rq_2xx`) + num(s, `${B2}.upstream_rq_2xx`)).toBe(N);
  expect(num(s, `${B2}.upstream_rq_5xx`)).toBeGreaterThan(0);
  expect(num(s, `${B2}.upstream_rq_503`)).toBe(num(s, `${B2}.upstream_rq_5xx`));
  expect(num(s, `${B2}.upstream_rq_retry`)).toBe(num(s, `${B2}.upstream_rq_5xx`));
  expect(num(s, `${B2}.upstream_rq_retry_success`)).toBe(num(s, `${B2}.upstream_rq_retry`));
  expect(num(s, `${B2}.upstream_rq_total`)).toBe(num(s, `${B2}.upstream_rq_2xx`) + num(s, `${B2}.upstream_rq_5xx`));
  const route = 'vhost.serviceb.apps.local.route.serviceB';
  expect(num(s, `${route}.upstream_rq_completed`)).toBe(N);
  expect(num(s, `${route}.upstream_rq_retry`)).toBe(num(s, `${B2}.upstream_rq_retry`));
  expect(num(s, `${route}.target.cds_egress_apps_serviceB_http2_80.upstream_rq_total`)).toBe(num(s, `${B}.upstream_rq_2xx`));
  expect(num(s, `listener.127.0.0.1_${a.egress}.downstream_cx_total`)).toBeGreaterThanOrEqual(1);
  expect(num(s, 'server.live')).toBe(1);
  expect(s.get(`${B}.upstream_rq_time`)).toMatch(/^P0\(nan,[\d.]+\) .*P50\(nan,[\d.]+\) .*P99\(nan,[\d.]+\) /);
  // The receiving side: serviceBv2's ingress saw the app's 503s.
  // (serviceBv2's sidecar counts a 503 when its exchange ends, which can be just after serviceA
  // already saw the status, reset the stream and retried.)
  const s2 = await waitUntil(async () => {
    const m = await stats(b2.admin, '?filter=^http\\.ingress\\.');
    return num(m, 'http.ingress.downstream_rq_5xx') >= num(s, `${B2}.upstream_rq_5xx`) ? m : undefined;
  }, { describe: 'serviceBv2 ingress 5xx', timeoutMs: 5000 });
  expect([...s2.keys()].every((k) => k.startsWith('http.ingress.'))).toBe(true);
  expect(num(s2, 'http.ingress.downstream_rq_5xx')).toBe(num(s, `${B2}.upstream_rq_5xx`));

  const json = JSON.parse((await get(a.admin, '/stats?format=json&filter=downstream_rq_total')).body);
  expect(json.stats).toContainEqual({ name: 'http.egress.downstream_rq_total', value: N });
  expect((await get(a.admin, '/stats?filter=(')).status).toBe(400);
  const used = await stats(a.admin, '?usedonly&type=Counters');
  expect(used.has(`${B}.upstream_rq_1xx`)).toBe(false);
  expect(used.has(`${B}.upstream_rq_time`)).toBe(false);
});

test('/stats/prometheus: valid exposition with App Mesh labels (parse-prometheus-text-format)', async () => {
  const r = await get(a.admin, '/stats/prometheus');
  expect(r.status).toBe(200);
  expect(r.type).toBe('text/plain; version=0.0.4; charset=UTF-8');
  const families = new Map(parsePrometheus(r.body).map((f) => [f.name, f]));
  const total = families.get('envoy_cluster_upstream_rq_total')!;
  expect(total.type).toBe('COUNTER');
  const toB = total.metrics.find((m) => m.labels!.envoy_cluster_name === 'cds_egress_apps_serviceB_http2_80')!;
  expect(toB.labels).toMatchObject({ appmesh_mesh: 'apps', appmesh_virtual_node: 'serviceA', appmesh_target_virtual_node: 'serviceB' });
  const rq = families.get('envoy_http_downstream_rq_xx')!.metrics.find((m) => m.labels!.envoy_http_conn_manager_prefix === 'egress' && m.labels!.envoy_response_code_class === '2')!;
  expect(Number(rq.value)).toBe(N);
  expect(families.get('envoy_cluster_upstream_rq_time')!.type).toBe('HISTOGRAM');
  expect(families.get('envoy_cluster_outlier_detection_ejections_active')!.type).toBe('GAUGE');
  for (const line of r.body.split('\n').filter((l) => l.startsWith('envoy_cluster_upstream_rq_time_count'))) {
    expect(line).toMatch(/^envoy_cluster_upstream_rq_time_count\{envoy_cluster_name="[^"]+",.*appmesh_mesh="apps",appmesh_virtual_node="serviceA"\} \d+$/);
  }
});

test('/clusters: Envoy\'s cluster::host::stat::value lines, health flags, circuit breakers; JSON too', async () => {
  const text = (await get(a.admin, '/clusters')).body;
  const c = 'cds_egress_apps_serviceBv2_http2_80';
  const host = `${c}::127.0.0.1:${b2.ingress}`;
  expect(text).toContain(`${c}::observability_name::${c}`);
  expect(text).toContain(`${c}::default_priority::max_retries::2147483647`);
  expect(text).toContain(`${c}::high_priority::max_retries::3`);
  expect(text).toContain(`${host}::health_flags::healthy`);
  expect(text).toMatch(new RegExp(`${host}::cx_active::[1-9]`));
  const s = await stats(a.admin);
  expect(text).toContain(`${host}::rq_total::${num(s, `cluster.${c}.upstream_rq_total`)}`);
  expect(text).toContain(`${host}::rq_error::${num(s, `cluster.${c}.upstream_rq_5xx`)}`);
  const json = JSON.parse((await get(a.admin, '/clusters?format=json')).body);
  const status = json.cluster_statuses.find((x: any) => x.name === c);
  expect(status.host_statuses[0].address.socket_address).toEqual({ address: '127.0.0.1', port_value: b2.ingress });
  expect(status.host_statuses[0].health_status.eds_health_status).toBe('HEALTHY');
});

test('/config_dump: the effective configuration in Envoy\'s shape; include_eds, resource=, name_regex', async () => {
  const dump = JSON.parse((await get(a.admin, '/config_dump')).body);
  expect(dump.configs.map((c: any) => c['@type'].split('.').pop())).toEqual(['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'RoutesConfigDump']);
  expect(dump.configs[0].bootstrap.node.id).toBe('mesh/apps/virtualNode/serviceA');
  const listener = dump.configs[2].dynamic_listeners.find((l: any) => l.name === `lds_egress_127.0.0.1_${a.egress}`);
  expect(listener.active_state.listener['@type']).toBe('type.googleapis.com/envoy.config.listener.v3.Listener');
  expect(Number(listener.active_state.version_info)).toBeGreaterThanOrEqual(1);
  const egress = dump.configs[3].dynamic_route_configs.find((r: any) => r.route_config.name === `rds_egress_http_${a.egress}`).route_config;
  const route = egress.virtual_hosts.find((v: any) => v.name === 'serviceb.apps.local').routes[0];
  expect(route.route.weighted_clusters.clusters).toEqual([
    { name: 'cds_egress_apps_serviceB_http2_80', weight: 75 }, { name: 'cds_egress_apps_serviceBv2_http2_80', weight: 25 },
  ]);
  expect(route.route.retry_policy.retry_on).toContain('retriable-status-codes');
  const eds = JSON.parse((await get(a.admin, '/config_dump?include_eds')).body);
  expect(eds.configs.map((c: any) => c['@type'].split('.').pop())).toContain('EndpointsConfigDump');
  const only = JSON.parse((await get(a.admin, '/config_dump?resource=dynamic_active_clusters&name_regex=serviceBv2')).body);
  expect(only.configs.map((c: any) => c.cluster.name)).toEqual(['cds_egress_apps_serviceBv2_http2_80']);
  expect(only.configs[0]['@type']).toBe('type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster');
  expect((await get(a.admin, '/config_dump?resource=nothing')).status).toBe(404);
  const info = JSON.parse((await get(a.admin, '/server_info')).body);
  expect(info).toMatchObject({ state: 'LIVE', node: { id: 'mesh/apps/virtualNode/serviceA' } });
});

test('access logs: Envoy\'s default line (serviceA), typed JSON (serviceB), written within a second', async () => {
  const lines = await waitUntil(() => {
    const l = fs.existsSync(logA) ? fs.readFileSync(logA, 'utf8').trim().split('\n') : [];
    return l.length >= N ? l : undefined;
  }, { describe: 'serviceA access log', timeoutMs: 10_000 });
  expect(lines.length).toBe(N);
  const re = /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\] "GET \/item\/(\d+)\?q=1 HTTP\/1\.1" 200 (-|URX) 0 \d+ \d+ \d+ "-" "-" "([^"]+)" "serviceb\.apps\.local" "127\.0\.0\.1:(\d+)"$/;
  const byItem = new Map(lines.map((l) => {
    const m = re.exec(l);
    if (!m) throw new Error(`unexpected access log line: ${l}`);
    return [Number(m[2]), m];
  }));
  for (const i of [0, 5, 7]) {
    const m = byItem.get(i)!;
    expect(m[4]).toBe(JSON.parse(replies[i].body).headers['x-request-id']);
    expect([b.ingress, b2.ingress]).toContain(Number(m[5]));
  }
  const json = await waitUntil(() => {
    const l = fs.existsSync(logB) ? fs.readFileSync(logB, 'utf8').trim().split('\n').filter(Boolean) : [];
    return l.length > 0 ? l.map((x) => JSON.parse(x)) : undefined;
  }, { describe: 'serviceB access log', timeoutMs: 10_000 });
  const first = json[0];
  expect(first).toMatchObject({ status: 200, missing: null, summary: 'GET 200' });
  expect(typeof first.duration).toBe('number');
  expect(first.path).toMatch(/^\/item\/\d+\?q=1$/);
});

test('local stat: per node and route figures from the running proxies (JSON within tolerance, table, --watch)', async () => {
  // Steady load while `local stat` measures a 1 s window; the client notes when each request ended.
  let stop = false;
  const ended: number[] = [];
  const CONCURRENCY = 4;
  const driver = (async () => {
    while (!stop) await load(50, CONCURRENCY, () => viaProxy(a.egress, 'http://serviceb.apps.local/').then((r) => (ended.push(Date.now()), r)));
  })();
  const t0 = Date.now();
  const r = await runBin(['local', 'stat', '--mesh', 'apps', '--interval', '1', '--output', 'json'], { home, env: { AWSMESH_REGION: 'us-west-2' } });
  const t1 = Date.now();
  stop = true;
  await driver;
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report.windowSeconds).toBeGreaterThan(0.9);
  const row = (kind: string, name: string) => report.rows.find((x: any) => x.kind === kind && x.name === name);
  const route = row('route', 'serviceB/serviceB');
  expect(route.proxies.total).toBe(1);
  expect(route.successRate).toBe(1);
  // rps = requests over the window (its length is reported rounded to the millisecond).
  expect(Math.abs(route.rps * report.windowSeconds - route.requests)).toBeLessThanOrEqual(route.requests * 0.001);
  // The window lies somewhere in the command's run time: serviceA counted what the client saw end
  // in some window of about that length then (give or take the few requests in flight at either
  // edge, and scrape timing). The load is not even on a busy machine (the command's own start-up
  // competes for the CPU), so compare with the fewest and most the client saw in any such window.
  const inWindow = (from: number, ms: number) => ended.filter((t) => t >= from && t < from + ms).length;
  const windowMs = report.windowSeconds * 1000;
  let fewest = Infinity;
  let most = 0;
  for (let from = t0; from + windowMs - 250 <= t1; from += 10) {
    fewest = Math.min(fewest, inWindow(from, windowMs - 250));
    most = Math.max(most, inWindow(from, windowMs + 250));
  }
  expect(route.requests).toBeGreaterThanOrEqual(Math.max(1, fewest - CONCURRENCY));
  expect(route.requests).toBeLessThanOrEqual(most + CONCURRENCY);
  expect(route.latencyMs.p50).toBeGreaterThan(0);
  expect(route.latencyMs.p50).toBeLessThanOrEqual(route.latencyMs.p95);
  expect(route.latencyMs.p95).toBeLessThanOrEqual(route.latencyMs.p99);
  const vB = row('virtualNode', 'serviceB');
  const vB2 = row('virtualNode', 'serviceBv2');
  expect(vB.proxies).toEqual({ reachable: 1, total: 1 });
  // The 75/25 split is random per request: within 5 standard deviations of 75 % for the requests
  // the window held (plus the few in flight at its edges).
  const n = vB.requests + vB2.requests - vB2.retries;
  const share = vB.requests / n;
  expect(Math.abs(share - 0.75)).toBeLessThan(5 * Math.sqrt(0.75 * 0.25 / n) + 2 * CONCURRENCY / n);
  expect(vB.successRate).toBe(1);
  // serviceBv2 answers the first attempt of every 10th request with 503 (the retry succeeds): its
  // inbound success rate shows those: one failed attempt per ten new requests, exactly but for the
  // window's edges (a request in flight there, or a 503 whose retry falls outside: one per edge).
  const failed = Math.round(vB2.requests * (1 - vB2.successRate));
  expect(Math.abs(vB2.requests * (1 - vB2.successRate) - failed)).toBeLessThan(1e-6);
  expect(Math.abs(failed - (vB2.requests - failed) / 10)).toBeLessThanOrEqual(3);
  if (vB2.requests >= 40) {
    expect(vB2.successRate).toBeGreaterThan(0.85);
    expect(vB2.successRate).toBeLessThan(0.95);
  }
  expect(vB2.ejectedHosts).toBe(0);
  expect(row('virtualNode', 'serviceA').proxies).toEqual({ reachable: 1, total: 1 });

  const table = await runBin(['local', 'stat', '--mesh', 'apps', '--interval', '0.2'], { home, env: { AWSMESH_REGION: 'us-west-2' } });
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^VIRTUAL NODE\s+MESHED\s+SUCCESS\s+RPS\s+LATENCY_P50\s+LATENCY_P95\s+LATENCY_P99\s+RETRIES\s+EJECTED$/m);
  expect(table.stdout).toMatch(/^serviceB\s+1\/1\s/m);
  expect(table.stdout).toMatch(/^ROUTE\s+CALLERS\s+SUCCESS/m);

  // --watch prints a table per interval until interrupted (exit 130, like any Ctrl-C).
  const w = spawn(process.execPath, [path.join(__dirname, '..', '..', 'bin', 'awsmesh'), 'local', 'stat', '--watch', '--interval', '0.2'], { env });
  let out = '';
  w.stdout.on('data', (d) => (out += d));
  await waitUntil(() => ((out.match(/^VIRTUAL NODE/gm) ?? []).length >= 2 ? true : undefined), { describe: 'two tables', timeoutMs: 10_000 });
  const code = await new Promise((res) => {
    w.once('exit', (c) => res(c));
    w.kill('SIGINT');
  });
  expect(code).toBe(130);
});

test('local graph: topology with configured weights and the traffic the proxies saw', async () => {
  const r = await runBin(['local', 'graph', '--mesh', 'apps', '--format', 'json'], { home, env: { AWSMESH_REGION: 'us-west-2' } });
  expect(r.code).toBe(0);
  const g = JSON.parse(r.stdout);
  expect(g.live).toBe(true);
  expect(g.nodes.map((n: any) => n.id).sort()).toEqual([
    'route:serviceB/serviceB', 'virtualNode:serviceA', 'virtualNode:serviceB', 'virtualNode:serviceBv2',
    'virtualRouter:serviceB', 'virtualService:servicea.apps.local', 'virtualService:serviceb.apps.local',
  ]);
  const target = (n: string) => g.edges.find((e: any) => e.kind === 'target' && e.to === `virtualNode:${n}`);
  expect(target('serviceB').weight).toBe(75);
  const seen = target('serviceB').traffic.requests + target('serviceBv2').traffic.requests;
  expect(seen).toBeGreaterThanOrEqual(N);
  expect(target('serviceB').traffic.share).toBe(target('serviceB').traffic.requests / seen);
  // A random 75/25 choice per request: within 5 standard deviations of 75 %.
  expect(Math.abs(target('serviceB').traffic.share - 0.75)).toBeLessThan(5 * Math.sqrt(0.75 * 0.25 / seen));
  expect(target('serviceBv2').traffic.errors).toBe(0); // retried: no request ended in a 5xx
  const backend = g.edges.find((e: any) => e.kind === 'backend');
  expect(backend).toMatchObject({ from: 'virtualNode:serviceA', to: 'virtualService:serviceb.apps.local' });
  expect(g.nodes.find((n: any) => n.id === 'virtualNode:serviceBv2').inbound.errors).toBeGreaterThan(0);

  const svgFile = path.join(home, 'mesh.svg');
  const svg = await runBin(['local', 'graph', '--mesh', 'apps', '--file', svgFile], { home, env: { AWSMESH_REGION: 'us-west-2' } });
  expect(svg.code).toBe(0);
  expect(svg.stderr).toMatch(/Wrote the graph of mesh apps \(7 nodes, 6 edges, with live traffic\)/);
  // No traffic since the JSON graph: the SVG shows the same share (rounded to 0.1 %).
  const seenPct = `seen ${Number((target('serviceB').traffic.share * 100).toFixed(1))}%`;
  const svgText = fs.readFileSync(svgFile, 'utf8');
  expect(svgText.indexOf(seenPct)).toBeGreaterThan(svgText.indexOf('<svg'));
  expect(svgText).toContain('<svg');
  const mermaid = await runBin(['local', 'graph'], { home, env: { AWSMESH_REGION: 'us-west-2' } });
  expect(mermaid.stdout).toMatch(/^flowchart LR$/m);
  expect(mermaid.stdout).toContain('weight 25%');
});

test('local check --endpoint-url: the control plane must answer (local serve up: ✓, down: ✗ exit 1)', async () => {
  const creds = { AWS_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
  const serve = await startServe({ args: ['--quiet'], env, inheritStderr: true });
  const url = serve.url;
  try {
    const ok = await runBin(['local', 'check', '--mesh', 'apps', '--endpoint-url', url], { home, env: creds });
    expect(ok.stdout).toContain(`✓ control plane ${url} answers`);
    expect(ok.stdout).toMatch(/^✓ 3 proxies running and ready/m);
    expect(ok.stdout).not.toMatch(/state database/);
    expect(ok.code).toBe(0);
  } finally {
    await serve.stop();
  }
  const down = await runBin(['local', 'check', '--mesh', 'apps', '--endpoint-url', url], { home, env: creds });
  expect(down.code).toBe(1);
  expect(down.stdout).toMatch(new RegExp(`^✗ control plane ${url.replace(/[.:/]/g, '\\$&')} does not answer`, 'm'));
  expect(down.stdout).toMatch(/fix: start it with `awsmesh local serve`/);
});

test('local check: all good (exit 0); a killed proxy is reported with the fix (exit 1)', async () => {
  const ok = await runBin(['local', 'check'], { home, env: { AWSMESH_REGION: 'us-west-2' } });
  expect(ok.stdout).toMatch(/^✓ state database readable/m);
  expect(ok.stdout).toMatch(/^✓ 3 proxies running and ready: serviceA, serviceB, serviceBv2$/m);
  expect(ok.stdout).toMatch(/^✓ virtual nodes with endpoints: serviceA .*serviceB .*serviceBv2/m);
  expect(ok.stdout).toMatch(/^Status check results are ✓/m);
  expect(ok.code).toBe(0);

  b2.child.kill('SIGKILL');
  await new Promise((r) => b2.child.once('exit', r));
  const bad = await runBin(['local', 'check', '--mesh', 'apps', '--output', 'json'], { home, env: { AWSMESH_REGION: 'us-west-2' } });
  expect(bad.code).toBe(1);
  const report = JSON.parse(bad.stdout);
  expect(report.ok).toBe(false);
  const stale = report.checks.find((c: any) => c.status === 'fail' && /serviceBv2 .*no longer running/.test(c.message));
  expect(stale.fix).toMatch(/^remove the stale record: rm .*proxy-\d+-\d+\.json$/);
  expect(report.checks).toContainEqual(expect.objectContaining({ status: 'warn', message: 'virtual node serviceBv2 has no running proxy' }));
  expect(report.checks).toContainEqual(expect.objectContaining({ status: 'fail', message: expect.stringMatching(/^virtual node serviceBv2 has no endpoints/) }));
  expect(bad.stderr).toMatch(/checks? failed/);
});

test('bad options: AWS-style exit codes, no stack traces', async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['local', 'stat', '--interval', 'soon'], 252, /argument --interval: expected a number of seconds/],
    [['local', 'graph', '--format', 'bmp'], 252, /argument --format: Invalid choice/],
    [['local', 'stat', '--mesh', 'nope', '--interval', '0.1'], 254, /NotFoundException/],
    [['proxy', '--mesh', 'apps', '--virtual-node', 'serviceA', '--otlp-endpoint', 'http://10.1.2.3:4318/v1/traces'], 252, /must be on this machine/],
    [['local', 'up', '--mesh', 'apps', '--otlp-endpoint', 'ftp://127.0.0.1/'], 252, /only plain http/],
  ];
  for (const [args, code, message] of cases) {
    const r = await runBin(args, { home, env: { AWSMESH_REGION: 'us-west-2' } });
    expect({ args, code: r.code }).toEqual({ args, code });
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }
});
