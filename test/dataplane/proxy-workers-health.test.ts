// `awsmesh proxy --concurrency 2` runs active health checks once, as Envoy does on its main thread:
// worker 0 probes, the primary relays its results to worker 1 (which does not probe). Real
// processes: the walkthrough mesh with a health check on serviceB's listener, serviceB's app a
// probe-counting h2c server in this process that fails its checks, serviceA's sidecar with 2 workers.

import * as fs from 'fs';
import * as http2 from 'http2';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { applyWalkthrough, cli, get, startCliProxy, type RunningProxy } from './cli';
import { waitUntil } from '../helpers/wait';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-workers-hc-'));
const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2' };
const EPHEMERAL = ['--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'];
const CLUSTER = 'cds_egress_apps_serviceB_http2_80';
const proxies: RunningProxy[] = [];
let app: http2.Http2Server;
let pings = 0;

beforeAll(async () => {
  applyWalkthrough(env);
  // A 60 s interval: within this test only the first check (run at once) happens.
  const spec = {
    listeners: [{
      portMapping: { port: 80, protocol: 'http2' },
      healthCheck: { protocol: 'http2', path: '/ping', intervalMillis: 60000, timeoutMillis: 2000, healthyThreshold: 2, unhealthyThreshold: 2 },
    }],
    serviceDiscovery: { dns: { hostname: 'serviceB.apps.local' } },
  };
  const r = cli(['appmesh', 'update-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'serviceB', '--spec', JSON.stringify(spec)], env);
  if (r.status !== 0) throw new Error(r.stderr);
  app = http2.createServer((req, res) => {
    if (req.url === '/ping') {
      pings++;
      res.writeHead(503).end('unhealthy\n');
    } else res.end('serviceB\n');
  });
  await new Promise<void>((ok) => app.listen(0, '127.0.0.1', ok));
  const appPort = (app.address() as net.AddressInfo).port;
  proxies.push(await startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceB', '--app-port', String(appPort), ...EPHEMERAL], env));
  proxies.push(await startCliProxy(['--mesh', 'apps', '--virtual-node', 'serviceA', '--concurrency', '2', ...EPHEMERAL], env));
}, 60_000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await new Promise((ok) => app.close(ok));
  fs.rmSync(home, { recursive: true, force: true });
});

/** `name: value` lines of /stats (merged over the workers) as a map. */
async function stats(admin: number): Promise<Map<string, number>> {
  const text = (await get(admin, '/stats')).body;
  return new Map(text.split('\n').flatMap((l) => {
    const m = /^(\S+): (-?\d+(?:\.\d+)?)$/.exec(l);
    return m ? [[m[1], Number(m[2])] as [string, number]] : [];
  }));
}

test('one worker probes; a host failing its check is unhealthy in both workers', async () => {
  const a = proxies[1];
  const observe = () => a.stderr();
  await waitUntil(async () => ((await stats(a.admin)).get(`cluster.${CLUSTER}.health_check.failure`) ?? 0) >= 1, { describe: 'the first check of serviceB', observe });
  const s = await stats(a.admin);
  // Summed over the workers: one probe, from one worker (two workers probing would make it 2).
  expect(s.get(`cluster.${CLUSTER}.health_check.attempt`)).toBe(1);
  expect(pings).toBe(1);
  // membership_healthy merges by maximum: 0 only when the worker that did not probe has the host down too.
  await waitUntil(async () => (await stats(a.admin)).get(`cluster.${CLUSTER}.membership_healthy`) === 0, { describe: 'serviceB unhealthy in both workers', observe });
  expect((await stats(a.admin)).get(`cluster.${CLUSTER}.membership_total`)).toBe(1);
  const clusters = (await get(a.admin, '/clusters')).body;
  expect(clusters).toMatch(new RegExp(`^${CLUSTER}::[\\d.]+:\\d+::health_flags::/failed_active_hc$`, 'm'));
  expect(pings).toBe(1);
}, 60_000);

interface WorkerInfo { index: number; pid: number; state: string; config_version: number }

/** Kills worker `index` and waits until its replacement runs the current configuration. */
async function replaceWorker(a: RunningProxy, index: number): Promise<void> {
  const info = async (): Promise<{ config: { version: number }; workers: WorkerInfo[] }> => JSON.parse((await get(a.admin, '/server_info')).body);
  const victim = (await info()).workers[index].pid;
  process.kill(victim, 'SIGKILL');
  await waitUntil(async () => {
    const i = await info();
    const w = i.workers[index];
    return w.pid !== victim && w.state === 'LIVE' && w.config_version === i.config.version;
  }, { describe: `worker ${index} replaced`, observe: () => a.stderr() });
}

test('a replaced worker 1 gets the results relayed (no probe of its own); a replaced worker 0 probes again', async () => {
  const a = proxies[1];
  const observe = () => a.stderr();
  const healthy = async () => (await stats(a.admin)).get(`cluster.${CLUSTER}.membership_healthy`);
  await replaceWorker(a, 1);
  await waitUntil(async () => (await healthy()) === 0, { describe: 'serviceB unhealthy in the new worker 1', observe });
  expect(pings).toBe(1);
  await replaceWorker(a, 0);
  await waitUntil(() => pings === 2, { describe: "the new worker 0's first check", observe });
  await waitUntil(async () => (await healthy()) === 0, { describe: 'serviceB unhealthy in both workers', observe });
  expect(pings).toBe(2);
}, 60_000);
