import { join } from 'path';
import { LocalBackend } from './local-backend';
import { checkOwnStateFiles, ensurePrivateHome, localSettings, STATE_FILE } from './settings';
import type { Store } from './store/store';
import { parseStoreUrl, type StoreSpec } from './store/store-url';

export { STATE_FILE } from './settings';

/** The store a command uses: --store, else AWSMESH_STORE_URL, else the SQLite file under AWSMESH_HOME. */
export function resolveStoreSpec(env: NodeJS.ProcessEnv, storeFlag?: string): StoreSpec {
  if (storeFlag !== undefined) return parseStoreUrl(storeFlag, { fromArgv: true });
  if (env.AWSMESH_STORE_URL) return parseStoreUrl(env.AWSMESH_STORE_URL, { fromArgv: false });
  return { kind: 'sqlite', file: join(localSettings(env).home, STATE_FILE) };
}

/** Opens a store; the PostgreSQL driver loads only when a postgres:// URL is used. */
export function openStore(spec: StoreSpec, env: NodeJS.ProcessEnv, log?: (line: string) => void): Store {
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (spec.kind === 'postgres') {
    const { openPostgresStore } = require('./store/postgres/pg-store') as typeof import('./store/postgres/pg-store');
    return openPostgresStore(spec.url, { env, log });
  }
  const { openSqliteStore } = require('./store/sqlite-store') as typeof import('./store/sqlite-store');
  return openSqliteStore(spec.file);
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** Opens the store a command names (--store / AWSMESH_STORE_URL), by default under AWSMESH_HOME. */
export function openLocalStore(env: NodeJS.ProcessEnv, storeFlag?: string): Store {
  const spec = resolveStoreSpec(env, storeFlag);
  if (spec.kind === 'sqlite') {
    const home = localSettings(env).home;
    if (spec.file === join(home, STATE_FILE)) ensurePrivateHome(home);
    else checkOwnStateFiles(spec.file);
  }
  // Processes this one starts (the proxies of `local dataplane up`) use the same store.
  if (storeFlag !== undefined) env.AWSMESH_STORE_URL = spec.kind === 'sqlite' ? `sqlite:${spec.file}` : storeFlag;
  return openStore(spec, env);
}

export function openLocalBackend(env: NodeJS.ProcessEnv, storeFlag?: string): LocalBackend {
  return new LocalBackend(openLocalStore(env, storeFlag), localSettings(env));
}
