// What the proxy reads from a downstream request and how it answers: HTTP/1.1 requests come from
// the lean server (h1-connection.ts), HTTP/2 ones (and connections handed to Node's http.Server,
// e.g. after an h2c offer) through Node's compatible request/response objects. The Exchange sees
// only these interfaces.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'http';
import type * as net from 'net';
import type { Readable } from 'stream';

export interface DownstreamRequest {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  /** The connection (a TLSSocket — `encrypted` — when the listener terminated TLS). */
  readonly socket: net.Socket | null;
  /** The lean server's body stream (null: no body); Node's requests are their own body stream. */
  readonly bodySource?: Readable | null;
  readonly readableEnded?: boolean;
}

export interface DownstreamResponse {
  readonly headersSent: boolean;
  /** The whole response was handed to the connection. */
  readonly writableFinished: boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  /** writeHead(status, {...base, ...extra}), with `base`'s lines serialised once while it comes back (the lean HTTP/1.1 server). */
  writeHeadWith?(status: number, base: Readonly<OutgoingHttpHeaders>, extra: OutgoingHttpHeaders): unknown;
  /** false: wait for 'drain'. */
  write(chunk: Buffer): boolean;
  end(): unknown;
  end(chunk: Buffer | string): unknown;
  addTrailers(trailers: OutgoingHttpHeaders): void;
  /** The connection (or HTTP/2 stream) closed; with writableFinished false: before the response ended. */
  on(event: 'close', listener: () => void): unknown;
  once(event: 'drain', listener: () => void): unknown;
}

/** The request body as a stream (for a request that has one: hasRequestBody()). */
export function requestBody(req: DownstreamRequest): Readable {
  return req.bodySource ?? (req as unknown as Readable);
}

/** Splits an HTTP/1.1 request target into authority and path (absolute-form for proxy clients). */
export function requestTarget(req: DownstreamRequest, h2: boolean): { authority: string; path: string } {
  if (h2) {
    const h = req.headers;
    return { authority: (h[':authority'] as string | undefined) ?? (h.host as string | undefined) ?? '', path: (h[':path'] as string | undefined) ?? '/' };
  }
  const url = req.url ?? '/';
  if (url.charCodeAt(0) !== 47 /* / */ && /^https?:\/\//i.test(url)) {
    const start = url.indexOf('//') + 2;
    const slash = url.indexOf('/', start);
    const q = url.indexOf('?', start);
    const end = slash < 0 ? (q < 0 ? url.length : q) : (q < 0 ? slash : Math.min(slash, q));
    const rest = url.slice(end);
    return { authority: url.slice(start, end), path: rest.startsWith('?') ? `/${rest}` : rest || '/' };
  }
  return { authority: (req.headers.host as string | undefined) ?? '', path: url };
}

/** The request's content-length (-1: none or not a number: the body's end tells). */
export function declaredLength(req: DownstreamRequest): number {
  const cl = req.headers['content-length'];
  if (cl === undefined) return -1;
  const n = Number(cl);
  return Number.isFinite(n) ? n : -1;
}

/** HTTP/1.1: the connection closes after this response (the lean server's and Node's responses). */
export function closeAfterResponse(res: DownstreamResponse): void {
  const r = res as DownstreamResponse & { keepAlive?: boolean; shouldKeepAlive?: boolean };
  if (r.keepAlive !== undefined) r.keepAlive = false;
  if (r.shouldKeepAlive !== undefined) r.shouldKeepAlive = false;
}

/** Whether a body follows the request head (an HTTP/2 stream not ended with its headers). */
export function hasRequestBody(req: DownstreamRequest, h2: boolean): boolean {
  const r = req as DownstreamRequest & { stream?: { endAfterHeaders?: boolean } };
  if (h2) return !(r.stream?.endAfterHeaders ?? r.readableEnded);
  if (r.bodySource !== undefined) return r.bodySource !== null;
  const h = r.headers;
  const cl = h['content-length'];
  return (cl !== undefined && cl !== '0') || h['transfer-encoding'] !== undefined;
}
