// gRPC through the sidecars with real grpc-js clients and servers: routes by service, method and
// metadata over HTTP/2 (h2c on the egress listener, by :authority), the default retry policy's
// `unavailable`, and trailers (grpc-status) carried end to end.

import * as grpc from '@grpc/grpc-js';
import { SnapshotBuilder } from '../envoy-translate/snapshot-builder';
import { startProxy, type LocalProxy } from './helpers';

const identity = { serialize: (b: Buffer) => b, deserialize: (b: Buffer) => b };
const method = (name: string) => ({
  path: `/demo.Echo/${name}`, requestStream: false, responseStream: false,
  requestSerialize: identity.serialize, requestDeserialize: identity.deserialize,
  responseSerialize: identity.serialize, responseDeserialize: identity.deserialize,
});
const SERVICE = { Say: method('Say'), Ping: method('Ping') };

const servers: grpc.Server[] = [];
const proxies: LocalProxy[] = [];
let client: grpc.Client;
/** Attempts seen per call (by its `call-id` metadata, which a retry carries again). */
const attempts = new Map<string, number>();

/**
 * A gRPC echo server; `failFirst` = n answers UNAVAILABLE to the first n attempts of every call.
 * Per call, not a shared counter: with calls in parallel, which attempt hit a failing slot would
 * depend on their order, and so would how many calls run out of retries.
 */
async function startGrpc(name: string, failFirst = 0): Promise<number> {
  const server = new grpc.Server();
  const handler = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => {
    const id = String(call.metadata.get('call-id')[0] ?? '');
    const n = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, n);
    if (failFirst && n <= failFirst) {
      cb({ code: grpc.status.UNAVAILABLE, details: 'try again' });
      return;
    }
    cb(null, Buffer.from(`${name}:${call.getPath()}`));
  };
  server.addService(SERVICE as unknown as grpc.ServiceDefinition, { Say: handler, Ping: handler });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p)));
  });
  servers.push(server);
  return port;
}

function call(path: 'Say' | 'Ping', md: Record<string, string> = {}): Promise<{ code: number; text?: string }> {
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(md)) metadata.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/demo.Echo/${path}`, identity.serialize, identity.deserialize, Buffer.from('hi'), metadata, (err, res) => {
      resolve(err ? { code: err.code! } : { code: 0, text: res!.toString() });
    });
  });
}

beforeAll(async () => {
  const listener = { portMapping: { port: 50051, protocol: 'grpc' as const } };
  const snap = new SnapshotBuilder()
    .node('client', { backends: [{ virtualService: { virtualServiceName: 'echo.local' } }, { virtualService: { virtualServiceName: 'flaky.local' } }] })
    .node('v1', { listeners: [listener] })
    .node('v2', { listeners: [listener] })
    .node('flaky', { listeners: [listener] })
    .router('r', [[50051, 'grpc']])
    .route('r', 'say', { grpcRoute: { match: { serviceName: 'demo.Echo', methodName: 'Say' }, action: { weightedTargets: [{ virtualNode: 'v2', weight: 1 }] } } })
    .route('r', 'gold', { priority: 0, grpcRoute: { match: { serviceName: 'demo.Echo', metadata: [{ name: 'tier', match: { exact: 'gold' } }] }, action: { weightedTargets: [{ virtualNode: 'v2', weight: 1 }] } } })
    .route('r', 'service', { grpcRoute: { match: { serviceName: 'demo.Echo' }, action: { weightedTargets: [{ virtualNode: 'v1', weight: 1 }] } } })
    .service('echo.local', { router: 'r' })
    .service('flaky.local', { node: 'flaky' })
    .build();
  const endpoints: Record<string, Array<{ host: string; port: number; source: 'proxy' }>> = {};
  for (const [name, failFirst] of [['v1', 0], ['v2', 0], ['flaky', 2]] as const) {
    const appPort = await startGrpc(name, failFirst);
    const p = await startProxy(snap, name, { appPorts: { 50051: appPort } });
    proxies.push(p);
    endpoints[name] = [{ host: '127.0.0.1', port: p.ingressPort!, source: 'proxy' }];
  }
  const c = await startProxy(snap, 'client', { endpoints });
  proxies.push(c);
  client = new grpc.Client(`127.0.0.1:${c.egressPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'echo.local' });
});

afterAll(async () => {
  client.close();
  await Promise.all(proxies.map((p) => p.proxy.close()));
  for (const s of servers) s.forceShutdown();
});

test('routes by service and method', async () => {
  expect(await call('Say')).toEqual({ code: 0, text: 'v2:/demo.Echo/Say' });
  expect(await call('Ping')).toEqual({ code: 0, text: 'v1:/demo.Echo/Ping' });
});

test('routes by metadata (priority 0 wins)', async () => {
  expect(await call('Ping', { tier: 'gold' })).toEqual({ code: 0, text: 'v2:/demo.Echo/Ping' });
  expect(await call('Ping', { tier: 'silver' })).toEqual({ code: 0, text: 'v1:/demo.Echo/Ping' });
});

test('the default retry policy retries UNAVAILABLE (2 retries hide 2 failures in 3)', async () => {
  const flaky = new grpc.Client(`127.0.0.1:${proxies[3].egressPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'flaky.local' });
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => new Promise<number>((resolve) => {
    const md = new grpc.Metadata();
    md.set('call-id', `flaky-${i}`);
    flaky.makeUnaryRequest('/demo.Echo/Ping', identity.serialize, identity.deserialize, Buffer.from('x'), md, (err) => resolve(err ? err.code! : 0));
  })));
  flaky.close();
  // The server fails the first two attempts of every call; each call gets up to 3 tries.
  expect(results).toEqual(new Array(30).fill(0));
  expect([...attempts].filter(([id]) => id.startsWith('flaky-')).map(([, n]) => n)).toEqual(new Array(30).fill(3));
  const stats = proxies[3].proxy.clusterRuntimes().find((c) => c.name === 'cds_egress_apps_flaky_grpc_50051')!.stats;
  expect(stats.upstream_rq_retry).toBe(60);
  expect(stats.upstream_rq_retry_success).toBe(30);
});

test('no route for an unknown host → gRPC UNIMPLEMENTED from the proxy (Envoy maps 404)', async () => {
  const other = new grpc.Client(`127.0.0.1:${proxies[3].egressPort}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': 'nowhere.local' });
  const code = await new Promise<number>((resolve) => {
    other.makeUnaryRequest('/demo.Echo/Ping', identity.serialize, identity.deserialize, Buffer.from('x'), new grpc.Metadata(), (err) => resolve(err ? err.code! : 0));
  });
  other.close();
  expect(code).toBe(grpc.status.UNIMPLEMENTED);
});
