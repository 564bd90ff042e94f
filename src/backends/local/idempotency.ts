// Request-token idempotency on the store, shared by the providers (App Mesh clientToken, Cloud Map
// CreatorRequestId/UpdaterRequestId): the same token with the same request returns the first
// response again; the same token with a different request is the provider's own error.

import { nodeCrypto } from '../../base/lazy-crypto';
import type { StoreTx } from './store/store';

/** JSON with object keys sorted, so two equal requests hash the same whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestFingerprint(request: unknown): string {
  return nodeCrypto().createHash('sha256').update(canonical(request)).digest('hex');
}

/**
 * Runs `run` at most once per (scope, token) in the transaction's partition. No token (or an
 * empty one) just runs it; a reused token with another request throws `conflict(firstResponse)`.
 */
export async function runOnce<T>(
  tx: StoreTx, scope: string, token: unknown, request: unknown, run: () => Promise<T>,
  conflict: (first: T) => Error,
): Promise<T> {
  if (typeof token !== 'string' || token === '') return run();
  const print = requestFingerprint(request);
  const previous = await tx.getIdempotency(scope, token);
  if (previous) {
    if (previous.fingerprint !== print) throw conflict(previous.response as T);
    return previous.response as T;
  }
  const response = await run();
  await tx.putIdempotency(scope, token, { fingerprint: print, response });
  return response;
}
