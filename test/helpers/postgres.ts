// A throwaway PostgreSQL cluster for tests (scripts/pg-cluster.js: initdb in a temp dir, its own
// port on 127.0.0.1 and its unix socket in the temp dir, run as the `postgres` user when the tests
// run as root, since PostgreSQL refuses root). At most one cluster per test file, started on first use; every test
// gets its own database, created from a migrated template. The postmaster dies with the jest
// worker that started it (parent-death signal), and the cluster is stopped and removed in
// afterAll, also when tests failed.
//
// Without PostgreSQL (Debian: apt-get install postgresql) `postgresUnavailable()` says why, and
// suites log that reason instead of running.

import { randomBytes } from 'crypto';
import { PG_SCHEMA_VERSION } from '../../src/backends/local/store/postgres/pg-migrations';

/** The cluster itself (scripts/pg-cluster.js, shared with `npm run bench:serve`). */
interface BaseCluster {
  host: string;
  port: number;
  password: string;
  url(database: string): string;
  sql(text: string, database?: string): Promise<Array<Record<string, unknown>>>;
  stopServer(mode?: 'fast' | 'immediate'): Promise<void>;
  startServer(): Promise<void>;
  destroy(): Promise<void>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pgCluster = require('../../scripts/pg-cluster.js') as {
  postgresUnavailable(): string | undefined;
  startCluster(): Promise<BaseCluster>;
};

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export const postgresUnavailable = (): string | undefined => pgCluster.postgresUnavailable();

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

export async function startCluster(): Promise<PgCluster> {
  const base = await pgCluster.startCluster();
  const { url, sql } = base;

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
    ...base,
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
