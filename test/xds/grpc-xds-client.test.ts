// A real xDS client against our ADS server: @grpc/grpc-js-xds, bootstrapped with
// GRPC_XDS_BOOTSTRAP_CONFIG as virtual node serviceA of the EC2 walkthrough's mesh, calls
// xds:///serviceb.apps.local. Two gRPC servers (serviceB and serviceBv2) are the endpoints of the
// walkthrough's two virtual nodes, registered as Cloud Map instances. The route is the walkthrough's
// 75/25; an `awsmesh appmesh update-route` during the calls moves it to 25/75 without failed calls.
// Weighted picks are random (Math.random in grpc-js-xds): the 75/25 is held to the ±3 points over
// 2,000 calls we promise (with one independent re-sample, see below); the shares around the update
// are checked to about ±5 standard deviations of their smaller samples, far from the other split.
// grpc-js-xds caches its bootstrap per process, so the client runs as a child process.

import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { generateKeyPairSync } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBackend } from '../../src/backends/local/local-backend';
import { openSqliteStore } from '../../src/backends/local/store/sqlite-store';
import { startAdsServer, type AdsServerHandle } from '../../src/xds';
import { cleanupHomes, ROOT, runCli, WALKTHROUGH } from '../helpers/run-cli';
import { waitUntil } from '../helpers/wait';
import { startProductionServe, stopAll } from '../serve/helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startEchoServer } = require('./fixtures/echo-service') as {
  startEchoServer(name: string): Promise<{ port: number; close(): Promise<void> }>;
};

const REGION = 'us-west-2';
type Json = Record<string, any>;

let home: string;
let backend: LocalBackend;
let ads: AdsServerHandle;
let servers: Array<{ port: number; close(): Promise<void> }> = [];
let child: ChildProcessWithoutNullStreams | undefined;

const appmesh = (op: string, input: Json) => backend.invoke('appmesh', op, input, { region: REGION });
const cloudmap = (op: string, input: Json) => backend.invoke('servicediscovery', op, input, { region: REGION });
const walkthrough = (file: string): Json => JSON.parse(fs.readFileSync(path.join(WALKTHROUGH, file), 'utf8'));

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-grpc-xds-'));
  backend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: '111122223333' });
  servers = [await startEchoServer('serviceB'), await startEchoServer('serviceBv2')];

  // Cloud Map: one instance per version, at its gRPC server's port.
  await cloudmap('CreateHttpNamespace', { Name: 'apps.local' });
  const ns = ((await cloudmap('ListNamespaces', {})).Namespaces as Json[]).find((n) => n.Name === 'apps.local')!;
  for (const [i, name] of ['serviceB', 'serviceBv2'].entries()) {
    const svc = (await cloudmap('CreateService', { Name: name, NamespaceId: ns.Id })).Service as Json;
    await cloudmap('RegisterInstance', {
      ServiceId: svc.Id, InstanceId: `${name}-1`,
      Attributes: { AWS_INSTANCE_IPV4: '127.0.0.1', AWS_INSTANCE_PORT: String(servers[i].port) },
    });
  }

  // The walkthrough, with the two serviceB nodes discovered through Cloud Map instead of DNS.
  const viaCloudMap = (input: Json, serviceName: string) => ({
    ...input, spec: { ...input.spec, serviceDiscovery: { awsCloudMap: { namespaceName: 'apps.local', serviceName } } },
  });
  await appmesh('CreateMesh', { meshName: 'apps' });
  await appmesh('CreateVirtualService', { meshName: 'apps', virtualServiceName: 'serviceb.apps.local', spec: {} });
  await appmesh('CreateVirtualNode', viaCloudMap(walkthrough('create-virtual-node-serviceb.json'), 'serviceB'));
  await appmesh('CreateVirtualRouter', walkthrough('create-virtual-router.json'));
  await appmesh('CreateRoute', walkthrough('create-route.json'));
  await appmesh('CreateVirtualNode', viaCloudMap(walkthrough('create-virtual-node-servicebv2.json'), 'serviceBv2'));
  await appmesh('CreateVirtualNode', walkthrough('create-virtual-node-servicea.json'));
  await appmesh('UpdateVirtualService', walkthrough('update-virtual-service.json'));
  await appmesh('UpdateRoute', walkthrough('update-route.json'));

  ads = await startAdsServer({ backend, region: REGION });
}, 30_000);

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await stopAll();
  await ads?.close();
  await Promise.all(servers.map((s) => s.close()));
  await backend?.close();
  fs.rmSync(home, { recursive: true, force: true });
  cleanupHomes();
});

interface RunResult {
  counts: Record<string, number>;
  failures: number;
  errors: string[];
  sequence: string[];
}

interface XdsClientProcess {
  ready: Promise<void>;
  /** Sends a batch of calls (0: until `mark` ends it) and resolves with its results. */
  run(calls: number, onProgress?: (done: number) => void): Promise<RunResult>;
  /** Ends the running batch `more` calls from now; resolves with the index of the first call started after this. */
  mark(more: number): Promise<number>;
}

/** The grpc-js-xds client process: plaintext to the in-process ADS server, or as `tls` says. */
function startClient(tls?: { serverUri: string; env: NodeJS.ProcessEnv }): XdsClientProcess {
  const bootstrap = {
    xds_servers: [{
      server_uri: tls?.serverUri ?? ads.address,
      // google_default: TLS with grpc-js's default roots (GRPC_DEFAULT_SSL_ROOTS_FILE_PATH) plus a Google call credential.
      channel_creds: [{ type: tls ? 'google_default' : 'insecure' }],
      server_features: ['xds_v3'],
    }],
    node: { id: 'mesh/apps/virtualNode/serviceA', locality: {} },
  };
  child = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'grpc-xds-client.js'), 'xds:///serviceb.apps.local'], {
    cwd: ROOT,
    env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(bootstrap), GRPC_XDS_BOOTSTRAP: '', ...tls?.env },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let buffer = '';
  const listeners: Array<(msg: Json) => void> = [];
  child.stdout.on('data', (d) => {
    buffer += d;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      for (const l of [...listeners]) l(msg);
    }
  });
  const next = (pred: (m: Json) => boolean, onOther?: (m: Json) => void) => new Promise<Json>((resolve, reject) => {
    const l = (m: Json) => {
      if (pred(m)) {
        listeners.splice(listeners.indexOf(l), 1);
        resolve(m);
      } else onOther?.(m);
    };
    listeners.push(l);
    child!.once('exit', (code) => reject(new Error(`xDS client exited (${code}): ${stderr}`)));
  });
  return {
    ready: next((m) => m.ready).then(() => undefined),
    run(calls, onProgress) {
      child!.stdin.write(`run ${calls} 8\n`);
      return next((m) => m.done, (m) => m.progress && onProgress?.(m.progress)) as Promise<RunResult>;
    },
    async mark(more) {
      const marked = next((m) => m.mark !== undefined);
      child!.stdin.write(`mark ${more}\n`);
      return (await marked).mark as number;
    },
  };
}

const share = (seq: string[], name: string) => (100 * seq.filter((s) => s === name).length) / seq.length;

test('grpc-js-xds follows the walkthrough\'s 75/25 route, and update-route shifts it with no failed call', async () => {
  const client = startClient();
  await client.ready;

  const first = await client.run(2000);
  expect(first.errors).toEqual([]);
  expect(first.failures).toBe(0);
  expect(first.counts.serviceB + first.counts.serviceBv2).toBe(2000);
  // 75/25 within ±3 points over 2,000 calls. ±3 is 3.1 standard deviations of 2,000 random picks, so
  // a correct split misses it in ~0.2 % of runs by chance alone; then a second, independent 2,000
  // must hit it (both missing by chance: ~4 in a million), which still fails a skewed split.
  let observed = share(first.sequence, 'serviceB');
  if (Math.abs(observed - 75) > 3) {
    const again = await client.run(2000);
    expect(again.failures).toBe(0);
    observed = share(again.sequence, 'serviceB');
  }
  expect(Math.abs(observed - 75)).toBeLessThanOrEqual(3);

  // The server saw one gRPC client as serviceA, every type ACKed.
  const [proxy] = ads.status().clients;
  expect(proxy).toMatchObject({ nodeId: 'mesh/apps/virtualNode/serviceA', flavor: 'grpc' });
  expect(proxy.types.map((t) => [t.type, t.state])).toEqual([['LDS', 'SYNCED'], ['RDS', 'SYNCED'], ['CDS', 'SYNCED'], ['EDS', 'SYNCED']]);
  const rdsVersion = Number(proxy.types.find((t) => t.type === 'RDS')!.ackedVersion);
  const rdsAcked = () => Number(ads.status().clients[0]?.types.find((t) => t.type === 'RDS')?.ackedVersion);

  // The same update-route a user would run, through the CLI on the same AWSMESH_HOME, mid-run: the
  // calls go on until the client has ACKed the new route, then for 1,100 more.
  const shifted = walkthrough('update-route.json');
  shifted.spec.http2Route.action.weightedTargets = [{ virtualNode: 'serviceB', weight: 25 }, { virtualNode: 'serviceBv2', weight: 75 }];
  let update: Promise<{ code: number; stderr: string }> | undefined;
  const second = client.run(0, (done) => {
    if (done === 500) update = runCli(['appmesh', 'update-route', '--cli-input-json', JSON.stringify(shifted)], { home });
  });
  second.catch(() => undefined); // awaited below; a child that dies fails the waits first
  await waitUntil(() => update !== undefined, { describe: '500 calls', timeoutMs: 30_000 });
  const updated = await update!;
  expect(updated.code).toBe(0);
  await waitUntil(() => rdsAcked() > rdsVersion, { describe: 'the new route ACKed', timeoutMs: 20_000 });
  const mark = await client.mark(1100);
  const result = await second;
  expect(result.errors).toEqual([]);
  expect(result.failures).toBe(0);
  expect(mark).toBeGreaterThan(500);
  expect(result.sequence).toHaveLength(mark + 1100);
  // Before the change 75/25 (the first 400 calls started before the update), after it 25/75 (calls
  // started after the ACK, skipping the first 100).
  expect(Math.abs(share(result.sequence.slice(0, 400), 'serviceB') - 75)).toBeLessThanOrEqual(11);
  expect(Math.abs(share(result.sequence.slice(mark + 100), 'serviceB') - 25)).toBeLessThanOrEqual(7);
  const rds = ads.status().clients[0].types.find((t) => t.type === 'RDS')!;
  expect(Number(rds.ackedVersion)).toBe(rdsVersion + 1);
  expect(rds.nacks).toBe(0);
}, 60_000);

test('over TLS to `awsmesh serve` (its certificate from the local CA), grpc-js-xds still sees 75/25', async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  // grpc-js-xds 1.14 knows two channel credentials: insecure and google_default (TLS + a Google
  // token). Its token comes from a throwaway service-account key, signed locally (a self-signed
  // JWT, no network); awsmesh serve --auth none ignores it. TLS trusts only the local CA.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = path.join(home, 'google-sa.json');
  fs.writeFileSync(keyFile, JSON.stringify({
    type: 'service_account', project_id: 'awsmesh-test', private_key_id: 'k1', client_id: '1',
    client_email: 'xds@awsmesh-test.iam.gserviceaccount.com', private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
  }), { mode: 0o600, flag: 'wx' });
  await appmesh('UpdateRoute', walkthrough('update-route.json')); // back to 75/25 after the test above
  const serve = await startProductionServe(home, ['--tls-hostname', 'localhost', '--auth', 'none', '--debounce-ms', '0', '--debounce-max-ms', '0']);
  const client = startClient({
    serverUri: `localhost:${serve.xdsPort}`,
    env: { GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: path.join(home, 'ca', 'root', 'ca.pem'), GOOGLE_APPLICATION_CREDENTIALS: keyFile, NO_GCE_CHECK: 'true' },
  });
  await client.ready;
  const first = await client.run(2000);
  expect(first.errors).toEqual([]);
  expect(first.failures).toBe(0);
  // The same ±3 points and independent re-sample as above.
  let observed = share(first.sequence, 'serviceB');
  if (Math.abs(observed - 75) > 3) observed = share((await client.run(2000)).sequence, 'serviceB');
  expect(Math.abs(observed - 75)).toBeLessThanOrEqual(3);
  expect(serve.stderr()).toMatch(/xDS: mesh\/apps\/virtualNode\/serviceA connected from .*gRPC Node/);
  expect(serve.stderr()).toMatch(/TLS from the local CA \(localhost/);
  child!.kill('SIGKILL');
  await serve.stop();
}, 120_000);
