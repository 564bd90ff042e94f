// --verify-signatures: requests signed by the real SDK clients (and pre-signed by the SDK's own
// signer) pass; wrong keys, tampering, missing or malformed signatures and stale dates get 403 in
// each protocol's own error format.

import { AppMeshClient, ListMeshesCommand } from '@aws-sdk/client-app-mesh';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { ListNamespacesCommand, ServiceDiscoveryClient } from '@aws-sdk/client-servicediscovery';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { rawRequest, RecordingBackend } from './helpers';

const GOOD = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
let server: RunningServer;
let backend: RecordingBackend;
let clockSkewMs = 0;

beforeAll(async () => {
  backend = new RecordingBackend(() => ({}));
  server = await startServer({
    backend,
    host: '127.0.0.1',
    port: 0,
    defaultRegion: 'us-west-2',
    version: 'test',
    credentials: [GOOD],
    now: () => Date.now() + clockSkewMs,
  });
});

afterAll(async () => {
  await server.close();
});

const clients = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
  const common = { endpoint: server.url, region: 'us-west-2', credentials, maxAttempts: 1 };
  return { mesh: new AppMeshClient(common), iam: new IAMClient(common), sd: new ServiceDiscoveryClient(common) };
};

test('requests signed by the SDK clients with the right key are served', async () => {
  const { mesh, iam, sd } = clients(GOOD);
  await expect(mesh.send(new ListMeshesCommand({ limit: 5 }))).resolves.toBeDefined();
  await expect(iam.send(new ListRolesCommand({ PathPrefix: '/a b/' }))).resolves.toBeDefined();
  await expect(sd.send(new ListNamespacesCommand({}))).resolves.toBeDefined();
  expect(backend.calls.map((c) => c.operation)).toEqual(['ListMeshes', 'ListRoles', 'ListNamespaces']);
});

test('query values that need escaping are signed and verified like the SDK does', async () => {
  const { mesh } = clients(GOOD);
  const { ListVirtualNodesCommand } = await import('@aws-sdk/client-app-mesh');
  backend.calls.length = 0;
  await mesh.send(new ListVirtualNodesCommand({ meshName: 'apps', nextToken: "a b/c=+%~*'()", limit: 2 }));
  expect(backend.calls[0].input).toEqual({ meshName: 'apps', nextToken: "a b/c=+%~*'()", limit: 2 });
});

test('a wrong secret is rejected with each protocol\'s signature error', async () => {
  const { mesh, iam, sd } = clients({ accessKeyId: GOOD.accessKeyId, secretAccessKey: 'wrong' });
  await expect(mesh.send(new ListMeshesCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
  await expect(iam.send(new ListRolesCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  await expect(sd.send(new ListNamespacesCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
});

test('an unknown access key is rejected', async () => {
  const { mesh, iam } = clients({ accessKeyId: 'AKIDOTHER', secretAccessKey: GOOD.secretAccessKey });
  await expect(mesh.send(new ListMeshesCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } });
  await expect(iam.send(new ListRolesCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
});

test('unsigned and malformed Authorization headers are rejected', async () => {
  const unsigned = await rawRequest(server.url, { path: '/v20190125/meshes' });
  expect(unsigned.status).toBe(403);
  expect(unsigned.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');

  const incomplete = await rawRequest(server.url, {
    path: '/v20190125/meshes',
    headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261125/us-west-2/appmesh/aws4_request', 'x-amz-date': '20261125T000000Z' },
  });
  expect(incomplete.status).toBe(403);
  expect(incomplete.headers['x-amzn-errortype']).toBe('IncompleteSignatureException');
  expect(JSON.parse(incomplete.body).message).toMatch(/'SignedHeaders', 'Signature'/);

  const iamUnsigned = await rawRequest(server.url, {
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=ListRoles&Version=2010-05-08',
  });
  expect(iamUnsigned.status).toBe(403);
  expect(iamUnsigned.body).toContain('<Code>MissingAuthenticationToken</Code>');
});

async function signedDescribe(body?: string) {
  const signer = new SignatureV4({ credentials: GOOD, region: 'us-west-2', service: 'appmesh', sha256: Sha256 });
  const port = Number(new URL(server.url).port);
  const signed = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: '/v20190125/meshes',
    query: {},
    headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
    body: body ?? JSON.stringify({ meshName: 'apps' }),
  });
  return signed;
}

test('a body changed after signing is rejected; the untouched one passes', async () => {
  const signed = await signedDescribe();
  const ok = await rawRequest(server.url, { method: 'PUT', path: signed.path, headers: signed.headers as Record<string, string>, body: signed.body });
  expect(ok.status).toBe(200);
  const tampered = await rawRequest(server.url, {
    method: 'PUT',
    path: signed.path,
    headers: signed.headers as Record<string, string>,
    body: JSON.stringify({ meshName: 'other' }),
  });
  expect(tampered.status).toBe(403);
  expect(tampered.headers['x-amzn-errortype']).toBe('InvalidSignatureException');
});

test('a signature older than 15 minutes is rejected', async () => {
  const signed = await signedDescribe();
  clockSkewMs = 20 * 60 * 1000;
  try {
    const res = await rawRequest(server.url, { method: 'PUT', path: signed.path, headers: signed.headers as Record<string, string>, body: signed.body });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).message).toMatch(/Signature expired/);
  } finally {
    clockSkewMs = 0;
  }
});

test('pre-signed GET URLs (query auth) are verified, including expiry', async () => {
  const signer = new SignatureV4({ credentials: GOOD, region: 'us-west-2', service: 'appmesh', sha256: Sha256 });
  const port = Number(new URL(server.url).port);
  const presigned = await signer.presign(
    { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port, path: '/v20190125/meshes/apps', query: { meshOwner: '111122223333' }, headers: { host: `127.0.0.1:${port}` } },
    { expiresIn: 60 },
  );
  const qs = new URLSearchParams(presigned.query as Record<string, string>).toString();
  const ok = await rawRequest(server.url, { path: `${presigned.path}?${qs}` });
  expect(ok.status).toBe(200);
  expect(backend.calls.at(-1)).toMatchObject({ operation: 'DescribeMesh', input: { meshName: 'apps', meshOwner: '111122223333' } });

  const other = new URLSearchParams(presigned.query as Record<string, string>);
  other.set('meshOwner', '999999999999');
  const altered = await rawRequest(server.url, { path: `${presigned.path}?${other.toString()}` });
  expect(altered.status).toBe(403);

  clockSkewMs = 120 * 1000;
  try {
    const late = await rawRequest(server.url, { path: `${presigned.path}?${qs}` });
    expect(late.status).toBe(403);
    expect(JSON.parse(late.body).message).toMatch(/expired/);
  } finally {
    clockSkewMs = 0;
  }
});

test('the health endpoint needs no signature', async () => {
  const res = await rawRequest(server.url, { path: '/_awsmesh/health' });
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', version: 'test', services: ['appmesh', 'iam', 'servicediscovery', 'sts'] });
});
