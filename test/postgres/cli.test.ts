// The PostgreSQL store from the command line: --store and AWSMESH_STORE_URL for every command,
// passwords kept off argv and out of messages, bad URLs / logins / hosts / schemas as exit 255
// with nothing written, `serve` refusing to start on a store it cannot use, and `store copy`
// between SQLite and PostgreSQL both ways. Needs `npm run build` (some tests run bin/awsmesh).

import * as fs from 'fs';
import * as path from 'path';
import { PG_SCHEMA_VERSION } from '../../src/backends/local/store/postgres/pg-migrations';
import { postgresCluster, usePostgres, type PgCluster } from '../helpers/postgres';
import { cleanEnv, cleanupHomes, runBin, runCli, tempHome } from '../helpers/run-cli';
import { startServe, stopServes } from '../helpers/serve-process';

const why = usePostgres();
const pgTest = why ? (name: string, _fn: () => Promise<void>) => test(name, () => console.log(`not run: ${why}`)) : test;

let cluster: PgCluster;
beforeAll(async () => {
  if (!why) cluster = await postgresCluster();
});
afterAll(async () => {
  await stopServes();
  cleanupHomes();
});

const dbName = (url: string) => new URL(url).pathname.slice(1);
/** The URL as a user passes it on the command line: no password (that comes from PGPASSWORD). */
const withoutPassword = (url: string) => url.replace(`:${cluster.password}@`, '@');

pgTest('--store with PGPASSWORD, and AWSMESH_STORE_URL, reach the same database from separate invocations', async () => {
  const url = await cluster.database();
  const created = await runCli(['--store', withoutPassword(url), 'appmesh', 'create-mesh', '--mesh-name', 'team'], { env: { PGPASSWORD: cluster.password } });
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const listed = await runCli(['appmesh', 'list-meshes', '--query', 'meshes[].meshName'], { env: { AWSMESH_STORE_URL: url } });
  expect(JSON.parse(listed.stdout)).toEqual(['team']);
  const status = await runCli(['local', 'status'], { env: { AWSMESH_STORE_URL: url } });
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`State:     ${withoutPassword(url)}`);
  expect(status.stdout).not.toContain(cluster.password);
  const check = await runCli(['local', 'check', '--output', 'json'], { env: { AWSMESH_STORE_URL: url } });
  expect(JSON.parse(check.stdout).checks).toEqual(expect.arrayContaining([
    expect.objectContaining({ section: 'local state', status: 'ok', message: `state store reachable (${withoutPassword(url)})` }),
  ]));
  // The SQLite default under AWSMESH_HOME was never touched.
  const home = tempHome();
  await runCli(['appmesh', 'list-meshes'], { home, env: { AWSMESH_STORE_URL: url } });
  expect(fs.existsSync(path.join(home, 'state.db'))).toBe(false);
});

pgTest('describe as a process: the found resource and exit 0, the first missing container as NotFound and exit 254', async () => {
  // A describe reads on the store's shared connection (getMany); the process must still close it
  // and leave with the command's own exit code.
  const url = await cluster.database();
  const env = { AWSMESH_STORE_URL: url };
  expect((await runBin(['appmesh', 'create-mesh', '--mesh-name', 'team'], { env })).code).toBe(0);
  const found = await runBin(['appmesh', 'describe-mesh', '--mesh-name', 'team', '--query', 'mesh.meshName'], { env });
  expect([found.code, JSON.parse(found.stdout)]).toEqual([0, 'team']);
  const noMesh = await runBin(['appmesh', 'describe-route', '--mesh-name', 'other', '--virtual-router-name', 'r', '--route-name', 'x'], { env });
  expect(noMesh.code).toBe(254);
  expect(noMesh.stderr).toContain('Mesh with name other is not present');
  const noRouter = await runBin(['appmesh', 'describe-route', '--mesh-name', 'team', '--virtual-router-name', 'r', '--route-name', 'x'], { env });
  expect(noRouter.code).toBe(254);
  expect(noRouter.stderr).toContain('VirtualRouter with name r is not present under mesh team');
});

pgTest('bad store input: exit 255, a message naming the problem, no password shown, nothing written', async () => {
  const url = await cluster.database();
  const env = { PGPASSWORD: cluster.password };
  const cases: Array<{ args: string[]; env?: NodeJS.ProcessEnv; message: RegExp }> = [
    { args: ['--store', 'mysql://db/x'], message: /--store: unknown store 'mysql:\/\/db\/x' \(expected sqlite:PATH or postgres:/ },
    { args: ['--store', url], message: /--store: a password on the command line is visible to every user/ },
    { args: [], env: { AWSMESH_STORE_URL: url.replace(cluster.password, 'wrong-secret') }, message: /refused the login of user 'postgres'.*password authentication failed/ },
    { args: ['--store', `postgres://postgres@127.0.0.1:1/x`], env, message: /PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/x is unreachable: .*ECONNREFUSED/ },
    { args: ['--store', withoutPassword(cluster.url('absent'))], env, message: /database "absent" does not exist/ },
  ];
  for (const c of cases) {
    const r = await runCli([...c.args, 'appmesh', 'create-mesh', '--mesh-name', 'nope'], { env: { ...env, ...c.env } });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 255, stderr: expect.stringMatching(c.message) });
    expect(r.stderr).not.toMatch(/wrong-secret|at .*\.js:\d+/);
    expect(r.stderr).not.toContain(cluster.password);
  }
  // A database written by a newer awsmesh: refused, and left as it was.
  await cluster.sql(`UPDATE awsmesh.schema_version SET version = ${PG_SCHEMA_VERSION + 1}`, dbName(url));
  const newer = await runBin(['appmesh', 'create-mesh', '--mesh-name', 'nope'], { env: { AWSMESH_STORE_URL: url } });
  expect(newer.code).toBe(255);
  expect(newer.stderr).toMatch(/written by a newer awsmesh \(schema \d+, this version knows \d+\); upgrade awsmesh/);
  expect(await cluster.sql('SELECT count(*)::int AS n FROM awsmesh.resources', dbName(url))).toEqual([{ n: 0 }]);
});

pgTest('serve refuses to start on a store it cannot use', async () => {
  const home = tempHome();
  const r = await runBin(['local', 'serve', '--port', '0'], { home, env: { AWSMESH_STORE_URL: `postgres://postgres:pw@127.0.0.1:1/x` } });
  expect(r.code).toBe(255);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(/PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/x is unreachable/);
  expect(r.stderr).not.toContain(':pw@');
});

pgTest('store copy: SQLite to PostgreSQL and back; a non-empty target is refused unless --replace', async () => {
  const home = tempHome();
  const sqlite = path.join(home, 'state.db');
  for (const args of [
    ['appmesh', 'create-mesh', '--mesh-name', 'laptop'],
    ['appmesh', 'create-virtual-node', '--mesh-name', 'laptop', '--virtual-node-name', 'web', '--spec', '{}'],
    ['appmesh', 'create-virtual-router', '--mesh-name', 'laptop', '--virtual-router-name', 'r', '--spec', '{"listeners":[{"portMapping":{"port":80,"protocol":"http"}}]}'],
    ['appmesh', 'create-route', '--mesh-name', 'laptop', '--virtual-router-name', 'r', '--route-name', 'x', '--spec',
      '{"httpRoute":{"match":{"prefix":"/"},"action":{"weightedTargets":[{"virtualNode":"web","weight":1}]}}}'],
    ['iam', 'create-role', '--role-name', 'envoy', '--assume-role-policy-document', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'],
  ]) {
    expect((await runCli(args, { home })).code).toBe(0);
  }
  const url = await cluster.database();
  const env = { PGPASSWORD: cluster.password };
  const to = withoutPassword(url);
  const copied = await runCli(['store', 'copy', '--to', to], { home, env });
  expect(copied).toMatchObject({ code: 0, stderr: `copied 5 resources and 1 references from ${sqlite} to ${to}\n` });

  // The copy answers like the original: the route still holds its node in use.
  const inUse = await runCli(['appmesh', 'delete-virtual-node', '--mesh-name', 'laptop', '--virtual-node-name', 'web'], { env: { AWSMESH_STORE_URL: url } });
  expect(inUse.code).toBe(254);
  expect(inUse.stderr).toContain('ResourceInUseException');
  const roles = await runCli(['iam', 'list-roles', '--query', 'Roles[].RoleName'], { env: { AWSMESH_STORE_URL: url } });
  expect(JSON.parse(roles.stdout)).toEqual(['envoy']);

  const again = await runCli(['store', 'copy', '--from', `sqlite:${sqlite}`, '--to', to], { home, env });
  expect(again.code).toBe(255);
  expect(again.stderr).toContain(`${to} already holds 5 resources; nothing was copied (pass --replace to delete them first)`);
  const replaced = await runCli(['store', 'copy', '--from', `sqlite:${sqlite}`, '--to', to, '--replace'], { home, env });
  expect(replaced.stderr).toContain('(replacing 5)');

  // And back, into a new SQLite file: the same export, byte for byte.
  const back = path.join(home, 'back.db');
  expect((await runCli(['store', 'copy', '--from', to, '--to', `sqlite:${back}`], { home, env })).code).toBe(0);
  const exportOf = async (e: NodeJS.ProcessEnv) => (await runCli(['local', 'export'], { home, env: e })).stdout;
  expect(await exportOf({ AWSMESH_STORE_URL: `sqlite:${back}` })).toBe(await exportOf({}));
  expect(await exportOf({ AWSMESH_STORE_URL: url })).toBe(await exportOf({}));
});

pgTest('serve on PostgreSQL: the health document names the store without its password', async () => {
  const url = await cluster.database();
  const server = await startServe({ args: ['--quiet'], env: cleanEnv(tempHome(), { AWSMESH_STORE_URL: url }) });
  const health = await (await fetch(`${server.url}/_awsmesh/health`)).json() as Record<string, unknown>;
  expect(health.store).toBe(withoutPassword(url));
  await server.stop();
});
