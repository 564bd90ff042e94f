// What the proxy reads from a downstream request before routing it: HTTP/1.1 and HTTP/2
// downstreams share one path through Node's compatible request/response objects.

import type { IncomingMessage, ServerResponse } from 'http';
import type { Http2ServerRequest, Http2ServerResponse } from 'http2';

export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
export type DownstreamResponse = ServerResponse | Http2ServerResponse;

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

/** Whether a body follows the request head (an HTTP/2 stream not ended with its headers). */
export function hasRequestBody(req: DownstreamRequest, h2: boolean): boolean {
  const r = req as IncomingMessage & { stream?: { endAfterHeaders?: boolean } };
  if (h2) return !(r.stream?.endAfterHeaders ?? r.readableEnded);
  const h = r.headers;
  const cl = h['content-length'];
  return (cl !== undefined && cl !== '0') || h['transfer-encoding'] !== undefined;
}
