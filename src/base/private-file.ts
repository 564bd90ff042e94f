// Every file awsmesh writes goes through here. A file is never written in place: it is created
// exclusively (O_CREAT|O_EXCL: a name someone planted — a file or a symlink — makes the write fail
// instead of being followed) under a random name, with its final mode from the first byte (0600
// unless the caller says otherwise), flushed, and renamed over the target, so readers see the old
// file or the new one, never half of it, and nobody else ends up owning or reading it.

import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** Owner read/write only: keys, state exports, run records. */
export const PRIVATE_MODE = 0o600;

const EXCLUSIVE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;

/**
 * Creates `file`, which must not exist yet (not even as a dangling symlink), with `mode` (less the
 * umask) and `data`, flushed to disk. Throws EEXIST otherwise. For files inside a directory the
 * caller just created; `writeFileAtomic` for everything else.
 */
export function writeNewFile(file: string, data: string | Uint8Array, mode = PRIVATE_MODE): void {
  const fd = fs.openSync(file, EXCLUSIVE, mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw e;
  }
  fs.closeSync(fd);
}

/** Replaces `file` with `data` atomically: an exclusive temp file beside it, renamed over it. */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = PRIVATE_MODE): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(8).toString('hex')}.tmp`);
  writeNewFile(tmp, data, mode);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
