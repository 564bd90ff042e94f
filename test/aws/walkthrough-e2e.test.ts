// End to end, real processes only: the EC2 walkthrough (examples/walkthrough-ec2/run.sh) and the
// IAM / Cloud Map commands of mesh set-ups, run twice — on the local backend, and through the aws
// backend (`--endpoint-url` / AWS_ENDPOINT_URL) against `awsmesh local serve` — and every output
// compared. They must be identical apart from generated ids and timestamps.
// Needs `npm run build` (bin/awsmesh runs dist/).

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanEnv, cleanupHomes, ROOT, runBin, tempHome, WALKTHROUGH, type CliResult } from '../helpers/run-cli';
import { startServe, stopServes } from '../helpers/serve-process';

const REGION = 'us-west-2';
const KEYS = { AWS_ACCESS_KEY_ID: 'AKIDE2E', AWS_SECRET_ACCESS_KEY: 'e2e-secret' };

let serverUrl: string;
let serverHome: string;
let localHome: string;

/** Starts `awsmesh local serve` on an ephemeral port and resolves with its URL. */
const serve = async (home: string): Promise<string> => (await startServe({ args: ['--quiet'], env: cleanEnv(home) })).url;

/** Environment that sends every awsmesh call of a run through the aws backend to the server. */
const viaServer = (url: string): NodeJS.ProcessEnv => ({ AWSMESH_BACKEND: 'aws', AWS_ENDPOINT_URL: url, AWS_REGION: REGION, ...KEYS });

function runScript(script: string, home: string, env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', [script], { cwd: ROOT, env: cleanEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 255, stdout, stderr });
    });
  });
}

/** Values that legitimately differ between two runs: generated ids, times, opaque tokens. */
const VOLATILE_KEYS = new Set([
  'uid', 'createdAt', 'lastUpdatedAt', 'RoleId', 'PolicyId', 'CreateDate', 'UpdateDate', 'OperationId',
  'CreatorRequestId', 'NextToken', 'nextToken', 'Id', 'NamespaceId', 'ServiceId', 'Arn', 'InstanceId',
]);
const TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00/g;
const CLOUD_MAP_ID = /\b(ns|srv)-[a-z0-9]{16}\b/g;

/** A JSON document printed by awsmesh with the volatile values masked (keys kept, so shape still counts). */
function mask(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => mask(v));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, k)]));
  }
  if (VOLATILE_KEYS.has(key) && (typeof value === 'string' || typeof value === 'number')) {
    return typeof value === 'string' ? value.replace(CLOUD_MAP_ID, '$1-<id>').replace(/^(?!arn:)[^]*$/, '<volatile>') : '<volatile>';
  }
  return typeof value === 'string' ? value.replace(TIMESTAMP, '<time>').replace(CLOUD_MAP_ID, '$1-<id>') : value;
}

/** Splits concatenated pretty-printed JSON documents (each ends with a `}` line) and masks them. */
function documents(stdout: string): unknown[] {
  return stdout.split(/^\}$/m).map((s) => s.trim()).filter(Boolean).map((s) => mask(JSON.parse(`${s}\n}`)));
}

beforeAll(async () => {
  serverHome = tempHome('awsmesh-e2e-serve-');
  localHome = tempHome('awsmesh-e2e-local-');
  serverUrl = await serve(serverHome);
}, 30_000);

afterAll(async () => {
  await stopServes();
  cleanupHomes();
});

describe('the EC2 walkthrough: local backend vs aws backend → local serve', () => {
  let local: CliResult;
  let remote: CliResult;

  beforeAll(async () => {
    const script = path.join(WALKTHROUGH, 'run.sh');
    expect(fs.existsSync(script)).toBe(true);
    [local, remote] = await Promise.all([
      runScript(script, localHome, { AWS_REGION: REGION }),
      runScript(script, serverHome, viaServer(serverUrl)),
    ]);
  }, 120_000);

  it('both runs succeed with the same steps', () => {
    expect(local.code).toBe(0);
    expect(remote.code).toBe(0);
    const steps = (r: CliResult) => r.stderr.split('\n').filter((l) => l.startsWith('==> '));
    expect(steps(remote)).toEqual(steps(local));
    expect(steps(local).length).toBeGreaterThanOrEqual(10);
  });

  it('every output is identical apart from uids and timestamps', () => {
    const a = documents(local.stdout);
    const b = documents(remote.stdout);
    expect(a.length).toBeGreaterThanOrEqual(14);
    expect(b).toEqual(a);
    // the aws run really went through the server: its state is there, not in the local home
    expect(JSON.stringify(a)).toContain(`arn:aws:appmesh:${REGION}:111122223333:mesh/apps/virtualRouter/serviceB/route/serviceB`);
  });

  it('the state the aws run created is in the server\'s store, as the local backend sees it', async () => {
    const direct = await runBin(['appmesh', 'describe-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB', '--region', REGION], { home: serverHome });
    const viaAws = await runBin(['--endpoint-url', serverUrl, '--region', REGION, 'appmesh', 'describe-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB'], { home: localHome, env: KEYS });
    expect(direct.code).toBe(0);
    expect(viaAws.code).toBe(0);
    // Same resource, same store: identical except timestamps (the SDK keeps milliseconds only).
    expect(documents(viaAws.stdout)).toEqual(documents(direct.stdout));
    expect(JSON.parse(viaAws.stdout).route.spec.http2Route.action.weightedTargets).toEqual([
      { virtualNode: 'serviceB', weight: 75 }, { virtualNode: 'serviceBv2', weight: 25 },
    ]);
  });
});

describe('IAM, Cloud Map and errors: same text and exit codes on both backends', () => {
  const home = { local: '', remote: '' };
  let url: string;
  beforeAll(async () => {
    home.local = tempHome('awsmesh-e2e-l2-');
    home.remote = tempHome('awsmesh-e2e-r2-');
    // A server of its own: the walkthrough's mesh must not show up in these lists.
    url = await serve(tempHome('awsmesh-e2e-s2-'));
    fs.writeFileSync(path.join(home.local, 'trust.json'), JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    }));
    fs.copyFileSync(path.join(home.local, 'trust.json'), path.join(home.remote, 'trust.json'));
  });

  /** Runs one command on both backends (each with its own state) and returns both results. */
  async function both(args: string[]): Promise<[CliResult, CliResult]> {
    return Promise.all([
      runBin(['--region', REGION, ...args], { home: home.local, cwd: home.local }),
      runBin(['--endpoint-url', url, '--region', REGION, ...args], { home: home.remote, cwd: home.remote, env: KEYS }),
    ]);
  }

  /** Name, arguments, the exit code both must give. */
  const steps: Array<[string, string[], number]> = [
    ['create-role', ['iam', 'create-role', '--role-name', 'mesh-virtual-node-service-b', '--assume-role-policy-document', 'file://trust.json'], 0],
    ['create-role again', ['iam', 'create-role', '--role-name', 'mesh-virtual-node-service-b', '--assume-role-policy-document', 'file://trust.json'], 254],
    ['attach-role-policy', ['iam', 'attach-role-policy', '--role-name', 'mesh-virtual-node-service-b', '--policy-arn', 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly'], 0],
    ['list-attached-role-policies', ['iam', 'list-attached-role-policies', '--role-name', 'mesh-virtual-node-service-b'], 0],
    ['get-role', ['iam', 'get-role', '--role-name', 'mesh-virtual-node-service-b'], 0],
    ['get-role missing', ['iam', 'get-role', '--role-name', 'nobody'], 254],
    ['create-http-namespace', ['servicediscovery', 'create-http-namespace', '--name', 'apps-e2e'], 0],
    ['list-namespaces', ['servicediscovery', 'list-namespaces', '--query', 'Namespaces[].{Name:Name,Type:Type}'], 0],
    ['describe-mesh missing', ['appmesh', 'describe-mesh', '--mesh-name', 'missing'], 254],
    ['create-mesh', ['appmesh', 'create-mesh', '--mesh-name', 'm1', '--tags', 'key=team,value=core'], 0],
    ['create-mesh again', ['appmesh', 'create-mesh', '--mesh-name', 'm1'], 254],
    ['create-mesh m2', ['appmesh', 'create-mesh', '--mesh-name', 'm2'], 0],
    ['list-meshes --max-items 1', ['appmesh', 'list-meshes', '--max-items', '1', '--query', 'meshes[].meshName'], 0],
    ['list-meshes text', ['appmesh', 'list-meshes', '--output', 'text', '--query', 'sort(meshes[].meshName)'], 0],
    ['bad input', ['appmesh', 'create-virtual-node', '--mesh-name', 'm1', '--virtual-node-name', 'n', '--spec', '{"listeners":[{"portMapping":{"port":0,"protocol":"http"}}]}'], 252],
    ['delete-mesh', ['appmesh', 'delete-mesh', '--mesh-name', 'm2', '--query', 'mesh.status'], 0],
  ];

  it.each(steps)('%s', async (_name, args, code) => {
    const [l, r] = await both(args);
    expect([l.code, r.code]).toEqual([code, code]);
    expect(r.stderr).toBe(l.stderr);
    if (l.stdout.trim().startsWith('{')) {
      expect(documents(r.stdout)).toEqual(documents(l.stdout));
    } else {
      expect(r.stdout.replace(TIMESTAMP, '<time>')).toBe(l.stdout.replace(TIMESTAMP, '<time>'));
    }
  });
});
