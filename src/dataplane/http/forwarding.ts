// What the proxy forwards: the upstream request built from the downstream one (hop-by-hop headers
// dropped, x-request-id, trace headers and x-forwarded-proto set, the route's request headers
// added, its path and host rewrites applied), and the upstream response headers passed back.

import { randomUUID } from 'crypto';
import type { IncomingHttpHeaders } from 'http';
import type { UpstreamRequest } from '../cluster/upstream-call';
import type { RequestView } from '../config/request-view';
import type { CompiledRoute } from '../config/route-table';
import { injectTrace, type TraceContext } from '../telemetry/trace-context';

/** Hop-by-hop headers never forwarded (RFC 9110 §7.6.1, plus HTTP/2's connection-specific ones). */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization',
  'http2-settings', 'host',
]);
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer']);

/**
 * The request sent to the route's cluster (body attached per attempt). An upgrade request keeps
 * its Connection/Upgrade headers; `trace` is this hop's span, injected as traceparent/X-Ray headers.
 */
export function buildUpstreamRequest(
  src: IncomingHttpHeaders, view: RequestView, route: CompiledRoute, upgrade: boolean, trace: TraceContext,
): UpstreamRequest {
  const headers: Record<string, string | string[]> = {};
  for (const k in src) {
    if (k.charCodeAt(0) === 58 /* : */ || HOP_BY_HOP.has(k)) continue;
    const v = src[k];
    if (v !== undefined) headers[k] = v;
  }
  if (src.te === 'trailers') headers.te = 'trailers';
  if (upgrade) {
    headers.connection = 'upgrade';
    headers.upgrade = src.upgrade!;
  }
  if (headers['x-request-id'] === undefined) headers['x-request-id'] = randomUUID();
  injectTrace(headers, trace);
  headers['x-forwarded-proto'] = view.scheme;
  if (route.requestHeadersToAdd) for (const [k, v] of route.requestHeadersToAdd) headers[k] = v;
  let path = view.path;
  if (route.prefixRewrite || route.regexRewrite) {
    headers['x-envoy-original-path'] = path;
    const q = path.indexOf('?');
    let p = q < 0 ? path : path.slice(0, q);
    const query = q < 0 ? '' : path.slice(q);
    if (route.prefixRewrite && p.startsWith(route.prefixRewrite.prefix)) {
      p = route.prefixRewrite.to + p.slice(route.prefixRewrite.prefix.length);
    } else if (route.regexRewrite) {
      p = route.regexRewrite(p);
    }
    path = (p || '/') + query;
  }
  const out: UpstreamRequest = { method: view.method, path, authority: route.hostRewrite ?? view.authority, headers, body: null };
  if (upgrade) out.upgrade = true;
  return out;
}

/**
 * The upstream's response headers as they go downstream, without hop-by-hop headers (a 101 keeps
 * its upgrade headers) and without those the virtual host removes.
 */
export function forwardedResponseHeaders(
  headers: IncomingHttpHeaders, keepHopByHop: boolean, remove: readonly string[] | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const k in headers) {
    if (!keepHopByHop && RESPONSE_HOP_BY_HOP.has(k)) continue;
    const v = headers[k];
    if (v !== undefined) out[k] = v;
  }
  if (remove) for (const k of remove) delete out[k];
  return out;
}
