// Wraps the SDK's HTTP handler to (1) remember each request's full URL, which the AWS CLI names
// in connection and timeout errors, (2) keep the raw response body, which error normalisation
// needs when the SDK cannot parse it (HTML 502 pages, bodies without a message), and (3) log
// each exchange for --debug with credentials and signatures redacted.

import { PassThrough, type Readable } from 'stream';

/** The parts of @smithy's HttpRequest this module reads. */
export interface WireRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query?: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: unknown;
}

export interface WireResponse {
  statusCode: number;
  reason?: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface InnerHandler {
  handle(request: WireRequest, options?: unknown): Promise<{ response: WireResponse }>;
  updateHttpClientConfig?(key: unknown, value: unknown): void;
  httpHandlerConfigs?(): unknown;
  destroy?(): void;
}

/** Properties this module sets on errors and responses (symbols: invisible to output and JSON). */
export const REQUEST_URL = Symbol('awsmesh.requestUrl');
export const RAW_BODY = Symbol('awsmesh.rawBody');

export function requestUrl(req: WireRequest): string {
  const defaultPort = req.protocol === 'https:' ? 443 : 80;
  const port = req.port && req.port !== defaultPort ? `:${req.port}` : '';
  const host = req.hostname.includes(':') ? `[${req.hostname}]` : req.hostname;
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(req.query ?? {})) {
    for (const item of Array.isArray(v) ? v : [v]) {
      pairs.push(item === null ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(item)}`);
    }
  }
  return `${req.protocol}//${host}${port}${req.path}${pairs.length ? `?${pairs.join('&')}` : ''}`;
}

const SECRET_HEADERS = new Set(['authorization', 'x-amz-security-token', 'cookie', 'set-cookie']);
/** Body members that hold secrets (IAM access keys, session tokens, passwords, private keys). */
const SECRET_MEMBER = /(secret|password|sessiontoken|securitytoken|privatekey)/i;

/** Keeps the signing scheme and signed-header list (useful when debugging) but drops who and the signature. */
function redactHeader(name: string, value: string): string {
  if (!SECRET_HEADERS.has(name.toLowerCase())) return value;
  if (name.toLowerCase() === 'authorization') {
    const scheme = /^\S+/.exec(value)?.[0] ?? '';
    const signed = /SignedHeaders=[^,\s]*/.exec(value)?.[0];
    return `${scheme} Credential=<redacted>${signed ? `, ${signed}` : ''}, Signature=<redacted>`;
  }
  return '<redacted>';
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k] = redactHeader(k, String(v));
  return out;
}

/** Redacts secret members of a JSON, XML or form-encoded (IAM query) body. */
export function redactBody(text: string): string {
  const first = text.trimStart()[0];
  if (first === '{' || first === '[') {
    return text.replace(/("([A-Za-z0-9_]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/g, (m, pre: string, key: string) =>
      SECRET_MEMBER.test(key) ? `${pre}"<redacted>"` : m);
  }
  if (first === '<') {
    return text.replace(/<([A-Za-z0-9_]+)>[^<]*<\/\1>/g, (m, tag: string) =>
      SECRET_MEMBER.test(tag) ? `<${tag}><redacted></${tag}>` : m);
  }
  return text.replace(/(^|&)([^=&]+)=([^&]*)/g, (m, amp: string, key: string) => {
    const last = key.split('.').pop() ?? key;
    return SECRET_MEMBER.test(last) ? `${amp}${key}=<redacted>` : m;
  });
}

/** A Buffer over the same bytes: Buffer.from(view) would call valueOf(), which the SDK's body adapters override. */
function bytes(view: Uint8Array): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return bytes(body).toString('utf8');
  return '<stream>';
}

async function collect(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return bytes(body);
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Response bodies larger than this are not echoed whole to the debug log. */
const DEBUG_BODY_LIMIT = 64 * 1024;

function clip(text: string): string {
  return text.length > DEBUG_BODY_LIMIT ? `${text.slice(0, DEBUG_BODY_LIMIT)}… (${text.length} characters)` : text;
}

export class TracingHandler {
  readonly metadata = { handlerProtocol: 'http/1.1' };

  constructor(
    private readonly inner: InnerHandler,
    private readonly debug?: (line: string) => void,
  ) {}

  async handle(request: WireRequest, options?: unknown): Promise<{ response: WireResponse }> {
    const url = requestUrl(request);
    const log = this.debug;
    if (log) {
      log(`Sending request: ${request.method} ${url}`);
      log(`Request headers: ${JSON.stringify(redactHeaders(request.headers))}`);
      const text = bodyText(request.body);
      if (text) log(`Request body: ${clip(redactBody(text))}`);
    }
    let out: { response: WireResponse };
    try {
      out = await this.inner.handle(request, options);
    } catch (caught) {
      const err = sameRealmError(caught);
      (err as unknown as Record<symbol, unknown>)[REQUEST_URL] = url;
      log?.(`Request failed: ${request.method} ${url}: ${err.name}: ${err.message}`);
      throw err;
    }
    const { response } = out;
    const raw = await collect(response.body);
    const replay = new PassThrough();
    replay.end(raw);
    response.body = replay;
    Object.defineProperty(response, RAW_BODY, { value: raw, enumerable: false });
    Object.defineProperty(response, REQUEST_URL, { value: url, enumerable: false });
    if (log) {
      const requestId = headerValue(response.headers, 'x-amzn-requestid') ?? headerValue(response.headers, 'x-amz-request-id') ?? '-';
      log(`Response: ${response.statusCode} for ${request.method} ${url} (request id ${requestId})`);
      log(`Response headers: ${JSON.stringify(redactHeaders(response.headers))}`);
      if (raw.length) log(`Response body: ${clip(redactBody(raw.toString('utf8')))}`);
    }
    return out;
  }

  updateHttpClientConfig(key: unknown, value: unknown): void {
    this.inner.updateHttpClientConfig?.(key, value);
  }

  httpHandlerConfigs(): unknown {
    return this.inner.httpHandlerConfigs?.() ?? {};
  }

  destroy(): void {
    this.inner.destroy?.();
  }
}

/**
 * Socket errors are created by Node's core; where this code runs in another JS realm (a test
 * sandbox) they fail `instanceof Error`, and the SDK's retry layer would replace them with a
 * bare wrapper that loses the error code. Copy them into an Error of this realm.
 */
function sameRealmError(caught: unknown): Error {
  if (caught instanceof Error) return caught;
  const src = (caught ?? {}) as { name?: string; message?: string };
  return Object.assign(new Error(src.message ?? String(caught)), caught, { name: src.name ?? 'Error' });
}

export function headerValue(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
