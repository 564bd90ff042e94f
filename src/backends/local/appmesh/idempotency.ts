// clientToken semantics of every Create*/Update*: the same token with the same request returns
// the first result again (no second create, no version bump); the same token with a different
// request is a ConflictException. Tokens are scoped per account/region (the store partition) and
// per operation.

import type { Input, Output } from '../../backend';
import { runOnce } from '../idempotency';
import type { StoreTx } from '../store/store';
import { tokenConflict } from './errors';

export function idempotent(tx: StoreTx, operation: string, input: Input, run: () => Promise<Output>): Promise<Output> {
  const { clientToken, ...request } = input;
  return runOnce(tx, operation, clientToken, request, run, tokenConflict);
}
