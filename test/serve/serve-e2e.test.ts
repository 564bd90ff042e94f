// `awsmesh serve` end to end, as a child process on real loopback sockets: a gRPC client that
// connects the way App Mesh's Envoy image does (TLS trusting the server's CA, SigV4 call
// credentials like Envoy's aws_iam plugin, the agent's node id, metadata and keepalive) is served
// LDS/RDS/CDS/EDS/SDS and ACKs; everything that should be refused is refused with nothing of the
// mesh sent and the metric counted; API calls are authorized against awsmesh IAM.

import * as grpc from '@grpc/grpc-js';
import * as http2 from 'http2';
import * as tls from 'tls';
import { AppMeshClient, CreateMeshCommand, DescribeRouteCommand, DescribeVirtualNodeCommand, ListMeshesCommand, UpdateVirtualNodeCommand } from '@aws-sdk/client-app-mesh';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as https from 'https';
import { AGENT_CHANNEL_ARGS, appmeshImageBootstrap } from '../../src/envoy/appmesh-image';
import { AdsClient, type AdsClientOptions } from '../../src/xds/ads-client';
import { awsIamCallCredentials } from '../../src/xds/aws-iam-credentials';
import { TYPE_URLS } from '../../src/xds/resource-types';
import { ACCOUNT, createTlsMesh, REGION, type TlsMesh } from '../xds/helpers/tls-mesh';
import { admin, caRoot, sample, startProductionServe, stopAll, type ServeChild } from './helpers';

type Json = Record<string, any>;
const NODE = 'mesh/apps/virtualNode/front';
let mesh: TlsMesh;
let serve: ServeChild;
const keys: Record<string, { AccessKeyId: string; SecretAccessKey: string }> = {};
const clients: AdsClient[] = [];

const iam = (op: string, input: Json) => mesh.backend.invoke('iam', op, input, { region: REGION });
const policy = (Action: string, Resource: string | string[]) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource }] });

async function user(name: string, policies: Array<[string, string]>, managed: string[] = []): Promise<void> {
  await iam('CreateUser', { UserName: name });
  for (const [n, d] of policies) await iam('PutUserPolicy', { UserName: name, PolicyName: n, PolicyDocument: d });
  for (const arn of managed) await iam('AttachUserPolicy', { UserName: name, PolicyArn: arn });
  keys[name] = (await iam('CreateAccessKey', { UserName: name })).AccessKey as { AccessKeyId: string; SecretAccessKey: string };
}

/** What the App Mesh Envoy image sends as its node: id, cluster and the agent's metadata. */
function imageNode(id = NODE): Json {
  const boot = appmeshImageBootstrap({ env: { AWS_REGION: REGION, APPMESH_RESOURCE_ARN: id, APPMESH_XDS_ENDPOINT: 'localhost:443', AWS_EXECUTION_ENV: 'AWS_ECS_EC2' }, readFile: () => '', parseYaml: JSON.parse });
  return { ...(boot.node as Json), user_agent_name: 'envoy', user_agent_version: '1.27.0' };
}

/** An ADS client connecting like the image: TLS with the server's CA, aws_iam call credentials, the agent's channel args. */
function imageClient(o: { user?: string; secret?: string; signAt?: () => number; service?: string; node?: Json; noCall?: boolean; reject?: AdsClientOptions['reject'] } = {}): AdsClient {
  const authority = `localhost:${serve.xdsPort}`;
  const ssl = grpc.credentials.createSsl(caRoot(mesh.home));
  const key = keys[o.user ?? 'envoy-front'];
  const creds = o.noCall ? ssl : grpc.credentials.combineChannelCredentials(ssl, awsIamCallCredentials({
    accessKeyId: key.AccessKeyId, secretAccessKey: o.secret ?? key.SecretAccessKey, region: REGION, service: o.service, authority, now: o.signAt,
  }));
  const c = new AdsClient(authority, o.node ?? imageNode(), { credentials: creds, reject: o.reject, channelOptions: { ...AGENT_CHANNEL_ARGS, 'grpc.initial_reconnect_backoff_ms': 100 } });
  clients.push(c);
  return c.start();
}

async function metrics(): Promise<string> {
  return (await admin(serve.adminPort, '/metrics')).body;
}

async function refusedWith(c: AdsClient, code: grpc.status): Promise<grpc.ServiceError> {
  const deadline = Date.now() + 15_000;
  while (!c.error) {
    if (Date.now() > deadline) throw new Error('the stream was not refused');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(c.error.code).toBe(code);
  expect(c.responses).toEqual([]);
  return c.error;
}

function sdk(user: string): AppMeshClient {
  const agent = new https.Agent({ ca: caRoot(mesh.home) });
  return new AppMeshClient({
    endpoint: serve.apiUrl.replace('127.0.0.1', 'localhost'), region: REGION, maxAttempts: 1,
    credentials: { accessKeyId: keys[user].AccessKeyId, secretAccessKey: keys[user].SecretAccessKey },
    requestHandler: new NodeHttpHandler({ httpsAgent: agent }),
  });
}

beforeAll(async () => {
  mesh = await createTlsMesh('awsmesh-serve-');
  // Cloud Map discovery for `back`, so the front proxy gets an EDS cluster too.
  const sd = (op: string, input: Json) => mesh.backend.invoke('servicediscovery', op, input, { region: REGION });
  await sd('CreateHttpNamespace', { Name: 'apps.local' });
  const ns = ((await sd('ListNamespaces', {})).Namespaces as Json[])[0];
  const svc = (await sd('CreateService', { Name: 'back', NamespaceId: ns.Id })).Service as Json;
  await sd('RegisterInstance', { ServiceId: svc.Id, InstanceId: 'back-1', Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: '9080' } });
  const back = (await mesh.call('DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'back' })).virtualNode.spec;
  await mesh.call('UpdateVirtualNode', { meshName: 'apps', virtualNodeName: 'back', spec: { ...back, serviceDiscovery: { awsCloudMap: { namespaceName: 'apps.local', serviceName: 'back' } } } });

  const frontArn = `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps/virtualNode/front`;
  await user('envoy-front', [['xds', policy('appmesh:StreamAggregatedResources', frontArn)]]);
  await user('nobody', []);
  await user('operator', [], ['arn:aws:iam::aws:policy/AWSAppMeshFullAccess']);
  await user('reader', [], ['arn:aws:iam::aws:policy/AWSAppMeshReadOnly']);
  await mesh.backend.close();
  serve = await startProductionServe(mesh.home, ['--tls-hostname', 'localhost', '--debounce-ms', '20', '--debounce-max-ms', '200']);
  // The mesh's own backend again (the test reads state through it; the server holds its own).
  const { LocalBackend } = await import('../../src/backends/local/local-backend');
  const { openSqliteStore } = await import('../../src/backends/local/store/sqlite-store');
  mesh.backend = new LocalBackend(openSqliteStore(`${mesh.home}/state.db`), { home: mesh.home, account: ACCOUNT });
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await stopAll();
  await mesh?.close();
});

test('an Envoy signing like the App Mesh image is served LDS, RDS, CDS, EDS and SDS and ACKs them all', async () => {
  const c = imageClient();
  for (const url of [TYPE_URLS.listener, TYPE_URLS.cluster, TYPE_URLS.routeConfiguration, TYPE_URLS.clusterLoadAssignment, TYPE_URLS.secret]) {
    await c.waitFor((r) => r.type_url === url && r.resources.length > 0, 20_000);
  }
  await new Promise<void>((resolve) => {
    const check = () => ([TYPE_URLS.listener, TYPE_URLS.cluster, TYPE_URLS.secret].every((u) => c.acked.has(u)) ? resolve() : setTimeout(check, 10));
    check();
  });
  const text = await metrics();
  expect(sample(text, 'pilot_xds', { mesh: 'apps', kind: 'virtualNode', client: 'envoy' })).toBe(1);
  expect(sample(text, 'pilot_xds_pushes', { type: 'lds' })).toBeGreaterThanOrEqual(1);
  expect(serve.stderr()).toMatch(/xDS: mesh\/apps\/virtualNode\/front connected from .* signed by arn:aws:iam::111122223333:user\/envoy-front/);
});

test('a change by an authorized operator (through the API) is pushed and ACKed; convergence time is measured', async () => {
  const c = imageClient();
  await c.waitFor((r) => r.type_url === TYPE_URLS.cluster, 20_000);
  const before = sample(await metrics(), 'pilot_proxy_convergence_time_count');
  const op = sdk('operator');
  const sent = c.responses.length;
  // The front proxy's backend moves to port 9081: its cluster and endpoints change.
  const back = (await op.send(new DescribeVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'back' }))).virtualNode!.spec!;
  await op.send(new UpdateVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'back', spec: { ...back, listeners: [{ ...back.listeners![0], portMapping: { port: 9081, protocol: 'http' } }] } }));
  await c.waitFor((r) => r.type_url === TYPE_URLS.cluster, 20_000, sent);
  const deadline = Date.now() + 15_000;
  while (sample(await metrics(), 'pilot_proxy_convergence_time_count') <= before) {
    if (Date.now() > deadline) throw new Error('no convergence sample');
    await new Promise((r) => setTimeout(r, 20));
  }
  op.destroy();
});

test('the xDS port answers keepalive pings (HTTP/2 PING over TLS) as often as the agent sends them, and keeps the connection', async () => {
  // The image pings every 10 s even without streams (max_pings_without_data 0); here 20 back to back.
  const session = http2.connect(`https://localhost:${serve.xdsPort}`, { ca: caRoot(mesh.home) });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve, reject) => {
      if (!session.ping((err) => (err ? reject(err) : resolve()))) reject(new Error('ping not sent'));
    });
  }
  expect(session.closed || session.destroyed).toBe(false);
  session.close();
  // And a proxy with the agent's channel arguments is served as before.
  const c = imageClient();
  await c.waitFor((r) => r.type_url === TYPE_URLS.listener, 20_000);
});

test('a NACK is counted in pilot_total_xds_rejects by type', async () => {
  const before = sample(await metrics(), 'pilot_total_xds_rejects', { type: 'cds' });
  const c = imageClient({ reject: (r) => (r.type_url === TYPE_URLS.cluster ? 'clusters look wrong' : undefined) });
  await c.waitFor((r) => r.type_url === TYPE_URLS.cluster, 20_000);
  const deadline = Date.now() + 15_000;
  while (sample(await metrics(), 'pilot_total_xds_rejects', { type: 'cds' }) <= before) {
    if (Date.now() > deadline) throw new Error('the NACK was not counted');
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(serve.stderr()).toMatch(/NACK from mesh\/apps\/virtualNode\/front for CDS version \d+: clusters look wrong/);
});

describe('refused streams: nothing of the mesh is sent, the metric counts the reason', () => {
  test('wrong secret key', async () => {
    const err = await refusedWith(imageClient({ secret: 'x'.repeat(40) }), grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/signature we calculated does not match/);
    expect(sample(await metrics(), 'awsmesh_xds_rejected_connections_total', { reason: 'bad_signature' })).toBeGreaterThanOrEqual(1);
  });

  test('unsigned stream (TLS only)', async () => {
    const err = await refusedWith(imageClient({ noCall: true }), grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/Missing Authentication Token/);
    expect(sample(await metrics(), 'awsmesh_xds_rejected_connections_total', { reason: 'unsigned' })).toBeGreaterThanOrEqual(1);
  });

  test('expired signature (signed 20 minutes ago)', async () => {
    const err = await refusedWith(imageClient({ signAt: () => Date.now() - 20 * 60_000 }), grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/Signature expired/);
    expect(sample(await metrics(), 'awsmesh_xds_rejected_connections_total', { reason: 'expired' })).toBeGreaterThanOrEqual(1);
  });

  test('a key whose user lacks appmesh:StreamAggregatedResources on that node', async () => {
    const err = await refusedWith(imageClient({ user: 'nobody' }), grpc.status.PERMISSION_DENIED);
    expect(err.details).toBe(`User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: appmesh:StreamAggregatedResources on resource: arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps/virtualNode/front because no identity-based policy allows the appmesh:StreamAggregatedResources action`);
    // Allowed for front only: back is refused too.
    await refusedWith(imageClient({ node: imageNode('mesh/apps/virtualNode/back') }), grpc.status.PERMISSION_DENIED);
    expect(sample(await metrics(), 'awsmesh_xds_rejected_connections_total', { reason: 'permission_denied' })).toBeGreaterThanOrEqual(2);
    expect(serve.stderr()).toMatch(/xDS: refused a stream from .* for mesh\/apps\/virtualNode\/back \(permission_denied\)/);
  });

  test('signed for another service than appmesh', async () => {
    await refusedWith(imageClient({ service: 'execute-api' }), grpc.status.UNAUTHENTICATED);
    expect(sample(await metrics(), 'awsmesh_xds_rejected_connections_total', { reason: 'wrong_service' })).toBeGreaterThanOrEqual(1);
  });

  test('plaintext HTTP/2 to the TLS port', async () => {
    const before = sample(await metrics(), 'awsmesh_xds_rejected_connections_total', { reason: 'plaintext' });
    const session = http2.connect(`http://127.0.0.1:${serve.xdsPort}`);
    const outcome = await new Promise<string>((resolve) => {
      session.on('error', (e) => resolve(`error ${e.message}`));
      session.on('close', () => resolve('closed'));
      const req = session.request({ ':method': 'POST', ':path': '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources', 'content-type': 'application/grpc' });
      req.on('response', () => resolve('answered'));
      req.on('error', () => undefined);
      req.end();
    });
    session.destroy();
    expect(outcome).not.toBe('answered');
    const deadline = Date.now() + 10_000;
    while (sample(await metrics(), 'awsmesh_xds_rejected_connections_total', { reason: 'plaintext' }) <= before) {
      if (Date.now() > deadline) throw new Error('plaintext not counted');
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  test('TLS 1.1 is not offered', async () => {
    const result = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: serve.xdsPort, servername: 'localhost', ca: caRoot(mesh.home), maxVersion: 'TLSv1.1', minVersion: 'TLSv1' });
      s.on('secureConnect', () => resolve('connected'));
      s.on('error', (e) => resolve(e.message));
    });
    expect(result).not.toBe('connected');
  });
});

describe('the API authorizes every call with the caller\'s policies', () => {
  test('a read-only user: List allowed, CreateMesh → AccessDeniedException and no mesh created', async () => {
    const reader = sdk('reader');
    expect((await reader.send(new ListMeshesCommand({}))).meshes!.map((m) => m.meshName)).toEqual(['apps']);
    const denied = await reader.send(new CreateMeshCommand({ meshName: 'stolen' })).then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect(denied?.name).toBe('AccessDeniedException');
    expect(denied?.$metadata?.httpStatusCode).toBe(403);
    expect(denied?.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: appmesh:CreateMesh on resource: arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/stolen because no identity-based policy allows the appmesh:CreateMesh action`);
    const meshes = (await mesh.backend.invoke('appmesh', 'ListMeshes', {}, { region: REGION })).meshes as Json[];
    expect(meshes.map((m) => m.meshName)).toEqual(['apps']);
    expect(sample(await metrics(), 'awsmesh_api_refused_total', { reason: 'permission_denied' })).toBeGreaterThanOrEqual(1);
    reader.destroy();
  });

  test('unsigned and wrongly signed API calls are refused', async () => {
    const res = await fetch(serve.apiUrl.replace('https', 'http'), { method: 'GET' }).catch((e: Error) => e);
    expect(res instanceof Response).toBe(false); // plaintext HTTP to the HTTPS port gets no answer
    const bad = new AppMeshClient({
      endpoint: serve.apiUrl.replace('127.0.0.1', 'localhost'), region: REGION, maxAttempts: 1,
      credentials: { accessKeyId: keys.operator.AccessKeyId, secretAccessKey: 'wrong'.repeat(8) },
      requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: caRoot(mesh.home) }) }),
    });
    const err = await bad.send(new DescribeRouteCommand({ meshName: 'apps', virtualRouterName: 'r', routeName: 'x' })).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/signature we calculated does not match/);
    bad.destroy();
  });

  test('the API port\'s /_awsmesh/health answers without a signature and names nothing of the mesh; the API beside it does not answer', async () => {
    const get = (p: string) => new Promise<{ status: number; body: string }>((resolve, reject) => {
      https.get(`${serve.apiUrl}${p}`, { ca: caRoot(mesh.home), servername: 'localhost', agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
    const health = await get('/_awsmesh/health');
    expect(health.status).toBe(200);
    expect(Object.keys(JSON.parse(health.body)).sort()).toEqual(['services', 'status', 'uptimeSeconds', 'version']);
    const unsigned = await get('/v20190125/meshes');
    expect(unsigned.status).toBe(403);
    expect(unsigned.body).not.toContain('apps');
  });

  test('/healthz and /readyz', async () => {
    expect(await admin(serve.adminPort, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    const ready = await admin(serve.adminPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, checks: { store: 'ok', xds: 'ok' } });
  });
});
