// WebSocket end to end with real processes only: a mesh made with `awsmesh appmesh …`, the echo
// server as a child process, and one `awsmesh proxy` process per virtual node; the client speaks
// through the caller's egress listener, and the admin /stats and the access log file show it.

import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { startApp, type RunningApp } from './helpers';
import { cli, startCliProxy, type RunningProxy } from './cli';
import { ECHO_SERVER, wsConnect } from './ws-client';
import { waitUntil } from '../helpers/wait';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-ws-e2e-'));
const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2' };
const accessLog = path.join(home, 'web-access.log');
let echo: RunningApp | undefined;
const proxies: RunningProxy[] = [];

function run(args: string[]): void {
  const r = cli(args, env, home);
  if (r.status !== 0) throw new Error(`${args.join(' ')} → ${r.status}\n${r.stderr}`);
}

function adminStats(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/stats' }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  const mesh = ['--mesh-name', 'wsapp'];
  run(['appmesh', 'create-mesh', ...mesh]);
  run(['appmesh', 'create-virtual-node', ...mesh, '--virtual-node-name', 'chat', '--spec', JSON.stringify({
    listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: 'chat.wsapp.local' } },
  })]);
  run(['appmesh', 'create-virtual-service', ...mesh, '--virtual-service-name', 'chat.wsapp.local', '--spec', JSON.stringify({
    provider: { virtualNode: { virtualNodeName: 'chat' } },
  })]);
  run(['appmesh', 'create-virtual-node', ...mesh, '--virtual-node-name', 'web', '--spec', JSON.stringify({
    backends: [{ virtualService: { virtualServiceName: 'chat.wsapp.local' } }],
    logging: { accessLog: { file: { path: accessLog } } },
  })]);
  echo = await startApp('chat', {}, ECHO_SERVER);
  const ports = ['--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'];
  proxies.push(await startCliProxy(['--mesh', 'wsapp', '--virtual-node', 'chat', '--app-port', String(echo.port), ...ports], env));
  proxies.push(await startCliProxy(['--mesh', 'wsapp', '--virtual-node', 'web', ...ports], env));
}, 60_000);

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await echo?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

test('a WebSocket through two `awsmesh proxy` processes: frames both ways, stats, one access log line', async () => {
  const [chat, web] = proxies;
  const c = await wsConnect(web.egress, { target: 'http://chat.wsapp.local/live', headers: { 'x-request-id': 'ws-e2e' } });
  expect(c.status).toBe(101);
  expect(JSON.parse((await c.next()).payload.toString())).toEqual({ service: 'chat', path: '/live', host: 'chat.wsapp.local' });
  for (const text of ['one', 'two', 'three']) {
    c.send(text);
    expect((await c.next()).payload.toString()).toBe(text);
  }
  expect(await adminStats(web.admin)).toMatch(/^http\.egress\.downstream_cx_upgrades_active: 1$/m);
  c.socket.destroy();

  await waitUntil(() => fs.existsSync(accessLog) && fs.readFileSync(accessLog, 'utf8').includes('ws-e2e'), { describe: 'the access log line', intervalMs: 50 });
  const lines = fs.readFileSync(accessLog, 'utf8').split('\n').filter((l) => l.includes('ws-e2e'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`"GET /live HTTP/1\\.1" 101 - ${c.sentBytes} ${c.receivedBytes} \\d+ `));

  const webStats = await adminStats(web.admin);
  expect(webStats).toMatch(/^http\.egress\.downstream_cx_upgrades_total: 1$/m);
  expect(webStats).toMatch(/^http\.egress\.downstream_cx_upgrades_active: 0$/m);
  expect(webStats).toMatch(/^cluster\.cds_egress_wsapp_chat_http_8080\.upstream_rq_101: 1$/m);
  expect(await adminStats(chat.admin)).toMatch(/^http\.ingress\.downstream_cx_upgrades_total: 1$/m);
});
