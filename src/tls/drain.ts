// Closing connections accepted under listener settings that no longer apply (TLS turned on,
// mTLS required, another certificate source): Envoy drains the connections of a changed filter
// chain. HTTP/1.1 connections close as soon as no response is in flight (a keep-alive client
// reconnects under the new settings); others — HTTP/2, TCP — after a short grace.

import type * as net from 'net';

/** Longest wait for an HTTP/1.1 response in flight. */
const DRAIN_MS = 30_000;
/** HTTP/2 and TCP connections give no idle signal here: cut after this. */
const OTHER_MS = 1_000;
const SWEEP_MS = 100;

/** No HTTP/1.1 response in flight on the connection (node:http's current-response slot). */
function idleHttp1(s: net.Socket): boolean {
  return !(s as net.Socket & { _httpMessage?: unknown })._httpMessage;
}

export function drainConnections(sockets: Iterable<net.Socket>, isHttp1: (s: net.Socket) => boolean): void {
  const pending = new Set([...sockets].filter((s) => !s.destroyed));
  if (!pending.size) return;
  const started = Date.now();
  const sweep = () => {
    const elapsed = Date.now() - started;
    for (const s of pending) {
      if (s.destroyed) pending.delete(s);
      else if (elapsed >= DRAIN_MS || (isHttp1(s) ? idleHttp1(s) : elapsed >= OTHER_MS)) {
        s.destroy();
        pending.delete(s);
      }
    }
    if (pending.size) setTimeout(sweep, SWEEP_MS).unref();
  };
  sweep();
}
