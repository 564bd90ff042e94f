// Virtual gateways (gateway routes, host/prefix/path rewrites, the x-app-mesh-virtual-service
// header path), TCP virtual services through CONNECT tunnels, the ALLOW_ALL passthrough, and
// access logs from spec.logging — on real loopback sockets.

import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { SnapshotBuilder } from '../envoy-translate/snapshot-builder';
import { startApp, startGateway, startProxy, viaProxy, type LocalProxy, type RunningApp } from './helpers';
import { waitUntil } from '../helpers/wait';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-gw-'));
const accessLog = path.join(tmp, 'access.log');
const apps: RunningApp[] = [];
const proxies: LocalProxy[] = [];
let echo: net.Server;
let gw: LocalProxy & { gatewayPort: number };
let client: LocalProxy;

beforeAll(async () => {
  echo = net.createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  const echoPort = (echo.address() as net.AddressInfo).port;
  const http = { portMapping: { port: 8080, protocol: 'http' as const } };
  const snap = new SnapshotBuilder('apps', 'ALLOW_ALL')
    .node('web', { listeners: [http] })
    .node('book', { listeners: [http] })
    .node('db', { listeners: [{ portMapping: { port: 5432, protocol: 'tcp' } }] })
    .node('client', {
      backends: [{ virtualService: { virtualServiceName: 'db.local' } }, { virtualService: { virtualServiceName: 'web.local' } }],
      logging: { accessLog: { file: { path: accessLog, format: { text: '%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %RESPONSE_CODE% %UPSTREAM_CLUSTER% %RESPONSE_FLAGS%\n' } } } },
    })
    .router('dbr', [[5432, 'tcp']])
    .route('dbr', 'tcp', { tcpRoute: { action: { weightedTargets: [{ virtualNode: 'db', weight: 1 }] } } })
    .service('web.local', { node: 'web' })
    .service('book.local', { node: 'book' })
    .service('db.local', { router: 'dbr' })
    .gateway('gw', { listeners: [{ portMapping: { port: 8088, protocol: 'http' } }] })
    .gatewayRoute('gw', 'root', { httpRoute: { match: { prefix: '/' }, action: { target: { virtualService: { virtualServiceName: 'web.local' } } } } })
    .gatewayRoute('gw', 'chapter', { httpRoute: { match: { prefix: '/chapter' }, action: { target: { virtualService: { virtualServiceName: 'book.local' } } } } })
    .gatewayRoute('gw', 'keep', {
      httpRoute: {
        match: { prefix: '/keep/', hostname: { suffix: '.example.com' } },
        action: { target: { virtualService: { virtualServiceName: 'book.local' } }, rewrite: { hostname: { defaultTargetHostname: 'DISABLED' }, prefix: { value: '/kept/' } } },
      },
    })
    .gatewayRoute('gw', 'old', { httpRoute: { match: { path: { exact: '/old' } }, action: { target: { virtualService: { virtualServiceName: 'web.local' } }, rewrite: { path: { exact: '/new' } } } } })
    .build();
  apps.push(await startApp('web'), await startApp('book'));
  const endpoints: Record<string, Array<{ host: string; port: number; source: 'proxy' }>> = {};
  for (const [name, port] of [['web', apps[0].port], ['book', apps[1].port], ['db', echoPort]] as const) {
    const p = await startProxy(snap, name, { appPorts: { [name === 'db' ? 5432 : 8080]: port } });
    proxies.push(p);
    endpoints[name] = [{ host: '127.0.0.1', port: p.ingressPort!, source: 'proxy' }];
  }
  gw = await startGateway(snap, 'gw', 8088, { endpoints });
  client = await startProxy(snap, 'client', { endpoints });
  proxies.push(gw, client);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.proxy.close()));
  await Promise.all(apps.map((a) => a.stop()));
  await new Promise((r) => echo.close(r));
  fs.rmSync(tmp, { recursive: true, force: true });
});

const viaGateway = (p: string, host = 'shop.example.com') => viaProxy(gw.gatewayPort, `http://${host}${p}`);

describe('virtual gateway', () => {
  test('default rewrites: host → target virtual service, matched prefix → /', async () => {
    const r = await viaGateway('/chapter/1?x=2');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ service: 'book', path: '/1?x=2', host: 'book.local' });
    expect(JSON.parse((await viaGateway('/')).body)).toEqual({ service: 'web', path: '/', host: 'web.local' });
  });

  test('exact path with a path rewrite', async () => {
    expect(JSON.parse((await viaGateway('/old')).body)).toEqual({ service: 'web', path: '/new', host: 'web.local' });
  });

  test('hostname match and no host rewrite: routed by x-app-mesh-virtual-service, explicit prefix rewrite', async () => {
    const r = await viaGateway('/keep/a', 'shop.example.com:8088');
    expect(JSON.parse(r.body)).toEqual({ service: 'book', path: '/kept/a', host: 'shop.example.com:8088' });
    expect(r.headers['x-app-mesh-virtual-service']).toBeUndefined();
    // Another host does not match the hostname rule and falls through to `/`.
    expect(JSON.parse((await viaGateway('/keep/a', 'shop.example.org')).body).service).toBe('web');
  });
});

test('TCP virtual service through a CONNECT tunnel on the egress listener', async () => {
  const sock = net.connect({ host: '127.0.0.1', port: client.egressPort });
  await new Promise((r) => sock.once('connect', r));
  sock.write('CONNECT db.local:5432 HTTP/1.1\r\nHost: db.local:5432\r\n\r\n');
  let buf = '';
  sock.on('data', (d) => (buf += d));
  await waitUntil(() => buf.includes('\r\n\r\n'), { describe: 'the response head' });
  expect(buf.split('\r\n')[0]).toBe('HTTP/1.1 200 Connection Established');
  buf = '';
  sock.write('ping over tcp');
  await waitUntil(() => buf.length >= 'ping over tcp'.length, { describe: 'the echo' });
  expect(buf).toBe('ping over tcp');
  sock.destroy();
});

test('a CONNECT tunnel passes a half-close on: the client\'s FIN, then the server\'s last bytes', async () => {
  const sock = net.connect({ host: '127.0.0.1', port: client.egressPort });
  let buf = '';
  sock.on('data', (d) => (buf += d));
  const ended = new Promise((r) => sock.once('end', r));
  sock.write('CONNECT db.local:5432 HTTP/1.1\r\nHost: db.local:5432\r\n\r\n');
  await waitUntil(() => buf.includes('\r\n\r\n'), { describe: 'the response head' });
  buf = '';
  // Sent together with our FIN: the echo server still answers, then ends its side.
  sock.end('last words');
  await ended;
  expect(buf).toBe('last words');
  sock.destroy();
});

test('CONNECT to a host without a TCP route → 404', async () => {
  const sock = net.connect({ host: '127.0.0.1', port: client.egressPort });
  sock.write('CONNECT web.local:8080 HTTP/1.1\r\nHost: web.local:8080\r\n\r\n');
  let buf = '';
  sock.on('data', (d) => (buf += d));
  await waitUntil(() => buf.includes('\r\n\r\n'), { describe: 'the response head' });
  expect(buf.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
  sock.destroy();
});

test('ALLOW_ALL: unknown hosts pass through to loopback destinations only', async () => {
  const direct = await viaProxy(client.egressPort, `http://127.0.0.1:${apps[0].port}/direct`);
  expect(JSON.parse(direct.body)).toMatchObject({ service: 'web', path: '/direct' });
  const outside = await viaProxy(client.egressPort, 'http://203.0.113.7/');
  expect(outside.status).toBe(502);
  expect(outside.body).toContain('loopback destinations only');
});

test('access log from spec.logging, in the configured format', async () => {
  await viaProxy(client.egressPort, 'http://web.local/logged');
  await viaProxy(client.egressPort, 'http://nowhere.local/');
  let text = '';
  await waitUntil(() => {
    text = fs.existsSync(accessLog) ? fs.readFileSync(accessLog, 'utf8') : '';
    return text.includes('/logged');
  }, { describe: 'the access log line' });
  expect(text).toContain('GET /logged 200 cds_egress_apps_web_http_8080 -\n');
});
