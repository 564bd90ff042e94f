// clientToken semantics of every Create*/Update*: the same token with the same request returns
// the first result again (no second create, no version bump); the same token with a different
// request is a ConflictException. Tokens are scoped per account/region (the store partition) and
// per operation.

import { nodeCrypto } from '../../../core/lazy-crypto';
import type { Input, Output } from '../../backend';
import type { StoreTx } from '../store/store';
import { tokenConflict } from './errors';

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

export function fingerprint(input: Input): string {
  const { clientToken: _token, ...request } = input;
  return nodeCrypto().createHash('sha256').update(canonical(request)).digest('hex');
}

export async function idempotent(tx: StoreTx, operation: string, input: Input, run: () => Promise<Output>): Promise<Output> {
  const token = input.clientToken;
  if (typeof token !== 'string' || token === '') return run();
  const fp = fingerprint(input);
  const previous = await tx.getIdempotency(operation, token);
  if (previous) {
    if (previous.fingerprint !== fp) throw tokenConflict();
    return previous.response as Output;
  }
  const output = await run();
  await tx.putIdempotency(operation, token, { fingerprint: fp, response: output });
  return output;
}
