// A real LocalBackend for provider tests: on a fresh SQLite file in a temp AWSMESH_HOME, or on the
// store of a describeEachStore() run (SQLite or PostgreSQL).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBackend } from '../../../src/backends/local/local-backend';
import { openSqliteStore } from '../../../src/backends/local/store/sqlite-store';
import { ServiceError } from '../../../src/base/errors';
import type { StoreKit } from '../../helpers/stores';

export const ACCOUNT = '111122223333';
export const REGION = 'us-west-2';

export interface Harness {
  home: string;
  backend: LocalBackend;
  env: NodeJS.ProcessEnv;
  /** Advances on every call so timestamps differ between operations. */
  clock: { now: number };
  call(op: string, input?: Record<string, unknown>, region?: string): Promise<any>;
  /** The ServiceError an operation fails with (fails the test if it succeeds). */
  fail(op: string, input?: Record<string, unknown>, region?: string): Promise<ServiceError>;
  close(): Promise<void>;
}

export async function openHarness(kit?: StoreKit, env: NodeJS.ProcessEnv = {}): Promise<Harness> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-appmesh-'));
  const clock = { now: 1_764_000_000.123 };
  const url = kit && (await kit.newUrl({ keep: true }));
  const store = url ? kit.openUrl(url) : openSqliteStore(path.join(home, 'state.db'));
  const backend = new LocalBackend(store, { home, account: ACCOUNT, env }, () => {
    clock.now += 1.001;
    return clock.now;
  });
  const call = (op: string, input: Record<string, unknown> = {}, region = REGION) =>
    backend.invoke('appmesh', op, input, { region }) as Promise<any>;
  return {
    home, backend, env, clock, call,
    async fail(op, input = {}, region = REGION) {
      try {
        await call(op, input, region);
      } catch (e) {
        if (e instanceof ServiceError) return e;
        throw e;
      }
      throw new Error(`${op} succeeded but was expected to fail`);
    },
    async close() {
      await backend.close();
      if (url) await kit.release(url);
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
