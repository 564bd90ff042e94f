// A downstream request body that can be sent more than once. Envoy buffers a request for retries
// while it is small and gives up on retrying once it is not; so do we. Every attempt gets a fresh
// stream that replays what has arrived and then follows the live body, so streaming requests
// (gRPC) are not held back.

import { Readable } from 'stream';

/** Envoy's default per-connection buffer limit: past this, a request is no longer retried. */
export const RETRY_BUFFER_LIMIT = 1024 * 1024;

export class ReplayableBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private ended = false;
  private failed?: Error;
  /** True once more than RETRY_BUFFER_LIMIT bytes came in: the body cannot be replayed. */
  overflowed = false;
  private readonly followers = new Set<Readable>();
  private readonly endWaiters: Array<() => void> = [];

  /**
   * `onTooLarge` is told once more than `maxBytes` came in; the body then stops following its
   * source (the caller answers and closes the connection or stream) and its attempts' streams fail.
   */
  constructor(private readonly source: Readable, maxBytes: number, onTooLarge: () => void) {
    const onData = (chunk: Buffer) => {
      this.size += chunk.length;
      if (this.size > maxBytes) {
        source.off('data', onData);
        this.failed = new Error('request body too large');
        this.chunks.length = 0;
        onTooLarge();
        for (const f of this.followers) f.destroy(this.failed);
        this.followers.clear();
        return;
      }
      if (!this.overflowed) {
        this.chunks.push(chunk);
        if (this.size > RETRY_BUFFER_LIMIT) {
          this.overflowed = true;
          this.chunks.length = 0;
        }
      }
      for (const f of this.followers) if (!f.push(chunk)) source.pause();
    };
    source.on('data', onData);
    source.on('end', () => {
      this.ended = true;
      for (const f of this.followers) f.push(null);
      this.followers.clear();
      for (const w of this.endWaiters.splice(0)) w();
    });
    source.on('error', (e) => {
      this.failed = e;
      for (const f of this.followers) f.destroy(e);
      this.followers.clear();
    });
  }

  get complete(): boolean {
    return this.ended;
  }

  get bytes(): number {
    return this.size;
  }

  /** Runs `fn` once the whole body has arrived (at once if it already has). */
  onEnd(fn: () => void): void {
    if (this.ended) fn();
    else this.endWaiters.push(fn);
  }

  /** A stream for one attempt. Throws if the body can no longer be replayed from the start. */
  stream(first: boolean): Readable {
    if (!first && this.overflowed) throw new Error('request body exceeded the retry buffer');
    const out = new Readable({
      read: () => {
        if (this.source.isPaused() && !this.ended) this.source.resume();
      },
      destroy: (err, cb) => {
        this.followers.delete(out);
        cb(err);
      },
    });
    if (this.failed) {
      process.nextTick(() => out.destroy(this.failed));
      return out;
    }
    for (const c of this.chunks) out.push(c);
    if (this.ended) out.push(null);
    else this.followers.add(out);
    return out;
  }
}
