// The Store on one SQLite file (better-sqlite3). Durability and concurrency come from SQLite:
// WAL journal (a committed transaction survives a crash of the writer), BEGIN IMMEDIATE
// (concurrent CLI processes queue for the write lock instead of failing with "database is
// locked"; see beginWrite for how they wait). In-process callers are serialised by a mutex
// because providers await inside a transaction while better-sqlite3 has a single connection.
//
// The store knows nothing about App Mesh, IAM or Cloud Map: it keeps generic resources keyed by
// (account, region, service, kind, parent, name), references between ARNs, and idempotency records.

import { AsyncLocalStorage } from 'async_hooks';
import { nodeCrypto } from '../../../base/lazy-crypto';
import { chmodSync, closeSync, constants, mkdirSync, openSync } from 'fs';
import { dirname, join, resolve } from 'path';
import type { Database, Statement } from 'better-sqlite3';
import { migrate } from './migrations';
import { Mutex } from './mutex';
import { rowToResource, type ResourceRow } from './resource-row';
import { WalHeaderWatch } from './wal-header';
import type {
  IdempotencyRecord, ListOptions, Partition, PartitionStats, ResourceKey, Store, StoredRef, StoredResource, StoreTx,
} from './store';

export interface SqliteStoreOptions {
  /** How long (wall clock) a process waits for other processes' write locks before giving up (ms). */
  busyTimeoutMs?: number;
}

let addon: object | undefined;

/**
 * better-sqlite3's native addon, loaded directly. better-sqlite3 otherwise locates it with the
 * `bindings` package, which probes a dozen paths on every start, and even a `require()` of the
 * addon's path resolves it like any request (stat and realpath of the path, the package.json files
 * above it read and parsed): ~1 M instructions of a short command's start-up. The addon sits beside
 * the package's main module (lib/index.js), whose resolution the start bundle already holds.
 * Undefined for an unusual install layout: better-sqlite3 then searches as usual.
 */
function nativeBinding(): object | undefined {
  if (addon) return addon;
  try {
    const main = require.resolve('better-sqlite3');
    const loaded = { exports: {} };
    process.dlopen(loaded, join(dirname(dirname(main)), 'build', 'Release', 'better_sqlite3.node'));
    return (addon = loaded.exports);
  } catch {
    return undefined;
  }
}

const DEFAULT_BUSY_TIMEOUT_MS = 30_000;
/** A write transaction's wait inside SQLite per attempt; between attempts it waits asynchronously. */
const LOCK_ATTEMPT_MS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const isBusy = (e: unknown) => /^SQLITE_BUSY/.test(String((e as { code?: string } | null)?.code));
const DEFAULT_WATCH_INTERVAL_MS = 100;
/** Idempotency records older than this are dropped (on the first token write of a connection). */
const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;

/** Opens (creating if needed) the state database at `file`, migrated to the current schema. */
export function openSqliteStore(file: string, opts: SqliteStoreOptions = {}): Store {
  return new SqliteStore(file, opts);
}

/** SQLite's terse messages for the two failures a user can meet, in words that say what to do. */
function describeSqliteError(e: unknown, location: string): unknown {
  const code = (e as { code?: string } | null)?.code;
  if (code?.startsWith('SQLITE_BUSY')) {
    return new Error(`The local state ${location} stayed locked by another awsmesh process for too long; try again.`);
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new Error(`${location} is not a usable awsmesh state database (${(e as Error).message}); move it away or point AWSMESH_HOME elsewhere.`);
  }
  return e;
}

function selectResource(sql: (text: string) => Statement, p: Partition, k: ResourceKey): StoredResource | undefined {
  const row = sql(`SELECT * FROM resources WHERE account = ? AND region = ? AND service = ? AND kind = ? AND parent = ? AND name = ?`)
    .get(p.account, p.region, k.service, k.kind, k.parent, k.name) as ResourceRow | undefined;
  return row && rowToResource(row);
}

class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly location: string;
  private readonly db: Database;
  private readonly mutex = new Mutex();
  /** Marks the async context of a running transaction, to refuse nested ones (they would deadlock). */
  private readonly inTx = new AsyncLocalStorage<true>();
  private readonly statements = new Map<string, Statement>();
  private readonly localListeners = new Set<(seq: number) => void>();
  private closed = false;
  private masterSecret?: string;
  private readonly busyTimeoutMs: number;
  /** beginWrite has lowered busy_timeout: reads wait their turn rather than run with it. */
  private shortBusyTimeout = false;
  /** Transactions running or waiting for the mutex. */
  private transactions = 0;
  /** Write transactions of this connection so far: PRAGMA data_version counts only other connections' commits. */
  private localWrites = 0;
  /** The database is in WAL mode (it stays so while this connection is open: leaving it needs an exclusive lock). */
  private wal = false;
  /** Opened by the first readVersion (local serve), not by every CLI command; null: nothing to watch. */
  private walWatch: WalHeaderWatch | null | undefined;
  /** PRAGMA data_version as last read. */
  private dataVersion = 0;

  constructor(file: string, opts: SqliteStoreOptions) {
    this.busyTimeoutMs = opts.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    this.location = resolve(file);
    mkdirSync(dirname(this.location), { recursive: true, mode: 0o700 });
    // Private from its first byte (SQLite would create it with the umask's mode until the chmod below).
    closeSync(openSync(this.location, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
    // nativeBinding: better-sqlite3 also takes the loaded addon (lib/database.js); its types name only a path.
    this.db = new BetterSqlite3(this.location, { timeout: this.busyTimeoutMs, nativeBinding: nativeBinding() as string | undefined });
    try {
      chmodSync(this.location, 0o600);
      this.wal = this.db.pragma('journal_mode = WAL', { simple: true }) === 'wal';
      this.db.pragma('synchronous = NORMAL');
      migrate(this.db);
    } catch (e) {
      this.db.close();
      throw describeSqliteError(e, this.location);
    }
  }

  /** Prepared statements are cached per SQL text; all SQL here is parameterised. */
  private sql(text: string): Statement {
    let st = this.statements.get(text);
    if (!st) {
      st = this.db.prepare(text);
      this.statements.set(text, st);
    }
    return st;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the state store is closed');
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  /**
   * Takes the write lock. SQLite's own busy handler is no queue: it polls, backing off to one try
   * per 100 ms, and its budget counts those nominal sleeps. With dozens of writers on a loaded
   * machine a waiting process kept losing the lock to newcomers that tried at the right moment
   * and gave up with "database is locked" (2 of 672 writes of test/local/store/concurrency.test.ts
   * once). So the lock is tried every few milliseconds (briefly inside SQLite, then an async pause
   * that leaves the event loop free) until a wall-clock deadline.
   */
  private async beginWrite(): Promise<void> {
    const deadline = Date.now() + this.busyTimeoutMs;
    this.db.pragma(`busy_timeout = ${LOCK_ATTEMPT_MS}`);
    this.shortBusyTimeout = true;
    try {
      for (;;) {
        try {
          this.sql('BEGIN IMMEDIATE').run();
          return;
        } catch (e) {
          if (!isBusy(e) || Date.now() >= deadline) throw e;
        }
        await sleep(1 + Math.random() * 10);
        this.assertOpen();
      }
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
      this.shortBusyTimeout = false;
    }
  }

  private async transaction<T>(mode: 'read' | 'write', fn: (dirty: () => void) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.inTx.getStore()) throw new Error('nested store transactions are not supported');
    this.transactions++;
    let outcome: { result: T; changed: boolean };
    try {
      outcome = await this.runTransaction(mode, fn);
    } finally {
      // An enabled AsyncLocalStorage makes Node run hooks for every promise and tick of the process
      // (a few % of a cached describe's CPU under `local serve`); with no transaction running or
      // queued no context needs it, and the next run() enables it again.
      if (--this.transactions === 0) this.inTx.disable();
    }
    // Listeners run after the lock is released and outside the transaction's async context, so
    // they may read the store themselves.
    if (outcome.changed) this.notifyLocal();
    return outcome.result;
  }

  private runTransaction<T>(mode: 'read' | 'write', fn: (dirty: () => void) => Promise<T>): Promise<{ result: T; changed: boolean }> {
    return this.mutex.run(() =>
      this.inTx.run(true, async () => {
        this.assertOpen();
        let changed = false;
        try {
          // Prepared (cached) rather than db.exec: exec parses the SQL on every call, a visible share
          // of a describe's CPU under `local serve`.
          if (mode === 'write') await this.beginWrite();
          else this.sql('BEGIN DEFERRED').run();
        } catch (e) {
          throw describeSqliteError(e, this.location);
        }
        let result: T;
        try {
          result = await fn(() => (changed = true));
          if (changed) this.sql(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_seq'`).run();
          this.sql('COMMIT').run();
        } catch (e) {
          if (this.db.inTransaction) this.sql('ROLLBACK').run();
          throw describeSqliteError(e, this.location);
        } finally {
          if (mode === 'write') this.localWrites++;
        }
        return { result, changed };
      }),
    );
  }

  private tx(p: Partition, writable: boolean, dirty: () => void): StoreTx {
    return new SqliteTx(p, writable, dirty, (text) => this.sql(text), () => this.pruneIdempotencyOnce());
  }

  private pruned = false;

  /** Keeps the token table small; runs inside a write transaction that already holds the lock. */
  private pruneIdempotencyOnce(): void {
    if (this.pruned) return;
    this.pruned = true;
    this.sql('DELETE FROM idempotency WHERE created_at < ?').run(Date.now() / 1000 - IDEMPOTENCY_TTL_SECONDS);
  }

  read<T>(p: Partition, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.transaction('read', (dirty) => fn(this.tx(p, false, dirty)));
  }

  getMany(p: Partition, keys: readonly ResourceKey[]): Promise<Array<StoredResource | undefined>> {
    // better-sqlite3 is synchronous: with no transaction open on the connection right now, these
    // reads run start to end with nothing interleaved, so they need neither the mutex nor an async
    // transaction. Inside a transaction (or nested in one) they take the usual path.
    if (!this.closed && !this.db.inTransaction && !this.shortBusyTimeout && !this.inTx.getStore()) {
      try {
        return Promise.resolve(this.getManyNow(p, keys));
      } catch (e) {
        return Promise.reject(describeSqliteError(e, this.location));
      }
    }
    return this.read(p, async (tx) => {
      const out: Array<StoredResource | undefined> = [];
      for (const k of keys) out.push(await tx.get(k.service, k.kind, k.parent, k.name));
      return out;
    });
  }

  /** One statement needs no explicit transaction; several share one snapshot. */
  private getManyNow(p: Partition, keys: readonly ResourceKey[]): Array<StoredResource | undefined> {
    const sql = (text: string) => this.sql(text);
    if (keys.length === 1) return [selectResource(sql, p, keys[0])];
    this.sql('BEGIN DEFERRED').run();
    try {
      const out = keys.map((k) => selectResource(sql, p, k));
      this.sql('COMMIT').run();
      return out;
    } catch (e) {
      if (this.db.inTransaction) this.sql('ROLLBACK').run();
      throw e;
    }
  }

  write<T>(p: Partition, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.transaction('write', (dirty) => fn(this.tx(p, true, dirty)));
  }

  writeAll<T>(fn: (tx: (p: Partition) => StoreTx) => Promise<T>): Promise<T> {
    return this.transaction('write', (dirty) => fn((p) => this.tx(p, true, dirty)));
  }

  private readSeq(): number {
    const row = this.sql(`SELECT value FROM meta WHERE key = 'change_seq'`).get() as { value: string };
    return Number(row.value);
  }

  /**
   * PRAGMA data_version changes when another connection (any process) has committed, and is read in
   * a fresh snapshot of its own, so a commit that finished before this call is always seen. Inside an
   * open transaction it would answer for that transaction's older snapshot: no version then. In WAL
   * mode the pragma runs only when the WAL index header differs from the one read before its last
   * run (wal-header.ts): a commit that finished before this call has rewritten that header.
   */
  readVersion(): string | undefined {
    if (this.closed || this.db.inTransaction) return undefined;
    if (this.walWatch === undefined) this.walWatch = (this.wal && WalHeaderWatch.open(this.location)) || null;
    const watch = this.walWatch;
    if (watch === null) this.readDataVersion();
    else watch.unchangedSinceCheck(this.readDataVersion);
    return `${this.dataVersion}.${this.localWrites}`;
  }

  private readonly readDataVersion = (): void => {
    this.dataVersion = this.sql('PRAGMA data_version').pluck().get() as number;
  };

  async changeSeq(): Promise<number> {
    this.assertOpen();
    return this.readSeq();
  }

  private notifyLocal(): void {
    const seq = this.readSeq();
    for (const l of [...this.localListeners]) l(seq);
  }

  watch(listener: () => void, intervalMs = DEFAULT_WATCH_INTERVAL_MS): () => void {
    this.assertOpen();
    let last = this.readSeq();
    const fire = (seq: number): void => {
      if (seq === last) return;
      last = seq;
      try {
        listener();
      } catch {
        // A listener's failure must not break the writer that triggered it.
      }
    };
    // Commits of this process are announced at once; other processes' commits are polled.
    const local = (seq: number): void => fire(seq);
    this.localListeners.add(local);
    const timer = setInterval(() => {
      if (!this.closed) fire(this.readSeq());
    }, intervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      this.localListeners.delete(local);
    };
  }

  async stats(): Promise<PartitionStats[]> {
    this.assertOpen();
    const rows = this.sql(
      `SELECT account, region, service, kind, SUM(n) AS n FROM counts
       GROUP BY account, region, service, kind HAVING SUM(n) > 0 ORDER BY account, region, service, kind`,
    ).all() as Array<{ account: string; region: string; service: string; kind: string; n: number }>;
    const out: PartitionStats[] = [];
    for (const r of rows) {
      let last = out[out.length - 1];
      if (!last || last.partition.account !== r.account || last.partition.region !== r.region) {
        last = { partition: { account: r.account, region: r.region }, counts: {} };
        out.push(last);
      }
      last.counts[`${r.service}:${r.kind}`] = r.n;
    }
    return out;
  }

  async dump(p?: Partition): Promise<Array<StoredResource & { partition: Partition }>> {
    this.assertOpen();
    const order = 'ORDER BY account, region, service, kind, parent, name';
    const rows = (p
      ? this.sql(`SELECT * FROM resources WHERE account = ? AND region = ? ${order}`).all(p.account, p.region)
      : this.sql(`SELECT * FROM resources ${order}`).all()) as ResourceRow[];
    return rows.map((r) => ({ ...rowToResource(r), partition: { account: r.account, region: r.region } }));
  }

  async dumpRefs(p?: Partition): Promise<StoredRef[]> {
    this.assertOpen();
    const order = 'ORDER BY account, region, from_arn, to_arn';
    const rows = (p
      ? this.sql(`SELECT * FROM refs WHERE account = ? AND region = ? ${order}`).all(p.account, p.region)
      : this.sql(`SELECT * FROM refs ${order}`).all()) as Array<{ account: string; region: string; from_arn: string; to_arn: string }>;
    return rows.map((r) => ({ partition: { account: r.account, region: r.region }, from: r.from_arn, to: r.to_arn }));
  }

  async secret(name: string): Promise<Buffer> {
    this.assertOpen();
    // Derived from the master secret written once when the store was created, so no write is needed here.
    this.masterSecret ??= (this.sql(`SELECT value FROM meta WHERE key = 'secret'`).get() as { value: string }).value;
    return nodeCrypto().createHmac('sha256', this.masterSecret).update(name).digest();
  }

  async reset(): Promise<void> {
    await this.transaction('write', async (dirty) => {
      this.sql('DELETE FROM resources').run();
      this.sql('DELETE FROM counts').run();
      this.sql('DELETE FROM refs').run();
      this.sql('DELETE FROM idempotency').run();
      dirty();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let a running transaction finish before the connection goes away.
    await this.mutex.run(async () => {
      this.closed = true;
      this.localListeners.clear();
      this.statements.clear();
      this.db.close();
    });
  }
}

class SqliteTx implements StoreTx {
  constructor(
    private readonly p: Partition,
    private readonly writable: boolean,
    private readonly dirty: () => void,
    private readonly sql: (text: string) => Statement,
    /** Drops expired idempotency records (the store does it at most once per connection). */
    private readonly pruneIdempotency: () => void,
  ) {}

  private mutating(): void {
    if (!this.writable) throw new Error('write attempted in a read-only store transaction');
    this.dirty();
  }

  async get(service: string, kind: string, parent: string, name: string): Promise<StoredResource | undefined> {
    return selectResource(this.sql, this.p, { service, kind, parent, name });
  }

  async getByArn(arn: string): Promise<StoredResource | undefined> {
    const row = this.sql('SELECT * FROM resources WHERE account = ? AND region = ? AND arn = ?')
      .get(this.p.account, this.p.region, arn) as ResourceRow | undefined;
    return row && rowToResource(row);
  }

  async list(service: string, kind: string, parent: string | undefined, opts: ListOptions = {}): Promise<StoredResource[]> {
    const limit = opts.limit ?? -1; // SQLite: a negative LIMIT means no limit
    let text = 'SELECT * FROM resources WHERE account = ? AND region = ? AND service = ? AND kind = ?';
    const args: unknown[] = [this.p.account, this.p.region, service, kind];
    if (parent !== undefined) {
      text += ' AND parent = ?';
      args.push(parent);
    }
    if (opts.after) {
      // Within one parent the position is the name; a cursor from another parent resumes by order.
      text += ' AND (parent, name) > (?, ?)';
      args.push(opts.after.parent, opts.after.name);
    }
    text += ' ORDER BY parent, name LIMIT ?';
    args.push(limit);
    return (this.sql(text).all(...args) as ResourceRow[]).map(rowToResource);
  }

  async count(service: string, kind: string, parent?: string): Promise<number> {
    // Kept by triggers on `resources` (migration 3): no scan, whatever the size of the mesh.
    const row = (parent === undefined
      ? this.sql('SELECT COALESCE(SUM(n), 0) AS n FROM counts WHERE account = ? AND region = ? AND service = ? AND kind = ?')
        .get(this.p.account, this.p.region, service, kind)
      : this.sql('SELECT n FROM counts WHERE account = ? AND region = ? AND service = ? AND kind = ? AND parent = ?')
        .get(this.p.account, this.p.region, service, kind, parent)) as { n: number } | undefined;
    return row?.n ?? 0;
  }

  async put(r: StoredResource): Promise<void> {
    this.mutating();
    this.sql(
      `INSERT INTO resources (account, region, service, kind, parent, name, arn, data, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (account, region, service, kind, parent, name) DO UPDATE SET
         arn = excluded.arn, data = excluded.data, created_at = excluded.created_at, updated_at = excluded.updated_at`,
    ).run(this.p.account, this.p.region, r.service, r.kind, r.parent, r.name, r.arn, JSON.stringify(r.data), r.createdAt, r.updatedAt);
  }

  async delete(service: string, kind: string, parent: string, name: string): Promise<boolean> {
    this.mutating();
    const row = this.sql(
      `DELETE FROM resources WHERE account = ? AND region = ? AND service = ? AND kind = ? AND parent = ? AND name = ?
       RETURNING arn`,
    ).get(this.p.account, this.p.region, service, kind, parent, name) as { arn: string } | undefined;
    if (!row) return false;
    // A deleted resource references nothing any more.
    this.sql('DELETE FROM refs WHERE account = ? AND region = ? AND from_arn = ?').run(this.p.account, this.p.region, row.arn);
    return true;
  }

  async setRefs(fromArn: string, toArns: string[]): Promise<void> {
    this.mutating();
    this.sql('DELETE FROM refs WHERE account = ? AND region = ? AND from_arn = ?').run(this.p.account, this.p.region, fromArn);
    const insert = this.sql('INSERT OR IGNORE INTO refs (account, region, from_arn, to_arn) VALUES (?, ?, ?, ?)');
    for (const to of toArns) insert.run(this.p.account, this.p.region, fromArn, to);
  }

  async referrers(toArn: string): Promise<string[]> {
    const rows = this.sql('SELECT from_arn FROM refs WHERE account = ? AND region = ? AND to_arn = ? ORDER BY from_arn')
      .all(this.p.account, this.p.region, toArn) as Array<{ from_arn: string }>;
    return rows.map((r) => r.from_arn);
  }

  async getIdempotency(scope: string, token: string): Promise<IdempotencyRecord | undefined> {
    const row = this.sql('SELECT fingerprint, response FROM idempotency WHERE account = ? AND region = ? AND scope = ? AND token = ?')
      .get(this.p.account, this.p.region, scope, token) as { fingerprint: string; response: string } | undefined;
    return row && { fingerprint: row.fingerprint, response: JSON.parse(row.response) };
  }

  async putIdempotency(scope: string, token: string, record: IdempotencyRecord): Promise<void> {
    if (!this.writable) throw new Error('write attempted in a read-only store transaction');
    this.pruneIdempotency();
    this.sql(
      `INSERT OR REPLACE INTO idempotency (account, region, scope, token, fingerprint, response, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(this.p.account, this.p.region, scope, token, record.fingerprint, JSON.stringify(record.response ?? null), Date.now() / 1000);
  }
}
