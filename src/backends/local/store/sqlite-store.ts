import type { Store } from './store';

/** Placeholder: the SQLite implementation of Store is being written. */
export function openSqliteStore(_file: string): Store {
  throw new Error('the SQLite store is not implemented yet');
}
