// The one way awsmesh reads a file a user names as input (file://, fileb://, --cli-input-*,
// apply/validate -f, local import, envoy validate, local up -f): regular files or stdin only, and
// at most MAX_INPUT_BYTES. /dev/zero would otherwise grow without end and a FIFO nobody writes to
// would block forever (the AWS CLI reads both as it finds them).

import { type Stats, closeSync, constants, fstatSync, openSync, readSync } from 'fs';

/** Largest input file read (10 MiB): far above any real spec or manifest set, small enough to hold in memory. */
export const MAX_INPUT_BYTES = 10 * 1024 * 1024;

/** Names that mean this process's standard input. */
const STDIN_NAMES = new Set(['-', '/dev/stdin', '/dev/fd/0', '/proc/self/fd/0']);

export type InputFileProblem = 'ENOENT' | 'EISDIR' | 'EACCES' | 'NOT_REGULAR' | 'TOO_LARGE' | 'OTHER';

/** Why an input file could not be read; `reason` is a sentence fragment for the caller's message. */
export class InputFileError extends Error {
  constructor(
    readonly problem: InputFileProblem,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'InputFileError';
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'a special file';
}

function tooLarge(limit: number): InputFileError {
  return new InputFileError('TOO_LARGE', `larger than the ${limit / (1024 * 1024)} MiB input limit`);
}

/** Reads fd to its end, failing once more than `limit` bytes arrive. */
function readAll(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      // A non-blocking stdin pipe with nothing yet: wait a moment for the writer.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > limit) throw tooLarge(limit);
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  return Buffer.concat(chunks, total);
}

function problemOf(e: NodeJS.ErrnoException): InputFileError {
  if (e instanceof InputFileError) return e;
  switch (e.code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new InputFileError('ENOENT', 'no such file or directory');
    case 'EISDIR':
      return new InputFileError('EISDIR', 'is a directory');
    case 'EACCES':
    case 'EPERM':
      return new InputFileError('EACCES', 'permission denied');
    default:
      return new InputFileError('OTHER', `${e.code ?? 'error'}: ${e.message}`);
  }
}

/**
 * The bytes of `file` (resolved by the caller), or of stdin for `-`//dev/stdin. Throws
 * InputFileError — at once, without blocking — for anything but a regular file or stdin, and for
 * more than `limit` bytes.
 */
export function readInputFile(file: string, limit = MAX_INPUT_BYTES): Buffer {
  if (STDIN_NAMES.has(file)) {
    try {
      return readAll(0, limit);
    } catch (e) {
      throw problemOf(e as NodeJS.ErrnoException);
    }
  }
  let fd: number | undefined;
  try {
    // O_NONBLOCK: opening a FIFO without a writer returns at once (a plain open would wait);
    // it changes nothing for regular files.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputFileError('EISDIR', 'is a directory');
    if (!st.isFile()) throw new InputFileError('NOT_REGULAR', `not a regular file but ${kindOf(st)} (awsmesh reads only regular files and standard input)`);
    if (st.size > limit) throw tooLarge(limit);
    return readAll(fd, limit); // the size may change (or be 0, as in /proc) while reading
  } catch (e) {
    throw problemOf(e as NodeJS.ErrnoException);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Text of an input file (UTF-8, a leading BOM dropped). */
export function readInputText(file: string, limit = MAX_INPUT_BYTES): string {
  return readInputFile(file, limit).toString('utf8').replace(/^\ufeff/, '');
}
