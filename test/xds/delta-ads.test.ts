// Incremental xDS (DeltaAggregatedResources), as Envoy speaks it with api_type DELTA_GRPC: wildcard
// and named subscriptions, only changed resources pushed (with per-resource versions), removals,
// a reconnecting client's initial_resource_versions, unsubscribe, NACK, and unknown types.
// A push that should send nothing is checked with a barrier: the stream is ordered, so after the
// server has pushed, the answer to a later request is the next thing the client receives.

import { startAdsServer, TYPE_URLS, type AdsServerHandle } from '../../src/xds';
import { waitUntil } from '../helpers/wait';
import { DeltaClient } from './helpers/delta-client';
import { serviceAResources, StaticSource } from './helpers/static-source';

const NODE = 'mesh/apps/virtualNode/serviceA';
const B = 'cds_egress_apps_serviceB_http2_80';
const BV2 = 'cds_egress_apps_serviceBv2_http2_80';
const ports = { serviceB: 50001, serviceBv2: 50002 };

let source: StaticSource;
let ads: AdsServerHandle;
const logs: string[] = [];
const clients: DeltaClient[] = [];

function client(id = NODE): DeltaClient {
  const c = new DeltaClient(ads.address, { id, user_agent_name: 'envoy' });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  source = new StaticSource({ [NODE]: serviceAResources({ serviceB: 75, serviceBv2: 25 }, ports) });
  logs.length = 0;
  ads = await startAdsServer({ source, log: (l) => logs.push(l) });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await ads.close();
});

const portOf = (cla: any) => cla.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value;

test('wildcard and named subscriptions; a change pushes only the resources that changed, a deletion their names', async () => {
  const c = client();
  c.send({ type_url: TYPE_URLS.cluster }); // an empty first request: every cluster (wildcard)
  const cds = await c.nth(0);
  expect(cds.type_url).toBe(TYPE_URLS.cluster);
  expect(Object.keys(DeltaClient.decode(cds)).sort()).toEqual([B, BV2]);
  expect(cds.removed_resources).toEqual([]);
  for (const r of cds.resources) expect(r.version).toMatch(/^\S{8,}$/);
  c.ack(cds);

  // Named: what exists is sent, what does not is reported removed (once), so Envoy need not wait.
  c.send({ type_url: TYPE_URLS.clusterLoadAssignment, resource_names_subscribe: [B, BV2, 'nope'] });
  const eds = await c.nth(1);
  expect(Object.keys(DeltaClient.decode(eds)).sort()).toEqual([B, BV2]);
  expect(eds.removed_resources).toEqual(['nope']);
  c.ack(eds);
  await waitUntil(() => ads.status().clients[0]?.types.every((t) => t.state === 'SYNCED') && ads.status().clients[0].types.length === 2, { describe: 'CDS and EDS SYNCED', observe: () => ads.status() });
  expect(ads.status().clients[0].protocol).toBe('delta');

  // serviceBv2 moves: only its load assignment is sent — not serviceB's, no clusters.
  let pushed = ads.nextPush();
  source.set(NODE, serviceAResources({ serviceB: 75, serviceBv2: 25 }, { ...ports, serviceBv2: 50003 }));
  await pushed;
  const moved = await c.nth(2);
  expect(moved.type_url).toBe(TYPE_URLS.clusterLoadAssignment);
  expect(Object.keys(DeltaClient.decode(moved))).toEqual([BV2]);
  expect(portOf(DeltaClient.decode(moved)[BV2])).toBe(50003);
  expect(moved.removed_resources).toEqual([]); // 'nope' was reported already
  c.ack(moved);
  c.send({ type_url: TYPE_URLS.listener }); // barrier
  expect((await c.nth(3)).type_url).toBe(TYPE_URLS.listener);
  c.ack(c.responses[3]);

  // serviceBv2's cluster goes away: CDS and EDS say so by name and send nothing else.
  pushed = ads.nextPush();
  const fewer = serviceAResources({ serviceB: 100, serviceBv2: 0 }, ports);
  source.set(NODE, { ...fewer, clusters: fewer.clusters!.slice(0, 1), endpoints: fewer.endpoints!.slice(0, 1) });
  await pushed;
  const after = [await c.nth(4), await c.nth(5)];
  const byType = Object.fromEntries(after.map((r) => [r.type_url, r]));
  expect(Object.keys(byType).sort()).toEqual([TYPE_URLS.cluster, TYPE_URLS.clusterLoadAssignment].sort());
  expect(byType[TYPE_URLS.cluster]).toMatchObject({ resources: [], removed_resources: [BV2] });
  expect(byType[TYPE_URLS.clusterLoadAssignment]).toMatchObject({ removed_resources: [BV2] });
  expect(Object.keys(DeltaClient.decode(byType[TYPE_URLS.clusterLoadAssignment]))).toEqual([]);
  // Route weights changed too, but this client never subscribed to RDS: nothing more arrives.
  c.send({ type_url: TYPE_URLS.secret, resource_names_subscribe: ['barrier'] });
  expect((await c.nth(6)).type_url).toBe(TYPE_URLS.secret);
});

test('a reconnecting client with initial_resource_versions gets only what differs, and removals of what is gone', async () => {
  const first = client();
  first.send({ type_url: TYPE_URLS.cluster });
  const cds = await first.nth(0);
  const version = Object.fromEntries(cds.resources.map((r) => [r.name, r.version]));
  first.close();

  const again = client();
  again.send({ type_url: TYPE_URLS.cluster, resource_names_subscribe: ['*'], initial_resource_versions: { [B]: version[B], [BV2]: 'stale', gone: 'x' } });
  const r = await again.nth(0);
  expect(r.resources.map((x) => [x.name, x.version])).toEqual([[BV2, version[BV2]]]);
  expect(r.removed_resources).toEqual(['gone']);
});

test('unsubscribed resources are no longer pushed; a NACK is counted and the rejected content not re-sent', async () => {
  const c = client();
  c.send({ type_url: TYPE_URLS.clusterLoadAssignment, resource_names_subscribe: [B, BV2] });
  c.ack(await c.nth(0));
  // Unsubscribing needs no answer (the client dropped the resource itself).
  c.send({ type_url: TYPE_URLS.clusterLoadAssignment, resource_names_unsubscribe: [BV2] });
  await waitUntil(() => JSON.stringify(ads.status().clients[0]?.types[0]?.subscribed) === JSON.stringify([B]), { describe: 'EDS subscription narrowed', observe: () => ads.status() });

  // Only serviceBv2 (unsubscribed) changes: nothing is sent.
  let pushed = ads.nextPush();
  source.set(NODE, serviceAResources({ serviceB: 75, serviceBv2: 25 }, { ...ports, serviceBv2: 50009 }));
  await pushed;
  c.send({ type_url: TYPE_URLS.listener }); // barrier
  expect((await c.nth(1)).type_url).toBe(TYPE_URLS.listener);
  c.ack(c.responses[1]);

  // serviceB changes: pushed, and rejected.
  pushed = ads.nextPush();
  source.set(NODE, serviceAResources({ serviceB: 75, serviceBv2: 25 }, { serviceB: 50008, serviceBv2: 50009 }));
  await pushed;
  const update = await c.nth(2);
  expect(Object.keys(DeltaClient.decode(update))).toEqual([B]);
  c.send({ type_url: TYPE_URLS.clusterLoadAssignment, response_nonce: update.nonce, error_detail: { code: 3, message: 'port looks wrong' } });
  await waitUntil(() => ads.status().counters.nacks === 1, { describe: 'the NACK counted', observe: () => ads.status() });
  expect(ads.status().clients[0].types.find((t) => t.type === 'EDS')).toMatchObject({ state: 'NACKED', nacks: 1 });
  expect(logs).toContainEqual(expect.stringContaining('NACK from mesh/apps/virtualNode/serviceA for EDS'));
  // An unrelated rebuild does not send the rejected update again.
  const sent = ads.status().counters.responses;
  await ads.refresh();
  expect(ads.status().counters.responses).toBe(sent);
});

test('a type this server does not serve is answered: the names asked for do not exist', async () => {
  const runtime = 'type.googleapis.com/envoy.service.runtime.v3.Runtime';
  const c = client();
  c.send({ type_url: runtime, resource_names_subscribe: ['rtds_layer'] });
  expect(await c.nth(0)).toMatchObject({ type_url: runtime, resources: [], removed_resources: ['rtds_layer'] });
  expect(logs).toContainEqual(expect.stringContaining(`asked for ${runtime}, which this server does not serve`));
});
