// HTTP route matching on real sockets: path prefix/exact/regex, headers (exact, prefix, suffix,
// regex, range, present, invert), :method, query parameters, priority vs longest prefix, and
// the multi-port host rule (svc vs svc:port).

import { SnapshotBuilder } from '../envoy-translate/snapshot-builder';
import { startApp, startProxy, viaProxy, type LocalProxy, type RunningApp } from './helpers';

const NODES = ['v1', 'v2', 'v3', 'v4'];
let apps: RunningApp[] = [];
const proxies: LocalProxy[] = [];
let client: LocalProxy;

const to = (node: string) => ({ weightedTargets: [{ virtualNode: node, weight: 1 }] });

beforeAll(async () => {
  const b = new SnapshotBuilder().node('client', { backends: [{ virtualService: { virtualServiceName: 'svc.local' } }] });
  for (const n of NODES) b.node(n, { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] });
  b.router('r', [[8080, 'http']])
    .route('r', 'default', { httpRoute: { match: { prefix: '/' }, action: to('v1') } })
    .route('r', 'api', { httpRoute: { match: { prefix: '/api' }, action: to('v2') } })
    .route('r', 'api-v3', { httpRoute: { match: { prefix: '/api/v3' }, action: to('v3') } })
    .route('r', 'canary', { httpRoute: { match: { prefix: '/', headers: [{ name: 'x-canary', match: { exact: 'true' } }] }, action: to('v4') } })
    .route('r', 'post-orders', { httpRoute: { match: { path: { exact: '/orders' }, method: 'POST' }, action: to('v3') } })
    .route('r', 'items', { httpRoute: { match: { path: { regex: '/items/[0-9]+' } }, action: to('v4') } })
    .route('r', 'query', { httpRoute: { match: { prefix: '/search', queryParameters: [{ name: 'beta', match: { exact: 'yes' } }] }, action: to('v4') } })
    .route('r', 'range', { httpRoute: { match: { prefix: '/r', headers: [{ name: 'x-version', match: { range: { start: 2, end: 5 } } }] }, action: to('v3') } })
    .route('r', 'not-mobile', { httpRoute: { match: { prefix: '/ua', headers: [{ name: 'user-agent', invert: true, match: { suffix: 'Mobile' } }] }, action: to('v2') } })
    .route('r', 'pinned', { priority: 0, httpRoute: { match: { prefix: '/api/v3/pinned' }, action: to('v1') } })
    .route('r', 'first', { priority: 1, httpRoute: { match: { prefix: '/p', headers: [{ name: 'x-tier', match: { prefix: 'gold' } }] }, action: to('v4') } })
    .service('svc.local', { router: 'r' });
  const snap = b.build();
  apps = await Promise.all(NODES.map((n) => startApp(n)));
  const endpoints: Record<string, Array<{ host: string; port: number; source: 'proxy' }>> = {};
  for (const [i, n] of NODES.entries()) {
    const p = await startProxy(snap, n, { appPorts: { 8080: apps[i].port } });
    proxies.push(p);
    endpoints[n] = [{ host: '127.0.0.1', port: p.ingressPort!, source: 'proxy' }];
  }
  client = await startProxy(snap, 'client', { endpoints });
  proxies.push(client);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.proxy.close()));
  await Promise.all(apps.map((a) => a.stop()));
});

async function who(path: string, opts: { method?: string; headers?: Record<string, string>; host?: string } = {}): Promise<string> {
  const r = await viaProxy(client.egressPort, `http://${opts.host ?? 'svc.local'}${path}`, { method: opts.method, headers: opts.headers });
  return r.status === 200 ? JSON.parse(r.body).service : `status ${r.status}`;
}

test.each([
  ['/', {}, 'v1'],
  ['/api/x', {}, 'v2'],
  ['/api/v3/x', {}, 'v3'],
  ['/anything', { headers: { 'x-canary': 'true' } }, 'v4'],
  ['/anything', { headers: { 'x-canary': 'false' } }, 'v1'],
  ['/orders', { method: 'POST' }, 'v3'],
  ['/orders', { method: 'GET' }, 'v1'],
  ['/orders/1', { method: 'POST' }, 'v1'],
  ['/items/42', {}, 'v4'],
  ['/items/4x2', {}, 'v1'],
  ['/search?beta=yes&q=1', {}, 'v4'],
  ['/search?beta=no', {}, 'v1'],
  ['/r', { headers: { 'x-version': '4' } }, 'v3'],
  ['/r', { headers: { 'x-version': '5' } }, 'v1'],
  ['/ua', { headers: { 'user-agent': 'Firefox' } }, 'v2'],
  ['/ua', { headers: { 'user-agent': 'Safari Mobile' } }, 'v1'],
  ['/api/v3/pinned/1', {}, 'v1'],
  ['/p', { headers: { 'x-tier': 'gold-plus' } }, 'v4'],
  ['/a/../api/./x', {}, 'v2'],
  ['//api//x', {}, 'v2'],
])('%s %j → %s', async (path, opts, expected) => {
  expect(await who(path, opts as never)).toBe(expected);
});

test('host matching: svc and svc:8080 route, svc:9999 and other hosts do not', async () => {
  expect(await who('/', { host: 'svc.local:8080' })).toBe('v1');
  expect(await who('/', { host: 'SVC.LOCAL' })).toBe('v1');
  expect(await who('/', { host: 'svc.local:9999' })).toBe('status 404');
  expect(await who('/', { host: 'other.local' })).toBe('status 404');
});

test('the upstream sees the virtual service host and the path; Envoy response headers', async () => {
  const r = await viaProxy(client.egressPort, 'http://svc.local/api/x?y=1');
  expect(JSON.parse(r.body)).toEqual({ service: 'v2', path: '/api/x?y=1', host: 'svc.local' });
  expect(r.headers.server).toBe('envoy');
  expect(Number(r.headers['x-envoy-upstream-service-time'])).toBeGreaterThanOrEqual(0);
});
