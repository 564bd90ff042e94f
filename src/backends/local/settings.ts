import { type Stats, lstatSync, mkdirSync, statSync } from 'fs';
import { join, resolve } from 'path';
import { userHome } from '../../base/aws-config';
import { ConfigError } from '../../base/errors';
import type { LocalSettings } from './provider';

/** The account the AWS documentation uses in its examples; the walkthrough's ARNs name it. */
export const DEFAULT_ACCOUNT = '111122223333';
/** The walkthrough's policy names us-west-2, so the local backend defaults to it. */
export const DEFAULT_LOCAL_REGION = 'us-west-2';

export function localSettings(env: NodeJS.ProcessEnv): LocalSettings {
  const home = env.AWSMESH_HOME || join(userHome(env), '.awsmesh');
  const settings: LocalSettings = { home: resolve(home), account: env.AWSMESH_ACCOUNT_ID || DEFAULT_ACCOUNT, env };
  const roleQuota = Number(env.AWSMESH_IAM_ROLE_QUOTA);
  if (Number.isInteger(roleQuota) && roleQuota > 0) settings.iamRoleQuota = roleQuota;
  return settings;
}

/** The SQLite state file in the home. */
export const STATE_FILE = 'state.db';

/**
 * The home holds the mesh state and the local CA's private keys, so — as ssh does for ~/.ssh — it
 * must be a directory of this user that nobody else can write to (they could swap the state
 * database or plant a key), and the state files in it must be this user's. Creates the home
 * (0700) when missing; throws ConfigError (exit 253) saying what is wrong otherwise.
 */
export function ensurePrivateHome(home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw new ConfigError(`Cannot create the awsmesh home ${home} (AWSMESH_HOME): ${(e as Error).message}`);
  }
  let st: Stats | undefined;
  try {
    st = statSync(home);
  } catch {
    st = undefined; // ENOENT/ENOTDIR: a file stands where a directory should
  }
  if (!st?.isDirectory()) {
    throw new ConfigError(
      `The awsmesh home ${home} (AWSMESH_HOME) is ${st ? 'a file' : 'below a file'}, not a directory: ` +
        'point AWSMESH_HOME at a directory (it is created when missing).',
    );
  }
  const uid = process.geteuid?.();
  if (uid === undefined) return; // no POSIX owners (Windows)
  if (st.uid !== uid) {
    throw new ConfigError(`The awsmesh home ${home} belongs to another user (uid ${st.uid}); it holds your state and keys, so it must be yours.`);
  }
  if (st.mode & 0o022) {
    throw new ConfigError(
      `The awsmesh home ${home} is writable by other users (mode ${(st.mode & 0o7777).toString(8)}): they could replace your state or keys. ` +
        `Run: chmod go-w ${home}`,
    );
  }
  checkOwnStateFiles(join(home, STATE_FILE));
}

/** A SQLite state file and its -wal/-shm, where they exist, must be regular files of this user. */
export function checkOwnStateFiles(db: string): void {
  const uid = process.geteuid?.();
  if (uid === undefined) return;
  for (const file of [db, `${db}-wal`, `${db}-shm`]) {
    const f = lstatSync(file, { throwIfNoEntry: false });
    if (!f) continue;
    if (f.uid !== uid) throw new ConfigError(`The state file ${file} belongs to another user (uid ${f.uid}); refusing to use it.`);
    if (!f.isFile()) throw new ConfigError(`The state file ${file} is not a regular file; refusing to use it.`);
  }
}
