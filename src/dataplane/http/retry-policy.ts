// Envoy's router retry policy, the decisions only: which upstream outcomes a route's retry_on
// retries, and the jittered back-off before the next attempt. The exchange keeps the counts
// (num_retries, the cluster's retry budget) and the timers. The random source is a parameter so
// tests can make the jitter deterministic.

import type { IncomingHttpHeaders } from 'http';
import type { FailureKind } from '../cluster/upstream-call';
import type { CompiledRetry } from '../config/route-table';

/** A number in [0, 1), like Math.random. */
export type RandomSource = () => number;

/** Envoy's default back-off: 25 ms base interval, at most 10 times that. */
const RETRY_BASE_MS = 25;
const RETRY_MAX_MS = 250;

/** Delay before retry number `retry` (1, 2, …): full jitter below min(base·(2^retry − 1), max), as Envoy. */
export function retryBackoffMs(retry: number, random: RandomSource = Math.random): number {
  const cap = Math.min(RETRY_BASE_MS * (2 ** retry - 1), RETRY_MAX_MS);
  return random() * cap;
}

/** An upstream response the route retries (5xx, gateway-error, retriable-4xx, retriable codes, gRPC statuses). */
export function retriesResponse(r: CompiledRetry, status: number, headers: IncomingHttpHeaders, grpc: boolean): boolean {
  const on = r.on;
  if (status >= 500 && on.fiveXx) return true;
  if ((status === 502 || status === 503 || status === 504) && on.gatewayError) return true;
  if (status === 409 && on.retriable4xx) return true;
  if (on.retriableStatusCodes && r.codes.has(status)) return true;
  if (on.grpc.size && grpc) {
    const gs = headers['grpc-status'];
    if (gs !== undefined && on.grpc.has(Number(gs))) return true;
  }
  return false;
}

/** A failure before response headers (connect failure, reset, refused stream) the route retries. */
export function retriesFailure(r: CompiledRetry, kind: FailureKind): boolean {
  const on = r.on;
  return on.fiveXx || on.gatewayError || on.reset
    || (kind === 'connect-failure' && on.connectFailure)
    || (kind === 'refused-stream' && on.refusedStream);
}

/** An attempt that hit its per_try_timeout: retried like an upstream reset. */
export function retriesPerTryTimeout(r: CompiledRetry): boolean {
  const on = r.on;
  return on.fiveXx || on.gatewayError || on.reset;
}
