// HTTPS endpoints: certificate verification, --no-verify-ssl and --ca-bundle, against a real
// TLS server on 127.0.0.1 with a self-signed certificate made for the test.

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as https from 'https';
import type { AddressInfo } from 'net';
import * as path from 'path';
import { createAwsBackend } from '../../src/backends/aws';
import { GeneralError } from '../../src/base/errors';
import { backendOptions, tempDir } from './helpers';

const ctx = { region: 'us-east-1' };
let server: https.Server;
let url: string;
let dir: string;
let caFile: string;

/** A throw-away certificate for 127.0.0.1, made with the system's openssl. */
function selfSigned(into: string): { cert: string; key: string } {
  const cert = path.join(into, 'cert.pem');
  const key = path.join(into, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { cert: fs.readFileSync(cert, 'utf8'), key: fs.readFileSync(key, 'utf8') };
}

beforeAll(async () => {
  dir = tempDir('tls');
  const { cert, key } = selfSigned(dir);
  caFile = path.join(dir, 'ca.pem');
  fs.writeFileSync(caFile, cert);
  server = https.createServer({ cert, key }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"meshes":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function listMeshes(over: Parameters<typeof backendOptions>[0]): Promise<unknown> {
  const b = createAwsBackend(backendOptions({ endpointUrl: url, ...over }));
  try {
    return await b.invoke('appmesh', 'ListMeshes', {}, ctx);
  } catch (e) {
    return e;
  } finally {
    await b.close();
  }
}

it('refuses an untrusted certificate with the AWS CLI wording (255)', async () => {
  const e = await listMeshes({});
  expect(e).toBeInstanceOf(GeneralError);
  expect((e as Error).message).toMatch(new RegExp(`^SSL validation failed for ${url}/v20190125/meshes `));
});

it('--no-verify-ssl accepts it', async () => {
  await expect(listMeshes({ verifySsl: false })).resolves.toEqual({ meshes: [] });
});

it('--ca-bundle, AWS_CA_BUNDLE and the profile ca_bundle trust it', async () => {
  expect(await listMeshes({ caBundle: caFile })).toEqual({ meshes: [] });
  expect(await listMeshes({ env: { ...backendOptions().env, AWS_CA_BUNDLE: caFile } })).toEqual({ meshes: [] });
  expect(await listMeshes({ profile: { name: 'default', exists: true, values: { ca_bundle: caFile } } })).toEqual({ meshes: [] });
});

it('a CA bundle that cannot be read is a clear 255', async () => {
  const e = await listMeshes({ caBundle: path.join(dir, 'missing.pem') });
  expect(e).toBeInstanceOf(GeneralError);
  expect((e as Error).message).toMatch(/^Unable to read the CA bundle .*missing\.pem: ENOENT/);
});
