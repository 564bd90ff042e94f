// Responses the proxy itself generates, worded as Envoy words them (users grep for these), and
// turned into trailers-only gRPC responses for gRPC callers as Envoy does.

import type { OutgoingHttpHeaders } from 'http';
import type { Http2ServerResponse } from 'http2';
import type { DownstreamResponse } from './downstream';

export interface LocalReply {
  status: number;
  body: string;
  /** Envoy response flag for access logs: UH, UF, UC, UT, UO, NR, NC, URX. */
  flag: string;
  headers?: Record<string, string>;
}

export const REPLIES = {
  noRoute: { status: 404, body: '', flag: 'NR' },
  noCluster: { status: 503, body: '', flag: 'NC' },
  noHealthyUpstream: { status: 503, body: 'no healthy upstream', flag: 'UH' },
  connectFailure: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', flag: 'UF' },
  reset: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination', flag: 'UC' },
  refusedStream: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: remote refused stream reset', flag: 'UR' },
  overflow: { status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow', flag: 'UO', headers: { 'x-envoy-overloaded': 'true' } },
  timeout: { status: 504, body: 'upstream request timeout', flag: 'UT' },
  tooLarge: { status: 413, body: 'Payload Too Large', flag: '' },
  notReady: { status: 503, body: 'no route configuration', flag: 'NR' },
  /** ALLOW_ALL passthrough only reaches this machine's loopback addresses (our safety rule). */
  /** An Upgrade type the connection manager's upgrade_configs do not list (Envoy: upgrade_failed). */
  upgradeFailed: { status: 403, body: '', flag: '' },
  /** WebSocket to an HTTP/2 upstream would need extended CONNECT (RFC 8441), which we do not emulate. */
  upgradeToHttp2: { status: 503, body: 'awsmesh: WebSocket upgrades to an HTTP/2 upstream (extended CONNECT) are not supported', flag: 'UPE' },
  passthroughDenied: { status: 502, body: 'awsmesh: egress passthrough (ALLOW_ALL) reaches loopback destinations only', flag: 'UH' },
} satisfies Record<string, LocalReply>;

/** Envoy's HTTP → gRPC status mapping for local replies (source/common/grpc/status.cc). */
export function grpcStatusFor(http: number): number {
  switch (http) {
    case 400: return 13;
    case 401: return 16;
    case 403: return 7;
    case 404: return 12;
    case 429: case 502: case 503: case 504: return 14;
    default: return 2;
  }
}

/** The head of a local reply to an HTTP caller: a text body (or none) from `server: envoy`. */
export function localReplyHeaders(r: LocalReply): OutgoingHttpHeaders {
  const body = r.body;
  return {
    ...(body ? { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) } : { 'content-length': '0' }),
    ...(r.headers ?? {}),
    server: 'envoy',
  };
}

/** A local reply to a gRPC caller: trailers-only (HEADERS with END_STREAM), like Envoy's local replies. */
export function sendGrpcLocalReply(res: DownstreamResponse, r: LocalReply): void {
  const headers = {
    'content-type': 'application/grpc',
    'grpc-status': String(grpcStatusFor(r.status)),
    'grpc-message': encodeURIComponent(r.body || `upstream ${r.status}`),
    ...(r.headers ?? {}),
  };
  const stream = (res as Http2ServerResponse).stream;
  if (stream && !stream.headersSent) stream.respond({ ':status': 200, ...headers }, { endStream: true });
  else {
    res.writeHead(200, headers);
    res.end();
  }
}
