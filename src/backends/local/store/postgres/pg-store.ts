// The Store on PostgreSQL (node-postgres), for any number of awsmesh processes — `serve`
// replicas, proxies, CLI calls — on one database. Loaded only when a postgres:// URL is used.
//
// Concurrency: a write transaction runs at READ COMMITTED after taking a transaction-scoped
// advisory lock on its partition (account/region), so writes to one partition are serialised
// across every process exactly as SQLite serialises writes to its file; each statement after the
// lock sees every earlier commit, so uniqueness, in-use and quota checks hold. writeAll and reset
// take the lock that excludes all partition writers. Reads run in REPEATABLE READ READ ONLY
// snapshots and never wait for writers. Deadlocks and serialization failures run the transaction
// again; a connection that breaks before COMMIT was sent runs it again on a fresh connection.
//
// Round trips: connections run in node-postgres's pipeline mode, so BEGIN and the advisory locks
// travel with a transaction's first statement (the server runs them in order), and a read does
// not wait for its COMMIT. getMany (a `describe`: the resource and its containers) is one
// statement without BEGIN/COMMIT — a single statement is a consistent snapshot by itself — on a
// connection all such reads share (pg-reader.ts), so concurrent requests share socket writes.
//
// Durability is PostgreSQL's: a write is acknowledged only after its COMMIT returned.

import { AsyncLocalStorage } from 'async_hooks';
import { createHmac } from 'crypto';
import type { Client, ClientConfig, Pool, PoolClient } from 'pg';
import type {
  IdempotencyRecord, ListOptions, Partition, PartitionStats, ResourceKey, Store, StoredRef, StoredResource, StoreTx,
} from '../store';
import { StoreUnavailableError } from '../errors';
import { redactUrl } from '../store-url';
import { ChangeFeed, CHANGES_CHANNEL } from './pg-changes';
import { SharedReader } from './pg-reader';
import { describePgError, isConnectionFailure, shouldRetryTransaction } from './pg-errors';
import { PG_SCHEMA as S, pgMigrate } from './pg-migrations';
import { rowToResource, type ResourceRow } from '../resource-row';

export interface PostgresStoreOptions {
  /** PGPASSWORD is read from here when the URL has no password (default: process.env). */
  env?: NodeJS.ProcessEnv;
  /** Connections this process keeps to the database (default 10). */
  poolSize?: number;
  /** How long to wait for a new connection (default 5 s). */
  connectTimeoutMs?: number;
  /** Lines about the connection (lost, restored) for the server log. */
  log?: (line: string) => void;
}

/** Idempotency records older than this are dropped (on the first token write of a process). */
const IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600;
/** Advisory lock keys: all partitions ('awsm' 'glob'), and the namespace of partition keys. */
const GLOBAL_LOCK = '7021780063107166562';
/** Runs of one transaction after serialization failures or deadlocks. */
const MAX_TX_ATTEMPTS = 8;
/** Runs after a connection failure before COMMIT was sent (a new connection each time). */
const MAX_CONNECTION_ATTEMPTS = 3;
/** A statement that gets no answer for this long means the database is gone. */
const QUERY_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = (attempt: number) => Math.round((5 + Math.random() * 20) * 2 ** Math.min(attempt, 6));

/** Named prepared statements, one name per SQL text (each connection prepares a name once). */
const statementNames = new Map<string, string>();
function statement(text: string, values: unknown[]): { name: string; text: string; values: unknown[] } {
  let name = statementNames.get(text);
  if (!name) {
    name = `awsmesh_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}

/** Opens the store at `url`; the connection and migrations happen on first use (see ping()). */
export function openPostgresStore(url: string, opts: PostgresStoreOptions = {}): Store {
  return new PostgresStore(url, opts);
}

type TxMode = 'read' | 'write' | 'global';

/**
 * One statement reading `count` resources, each by its primary key: a UNION ALL of index lookups,
 * the answer's `i` tells which key a row belongs to. Parameters: account, region, then
 * (service, kind, parent, name) per key.
 */
const getManyText = (count: number): string => Array.from({ length: count }, (_, i) => {
  const n = 3 + i * 4;
  return `SELECT ${i} AS i, arn, data, created_at, updated_at FROM ${S}.resources
    WHERE account = $1 AND region = $2 AND service = $${n} AND kind = $${n + 1} AND parent = $${n + 2} AND name = $${n + 3}`;
}).join(' UNION ALL ');
const getManyTexts: string[] = [];

class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly location: string;
  private readonly config: ClientConfig;
  private readonly pool: Pool;
  private readonly feed: ChangeFeed;
  private readonly reader: SharedReader;
  private readonly inTx = new AsyncLocalStorage<true>();
  private readonly user: string;
  private ready?: Promise<void>;
  private closed = false;
  private masterSecret?: string;
  private pruned = false;

  constructor(url: string, opts: PostgresStoreOptions) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const pg = require('pg') as typeof import('pg');
    const { parse } = require('pg-connection-string') as typeof import('pg-connection-string');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const env = opts.env ?? process.env;
    const parsed = parse(url);
    this.location = redactUrl(url);
    this.user = parsed.user || env.PGUSER || env.USER || 'postgres';
    this.config = {
      ...(parsed as ClientConfig),
      user: this.user,
      host: parsed.host ?? undefined,
      port: parsed.port ? Number(parsed.port) : undefined,
      database: parsed.database ?? undefined,
      // No password in the URL: PGPASSWORD, else node-postgres reads ~/.pgpass.
      password: parsed.password || env.PGPASSWORD || undefined,
      application_name: parsed.application_name ?? 'awsmesh',
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
      query_timeout: QUERY_TIMEOUT_MS,
      keepAlive: true,
    } as ClientConfig;
    this.pool = new pg.Pool({
      ...this.config, pipeline: true, max: opts.poolSize ?? 10, idleTimeoutMillis: 30_000, allowExitOnIdle: true,
    } as ClientConfig);
    // An idle connection that dies (server restart) is dropped by the pool; the next checkout reconnects.
    this.pool.on('error', () => undefined);
    // A checked-out connection that dies between statements emits 'error' too (the pool listens
    // only while it is idle): the running transaction's next statement fails and is handled there.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
    this.reader = new SharedReader(async () => {
      const client = new pg.Client({ ...this.config, pipeline: true } as ClientConfig);
      client.on('error', () => undefined);
      await client.connect();
      return client;
    });
    this.feed = new ChangeFeed({
      connect: async () => {
        const client = new pg.Client({ ...this.config, application_name: `${this.config.application_name} change feed` });
        client.on('error', () => undefined);
        await client.connect();
        // The feed must not keep a process alive on its own (like the SQLite store's poll timer).
        (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
        return client;
      },
      readSeq: (client: Client) => client.query(`SELECT seq FROM ${S}.changes WHERE id = 1`).then((r) => Number(r.rows[0].seq)),
      log: opts.log,
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the state store is closed');
  }

  /** Connects once and migrates (under the advisory lock); a failure is retried on the next call. */
  private ensureReady(): Promise<void> {
    this.ready ??= (async () => {
      const client = await this.pool.connect().catch((e) => Promise.reject(describePgError(e, this.location, this.user)));
      try {
        await pgMigrate(client);
        client.release();
      } catch (e) {
        client.release(isConnectionFailure(e) ? (e as Error) : undefined);
        throw describePgError(e, this.location, this.user);
      }
    })().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    return this.ready;
  }

  async ping(): Promise<void> {
    this.assertOpen();
    await this.ensureReady();
    await this.pool.query('SELECT 1').catch((e) => Promise.reject(describePgError(e, this.location, this.user)));
  }

  /**
   * One transaction on one connection: `fn` gets the client and a function that marks the
   * transaction as changing state. Returns fn's result once COMMIT has returned.
   */
  private async transaction<T>(mode: TxMode, partitions: Partition[], fn: (client: PoolClient, dirty: (p: Partition) => void) => Promise<T>): Promise<T> {
    this.assertOpen();
    if (this.inTx.getStore()) throw new Error('nested store transactions are not supported');
    await this.ensureReady();
    let connectionFailures = 0;
    for (let attempt = 1; ; attempt++) {
      this.assertOpen();
      let client: PoolClient | undefined;
      let commitSent = false;
      const touched = new Set<string>();
      try {
        client = await this.pool.connect();
        const c = client;
        coalesceWrites(c);
        // Not awaited here: pipelined ahead of fn's first statement. If one of them fails, fn's
        // statements fail too ("transaction is aborted"); the preamble's error is the one reported.
        const preamble = mode === 'read'
          ? c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
          : Promise.all([
            c.query('BEGIN'),
            mode === 'global' ? c.query(statement('SELECT pg_advisory_xact_lock($1)', [GLOBAL_LOCK])) : lockPartitions(c, partitions),
          ]);
        preamble.catch(() => undefined);
        const result = await this.inTx.run(true, () => fn(c, (p) => touched.add(`${p.account}/${p.region}`)))
          .catch(async (e: unknown) => {
            await preamble;
            throw e;
          });
        await preamble;
        if (mode === 'read') {
          // A read-only snapshot has nothing to commit: the answer is complete now. The COMMIT
          // goes out behind it and the connection's next user queues behind the COMMIT.
          c.query('COMMIT').catch(() => undefined);
          c.release();
          client = undefined;
          return result;
        }
        let seq: number | undefined;
        if (touched.size) {
          // Last statement before COMMIT: the row lock on the counter is held only briefly, and
          // the counter's order is the commit order. NOTIFY is delivered at commit.
          const r = await c.query(statement(
            `WITH s AS (UPDATE ${S}.changes SET seq = seq + 1 WHERE id = 1 RETURNING seq)
             SELECT seq, pg_notify('${CHANGES_CHANNEL}', seq::text || ' ' || $1::text) FROM s`,
            [[...touched].sort().join(',')],
          ));
          seq = Number(r.rows[0].seq);
        }
        commitSent = true;
        await c.query('COMMIT');
        c.release();
        client = undefined;
        if (seq !== undefined) this.feed.committed(seq);
        return result;
      } catch (e) {
        const broken = isConnectionFailure(e);
        if (client) {
          // Not awaited either: the connection's next user queues behind the ROLLBACK.
          if (!broken) client.query('ROLLBACK').catch(() => undefined);
          client.release(broken ? (e as Error) : undefined);
        }
        if (shouldRetryTransaction(e) && attempt < MAX_TX_ATTEMPTS) {
          await sleep(jitter(attempt));
          continue;
        }
        // Safe to run again only if COMMIT was never sent: otherwise it may have committed.
        if (broken && !commitSent && ++connectionFailures < MAX_CONNECTION_ATTEMPTS) {
          await sleep(jitter(connectionFailures) * 4);
          continue;
        }
        if (broken && commitSent) {
          throw new StoreUnavailableError(
            `PostgreSQL at ${this.location}: the connection broke while committing; the change may or may not have been saved (${(e as Error).message})`,
          );
        }
        throw describePgError(e, this.location, this.user);
      }
    }
  }

  private tx(client: PoolClient, p: Partition, writable: boolean, dirty: (p: Partition) => void): StoreTx {
    return new PgTx(client, p, writable, () => dirty(p), () => this.pruneIdempotencyOnce(client));
  }

  /** Keeps the token table small; once per process, inside a write transaction. */
  private async pruneIdempotencyOnce(client: PoolClient): Promise<void> {
    if (this.pruned) return;
    this.pruned = true;
    await client.query(statement(`DELETE FROM ${S}.idempotency WHERE created_at < $1`, [Date.now() / 1000 - IDEMPOTENCY_TTL_SECONDS]));
  }

  read<T>(p: Partition, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.transaction('read', [p], (c, dirty) => fn(this.tx(c, p, false, dirty)));
  }

  /** One statement on the shared reading connection; run again on a new one if the connection broke. */
  private async readStatement<R>(query: { name: string; text: string; values: unknown[] }): Promise<R[]> {
    this.assertOpen();
    await this.ensureReady();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.reader.rows<R>(query);
      } catch (e) {
        if (isConnectionFailure(e) && attempt < MAX_CONNECTION_ATTEMPTS && !this.closed) {
          await sleep(jitter(attempt) * 4);
          continue;
        }
        throw describePgError(e, this.location, this.user);
      }
    }
  }

  async getMany(p: Partition, keys: readonly ResourceKey[]): Promise<Array<StoredResource | undefined>> {
    const out: Array<StoredResource | undefined> = new Array(keys.length).fill(undefined);
    if (!keys.length) return out;
    const values: unknown[] = [p.account, p.region];
    for (const k of keys) values.push(k.service, k.kind, k.parent, k.name);
    const text = (getManyTexts[keys.length] ??= getManyText(keys.length));
    const rows = await this.readStatement<Pick<ResourceRow, 'arn' | 'data' | 'created_at' | 'updated_at'> & { i: number }>(statement(text, values));
    for (const row of rows) {
      const k = keys[row.i];
      out[row.i] = {
        service: k.service, kind: k.kind, parent: k.parent, name: k.name, arn: row.arn,
        data: JSON.parse(row.data) as Record<string, unknown>, createdAt: row.created_at, updatedAt: row.updated_at,
      };
    }
    return out;
  }

  write<T>(p: Partition, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.transaction('write', [p], (c, dirty) => fn(this.tx(c, p, true, dirty)));
  }

  writeAll<T>(fn: (tx: (p: Partition) => StoreTx) => Promise<T>): Promise<T> {
    return this.transaction('global', [], (c, dirty) => fn((p) => this.tx(c, p, true, dirty)));
  }

  private async query<R extends object>(text: string, values: unknown[] = []): Promise<R[]> {
    this.assertOpen();
    await this.ensureReady();
    try {
      return (await this.pool.query(statement(text, values))).rows as R[];
    } catch (e) {
      throw describePgError(e, this.location, this.user);
    }
  }

  /**
   * The commit counter (changes.seq), read on the shared reading connection. Every write transaction
   * that changes anything raises it under a row lock held to its COMMIT, so a commit is visible
   * exactly when its raised counter is: any replica's acknowledged write changes the next answer.
   */
  async readVersion(): Promise<string | undefined> {
    if (this.closed || this.inTx.getStore()) return undefined;
    const rows = await this.readStatement<{ seq: string }>(statement(`SELECT seq FROM ${S}.changes WHERE id = 1`, []));
    return String(rows[0].seq);
  }

  async changeSeq(): Promise<number> {
    const rows = await this.query<{ seq: string }>(`SELECT seq FROM ${S}.changes WHERE id = 1`);
    return Number(rows[0].seq);
  }

  watch(listener: () => void): () => void {
    this.assertOpen();
    return this.feed.watch(listener);
  }

  async stats(): Promise<PartitionStats[]> {
    const rows = await this.query<{ account: string; region: string; service: string; kind: string; n: string }>(
      `SELECT account, region, service, kind, SUM(n) AS n FROM ${S}.counts
       GROUP BY account, region, service, kind HAVING SUM(n) > 0 ORDER BY account, region, service, kind`,
    );
    const out: PartitionStats[] = [];
    for (const r of rows) {
      let last = out[out.length - 1];
      if (!last || last.partition.account !== r.account || last.partition.region !== r.region) {
        last = { partition: { account: r.account, region: r.region }, counts: {} };
        out.push(last);
      }
      last.counts[`${r.service}:${r.kind}`] = Number(r.n);
    }
    return out;
  }

  async dump(p?: Partition): Promise<Array<StoredResource & { partition: Partition }>> {
    const order = 'ORDER BY account, region, service, kind, parent, name';
    const rows = p
      ? await this.query<ResourceRow>(`SELECT * FROM ${S}.resources WHERE account = $1 AND region = $2 ${order}`, [p.account, p.region])
      : await this.query<ResourceRow>(`SELECT * FROM ${S}.resources ${order}`);
    return rows.map((r) => ({ ...rowToResource(r), partition: { account: r.account, region: r.region } }));
  }

  async dumpRefs(p?: Partition): Promise<StoredRef[]> {
    type Row = { account: string; region: string; from_arn: string; to_arn: string };
    const order = 'ORDER BY account, region, from_arn, to_arn';
    const rows = p
      ? await this.query<Row>(`SELECT * FROM ${S}.refs WHERE account = $1 AND region = $2 ${order}`, [p.account, p.region])
      : await this.query<Row>(`SELECT * FROM ${S}.refs ${order}`);
    return rows.map((r) => ({ partition: { account: r.account, region: r.region }, from: r.from_arn, to: r.to_arn }));
  }

  async secret(name: string): Promise<Buffer> {
    this.masterSecret ??= (await this.query<{ value: string }>(`SELECT value FROM ${S}.meta WHERE key = 'secret'`))[0].value;
    return createHmac('sha256', this.masterSecret).update(name).digest();
  }

  async reset(): Promise<void> {
    await this.transaction('global', [], async (c, dirty) => {
      await c.query(`DELETE FROM ${S}.resources`);
      await c.query(`DELETE FROM ${S}.counts`);
      await c.query(`DELETE FROM ${S}.refs`);
      await c.query(`DELETE FROM ${S}.idempotency`);
      dirty({ account: '*', region: '*' });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.feed.close();
    await this.reader.close();
    // Waits for checked-out connections (running transactions) to come back.
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * Holds the connection's socket writes until the current turn of the event loop is over, so BEGIN
 * (and the locks) leave in one write with fn's first statement: each write is a system call, and
 * they were most of a read's CPU cost in the awsmesh process (profile of describe-virtual-node).
 */
function coalesceWrites(c: PoolClient): void {
  const stream = (c as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  if (!stream?.cork || !stream.uncork) return;
  stream.cork();
  setImmediate(() => stream.uncork!());
}

/**
 * Serialises this transaction with every other writer of the same partitions (and behind a
 * running writeAll). Keys are hashes of account/region: a collision only serialises more.
 */
function lockPartitions(c: PoolClient, partitions: Partition[]): Promise<unknown> {
  // Sent together (pipelined); the server takes them in this order.
  return Promise.all([
    c.query(statement('SELECT pg_advisory_xact_lock_shared($1)', [GLOBAL_LOCK])),
    ...partitions.map((p) => c.query(statement(`SELECT pg_advisory_xact_lock(hashtextextended($1, 7021780063))`, [`${p.account}/${p.region}`]))),
  ]);
}

class PgTx implements StoreTx {
  constructor(
    private readonly c: PoolClient,
    private readonly p: Partition,
    private readonly writable: boolean,
    private readonly dirty: () => void,
    private readonly pruneIdempotency: () => Promise<void>,
  ) {}

  private mutating(): void {
    if (!this.writable) throw new Error('write attempted in a read-only store transaction');
    this.dirty();
  }

  private async rows<R>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.c.query(statement(text, [this.p.account, this.p.region, ...values]))).rows as R[];
  }

  async get(service: string, kind: string, parent: string, name: string): Promise<StoredResource | undefined> {
    const [row] = await this.rows<ResourceRow>(
      `SELECT * FROM ${S}.resources WHERE account = $1 AND region = $2 AND service = $3 AND kind = $4 AND parent = $5 AND name = $6`,
      [service, kind, parent, name],
    );
    return row && rowToResource(row);
  }

  async getByArn(arn: string): Promise<StoredResource | undefined> {
    const [row] = await this.rows<ResourceRow>(`SELECT * FROM ${S}.resources WHERE account = $1 AND region = $2 AND arn = $3`, [arn]);
    return row && rowToResource(row);
  }

  async list(service: string, kind: string, parent: string | undefined, opts: ListOptions = {}): Promise<StoredResource[]> {
    let text = `SELECT * FROM ${S}.resources WHERE account = $1 AND region = $2 AND service = $3 AND kind = $4`;
    const args: unknown[] = [service, kind];
    if (parent !== undefined) {
      args.push(parent);
      text += ` AND parent = $${args.length + 2}`;
    }
    if (opts.after) {
      // Within one parent the position is the name; a cursor from another parent resumes by order.
      args.push(opts.after.parent, opts.after.name);
      text += ` AND (parent, name) > ($${args.length + 1}, $${args.length + 2})`;
    }
    args.push(opts.limit ?? null); // LIMIT NULL: no limit
    text += ` ORDER BY parent, name LIMIT $${args.length + 2}`;
    return (await this.rows<ResourceRow>(text, args)).map(rowToResource);
  }

  async count(service: string, kind: string, parent?: string): Promise<number> {
    // Kept by a trigger on resources: no scan, whatever the size of the mesh.
    const [row] = parent === undefined
      ? await this.rows<{ n: string }>(`SELECT COALESCE(SUM(n), 0) AS n FROM ${S}.counts WHERE account = $1 AND region = $2 AND service = $3 AND kind = $4`, [service, kind])
      : await this.rows<{ n: string }>(`SELECT n FROM ${S}.counts WHERE account = $1 AND region = $2 AND service = $3 AND kind = $4 AND parent = $5`, [service, kind, parent]);
    return row ? Number(row.n) : 0;
  }

  async put(r: StoredResource): Promise<void> {
    this.mutating();
    await this.rows(
      `INSERT INTO ${S}.resources (account, region, service, kind, parent, name, arn, data, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (account, region, service, kind, parent, name) DO UPDATE SET
         arn = excluded.arn, data = excluded.data, created_at = excluded.created_at, updated_at = excluded.updated_at`,
      [r.service, r.kind, r.parent, r.name, r.arn, JSON.stringify(r.data), r.createdAt, r.updatedAt],
    );
  }

  async delete(service: string, kind: string, parent: string, name: string): Promise<boolean> {
    this.mutating();
    const [row] = await this.rows<{ arn: string }>(
      `DELETE FROM ${S}.resources WHERE account = $1 AND region = $2 AND service = $3 AND kind = $4 AND parent = $5 AND name = $6
       RETURNING arn`,
      [service, kind, parent, name],
    );
    if (!row) return false;
    // A deleted resource references nothing any more.
    await this.rows(`DELETE FROM ${S}.refs WHERE account = $1 AND region = $2 AND from_arn = $3`, [row.arn]);
    return true;
  }

  async setRefs(fromArn: string, toArns: string[]): Promise<void> {
    this.mutating();
    await this.rows(`DELETE FROM ${S}.refs WHERE account = $1 AND region = $2 AND from_arn = $3`, [fromArn]);
    if (toArns.length) {
      await this.rows(
        `INSERT INTO ${S}.refs (account, region, from_arn, to_arn) SELECT $1, $2, $3, unnest($4::text[]) ON CONFLICT DO NOTHING`,
        [fromArn, toArns],
      );
    }
  }

  async referrers(toArn: string): Promise<string[]> {
    const rows = await this.rows<{ from_arn: string }>(
      `SELECT from_arn FROM ${S}.refs WHERE account = $1 AND region = $2 AND to_arn = $3 ORDER BY from_arn`, [toArn],
    );
    return rows.map((r) => r.from_arn);
  }

  async getIdempotency(scope: string, token: string): Promise<IdempotencyRecord | undefined> {
    const [row] = await this.rows<{ fingerprint: string; response: string }>(
      `SELECT fingerprint, response FROM ${S}.idempotency WHERE account = $1 AND region = $2 AND scope = $3 AND token = $4`,
      [scope, token],
    );
    return row && { fingerprint: row.fingerprint, response: JSON.parse(row.response) };
  }

  async putIdempotency(scope: string, token: string, record: IdempotencyRecord): Promise<void> {
    if (!this.writable) throw new Error('write attempted in a read-only store transaction');
    await this.pruneIdempotency();
    await this.rows(
      `INSERT INTO ${S}.idempotency (account, region, scope, token, fingerprint, response, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (account, region, scope, token) DO UPDATE SET
         fingerprint = excluded.fingerprint, response = excluded.response, created_at = excluded.created_at`,
      [scope, token, record.fingerprint, JSON.stringify(record.response ?? null), Date.now() / 1000],
    );
  }
}
