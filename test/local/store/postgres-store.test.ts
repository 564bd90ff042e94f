// What only the PostgreSQL store has: migrations under an advisory lock, refusing a newer
// schema, clear errors for bad URLs, logins and hosts, serialised writers across connections,
// and the LISTEN/NOTIFY change feed catching up after its connection was cut.

import { openStore } from '../../../src/backends/local';
import { isStoreUnavailable } from '../../../src/backends/local/store/errors';
import { PG_SCHEMA_VERSION } from '../../../src/backends/local/store/postgres/pg-migrations';
import type { Partition, Store, StoredResource } from '../../../src/backends/local/store/store';
import { parseStoreUrl, redactUrl } from '../../../src/backends/local/store/store-url';
import { postgresCluster, usePostgres, type PgCluster } from '../../helpers/postgres';
import { waitUntil } from '../../helpers/wait';

const P: Partition = { account: '111122223333', region: 'us-west-2' };
const res = (name: string, data: Record<string, unknown> = {}): StoredResource => ({
  service: 'svc', kind: 'thing', parent: '', name, arn: `arn:test:/${name}`, data, createdAt: 1, updatedAt: 1,
});

const why = usePostgres();
const pgTest = why ? (name: string, _fn: () => Promise<void>) => test(name, () => console.log(`not run: ${why}`)) : test;

let cluster: PgCluster;
let dbs = 0;
const stores: Store[] = [];
const open = (url: string): Store => {
  const s = openStore(parseStoreUrl(url, { fromArgv: false }), {});
  stores.push(s);
  return s;
};
/** A database awsmesh never ran on. */
async function emptyDatabase(): Promise<string> {
  const name = `raw${++dbs}`;
  await cluster.sql(`CREATE DATABASE ${name}`);
  return cluster.url(name);
}

beforeAll(async () => {
  if (!why) cluster = await postgresCluster();
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

pgTest('eight processes opening a new database at once: the migrations run once, under the lock', async () => {
  const url = await emptyDatabase();
  const all = Array.from({ length: 8 }, () => open(url));
  await Promise.all(all.map((s) => s.ping()));
  const rows = await cluster.sql('SELECT version FROM awsmesh.schema_version', new URL(url).pathname.slice(1));
  expect(rows).toEqual([{ version: PG_SCHEMA_VERSION }]);
  await all[0].write(P, (tx) => tx.put(res('a')));
  await expect(all[7].read(P, (tx) => tx.get('svc', 'thing', '', 'a'))).resolves.toMatchObject({ name: 'a' });
});

pgTest('a database written by a newer awsmesh is refused before anything is written', async () => {
  const url = await cluster.database();
  const db = new URL(url).pathname.slice(1);
  await cluster.sql(`UPDATE awsmesh.schema_version SET version = ${PG_SCHEMA_VERSION + 3}`, db);
  const s = open(url);
  await expect(s.write(P, (tx) => tx.put(res('a')))).rejects.toThrow(
    new RegExp(`written by a newer awsmesh \\(schema ${PG_SCHEMA_VERSION + 3}, this version knows ${PG_SCHEMA_VERSION}\\)`),
  );
  expect(await cluster.sql('SELECT count(*)::int AS n FROM awsmesh.resources', db)).toEqual([{ n: 0 }]);
});

pgTest('a wrong password, an unreachable port or a missing database: StoreUnavailableError naming the problem, no password shown', async () => {
  const url = await cluster.database();
  const wrong = url.replace(`:${cluster.password}@`, ':not-the-password@');
  const e1 = await open(wrong).ping().catch((e) => e);
  expect(isStoreUnavailable(e1)).toBe(true);
  expect(e1.message).toMatch(/refused the login of user 'postgres'.*password authentication failed/);
  expect(e1.message).not.toContain('not-the-password');
  expect(e1.message).toContain(redactUrl(wrong));

  const noPassword = url.replace(`:${cluster.password}@`, '@');
  const e2 = await openStore(parseStoreUrl(noPassword, { fromArgv: false }), { PGPASSWORD: undefined, PGPASSFILE: '/nonexistent' }).ping().catch((e) => e);
  expect(e2.message).toMatch(/password/);

  const closed = `postgres://postgres@127.0.0.1:1/awsmesh`;
  const e3 = await open(closed).ping().catch((e) => e);
  expect(isStoreUnavailable(e3)).toBe(true);
  expect(e3.message).toMatch(/PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/awsmesh is unreachable: .*ECONNREFUSED/);

  const missing = cluster.url('no_such_db');
  const e4 = await open(missing).ping().catch((e) => e);
  expect(e4.message).toMatch(/database "no_such_db" does not exist; create it first/);
});

pgTest('writers on separate connections (as separate replicas) never lose an update, and one create wins', async () => {
  const url = await cluster.database();
  const replicas = [open(url), open(url), open(url)];
  await replicas[0].write(P, (tx) => tx.put(res('counter', { n: 0 })));
  await Promise.all(Array.from({ length: 60 }, (_, i) => replicas[i % 3].write(P, async (tx) => {
    const cur = await tx.get('svc', 'thing', '', 'counter');
    await new Promise((r) => setImmediate(r));
    await tx.put({ ...cur!, data: { n: (cur!.data.n as number) + 1 } });
  })));
  await expect(replicas[1].read(P, (tx) => tx.get('svc', 'thing', '', 'counter'))).resolves.toMatchObject({ data: { n: 60 } });

  // Check-then-insert, as providers create: exactly one of the racers finds the name free.
  const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => replicas[i % 3].write(P, async (tx) => {
    if (await tx.get('svc', 'thing', '', 'dup')) return 'exists';
    await tx.put(res('dup', { by: i }));
    return 'created';
  })));
  expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
});

pgTest('the change feed reaches other connections, and catches up on changes made while its connection was cut', async () => {
  const url = await cluster.database();
  const db = new URL(url).pathname.slice(1);
  const watcher = open(url);
  const writer = open(url);
  let calls = 0;
  let wake: () => void = () => undefined;
  const stop = watcher.watch(() => {
    calls++;
    wake();
  });
  const nextCall = () => new Promise<void>((resolve) => (wake = resolve));
  // The feed's LISTEN connection is up once the server lists it (by its application_name).
  const listening = () => waitUntil(async () => {
    const rows = await cluster.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${db}' AND application_name = 'awsmesh change feed'`);
    return rows[0].n === 1;
  }, { describe: 'the change feed to listen' });
  await listening();
  let fired = nextCall();
  await writer.write(P, (tx) => tx.put(res('a')));
  await fired;
  expect(calls).toBe(1);

  // Cut the LISTEN connection, commit while it is down: the reconnect's catch-up read fires.
  await cluster.sql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}' AND application_name = 'awsmesh change feed'`);
  fired = nextCall();
  await writer.write(P, (tx) => tx.put(res('b')));
  await fired;
  expect(calls).toBe(2);
  stop();
});

test('store URLs: sqlite:PATH, postgres URLs, and what is refused', () => {
  expect(parseStoreUrl('sqlite:/x/state.db', { fromArgv: true })).toEqual({ kind: 'sqlite', file: '/x/state.db' });
  expect(parseStoreUrl('postgres://me@db.example:5433/mesh', { fromArgv: true })).toMatchObject({ kind: 'postgres', display: 'postgres://me@db.example:5433/mesh' });
  expect(parseStoreUrl('postgresql://me:s3cret@db/mesh', { fromArgv: false })).toMatchObject({ display: 'postgresql://me@db/mesh' });
  expect(() => parseStoreUrl('postgres://me:s3cret@db/mesh', { fromArgv: true })).toThrow(/password on the command line.*AWSMESH_STORE_URL, PGPASSWORD or ~\/\.pgpass/);
  expect(() => parseStoreUrl('mysql://db/x', { fromArgv: true })).toThrow(/unknown store 'mysql:\/\/db\/x' \(expected sqlite:PATH or postgres:\/\//);
  expect(() => parseStoreUrl('postgres://db', { fromArgv: true })).toThrow(/names no database/);
  expect(() => parseStoreUrl('postgres://u:pw@db:99999/x', { fromArgv: false })).toThrow(/not a valid URL|invalid port/);
  expect(() => parseStoreUrl('postgres://u:pw@db:99999/x', { fromArgv: false })).not.toThrow(/pw/);
  expect(() => parseStoreUrl('sqlite:', { fromArgv: true })).toThrow(/needs a file path/);
});
