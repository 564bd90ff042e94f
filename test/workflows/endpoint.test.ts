// The CI workflow through `--endpoint-url` (aws backend, SDK v3) against a real `awsmesh local
// serve` child process on an ephemeral port: apply, idempotency, update, export (identical to the
// local backend's export of the same store), validate --against-live, prune to nothing.
// Needs `npm run build` (bin/awsmesh runs dist/).

import * as fs from 'fs';
import * as path from 'path';
import { cleanEnv, cleanupHomes, ROOT, runBin, tempHome } from '../helpers/run-cli';
import { startServe, stopServes } from '../helpers/serve-process';
import { cleanupDirs, readTree, tempDir, writeTree } from './helpers';

const EXAMPLE = path.join(ROOT, 'examples', 'ci', 'apps');
const CREDS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-west-2' };

let url = '';
const serverHome = tempHome();

beforeAll(async () => {
  url = (await startServe({ env: cleanEnv(serverHome) })).url;
}, 30_000);

afterAll(async () => {
  await stopServes();
  cleanupDirs();
  cleanupHomes();
});

const remote = (args: string[]) => runBin(['--endpoint-url', url, ...args], { env: CREDS });

test('apply, re-apply, update, export, validate --against-live and prune through --endpoint-url', async () => {
  const applied = await remote(['apply', '-f', EXAMPLE]);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  expect(applied.stdout).toContain('+ created Mesh apps\n');
  expect(applied.stdout).toContain('Apply complete: 8 created, 0 updated, 0 deleted.');

  expect(await remote(['apply', '-f', EXAMPLE])).toMatchObject({ code: 0, stdout: 'No changes.\n' });

  // the same store, read by the local backend directly: same export, byte for byte
  const viaEndpoint = tempDir();
  const viaLocal = tempDir();
  expect((await remote(['export', '--mesh', 'apps', '--dir', viaEndpoint])).code).toBe(0);
  expect((await runBin(['export', '--mesh', 'apps', '--dir', viaLocal], { home: serverHome })).code).toBe(0);
  expect(readTree(viaEndpoint)).toEqual(readTree(viaLocal));
  expect(Object.keys(readTree(viaEndpoint))).toHaveLength(8);

  // a canary shift: 75/25 → 50/50, shown then applied; tags changed on a service
  const changed = writeTree(tempDir(), Object.fromEntries(fs.readdirSync(EXAMPLE).map((f) => [f, fs.readFileSync(path.join(EXAMPLE, f), 'utf8')])));
  const routing = path.join(changed, 'routing.yaml');
  fs.writeFileSync(routing, fs.readFileSync(routing, 'utf8').replace('weight: 75', 'weight: 50').replace('weight: 25', 'weight: 50'));
  const plan = await remote(['apply', '-f', changed, '--dry-run']);
  expect(plan.stdout).toBe([
    '~ update Route apps/serviceB/serviceB',
    '    ~ spec.http2Route.action.weightedTargets[0].weight: 75 → 50',
    '    ~ spec.http2Route.action.weightedTargets[1].weight: 25 → 50',
    '',
    'Plan: 0 to create, 1 to update, 0 to delete.',
    '',
  ].join('\n'));
  const updated = await remote(['apply', '-f', changed]);
  expect(updated.stdout).toBe('~ updated Route apps/serviceB/serviceB\nApply complete: 0 created, 1 updated, 0 deleted.\n');

  // the route alone, checked against what the endpoint has
  const routeOnly = writeTree(tempDir(), { 'route.yaml': fs.readFileSync(routing, 'utf8').split('---\n')[1] });
  const alone = await remote(['validate', routeOnly, '--output', 'json']);
  expect(alone.code).toBe(1);
  expect(JSON.parse(alone.stdout).map((f: { code: string }) => f.code)).toEqual(['AM0101', 'AM0102', 'AM0103', 'AM0103']);
  const live = await remote(['validate', routeOnly, '--against-live', '--output', 'json']);
  expect(live.code).toBe(0);
  expect(JSON.parse(live.stdout)).toEqual([]);

  const pruned = await remote(['apply', '--mesh', 'apps', '--prune', '--yes']);
  expect(pruned.code).toBe(0);
  expect(pruned.stdout).toContain('- deleted Mesh apps\nApply complete: 0 created, 0 updated, 8 deleted.');
  const meshes = await remote(['appmesh', 'list-meshes', '--output', 'json']);
  expect(JSON.parse(meshes.stdout)).toEqual({ meshes: [] });
}, 60_000);
