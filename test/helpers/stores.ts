// One suite, both stores: describeEachStore(title, body) runs `body` once on SQLite and once on
// PostgreSQL (a throwaway cluster, one database per store). Without PostgreSQL the second run is
// one test that logs why it did nothing.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { openStore } from '../../src/backends/local';
import type { Store } from '../../src/backends/local/store/store';
import { parseStoreUrl } from '../../src/backends/local/store/store-url';
import { postgresCluster, usePostgres } from './postgres';

export type StoreKind = 'sqlite' | 'postgres';

export interface StoreKit {
  kind: StoreKind;
  /** A URL for a new, empty store (sqlite:FILE in a temp dir, or a new PostgreSQL database). */
  newUrl(): Promise<string>;
  /** Opens the store at `url` (a new one when omitted); closed after the test. */
  open(url?: string): Promise<Store>;
}

function kit(kind: StoreKind): StoreKit {
  const opened: Store[] = [];
  const dirs: string[] = [];
  const databases: string[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    for (const u of databases.splice(0)) await (await postgresCluster()).release(u);
  });
  const newUrl = async () => {
    if (kind === 'postgres') {
      const url = await (await postgresCluster()).database();
      databases.push(url);
      return url;
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-store-'));
    dirs.push(dir);
    return `sqlite:${path.join(dir, 'state.db')}`;
  };
  return {
    kind,
    newUrl,
    async open(url) {
      const store = openStore(parseStoreUrl(url ?? (await newUrl()), { fromArgv: false }), {});
      opened.push(store);
      return store;
    },
  };
}

export function describeEachStore(title: string, body: (kit: StoreKit) => void): void {
  describe(`${title} [sqlite]`, () => body(kit('sqlite')));
  describe(`${title} [postgres]`, () => {
    const why = usePostgres();
    if (why) {
      test('not run', () => console.log(`not run on PostgreSQL: ${why}`));
      return;
    }
    body(kit('postgres'));
  });
}
