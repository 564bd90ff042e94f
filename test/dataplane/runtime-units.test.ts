// Units of the proxy runtime without sockets: virtual host lookup, regex dialect, route
// compilation, outlier detection's ejection arithmetic, and rejected updates (Envoy's NACK).

import { CompiledRouteTable, compileRetry } from '../../src/dataplane/config/route-table';
import { RequestView, normalizePath } from '../../src/dataplane/config/request-view';
import { compileFullMatch, compileRewrite } from '../../src/dataplane/config/regex';
import { OutlierDetector } from '../../src/dataplane/cluster/outlier';
import { Host } from '../../src/dataplane/cluster/host';
import { ClusterStats } from '../../src/dataplane/telemetry/stats';
import { Proxy } from '../../src/dataplane/proxy';
import { translateVirtualNode } from '../../src/envoy/translate';
import { walkthroughSnapshot } from '../envoy-translate/snapshot-builder';

const view = (authority: string, path = '/', headers: Record<string, string> = {}, method = 'GET') =>
  new RequestView(method, authority, path, headers, 'http');

test('virtual host lookup: exact, then longest *.suffix, then prefix*, then *; case-insensitive', () => {
  const route = (name: string) => ({ name, match: { prefix: '/' }, route: { cluster: name } });
  const t = new CompiledRouteTable({
    name: 'rc',
    virtual_hosts: [
      { name: 'exact', domains: ['api.example.com'], routes: [route('exact')] },
      { name: 'suffix', domains: ['*.example.com'], routes: [route('suffix')] },
      { name: 'longer-suffix', domains: ['*.eu.example.com'], routes: [route('longer-suffix')] },
      { name: 'prefix', domains: ['api.*'], routes: [route('prefix')] },
      { name: 'any', domains: ['*'], routes: [route('any')] },
    ],
  });
  expect(t.findHost('API.example.com')!.name).toBe('exact');
  expect(t.findHost('x.example.com')!.name).toBe('suffix');
  expect(t.findHost('x.eu.example.com')!.name).toBe('longer-suffix');
  expect(t.findHost('api.other.org')!.name).toBe('prefix');
  expect(t.findHost('elsewhere')!.name).toBe('any');
});

test('RE2 dialect: leading (?i), full-match semantics, \\1 substitutions', () => {
  expect(compileFullMatch('(?i)^shop\\.example\\.com(:[0-9]+)?$').test('SHOP.example.com:8080')).toBe(true);
  expect(compileFullMatch('/items/[0-9]+').test('/items/42/x')).toBe(false);
  expect(compileRewrite('^/v1/(.*)$', '/api/\\1')('/v1/users')).toBe('/api/users');
  expect(() => compileFullMatch('(unclosed')).toThrow("invalid regex '(unclosed'");
});

test('path normalisation and query parsing', () => {
  expect(normalizePath('/a//b/./c/../d?x=1//2')).toBe('/a/b/d?x=1//2');
  expect(normalizePath('/plain/path')).toBe('/plain/path');
  const v = view('h', '/s?a=1&b=&c&a=2&d=%20x');
  expect([v.query('a'), v.query('b'), v.query('c'), v.query('d'), v.query('z')]).toEqual(['1', '', '', ' x', null]);
});

test('retry_on parsing', () => {
  const r = compileRetry({ retry_on: 'gateway-error,reset,unavailable,cancelled', num_retries: 3, per_try_timeout: '0.5s', retriable_status_codes: [409] });
  expect(r).toMatchObject({ numRetries: 3, perTryTimeoutMs: 500, on: { gatewayError: true, reset: true, fiveXx: false }, previousHosts: false });
  expect([...r.on.grpc].sort()).toEqual([1, 14]);
  expect([...r.codes]).toEqual([409]);
});

test('outlier detection: eject on N consecutive 5xx within max_ejection_percent; back after base × count', () => {
  let now = 0;
  const hosts = [1, 2, 3, 4].map((i) => new Host('127.0.0.1', 9000 + i, false, 1000, undefined));
  const stats = new ClusterStats();
  const od = new OutlierDetector(
    { consecutive_5xx: 3, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 50 },
    () => hosts, stats, () => undefined, () => now,
  );
  try {
    const fail = (h: Host, n: number) => { for (let i = 0; i < n; i++) od.record(h, true); };
    fail(hosts[0], 2);
    od.record(hosts[0], false); // a success resets the streak
    fail(hosts[0], 2);
    expect(hosts[0].ejected).toBe(false);
    fail(hosts[0], 1);
    expect(hosts[0].ejected).toBe(true);
    fail(hosts[1], 3);
    expect(hosts[1].ejected).toBe(true);
    fail(hosts[2], 3); // 2 of 4 ejected = 50 %: no more
    expect(hosts[2].ejected).toBe(false);
    expect(stats['outlier_detection.ejections_active']).toBe(2);
    now = 29_000;
    od.sweep();
    expect(hosts[0].ejected).toBe(true);
    now = 30_000;
    od.sweep();
    expect(hosts[0].ejected).toBe(false);
    // Second ejection of the same host lasts twice as long.
    fail(hosts[0], 3);
    expect(hosts[0].ejectionCount).toBe(2);
    now = 30_000 + 59_000;
    od.sweep();
    expect(hosts[0].ejected).toBe(true);
    now = 30_000 + 60_000;
    od.sweep();
    expect(hosts[0].ejected).toBe(false);
  } finally {
    od.stop();
  }
});

test('a configuration the proxy cannot run is rejected and the previous one keeps running', async () => {
  const proxy = new Proxy();
  try {
    const good = translateVirtualNode(walkthroughSnapshot(), 'serviceA', { listenAddress: '127.0.0.1', ingressPort: 0, egressPort: 0 });
    const first = await proxy.apply(good);
    const bad = JSON.parse(JSON.stringify(good));
    bad.routeConfigs[1].virtual_hosts[0].routes[0].match = { safe_regex: { regex: '(unclosed' } };
    await expect(proxy.apply(bad)).rejects.toThrow('invalid regex');
    expect(proxy.current).toBe(first);
    expect(proxy.updates).toMatchObject({ success: 1, rejected: 1 });
  } finally {
    await proxy.close();
  }
});

test('route stats follow the configuration: a route gone from it takes its stats along, as in Envoy', async () => {
  const proxy = new Proxy();
  try {
    const first = translateVirtualNode(walkthroughSnapshot(), 'serviceA', { listenAddress: '127.0.0.1', ingressPort: 0, egressPort: 0 });
    await proxy.apply(first);
    const routeGroups = () => proxy.statsGroups().map(([name]) => name).filter((n) => n.startsWith('vhost.'));
    const before = routeGroups();
    expect(before).toContain('vhost.serviceb.apps.local.route.serviceB');
    const renamed = JSON.parse(JSON.stringify(first));
    const route = renamed.routeConfigs.flatMap((rc: any) => rc.virtual_hosts).find((h: any) => h.name === 'serviceb.apps.local').routes[0];
    expect(route.name).toBe('serviceB');
    route.name = 'serviceB-renamed';
    await proxy.apply(renamed);
    const after = routeGroups();
    expect(after).toContain('vhost.serviceb.apps.local.route.serviceB-renamed');
    expect(after).not.toContain('vhost.serviceb.apps.local.route.serviceB');
    expect(after.length).toBe(before.length);
  } finally {
    await proxy.close();
  }
});
