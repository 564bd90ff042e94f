// The EC2 walkthrough's mesh on real sockets: serviceA's sidecar splits traffic to
// serviceb.apps.local between serviceB and serviceBv2 (both http2 listeners, so the server-side
// sidecars talk h2c to the sample apps), following update-route changes under load.

import { walkthroughSnapshot } from '../envoy-translate/snapshot-builder';
import { load, startApp, startProxy, tally, viaProxy, type LocalProxy, type RunningApp } from './helpers';

let apps: RunningApp[] = [];
let proxies: LocalProxy[] = [];
let a: LocalProxy;
let endpoints: Record<string, Array<{ host: string; port: number; source: 'proxy' }>>;

beforeAll(async () => {
  const snap = walkthroughSnapshot([75, 25]);
  apps = await Promise.all([startApp('serviceB'), startApp('serviceBv2')]);
  const b = await startProxy(snap, 'serviceB', { appPorts: { 80: apps[0].port } });
  const b2 = await startProxy(snap, 'serviceBv2', { appPorts: { 80: apps[1].port } });
  endpoints = {
    serviceB: [{ host: '127.0.0.1', port: b.ingressPort!, source: 'proxy' }],
    serviceBv2: [{ host: '127.0.0.1', port: b2.ingressPort!, source: 'proxy' }],
  };
  a = await startProxy(snap, 'serviceA', { endpoints });
  proxies = [b, b2, a];
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.proxy.close()));
  await Promise.all(apps.map((x) => x.stop()));
});

test('75/25 split within ±3 points over 4,000 requests', async () => {
  const replies = await load(4000, 32, () => viaProxy(a.egressPort, 'http://serviceb.apps.local/'));
  const t = tally(replies);
  expect(t.serviceB + t.serviceBv2).toBe(4000);
  const share = t.serviceB / 4000;
  expect(share).toBeGreaterThan(0.72);
  expect(share).toBeLessThan(0.78);
}, 120_000); // 4,000 requests through two sidecars: a minute on a loaded 2-core machine, seconds on a quiet one

test('unknown host → 404 from the proxy, Envoy-style', async () => {
  const r = await viaProxy(a.egressPort, 'http://nothere.apps.local/');
  expect(r.status).toBe(404);
  expect(r.headers.server).toBe('envoy');
});

test('update-route under load: the new split takes over with zero failed requests', async () => {
  let phase = 0;
  const running = load(3000, 16, async (i) => {
    if (i === 600 && phase === 0) {
      phase = 1;
      await a.update(walkthroughSnapshot([0, 100]), endpoints);
      phase = 2;
    }
    const issuedIn = phase;
    const r = await viaProxy(a.egressPort, 'http://serviceb.apps.local/');
    return { ...r, headers: { ...r.headers, phase: String(issuedIn) } };
  });
  const replies = await running;
  expect(replies.filter((r) => r.status !== 200)).toEqual([]);
  // Every request issued after the update went to serviceBv2.
  const after = replies.filter((r) => r.headers.phase === '2');
  expect(after.length).toBeGreaterThan(2000);
  expect(tally(after)).toEqual({ serviceBv2: after.length });
}, 120_000); // 3,000 requests, as above
