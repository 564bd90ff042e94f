// Whether any connection has committed to a WAL-mode SQLite database since the last look, for the
// price of one pread(2) instead of a read transaction (PRAGMA data_version: the lock and unlock of
// a read mark, two fcntl(2), plus a statement's run).
//
// Every commit in WAL mode, by any process, rewrites the wal-index header at the start of the
// shared-memory file (<db>-shm; https://www.sqlite.org/walformat.html: two 48-byte copies of
// mxFrame, the checksum of the last frame, the salts, a change counter) before the commit returns;
// SQLite itself decides whether its page cache is stale by comparing this header. So while the
// header reads the same, nothing has been committed. A header caught mid-write reads as changed
// (the caller then asks SQLite itself), never as unchanged.
//
// The -shm file is not removed or reset while a connection of ours is open: each holds a shared
// lock on the database file, and SQLite removes or resets the -shm only under an exclusive one.
// Its descriptor is never closed: closing any descriptor of a file drops every POSIX lock the
// process holds on that file, whichever connection took it — SQLite's locks on the -shm included.
// So there is one per -shm file (by inode) for the life of the process, shared by its watches.

import { constants, fstatSync, openSync, readSync, statSync } from 'fs';

/** The two copies of the wal-index header. */
const HEADER_BYTES = 96;

/** Open -shm descriptors by path; a path's file replaced (another inode) gets a new one. */
const descriptors = new Map<string, { fd: number; ino: number }>();

function shmDescriptor(path: string): number | undefined {
  try {
    const ino = statSync(path).ino;
    const known = descriptors.get(path);
    if (known?.ino === ino) return known.fd;
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const opened = fstatSync(fd).ino;
    descriptors.set(path, { fd, ino: opened });
    return opened === ino ? fd : undefined;
  } catch {
    return undefined;
  }
}

export class WalHeaderWatch {
  private readonly now = Buffer.alloc(HEADER_BYTES);
  private readonly seen = Buffer.alloc(HEADER_BYTES);
  /** `seen` holds a header read before the last full check. */
  private known = false;

  private constructor(private readonly fd: number) {}

  /** A watch on `dbFile`'s -shm file (the database is open in WAL mode); undefined when it cannot be read. */
  static open(dbFile: string): WalHeaderWatch | undefined {
    const fd = shmDescriptor(`${dbFile}-shm`);
    return fd === undefined ? undefined : new WalHeaderWatch(fd);
  }

  /**
   * True when the header is the one read before the last `check` (nothing committed since);
   * otherwise runs `check` (which reads the database's own version) and remembers the header as
   * read before it, so the answer `check` gave stays valid while the header stays the same.
   */
  unchangedSinceCheck(check: () => void): boolean {
    let read = false;
    try {
      read = readSync(this.fd, this.now, 0, HEADER_BYTES, 0) === HEADER_BYTES;
    } catch {
      read = false;
    }
    if (read && this.known && this.now.equals(this.seen)) return true;
    check();
    // Read before the check: a commit between the two makes the next look differ, and check again.
    if (read) this.now.copy(this.seen);
    this.known = read;
    return false;
  }
}
