// `awsmesh proxy --concurrency 2` with real processes: the walkthrough mesh, serviceB and
// serviceBv2 behind single-process sidecars, and serviceA's sidecar running two worker processes
// behind one admin port. Traffic is spread over both workers, the admin totals are the workers'
// sums, a route change reaches every worker, a killed worker is replaced, and stopping leaves no
// process behind.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { load, startApp, tally, viaProxy, type RunningApp } from './helpers';
import { applyWalkthrough, cli, get, startCliProxy, type RunningProxy } from './cli';
import { waitUntil } from '../helpers/wait';
import { alive } from '../../src/dataplane/local/runfile';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-workers-'));
const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2' };
const apps: RunningApp[] = [];
const proxies: RunningProxy[] = [];
let a: RunningProxy;
const EPHEMERAL = ['--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'];


interface WorkerInfo {
  index: number;
  pid: number;
  state: string;
  config_version: number;
  downstream_rq_total: number;
}

async function serverInfo(): Promise<{ command_line_options: { concurrency: number }; config: { version: number }; workers: WorkerInfo[] }> {
  return JSON.parse((await get(a.admin, '/server_info')).body);
}

/** `name: value` lines of /stats as a map (counters and gauges). */
async function stats(): Promise<Map<string, number>> {
  const text = (await get(a.admin, '/stats')).body;
  return new Map(text.split('\n').flatMap((l) => {
    const m = /^(\S+): (-?\d+(?:\.\d+)?)$/.exec(l);
    return m ? [[m[1], Number(m[2])] as [string, number]] : [];
  }));
}

beforeAll(async () => {
  applyWalkthrough(env);
  apps.push(await startApp('serviceB'), await startApp('serviceBv2'));
  proxies.push(await startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceB', '--app-port', String(apps[0].port), ...EPHEMERAL], env));
  proxies.push(await startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceBv2', '--app-port', String(apps[1].port), ...EPHEMERAL], env));
  a = await startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceA', '--concurrency', '2', ...EPHEMERAL], env);
  proxies.push(a);
}, 60_000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(apps.map((x) => x.stop()));
  fs.rmSync(home, { recursive: true, force: true });
});

test('--concurrency: a whole number from 1 to 4 × the CPUs, else exit 252 saying so', () => {
  const max = os.availableParallelism() * 4;
  for (const bad of ['0', '-1', '1.5', 'two', String(max + 1)]) {
    const r = cli(['proxy', '--mesh', 'apps', '--virtual-node', 'serviceA', '--concurrency', bad, ...EPHEMERAL], env);
    expect(r.status).toBe(252);
    expect(r.stderr).toContain(`argument --concurrency: expected a whole number of worker processes from 1 to ${max}`);
    expect(r.stderr).toContain(`got '${bad}'`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }
});

test('two workers serve the traffic; the one admin port sums them', async () => {
  const info = await serverInfo();
  expect(info.command_line_options.concurrency).toBe(2);
  expect(info.workers).toHaveLength(2);
  const pids = info.workers.map((w) => w.pid);
  expect(new Set([...pids, a.child.pid]).size).toBe(3);
  expect(info.workers.every((w) => w.state === 'LIVE' && w.config_version === info.config.version)).toBe(true);

  const before = await stats();
  const N = 400;
  const replies = await load(N, 16, () => viaProxy(a.egress, 'http://serviceb.apps.local/'));
  expect(replies.filter((r) => r.status !== 200)).toEqual([]);
  const t = tally(replies);
  expect(t.serviceB + t.serviceBv2).toBe(N);

  const after = await serverInfo();
  // Round-robin hands connections to the workers in turn: 16 kept-alive connections reach both.
  for (const w of after.workers) expect(w.downstream_rq_total).toBeGreaterThan(0);
  const s = await stats();
  const rq = (m: Map<string, number>) => m.get('http.egress.downstream_rq_total') ?? 0;
  expect(rq(s) - rq(before)).toBe(N);
  expect(after.workers.reduce((n, w) => n + w.downstream_rq_total, 0)).toBe(rq(s));
  expect((s.get('http.egress.downstream_rq_2xx') ?? 0) - (before.get('http.egress.downstream_rq_2xx') ?? 0)).toBe(N);
  expect(s.get('server.concurrency')).toBe(2);
  expect(s.get('server.live')).toBe(1);
  // Per-worker listener stats (Envoy's listener.<address>.worker_<id>.*) add up to the listener's.
  const listener = `listener.127.0.0.1_${a.egress}`;
  expect((s.get(`${listener}.worker_0.downstream_cx_total`) ?? 0) + (s.get(`${listener}.worker_1.downstream_cx_total`) ?? 0))
    .toBe(s.get(`${listener}.downstream_cx_total`));
  // Histograms are merged: the request-time histogram counts every request of both workers.
  const prom = (await get(a.admin, '/stats/prometheus')).body;
  const count = Number(/^envoy_http_downstream_rq_time_count\{[^}]*envoy_http_conn_manager_prefix="egress"[^}]*\} (\d+)$/m.exec(prom)?.[1]);
  expect(count).toBe(rq(s));
  expect(prom).toMatch(/^envoy_server_concurrency\{[^}]*\} 2$/m);
  // /clusters sums the hosts' request counts over the workers.
  const clusters = (await get(a.admin, '/clusters')).body;
  const hostTotals = [...clusters.matchAll(/^cds_egress_apps_serviceB(?:v2)?_http2_80::[\d.]+:\d+::rq_total::(\d+)$/gm)].map((m) => Number(m[1]));
  expect(hostTotals.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(N);
}, 60_000);

test('update-route reaches every worker: all run the new version and traffic follows the new weights', async () => {
  const v0 = (await serverInfo()).config.version;
  const r = cli(['appmesh', 'update-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB',
    '--spec', JSON.stringify({ http2Route: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 10 }, { virtualNode: 'serviceBv2', weight: 90 }] } } })], env);
  expect(r.status).toBe(0);
  await waitUntil(async () => {
    const info = await serverInfo();
    return info.config.version > v0 && info.workers.every((w) => w.state === 'LIVE' && w.config_version === info.config.version);
  }, { describe: 'both workers running the configuration after update-route', observe: () => a.stderr() });
  const t = tally(await load(1000, 16, () => viaProxy(a.egress, 'http://serviceb.apps.local/')));
  expect(t.serviceB + t.serviceBv2).toBe(1000);
  expect(t.serviceBv2 / 1000).toBeGreaterThan(0.85);
  expect(t.serviceBv2 / 1000).toBeLessThan(0.95);
}, 60_000);

test('a killed worker is replaced and counted; traffic continues; the counters it had shown stay counted', async () => {
  const rq = (m: Map<string, number>) => m.get('http.egress.downstream_rq_total') ?? 0;
  const counted = rq(await stats());
  const before = await serverInfo();
  expect(before.workers[0].downstream_rq_total).toBeGreaterThan(0);
  const victim = before.workers[0].pid;
  process.kill(victim, 'SIGKILL');
  const after = await waitUntil(async () => {
    const info = await serverInfo();
    const w = info.workers[0];
    return w.pid !== victim && w.state === 'LIVE' && w.config_version === info.config.version ? info : undefined;
  }, { describe: 'worker 0 replaced and running the current configuration', observe: () => a.stderr() });
  expect(alive(victim)).toBe(false);
  expect(after.workers[1].pid).toBe(before.workers[1].pid);
  expect((await stats()).get('server.worker_restarts')).toBe(1);
  expect(a.stderr()).toContain(`worker 0 (pid ${victim}) exited (SIGKILL); starting a replacement`);
  // Counters do not run backwards when a worker is replaced (Prometheus would read a reset).
  expect(rq(await stats())).toBe(counted);
  const replies = await load(200, 16, () => viaProxy(a.egress, 'http://serviceb.apps.local/'));
  expect(replies.filter((x) => x.status !== 200)).toEqual([]);
  expect(rq(await stats())).toBe(counted + 200);
}, 60_000);

test('SIGTERM stops the primary and every worker', async () => {
  const pids = (await serverInfo()).workers.map((w) => w.pid);
  expect(await a.stop()).toBe(0);
  await waitUntil(() => pids.every((p) => !alive(p)), { describe: 'no worker process left', observe: () => pids.filter(alive) });
});
