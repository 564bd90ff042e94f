// AWS Signature Version 4, server side: read the credential scope (which names the service and
// region a request is for) and, with --verify-signatures, recompute the signature from the
// canonical request exactly as the SDKs build it (header auth and pre-signed query auth).

import { createHash, createHmac, timingSafeEqual } from 'crypto';
import { WireError, type WireRequest } from './wire';

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS accepts requests dated up to 15 minutes from its own clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

interface ParsedAuth {
  scope: CredentialScope;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  /** Seconds a pre-signed URL stays valid; undefined for header auth. */
  expires?: number;
}

function parseScope(credential: string): CredentialScope | undefined {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || parts.some((p) => !p)) return undefined;
  return { accessKeyId: parts[0], date: parts[1], region: parts[2], service: parts[3] };
}

function header(req: WireRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The scope a request claims, for routing; no verification. Cheap enough for every request. */
export function credentialScope(req: WireRequest): CredentialScope | undefined {
  const auth = header(req, 'authorization');
  if (auth) {
    const m = /Credential=([^,\s]+)/.exec(auth);
    return m ? parseScope(m[1]) : undefined;
  }
  if (req.rawQuery.includes('X-Amz-Credential=')) {
    const credential = req.query.get('X-Amz-Credential');
    return credential ? parseScope(credential) : undefined;
  }
  return undefined;
}

function parseAuth(req: WireRequest): ParsedAuth {
  const auth = header(req, 'authorization');
  if (auth !== undefined) {
    if (!auth.startsWith(`${ALGORITHM} `)) {
      throw new WireError('incompleteSignature', `Authorization header requires the ${ALGORITHM} algorithm.`);
    }
    const fields = new Map<string, string>();
    for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((k) => !fields.get(k));
    if (missing.length) {
      throw new WireError('incompleteSignature', `Authorization header requires ${missing.map((k) => `'${k}'`).join(', ')} parameter(s). Authorization=${auth}`);
    }
    const amzDate = header(req, 'x-amz-date') ?? dateHeaderAsAmzDate(header(req, 'date'));
    if (!amzDate) throw new WireError('incompleteSignature', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    return finish(fields.get('Credential')!, fields.get('SignedHeaders')!, fields.get('Signature')!, amzDate);
  }
  if (req.query.has('X-Amz-Signature') || req.query.has('X-Amz-Credential')) {
    const q = req.query;
    const missing = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'].filter((k) => !q.get(k));
    if (missing.length) throw new WireError('incompleteSignature', `The pre-signed request is missing ${missing.join(', ')}.`);
    if (q.get('X-Amz-Algorithm') !== ALGORITHM) throw new WireError('incompleteSignature', `X-Amz-Algorithm must be ${ALGORITHM}.`);
    const expires = Number(q.get('X-Amz-Expires') ?? '900');
    if (!Number.isInteger(expires) || expires < 1 || expires > MAX_PRESIGN_SECONDS) {
      throw new WireError('incompleteSignature', `X-Amz-Expires must be between 1 and ${MAX_PRESIGN_SECONDS} seconds.`);
    }
    return { ...finish(q.get('X-Amz-Credential')!, q.get('X-Amz-SignedHeaders')!, q.get('X-Amz-Signature')!, q.get('X-Amz-Date')!), expires };
  }
  throw new WireError('missingAuth', 'Missing Authentication Token: the request must be signed with AWS Signature Version 4.');
}

function finish(credential: string, signedHeaders: string, signature: string, amzDate: string): ParsedAuth {
  const scope = parseScope(credential);
  if (!scope) throw new WireError('incompleteSignature', `Credential must have the form <key>/<date>/<region>/<service>/aws4_request, got '${credential}'.`);
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) throw new WireError('incompleteSignature', `X-Amz-Date must be in the form YYYYMMDD'T'HHMMSS'Z', got '${amzDate}'.`);
  if (scope.date !== amzDate.slice(0, 8)) {
    throw new WireError('badSignature', `Credential should be scoped to a valid date: '${amzDate.slice(0, 8)}', not '${scope.date}'.`);
  }
  return { scope, signedHeaders: signedHeaders.split(';'), signature, amzDate };
}

function dateHeaderAsAmzDate(date: string | undefined): string | undefined {
  if (!date) return undefined;
  const ms = Date.parse(date);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function amzDateMs(amzDate: string): number {
  const iso = `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`;
  return Date.parse(iso);
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX. */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decodeLoose(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The SDKs sign the path as sent, encoded once more per segment. */
function canonicalUri(rawPath: string): string {
  if (!rawPath || rawPath === '/') return '/';
  return rawPath.split('/').map(uriEncode).join('/');
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  if (!rawQuery) return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = uriEncode(decodeLoose(eq === -1 ? part : part.slice(0, eq)));
    const value = eq === -1 ? '' : uriEncode(decodeLoose(part.slice(eq + 1)));
    if (presigned && key === 'X-Amz-Signature') continue;
    pairs.push([key, value]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalHeaders(rawHeaders: string[], signed: string[]): string {
  const values = new Map<string, string[]>();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    const list = values.get(name) ?? [];
    list.push(rawHeaders[i + 1].trim().replace(/\s+/g, ' '));
    values.set(name, list);
  }
  return signed.map((name) => `${name}:${(values.get(name) ?? []).join(',')}\n`).join('');
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();

const signingKeys = new Map<string, Buffer>();

function signingKey(secret: string, scope: CredentialScope): Buffer {
  const cacheKey = `${secret}\0${scope.date}\0${scope.region}\0${scope.service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    key = hmac(hmac(hmac(hmac(`AWS4${secret}`, scope.date), scope.region), scope.service), 'aws4_request');
    if (signingKeys.size > 64) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** A request's SigV4 authorization, parsed (not yet verified). */
export type Signature = ParsedAuth;

/** Reads the request's signature (header or pre-signed query); throws WireError when absent or malformed. */
export function parseSignature(req: WireRequest): Signature {
  return parseAuth(req);
}

/**
 * Throws WireError unless `auth` is a valid signature of `req` made with `secretAccessKey`.
 * `hostCandidates`: the Host values to try when the header list has none (gRPC: the :authority,
 * which signers canonicalise with or without the port).
 */
export function checkSignature(
  req: WireRequest, rawHeaders: string[], auth: Signature, secretAccessKey: string, nowMs: number, hostCandidates?: string[],
): void {
  const presigned = auth.expires !== undefined;
  if (!auth.signedHeaders.includes('host')) throw new WireError('badSignature', "'Host' must be a signed header.");

  const signedAt = amzDateMs(auth.amzDate);
  if (presigned) {
    if (nowMs < signedAt - MAX_SKEW_MS || nowMs > signedAt + auth.expires! * 1000) {
      throw new WireError('expired', `Request has expired (signed at ${auth.amzDate}, valid for ${auth.expires} seconds).`);
    }
  } else if (Math.abs(nowMs - signedAt) > MAX_SKEW_MS) {
    throw new WireError('expired', `Signature expired: ${auth.amzDate} is not within 15 minutes of the server time ${new Date(nowMs).toISOString()}.`);
  }

  const contentHash = header(req, 'x-amz-content-sha256') ?? (presigned ? req.query.get('X-Amz-Content-Sha256') ?? undefined : undefined);
  const bodyHash = sha256Hex(req.body);
  if (contentHash && contentHash !== 'UNSIGNED-PAYLOAD' && contentHash !== bodyHash) {
    throw new WireError('badSignature', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  // Pre-signed URLs: botocore signs UNSIGNED-PAYLOAD, the JS SDK the (empty) body's hash.
  const payloadHashes = contentHash ? [contentHash] : presigned ? [bodyHash, 'UNSIGNED-PAYLOAD'] : [bodyHash];
  const headerLists = hostCandidates?.length ? hostCandidates.map((h) => [...rawHeaders, 'host', h]) : [rawHeaders];
  const { scope } = auth;
  const key = signingKey(secretAccessKey, scope);
  const given = /^[0-9a-f]{64}$/.test(auth.signature) ? Buffer.from(auth.signature, 'hex') : Buffer.alloc(0);
  const matches = headerLists.some((headers) => payloadHashes.some((payloadHash) => {
    const canonicalRequest = [
      req.method,
      canonicalUri(req.rawPath),
      canonicalQuery(req.rawQuery, presigned),
      canonicalHeaders(headers, auth.signedHeaders),
      auth.signedHeaders.join(';'),
      payloadHash,
    ].join('\n');
    const stringToSign = [ALGORITHM, auth.amzDate, `${scope.date}/${scope.region}/${scope.service}/aws4_request`, sha256Hex(canonicalRequest)].join('\n');
    const expected = createHmac('sha256', key).update(stringToSign).digest();
    return given.length === expected.length && timingSafeEqual(given, expected);
  }));
  if (!matches) {
    throw new WireError(
      'badSignature',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
    );
  }
}

/** Throws WireError unless the request carries a valid SigV4 signature by one of `credentials`. */
export function verifySignature(req: WireRequest, rawHeaders: string[], credentials: Credentials[], nowMs: number): void {
  const auth = parseAuth(req);
  const creds = credentials.find((c) => c.accessKeyId === auth.scope.accessKeyId);
  if (!creds) throw new WireError('unknownAccessKey', 'The security token included in the request is invalid.');
  checkSignature(req, rawHeaders, auth, creds.secretAccessKey, nowMs);
}
