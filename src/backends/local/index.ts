import * as path from 'path';
import { LocalBackend } from './local-backend';
import { localSettings } from './settings';
import type { Store } from './store/store';

export const STATE_FILE = 'state.db';

/** Opens the store under AWSMESH_HOME (creating it on first use). */
export function openLocalStore(env: NodeJS.ProcessEnv): Store {
  const settings = localSettings(env);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { openSqliteStore } = require('./store/sqlite-store') as typeof import('./store/sqlite-store');
  return openSqliteStore(path.join(settings.home, STATE_FILE));
}

export function openLocalBackend(env: NodeJS.ProcessEnv): LocalBackend {
  return new LocalBackend(openLocalStore(env), localSettings(env));
}
