// Access logs of a TCP listener (tcp_proxy): one line per connection when it closes, with the
// bytes both ways, the upstream host and cluster, and UF when the app cannot be reached.

import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { startProxy, type LocalProxy } from '../dataplane/helpers';
import { waitUntil } from '../helpers/wait';
import { SnapshotBuilder } from '../envoy-translate/snapshot-builder';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-obs-tcp-'));
const logFile = path.join(tmp, 'db.log');
let echo: net.Server;
let echoPort = 0;
const proxies: LocalProxy[] = [];

function snapshot() {
  return new SnapshotBuilder('apps')
    .node('db', {
      listeners: [{ portMapping: { port: 5432, protocol: 'tcp' } }],
      logging: { accessLog: { file: { path: logFile, format: { text: '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %BYTES_RECEIVED% %BYTES_SENT% %RESPONSE_FLAGS% %REQ(:METHOD)% %RESPONSE_CODE%\n' } } } },
    })
    .build();
}


async function logLines(n: number): Promise<string[]> {
  let lines: string[] = [];
  await waitUntil(() => {
    lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean) : [];
    return lines.length >= n;
  }, { describe: `${n} access log lines` });
  return lines;
}

beforeAll(async () => {
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  echoPort = (echo.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.proxy.close()));
  await new Promise((r) => echo.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('a proxied TCP connection is logged when it closes: bytes, upstream host and cluster', async () => {
  const p = await startProxy(snapshot(), 'db', { appPorts: { 5432: echoPort } });
  proxies.push(p);
  const sock = net.connect({ host: '127.0.0.1', port: p.ingressPort! });
  await new Promise((r) => sock.once('connect', r));
  sock.write('hello tcp');
  let got = '';
  sock.on('data', (d) => (got += d));
  await waitUntil(() => got.length >= 'hello tcp'.length, { describe: 'the echo' });
  expect(got).toBe('hello tcp');
  sock.end();
  const [line] = await logLines(1);
  expect(line).toBe(`127.0.0.1 127.0.0.1:${echoPort} cds_ingress_apps_db_tcp_5432 9 9 - - 0`);
});

test('an app that cannot be reached: UF', async () => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const deadPort = (closed.address() as net.AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const p = await startProxy(snapshot(), 'db', { appPorts: { 5432: deadPort } });
  proxies.push(p);
  const sock = net.connect({ host: '127.0.0.1', port: p.ingressPort! });
  await new Promise((r) => sock.once('close', r));
  const lines = await logLines(2);
  expect(lines[1]).toBe('127.0.0.1 - cds_ingress_apps_db_tcp_5432 0 0 UF - 0');
  const stats = p.proxy.statsGroups().find(([prefix]) => prefix === 'cluster.cds_ingress_apps_db_tcp_5432')![1] as { upstream_cx_connect_fail: number };
  expect(stats.upstream_cx_connect_fail).toBeGreaterThan(0);
});
