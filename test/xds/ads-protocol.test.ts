// The ADS server's protocol behaviour, seen from a client that speaks like Envoy: subscriptions,
// per-type versions, ACK, NACK (counted, reported, not re-sent until the config changes), pushes
// on change, stale nonces, bad node ids, and the CSDS status `awsmesh envoy status` reads.

import * as grpc from '@grpc/grpc-js';
import { startAdsServer, TYPE_URLS, type AdsServerHandle } from '../../src/xds';
import { AdsClient } from '../../src/xds/ads-client';
import { fetchXdsStatus, formatStatusTable } from '../../src/xds/status-client';
import { runCli } from '../helpers/run-cli';
import { serviceAResources, StaticSource } from './helpers/static-source';
import { waitUntil } from '../helpers/wait';

const NODE = 'mesh/apps/virtualNode/serviceA';
const ports = { serviceB: 50001, serviceBv2: 50002 };

let source: StaticSource;
let ads: AdsServerHandle;
const logs: string[] = [];
const clients: AdsClient[] = [];

function client(node: Record<string, unknown> = { id: NODE }, opts = {}): AdsClient {
  const c = new AdsClient(ads.address, node, opts);
  clients.push(c);
  return c;
}

const ofType = (type: string) => (r: { type_url: string }) => r.type_url === type;

beforeEach(async () => {
  source = new StaticSource({ [NODE]: serviceAResources({ serviceB: 75, serviceBv2: 25 }, ports) });
  logs.length = 0;
  ads = await startAdsServer({ source, log: (l) => logs.push(l) });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await ads.close();
});

test('an Envoy-like client gets LDS, CDS, then the RDS and EDS resources they name, and ACKs them all', async () => {
  const c = client().start();
  const eds = await c.waitFor(ofType(TYPE_URLS.clusterLoadAssignment));
  const rds = await c.waitFor(ofType(TYPE_URLS.routeConfiguration));
  expect(AdsClient.decode(rds).map((r) => r.name)).toEqual(['rds_egress_http_15001']);
  expect(AdsClient.decode(eds).map((r) => r.cluster_name).sort()).toEqual(['cds_egress_apps_serviceB_http2_80', 'cds_egress_apps_serviceBv2_http2_80']);
  const lds = await c.waitFor(ofType(TYPE_URLS.listener));
  expect(AdsClient.decode(lds).map((l) => l.name)).toEqual(['lds_egress_0.0.0.0_15001']);
  // Every type at version 1, and the server records each ACK.
  await waitUntil(() => ads.status().clients[0]?.types.every((t) => t.state === 'SYNCED') && ads.status().clients[0].types.length === 4, { describe: 'every type SYNCED', observe: () => ads.status() });
  const status = ads.status().clients[0];
  expect(status.nodeId).toBe(NODE);
  expect(status.flavor).toBe('envoy');
  expect(status.types.map((t) => [t.type, t.sentVersion, t.ackedVersion, t.nacks])).toEqual([
    ['LDS', '1', '1', 0], ['RDS', '1', '1', 0], ['CDS', '1', '1', 0], ['EDS', '1', '1', 0],
  ]);
  expect(logs.some((l) => l.includes(`${NODE} connected`))).toBe(true);
});

test('a mesh change pushes only the changed type, with the next version', async () => {
  const c = client().start();
  await c.waitFor(ofType(TYPE_URLS.clusterLoadAssignment));
  await waitUntil(() => ads.status().clients[0]?.types.length === 4 && ads.status().clients[0].types.every((t) => t.state === 'SYNCED'), { describe: 'every type SYNCED', observe: () => ads.status() });
  const before = c.responses.length;
  const pushed = ads.nextPush();
  source.set(NODE, serviceAResources({ serviceB: 50, serviceBv2: 50 }, ports));
  await pushed;
  const rds = await c.waitFor(ofType(TYPE_URLS.routeConfiguration), 5000, before);
  expect(rds.version_info).toBe('2');
  const weights = AdsClient.decode(rds)[0].virtual_hosts[0].routes[0].route.weighted_clusters.clusters.map((w: any) => w.weight.value);
  expect(weights).toEqual([50, 50]);
  await waitUntil(() => ads.status().clients[0].types.find((t) => t.type === 'RDS')?.ackedVersion === '2', { describe: 'RDS version 2 ACKed', observe: () => ads.status() });
  // Only RDS moved: nothing else was re-sent.
  expect(c.responses.slice(before).map((r) => r.type_url)).toEqual([TYPE_URLS.routeConfiguration]);
});

test('a NACK is logged, counted and reported, and the rejected update is not sent again until the config changes', async () => {
  let rejectRds = true;
  const c = client({ id: NODE }, {
    reject: (r: { type_url: string; version_info: string }) => (rejectRds && r.type_url === TYPE_URLS.routeConfiguration && r.version_info === '2' ? 'weights look wrong' : undefined),
  }).start();
  await c.waitFor(ofType(TYPE_URLS.clusterLoadAssignment));
  await waitUntil(() => ads.status().clients[0]?.types.length === 4, { describe: 'all four types sent', observe: () => ads.status() });
  source.set(NODE, serviceAResources({ serviceB: 0, serviceBv2: 100 }, ports));
  await c.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration && r.version_info === '2');
  await waitUntil(() => ads.status().counters.nacks === 1, { describe: 'the NACK counted', observe: () => ads.status() });
  const rds = ads.status().clients[0].types.find((t) => t.type === 'RDS')!;
  expect(rds).toMatchObject({ state: 'NACKED', sentVersion: '2', ackedVersion: '1', nacks: 1, lastNack: { version: '2', message: 'weights look wrong' } });
  expect(logs).toContainEqual(expect.stringMatching(/NACK from mesh\/apps\/virtualNode\/serviceA for RDS version 2: weights look wrong/));

  // Unrelated rebuilds (a refresh, a change elsewhere) do not re-send the rejected content. The
  // server counts each response as it writes it, and refresh() resolves once its pushes are written.
  const count = c.responses.length;
  const sent = ads.status().counters.responses;
  await ads.refresh();
  source.set('mesh/apps/virtualNode/other', serviceAResources({ serviceB: 1, serviceBv2: 1 }, ports));
  await ads.refresh();
  expect(ads.status().counters.responses).toBe(sent);

  // A new config is sent (version 3) and ACKed; the NACK state clears, the count stays.
  rejectRds = false;
  source.set(NODE, serviceAResources({ serviceB: 10, serviceBv2: 90 }, ports));
  const v3 = await c.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration && r.version_info === '3');
  // On the wire too: the stream is ordered, and the first response after the rebuilds is version 3.
  expect(c.responses.slice(count, c.responses.indexOf(v3) + 1).map((r) => [r.type_url, r.version_info])).toEqual([[TYPE_URLS.routeConfiguration, '3']]);
  await waitUntil(() => ads.status().clients[0].types.find((t) => t.type === 'RDS')?.state === 'SYNCED', { describe: 'RDS SYNCED again', observe: () => ads.status() });
  expect(ads.status().clients[0].types.find((t) => t.type === 'RDS')).toMatchObject({ ackedVersion: '3', nacks: 1 });
  expect(ads.status().clients[0].types.find((t) => t.type === 'RDS')!.lastNack).toBeUndefined();
});

test('a request with a stale nonce is ignored', async () => {
  const c = client({ id: NODE }, { envoyLike: false });
  c.subscribe(TYPE_URLS.cluster);
  const first = await c.waitFor(ofType(TYPE_URLS.cluster));
  source.set(NODE, serviceAResources({ serviceB: 75, serviceBv2: 25 }, { serviceB: 1, serviceBv2: 2 }));
  source.set(NODE, { ...serviceAResources({ serviceB: 75, serviceBv2: 25 }, ports), clusters: [] });
  const second = await c.waitFor((r) => r.type_url === TYPE_URLS.cluster && r.nonce !== first.nonce);
  // NACK the first (superseded) response: stale, so neither counted nor answered.
  c.nack(first, 'too late');
  c.ack(second);
  await waitUntil(() => ads.status().clients[0]?.types[0]?.state === 'SYNCED', { describe: 'CDS SYNCED', observe: () => ads.status() });
  expect(ads.status().counters.nacks).toBe(0);
  expect(ads.status().clients[0].types[0]).toMatchObject({ type: 'CDS', ackedVersion: second.version_info, nacks: 0 });
});

test('named subscriptions get exactly the resources they name', async () => {
  const c = client({ id: NODE }, { envoyLike: false });
  c.subscribe(TYPE_URLS.clusterLoadAssignment, ['cds_egress_apps_serviceBv2_http2_80', 'does-not-exist']);
  const r = await c.waitFor(ofType(TYPE_URLS.clusterLoadAssignment));
  expect(AdsClient.decode(r).map((x) => x.cluster_name)).toEqual(['cds_egress_apps_serviceBv2_http2_80']);
  expect(AdsClient.decode(r)[0].endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value).toBe(ports.serviceBv2);
});

test('a type this server does not serve is answered with no resources, so the client does not wait', async () => {
  const runtime = 'type.googleapis.com/envoy.service.runtime.v3.Runtime';
  const c = client({ id: NODE }, { envoyLike: false });
  c.subscribe(runtime, ['rtds_layer']);
  const r = await c.waitFor(ofType(runtime));
  expect(r.resources).toEqual([]);
  expect(logs).toContainEqual(expect.stringContaining(`asked for ${runtime}, which this server does not serve`));
});

test('gRPC proxyless clients get api_listeners by virtual service name', async () => {
  const c = client({ id: `arn:aws:appmesh:us-west-2:111122223333:${NODE}`, user_agent_name: 'gRPC Node Pure JS' }, { envoyLike: false });
  c.subscribe(TYPE_URLS.listener, ['serviceb.apps.local']);
  const lds = await c.waitFor(ofType(TYPE_URLS.listener));
  const [listener] = AdsClient.decode(lds);
  expect(listener.name).toBe('serviceb.apps.local');
  expect(listener.api_listener.api_listener.type_url).toMatch(/HttpConnectionManager$/);
  await waitUntil(() => ads.status().clients[0]?.flavor === 'grpc', { describe: 'the gRPC client connected', observe: () => ads.status() });
  expect(ads.status().clients[0].nodeId).toBe(NODE);
});

test('a node that does not exist gets empty LDS/CDS, and its config once it appears', async () => {
  const c = client({ id: 'mesh/apps/virtualNode/later' }).start();
  const lds = await c.waitFor(ofType(TYPE_URLS.listener));
  expect(lds.resources).toEqual([]);
  source.set('mesh/apps/virtualNode/later', serviceAResources({ serviceB: 75, serviceBv2: 25 }, ports));
  const next = await c.waitFor((r) => r.type_url === TYPE_URLS.listener && r.resources.length > 0);
  expect(next.version_info).toBe('2');
});

test('an id that names no virtual node or gateway is refused with INVALID_ARGUMENT', async () => {
  const c = client({ id: 'sidecar~10.0.0.1~pod.ns~ns.svc.cluster.local' }).start();
  await waitUntil(() => c.error !== undefined, { describe: 'the stream to fail' });
  expect(c.error!.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect(c.error!.details).toContain('mesh/<mesh>/virtualNode/<name>');
  expect(ads.status().clients).toEqual([]);
});

test('CSDS and `awsmesh envoy status` show versions and NACKs per proxy', async () => {
  const c = client({ id: NODE }, { reject: (r: { type_url: string }) => (r.type_url === TYPE_URLS.cluster ? 'no thanks' : undefined) }).start();
  await c.waitFor(ofType(TYPE_URLS.listener));
  await waitUntil(() => ads.status().counters.nacks === 1 && ads.status().clients[0]?.types.filter((t) => t.state === 'SYNCED').length === 2, { describe: 'one NACK and two types SYNCED', observe: () => ads.status() });
  const [proxy] = await fetchXdsStatus(ads.address);
  expect(proxy.nodeId).toBe(NODE);
  expect(proxy.types.LDS).toMatchObject({ state: 'SYNCED', ackedVersion: '1', nacks: 0 });
  expect(proxy.types.CDS).toMatchObject({ state: 'NACKED', nacks: 1, lastNack: expect.objectContaining({ message: 'no thanks' }) });
  expect(formatStatusTable([proxy])).toContain('rejected CDS v1');

  const table = await runCli(['envoy', 'status', '--xds-address', ads.address]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^NODE\s+CLIENT\s+LDS\s+RDS\s+CDS\s+EDS\s+SDS\s+NACKS\s+PEER/);
  expect(table.stdout).toMatch(/mesh\/apps\/virtualNode\/serviceA\s+envoy\s+SYNCED v1\s+SYNCED v1\s+NACKED v1 \(ACKed v-\)\s+-\s+-\s+1\s/);
  const json = await runCli(['envoy', 'status', '--xds-address', ads.address, '--format', 'json']);
  expect(JSON.parse(json.stdout).proxies[0].types.CDS.nacks).toBe(1);
});

test('`awsmesh envoy status` against no server fails with exit 255', async () => {
  const r = await runCli(['envoy', 'status', '--xds-address', '127.0.0.1:1']);
  expect(r.code).toBe(255);
  expect(r.stderr).toContain('Could not get the status of the xDS server at 127.0.0.1:1');
});
