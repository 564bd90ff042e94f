// What one finished exchange reports: the access log entry (Envoy's command operators read it)
// and the trace span (OTLP). Both read the exchange's own fields, through ExchangeRecord, so
// reporting allocates nothing beyond the entry and the span themselves.

import type { IncomingHttpHeaders } from 'http';
import type { ClusterRuntime } from '../cluster/cluster';
import type { Host } from '../cluster/host';
import type { UpstreamRequest } from '../cluster/upstream-call';
import type { RequestView } from '../config/request-view';
import type { CompiledRoute } from '../config/route-table';
import type { HcmTelemetry } from '../config/runtime';
import { continueTrace, type TraceContext } from '../telemetry/trace-context';
import type { AccessLogEntry } from './access-log';
import type { ReplayableBody } from './body';
import type { DownstreamRequest } from './downstream';

/** The facts of an exchange the report reads (the Exchange's fields). */
export interface ExchangeRecord {
  readonly req: DownstreamRequest;
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';
  readonly view: RequestView;
  /** Epoch milliseconds the request arrived. */
  readonly start: number;
  /** performance.now() when it arrived, and when the upstream response began (0: it did not). */
  readonly t0: number;
  readonly responseStart: number;
  /** Final status sent downstream (0: none). */
  readonly status: number;
  /** Envoy response flags, comma-separated. */
  readonly flags: string;
  readonly body?: ReplayableBody;
  /** Bytes an upgraded connection carried from the downstream (a body's are in `body`). */
  readonly received: number;
  readonly bytesSent: number;
  readonly retries: number;
  readonly trace?: TraceContext;
  readonly route?: CompiledRoute;
  readonly cluster?: ClusterRuntime;
  readonly host?: Host;
  readonly upstreamReq?: UpstreamRequest;
  readonly resHeaders?: IncomingHttpHeaders;
}

/** The access log entry of a finished exchange that took `ms`. */
export function accessLogEntry(x: ExchangeRecord, ms: number): AccessLogEntry {
  const reqHeaders = x.req.headers;
  const upHeaders = x.upstreamReq?.headers;
  const authority = x.view.authority;
  const resHeaders = x.resHeaders;
  const socket = x.req.socket;
  return {
    startTime: x.start,
    method: x.view.method,
    path: x.view.path,
    protocol: x.protocol,
    status: x.status,
    flags: x.flags,
    bytesReceived: x.body?.bytes ?? x.received,
    bytesSent: x.bytesSent,
    durationMs: Math.round(ms),
    responseDurationMs: x.responseStart ? Math.round(x.responseStart - x.t0) : undefined,
    traceId: x.trace?.traceId,
    upstreamHost: x.host?.key,
    upstreamCluster: x.cluster?.name,
    routeName: x.route?.name,
    downstreamRemote: socket?.remoteAddress,
    downstreamRemotePort: socket?.remotePort,
    downstreamLocal: socket ? `${socket.localAddress}:${socket.localPort}` : undefined,
    // Headers as the proxy sent them on (x-request-id and trace headers included).
    reqHeader: (n) => {
      if (n === ':authority') return authority;
      const v = upHeaders?.[n] ?? reqHeaders[n];
      return Array.isArray(v) ? v.join(',') : v;
    },
    resHeader: (n) => (resHeaders?.[n] as string | undefined),
  };
}

/** Hands the exchange's span to the connection manager's span sink, if the trace is sampled. */
export function exportSpan(x: ExchangeRecord, tel: HcmTelemetry, ms: number): void {
  const trace = x.trace ?? continueTrace(x.req.headers);
  if (!trace.sampled) return;
  const view = x.view;
  const path = view.pathOnly();
  tel.spans!.add({
    traceId: trace.traceId,
    spanId: trace.spanId,
    parentSpanId: trace.parentSpanId,
    name: `${view.authority}${path}`,
    kind: tel.client ? 3 : 2,
    startMs: x.start,
    durationMs: ms,
    error: x.status === 0 || x.status >= 500,
    attributes: {
      node_id: tel.nodeId,
      component: 'proxy',
      'guid:x-request-id': (x.upstreamReq?.headers['x-request-id'] ?? x.req.headers['x-request-id']) as string | undefined,
      'http.method': view.method,
      'http.url': `http://${view.authority}${view.path}`,
      'http.protocol': x.protocol,
      'http.status_code': x.status,
      'response_flags': x.flags || '-',
      'upstream_cluster': x.cluster?.name,
      'upstream_address': x.host?.key,
      'appmesh.route': x.route?.name,
      'appmesh.virtual_service': x.route?.virtualService,
      'peer.address': x.req.socket?.remoteAddress,
      'request_size': x.body?.bytes ?? x.received,
      'response_size': x.bytesSent,
      'retry.count': x.retries || undefined,
    },
  });
}
