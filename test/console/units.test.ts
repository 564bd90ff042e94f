// The console's pieces without a browser: layout determinism and caching, the ids that tie the
// topology to its rates and resources, and the browser guard's decisions.

import * as fs from 'fs';
import type * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { checkBrowserRequest, loopbackHost } from '../../src/console/guard';
import { Layouter, type LayoutInput } from '../../src/console/layout';
import { proxiesView } from '../../src/console/proxies';
import { SignInLimiter } from '../../src/console/sign-in-limit';
import type { ConsoleSource } from '../../src/console/source';
import type { ProxyStatus } from '../../src/xds/status-client';
import { edgeIds, resourceKey } from '../../src/console/topology';
import type { MeshGraph } from '../../src/observability/graph';

const layouter = new Layouter();
afterAll(() => layouter.close());

const input = (order: number[]): LayoutInput => {
  const nodes = ['virtualService:a', 'virtualRouter:r', 'route:r/x', 'virtualNode:n1', 'virtualNode:n2'].map((id) => ({ id, w: 170, h: 46 }));
  const edges = [['virtualService:a', 'virtualRouter:r'], ['virtualRouter:r', 'route:r/x'], ['route:r/x', 'virtualNode:n1'], ['route:r/x', 'virtualNode:n2']]
    .map(([from, to]) => ({ id: `${from}>${to}`, from, to, label: { w: 124, h: 42 } }));
  return { nodes: order.map((i) => nodes[i]), edges: [...edges].reverse() };
};

test('the same structure gets the same layout, whatever order it comes in; the second time from the cache', async () => {
  const first = layouter.layout(input([0, 1, 2, 3, 4]));
  expect(first.cached).toBe(false);
  const a = await first.layout;
  const other = new Layouter();
  const b = await other.layout(input([4, 2, 0, 3, 1])).layout.finally(() => other.close());
  expect(b.nodes).toEqual(a.nodes);
  expect(b.edges).toEqual(a.edges);
  // Flows left to right: service, router, route, then the two nodes one above the other.
  expect(a.nodes['virtualService:a'].x).toBeLessThan(a.nodes['virtualRouter:r'].x);
  expect(a.nodes['route:r/x'].x).toBeLessThan(a.nodes['virtualNode:n1'].x);
  expect(a.nodes['virtualNode:n1'].x).toBe(a.nodes['virtualNode:n2'].x);
  expect(Object.keys(a.labels)).toHaveLength(4);
  const again = layouter.layout(input([0, 1, 2, 3, 4]));
  expect(again.cached).toBe(true);
  expect(await again.layout).toBe(a);
}, 60_000);

test('with a cache directory, a layout survives the layouter: a new one reads it from a 0600 file instead of computing', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-layouts-'));
  const cacheDir = path.join(dir, 'console', 'layouts');
  try {
    const one = new Layouter({ cacheDir });
    const computed = await one.layout(input([0, 1, 2, 3, 4])).layout.finally(() => one.close());
    expect(computed.from).toBe('elk');
    // (Beside ELK's code cache, when the build's did not fit: warm.test.ts.)
    const layouts = () => fs.readdirSync(cacheDir).filter((n) => n.startsWith('layout-'));
    const files = layouts();
    expect(files).toHaveLength(1);
    expect(fs.statSync(path.join(cacheDir, files[0])).mode & 0o777).toBe(0o600);
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
    const two = new Layouter({ cacheDir });
    const read = await two.layout(input([3, 1, 4, 0, 2])).layout.finally(() => two.close());
    expect(read.from).toBe('disk');
    expect(read.nodes).toEqual(computed.nodes);
    expect(read.edges).toEqual(computed.edges);
    expect(read.labels).toEqual(computed.labels);
    // Another structure is laid out anew; a file that does not hold its key is a miss, not a picture.
    const other = input([0, 1, 2, 3]);
    other.edges = other.edges.filter((e) => e.to !== 'virtualNode:n2');
    fs.writeFileSync(path.join(cacheDir, files[0]), JSON.stringify({ key: 'someone else', layout: computed }));
    const three = new Layouter({ cacheDir });
    const [again, fresh] = await Promise.all([three.layout(input([0, 1, 2, 3, 4])).layout, three.layout(other).layout]).finally(() => three.close());
    expect(again.from).toBe('elk');
    expect(again.nodes).toEqual(computed.nodes);
    expect(fresh.from).toBe('elk');
    expect(fresh.nodes['virtualNode:n2']).toBeUndefined();
    expect(layouts()).toHaveLength(2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

test('graph node ids name their resources; repeated edges get distinct ids', () => {
  expect(resourceKey('apps', 'route', 'route:serviceB/serviceB')).toBe('Route apps/serviceB/serviceB');
  expect(resourceKey('apps', 'virtualService', 'virtualService:serviceb.apps.local')).toBe('VirtualService apps/serviceb.apps.local');
  expect(resourceKey('apps', 'gatewayRoute', 'gatewayRoute:gw/to-b')).toBe('GatewayRoute apps/gw/to-b');
  const g = { mesh: 'apps', live: false, nodes: [], edges: [{ from: 'a', to: 'b', kind: 'target' }, { from: 'a', to: 'b', kind: 'target' }, { from: 'b', to: 'c', kind: 'route' }] } as unknown as MeshGraph;
  expect(edgeIds(g)).toEqual(['a>b', 'a>b#1', 'b>c']);
});

test('the browser guard: Host, Origin, Sec-Fetch-Site, and the CSRF token, Origin and JSON body of writes', () => {
  const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as http.IncomingMessage;
  const host = '127.0.0.1:4000';
  const check = (method: string, headers: Record<string, string>) => checkBrowserRequest(req(method, { host, ...headers }), loopbackHost, 'secret')?.status;
  expect(check('GET', {})).toBeUndefined();
  expect(check('GET', { host: 'attacker.example:4000' })).toBe(403);
  expect(check('GET', { origin: 'http://127.0.0.1:4000', 'sec-fetch-site': 'same-origin' })).toBeUndefined();
  expect(check('GET', { origin: 'http://127.0.0.1:4001' })).toBe(403);
  expect(check('GET', { origin: 'null' })).toBe(403);
  expect(check('GET', { 'sec-fetch-site': 'same-site' })).toBe(403);
  const write = { origin: 'http://127.0.0.1:4000', 'x-csrf-token': 'secret', 'content-type': 'application/json' };
  expect(check('POST', write)).toBeUndefined();
  expect(check('POST', { ...write, 'x-csrf-token': 'secreT' })).toBe(403);
  expect(check('POST', { ...write, origin: undefined as unknown as string })).toBe(403);
  expect(check('POST', { ...write, 'content-type': 'application/x-www-form-urlencoded' })).toBe(415);
  expect(check('DELETE', write)).toBe(405);
  expect(['localhost:1', '[::1]:8080', '127.9.9.9:80', 'localhost'].every(loopbackHost)).toBe(true);
  expect(['example.com:80', '127.0.0.1.example:80', '[::2]:80'].some(loopbackHost)).toBe(false);
});

test('the sign-in limiter: failures per address and per key within a sliding window; successes cost nothing', () => {
  let now = 1_000_000;
  const limiter = new SignInLimiter({ perClient: 3, perKey: 2, windowMs: 60_000 }, () => now);
  expect(limiter.refusal('10.0.0.1', 'AKIAONE')).toBeUndefined();
  limiter.failed('10.0.0.1', 'AKIAONE');
  now += 10_000;
  limiter.failed('10.0.0.2', 'AKIAONE');
  // The key is at its limit from any address; the addresses are not.
  expect(limiter.refusal('10.0.0.3', 'AKIAONE')).toEqual({ message: 'Too many failed sign-ins for this access key: try again in 50 s.', retryAfterSeconds: 50 });
  expect(limiter.refusal('10.0.0.1', 'AKIATWO')).toBeUndefined();
  limiter.failed('10.0.0.1', 'AKIATWO');
  limiter.failed('10.0.0.1', '');
  expect(limiter.refusal('10.0.0.1', 'AKIATHREE')?.message).toBe('Too many failed sign-ins from this address: try again in 50 s.');
  // The oldest failure leaves the window: one more try each.
  now += 50_000;
  expect(limiter.refusal('10.0.0.1', 'AKIATHREE')).toBeUndefined();
  expect(limiter.refusal('10.0.0.3', 'AKIAONE')).toBeUndefined();
});

test('the proxies view keeps what the viewer may see and counts the rest; unattributable clients only for everyone-sees-all', async () => {
  const client = (nodeId: string): ProxyStatus => ({ nodeId, client: 'envoy', flavor: 'envoy', peer: 'ipv4:127.0.0.1:1', stream: 1, connectedAt: 0, invalid: [], types: {} } as unknown as ProxyStatus);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-proxies-'));
  const source = (filter?: ConsoleSource['proxyFilter']): ConsoleSource => ({
    api: undefined as unknown as ConsoleSource['api'], label: 'test', home, version: '0', proxyFilter: filter,
    xds: { address: '127.0.0.1:1', status: async () => [client('mesh/apps/virtualNode/a'), client('mesh/apps/virtualGateway/gw'), client('arn:aws:appmesh:us-west-2:111122223333:mesh/apps/virtualNode/b'), client('something-else')] },
  });
  try {
    const all = await proxiesView(source(), 'apps');
    expect(all.xds!.clients.map((c) => c.nodeId)).toHaveLength(4);
    expect(all.hidden).toBeUndefined();
    const some = await proxiesView(source(async () => (p) => p.kind === 'virtualNode' && p.name === 'b'), 'apps');
    expect(some.xds!.clients.map((c) => c.nodeId)).toEqual(['arn:aws:appmesh:us-west-2:111122223333:mesh/apps/virtualNode/b']);
    expect(some.hidden).toBe(3);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
