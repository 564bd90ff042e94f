// What a PostgreSQL failure means for the store: retry the transaction (serialization failure,
// deadlock), report the database as unavailable (connection lost, login refused, server shutting
// down), or pass the error on (a bug or a constraint a provider should have checked).

import { StoreUnavailableError } from '../errors';
import { NewerSchemaError } from './pg-migrations';

type PgLikeError = Error & { code?: string; severity?: string };

/** SQLSTATEs after which running the whole transaction again is correct. */
const RETRY_TRANSACTION = new Set(['40001', '40P01']);

/** Node socket errors: the server cannot be reached or went away. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED',
]);

export function shouldRetryTransaction(e: unknown): boolean {
  return RETRY_TRANSACTION.has((e as PgLikeError | undefined)?.code ?? '');
}

/** The connection broke or could not be made: nothing about the request itself was wrong. */
export function isConnectionFailure(e: unknown): boolean {
  const err = e as PgLikeError | undefined;
  if (!err) return false;
  const code = err.code ?? '';
  if (SOCKET_CODES.has(code)) return true;
  // 08: connection exception; 57P01-03: server shutting down / starting; 53300: too many connections.
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|Query read timeout|server closed the connection/i
    .test(err.message ?? '');
}

/**
 * The error a caller sees for a failure of the store, in words that name the problem; other
 * errors come back unchanged. `location` is the URL without its password.
 */
export function describePgError(e: unknown, location: string, user: string): unknown {
  if (e instanceof StoreUnavailableError) return e;
  if (e instanceof NewerSchemaError) return new StoreUnavailableError(`PostgreSQL store ${location}: ${e.message}`);
  const err = e as PgLikeError | undefined;
  const code = err?.code ?? '';
  const message = err?.message ?? String(e);
  if (code === '28P01' || code === '28000') {
    return new StoreUnavailableError(
      `PostgreSQL at ${location} refused the login of user '${user}' (${message}); ` +
        'check the password in AWSMESH_STORE_URL, PGPASSWORD or ~/.pgpass',
    );
  }
  if (/client password must be a string|password authentication/i.test(message)) {
    return new StoreUnavailableError(
      `PostgreSQL at ${location} asks for a password for user '${user}' and none was given; ` +
        'set it in AWSMESH_STORE_URL, PGPASSWORD or ~/.pgpass',
    );
  }
  if (code === '3D000') return new StoreUnavailableError(`PostgreSQL at ${location}: ${message}; create it first (createdb)`);
  if (code === '42501') return new StoreUnavailableError(`PostgreSQL at ${location}: ${message} (user '${user}' needs to own the database or have CREATE on it)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new StoreUnavailableError(`PostgreSQL at ${location} is unreachable: host not found (${message})`);
  }
  if (isConnectionFailure(e)) return new StoreUnavailableError(`PostgreSQL at ${location} is unreachable: ${message}`);
  return e;
}
