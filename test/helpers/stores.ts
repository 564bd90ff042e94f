// One suite, both stores: describeEachStore(title, body) runs `body` once on SQLite and once on
// PostgreSQL (a throwaway cluster, one database per store). Without PostgreSQL the second run is
// one test that logs why it did nothing.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openStore } from '../../src/backends/local';
import type { Store } from '../../src/backends/local/store/store';
import { parseStoreUrl } from '../../src/backends/local/store/store-url';
import { postgresCluster, postgresUnavailable, runningCluster, usePostgres } from './postgres';

export type StoreKind = 'sqlite' | 'postgres';

export interface StoreKit {
  kind: StoreKind;
  /**
   * A URL for a new, empty store (sqlite:FILE in a temp dir, or a PostgreSQL database), released
   * after the current test; with `keep` the caller releases it (for stores that outlive a test).
   */
  newUrl(opts?: { keep?: boolean }): Promise<string>;
  /** Removes the store at `url` (its connections must be closed). */
  release(url: string): Promise<void>;
  /** Opens a store by URL; PostgreSQL URLs carry the test cluster's password. */
  openUrl(url: string): Store;
  /** For one test: opens the store at `url` (a new one when omitted); closed and released after the test. */
  open(url?: string): Promise<Store>;
}

function kit(kind: StoreKind): StoreKit {
  const opened: Store[] = [];
  const created: string[] = [];
  const self: StoreKit = {
    kind,
    async newUrl(opts = {}) {
      const url = kind === 'postgres'
        ? await (await postgresCluster()).database()
        : `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-store-')), 'state.db')}`;
      if (!opts.keep) created.push(url);
      return url;
    },
    async release(url) {
      if (kind === 'postgres') await (await runningCluster())?.release(url);
      else fs.rmSync(path.dirname(url.slice('sqlite:'.length)), { recursive: true, force: true });
    },
    openUrl: (url) => openStore(parseStoreUrl(url, { fromArgv: false }), {}),
    async open(url) {
      const store = self.openUrl(url ?? (await self.newUrl()));
      opened.push(store);
      return store;
    },
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const u of created.splice(0)) await self.release(u);
  });
  return self;
}

export function describeEachStore(title: string, body: (kit: StoreKit) => void): void {
  const why = postgresUnavailable();
  // The cluster starts (initdb, template) while the SQLite run goes on, so the PostgreSQL run
  // adds its own tests' time to the file, not the cluster's start-up too. A failed start is
  // reported by the first test that needs the cluster.
  if (!why) beforeAll(() => void postgresCluster().catch(() => undefined));
  describe(`${title} [sqlite]`, () => body(kit('sqlite')));
  describe(`${title} [postgres]`, () => {
    if (why) {
      test('not run', () => console.log(`not run on PostgreSQL: ${why}`));
      return;
    }
    body(kit('postgres'));
  });
  // After the body's own afterAll hooks (jest runs a block's before its parent's), which may
  // still release databases; also when a filter ran none of the PostgreSQL tests.
  if (!why) usePostgres();
}
