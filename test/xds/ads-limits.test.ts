// Misbehaving xDS clients against one ADS server, with a well-behaved proxy beside them that must
// keep being served: malformed requests (bytes that are no DiscoveryRequest, oversized messages,
// unknown type URLs, huge resource name lists, garbage nonces, no node), a stream flooding
// requests (rate limit), too many streams (stream limit); and debouncing of bursts of changes.

import * as grpc from '@grpc/grpc-js';
import { startAdsServer, TYPE_URLS, type AdsServerHandle, type XdsRefusal } from '../../src/xds';
import { AdsClient } from '../../src/xds/ads-client';
import { ADS_METHOD } from '../../src/xds/protocol';
import { waitUntil } from '../helpers/wait';
import { DeltaClient } from './helpers/delta-client';
import { serviceAResources, StaticSource } from './helpers/static-source';

const NODE = 'mesh/apps/virtualNode/serviceA';
const ports = { serviceB: 50001, serviceBv2: 50002 };

let source: StaticSource;
let ads: AdsServerHandle;
let refusals: XdsRefusal[];
const closers: Array<() => void> = [];

async function start(o: Parameters<typeof startAdsServer>[0] extends infer T ? Partial<T> : never = {}): Promise<void> {
  source = new StaticSource({ [NODE]: serviceAResources({ serviceB: 75, serviceBv2: 25 }, ports) });
  refusals = [];
  ads = await startAdsServer({ source, onRefused: (r) => refusals.push(r), ...o });
}

function envoy(node: Record<string, unknown> = { id: NODE }, opts = {}): AdsClient {
  const c = new AdsClient(ads.address, node, opts);
  closers.push(() => c.close());
  return c;
}

/** The healthy proxy: fully synced now, and (checked by `stillServed`) pushed to later. */
async function healthyProxy(): Promise<AdsClient> {
  const c = envoy().start();
  await c.waitFor((r) => r.type_url === TYPE_URLS.clusterLoadAssignment);
  return c;
}

let weight = 10;
async function stillServed(c: AdsClient): Promise<void> {
  weight++;
  const since = c.responses.length;
  source.set(NODE, serviceAResources({ serviceB: weight, serviceBv2: 100 - weight }, ports));
  const rds = await c.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration, 10_000, since);
  expect(AdsClient.decode(rds)[0].virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].weight.value).toBe(weight);
  expect(c.error).toBeUndefined();
}

/** A raw ADS stream: writes whatever bytes it is given as request messages. */
function rawStream(): { call: grpc.ClientDuplexStream<Buffer, Buffer>; error: Promise<grpc.ServiceError> } {
  const client = new grpc.Client(ads.address, grpc.credentials.createInsecure());
  const call = client.makeBidiStreamRequest<Buffer, Buffer>(ADS_METHOD, (b) => b, (b) => b);
  closers.push(() => {
    call.cancel();
    client.close();
  });
  const error = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
  call.on('data', () => undefined);
  return { call, error };
}

afterEach(async () => {
  for (const c of closers.splice(0)) c();
  await ads.close();
});

describe('malformed requests are answered or closed; the server and other streams carry on', () => {
  beforeEach(() => start({ limits: { maxResourceNames: 1000 } }));

  test('bytes that are no DiscoveryRequest, and a message over the 1 MiB cap', async () => {
    const c = await healthyProxy();
    const garbage = rawStream();
    garbage.call.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99]));
    expect((await garbage.error).code).toBe(grpc.status.INTERNAL);
    const huge = rawStream();
    huge.call.write(Buffer.alloc(2 * 1024 * 1024, 0x41));
    expect((await huge.error).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await stillServed(c);
  });

  test('a first request without a node, unknown type URLs, and garbage nonces', async () => {
    const c = await healthyProxy();
    const anonymous = envoy({});
    anonymous.subscribe(TYPE_URLS.listener);
    await waitUntil(() => anonymous.error !== undefined, { describe: 'the node-less stream refused' });
    expect(anonymous.error!.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(anonymous.responses).toEqual([]);

    const odd = envoy({ id: NODE }, { envoyLike: false });
    odd.subscribe('not a type url \u0000\u00ff'.repeat(50));
    expect((await odd.waitFor(() => true)).resources).toEqual([]);
    // Nonces that were never sent, with and without an error: ignored as stale, neither ACK nor NACK.
    odd.send({ type_url: TYPE_URLS.listener, response_nonce: '\u0000garbage', version_info: 'x'.repeat(1000) });
    odd.send({ type_url: TYPE_URLS.listener, response_nonce: '-1', error_detail: { code: 3, message: 'x' } });
    odd.subscribe(TYPE_URLS.cluster);
    await odd.waitFor((r) => r.type_url === TYPE_URLS.cluster); // the stream still works
    expect(ads.status().counters.nacks).toBe(0);
    const oddStatus = ads.status().clients.find((s) => s.types.some((t) => t.type === 'CDS' && t.subscribed === '*') && !s.types.some((t) => t.type === 'EDS'))!;
    expect(oddStatus.types.find((t) => t.type === 'LDS')).toMatchObject({ state: 'NOT_SENT', nacks: 0 });
    expect(oddStatus.types.find((t) => t.type === 'LDS')!.ackedVersion).toBeUndefined();

    const delta = new DeltaClient(ads.address, { id: NODE });
    closers.push(() => delta.close());
    delta.send({ type_url: TYPE_URLS.cluster, response_nonce: 'never-sent' });
    expect((await delta.nth(0)).type_url).toBe(TYPE_URLS.cluster);
    await stillServed(c);
  });

  test('a resource name list over the limit closes that stream with INVALID_ARGUMENT', async () => {
    const c = await healthyProxy();
    const greedy = envoy({ id: NODE }, { envoyLike: false });
    greedy.subscribe(TYPE_URLS.clusterLoadAssignment, Array.from({ length: 5000 }, (_, i) => `cluster-${i}`));
    await waitUntil(() => greedy.error !== undefined, { describe: 'the greedy stream closed' });
    expect(greedy.error!.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(greedy.error!.details).toBe('a request may name at most 1000 resources');
    expect(greedy.responses).toEqual([]);

    const delta = new DeltaClient(ads.address, { id: NODE });
    closers.push(() => delta.close());
    delta.send({ type_url: TYPE_URLS.cluster, initial_resource_versions: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`c${i}`, 'v'])) });
    await expect(delta.nth(0, 10_000)).rejects.toThrow(/at most 1000 resources/);
    expect(refusals.map((r) => r.reason)).toEqual(['too_many_names', 'too_many_names']);
    await stillServed(c);
  });
});

test('a stream sending more requests than its rate is closed with RESOURCE_EXHAUSTED; others carry on', async () => {
  await start({ limits: { requestsPerSecond: 5, burst: 10 } });
  const c = await healthyProxy(); // its handful of requests stay inside the burst
  const flood = envoy({ id: NODE }, { envoyLike: false });
  for (let i = 0; i < 50; i++) flood.subscribe(TYPE_URLS.listener, [`l${i}`]);
  await waitUntil(() => flood.error !== undefined, { describe: 'the flooding stream closed' });
  expect(flood.error!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(flood.error!.details).toBe('more than 5 requests per second on one stream');
  expect(refusals).toEqual([expect.objectContaining({ reason: 'rate_limited', nodeId: NODE })]);
  await stillServed(c);
});

test('streams beyond the limit are refused with RESOURCE_EXHAUSTED; a closed one frees its place', async () => {
  await start({ limits: { maxStreams: 2 } });
  const a = await healthyProxy();
  const b = envoy().start();
  await b.waitFor((r) => r.type_url === TYPE_URLS.listener);
  const third = envoy().start();
  await waitUntil(() => third.error !== undefined, { describe: 'the third stream refused' });
  expect(third.error!.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  expect(third.responses).toEqual([]);
  expect(refusals.map((r) => r.reason)).toEqual(['stream_limit']);
  b.close();
  await waitUntil(() => ads.status().clients.length === 1, { describe: 'b gone', observe: () => ads.status() });
  const fourth = envoy().start();
  await fourth.waitFor((r) => r.type_url === TYPE_URLS.listener);
  await stillServed(a);
});

test('debouncing: a burst of changes becomes one push with the last content', async () => {
  // A quiet period far longer than the burst takes to write, so the burst cannot split.
  await start({ debounce: { quietMs: 300, maxDelayMs: 60_000 } });
  const c = await healthyProxy();
  await waitUntil(() => ads.status().clients[0]?.types.every((t) => t.state === 'SYNCED'), { describe: 'SYNCED', observe: () => ads.status() });
  const rebuilds = ads.status().counters.rebuilds;
  const since = c.responses.length;
  const pushed = ads.nextPush();
  for (let w = 1; w <= 20; w++) source.set(NODE, serviceAResources({ serviceB: w, serviceBv2: 100 - w }, ports));
  await pushed;
  expect(ads.status().counters.rebuilds).toBe(rebuilds + 1);
  const rds = await c.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration, 10_000, since);
  expect(AdsClient.decode(rds)[0].virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].weight.value).toBe(20);
  expect(c.responses.slice(since).filter((r) => r.type_url === TYPE_URLS.routeConfiguration)).toHaveLength(1);
});

test('debouncing: changes that never pause are still pushed by the maximum delay', async () => {
  await start({ debounce: { quietMs: 60_000, maxDelayMs: 200 } });
  const c = await healthyProxy();
  const since = c.responses.length;
  let w = 0;
  // Changes keep coming (every 20 ms, far inside the quiet period) until the push arrives.
  const timer = setInterval(() => source.set(NODE, serviceAResources({ serviceB: ++w % 100, serviceBv2: 100 - (w % 100) }, ports)), 20);
  try {
    await c.waitFor((r) => r.type_url === TYPE_URLS.routeConfiguration, 20_000, since);
  } finally {
    clearInterval(timer);
  }
});
