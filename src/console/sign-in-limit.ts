// How many failed console sign-ins a host accepts: per client address and per access key ID, a
// sliding window of failures. Over either limit the sign-in is refused before the key is checked
// (so guessing gets no answer at all) until the oldest failure leaves the window. Successes cost
// nothing. The tables are bounded: a flood of made-up key IDs evicts the oldest entries, it does
// not grow memory.

export interface SignInLimits {
  /** Failures allowed per client address within the window. */
  perClient: number;
  /** Failures allowed per access key ID (from any address) within the window. */
  perKey: number;
  windowMs: number;
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = { perClient: 10, perKey: 10, windowMs: 5 * 60_000 };

/** Entries kept per table; the least recently failed goes first. */
const MAX_ENTRIES = 10_000;

class FailureTable {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limit: number, private readonly windowMs: number) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  waitMs(key: string, now: number): number {
    const list = this.recent(key, now);
    return list.length >= this.limit ? list[list.length - this.limit] + this.windowMs - now : 0;
  }

  add(key: string, now: number): void {
    const list = this.recent(key, now);
    list.push(now);
    this.failures.delete(key);
    this.failures.set(key, list);
    while (this.failures.size > MAX_ENTRIES) this.failures.delete(this.failures.keys().next().value!);
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }
}

export class SignInLimiter {
  private readonly clients: FailureTable;
  private readonly keys: FailureTable;

  constructor(limits: SignInLimits = DEFAULT_SIGN_IN_LIMITS, private readonly now: () => number = Date.now) {
    this.clients = new FailureTable(limits.perClient, limits.windowMs);
    this.keys = new FailureTable(limits.perKey, limits.windowMs);
  }

  /** Why this attempt is refused unchecked, and for how many seconds; undefined when it may go ahead. */
  refusal(client: string, accessKeyId: string): { message: string; retryAfterSeconds: number } | undefined {
    const now = this.now();
    const byClient = this.clients.waitMs(client, now);
    const byKey = accessKeyId ? this.keys.waitMs(accessKeyId, now) : 0;
    const wait = Math.max(byClient, byKey);
    if (!wait) return undefined;
    const retryAfterSeconds = Math.ceil(wait / 1000);
    const who = byClient >= byKey ? 'from this address' : 'for this access key';
    return { message: `Too many failed sign-ins ${who}: try again in ${retryAfterSeconds} s.`, retryAfterSeconds };
  }

  failed(client: string, accessKeyId: string): void {
    const now = this.now();
    this.clients.add(client, now);
    if (accessKeyId) this.keys.add(accessKeyId, now);
  }
}
