// The endpoint resolver over a real local backend: App Mesh nodes, Cloud Map instances, proxy
// registrations and DNS hostnames.

import { spawnSync } from 'child_process';
import * as os from 'os';
import { openHarness, type Harness, ACCOUNT, REGION } from '../iam/harness';
import {
  deregisterProxyEndpoint, heartbeatProxyEndpoint, HostnameChecker, listProxyEndpoints, localEndpointResolver,
  registerProxyEndpoint, resolveEndpoints, resolveMeshEndpoints, type LookupFn,
} from '../../../src/backends/local/resolver';
import { isLive } from '../../../src/backends/local/resolver/proxy-registry';
import type { EndpointResolver } from '../../../src/xds/mesh-source';
import { ParamError, ServiceError } from '../../../src/base/errors';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('endpoint resolver and proxy registrations', (kit) => {
  const P = { account: ACCOUNT, region: REGION };
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(kit);
    await h.call('appmesh', 'CreateMesh', { meshName: 'apps', spec: {} });
  });
  afterEach(async () => {
    await h.close();
  });

  const store = () => h.backend.store;
  const sd = (op: string, input: Record<string, unknown>) => h.call('servicediscovery', op, input);
  /** Resolution with DNS answered by a fake resolver unless a test brings its own. */
  const noDns = new HostnameChecker({ lookup: async () => [] });
  const resolve = (virtualNode: string, opts = {}) => resolveEndpoints(store(), P, { mesh: 'apps', virtualNode }, { hostnames: noDns, ...opts });

  async function node(name: string, serviceDiscovery: object, port = 80): Promise<void> {
    await h.call('appmesh', 'CreateVirtualNode', {
      meshName: 'apps', virtualNodeName: name,
      spec: { listeners: [{ portMapping: { port, protocol: 'http' } }], serviceDiscovery },
    });
  }

  async function cloudMapService(extra: Record<string, unknown> = { HealthCheckCustomConfig: {} }): Promise<string> {
    await sd('CreateHttpNamespace', { Name: 'apps.local' });
    const ns = ((await sd('ListNamespaces', {})).Namespaces as { Id: string }[])[0].Id;
    const { Service } = (await sd('CreateService', { Name: 'serviceb', NamespaceId: ns, ...extra })) as { Service: { Id: string } };
    return Service.Id;
  }

  const register = (ServiceId: string, InstanceId: string, Attributes: Record<string, string>) =>
    sd('RegisterInstance', { ServiceId, InstanceId, Attributes });

  describe('Cloud Map service discovery', () => {
    test('two registered instances, then only the healthy one after one is marked UNHEALTHY', async () => {
      const srv = await cloudMapService();
      await node('serviceB', { awsCloudMap: { namespaceName: 'apps.local', serviceName: 'serviceb' } });
      await register(srv, 'b-1', { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '8081' });
      await register(srv, 'b-2', { AWS_INSTANCE_IPV4: '127.0.0.2', AWS_INSTANCE_PORT: '8082' });

      const both = await resolve('serviceB');
      expect(both).toEqual([
        { host: '127.0.0.1', port: 8081, healthy: true, source: 'cloudmap', attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '8081' } },
        { host: '127.0.0.2', port: 8082, healthy: true, source: 'cloudmap', attributes: { AWS_INSTANCE_IPV4: '127.0.0.2', AWS_INSTANCE_PORT: '8082' } },
      ]);

      await sd('UpdateInstanceCustomHealthStatus', { ServiceId: srv, InstanceId: 'b-1', Status: 'UNHEALTHY' });
      expect((await resolve('serviceB')).map((e) => [e.host, e.port])).toEqual([['127.0.0.2', 8082]]);
      // Not HEALTHY_OR_ELSE_ALL: with every instance unhealthy there is nothing to send traffic to.
      await sd('UpdateInstanceCustomHealthStatus', { ServiceId: srv, InstanceId: 'b-2', Status: 'UNHEALTHY' });
      expect(await resolve('serviceB')).toEqual([]);
      const flagged = await resolve('serviceB', { includeUnhealthy: true });
      expect(flagged.map((e) => e.healthy)).toEqual([false, false]);
    });

    test("the node's attributes filter instances; the listener port fills in a missing AWS_INSTANCE_PORT", async () => {
      const srv = await cloudMapService({});
      await node('v2', { awsCloudMap: { namespaceName: 'apps.local', serviceName: 'serviceb', attributes: [{ key: 'version', value: 'v2' }] } }, 9000);
      await register(srv, 'a', { AWS_INSTANCE_IPV4: '127.0.0.1', version: 'v1' });
      await register(srv, 'b', { AWS_INSTANCE_IPV4: '127.0.0.2', version: 'v2' });
      await register(srv, 'c', { AWS_INSTANCE_IPV4: '127.0.0.3', version: 'v2', AWS_INSTANCE_PORT: '9100' });
      expect((await resolve('v2')).map((e) => `${e.host}:${e.port}`)).toEqual(['127.0.0.2:9000', '127.0.0.3:9100']);
    });

    test('IP preference from the node, else the mesh', async () => {
      const srv = await cloudMapService({});
      await register(srv, 'v4', { AWS_INSTANCE_IPV4: '127.0.0.1' });
      await register(srv, 'v6', { AWS_INSTANCE_IPV6: '::1' });
      await register(srv, 'both', { AWS_INSTANCE_IPV4: '127.0.0.9', AWS_INSTANCE_IPV6: '::1' });
      const cm = { namespaceName: 'apps.local', serviceName: 'serviceb' };
      await node('default', { awsCloudMap: cm });
      await node('v6only', { awsCloudMap: { ...cm, ipPreference: 'IPv6_ONLY' } });
      await node('v6pref', { awsCloudMap: { ...cm, ipPreference: 'IPv6_PREFERRED' } });
      const hosts = async (n: string) => (await resolve(n)).map((e) => e.host);
      expect(await hosts('default')).toEqual(['127.0.0.9', '127.0.0.1', '::1']);
      expect(await hosts('v6only')).toEqual(['::1', '::1']);
      expect(await hosts('v6pref')).toEqual(['::1', '127.0.0.1', '::1']);
      await h.call('appmesh', 'UpdateMesh', { meshName: 'apps', spec: { serviceDiscovery: { ipPreference: 'IPv4_ONLY' } } });
      expect(await hosts('default')).toEqual(['127.0.0.9', '127.0.0.1']);
      expect(await hosts('v6only')).toEqual(['::1', '::1']);
    });

    test('a missing namespace or service gives no endpoints; a missing node is NotFoundException', async () => {
      await node('lost', { awsCloudMap: { namespaceName: 'nowhere.local', serviceName: 'x' } });
      expect(await resolve('lost')).toEqual([]);
      const e = await resolve('ghost').then(() => undefined, (err: unknown) => err);
      expect(e).toBeInstanceOf(ServiceError);
      expect((e as ServiceError).code).toBe('NotFoundException');
    });
  });

  describe('proxy registrations', () => {
    beforeEach(async () => {
      const srv = await cloudMapService({});
      await node('serviceB', { awsCloudMap: { namespaceName: 'apps.local', serviceName: 'serviceb' } });
      await register(srv, 'b-1', { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '8081' });
    });
    const key = { mesh: 'apps', virtualNode: 'serviceB', host: '127.0.0.1', port: 15000 };

    test('a live proxy is the endpoint; it expires, is extended by heartbeats, and is deregistered', async () => {
      const t0 = 1_000_000;
      await registerProxyEndpoint(store(), P, { ...key, ttlSeconds: 30 }, t0);
      expect(await resolve('serviceB', { now: t0 + 1 })).toEqual([{ host: '127.0.0.1', port: 15000, healthy: true, source: 'proxy' }]);
      expect((await resolve('serviceB', { now: t0 + 1, mode: 'all' })).map((e) => e.source)).toEqual(['proxy', 'cloudmap']);

      expect(await heartbeatProxyEndpoint(store(), P, key, { now: t0 + 20 })).toBe(true);
      expect((await resolve('serviceB', { now: t0 + 45 })).map((e) => e.source)).toEqual(['proxy']);
      expect((await resolve('serviceB', { now: t0 + 51 })).map((e) => e.source)).toEqual(['cloudmap']);
      expect(await heartbeatProxyEndpoint(store(), P, key, { now: t0 + 51 })).toBe(false);

      await registerProxyEndpoint(store(), P, { ...key, ttlSeconds: 30 }, t0 + 60);
      expect(await listProxyEndpoints(store(), P, key, t0 + 61)).toHaveLength(1);
      expect(await deregisterProxyEndpoint(store(), P, key)).toBe(true);
      expect(await deregisterProxyEndpoint(store(), P, key)).toBe(false);
      expect((await resolve('serviceB', { now: t0 + 61 })).map((e) => e.source)).toEqual(['cloudmap']);
    });

    test('stale registrations are pruned when another proxy registers; a dead pid ends a registration', async () => {
      const t0 = 2_000_000;
      await registerProxyEndpoint(store(), P, { ...key, port: 15001, ttlSeconds: 5 }, t0);
      await registerProxyEndpoint(store(), P, { ...key, port: 15002, ttlSeconds: 60 }, t0 + 10);
      const rows = await store().read(P, (tx) => tx.list('dataplane', 'endpoint', 'apps/serviceB'));
      expect(rows.map((r) => r.name)).toEqual(['127.0.0.1:15002']);

      const exited = spawnSync(process.execPath, ['-e', '0']);
      expect(exited.status).toBe(0);
      await registerProxyEndpoint(store(), P, { ...key, port: 15003, pid: exited.pid, ttlSeconds: 60 }, t0 + 10);
      await registerProxyEndpoint(store(), P, { ...key, port: 15004, pid: process.pid, ttlSeconds: 60 }, t0 + 10);
      expect((await listProxyEndpoints(store(), P, key, t0 + 11)).map((e) => e.port)).toEqual([15002, 15004]);
    });

    test('a pid is only checked on the machine it runs on: elsewhere (a shared store) the TTL decides', async () => {
      const t0 = 3_000_000;
      const exited = spawnSync(process.execPath, ['-e', '0']);
      const rec = await registerProxyEndpoint(store(), P, { ...key, port: 15005, pid: exited.pid, ttlSeconds: 60 }, t0);
      expect(rec.pidHost).toBe(os.hostname());
      expect(isLive(rec, t0 + 1)).toBe(false);
      expect(isLive({ ...rec, pidHost: 'another-machine' }, t0 + 1)).toBe(true);
      expect(isLive({ ...rec, pidHost: 'another-machine' }, t0 + 61)).toBe(false);
    });

    test('bad registrations are ParamErrors and store nothing', async () => {
      const bad = [
        { ...key, port: 0, ttlSeconds: 10 },
        { ...key, host: 'not a host!', ttlSeconds: 10 },
        { ...key, mesh: '', ttlSeconds: 10 },
        { ...key, ttlSeconds: 0 },
      ];
      for (const reg of bad) await expect(registerProxyEndpoint(store(), P, reg)).rejects.toBeInstanceOf(ParamError);
      expect(await listProxyEndpoints(store(), P, key)).toEqual([]);
    });
  });

  describe('DNS service discovery', () => {
    test('a hostname that resolves (localhost, via the system resolver) is an endpoint with the listener port', async () => {
      await node('local', { dns: { hostname: 'localhost' } }, 8080);
      const real = new HostnameChecker({ timeoutMs: 2000 });
      expect(await resolve('local', { hostnames: real })).toEqual([{ host: 'localhost', port: 8080, healthy: true, source: 'dns' }]);
    });

    test('names that do not resolve, or not in time, give nothing; answers are cached briefly', async () => {
      await node('serviceB', { dns: { hostname: 'serviceB.apps.local' } });
      const asked: string[] = [];
      let answer: string[] = [];
      let now = 0;
      const lookup: LookupFn = async (name, family) => {
        asked.push(`${name}/${family}`);
        return answer;
      };
      const checker = new HostnameChecker({ lookup, cacheMs: 1000, negativeCacheMs: 100, clock: () => now });
      expect(await resolve('serviceB', { hostnames: checker })).toEqual([]);
      answer = ['127.0.0.5'];
      expect(await resolve('serviceB', { hostnames: checker })).toEqual([]); // negative answer still cached
      now = 150;
      expect(await resolve('serviceB', { hostnames: checker })).toEqual([{ host: 'serviceB.apps.local', port: 80, healthy: true, source: 'dns' }]);
      now = 900;
      await resolve('serviceB', { hostnames: checker });
      expect(asked).toEqual(['serviceB.apps.local/0', 'serviceB.apps.local/0']);

      const hanging = new HostnameChecker({ lookup: () => new Promise(() => undefined), timeoutMs: 30 });
      const started = Date.now();
      expect(await resolve('serviceB', { hostnames: hanging })).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2000);
    });
  });

  describe('many nodes at once', () => {
    test('resolveMeshEndpoints and the xDS-shaped localEndpointResolver', async () => {
      const srv = await cloudMapService({});
      await register(srv, 'b-1', { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '8081' });
      await node('serviceB', { awsCloudMap: { namespaceName: 'apps.local', serviceName: 'serviceb' } });
      await node('serviceA', { dns: { hostname: 'servicea.apps.local' } });
      await registerProxyEndpoint(store(), P, { mesh: 'apps', virtualNode: 'serviceA', host: '127.0.0.1', port: 15000, ttlSeconds: 60 });

      const byName = await resolveMeshEndpoints(store(), P, 'apps', [{ virtualNode: 'serviceA' }, { virtualNode: 'serviceB' }], { hostnames: noDns });
      expect(byName.serviceA.map((e) => e.source)).toEqual(['proxy']);
      expect(byName.serviceB.map((e) => e.port)).toEqual([8081]);

      const resolver: EndpointResolver = localEndpointResolver(store(), ACCOUNT, { hostnames: noDns });
      const spec = ((await h.call('appmesh', 'DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'serviceB' })).virtualNode as { spec: object }).spec;
      const snapshot = {
        mesh: { meshName: 'apps', spec: {} },
        virtualNodes: [{ meshName: 'apps', virtualNodeName: 'serviceB', spec }],
        virtualRouters: [], routes: [], virtualServices: [], virtualGateways: [], gatewayRoutes: [],
      };
      const out = await resolver(snapshot as Parameters<EndpointResolver>[0], ['serviceB', 'unknown'], { region: REGION });
      expect(out).toEqual({ serviceB: [expect.objectContaining({ host: '127.0.0.1', port: 8081, source: 'cloudmap' })] });
    });
  });
});
