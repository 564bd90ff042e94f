// The ADS server over a real local mesh (SQLite in a temp AWSMESH_HOME), as `awsmesh local serve
// --xds-port` runs it: App Mesh changes and sidecar registrations are pushed to connected proxies.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBackend } from '../../src/backends/local/local-backend';
import { deregisterProxyEndpoint, registerProxyEndpoint } from '../../src/backends/local/resolver';
import { openSqliteStore } from '../../src/backends/local/store/sqlite-store';
import { startAdsServer, TYPE_URLS, type AdsServerHandle } from '../../src/xds';
import { AdsClient } from '../../src/xds/ads-client';
import { loadWalkthrough, type LocalMeshes } from '../envoy/helpers/corpus-mesh';
import { waitUntil } from '../helpers/wait';

const REGION = 'us-west-2';
const ACCOUNT = '111122223333';
const partition = { account: ACCOUNT, region: REGION };
const B = 'cds_egress_apps_serviceB_http2_80';

let home: string;
let backend: LocalBackend;
let ads: AdsServerHandle;
const clients: AdsClient[] = [];

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-xds-mesh-'));
  backend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: ACCOUNT });
  const meshes: LocalMeshes = {
    home, backend, call: (op, input) => backend.invoke('appmesh', op, input, { region: REGION }), close: async () => undefined,
  };
  await loadWalkthrough(meshes);
  // What `local serve` passes: the local backend (its control plane's changes are watched).
  ads = await startAdsServer({ backend, region: REGION });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await ads?.close();
  await backend?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

function envoy(id: string): AdsClient {
  const c = new AdsClient(ads.address, { id, user_agent_name: 'envoy' }).start();
  clients.push(c);
  return c;
}

const latest = (c: AdsClient, type: string) => [...c.responses].reverse().find((r) => r.type_url === type)!;
const clusterOf = (c: AdsClient, name: string) => AdsClient.decode(latest(c, TYPE_URLS.cluster)).find((x) => x.name === name)!;

test('serviceA (by ARN) gets the walkthrough config; a registered sidecar for serviceB becomes its EDS endpoint', async () => {
  const c = envoy(`arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps/virtualNode/serviceA`);
  await c.waitFor((r) => r.type_url === TYPE_URLS.cluster);
  // serviceB.apps.local does not resolve here and no sidecar is registered: App Mesh's DNS cluster.
  expect(clusterOf(c, B).type).toBe('LOGICAL_DNS');

  const since = c.responses.length;
  await registerProxyEndpoint(backend.store, partition, { mesh: 'apps', virtualNode: 'serviceB', host: '127.0.0.1', port: 25000, ttlSeconds: 60 });
  const eds = await c.waitFor((r) => r.type_url === TYPE_URLS.clusterLoadAssignment
    && AdsClient.decode(r).some((a) => a.cluster_name === B), 5000, since);
  expect(clusterOf(c, B).type).toBe('EDS');
  const assignment = AdsClient.decode(eds).find((a) => a.cluster_name === B)!;
  expect(assignment.endpoints[0].lb_endpoints.map((e: any) => e.endpoint.address.socket_address))
    .toEqual([{ address: '127.0.0.1', port_value: 25000 }]);

  // The sidecar goes away: back to the DNS cluster.
  const before = c.responses.length;
  await deregisterProxyEndpoint(backend.store, partition, { mesh: 'apps', virtualNode: 'serviceB', host: '127.0.0.1', port: 25000 });
  await c.waitFor((r) => r.type_url === TYPE_URLS.cluster && AdsClient.decode(r).find((x) => x.name === B)?.type === 'LOGICAL_DNS', 5000, before);
});

test('API changes are pushed: a new backend adds a virtual host; deleting the node empties its listeners', async () => {
  const call = (op: string, input: Record<string, unknown>) => backend.invoke('appmesh', op, input, { region: REGION });
  const spec = { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: 'probe.apps.local' } } };
  await call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'probe', spec });
  const c = envoy('mesh/apps/virtualNode/probe');
  const rds = await c.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration);
  expect(AdsClient.decode(rds)[0].virtual_hosts ?? []).toEqual([]);

  const since = c.responses.length;
  await call('UpdateVirtualNode', {
    meshName: 'apps', virtualNodeName: 'probe', spec: { ...spec, backends: [{ virtualService: { virtualServiceName: 'serviceb.apps.local' } }] },
  });
  const updated = await c.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration, 5000, since);
  const vh = AdsClient.decode(updated)[0].virtual_hosts;
  expect(vh.map((v: any) => v.name)).toEqual(['serviceb.apps.local']);
  expect(vh[0].routes[0].route.weighted_clusters.clusters.map((w: any) => [w.name, w.weight.value])).toEqual([
    [B, 75], ['cds_egress_apps_serviceBv2_http2_80', 25],
  ]);

  const before = c.responses.length;
  await call('DeleteVirtualNode', { meshName: 'apps', virtualNodeName: 'probe' });
  const lds = await c.waitFor((r) => r.type_url === TYPE_URLS.listener, 5000, before);
  expect(lds.resources).toEqual([]);
  const [status] = ads.status().clients.filter((x) => x.nodeId === 'mesh/apps/virtualNode/probe');
  expect(status.types.find((t) => t.type === 'LDS')!.resources).toEqual([]);
});

test('a route update rebuilds and pushes only the proxies that route through it', async () => {
  const call = (op: string, input: Record<string, unknown>) => backend.invoke('appmesh', op, input, { region: REGION });
  const a = envoy('mesh/apps/virtualNode/serviceA');
  const b = envoy('mesh/apps/virtualNode/serviceB');
  const bv2 = envoy('mesh/apps/virtualNode/serviceBv2');
  await Promise.all([a, b, bv2].map((c) => c.waitFor((r) => r.type_url === TYPE_URLS.listener)));
  const synced = () => ads.status().clients.filter((s) => s.types.length >= 3 && s.types.every((t) => t.state === 'SYNCED')).length;
  await waitUntil(() => synced() === ads.status().clients.length, { describe: 'every proxy SYNCED', observe: () => ads.status() });
  const sentTo = (node: string) => ads.status().clients.filter((s) => s.nodeId === node).flatMap((s) => s.types.map((t) => `${t.type}=${t.sentVersion}`)).join(',');
  const before = { ...ads.status().counters, b: sentTo('mesh/apps/virtualNode/serviceB'), bv2: sentTo('mesh/apps/virtualNode/serviceBv2') };

  const since = a.responses.length;
  const pushed = ads.nextPush();
  await call('UpdateRoute', {
    meshName: 'apps', virtualRouterName: 'serviceB', routeName: 'serviceB',
    spec: { http2Route: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 40 }, { virtualNode: 'serviceBv2', weight: 60 }] } } },
  });
  await pushed;
  const rds = await a.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration, 5000, since);
  expect(AdsClient.decode(rds)[0].virtual_hosts[0].routes[0].route.weighted_clusters.clusters.map((w: any) => w.weight.value)).toEqual([40, 60]);
  // serviceA's configuration was built again (one or more pushes may have run); serviceB's and
  // serviceBv2's, whose translations do not read the route, were neither rebuilt nor sent anything.
  // (serviceA is connected twice from the first test on: by ARN, with its region, and by name.)
  const after = ads.status().counters;
  const clients = ads.status().clients;
  const aStreams = clients.filter((s) => s.nodeId === 'mesh/apps/virtualNode/serviceA').length;
  const notifications = after.rebuilds - before.rebuilds;
  expect(after.configBuilds - before.configBuilds).toBeGreaterThanOrEqual(aStreams);
  expect(after.configBuilds - before.configBuilds).toBeLessThanOrEqual(notifications * aStreams);
  expect(after.configsUnchanged - before.configsUnchanged).toBeGreaterThanOrEqual(notifications * (clients.length - aStreams));
  expect(sentTo('mesh/apps/virtualNode/serviceB')).toBe(before.b);
  expect(sentTo('mesh/apps/virtualNode/serviceBv2')).toBe(before.bv2);
});
