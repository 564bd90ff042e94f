// Failures of the store itself (not of a request): the database cannot be reached, refuses the
// login, or was written by a newer awsmesh. Commands report them like any environment problem
// (exit 255); `serve` answers 503 ServiceUnavailableException, which SDKs and the CLI retry.

import { GeneralError } from '../../../base/errors';

export class StoreUnavailableError extends GeneralError {
  constructor(message: string) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}

/** By name as well as class: jest may load this module twice in one process (separate realms). */
export function isStoreUnavailable(e: unknown): e is StoreUnavailableError {
  return e instanceof StoreUnavailableError || (e instanceof Error && e.name === 'StoreUnavailableError');
}
