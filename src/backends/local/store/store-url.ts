// Which store a command uses: `--store`, else AWSMESH_STORE_URL, else the SQLite file under
// AWSMESH_HOME. `sqlite:PATH` names another SQLite file; `postgres://USER@HOST:PORT/DATABASE`
// (or postgresql://) a PostgreSQL database shared by any number of awsmesh processes.

import { resolve } from 'path';
import { GeneralError } from '../../../base/errors';

export type StoreSpec =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; /** The URL without its password, for messages. */ display: string };

export const STORE_URL_HELP = 'expected sqlite:PATH or postgres://USER@HOST[:PORT]/DATABASE';

/** A PostgreSQL URL without its password (for messages, logs and health documents). */
export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '';
    return u.toString().replace(/^(postgres(?:ql)?:\/\/[^@/]*):@/, '$1@');
  } catch {
    return raw.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1@');
  }
}

/**
 * Parses a store URL. `fromArgv`: the URL came from the command line, where a password would be
 * visible to every user of the machine (ps), so one is refused there.
 */
export function parseStoreUrl(raw: string, opts: { fromArgv: boolean; cwd?: string }): StoreSpec {
  const where = opts.fromArgv ? '--store' : 'AWSMESH_STORE_URL';
  if (raw.startsWith('sqlite:')) {
    const file = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new GeneralError(`${where}: 'sqlite:' needs a file path (${STORE_URL_HELP})`);
    return { kind: 'sqlite', file: resolve(opts.cwd ?? process.cwd(), file) };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new GeneralError(`${where}: '${redactUrl(raw)}' is not a valid URL (${STORE_URL_HELP})`);
    }
    if (opts.fromArgv && u.password) {
      throw new GeneralError(
        '--store: a password on the command line is visible to every user of this machine; ' +
          'drop it from the URL and set AWSMESH_STORE_URL, PGPASSWORD or ~/.pgpass instead',
      );
    }
    const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
    if (!database || database.includes('/')) {
      throw new GeneralError(`${where}: '${redactUrl(raw)}' names no database (${STORE_URL_HELP})`);
    }
    if (u.port && !(Number(u.port) >= 1 && Number(u.port) <= 65535)) {
      throw new GeneralError(`${where}: '${redactUrl(raw)}' has an invalid port (${STORE_URL_HELP})`);
    }
    return { kind: 'postgres', url: raw, display: redactUrl(raw) };
  }
  throw new GeneralError(`${where}: unknown store '${redactUrl(raw)}' (${STORE_URL_HELP})`);
}
