// The shared wait helpers: what they return, and what their failures say.

import { EventEmitter } from 'events';
import { waitUntil, withDeadline } from './wait';

test('waitUntil returns the first answer that is not false, undefined or null', async () => {
  let n = 0;
  await expect(waitUntil(() => (++n >= 3 ? { n } : undefined), { describe: 'three polls', intervalMs: 1 })).resolves.toEqual({ n: 3 });
  await expect(waitUntil(() => 0, { describe: 'zero' })).resolves.toBe(0);
  await expect(waitUntil(async () => 'async', { describe: 'an async answer' })).resolves.toBe('async');
});

test('on its deadline it names what was awaited, the last answer and what `observe` shows', async () => {
  const started = Date.now();
  const err = await waitUntil(() => false, { describe: 'the impossible', timeoutMs: 50, intervalMs: 5, observe: () => ({ seen: 'state' }) })
    .then(() => undefined, (e: Error) => e);
  expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  expect(err?.message).toBe("Timed out after 50 ms waiting for the impossible; last answer: false; observed: { seen: 'state' }");
});

test('a predicate that throws fails the wait at once, as an assertion would', async () => {
  await expect(waitUntil(() => { throw new Error('boom'); }, { describe: 'x', timeoutMs: 60_000 })).rejects.toThrow('boom');
});

test('withDeadline passes an event through, or says which event did not come', async () => {
  const events = new EventEmitter();
  const came = withDeadline(new Promise((r) => events.once('go', r)), { describe: 'go' });
  events.emit('go', 42);
  await expect(came).resolves.toBe(42);
  await expect(withDeadline(new Promise(() => undefined), { describe: 'the never event', timeoutMs: 20 }))
    .rejects.toThrow('Timed out after 20 ms waiting for the never event');
});
