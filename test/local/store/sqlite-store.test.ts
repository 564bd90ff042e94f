import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import BetterSqlite3 from 'better-sqlite3';
import { openSqliteStore } from '../../../src/backends/local/store/sqlite-store';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from '../../../src/backends/local/store/migrations';
import type { Store } from '../../../src/backends/local/store/store';
import { P, Q, res } from '../../helpers/store-fixtures';

let tmp: string;
const stores: Store[] = [];
function open(file = path.join(tmp, 'home', 'state.db')): Store {
  const s = openSqliteStore(file);
  stores.push(s);
  return s;
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-store-'));
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('opening', () => {
  test('creates the directory 0700, the file 0600, in WAL mode at the latest schema', async () => {
    const file = path.join(tmp, 'home', 'nested', 'state.db');
    const s = open(file);
    expect(s.location).toBe(file);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    await s.close();
    const db = new BetterSqlite3(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    db.close();
  });

  test('migrates a file written at schema version 1 and keeps its data', async () => {
    const file = path.join(tmp, 'old.db');
    const db = new BetterSqlite3(file);
    expect(migrate(db, 1)).toBe(1);
    db.prepare(`INSERT INTO resources (account, region, service, kind, parent, name, arn, data, created_at, updated_at)
      VALUES (?, ?, 'svc', 'thing', '', 'kept', 'arn:kept', '{"x":1}', 1, 2)`).run(P.account, P.region);
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE name = 'idempotency'`).get()).toBeUndefined();
    db.close();

    const s = open(file);
    await expect(s.read(P, (tx) => tx.get('svc', 'thing', '', 'kept'))).resolves.toMatchObject({ data: { x: 1 } });
    // Migration 3 counted the rows that were already there, and its triggers keep counting.
    await expect(s.read(P, (tx) => tx.count('svc', 'thing', ''))).resolves.toBe(1);
    await s.write(P, (tx) => tx.put(res('new')));
    await s.write(P, (tx) => tx.put(res('new', { data: { replaced: true } })));
    await expect(s.read(P, (tx) => tx.count('svc', 'thing'))).resolves.toBe(2);
    await s.write(P, (tx) => tx.delete('svc', 'thing', '', 'kept'));
    await expect(s.read(P, (tx) => tx.count('svc', 'thing', ''))).resolves.toBe(1);
    expect(await s.stats()).toEqual([{ partition: P, counts: { 'svc:thing': 1 } }]);
    await s.write(P, (tx) => tx.putIdempotency('op', 't', { fingerprint: 'f', response: { ok: 1 } }));
    await expect(s.read(P, (tx) => tx.getIdempotency('op', 't'))).resolves.toEqual({ fingerprint: 'f', response: { ok: 1 } });
    await s.close();
    const check = new BetterSqlite3(file, { readonly: true });
    expect(schemaVersion(check)).toBe(MIGRATIONS.length);
    check.close();
  });

  test('refuses a file from a newer schema with a clear message', () => {
    const file = path.join(tmp, 'new.db');
    const db = new BetterSqlite3(file);
    migrate(db);
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 5);
    db.close();
    expect(() => openSqliteStore(file)).toThrow(/newer awsmesh/);
  });
});

describe('locking and failures', () => {
  test('opening and reading never wait for another connection\'s write lock', async () => {
    const file = path.join(tmp, 'lock.db');
    open(file).close();
    const holder = new BetterSqlite3(file);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const s = openSqliteStore(file, { busyTimeoutMs: 100 });
      stores.push(s);
      await expect(s.read(P, (tx) => tx.count('svc', 'thing'))).resolves.toBe(0);
      // A write cannot get the lock in time: a clear message, not "database is locked".
      await expect(s.write(P, (tx) => tx.put(res('a')))).rejects.toMatchObject({
        message: expect.stringMatching(/stayed locked by another awsmesh process/),
      });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  test('a file that is not a database is named in the error', () => {
    const file = path.join(tmp, 'garbage.db');
    fs.writeFileSync(file, 'this is not sqlite, just some text that is long enough to look like a header '.repeat(20));
    expect(() => openSqliteStore(file)).toThrow(/garbage\.db is not a usable awsmesh state database/);
  });

  test('expired idempotency records are dropped on the next token write', async () => {
    const file = path.join(tmp, 'tokens.db');
    const s = open(file);
    await s.write(P, (tx) => tx.putIdempotency('op', 'fresh', { fingerprint: 'f', response: {} }));
    await s.close();
    const db = new BetterSqlite3(file);
    db.prepare(`INSERT INTO idempotency VALUES (?, ?, 'op', 'old', 'f', '{}', ?)`).run(P.account, P.region, Date.now() / 1000 - 8 * 24 * 3600);
    db.close();
    const again = open(file);
    await expect(again.read(P, (tx) => tx.getIdempotency('op', 'old'))).resolves.toBeDefined();
    await again.write(P, (tx) => tx.putIdempotency('op', 'new', { fingerprint: 'f', response: {} }));
    await expect(again.read(P, (tx) => tx.getIdempotency('op', 'old'))).resolves.toBeUndefined();
    await expect(again.read(P, (tx) => tx.getIdempotency('op', 'fresh'))).resolves.toBeDefined();
  });
});


describe('readVersion (what local serve checks its cached answers against)', () => {
  // SQLite answers synchronously (PRAGMA data_version), without a round trip.
  const version = (s: Store) => s.readVersion!() as string | undefined;

  test('stays while nothing is committed and changes after any commit, of this or another connection', async () => {
    const file = path.join(tmp, 'version.db');
    const a = open(file);
    const b = open(file);
    const v0 = version(a);
    expect(v0).toBeDefined();
    await a.read(P, (tx) => tx.get('svc', 'thing', '', 'x'));
    expect(version(a)).toBe(v0);
    // Another connection (another process, for SQLite the same thing): seen by the very next call.
    await b.write(P, (tx) => tx.put(res('x')));
    const v1 = version(a);
    expect(v1).not.toBe(v0);
    // This connection's own commit (data_version counts only the others').
    await a.write(P, (tx) => tx.put(res('y')));
    const v2 = version(a);
    expect(v2).not.toBe(v1);
    // A plain SQLite client writing the file counts too.
    const raw = new BetterSqlite3(file);
    raw.prepare(`UPDATE resources SET data = '{}' WHERE name = 'x'`).run();
    raw.close();
    expect(version(a)).not.toBe(v2);
  });

  test('sees every commit of another process, also when a checkpoint has restarted the WAL (it reads the WAL index header)', async () => {
    const file = path.join(tmp, 'process.db');
    const s = open(file);
    await s.write(P, (tx) => tx.put(res('x')));
    // A separate process with its own SQLite connection: one statement per run, then it exits.
    const other = (sql: string) => {
      const code = `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const d = new D(process.argv[1]); d.exec(process.argv[2]); d.close();`;
      const r = spawnSync(process.execPath, ['-e', code, file, sql], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    };
    const seen = new Set<string>();
    let last = version(s)!;
    seen.add(last);
    const steps = [
      `UPDATE resources SET data = '{"n":1}' WHERE name = 'x'`,
      `UPDATE resources SET data = '{"n":2}' WHERE name = 'x'`,
      // Everything copied back into the database and the WAL emptied: the next commit starts it anew.
      `PRAGMA wal_checkpoint(TRUNCATE); UPDATE resources SET data = '{"n":3}' WHERE name = 'x'`,
      `PRAGMA wal_checkpoint(RESTART); UPDATE resources SET data = '{"n":4}' WHERE name = 'x'`,
      `UPDATE resources SET data = '{"n":5}' WHERE name = 'x'`,
    ];
    for (const sql of steps) {
      other(sql);
      const v = version(s)!;
      expect(v).not.toBe(last);
      expect(seen.has(v)).toBe(false);
      seen.add(v);
      expect(version(s)).toBe(v); // and nothing committed since: the same
      last = v;
    }
    // A checkpoint alone commits nothing: reads see the same data, the version may stay.
    other('PRAGMA wal_checkpoint(PASSIVE)');
    const data = await s.read(P, (tx) => tx.get('svc', 'thing', '', 'x'));
    expect(data?.name).toBe('x');
  });

  test('closing a store leaves the process\'s SQLite locks on the -shm file to its other connections; a file made anew at the same path is watched anew', async () => {
    const file = path.join(tmp, 'locks.db');
    const a = open(file);
    const b = open(file);
    version(a);
    version(b);
    await a.close();
    // SQLite's shared "dead man switch" lock on the -shm file (byte 128) is still held for b.
    if (fs.existsSync('/proc/locks')) {
      const ino = fs.statSync(`${file}-shm`).ino;
      const held = fs.readFileSync('/proc/locks', 'utf8').split('\n').filter((l) => l.includes(` ${process.pid} `) && l.includes(`:${ino} `));
      expect(held.some((l) => / 128 128$/.test(l))).toBe(true);
    }
    await b.close();
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true });
    const c = open(file);
    const d = open(file);
    const v0 = version(c);
    await d.write(P, (tx) => tx.put(res('z')));
    expect(version(c)).not.toBe(v0);
  });

  test('is undefined inside an open transaction (its snapshot may be older than the last commit)', async () => {
    const s = open();
    let inside: string | undefined = 'unset';
    await s.read(P, async () => {
      inside = version(s);
    });
    expect(inside).toBeUndefined();
    expect(version(s)).toBeDefined();
  });
});

describe('getMany outside a transaction (describe\'s read)', () => {
  const key = (name: string) => ({ service: 'svc', kind: 'thing', parent: '', name });

  test('reads at once, and sees another connection\'s commit', async () => {
    const file = path.join(tmp, 'many.db');
    const a = open(file);
    const b = open(file);
    await a.write(P, (tx) => tx.put(res('a')));
    expect((await a.getMany(P, [key('a'), key('b')])).map((r) => r?.name)).toEqual(['a', undefined]);
    await b.write(P, (tx) => tx.put(res('b')));
    expect((await a.getMany(P, [key('b')])).map((r) => r?.name)).toEqual(['b']);
  });

  test('during a write transaction of this process it waits for the commit instead of reading inside it', async () => {
    const s = open();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let written!: () => void;
    const putDone = new Promise<void>((r) => (written = r));
    const writing = s.write(P, async (tx) => {
      await tx.put(res('b'));
      written();
      await gate;
    });
    await putDone;
    let answered = false;
    const reading = s.getMany(P, [key('b')]).then((rows) => {
      answered = true;
      return rows;
    });
    // The read is queued behind the open write (same connection): it cannot answer before the commit.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(answered).toBe(false);
    release();
    await writing;
    expect((await reading).map((r) => r?.name)).toEqual(['b']);
  });
});
