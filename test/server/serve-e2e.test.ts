// `awsmesh local serve` as users run it: a real `node bin/awsmesh` child process (needs
// `npm run build`) on an ephemeral port, shared state with CLI calls, flags, signals, exit codes.

import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { AppMeshClient, CreateMeshCommand, DeleteVirtualNodeCommand, DescribeVirtualNodeCommand, ListMeshesCommand } from '@aws-sdk/client-app-mesh';
import { isLoopback } from '../../src/base/loopback';
import { cleanEnv, cleanupHomes, runBin, tempHome } from '../helpers/run-cli';
import { startServe, stopServes, type ServeProcess } from '../helpers/serve-process';
import { waitUntil } from '../helpers/wait';
import { rawRequest } from './helpers';

/** Starts `awsmesh local serve` in `home` and resolves once it prints its address. */
const serve = (args: string[], home: string, env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> =>
  startServe({ args, env: cleanEnv(home, env) });

afterAll(async () => {
  await stopServes();
  cleanupHomes();
});

/** Output arrives on its own pipe, so wait for it rather than race it. */
async function stderrMatching(served: ServeProcess, re: RegExp): Promise<string> {
  await waitUntil(() => re.test(served.stderr()), { describe: `stderr matching ${re}`, observe: served.stderr });
  return served.stderr();
}

const client = (url: string, creds = { accessKeyId: 'test', secretAccessKey: 'test' }) =>
  new AppMeshClient({ endpoint: url, region: 'us-west-2', credentials: creds, maxAttempts: 1 });

describe('a running server', () => {
  const home = tempHome();
  let served: ServeProcess;

  beforeAll(async () => {
    served = await serve([], home);
  });

  test('prints a loopback URL and answers health', async () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await rawRequest(served.url, { path: '/_awsmesh/health' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: 'ok', services: ['appmesh', 'iam', 'servicediscovery', 'sts'], defaultRegion: 'us-west-2' });
  });

  test('server writes and CLI writes see each other at once (same store)', async () => {
    await client(served.url).send(new CreateMeshCommand({ meshName: 'apps' }));
    const described = await runBin(['appmesh', 'describe-mesh', '--mesh-name', 'apps', '--query', 'mesh.status.status', '--output', 'text'], { home });
    expect(described).toMatchObject({ code: 0, stdout: 'ACTIVE\n' });

    const spec = JSON.stringify({ listeners: [{ portMapping: { port: 80, protocol: 'http' } }] });
    const created = await runBin(['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'web', '--spec', spec], { home });
    expect(created.code).toBe(0);
    const node = await client(served.url).send(new DescribeVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'web' }));
    expect(node.virtualNode!.spec!.listeners![0].portMapping).toEqual({ port: 80, protocol: 'http' });
  });

  test('a describe answered again and again still sees the next change of another process at once', async () => {
    const c = client(served.url);
    const spec = (port: number) => JSON.stringify({ listeners: [{ portMapping: { port, protocol: 'http' } }] });
    expect((await runBin(['appmesh', 'create-mesh', '--mesh-name', 'polling'], { home })).code).toBe(0);
    expect((await runBin(['appmesh', 'create-virtual-node', '--mesh-name', 'polling', '--virtual-node-name', 'polled', '--spec', spec(80)], { home })).code).toBe(0);
    const describe = () => c.send(new DescribeVirtualNodeCommand({ meshName: 'polling', virtualNodeName: 'polled' }));
    const first = await describe();
    expect((await describe()).virtualNode).toEqual(first.virtualNode);
    expect(first.virtualNode!.metadata!.version).toBe(1);
    // Another CLI process updates it: the very next describe has version 2.
    expect((await runBin(['appmesh', 'update-virtual-node', '--mesh-name', 'polling', '--virtual-node-name', 'polled', '--spec', spec(81)], { home })).code).toBe(0);
    const updated = await describe();
    expect(updated.virtualNode!.metadata!.version).toBe(2);
    expect(updated.virtualNode!.spec!.listeners![0].portMapping!.port).toBe(81);
    // A second server on the same state file (a replica) deletes it: gone for this one at once.
    const replica = await serve(['--quiet'], home);
    try {
      await client(replica.url).send(new DeleteVirtualNodeCommand({ meshName: 'polling', virtualNodeName: 'polled' }));
      await expect(describe()).rejects.toMatchObject({ name: 'NotFoundException' });
    } finally {
      replica.child.kill('SIGTERM');
      expect(await replica.exited).toBe(0);
    }
  });

  test('logs one line per request on stderr', async () => {
    await client(served.url).send(new ListMeshesCommand({}));
    const log = await stderrMatching(served, /ListMeshes 200 \d+\.\dms\n/);
    expect(log).toMatch(/\n\S+Z GET \/v20190125\/meshes appmesh\.ListMeshes 200 \d+\.\dms\n/);
    expect(log).toMatch(/\n\S+Z PUT \/v20190125\/meshes appmesh\.CreateMesh 200 /);
  });

  test('a second server on the same port fails with 255 and a clear message', async () => {
    const port = new URL(served.url).port;
    const r = await runBin(['local', 'serve', '--port', port], { home });
    expect(r.code).toBe(255);
    expect(r.stderr).toContain(`Could not listen on 127.0.0.1:${port}: the address is already in use`);
  });

  test('SIGTERM stops it cleanly with exit code 0', async () => {
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
    expect(await stderrMatching(served, /shutting down/)).toContain('SIGTERM: shutting down');
    await expect(rawRequest(served.url, { path: '/_awsmesh/health' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

test('SIGINT also exits 0, and state survives a restart', async () => {
  const home = tempHome();
  const first = await serve([], home);
  await client(first.url).send(new CreateMeshCommand({ meshName: 'kept' }));
  first.child.kill('SIGINT');
  expect(await first.exited).toBe(0);
  const second = await serve(['--quiet', '--region', 'eu-west-1'], home);
  try {
    // The signed region (us-west-2) wins over the server's default for signed requests.
    const meshes = await client(second.url).send(new ListMeshesCommand({}));
    expect(meshes.meshes!.map((m) => m.meshName)).toEqual(['kept']);
    const health = JSON.parse((await rawRequest(second.url, { path: '/_awsmesh/health' })).body);
    expect(health.defaultRegion).toBe('eu-west-1');
    expect(second.stderr()).not.toMatch(/ListMeshes/); // --quiet
  } finally {
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }
});

test('--verify-signatures with --access-key/--secret-key-file rejects unsigned and wrongly signed requests', async () => {
  const home = tempHome();
  const secretFile = path.join(home, 'secret-key');
  fs.writeFileSync(secretFile, 'serve-secret\n', { mode: 0o600 });
  const served = await serve(['--verify-signatures', '--access-key', 'AKIDSERVE', '--secret-key-file', secretFile], home);
  try {
    expect(await stderrMatching(served, /signatures/)).toContain('signatures verified');
    const ok = await client(served.url, { accessKeyId: 'AKIDSERVE', secretAccessKey: 'serve-secret' }).send(new ListMeshesCommand({}));
    expect(ok.meshes).toEqual([]);
    await expect(client(served.url, { accessKeyId: 'AKIDSERVE', secretAccessKey: 'nope' }).send(new ListMeshesCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      $metadata: { httpStatusCode: 403 },
    });
    const unsigned = await rawRequest(served.url, { path: '/v20190125/meshes' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException');
  } finally {
    served.child.kill('SIGTERM');
    await served.exited;
  }
});

test('--verify-signatures takes the key pair from the environment/profile like the AWS CLI', async () => {
  const home = tempHome();
  const served = await serve(['--verify-signatures'], home, { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' });
  try {
    const ok = await client(served.url, { accessKeyId: 'AKIDENV', secretAccessKey: 'env-secret' }).send(new ListMeshesCommand({}));
    expect(ok.meshes).toEqual([]);
  } finally {
    served.child.kill('SIGTERM');
    await served.exited;
  }
});

test('--xds-port starts the ADS server beside the HTTP server and stops it with it', async () => {
  const home = tempHome();
  const served = await serve(['--xds-port', '0'], home);
  const canConnect = (port: number) =>
    new Promise<boolean>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.destroy();
        resolve(true);
      });
      sock.on('error', () => resolve(false));
    });
  let xdsPort = 0;
  try {
    const m = await waitUntil(() => /xds listening on 127\.0\.0\.1:(\d+)\n/.exec(served.stdout()), { describe: 'the xds listening line', observe: served.stdout });
    expect(m).not.toBeNull();
    xdsPort = Number(m![1]);
    expect(xdsPort).toBeGreaterThan(0);
    const health = JSON.parse((await rawRequest(served.url, { path: '/_awsmesh/health' })).body);
    expect(health.xds).toEqual({ port: xdsPort, clients: 0 });
    expect(await canConnect(xdsPort)).toBe(true);
  } finally {
    served.child.kill('SIGTERM');
    expect(await served.exited).toBe(0);
  }
  expect(await canConnect(xdsPort)).toBe(false);
});

test('bad flags exit 252 with a usage message and start nothing', async () => {
  const home = tempHome();
  const badPort = await runBin(['local', 'serve', '--port', 'eighty'], { home });
  expect(badPort.code).toBe(252);
  expect(badPort.stderr).toContain("argument --port: expected an integer from 0 to 65535, got 'eighty'");
  const noKeys = await runBin(['local', 'serve', '--port', '0', '--verify-signatures'], { home });
  expect(noKeys.code).toBe(252);
  expect(noKeys.stderr).toContain('--verify-signatures needs a key pair');
  const halfKeys = await runBin(['local', 'serve', '--port', '0', '--verify-signatures', '--access-key', 'A'], { home });
  expect(halfKeys.code).toBe(252);
  expect(halfKeys.stderr).toContain('--access-key and its secret (--secret-key-file or AWSMESH_SECRET_ACCESS_KEY) must be given together');
  const limit = await runBin(['local', 'serve', '--port', '0', '--max-body-bytes', '0'], { home });
  expect(limit.code).toBe(252);
});

test('only loopback hosts count as loopback (others get a warning at start-up)', () => {
  expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'].every(isLoopback)).toBe(true);
  expect(['0.0.0.0', '192.168.1.10', '::', 'example.com'].some(isLoopback)).toBe(false);
});
