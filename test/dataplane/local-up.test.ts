// `awsmesh local up | down | demo` as real processes: apps from a config file beside their
// sidecars, traffic through the mesh, `down` from another process, and the self-cleaning demo.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { APP } from './helpers';
import { applyWalkthrough, BIN, cli } from './cli';
import { waitUntil } from '../helpers/wait';
import { alive } from '../../src/dataplane/local/runfile';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-up-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function freshEnv(name: string): NodeJS.ProcessEnv {
  const home = path.join(tmp, name);
  return { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2', CI: '1' };
}

function get(port: number, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

test('local up --config runs apps and sidecars; local down stops them all', async () => {
  const env = freshEnv('up');
  applyWalkthrough(env);
  const config = path.join(tmp, 'mesh.local.yaml');
  fs.writeFileSync(config, [
    'mesh: apps',
    'proxies:',
    `  - virtualNode: serviceB\n    app: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(APP)}], env: { APP_NAME: serviceB } }`,
    `  - virtualNode: serviceBv2\n    app: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(APP)}], env: { APP_NAME: serviceBv2 } }`,
    `  - virtualNode: serviceA\n    app: { command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(APP)}], env: { APP_NAME: serviceA, UPSTREAM: "http://serviceb.apps.local/" } }`,
    '',
  ].join('\n'));
  const up = spawn(process.execPath, [BIN, 'local', 'up', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  up.stdout.on('data', (d) => (out += d));
  up.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => up.once('exit', (c) => r(c)));
  await waitUntil(() => out.includes('serviceA') || up.exitCode !== null, { describe: "`local up`'s table", timeoutMs: 15_000, observe: () => ({ out, err }) });
  expect(out).toContain('virtualNode/serviceB');
  expect(err).toContain('Mesh apps is up: 3 proxies, 3 apps');
  // The serviceA row: "virtualNode/serviceA │ pid N, port P │ 127.0.0.1:INGRESS │ …"
  const row = out.split('\n').find((l) => l.includes('virtualNode/serviceA'))!;
  const ingress = Number(/127\.0\.0\.1:(\d+)/.exec(row)![1]);
  const seen: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const r = await get(ingress, 'servicea.apps.local');
    expect(r.status).toBe(200);
    const who = JSON.parse(r.body).upstream.service as string;
    seen[who] = (seen[who] ?? 0) + 1;
  }
  expect(seen.serviceB).toBeGreaterThan(110);
  expect(seen.serviceBv2).toBeGreaterThan(20);

  const runFile = path.join(env.AWSMESH_HOME!, 'run', 'local-up-apps.json');
  const record = JSON.parse(fs.readFileSync(runFile, 'utf8'));
  expect(record.apps).toHaveLength(3);

  // A second `up` of the same mesh is refused.
  const again = cli(['local', 'up', '--mesh', 'apps'], env);
  expect(again.status).toBe(255);
  expect(again.stderr).toContain(`Mesh apps is already up (pid ${up.pid})`);

  const down = cli(['local', 'down'], env);
  expect(down.status).toBe(0);
  expect(down.stdout).toContain(`Stopped mesh apps (pid ${up.pid}, 3 proxies, 3 apps)`);
  expect(await exited).toBe(0);
  for (const a of record.apps) expect(alive(a.pid)).toBe(false);
  expect(fs.existsSync(runFile)).toBe(false);
  expect(cli(['local', 'down'], env).stderr).toContain('Nothing is up.');
}, 60_000);

test('local up/down/demo errors: unknown mesh 254, bad config or options 252', () => {
  const env = freshEnv('errors');
  const nope = cli(['local', 'up', '--mesh', 'nope'], env);
  expect(nope.status).toBe(254);
  expect(nope.stderr).toContain('(NotFoundException) when calling the DescribeMesh operation');
  const bad = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(bad, 'mesh: apps\nproxies:\n  - virtualNode: a\n    virtualGateway: b\n');
  const r = cli(['local', 'up', '--config', bad], env);
  expect(r.status).toBe(252);
  expect(r.stderr).toContain(`Invalid local up configuration ${bad}: proxies[0]: give exactly one of virtualNode or virtualGateway`);
  expect(cli(['local', 'up', '--config', path.join(tmp, 'missing.yaml')], env).stderr).toContain('no such file');
  expect(cli(['local', 'up'], env).status).toBe(252);
  expect(cli(['local', 'down', '--timeout', 'soon'], env).status).toBe(252);
  expect(cli(['local', 'demo', '--requests', '0'], env).stderr).toContain("argument --requests: expected an integer from 1 to 1000000, got '0'");
});

test('local demo: walkthrough, 75/25, update-route, cleanup — on a fresh home, exit 0', () => {
  const env = freshEnv('demo');
  const r = cli(['local', 'demo', '--requests', '400'], env);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.status).toBe(0);
  const [before, after] = r.stdout.split('After update-route');
  const share = (text: string, name: string) => Number(new RegExp(`${name}\\s+[█░]+\\s+([\\d.]+)%`).exec(text)![1]);
  expect(share(before, 'serviceB')).toBeGreaterThan(65);
  expect(share(before, 'serviceB')).toBeLessThan(85);
  expect(share(after, 'serviceBv2')).toBe(100);
  expect(r.stdout).toContain('0 failed.');
  // Cleaned up: the mesh is gone, so the demo can run again.
  expect(cli(['appmesh', 'describe-mesh', '--mesh-name', 'apps'], env).status).toBe(254);
  // An existing mesh of the same name is never touched.
  expect(cli(['appmesh', 'create-mesh', '--mesh-name', 'apps'], env).status).toBe(0);
  const refused = cli(['local', 'demo'], env);
  expect(refused.status).toBe(255);
  expect(refused.stderr).toContain('A mesh named apps already exists');
}, 60_000);
