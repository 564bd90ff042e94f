// Route timeouts without a timer per request. Nearly every request ends long before its route
// timeout (15 s by default), so a setTimeout + clearTimeout per request is pure overhead on the
// proxy's hot path (a Timeout object, timer-list links, the list's priority queue). Requests with
// the same timeout are due in the order they were armed, so each duration keeps one FIFO queue
// with one timer for its head; cancelling only marks the entry, and the queue is compacted once
// cancelled entries outnumber the live ones, so it holds about as many entries as requests are
// in flight.

/** What a queue holds: `deadlineAt` is when it is due (performance.now() ms), 0 once cancelled or fired. */
export interface DeadlineOwner {
  deadlineAt: number;
  onDeadline(): void;
}

export class DeadlineQueue {
  private items: DeadlineOwner[] = [];
  private head = 0;
  private live = 0;
  private timer?: NodeJS.Timeout;

  constructor(readonly ms: number) {}

  /** `owner` is due `ms` after `now` (performance.now()). */
  add(owner: DeadlineOwner, now = performance.now()): void {
    owner.deadlineAt = now + this.ms;
    this.items.push(owner);
    this.live++;
    if (this.items.length - this.head > 2 * this.live + 64) this.compact();
    if (!this.timer) this.arm(this.ms);
  }

  cancel(owner: DeadlineOwner): void {
    if (owner.deadlineAt === 0) return;
    owner.deadlineAt = 0;
    if (--this.live === 0) {
      // Nothing live: drop the entries at once (the timer finds the queue empty and stops).
      this.items = [];
      this.head = 0;
    }
  }

  /** Entries in the queue, cancelled ones included (tests: it stays bounded). */
  get size(): number {
    return this.items.length - this.head;
  }

  private compact(): void {
    const kept: DeadlineOwner[] = [];
    for (let i = this.head; i < this.items.length; i++) if (this.items[i].deadlineAt !== 0) kept.push(this.items[i]);
    this.items = kept;
    this.head = 0;
  }

  private arm(ms: number): void {
    // Unref'd: a request in flight keeps its own sockets open; the queue alone keeps nothing alive.
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(ms))).unref();
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.items.length) {
      const o = this.items[this.head];
      if (o.deadlineAt === 0) {
        this.head++;
        continue;
      }
      if (o.deadlineAt > now) break;
      this.head++;
      o.deadlineAt = 0;
      this.live--;
      o.onDeadline();
    }
    if (this.head >= this.items.length) {
      this.items = [];
      this.head = 0;
      return;
    }
    if (!this.timer) this.arm(this.items[this.head].deadlineAt - now);
  };
}

const queues = new Map<number, DeadlineQueue>();

/** The process-wide queue for deadlines `ms` away (one per distinct route timeout). */
export function deadlineQueue(ms: number): DeadlineQueue {
  let q = queues.get(ms);
  if (!q) queues.set(ms, (q = new DeadlineQueue(ms)));
  return q;
}
