// Forward-only schema migrations. Migration N takes a database at version N-1 to version N; the
// list only ever grows (never edit a released migration, add a new one).

import type { Database } from 'better-sqlite3';

export type Migration = (db: Database) => void;

export const MIGRATIONS: readonly Migration[] = [
  // 1: resources, references between them, and store-level values (change sequence, master secret).
  (db) => {
    db.exec(`
      CREATE TABLE resources (
        account    TEXT NOT NULL,
        region     TEXT NOT NULL,
        service    TEXT NOT NULL,
        kind       TEXT NOT NULL,
        parent     TEXT NOT NULL,
        name       TEXT NOT NULL,
        arn        TEXT NOT NULL,
        data       TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
      );
      CREATE UNIQUE INDEX resources_key ON resources (account, region, service, kind, parent, name);
      CREATE UNIQUE INDEX resources_arn ON resources (account, region, arn);
      CREATE TABLE refs (
        account  TEXT NOT NULL,
        region   TEXT NOT NULL,
        from_arn TEXT NOT NULL,
        to_arn   TEXT NOT NULL,
        PRIMARY KEY (account, region, from_arn, to_arn)
      ) WITHOUT ROWID;
      CREATE INDEX refs_to ON refs (account, region, to_arn);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('change_seq', '0');
      INSERT INTO meta (key, value) VALUES ('secret', lower(hex(randomblob(32))));
    `);
  },
  // 2: client-token idempotency records, scoped per account/region/operation.
  (db) => {
    db.exec(`
      CREATE TABLE idempotency (
        account     TEXT NOT NULL,
        region      TEXT NOT NULL,
        scope       TEXT NOT NULL,
        token       TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        response    TEXT NOT NULL,
        created_at  REAL NOT NULL,
        PRIMARY KEY (account, region, scope, token)
      ) WITHOUT ROWID;
      CREATE INDEX idempotency_age ON idempotency (created_at);
    `);
  },
  // 3: resource counts per (partition, service, kind, parent), kept by triggers, so quota checks
  // and stats stay O(1) however many resources a mesh holds.
  (db) => {
    db.exec(`
      CREATE TABLE counts (
        account TEXT NOT NULL,
        region  TEXT NOT NULL,
        service TEXT NOT NULL,
        kind    TEXT NOT NULL,
        parent  TEXT NOT NULL,
        n       INTEGER NOT NULL,
        PRIMARY KEY (account, region, service, kind, parent)
      ) WITHOUT ROWID;
      INSERT INTO counts (account, region, service, kind, parent, n)
        SELECT account, region, service, kind, parent, COUNT(*) FROM resources GROUP BY account, region, service, kind, parent;
      CREATE TRIGGER resources_counted_insert AFTER INSERT ON resources BEGIN
        INSERT INTO counts (account, region, service, kind, parent, n)
          VALUES (NEW.account, NEW.region, NEW.service, NEW.kind, NEW.parent, 1)
          ON CONFLICT (account, region, service, kind, parent) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER resources_counted_delete AFTER DELETE ON resources BEGIN
        UPDATE counts SET n = n - 1 WHERE account = OLD.account AND region = OLD.region
          AND service = OLD.service AND kind = OLD.kind AND parent = OLD.parent;
        DELETE FROM counts WHERE account = OLD.account AND region = OLD.region
          AND service = OLD.service AND kind = OLD.kind AND parent = OLD.parent AND n <= 0;
      END;
    `);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The version a database is at (0 for a new file). */
export function schemaVersion(db: Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).get();
  if (!table) return 0;
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  return row?.version ?? 0;
}

/**
 * Brings the database up to `target` (default: the latest) in one write transaction, so two
 * processes opening a new store at once cannot both migrate it (the version is checked again
 * under the lock).
 */
export function migrate(db: Database, target = SCHEMA_VERSION): number {
  // Fast path without the write lock: every CLI invocation opens the store, most need no migration.
  if (schemaVersion(db) === target) return target;
  return db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const current = schemaVersion(db);
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `the state database was written by a newer awsmesh (schema ${current}, this version knows ${SCHEMA_VERSION}); upgrade awsmesh`,
      );
    }
    for (let v = current; v < target; v++) MIGRATIONS[v](db);
    if (current < target) {
      db.prepare('DELETE FROM schema_version').run();
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(target);
    }
    return Math.max(current, target);
  }).immediate();
}
