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
// The file descriptor stays open until the database connection has closed: closing any descriptor
// of a file drops every POSIX lock the process holds on it, SQLite's own locks on the -shm file
// included. The -shm file cannot be removed or truncated under us meanwhile: our connection holds a
// shared lock on the database file, and SQLite removes or resets the -shm only with an exclusive one.

import { closeSync, constants, openSync, readSync } from 'fs';

/** The two copies of the wal-index header. */
const HEADER_BYTES = 96;

export class WalHeaderWatch {
  private readonly now = Buffer.alloc(HEADER_BYTES);
  private readonly seen = Buffer.alloc(HEADER_BYTES);
  /** `seen` holds a header read before the last full check. */
  private known = false;

  private constructor(private fd: number | undefined) {}

  /** A watch on `dbFile`'s -shm file; undefined when there is none to read (not in WAL mode). */
  static open(dbFile: string): WalHeaderWatch | undefined {
    try {
      return new WalHeaderWatch(openSync(`${dbFile}-shm`, constants.O_RDONLY | constants.O_NOFOLLOW));
    } catch {
      return undefined;
    }
  }

  /**
   * True when the header is the one read before the last `check` (nothing committed since);
   * otherwise runs `check` (which reads the database's own version) and remembers the header as
   * read before it, so the answer `check` gave stays valid while the header stays the same.
   */
  unchangedSinceCheck(check: () => void): boolean {
    let read = false;
    try {
      read = this.fd !== undefined && readSync(this.fd, this.now, 0, HEADER_BYTES, 0) === HEADER_BYTES;
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

  /** After the database connection has closed (see above). */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
