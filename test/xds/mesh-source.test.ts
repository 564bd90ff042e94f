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
