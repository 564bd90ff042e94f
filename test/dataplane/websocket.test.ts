// WebSocket (HTTP/1.1 Upgrade) through the sidecars, on real loopback sockets: WebSocket echo
// servers (child processes, node:http 'upgrade') behind serviceB / serviceBv2's sidecars, a raw
// client through serviceA's egress listener. Covers the relayed 101 and frames both ways, the
// weighted split of upgraded connections, refused upgrades, closes and half-closes, the upgrade
// allow-list, timeouts, circuit breaking, mTLS between the sidecars, stats and the access log.

import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import type { ClientPolicy, MeshSnapshot, NodeListener, VirtualNodeSpec } from '../../src/mesh/types';
import { renderEnvoyText as renderStats } from '../../src/dataplane/telemetry/stats-format';
import { CaStore } from '../../src/tls/ca/store';
import { SnapshotBuilder } from '../envoy-translate/snapshot-builder';
import { startApp, startGateway, startProxy, type LocalProxy, type RunningApp } from './helpers';
import { waitUntil, withDeadline } from '../helpers/wait';
import { ECHO_SERVER, greeting, wsConnect, type WsConn } from './ws-client';

const MESH = 'ws';
const http80 = { port: 80, protocol: 'http' as const };
const sds = (secretName: string) => ({ sds: { secretName } });
const SERVICES = ['serviceb.ws.local', 'quiet.ws.local', 'limited.ws.local', 'secure.ws.local', 'h2.ws.local'];

let home: string;
let accessLog: string;
let echoB: RunningApp;
let echoBv2: RunningApp;
let echoOther: RunningApp;
const proxies: Record<string, LocalProxy> = {};
let egress: number;
let gatewayPort: number;
const open: WsConn[] = [];

const mtls: ClientPolicy = { tls: { certificate: sds('client-cert'), validation: { trust: sds('bundle') } } };

function snapshot(): MeshSnapshot {
  const node = (name: string, listener: NodeListener = { portMapping: http80 }): VirtualNodeSpec => ({
    listeners: [listener], serviceDiscovery: { dns: { hostname: `${name.toLowerCase()}.ws.local` } },
  });
  return new SnapshotBuilder(MESH)
    .node('serviceB', node('serviceB'))
    .node('serviceBv2', node('serviceBv2'))
    .router('serviceB', [[80, 'http']])
    .route('serviceB', 'split', {
      httpRoute: {
        match: { prefix: '/' },
        action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 75 }, { virtualNode: 'serviceBv2', weight: 25 }] },
      },
    })
    .service('serviceb.ws.local', { router: 'serviceB' })
    .router('quiet', [[80, 'http']])
    .route('quiet', 'quiet', {
      httpRoute: {
        match: { prefix: '/' },
        action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 1 }] },
        timeout: { perRequest: { unit: 'ms', value: 600 }, idle: { unit: 'ms', value: 1500 } },
      },
    })
    .service('quiet.ws.local', { router: 'quiet' })
    .node('limited', node('limited', { portMapping: http80, connectionPool: { http: { maxConnections: 1, maxPendingRequests: 1 } } }))
    .service('limited.ws.local', { node: 'limited' })
    .node('secure', node('secure', {
      portMapping: http80,
      tls: {
        mode: 'STRICT', certificate: sds('secure-cert'),
        validation: { trust: sds('bundle'), subjectAlternativeNames: { match: { exact: ['spiffe://ws/virtualNode/serviceA'] } } },
      },
    }))
    .service('secure.ws.local', { node: 'secure' })
    .node('h2only', node('h2only', { portMapping: { port: 80, protocol: 'http2' } }))
    .service('h2.ws.local', { node: 'h2only' })
    .gateway('gw', { listeners: [{ portMapping: { port: 8088, protocol: 'http' } }] })
    .gatewayRoute('gw', 'chat', {
      httpRoute: { match: { prefix: '/chat/' }, action: { target: { virtualService: { virtualServiceName: 'serviceb.ws.local' } } } },
    })
    .node('serviceA', {
      backends: SERVICES.map((virtualServiceName) => ({
        virtualService: virtualServiceName === 'secure.ws.local' ? { virtualServiceName, clientPolicy: mtls } : { virtualServiceName },
      })),
      logging: { accessLog: { file: { path: accessLog } } },
    })
    .build();
}

type Stats = Record<string, number>;
/** The proxy's counters and gauges as /stats prints them (per-code series included). */
function stats(p: LocalProxy): Stats {
  const out: Stats = {};
  for (const line of renderStats(p.proxy.statsGroups()).split('\n')) {
    const m = /^([^:]+): (\d+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  // Per-code series appear once a code was seen: a missing one is 0.
  return new Proxy(out, { get: (t, k) => t[k as string] ?? 0 });
}


/** Open WebSocket connections an echo server has (its plain /count endpoint, no proxy). */
function openAt(app: RunningApp): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.connect(app.port, '127.0.0.1', () => s.end('GET /count HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'));
    let text = '';
    s.on('data', (d) => (text += d));
    s.on('end', () => resolve(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).open));
    s.on('error', reject);
  });
}

async function connect(target: string, o: Parameters<typeof wsConnect>[1] extends infer T ? Omit<T, 'target'> : never = {}): Promise<WsConn> {
  const c = await wsConnect(egress, { target, ...o });
  open.push(c);
  return c;
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-ws-'));
  accessLog = path.join(home, 'serviceA-access.log');
  const ca = CaStore.forHome(home);
  await ca.init();
  const issue = (uri: string, secretName: string, dns: string[] = []) => ca.issue({
    commonName: uri, dns, uris: [uri], days: 1,
    describe: { secretNames: [secretName], acmArns: [], certificateChainPaths: [], privateKeyPaths: [], trustChainPaths: [] },
  });
  // The caller checks the server's DNS name (its service discovery hostname) as App Mesh does.
  await issue('spiffe://ws/virtualNode/secure', 'secure-cert', ['secure.ws.local']);
  await issue('spiffe://ws/virtualNode/serviceA', 'client-cert');
  [echoB, echoBv2, echoOther] = await Promise.all(
    ['serviceB', 'serviceBv2', 'other'].map((n) => startApp(n, {}, ECHO_SERVER)),
  );
  const snap = snapshot();
  const appFor: Record<string, RunningApp> = { serviceB: echoB, serviceBv2: echoBv2, limited: echoOther, secure: echoOther, h2only: echoOther };
  const endpoints: Record<string, Array<{ host: string; port: number; source: 'proxy' }>> = {};
  for (const [name, app] of Object.entries(appFor)) {
    const p = await startProxy(snap, name, { appPorts: { 80: app.port } }, { caDir: ca.dir });
    proxies[name] = p;
    endpoints[name] = [{ host: '127.0.0.1', port: p.ingressPort!, source: 'proxy' }];
  }
  proxies.serviceA = await startProxy(snap, 'serviceA', { endpoints }, { caDir: ca.dir });
  egress = proxies.serviceA.egressPort;
  const gw = await startGateway(snap, 'gw', 8088, { endpoints });
  proxies.gw = gw;
  gatewayPort = gw.gatewayPort;
});

afterAll(async () => {
  for (const c of open) c.socket.destroy();
  await Promise.all(Object.values(proxies).map((p) => p.proxy.close()));
  await Promise.all([echoB, echoBv2, echoOther].map((a) => a?.stop()));
  fs.rmSync(home, { recursive: true, force: true });
});

test('absolute-form through serviceA\'s egress: the 101 is relayed and frames are echoed both ways', async () => {
  const c = await connect('http://serviceb.ws.local/chat?room=1');
  expect(c.status).toBe(101);
  expect(c.headers.upgrade).toBe('websocket');
  expect(c.headers.server).toBe('envoy');
  const hello = JSON.parse((await c.next()).payload.toString());
  expect(['serviceB', 'serviceBv2']).toContain(hello.service);
  expect(hello).toMatchObject({ path: '/chat?room=1', host: 'serviceb.ws.local' });
  c.send('hello');
  expect((await c.next()).payload.toString()).toBe('hello');
  // 300 kB each way: larger than the socket buffers, so back-pressure is exercised.
  const big = randomBytes(300_000);
  c.send(big, 2);
  const echoed = await c.next();
  expect(echoed.opcode).toBe(2);
  expect(echoed.payload.equals(big)).toBe(true);
  c.send('are you there', 9);
  const pong = await c.next();
  expect(pong.opcode).toBe(10);
  expect(pong.payload.toString()).toBe('are you there');
  c.socket.destroy();
});

test('origin-form with a Host header, and frames sent together with the request head', async () => {
  const c = await connect('/room/7', { host: 'serviceb.ws.local', early: ['early bird'] });
  expect(c.status).toBe(101);
  expect(JSON.parse((await c.next()).payload.toString()).path).toBe('/room/7');
  expect((await c.next()).payload.toString()).toBe('early bird');
  c.socket.destroy();
});

test('through a virtual gateway: gateway route rewrites, then the gateway\'s own egress, then the sidecar', async () => {
  const c = await wsConnect(gatewayPort, { target: '/chat/lobby', host: 'chat.example.com' });
  open.push(c);
  expect(c.status).toBe(101);
  expect(JSON.parse((await c.next()).payload.toString())).toMatchObject({ path: '/lobby', host: 'serviceb.ws.local' });
  c.send('via the gateway');
  expect((await c.next()).payload.toString()).toBe('via the gateway');
  c.socket.destroy();
});

test('a weighted route splits 200 upgraded connections about 75/25', async () => {
  const tally: Record<string, number> = {};
  let next = 0;
  await Promise.all(Array.from({ length: 20 }, async () => {
    while (next < 200) {
      next++;
      const g = await greeting(egress, { target: 'http://serviceb.ws.local/split' });
      tally[g.service] = (tally[g.service] ?? 0) + 1;
    }
  }));
  expect(tally.serviceB + tally.serviceBv2).toBe(200);
  // 75 % of 200 = 150 ± 6 (one standard deviation): ±4 σ.
  expect(tally.serviceB).toBeGreaterThanOrEqual(126);
  expect(tally.serviceB).toBeLessThanOrEqual(174);
  const a = stats(proxies.serviceA);
  expect(a['cluster.cds_egress_ws_serviceB_http_80.upstream_rq_101']).toBeGreaterThanOrEqual(tally.serviceB);
  expect(a['cluster.cds_egress_ws_serviceBv2_http_80.upstream_rq_101']).toBeGreaterThanOrEqual(tally.serviceBv2);
});

test('an upstream that refuses the upgrade: its 400 is relayed as a normal response', async () => {
  const c = await connect('http://serviceb.ws.local/refuse');
  expect(c.status).toBe(400);
  expect(c.body).toMatch(/^no upgrade here \(serviceB(v2)?\)$/);
  expect(c.headers.server).toBe('envoy');
  expect(c.headers.connection).toBe('close');
  await c.ended;
});

test('closing either side closes the other', async () => {
  const total = async () => (await openAt(echoB)) + (await openAt(echoBv2));
  await waitUntil(async () => (await total()) === 0, { describe: 'earlier connections to close' });
  // The client goes away: the echo server's connection closes too.
  const c1 = await connect('http://serviceb.ws.local/a');
  await c1.next();
  expect(await total()).toBe(1);
  c1.socket.destroy();
  await waitUntil(async () => (await total()) === 0, { describe: 'the server side to close' });
  // The server ends the connection: the client sees it end, and everything closes.
  const c2 = await connect('http://serviceb.ws.local/b');
  await c2.next();
  c2.send('close-me');
  await c2.ended;
  c2.socket.end();
  await c2.closed;
  await waitUntil(async () => (await total()) === 0, { describe: 'the server side to close' });
  await waitUntil(() => ['serviceA', 'serviceB', 'serviceBv2'].every((n) => {
    const s = stats(proxies[n]);
    const prefix = n === 'serviceA' ? 'http.egress' : 'http.ingress';
    return s[`${prefix}.downstream_cx_upgrades_active`] === 0 && s[`${prefix}.downstream_rq_active`] === 0;
  }), { describe: 'no upgraded connection left' });
});

test('half-close: the client\'s FIN reaches the server, which can still send before it closes', async () => {
  const c = await connect('http://serviceb.ws.local/halfclose');
  await c.next();
  c.send('one');
  expect((await c.next()).payload.toString()).toBe('one');
  c.socket.end();
  expect((await c.next()).payload.toString()).toBe('bye');
  await c.ended;
  await c.closed;
});

test('only websocket upgrades pass: another type gets 403; an h2c offer is served as plain HTTP/1.1', async () => {
  const before = stats(proxies.serviceA)['http.egress.downstream_rq_ws_on_non_ws_route'];
  const c = await connect('http://serviceb.ws.local/', { upgrade: 'foo/1' });
  expect(c.status).toBe(403);
  expect(c.headers.server).toBe('envoy');
  expect(stats(proxies.serviceA)['http.egress.downstream_rq_ws_on_non_ws_route']).toBe(before + 1);

  // Two requests on one connection: the h2c offer (Envoy strips it), then a plain one.
  const s = net.connect(egress, '127.0.0.1');
  open.push({ socket: s } as WsConn);
  let text = '';
  s.on('data', (d) => (text += d));
  const responses = () => text.split('HTTP/1.1 ').filter(Boolean);
  s.write('GET http://serviceb.ws.local/first HTTP/1.1\r\nHost: serviceb.ws.local\r\nConnection: Upgrade, HTTP2-Settings\r\n'
    + 'Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n');
  await waitUntil(() => /plain serviceB/.test(text), { describe: 'the first response' });
  s.write('GET http://serviceb.ws.local/second HTTP/1.1\r\nHost: serviceb.ws.local\r\n\r\n');
  await waitUntil(() => responses().length === 2 && responses()[1].includes('plain serviceB'), { describe: 'the second response' });
  expect(responses().map((r) => r.slice(0, 3))).toEqual(['200', '200']);
  expect(s.destroyed).toBe(false);
  s.destroy();
});

test('the route timeout applies until the 101, not after it; the idle timeout closes a quiet tunnel', async () => {
  const stalled = await connect('http://quiet.ws.local/stall');
  expect(stalled.status).toBe(504);
  expect(stalled.body).toBe('upstream request timeout');

  const c = await connect('http://quiet.ws.local/slow');
  expect(c.status).toBe(101);
  await c.next();
  // Frames back to back until the tunnel has lived past the 600 ms route timeout and the 1.5 s idle
  // timeout (its age measured, not slept): the route timeout no longer applies, and traffic keeps
  // the idle timeout away however slow the machine is.
  const opened = Date.now();
  for (let i = 0; Date.now() - opened < 2000; i++) {
    c.send(`tick ${i}`);
    expect((await c.next()).payload.toString()).toBe(`tick ${i}`);
  }
  const quietSince = Date.now();
  await withDeadline(c.ended, { describe: 'the idle timeout to end the quiet tunnel' });
  expect(Date.now() - quietSince).toBeGreaterThanOrEqual(1200);
  // Logged with Envoy's stream idle timeout flag.
  const logged = () => fs.existsSync(accessLog) && /"GET \/slow HTTP\/1\.1" 101 SI /.test(fs.readFileSync(accessLog, 'utf8'));
  await waitUntil(logged, { describe: 'the access log line of the idle tunnel' });
});

test('circuit breaking counts an upgraded connection as a request (maxConnections 1, maxPendingRequests 1)', async () => {
  const limited = proxies.limited;
  const pending = () => Object.entries(stats(limited))
    .filter(([k]) => /^cluster\.cds_ingress_ws_limited_http_80\.upstream_rq_pending_active$/.test(k)).map(([, v]) => v)[0];
  const first = await connect('http://limited.ws.local/1');
  expect(first.status).toBe(101);
  await first.next();
  const second = connect('http://limited.ws.local/2');
  await waitUntil(() => pending() === 1, { describe: 'the second upgrade to wait for the slot' });
  const third = await connect('http://limited.ws.local/3');
  expect(third.status).toBe(503);
  expect(third.headers['x-envoy-overloaded']).toBe('true');
  first.socket.destroy();
  const c2 = await second;
  expect(c2.status).toBe(101);
  expect(JSON.parse((await c2.next()).payload.toString()).path).toBe('/2');
  c2.socket.destroy();
});

test('mTLS between the sidecars: the upgrade goes to the upstream over the cluster\'s TLS', async () => {
  const c = await connect('http://secure.ws.local/tls');
  expect(c.status).toBe(101);
  expect(JSON.parse((await c.next()).payload.toString())).toMatchObject({ path: '/tls', host: 'secure.ws.local' });
  c.send('over tls');
  expect((await c.next()).payload.toString()).toBe('over tls');
  c.socket.destroy();
  expect(stats(proxies.serviceA)['cluster.cds_egress_ws_secure_http_80.ssl.handshake']).toBeGreaterThanOrEqual(1);
  const listener = Object.entries(stats(proxies.secure)).find(([k]) => /^listener\..*\.ssl\.handshake$/.test(k));
  expect(listener?.[1]).toBeGreaterThanOrEqual(1);
});

test('an HTTP/2 upstream cannot take a WebSocket: a clear 503, not a hang', async () => {
  const c = await connect('http://h2.ws.local/');
  expect(c.status).toBe(503);
  expect(c.body).toMatch(/extended CONNECT/);
});

test('stats and one access log line per upgraded connection, written when it closes', async () => {
  await waitUntil(() => stats(proxies.serviceA)['http.egress.downstream_cx_upgrades_active'] === 0, { describe: 'earlier tunnels to close' });
  const a0 = stats(proxies.serviceA);
  const ingress0 = stats(proxies.serviceB)['http.ingress.downstream_cx_upgrades_total'] + stats(proxies.serviceBv2)['http.ingress.downstream_cx_upgrades_total'];
  const c = await connect('http://serviceb.ws.local/logged', { headers: { 'x-request-id': 'ws-log-1' } });
  const openedAt = Date.now();
  await c.next();
  const during = stats(proxies.serviceA);
  expect(during['http.egress.downstream_cx_upgrades_active']).toBe(1);
  c.send('x'.repeat(1000));
  await c.next();
  // Open for at least 300 ms (a measured age, so the logged %DURATION% has a known lower bound).
  await waitUntil(() => Date.now() - openedAt >= 300, { describe: 'the tunnel to be 300 ms old' });
  c.send(Buffer.from([0x03, 0xe8]), 8);
  await c.next(); // the server's close frame
  await c.ended;
  c.socket.end();
  await c.closed;
  await waitUntil(() => fs.existsSync(accessLog) && fs.readFileSync(accessLog, 'utf8').includes('ws-log-1'), { describe: 'the access log line' });
  const line = fs.readFileSync(accessLog, 'utf8').split('\n').find((l) => l.includes('ws-log-1'))!;
  const m = /"GET \/logged HTTP\/1\.1" 101 - (\d+) (\d+) (\d+) /.exec(line);
  expect(m).not.toBeNull();
  expect(Number(m![1])).toBe(c.sentBytes);
  expect(Number(m![2])).toBe(c.receivedBytes);
  expect(Number(m![3])).toBeGreaterThanOrEqual(300);
  expect(line).toMatch(/"serviceb\.ws\.local" "127\.0\.0\.1:\d+"$/);

  const a1 = stats(proxies.serviceA);
  expect(a1['http.egress.downstream_cx_upgrades_total']).toBe(a0['http.egress.downstream_cx_upgrades_total'] + 1);
  expect(a1['http.egress.downstream_cx_upgrades_active']).toBe(0);
  expect(a1['http.egress.downstream_rq_1xx']).toBe(a0['http.egress.downstream_rq_1xx'] + 1);
  const cx = (s: Stats, f: string) => s[`cluster.cds_egress_ws_serviceB_http_80.${f}`] + s[`cluster.cds_egress_ws_serviceBv2_http_80.${f}`];
  expect(cx(a1, 'upstream_rq_101')).toBe(cx(a0, 'upstream_rq_101') + 1);
  // An active request (circuit breaker slot) while open, none once closed.
  expect(cx(during, 'upstream_rq_active')).toBe(1);
  expect(cx(a1, 'upstream_rq_active')).toBe(0);
  const ingress1 = stats(proxies.serviceB)['http.ingress.downstream_cx_upgrades_total'] + stats(proxies.serviceBv2)['http.ingress.downstream_cx_upgrades_total'];
  expect(ingress1).toBe(ingress0 + 1);
});
