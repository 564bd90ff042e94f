// The Store contract, on both stores: every test runs on SQLite and on PostgreSQL (see
// test/helpers/stores.ts). Store-specific behaviour (files, locking, migrations, connections)
// is tested in sqlite-store.test.ts and postgres-store.test.ts.

import type { StoredResource } from '../../../src/backends/local/store/store';
import { describeEachStore } from '../../helpers/stores';
import { waitUntil } from '../../helpers/wait';
import { P, Q, res } from '../../helpers/store-fixtures';


describeEachStore('store', (store) => {
  describe('resources', () => {
    test('put, get, getByArn, replace and delete', async () => {
      const s = await store.open();
      await s.write(P, (tx) => tx.put(res('a')));
      await expect(s.read(P, (tx) => tx.get('svc', 'thing', '', 'a'))).resolves.toEqual(res('a'));
      await expect(s.read(P, (tx) => tx.getByArn('arn:test:/a'))).resolves.toEqual(res('a'));
      await s.write(P, (tx) => tx.put(res('a', { data: { v: 2 }, updatedAt: 9 })));
      await expect(s.read(P, (tx) => tx.get('svc', 'thing', '', 'a'))).resolves.toMatchObject({ data: { v: 2 }, updatedAt: 9 });
      await expect(s.write(P, (tx) => tx.delete('svc', 'thing', '', 'a'))).resolves.toBe(true);
      await expect(s.write(P, (tx) => tx.delete('svc', 'thing', '', 'a'))).resolves.toBe(false);
      await expect(s.read(P, (tx) => tx.get('svc', 'thing', '', 'a'))).resolves.toBeUndefined();
    });

    test('getMany answers in the order of its keys, undefined where absent, within the partition', async () => {
      const s = await store.open();
      await s.write(P, async (tx) => {
        await tx.put(res('a'));
        await tx.put(res('b', { parent: 'm', data: { nested: { x: [1, 'two'] } } }));
      });
      await s.write(Q, (tx) => tx.put(res('c')));
      const key = (parent: string, name: string) => ({ service: 'svc', kind: 'thing', parent, name });
      await expect(s.getMany(P, [key('m', 'b'), key('', 'c'), key('', 'a'), key('m', 'a')])).resolves.toEqual([
        res('b', { parent: 'm', data: { nested: { x: [1, 'two'] } } }), undefined, res('a'), undefined,
      ]);
      await expect(s.getMany(P, [{ ...key('', 'a'), kind: 'other' }])).resolves.toEqual([undefined]);
      await expect(s.getMany(Q, [key('', 'c')])).resolves.toEqual([res('c')]);
      await expect(s.getMany(P, [])).resolves.toEqual([]);
    });

    test('partitions are isolated', async () => {
      const s = await store.open();
      await s.write(P, (tx) => tx.put(res('a')));
      await expect(s.read(Q, (tx) => tx.get('svc', 'thing', '', 'a'))).resolves.toBeUndefined();
      await expect(s.read(Q, (tx) => tx.getByArn('arn:test:/a'))).resolves.toBeUndefined();
      await s.write(Q, (tx) => tx.put(res('a', { data: { q: true } })));
      await expect(s.read(P, (tx) => tx.count('svc', 'thing'))).resolves.toBe(1);
      await expect(s.read(Q, (tx) => tx.get('svc', 'thing', '', 'a'))).resolves.toMatchObject({ data: { q: true } });
    });

    test('an ARN is unique within a partition', async () => {
      const s = await store.open();
      await s.write(P, (tx) => tx.put(res('a')));
      // SqliteError comes from the native addon, which jest may have bound to another test file's
      // realm when it reuses a worker: match on the message, not on `instanceof Error`.
      const unique = store.kind === 'sqlite' ? /UNIQUE/ : /unique constraint "resources_arn"/;
      await expect(s.write(P, (tx) => tx.put(res('b', { arn: 'arn:test:/a' })))).rejects.toMatchObject({ message: expect.stringMatching(unique) });
      await expect(s.read(P, (tx) => tx.count('svc', 'thing'))).resolves.toBe(1);
    });

    test('list orders by (parent, name) in binary order and resumes after a position', async () => {
      const s = await store.open();
      await s.write(P, async (tx) => {
        for (const [parent, name] of [['m1', 'b'], ['m1', 'B'], ['m2', 'a'], ['m1', 'a'], ['m10', 'z']]) {
          await tx.put(res(name, { parent }));
        }
        await tx.put(res('other', { kind: 'other', parent: 'm1' }));
      });
      const names = (rs: StoredResource[]) => rs.map((r) => `${r.parent}/${r.name}`);
      const all = await s.read(P, (tx) => tx.list('svc', 'thing', undefined));
      expect(names(all)).toEqual(['m1/B', 'm1/a', 'm1/b', 'm10/z', 'm2/a']);
      const m1 = await s.read(P, (tx) => tx.list('svc', 'thing', 'm1', { limit: 2 }));
      expect(names(m1)).toEqual(['m1/B', 'm1/a']);
      const rest = await s.read(P, (tx) => tx.list('svc', 'thing', 'm1', { after: { parent: 'm1', name: 'a' } }));
      expect(names(rest)).toEqual(['m1/b']);
      const acrossParents = await s.read(P, (tx) => tx.list('svc', 'thing', undefined, { after: { parent: 'm1', name: 'b' }, limit: 10 }));
      expect(names(acrossParents)).toEqual(['m10/z', 'm2/a']);
      await expect(s.read(P, (tx) => tx.count('svc', 'thing', 'm1'))).resolves.toBe(3);
      await expect(s.read(P, (tx) => tx.count('svc', 'thing'))).resolves.toBe(5);
    });
  });

  describe('references', () => {
    test('setRefs replaces, referrers finds, delete drops the outgoing refs', async () => {
      const s = await store.open();
      await s.write(P, async (tx) => {
        await tx.put(res('a'));
        await tx.put(res('b'));
        await tx.setRefs('arn:test:/a', ['arn:x', 'arn:y', 'arn:y']);
        await tx.setRefs('arn:test:/b', ['arn:y']);
      });
      await expect(s.read(P, (tx) => tx.referrers('arn:y'))).resolves.toEqual(['arn:test:/a', 'arn:test:/b']);
      await s.write(P, (tx) => tx.setRefs('arn:test:/a', ['arn:x']));
      await expect(s.read(P, (tx) => tx.referrers('arn:y'))).resolves.toEqual(['arn:test:/b']);
      await expect(s.read(Q, (tx) => tx.referrers('arn:x'))).resolves.toEqual([]);
      await s.write(P, (tx) => tx.delete('svc', 'thing', '', 'a'));
      await expect(s.read(P, (tx) => tx.referrers('arn:x'))).resolves.toEqual([]);
      expect(await s.dumpRefs()).toEqual([{ partition: P, from: 'arn:test:/b', to: 'arn:y' }]);
    });
  });

  describe('transactions', () => {
    test('a throw rolls back every change and does not bump the change sequence', async () => {
      const s = await store.open();
      const before = await s.changeSeq();
      await expect(s.write(P, async (tx) => {
        await tx.put(res('a'));
        await tx.setRefs('arn:test:/a', ['arn:z']);
        throw new Error('boom');
      })).rejects.toThrow('boom');
      await expect(s.read(P, (tx) => tx.count('svc', 'thing'))).resolves.toBe(0);
      await expect(s.read(P, (tx) => tx.referrers('arn:z'))).resolves.toEqual([]);
      expect(await s.changeSeq()).toBe(before);
    });

    test('reads cannot write and nested transactions are refused', async () => {
      const s = await store.open();
      await expect(s.read(P, (tx) => tx.put(res('a')))).rejects.toThrow(/read-only/);
      await expect(s.write(P, () => s.read(P, async () => 1))).rejects.toThrow(/nested/);
      // The store stays usable afterwards.
      await s.write(P, (tx) => tx.put(res('a')));
      await expect(s.read(P, (tx) => tx.count('svc', 'thing'))).resolves.toBe(1);
    });

    test('in-process writers that await inside the transaction never lose updates', async () => {
      const s = await store.open();
      await s.write(P, (tx) => tx.put(res('counter', { data: { n: 0 } })));
      await Promise.all(Array.from({ length: 40 }, () => s.write(P, async (tx) => {
        const cur = await tx.get('svc', 'thing', '', 'counter');
        await new Promise((r) => setImmediate(r));
        await tx.put({ ...cur!, data: { n: (cur!.data.n as number) + 1 } });
      })));
      await expect(s.read(P, (tx) => tx.get('svc', 'thing', '', 'counter'))).resolves.toMatchObject({ data: { n: 40 } });
    });

    test('writeAll spans partitions in one transaction', async () => {
      const s = await store.open();
      await expect(s.writeAll(async (tx) => {
        await tx(P).put(res('a'));
        await tx(Q).put(res('b'));
        throw new Error('undo');
      })).rejects.toThrow('undo');
      expect(await s.dump()).toEqual([]);
      await s.writeAll(async (tx) => {
        await tx(P).put(res('a'));
        await tx(Q).put(res('b'));
      });
      expect((await s.dump()).map((r) => `${r.partition.region}:${r.name}`)).toEqual(['eu-west-1:b', 'us-west-2:a']);
      expect((await s.dump(P)).map((r) => r.name)).toEqual(['a']);
    });
  });

  describe('idempotency records', () => {
    test('are scoped per partition, scope and token', async () => {
      const s = await store.open();
      await s.write(P, (tx) => tx.putIdempotency('CreateMesh', 'tok', { fingerprint: 'f1', response: { mesh: 1 } }));
      await expect(s.read(P, (tx) => tx.getIdempotency('CreateMesh', 'tok'))).resolves.toEqual({ fingerprint: 'f1', response: { mesh: 1 } });
      await expect(s.read(P, (tx) => tx.getIdempotency('UpdateMesh', 'tok'))).resolves.toBeUndefined();
      await expect(s.read(Q, (tx) => tx.getIdempotency('CreateMesh', 'tok'))).resolves.toBeUndefined();
    });
  });

  describe('change sequence and watch', () => {
    test('readVersion (what served reads are cached under) stays while nothing is committed and changes with any commit, of this or another connection', async () => {
      const url = await store.newUrl();
      const a = store.openUrl(url);
      const b = store.openUrl(url);
      try {
        const v0 = await a.readVersion!();
        expect(v0).toBeDefined();
        await a.read(P, (tx) => tx.get('svc', 'thing', '', 'x'));
        expect(await a.readVersion!()).toBe(v0);
        await b.write(P, (tx) => tx.put(res('x'))); // another process or replica
        const v1 = await a.readVersion!();
        expect(v1).not.toBe(v0);
        await a.write(P, (tx) => tx.put(res('y')));
        expect(await a.readVersion!()).not.toBe(v1);
        // Inside a transaction its snapshot may be older than the last commit: no version.
        let inside: string | undefined = 'unset';
        await a.read(P, async () => {
          inside = await a.readVersion!();
        });
        expect(inside).toBeUndefined();
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('each committed write bumps the sequence; reads do not', async () => {
      const s = await store.open();
      const a = await s.changeSeq();
      await s.write(P, (tx) => tx.put(res('a')));
      const b = await s.changeSeq();
      expect(b).toBe(a + 1);
      await s.read(P, (tx) => tx.get('svc', 'thing', '', 'a'));
      await s.write(P, async () => undefined); // a write transaction that changed nothing
      expect(await s.changeSeq()).toBe(b);
      await s.reset();
      expect(await s.changeSeq()).toBe(b + 1);
    });

    test('fires immediately for in-process commits and through the change feed for other connections', async () => {
      // "Not reported twice" and "a stopped watcher hears nothing" are decided after the feed has
      // certainly passed over the change, never after a pause: SQLite's poll timer is faked and
      // run here (only setInterval is faked); PostgreSQL's NOTIFYs arrive in commit order, so a
      // later change's report proves the earlier ones were delivered.
      const sqlite = store.kind === 'sqlite';
      if (sqlite) jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask', 'Date', 'hrtime', 'performance'] });
      const polls = () => sqlite && jest.advanceTimersByTime(100); // five polls
      try {
        const url = await store.newUrl();
        const s = await store.open(url);
        const other = await store.open(url);
        let calls = 0;
        const stop = s.watch(() => calls++, 20);
        await s.write(P, (tx) => tx.put(res('a')));
        expect(calls).toBe(1); // synchronous with the commit, not waiting for the feed
        polls();
        expect(calls).toBe(1); // the poll does not report the same change twice
        await other.write(P, (tx) => tx.put(res('b')));
        polls();
        await waitUntil(() => calls >= 2, { describe: 'the other connection\'s commit reported', observe: () => calls });
        polls();
        expect(calls).toBe(2); // b once; a's own notification, delivered before b's, was not a second report
        stop();
        let witness = 0;
        const stopWitness = s.watch(() => witness++, 20);
        await other.write(P, (tx) => tx.put(res('c')));
        polls();
        await waitUntil(() => witness >= 1, { describe: 'a live watcher to hear the commit', observe: () => witness });
        await s.write(P, (tx) => tx.put(res('d')));
        stopWitness();
        expect(calls).toBe(2); // the stopped watcher heard neither the feed nor this process's commit
      } finally {
        if (sqlite) jest.useRealTimers();
      }
    });
  });

  test('a watcher may read the store from its callback (it runs outside the transaction)', async () => {
    const s = await store.open();
    const seen: string[] = [];
    const errors: unknown[] = [];
    let stop!: () => void;
    // Waits for the callback's own read to finish (not a fixed time: on PostgreSQL it may need a connection).
    const readDone = new Promise<void>((resolve) => {
      stop = s.watch(() => {
        s.read(P, (tx) => tx.list('svc', 'thing', undefined)).then((rows) => seen.push(...rows.map((r) => r.name)), (e) => errors.push(e)).finally(resolve);
      }, 1000);
    });
    await s.write(P, (tx) => tx.put(res('a')));
    await readDone;
    stop();
    expect(errors).toEqual([]);
    expect(seen).toEqual(['a']);
  });

  describe('admin helpers', () => {
    test('stats counts per partition and kind; reset empties everything', async () => {
      const s = await store.open();
      await s.write(P, async (tx) => {
        await tx.put(res('a'));
        await tx.put(res('b'));
        await tx.put(res('k', { kind: 'other' }));
        await tx.setRefs('arn:test:/a', ['arn:test:/b']);
        await tx.putIdempotency('op', 't', { fingerprint: 'f', response: {} });
      });
      await s.write(Q, (tx) => tx.put(res('a')));
      expect(await s.stats()).toEqual([
        { partition: Q, counts: { 'svc:thing': 1 } },
        { partition: P, counts: { 'svc:other': 1, 'svc:thing': 2 } },
      ]);
      await s.reset();
      expect(await s.stats()).toEqual([]);
      expect(await s.dumpRefs()).toEqual([]);
      await expect(s.read(P, (tx) => tx.getIdempotency('op', 't'))).resolves.toBeUndefined();
    });

    test('secrets are stable across reopening, differ by name and by store', async () => {
      const url = await store.newUrl();
      const a1 = await (await store.open(url)).secret('pagination');
      const a2 = await (await store.open(url)).secret('pagination');
      expect(a1.equals(a2)).toBe(true);
      expect(a1.length).toBe(32);
      expect((await (await store.open(url)).secret('other')).equals(a1)).toBe(false);
      expect((await (await store.open()).secret('pagination')).equals(a1)).toBe(false);
    });

    test('a closed store refuses work', async () => {
      const s = await store.open();
      await s.close();
      await expect(s.read(P, async () => 1)).rejects.toThrow(/closed/);
    });
  });
});
