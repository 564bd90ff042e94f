// The change feed of the PostgreSQL store. Every committed write bumps `awsmesh.changes.seq` and
// NOTIFYs `awsmesh_changes` with the new number in the same transaction, so the notification is
// delivered exactly when the write is visible. One LISTEN connection per process feeds every
// watcher; watchers are told "something changed" and re-read, as on SQLite.
//
// Notifications sent while the LISTEN connection is down are lost by PostgreSQL's design, so
// after every (re)connect the feed reads the sequence and fires if it moved (catch-up). A slow
// poll of the sequence on the same connection also notices a connection that died silently.

import type { Client } from 'pg';

export const CHANGES_CHANNEL = 'awsmesh_changes';
/** How often the LISTEN connection is checked (and the sequence compared). */
const POLL_MS = 1000;
/** A poll that takes longer than this means the connection is dead. */
const POLL_TIMEOUT_MS = 5000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 2000;

interface Watcher {
  listener: () => void;
  /** The sequence this watcher last saw; undefined until the first number is known. */
  seen?: number;
}

export interface ChangeFeedOptions {
  /** A new connected client for LISTEN (not from the pool: it stays checked out for ever). */
  connect(): Promise<Client>;
  readSeq(client: Client): Promise<number>;
  /** Told when the LISTEN connection is lost or restored (for the log). */
  log?: (line: string) => void;
}

export class ChangeFeed {
  private readonly watchers = new Set<Watcher>();
  /** The highest sequence this process knows of. */
  private known?: number;
  private client?: Client;
  private connecting = false;
  private closed = false;
  private poll?: NodeJS.Timeout;
  private retry?: NodeJS.Timeout;
  private backoffMs = RECONNECT_MIN_MS;

  constructor(private readonly opts: ChangeFeedOptions) {}

  /** A write of this process committed with sequence `seq`: its watchers learn it at once. */
  committed(seq: number): void {
    this.deliver(seq);
  }

  watch(listener: () => void): () => void {
    const w: Watcher = { listener, seen: this.known };
    this.watchers.add(w);
    this.ensureListening();
    return () => {
      this.watchers.delete(w);
      if (this.watchers.size === 0) this.stopListening();
    };
  }

  close(): void {
    this.closed = true;
    this.watchers.clear();
    this.stopListening();
  }

  /** A change numbered `seq` is committed: every watcher that has not seen it fires. */
  private deliver(seq: number): void {
    if (this.known === undefined || seq > this.known) this.known = seq;
    for (const w of [...this.watchers]) {
      if (w.seen !== undefined && seq <= w.seen) continue;
      w.seen = seq;
      try {
        w.listener();
      } catch {
        // A listener's failure must not break the writer or the feed.
      }
    }
  }

  /** The sequence as read now: watchers that had no number yet take it without firing. */
  private caughtUp(seq: number): void {
    for (const w of this.watchers) if (w.seen === undefined) w.seen = this.known ?? seq;
    this.deliver(seq);
  }

  private ensureListening(): void {
    if (this.client || this.connecting || this.closed || this.retry) return;
    this.connecting = true;
    void this.listen().finally(() => (this.connecting = false));
  }

  private async listen(): Promise<void> {
    let client: Client | undefined;
    try {
      client = await this.opts.connect();
      if (this.closed || this.watchers.size === 0) {
        await client.end().catch(() => undefined);
        return;
      }
      const c = client;
      c.on('notification', (msg) => {
        const seq = Number.parseInt((msg.payload ?? '').split(' ')[0], 10);
        if (Number.isFinite(seq)) this.deliver(seq);
      });
      c.on('error', () => this.lost(c));
      c.on('end', () => this.lost(c));
      await c.query(`LISTEN ${CHANGES_CHANNEL}`);
      this.client = c;
      // Catch-up: whatever was committed while no connection listened.
      this.caughtUp(await this.opts.readSeq(c));
      if (this.backoffMs > RECONNECT_MIN_MS) this.opts.log?.('change feed: listening again');
      this.backoffMs = RECONNECT_MIN_MS;
      this.poll = setInterval(() => void this.check(c), POLL_MS);
      this.poll.unref();
    } catch {
      if (client) this.lost(client);
      else this.scheduleReconnect();
    }
  }

  /** Compares the sequence (catching up on anything missed) and proves the connection alive. */
  private async check(c: Client): Promise<void> {
    if (this.client !== c) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const seq = await Promise.race([
        this.opts.readSeq(c),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('change feed poll timed out')), POLL_TIMEOUT_MS);
        }),
      ]);
      this.caughtUp(seq);
    } catch {
      this.lost(c);
    } finally {
      clearTimeout(timer);
    }
  }

  private lost(c: Client): void {
    if (this.client === c) {
      this.client = undefined;
      clearInterval(this.poll);
      this.poll = undefined;
      this.opts.log?.('change feed: connection to PostgreSQL lost; reconnecting');
    }
    // A dead client may still emit: end() on it is harmless, and its events are ignored above.
    c.removeAllListeners('notification');
    c.on('error', () => undefined);
    void c.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.watchers.size === 0 || this.retry) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.ensureListening();
    }, delay);
    this.retry.unref();
  }

  private stopListening(): void {
    clearInterval(this.poll);
    clearTimeout(this.retry);
    this.poll = undefined;
    this.retry = undefined;
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.removeAllListeners('notification');
      c.on('error', () => undefined);
      void c.end().catch(() => undefined);
    }
  }
}
