// `awsmesh serve` with its certificate from files and client certificates from the local CA, as a
// child process on loopback: a proxy presenting a certificate that names its node is served
// without a signature, one naming another node is refused; renewed certificate files are used for
// new connections while open streams carry on; connections beyond --max-connections are dropped.

import * as grpc from '@grpc/grpc-js';
import * as fs from 'fs';
import * as path from 'path';
import * as tls from 'tls';
import { CaStore } from '../../src/tls/ca/store';
import { AdsClient } from '../../src/xds/ads-client';
import { TYPE_URLS } from '../../src/xds/resource-types';
import { waitUntil } from '../helpers/wait';
import { createTlsMesh, type TlsMesh } from '../xds/helpers/tls-mesh';
import { admin, caRoot, sample, startProductionServe, stopAll, type ServeChild } from './helpers';

let mesh: TlsMesh;
let ca: CaStore;
let serve: ServeChild;
const clients: AdsClient[] = [];
const sockets: tls.TLSSocket[] = [];
const files = { cert: '', key: '' };

const none = { secretNames: [], acmArns: [], certificateChainPaths: [], privateKeyPaths: [], trustChainPaths: [] };

async function issue(commonName: string, o: { dns?: string[]; uris?: string[] }): Promise<{ cert: string; key: string; serial: string }> {
  const r = await ca.issue({ commonName, dns: o.dns ?? [], uris: o.uris ?? [], days: 30, describe: none });
  const pair = ca.readPair(r);
  return { cert: pair.chainPem, key: pair.keyPem, serial: r.serialNumber };
}

/** Replaces a file the way renewals do (write aside, rename over). */
function replace(file: string, text: string): void {
  const aside = `${file}.new`;
  fs.writeFileSync(aside, text, { mode: 0o600, flag: 'wx' });
  fs.renameSync(aside, file);
}

function proxy(as: { cert: string; key: string }, node = 'mesh/apps/virtualNode/front'): AdsClient {
  const creds = grpc.credentials.createSsl(caRoot(mesh.home), Buffer.from(as.key), Buffer.from(as.cert));
  const c = new AdsClient(`localhost:${serve.xdsPort}`, { id: node, user_agent_name: 'envoy' }, { credentials: creds });
  clients.push(c);
  return c.start();
}

/** The serial number of the certificate a new TLS connection to the xDS port is shown. */
function servedSerial(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: serve.xdsPort, servername: 'localhost', ca: caRoot(mesh.home), ALPNProtocols: ['h2'] });
    s.once('secureConnect', () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.destroy();
    });
    s.once('error', reject);
  });
}

let front: { cert: string; key: string };
let back: { cert: string; key: string };
let firstSerial: string;

beforeAll(async () => {
  mesh = await createTlsMesh('awsmesh-serve-tls-');
  ca = CaStore.forHome(mesh.home);
  await ca.init();
  const server = await issue('localhost', { dns: ['localhost'] });
  firstSerial = server.serial;
  fs.mkdirSync(path.join(mesh.home, 'tls'), { mode: 0o700 });
  files.cert = path.join(mesh.home, 'tls', 'cert.pem');
  files.key = path.join(mesh.home, 'tls', 'key.pem');
  replace(files.cert, server.cert);
  replace(files.key, server.key);
  front = await issue('front', { uris: ['spiffe://apps/virtualNode/front'] });
  back = await issue('back', { uris: ['spiffe://apps/virtualNode/back'] });
  serve = await startProductionServe(mesh.home, ['--tls-cert', files.cert, '--tls-key', files.key, '--client-ca', 'local', '--max-connections', '6', '--debounce-ms', '0', '--debounce-max-ms', '0']);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of sockets) s.destroy();
  await stopAll();
  await mesh?.close();
});

test('a client certificate naming the node is enough: served without a signature', async () => {
  const c = proxy(front);
  await c.waitFor((r) => r.type_url === TYPE_URLS.listener && r.resources.length > 0, 20_000);
  expect(serve.stderr()).toMatch(/xDS: mesh\/apps\/virtualNode\/front connected from .*client certificate spiffe:\/\/apps\/virtualNode\/front/);
});

test('a client certificate naming another node is refused with PERMISSION_DENIED, nothing sent', async () => {
  const c = proxy(back, 'mesh/apps/virtualNode/front');
  await waitUntil(() => c.error !== undefined, { describe: 'the stream refused', timeoutMs: 20_000 });
  expect(c.error!.code).toBe(grpc.status.PERMISSION_DENIED);
  expect(c.error!.details).toBe('the client certificate (spiffe://apps/virtualNode/back) does not name spiffe://apps/virtualNode/front');
  expect(c.responses).toEqual([]);
  expect(sample((await admin(serve.adminPort, '/metrics')).body, 'awsmesh_xds_rejected_connections_total', { reason: 'permission_denied' })).toBeGreaterThanOrEqual(1);
});

test('renewed certificate files: new connections get the new certificate, open streams carry on', async () => {
  const c = proxy(front);
  await c.waitFor((r) => r.type_url === TYPE_URLS.listener, 20_000);
  expect(await servedSerial()).toBe(firstSerial);
  const renewed = await issue('localhost', { dns: ['localhost'] });
  replace(files.key, renewed.key);
  replace(files.cert, renewed.cert);
  await waitUntil(async () => (await servedSerial()) === renewed.serial, { describe: 'the renewed certificate served', timeoutMs: 20_000 });
  expect(serve.stderr()).toContain(`TLS certificate reloaded from ${files.cert}`);
  // The stream opened before the renewal is still served: a change reaches it.
  const since = c.responses.length;
  await mesh.call('UpdateVirtualNode', {
    meshName: 'apps', virtualNodeName: 'front',
    spec: { ...(await mesh.call('DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'front' })).virtualNode.spec, logging: { accessLog: { file: { path: '/dev/stdout' } } } },
  });
  await c.waitFor((r) => r.type_url === TYPE_URLS.listener, 20_000, since);
  expect(c.error).toBeUndefined();
});

test('connections beyond --max-connections are closed before TLS and counted', async () => {
  for (const c of clients.splice(0)) c.close();
  // Hold more connections than allowed: some are dropped (whatever still lingers from the tests above).
  const outcomes = await Promise.all(Array.from({ length: 8 }, () => new Promise<string>((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port: serve.xdsPort, servername: 'localhost', ca: caRoot(mesh.home), ALPNProtocols: ['h2'] });
    sockets.push(s);
    s.once('secureConnect', () => resolve('accepted'));
    s.once('error', () => resolve('dropped'));
    s.once('close', () => resolve('dropped'));
  })));
  expect(outcomes.filter((o) => o === 'accepted').length).toBeLessThanOrEqual(6);
  expect(outcomes).toContain('dropped');
  expect(sample((await admin(serve.adminPort, '/metrics')).body, 'awsmesh_xds_rejected_connections_total', { reason: 'connection_limit' })).toBeGreaterThanOrEqual(2);
});
