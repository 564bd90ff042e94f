// A throwaway PostgreSQL cluster for tests: initdb in a temp dir, its own port on 127.0.0.1 and
// its unix socket in the temp dir, run as the `postgres` user when the tests run as root
// (PostgreSQL refuses root). At most one cluster per test file, started on first use; every test
// gets its own database, created from a migrated template. The postmaster dies with the jest
// worker that started it (parent-death signal), and the cluster is stopped and removed in
// afterAll, also when tests failed.
//
// Without PostgreSQL (Debian: apt-get install postgresql) `postgresUnavailable()` says why, and
// suites log that reason instead of running.

import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { randomBytes } from 'crypto';
import { PG_SCHEMA_VERSION } from '../../src/backends/local/store/postgres/pg-migrations';

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', ...['17', '16', '14', '13'].map((v) => `/usr/lib/postgresql/${v}/bin`)];
const BIN = process.env.AWSMESH_TEST_PG_BIN ?? BIN_DIRS.find((d) => fs.existsSync(path.join(d, 'initdb')));

interface RunAs {
  uid: number;
  gid: number;
}

/** Who runs PostgreSQL: the postgres user when we are root, else ourselves. */
function runAs(): RunAs | undefined | 'missing' {
  if (process.getuid?.() !== 0) return undefined;
  const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) return 'missing';
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export function postgresUnavailable(): string | undefined {
  if (!BIN) return `PostgreSQL is not installed (no initdb under ${BIN_DIRS[0]}; apt-get install -y postgresql)`;
  if (runAs() === 'missing') return 'running as root but there is no postgres user to run PostgreSQL as (apt-get install -y postgresql creates it)';
  return undefined;
}

export interface PgCluster {
  host: string;
  port: number;
  /** The superuser's password (TCP logins need it; the unix socket trusts). */
  password: string;
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/<database> */
  url(database: string): string;
  /**
   * An empty database at the current schema; returns its URL (with the password). Databases given
   * back with release() are emptied and handed out again (CREATE DATABASE copies the whole
   * catalog: ~0.3 s on a busy machine, emptying one takes milliseconds).
   */
  database(): Promise<string>;
  /** Gives a database back for reuse once nothing uses it any more (its stores are closed). */
  release(url: string): Promise<void>;
  /** Runs SQL as the superuser in `database` (default postgres). */
  sql(text: string, database?: string): Promise<Array<Record<string, unknown>>>;
  /** Stops the server (fast shutdown: clients are disconnected), leaving the data. */
  stopServer(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data. */
  startServer(): Promise<void>;
  /** Stops the server and removes everything. */
  destroy(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The directory the cluster lives in. Inside the run's scratch dir (removed after the run), which
 * is made traversable (not listable) so the postgres user can reach its own 0700 subdirectory.
 */
function clusterDir(owner: RunAs | undefined): string {
  const base = process.env.AWSMESH_JEST_TMP ?? os.tmpdir();
  if (owner) fs.chmodSync(base, 0o711);
  const dir = fs.mkdtempSync(path.join(base, 'pg-'));
  if (owner) fs.chownSync(dir, owner.uid, owner.gid);
  return dir;
}

function run(cmd: string, args: string[], owner: RunAs | undefined): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { PATH: process.env.PATH, LANG: 'C' }, ...(owner ?? {}) });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} failed (${r.status}): ${r.stderr || r.stdout}`);
}

export async function startCluster(): Promise<PgCluster> {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const owner = runAs() as RunAs | undefined;
  const dir = clusterDir(owner);
  const data = path.join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(dir, 'pw');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) fs.chownSync(pwfile, owner.uid, owner.gid);
  run(path.join(BIN!, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwfile, '--auth-local=trust', '--auth-host=scram-sha-256',
    '-E', 'UTF8', '--locale=C', '-N', '--no-instructions'], owner);
  fs.rmSync(pwfile);
  const port = await freePort();
  let postmaster: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const startServer = async (): Promise<void> => {
    // Throwaway data: durability settings off for speed; the tests kill replicas, not this server's machine.
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
      '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=400', '-c', 'shared_buffers=64MB'];
    // setpriv --pdeathsig: the postmaster gets SIGINT (fast shutdown) if this jest worker dies.
    const child = spawn('setpriv', ['--pdeathsig', 'INT', '--', path.join(BIN!, 'postgres'), ...args], {
      env: { PATH: process.env.PATH, LANG: 'C' }, stdio: ['ignore', 'ignore', 'pipe'], ...(owner ?? {}),
    });
    postmaster = child;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    let log = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        if (/database system is ready to accept connections/.test(log)) resolve();
      });
      void exited.then(() => reject(new Error(`postgres exited while starting:\n${log}`)));
    });
    child.stderr!.removeAllListeners('data');
    child.stderr!.resume();
  };

  const stopServer = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    const child = postmaster;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(mode === 'fast' ? 'SIGINT' : 'SIGQUIT');
    await exited;
    postmaster = undefined;
  };

  await startServer();

  const url = (database: string) => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  const sql = async (text: string, database = 'postgres') => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Client } = require('pg') as typeof import('pg');
    const client = new Client({ host: dir, port, user: 'postgres', database });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };

  // The template: migrated once, so each test's database starts at the current schema.
  await sql('CREATE DATABASE awsmesh_template');
  {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { openPostgresStore } = require('../../src/backends/local/store/postgres/pg-store') as typeof import('../../src/backends/local/store/postgres/pg-store');
    const store = openPostgresStore(url('awsmesh_template'));
    await store.ping();
    await store.close();
  }
  let n = 0;
  const free: string[] = [];

  return {
    host: '127.0.0.1',
    port,
    password,
    url,
    sql,
    stopServer,
    startServer,
    async database() {
      const reused = free.pop();
      if (reused) return url(reused);
      const name = `t${++n}`;
      await sql(`CREATE DATABASE ${name} TEMPLATE awsmesh_template`);
      // A copy of the template would share its paging secret; every store has its own.
      await sql(`UPDATE awsmesh.meta SET value = '${randomBytes(32).toString('hex')}' WHERE key = 'secret'`, name);
      return url(name);
    },
    async release(dbUrl) {
      const name = new URL(dbUrl).pathname.slice(1);
      await sql(`
        DELETE FROM awsmesh.resources; DELETE FROM awsmesh.refs; DELETE FROM awsmesh.idempotency; DELETE FROM awsmesh.counts;
        UPDATE awsmesh.changes SET seq = 0; UPDATE awsmesh.schema_version SET version = ${PG_SCHEMA_VERSION};
        UPDATE awsmesh.meta SET value = '${randomBytes(32).toString('hex')}' WHERE key = 'secret';`, name);
      free.push(name);
    },
    async destroy() {
      await stopServer('immediate');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

let shared: Promise<PgCluster> | undefined;

/**
 * This test file's cluster, started on first call; stopped and removed after the file's tests
 * (call usePostgres() at the top level of the file to register that).
 */
export function postgresCluster(): Promise<PgCluster> {
  shared ??= startCluster();
  return shared;
}

/** This file's cluster if it is running (for cleanups that must not start one). */
export function runningCluster(): Promise<PgCluster> | undefined {
  return shared;
}

/**
 * Registers the cleanup of this file's cluster (call it before the file's own afterAll hooks are
 * registered only if they do not need the cluster); returns why PostgreSQL is unavailable, if it is.
 */
export function usePostgres(): string | undefined {
  afterAll(async () => {
    const c = shared;
    shared = undefined;
    if (c) await (await c.catch(() => undefined))?.destroy();
  });
  return postgresUnavailable();
}
