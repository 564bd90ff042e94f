// Forward-only schema migrations of the PostgreSQL store, in its own schema `awsmesh` (so the
// database can hold other applications' tables). Migration N takes the schema from version N-1
// to N; the list only ever grows. They run once, by whichever process gets the advisory lock
// first; the others wait for it and then find the schema current.
//
// The layout mirrors the SQLite store's (resources, refs, idempotency, counts kept by a trigger,
// meta) plus `changes`, the change sequence that NOTIFY announces. Text columns that order or
// identify resources use COLLATE "C": names compare in binary order, as on SQLite, whatever the
// database's locale.

import { randomBytes } from 'crypto';
import type { PoolClient } from 'pg';

export const PG_SCHEMA = 'awsmesh';
/** Session advisory lock held while migrating ('awsm' 'migr' in ASCII). */
const MIGRATION_LOCK = '7021780063207400818';

type Migration = (client: PoolClient) => Promise<void>;

const key = 'TEXT COLLATE "C" NOT NULL';

export const PG_MIGRATIONS: readonly Migration[] = [
  // 1: everything the SQLite store has at its schema 3, plus the change sequence.
  async (c) => {
    await c.query(`
      CREATE SCHEMA IF NOT EXISTS ${PG_SCHEMA};
      CREATE TABLE ${PG_SCHEMA}.resources (
        account ${key}, region ${key}, service ${key}, kind ${key}, parent ${key}, name ${key}, arn ${key},
        data       TEXT NOT NULL,
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (account, region, service, kind, parent, name)
      );
      CREATE UNIQUE INDEX resources_arn ON ${PG_SCHEMA}.resources (account, region, arn);
      CREATE TABLE ${PG_SCHEMA}.refs (
        account ${key}, region ${key}, from_arn ${key}, to_arn ${key},
        PRIMARY KEY (account, region, from_arn, to_arn)
      );
      CREATE INDEX refs_to ON ${PG_SCHEMA}.refs (account, region, to_arn);
      CREATE TABLE ${PG_SCHEMA}.idempotency (
        account ${key}, region ${key}, scope ${key}, token ${key},
        fingerprint TEXT NOT NULL,
        response    TEXT NOT NULL,
        created_at  DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (account, region, scope, token)
      );
      CREATE INDEX idempotency_age ON ${PG_SCHEMA}.idempotency (created_at);
      CREATE TABLE ${PG_SCHEMA}.counts (
        account ${key}, region ${key}, service ${key}, kind ${key}, parent ${key},
        n BIGINT NOT NULL,
        PRIMARY KEY (account, region, service, kind, parent)
      );
      CREATE FUNCTION ${PG_SCHEMA}.count_resources() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO ${PG_SCHEMA}.counts AS c (account, region, service, kind, parent, n)
            VALUES (NEW.account, NEW.region, NEW.service, NEW.kind, NEW.parent, 1)
            ON CONFLICT (account, region, service, kind, parent) DO UPDATE SET n = c.n + 1;
        ELSE
          UPDATE ${PG_SCHEMA}.counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region
            AND service = OLD.service AND kind = OLD.kind AND parent = OLD.parent;
          DELETE FROM ${PG_SCHEMA}.counts WHERE account = OLD.account AND region = OLD.region
            AND service = OLD.service AND kind = OLD.kind AND parent = OLD.parent AND n <= 0;
        END IF;
        RETURN NULL;
      END $$;
      CREATE TRIGGER resources_counted AFTER INSERT OR DELETE ON ${PG_SCHEMA}.resources
        FOR EACH ROW EXECUTE FUNCTION ${PG_SCHEMA}.count_resources();
      CREATE TABLE ${PG_SCHEMA}.changes (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL);
      INSERT INTO ${PG_SCHEMA}.changes (id, seq) VALUES (1, 0);
      CREATE TABLE ${PG_SCHEMA}.meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
    // The paging-token secret lives in the database, so a token one replica issued works on all.
    await c.query(`INSERT INTO ${PG_SCHEMA}.meta (key, value) VALUES ('secret', $1)`, [randomBytes(32).toString('hex')]);
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

export class NewerSchemaError extends Error {
  constructor(readonly found: number) {
    super(`the database was written by a newer awsmesh (schema ${found}, this version knows ${PG_SCHEMA_VERSION}); upgrade awsmesh`);
  }
}

/** The schema version of the database (0 when awsmesh never ran on it). */
export async function pgSchemaVersion(c: PoolClient): Promise<number> {
  const { rows } = await c.query(`SELECT to_regclass('${PG_SCHEMA}.schema_version') IS NOT NULL AS present`);
  if (!rows[0].present) return 0;
  const v = await c.query(`SELECT version FROM ${PG_SCHEMA}.schema_version`);
  return v.rows[0]?.version ?? 0;
}

/**
 * Brings the database to `target` (default: the latest). Refuses a database newer than this code
 * before changing anything. Each migration commits with its version, so a crash mid-way leaves a
 * consistent earlier version that the next start continues from.
 */
export async function pgMigrate(c: PoolClient, target = PG_SCHEMA_VERSION): Promise<number> {
  const seen = await pgSchemaVersion(c);
  if (seen > PG_SCHEMA_VERSION) throw new NewerSchemaError(seen);
  if (seen >= target) return seen;
  await c.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    const current = await pgSchemaVersion(c); // again, under the lock: another process may have migrated
    if (current > PG_SCHEMA_VERSION) throw new NewerSchemaError(current);
    for (let v = current; v < target; v++) {
      await c.query('BEGIN');
      try {
        await PG_MIGRATIONS[v](c);
        await c.query(`CREATE TABLE IF NOT EXISTS ${PG_SCHEMA}.schema_version (version INTEGER NOT NULL)`);
        await c.query(`DELETE FROM ${PG_SCHEMA}.schema_version`);
        await c.query(`INSERT INTO ${PG_SCHEMA}.schema_version (version) VALUES ($1)`, [v + 1]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }
    return Math.max(current, target);
  } finally {
    await c.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
}
