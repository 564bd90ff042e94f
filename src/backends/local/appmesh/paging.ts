// Opaque, unforgeable nextTokens. A token carries the list it belongs to and the position to
// resume after, signed with a secret kept in the store: a token from another list, another store
// or a tampered one is refused (BadRequestException) instead of silently paging the wrong data.

import { nodeCrypto } from '../../../base/lazy-crypto';
import type { Store } from '../store/store';
import { badRequest } from './errors';

export const DEFAULT_PAGE_SIZE = 100;
const SECRET_NAME = 'appmesh-next-token';
const VERSION = 1;

interface TokenBody {
  v: number;
  /** The list the token pages through (operation, partition, mesh, container). */
  s: string;
  /** Position: resume strictly after this key. */
  k: string;
}

async function mac(store: Store, payload: string): Promise<Buffer> {
  return nodeCrypto().createHmac('sha256', await store.secret(SECRET_NAME)).update(payload).digest();
}

export async function signToken(store: Store, scope: string, key: string): Promise<string> {
  const payload = Buffer.from(JSON.stringify({ v: VERSION, s: scope, k: key } satisfies TokenBody)).toString('base64url');
  return `${payload}.${(await mac(store, payload)).toString('base64url')}`;
}

const invalid = () => badRequest('The nextToken provided is not valid for this request.');

/** The position a token resumes after; throws BadRequestException for anything we did not issue for `scope`. */
export async function readToken(store: Store, scope: string, token: string): Promise<string> {
  const dot = token.indexOf('.');
  if (dot <= 0) throw invalid();
  const payload = token.slice(0, dot);
  const given = Buffer.from(token.slice(dot + 1), 'base64url');
  const expected = await mac(store, payload);
  if (given.length !== expected.length || !nodeCrypto().timingSafeEqual(given, expected)) throw invalid();
  let body: TokenBody;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenBody;
  } catch {
    throw invalid();
  }
  if (body?.v !== VERSION || body.s !== scope || typeof body.k !== 'string') throw invalid();
  return body.k;
}

/** `limit` as the API accepts it: an integer from 1 to `max`, `max` when absent. */
export function pageSize(limit: unknown, max = DEFAULT_PAGE_SIZE): number {
  if (limit === undefined || limit === null) return max;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw badRequest(`limit must be an integer between 1 and ${max}.`);
  }
  return limit;
}
