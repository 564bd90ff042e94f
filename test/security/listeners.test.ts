// Issue 14, items 1–5: nobody but you reaches your local control plane. Every listener
// (`local serve`'s API and ADS ports, the sidecars' admin pages) serves only the processes of the
// user who started it — the peer's uid comes from /proc/net/tcp — refuses Host names that are not
// its own (DNS rebinding) and browsers' cross-site requests; IAM never changes state on an
// unsigned GET; --verify-signatures --allow-reset needs a signed reset; secrets never go on argv.
// The other-user tests run a real client process as `nobody` (they need root to do that).

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ListenerGuard } from '../../src/base/listener-guard';
import type { ConsoleHandler } from '../../src/console/handler';
import { startConsoleServer } from '../../src/console/server';
import { AdminServer } from '../../src/dataplane/admin/admin-server';
import type { AdminContext } from '../../src/dataplane/admin/admin-context';
import { cleanEnv, cleanupHomes, runBin, runCli, tempHome } from '../helpers/run-cli';
import { startServe, stopServes, type ServeProcess } from '../helpers/serve-process';
import { startCliProxy } from '../dataplane/cli';
import { rawRequest, type RawResponse } from '../server/helpers';
import { nobody, skippedWithoutRoot, writeFile } from './helpers';

afterAll(async () => {
  await stopServes();
  cleanupHomes();
});

const serve = (args: string[] = [], home = tempHome(), env: NodeJS.ProcessEnv = {}) =>
  startServe({ env: cleanEnv(home, env), args: ['--quiet', ...args] });

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/** An IAM query-protocol call as a form POST (what SDKs send). */
function iamPost(url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<RawResponse> {
  const body = new URLSearchParams({ Version: '2010-05-08', ...params }).toString();
  return rawRequest(url, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
}

// ---- a client process running as another user ----------------------------------------------------

/** Runs `script` with node as `nobody` (or as this user), cwd /, a bare environment; resolves with its JSON line. */
function asNobody(script: string, args: string[], owner = false): Promise<Record<string, unknown>> {
  const who = owner ? {} : { uid: nobody()!.uid, gid: nobody()!.gid };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { ...who, cwd: '/', env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`client as nobody exited ${code}: ${out}${err}`));
      }
    });
  });
}

const HTTP_CLIENT = `
const http = require('http');
const [url, method, p, headers] = process.argv.slice(1);
const req = http.request(url + p, { method, headers: JSON.parse(headers), agent: false }, (res) => {
  let body = '';
  res.on('data', (d) => (body += d));
  res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body })));
});
req.on('error', (e) => console.log(JSON.stringify({ error: e.message })));
req.end();`;

function httpAsNobody(url: string, p: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return asNobody(HTTP_CLIENT, [url, method, p, JSON.stringify(headers)]) as Promise<{ status: number; body: string }>;
}

// An ADS stream by hand (HTTP/2 + one length-prefixed DiscoveryRequest), so the client needs
// nothing but node itself: node.id (field 2 → 1) and type_url (field 4).
const ADS_CLIENT = `
const h2 = require('http2');
const [port, nodeId] = process.argv.slice(1);
const varint = (n) => { const o = []; while (n > 127) { o.push((n & 127) | 128); n >>>= 7; } o.push(n); return Buffer.from(o); };
const field = (f, b) => Buffer.concat([Buffer.from([(f << 3) | 2]), varint(b.length), b]);
const node = field(1, Buffer.from(nodeId));
const msg = Buffer.concat([field(2, node), field(4, Buffer.from('type.googleapis.com/envoy.config.cluster.v3.Cluster'))]);
const frame = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), msg]);
frame.writeUInt32BE(msg.length, 1);
const c = h2.connect('http://127.0.0.1:' + port);
let data = 0;
const done = (status, message) => { console.log(JSON.stringify({ data, status: status === undefined ? undefined : Number(status), message: message && decodeURIComponent(message) })); process.exit(0); };
const req = c.request({ ':method': 'POST', ':path': '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources', 'content-type': 'application/grpc', te: 'trailers' });
req.on('response', (h) => { if (h['grpc-status'] !== undefined) done(h['grpc-status'], h['grpc-message']); });
req.on('data', (d) => { data += d.length; done(); });
req.on('trailers', (t) => done(t['grpc-status'], t['grpc-message']));
req.on('error', (e) => done(undefined, e.message));
req.write(frame);`;

// ---- 1. cross-site GET ------------------------------------------------------------------------------

describe('1: IAM never changes state on an unsigned GET', () => {
  let served: ServeProcess;
  beforeAll(async () => {
    served = await serve();
    const created = await iamPost(served.url, { Action: 'CreateRole', RoleName: 'keep', AssumeRolePolicyDocument: TRUST });
    expect(created.status).toBe(200);
  });

  test('an <img> GET to ?Action=DeleteRole (browser headers, no Origin) is refused; the role stays', async () => {
    const img = await rawRequest(served.url, {
      path: '/?Action=DeleteRole&Version=2010-05-08&RoleName=keep',
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' },
    });
    expect(img.status).toBe(403);
    expect((await iamPost(served.url, { Action: 'GetRole', RoleName: 'keep' })).status).toBe(200);
  });

  test('without Sec-Fetch headers (older browsers) an unsigned GET still cannot change anything', async () => {
    const del = await rawRequest(served.url, { path: '/?Action=DeleteRole&Version=2010-05-08&RoleName=keep' });
    expect(del.status).toBe(403);
    expect(del.body).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(del.body).toContain('DeleteRole changes state, so it is not accepted as an unsigned GET request');
    const create = await rawRequest(served.url, { path: `/?Action=CreateRole&Version=2010-05-08&RoleName=evil&AssumeRolePolicyDocument=${encodeURIComponent(TRUST)}` });
    expect(create.status).toBe(403);
    const attach = await rawRequest(served.url, { path: '/?Action=AttachRolePolicy&Version=2010-05-08&RoleName=keep&PolicyArn=arn:aws:iam::aws:policy/AdministratorAccess' });
    expect(attach.status).toBe(403);
    expect((await iamPost(served.url, { Action: 'GetRole', RoleName: 'keep' })).status).toBe(200);
    expect((await iamPost(served.url, { Action: 'GetRole', RoleName: 'evil' })).status).toBe(404);
  });

  test('reads over GET work, and a GET carrying an Authorization header (which no page can add) is a signed call', async () => {
    const list = await rawRequest(served.url, { path: '/?Action=ListRoles&Version=2010-05-08' });
    expect(list.status).toBe(200);
    expect(list.body).toContain('<RoleName>keep</RoleName>');
    const signed = await rawRequest(served.url, {
      path: `/?Action=CreateRole&Version=2010-05-08&RoleName=by-sdk&AssumeRolePolicyDocument=${encodeURIComponent(TRUST)}`,
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=00' },
    });
    expect(signed.status).toBe(200);
  });
});

// ---- 2. DNS rebinding ---------------------------------------------------------------------------------

describe('2: Host must name this machine', () => {
  test('a foreign Host (a rebound DNS name) is refused; loopback names, IPs and --allow-host names are served', async () => {
    const served = await serve(['--allow-host', 'mesh.internal']);
    const port = new URL(served.url).port;
    const list = (host: string) => rawRequest(served.url, { path: '/v20190125/meshes', headers: { host } });
    const rebound = await list(`attacker.example:${port}`);
    expect(rebound.status).toBe(421);
    expect(JSON.parse(rebound.body).message).toContain("Host 'attacker.example:");
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `mesh.internal:${port}`, `app.localhost:${port}`, `data-localhost:${port}`]) {
      expect((await list(host)).status).toBe(200);
    }
    const create = await rawRequest(served.url, {
      method: 'PUT', path: '/v20190125/meshes', headers: { host: `attacker.example:${port}`, 'content-type': 'application/json' }, body: '{"meshName":"m"}',
    });
    expect(create.status).toBe(421);
    expect(JSON.parse((await list(`127.0.0.1:${port}`)).body).meshes).toEqual([]);
  });

  test('the admin pages check Host and browsers\' cross-site requests too', async () => {
    const admin = new AdminServer({ nodeId: 'mesh/m/virtualNode/n' } as AdminContext, '127.0.0.1', 0);
    const port = await admin.listen();
    try {
      const url = `http://127.0.0.1:${port}`;
      expect((await rawRequest(url, { path: '/' })).status).toBe(200);
      expect((await rawRequest(url, { path: '/', headers: { host: `evil.example:${port}` } })).status).toBe(421);
      expect((await rawRequest(url, { path: '/', headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
      expect((await rawRequest(url, { path: '/', headers: { origin: 'http://evil.example' } })).status).toBe(403);
    } finally {
      await admin.close();
    }
  });
});

// ---- 3. reset with --verify-signatures ------------------------------------------------------------

describe('3: --verify-signatures --allow-reset', () => {
  test('an unsigned reset is refused and deletes nothing; a signed one resets', async () => {
    const home = tempHome();
    const keyFile = writeFile(home, 'secret', 'reset-secret\n');
    fs.chmodSync(keyFile, 0o600);
    expect((await runCli(['appmesh', 'create-mesh', '--mesh-name', 'keep'], { home })).code).toBe(0);
    const served = await serve(['--verify-signatures', '--allow-reset', '--access-key', 'AKIDRESET', '--secret-key-file', keyFile], home);
    const unsigned = await rawRequest(served.url, { method: 'POST', path: '/_awsmesh/reset' });
    expect(unsigned.status).toBe(403);
    expect(JSON.parse(unsigned.body).message).toContain('Reset refused');
    const listed = await runCli(['appmesh', 'list-meshes', '--query', 'meshes[].meshName', '--output', 'text'], { home });
    expect(listed.stdout.trim()).toBe('keep');

    const port = Number(new URL(served.url).port);
    const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDRESET', secretAccessKey: 'reset-secret' }, region: 'us-west-2', service: 'appmesh', sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port, path: '/_awsmesh/reset', query: {}, headers: { host: `127.0.0.1:${port}` }, body: '' });
    const reset = await rawRequest(served.url, { method: 'POST', path: '/_awsmesh/reset', headers: signed.headers as Record<string, string>, body: '' });
    expect(reset.status).toBe(200);
    const after = await runCli(['appmesh', 'list-meshes', '--query', 'meshes[].meshName', '--output', 'text'], { home });
    expect(after.stdout.trim()).toBe('');
  });
});

// ---- 4. other local users, secrets on argv -----------------------------------------------------

describe('4: other users of this machine', () => {
  test('the peer check finds the uid of a connecting process (a fake /proc/net/tcp names uid 4242)', async () => {
    const dir = tempHome('awsmesh-procnet-');
    // 127.0.0.1:40000 → 127.0.0.1:4566, owned by uid 4242 (addresses as a little-endian kernel prints them).
    const le = os.endianness() === 'LE';
    const addr = le ? '0100007F' : '7F000001';
    fs.writeFileSync(path.join(dir, 'tcp'), [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      `   0: ${addr}:11D6 ${addr}:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 1 1 0 20 4 30 10 -1`,
      `   1: ${addr}:9C40 ${addr}:11D6 01 00000000:00000000 00:00000000 00000000  4242        0 2 1 0 20 4 30 10 -1`,
      '',
    ].join('\n'));
    const remote = { address: '127.0.0.1', port: 40000 };
    const local = { address: '127.0.0.1', port: 4566 };
    const mine = new ListenerGuard({ uid: 4242, procNet: dir });
    expect(await mine.checkPeer(remote, local)).toBeUndefined();
    const theirs = new ListenerGuard({ uid: 1000, procNet: dir });
    expect((await theirs.checkPeer(remote, local))?.message).toContain('serves only the user who started it (uid 1000); this connection comes from uid 4242');
    expect(await new ListenerGuard({ uid: 1000, procNet: dir, allowOtherUsers: true }).checkPeer(remote, local)).toBeUndefined();
    // Gone from the table but from this machine: refused, since it cannot be told apart.
    expect((await theirs.checkPeer({ address: '127.0.0.1', port: 40001 }, local))?.status).toBe(403);
  });

  test('local serve refuses another user\'s process (real client as nobody); --allow-other-users lets it in', async () => {
    if (skippedWithoutRoot('local serve and another user')) return;
    const served = await serve();
    const refused = await httpAsNobody(served.url, '/v20190125/meshes');
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('serves only the user who started it');
    const health = await httpAsNobody(served.url, '/_awsmesh/health');
    expect(health.status).toBe(403);
    expect((await rawRequest(served.url, { path: '/v20190125/meshes' })).status).toBe(200);

    const open = await serve(['--allow-other-users']);
    expect((await httpAsNobody(open.url, '/v20190125/meshes')).status).toBe(200);
  });

  test('with --verify-signatures another user gets in only by signing', async () => {
    if (skippedWithoutRoot('local serve --verify-signatures and another user')) return;
    const served = await serve(['--verify-signatures'], tempHome(), { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' });
    const unsigned = await httpAsNobody(served.url, '/v20190125/meshes');
    expect(unsigned.status).toBe(403);
    expect(unsigned.body).not.toContain('serves only the user');
    const port = Number(new URL(served.url).port);
    const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret' }, region: 'us-west-2', service: 'appmesh', sha256: Sha256 });
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port, path: '/v20190125/meshes', query: {}, headers: { host: `127.0.0.1:${port}` } });
    expect((await httpAsNobody(served.url, '/v20190125/meshes', 'GET', signed.headers as Record<string, string>)).status).toBe(200);
  });

  test('the sidecar admin pages refuse another user', async () => {
    if (skippedWithoutRoot('admin pages and another user')) return;
    const admin = new AdminServer({ nodeId: 'mesh/m/virtualNode/n' } as AdminContext, '127.0.0.1', 0);
    const port = await admin.listen();
    try {
      const theirs = await httpAsNobody(`http://127.0.0.1:${port}`, '/');
      expect(theirs.status).toBe(403);
      expect((await rawRequest(`http://127.0.0.1:${port}`, { path: '/' })).status).toBe(200);
    } finally {
      await admin.close();
    }
    // awsmesh proxy --allow-other-users (a Prometheus running as its own user)
    const open = new AdminServer({ nodeId: 'mesh/m/virtualNode/n' } as AdminContext, '127.0.0.1', 0, new ListenerGuard({ allowOtherUsers: true }));
    const openPort = await open.listen();
    try {
      expect((await httpAsNobody(`http://127.0.0.1:${openPort}`, '/')).status).toBe(200);
    } finally {
      await open.close();
    }
  });

  test('awsmesh proxy: admin pages for its own user; --allow-other-users opens them', async () => {
    if (skippedWithoutRoot('awsmesh proxy admin pages and another user')) return;
    const home = tempHome();
    expect((await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm'], { home })).code).toBe(0);
    expect((await runCli(['appmesh', 'create-virtual-node', '--mesh-name', 'm', '--virtual-node-name', 'n', '--spec', '{}'], { home })).code).toBe(0);
    const ports = ['--ingress-port', '0', '--egress-port', '0', '--admin-port', '0', '--quiet'];
    const closed = await startCliProxy(['--mesh', 'm', '--virtual-node', 'n', ...ports], cleanEnv(home));
    const open = await startCliProxy(['--mesh', 'm', '--virtual-node', 'n', ...ports, '--allow-other-users'], cleanEnv(home));
    try {
      expect((await httpAsNobody(`http://127.0.0.1:${closed.admin}`, '/ready')).status).toBe(403);
      expect((await httpAsNobody(`http://127.0.0.1:${open.admin}`, '/ready')).status).toBe(200);
    } finally {
      await Promise.all([closed.stop(), open.stop()]);
    }
  });

  test('the console refuses another user, token or not', async () => {
    if (skippedWithoutRoot('console and another user')) return;
    const handler = { handle: async () => false } as unknown as ConsoleHandler;
    const console_ = await startConsoleServer({ handler, port: 0, token: 'tok' });
    try {
      const base = `http://127.0.0.1:${console_.port}`;
      const theirs = await httpAsNobody(base, '/?token=tok');
      expect(theirs.status).toBe(403);
      expect(theirs.body).toContain('serves only the user who started it');
      expect((await rawRequest(base, { path: '/?token=tok' })).status).toBe(303);
    } finally {
      await console_.close();
    }
  });

  test('--secret-key on the command line is refused; --secret-key-file (private) and the environment work', async () => {
    const home = tempHome();
    const argv = await runBin(['local', 'serve', '--port', '0', '--verify-signatures', '--access-key', 'A', '--secret-key', 'visible-in-ps'], { home });
    expect(argv.stderr).toContain('--secret-key would put the secret on the command line, where every user of this machine can read it (ps)');
    expect(argv.code).toBe(252);
    const shared = writeFile(home, 'shared-secret', 's3cret');
    fs.chmodSync(shared, 0o644);
    const readable = await runBin(['local', 'serve', '--port', '0', '--verify-signatures', '--access-key', 'A', '--secret-key-file', shared], { home });
    expect(readable.stderr).toContain('is readable by other users (mode 644); run chmod 600 on it');
    expect(readable.code).toBe(252);
    const fromEnv = await serve(['--verify-signatures', '--access-key', 'AKIDE'], home, { AWSMESH_SECRET_ACCESS_KEY: 'from-env' });
    const port = Number(new URL(fromEnv.url).port);
    const signer = new SignatureV4({ credentials: { accessKeyId: 'AKIDE', secretAccessKey: 'from-env' }, region: 'us-west-2', service: 'appmesh', sha256: Sha256 });
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port, path: '/v20190125/meshes', query: {}, headers: { host: `127.0.0.1:${port}` } });
    expect((await rawRequest(fromEnv.url, { path: '/v20190125/meshes', headers: signed.headers as Record<string, string> })).status).toBe(200);
  });
});

// ---- 5. the ADS port and SDS keys -------------------------------------------------------------------

describe('5: the ADS port serves only its own user', () => {
  test('another user claiming a node id gets PERMISSION_DENIED and nothing of the mesh; the owner is served', async () => {
    if (skippedWithoutRoot('ADS port and another user')) return;
    const home = tempHome();
    expect((await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm'], { home })).code).toBe(0);
    expect((await runCli(['appmesh', 'create-virtual-node', '--mesh-name', 'm', '--virtual-node-name', 'n', '--spec', '{}'], { home })).code).toBe(0);
    const served = await serve(['--xds-port', '0'], home);
    const theirs = await asNobody(ADS_CLIENT, [String(served.xdsPort), 'mesh/m/virtualNode/n']);
    expect(theirs).toMatchObject({ data: 0, status: 7 }); // 7: PERMISSION_DENIED
    expect(String(theirs.message)).toContain('serves only the user who started it');
    const mine = await asNobody(ADS_CLIENT, [String(served.xdsPort), 'mesh/m/virtualNode/n'], true);
    expect(mine.data).toBeGreaterThan(0);

    const open = await serve(['--xds-port', '0', '--allow-other-users'], home);
    expect((await asNobody(ADS_CLIENT, [String(open.xdsPort), 'mesh/m/virtualNode/n'])).data).toBeGreaterThan(0);
  });
});
