// A real local backend for provider tests: on a fresh SQLite file in a temp AWSMESH_HOME, or on
// the store of a describeEachStore() run (SQLite or PostgreSQL).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBackend } from '../../../src/backends/local/local-backend';
import { openSqliteStore } from '../../../src/backends/local/store/sqlite-store';
import type { LocalSettings } from '../../../src/backends/local/provider';
import type { ServiceName } from '../../../src/model/services';
import { ServiceError } from '../../../src/base/errors';
import type { StoreKit } from '../../helpers/stores';

export const ACCOUNT = '111122223333';
export const REGION = 'us-west-2';

export interface Harness {
  home: string;
  backend: LocalBackend;
  /** Settable clock (epoch seconds). */
  clock: { now: number };
  call(service: ServiceName, op: string, input?: Record<string, unknown>, region?: string): Promise<Record<string, unknown>>;
  /** The ServiceError a call fails with (fails the test if it succeeds). */
  fail(service: ServiceName, op: string, input?: Record<string, unknown>, region?: string): Promise<ServiceError>;
  close(): Promise<void>;
}

export async function openHarness(kit?: StoreKit, settings: Partial<LocalSettings> = {}): Promise<Harness> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-h3-'));
  const clock = { now: 1_780_000_000.25 };
  const url = kit && (await kit.newUrl({ keep: true }));
  const store = url ? kit.openUrl(url) : openSqliteStore(path.join(home, 'state.db'));
  const backend = new LocalBackend(store, { home, account: ACCOUNT, ...settings }, () => clock.now);
  const call = (service: ServiceName, op: string, input: Record<string, unknown> = {}, region = REGION) =>
    backend.invoke(service, op, input, { region });
  return {
    home,
    backend,
    clock,
    call,
    async fail(service, op, input = {}, region = REGION) {
      try {
        await call(service, op, input, region);
      } catch (e) {
        if (e instanceof ServiceError) return e;
        throw e;
      }
      throw new Error(`${service} ${op} succeeded but was expected to fail`);
    },
    async close() {
      await backend.close();
      if (url) await kit.release(url);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
