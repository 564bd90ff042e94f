// The one way tests wait: for a condition, polled against a deadline, or for an event (a promise)
// with a deadline. Never for a fixed time — on a busy 2-core machine timers fire late, so a sleep
// either wastes time or decides too early. A deadline only bounds how long a failure takes to show;
// a condition that holds early ends the wait at once, so deadlines can be generous.

import { inspect } from 'util';

export interface WaitOptions {
  /** What is awaited, for the failure message: "the access log line", "RDS version 2 ACKed". */
  describe: string;
  /** Give up after this long. Default 10 s: room for a loaded 2-core machine, well inside jest's 30 s. */
  timeoutMs?: number;
  /** Pause between polls. Default 20 ms. */
  intervalMs?: number;
  /** Extra state for the failure message (a process's stderr, a stats map), read when the wait fails. */
  observe?: () => unknown;
}

export const DEFAULT_WAIT_MS = 10_000;

function show(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : inspect(value, { depth: 4, breakLength: Infinity });
  return text.length > 2000 ? `${text.slice(0, 1000)} … ${text.slice(-1000)}` : text;
}

function timedOut(opts: WaitOptions, ms: number, last: string): Error {
  const extra = opts.observe ? `; observed: ${show(opts.observe())}` : '';
  const err = new Error(`Timed out after ${ms} ms waiting for ${opts.describe}${last}${extra}`);
  return err;
}

/**
 * Polls `predicate` until it returns something other than false, undefined or null, and returns that
 * value. On the deadline it throws, naming what was awaited and the predicate's last answer. A throw
 * from the predicate is not retried: it fails the wait at once, as an assertion would.
 */
export async function waitUntil<T>(predicate: () => T | Promise<T>, opts: WaitOptions): Promise<Exclude<T, false | null | undefined>> {
  const ms = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  const interval = opts.intervalMs ?? 20;
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value !== false && value !== undefined && value !== null) return value as Exclude<T, false | null | undefined>;
    // Checked after the poll, so the condition always gets one look after a late timer.
    if (Date.now() >= deadline) throw timedOut(opts, ms, `; last answer: ${show(value)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Awaits an event's promise, failing with a clear message if it has not settled by the deadline. */
export async function withDeadline<T>(event: Promise<T>, opts: Omit<WaitOptions, 'intervalMs'>): Promise<T> {
  const ms = opts.timeoutMs ?? DEFAULT_WAIT_MS;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut(opts, ms, '')), ms);
  });
  try {
    return await Promise.race([event, expired]);
  } finally {
    clearTimeout(timer);
  }
}
