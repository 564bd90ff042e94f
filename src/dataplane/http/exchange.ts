// One downstream HTTP request through the proxy, with Envoy's router semantics: route lookup,
// weighted cluster choice, circuit breaking, retries (retry_on, num_retries, per_try_timeout,
// previous_hosts, jittered back-off), the route timeout, the stream idle timeout, outlier
// detection feedback, and Envoy-style local replies. HTTP/1.1 and HTTP/2 downstreams share it
// through Node's compatible request/response objects. An HTTP/1.1 Upgrade (WebSocket) request
// is one too, until a 101 turns it into a tunnel (upgrade.ts).

import { randomUUID } from 'crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'http';
import type { Http2ServerRequest, Http2ServerResponse } from 'http2';
import type { Socket } from 'net';
import type { ClusterRuntime, Admission } from '../cluster/cluster';
import type { Host } from '../cluster/host';
import type { FailureKind, UpstreamCall, UpstreamHandler, UpstreamRequest } from '../cluster/upstream';
import type { CompiledRetry, CompiledRoute, CompiledVirtualHost } from '../config/route-table';
import { pickTarget } from '../config/route-table';
import { normalizePath, RequestView } from '../config/request-view';
import type { ChainState, HcmRuntime } from '../config/runtime';
import { HttpStats, type ListenerStats, type RouteTargetStats } from '../stats';
import type { HcmTelemetry } from '../../observability/telemetry';
import { continueTrace, injectTrace, type TraceContext } from '../../observability/trace-context';
import { ReplayableBody } from './body';
import { REPLIES, grpcStatusFor, type LocalReply } from './local-reply';
import { detachedResponse, switchProtocols, tunnel, upgradeType, type UpgradeDownstream } from './upgrade';

export type DownstreamRequest = IncomingMessage | Http2ServerRequest;
export type DownstreamResponse = ServerResponse | Http2ServerResponse;

/** Hop-by-hop headers never forwarded (RFC 9110 §7.6.1, plus HTTP/2's connection-specific ones). */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authorization',
  'http2-settings', 'host',
]);
const RESPONSE_HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'trailer']);

/** Largest request body accepted at all (security limit; larger requests get 413). */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

const RETRY_BASE_MS = 25;
const RETRY_MAX_MS = 250;

export interface ExchangeEnv {
  state: ChainState;
  hcm: HcmRuntime;
  stats: ListenerStats;
  protocol: 'HTTP/1.1' | 'HTTP/2';
}

/** Splits an HTTP/1.1 request target into authority and path (absolute-form for proxy clients). */
function target(req: DownstreamRequest, h2: boolean): { authority: string; path: string } {
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

/** Where requests of a connection manager that was never attached to a proxy report. */
const DETACHED: HcmTelemetry = { stats: new HttpStats(), client: false };

export class Exchange {
  private readonly start = Date.now();
  /** High-resolution start, for durations (histograms, spans). */
  private readonly t0 = performance.now();
  private readonly tel: HcmTelemetry;
  private trace?: TraceContext;
  private routeTarget?: RouteTargetStats;
  private timedOut = false;
  private responseStart = 0;
  private readonly view: RequestView;
  private route?: CompiledRoute;
  private vhost?: CompiledVirtualHost;
  private cluster?: ClusterRuntime;
  private upstreamReq?: UpstreamRequest;
  private body?: ReplayableBody;
  private call?: UpstreamCall;
  private admission?: Admission | null;
  private host?: Host;
  private readonly tried = new Set<Host>();
  private attempts = 0;
  /** Number of the attempt whose upstream callbacks still count (0: none). */
  private live = 0;
  private retries = 0;
  private holdingRetry = false;
  private attemptStart = 0;
  private committed = false;
  private finished = false;
  private timer?: NodeJS.Timeout;
  private perTryTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;
  private lastFailure: LocalReply = REPLIES.noHealthyUpstream;
  private flags = '';
  private status = 0;
  private bytesSent = 0;
  /** Bytes an upgraded connection carried from the downstream (a body's are in `body`). */
  private received = 0;
  private resHeaders?: IncomingHttpHeaders;
  /** Declared response length (content-length), and a final chunk held back to go out with end(). */
  private expectedLength = -1;
  private held?: Buffer;
  private readonly isGrpc: boolean;

  constructor(
    private readonly env: ExchangeEnv,
    private readonly req: DownstreamRequest,
    private readonly res: DownstreamResponse,
    /** Set for an HTTP/1.1 upgrade request (WebSocket). */
    private readonly upgrade?: UpgradeDownstream,
  ) {
    const h2 = env.protocol === 'HTTP/2';
    const t = target(req, h2);
    const path = env.hcm.normalizePath || env.hcm.mergeSlashes ? normalizePath(t.path) : t.path;
    // https when the listener terminated TLS (src/tls): route scheme matches and x-forwarded-proto.
    const scheme = (req.socket as { encrypted?: boolean } | null)?.encrypted ? 'https' : 'http';
    this.view = new RequestView(req.method ?? 'GET', t.authority, path, req.headers, scheme);
    this.isGrpc = this.view.isGrpc();
    this.tel = env.hcm.telemetry ?? DETACHED;
    this.tel.stats.downstream_rq_total++;
    this.tel.stats.downstream_rq_active++;
    res.on('close', () => this.onDownstreamClose());
  }

  run(): void {
    const { state, hcm } = this.env;
    if (this.upgrade && !this.upgrade.allowed) {
      // Not in the connection manager's upgrade_configs: Envoy's 403 (upgrade_failed).
      this.tel.stats.downstream_rq_ws_on_non_ws_route++;
      return this.reply(REPLIES.upgradeFailed);
    }
    const table = state.generation.routeTables.get(hcm.routeConfigName);
    if (!table) return this.reply(REPLIES.notReady);
    const { host, route } = table.route(this.view);
    this.vhost = host;
    if (!route) {
      this.tel.stats.no_route++;
      return this.reply(REPLIES.noRoute);
    }
    this.route = route;
    if (route.direct) {
      this.tel.stats.rq_direct_response++;
      return this.reply({ status: route.direct.status, body: route.direct.body, flag: '' });
    }
    const clusterName = pickTarget(route);
    if (route.stats) {
      route.stats.upstream_rq_total++;
      this.routeTarget = route.stats.target(clusterName);
      this.routeTarget.upstream_rq_total++;
    }
    const cluster = state.generation.clusters.get(clusterName);
    if (!cluster) return this.reply(REPLIES.noCluster);
    this.cluster = cluster;
    if (this.upgrade && cluster.http2) return this.reply(REPLIES.upgradeToHttp2);
    this.upstreamReq = this.buildUpstreamRequest(route);
    if (this.hasBody()) {
      this.body = new ReplayableBody(this.req as unknown as import('stream').Readable, MAX_REQUEST_BYTES);
      this.body.onEnd(() => this.armTimeout());
    } else {
      this.armTimeout();
    }
    this.armIdle();
    this.attempt();
  }

  private hasBody(): boolean {
    // Whatever follows an upgrade request's head belongs to the new protocol (sent after the 101).
    if (this.upgrade) return false;
    const r = this.req as IncomingMessage & { stream?: { endAfterHeaders?: boolean } };
    if (this.env.protocol === 'HTTP/2') return !(r.stream?.endAfterHeaders ?? r.readableEnded);
    const h = r.headers;
    const cl = h['content-length'];
    return (cl !== undefined && cl !== '0') || h['transfer-encoding'] !== undefined;
  }

  private buildUpstreamRequest(route: CompiledRoute): UpstreamRequest {
    const src = this.req.headers;
    const headers: Record<string, string | string[]> = {};
    for (const k in src) {
      if (k.charCodeAt(0) === 58 /* : */ || HOP_BY_HOP.has(k)) continue;
      const v = src[k];
      if (v !== undefined) headers[k] = v;
    }
    if (src.te === 'trailers') headers.te = 'trailers';
    if (this.upgrade) {
      headers.connection = 'upgrade';
      headers.upgrade = src.upgrade!;
    }
    if (headers['x-request-id'] === undefined) headers['x-request-id'] = randomUUID();
    this.trace = continueTrace(src);
    injectTrace(headers, this.trace);
    headers['x-forwarded-proto'] = this.view.scheme;
    if (route.requestHeadersToAdd) for (const [k, v] of route.requestHeadersToAdd) headers[k] = v;
    let path = this.view.path;
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
    const out: UpstreamRequest = { method: this.view.method, path, authority: route.hostRewrite ?? this.view.authority, headers, body: null };
    if (this.upgrade) out.upgrade = true;
    return out;
  }

  // ---- timers ------------------------------------------------------------------------------

  private armTimeout(): void {
    const ms = this.route!.timeoutMs;
    if (ms > 0 && !this.finished && !this.timer) {
      this.timer = setTimeout(() => this.onGlobalTimeout(), ms);
    }
  }

  /** Stream idle: only worth a timer when the route timeout does not come first. */
  private armIdle(): void {
    const route = this.route!;
    const idle = route.idleTimeoutMs || this.env.hcm.streamIdleMs;
    if (idle > 0 && (route.timeoutMs === 0 || route.timeoutMs > idle)) {
      this.idleTimer = setTimeout(() => this.onIdle(), idle);
    }
  }

  private touch(): void {
    this.idleTimer?.refresh();
  }

  private clearTimers(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.perTryTimer) clearTimeout(this.perTryTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.timer = this.perTryTimer = this.idleTimer = undefined;
  }

  private onGlobalTimeout(): void {
    this.timer = undefined;
    if (this.finished) return;
    this.timedOut = true;
    this.cluster!.stats.upstream_rq_timeout++;
    if (this.host) this.cluster!.outcome(this.host, true);
    this.abortAttempt();
    if (this.committed) this.resetDownstream();
    else this.reply(REPLIES.timeout);
  }

  private onIdle(): void {
    this.idleTimer = undefined;
    if (this.finished) return;
    this.abortAttempt();
    if (this.committed) this.resetDownstream();
    else this.reply({ status: 504, body: 'stream timeout', flag: 'SI' });
  }

  // ---- attempts ----------------------------------------------------------------------------

  private attempt(): void {
    if (this.finished) return;
    const cluster = this.cluster!;
    const retry = this.route!.retry;
    let host: Host | undefined;
    if (cluster.passthrough) host = cluster.originalDestination(this.upstreamReq!.authority);
    else host = cluster.pick(retry?.previousHosts ? this.tried : undefined, retry?.hostSelectionAttempts ?? 1);
    if (!host && cluster.passthrough) return this.reply(REPLIES.passthroughDenied);
    if (!host) return this.reply(this.attempts === 0 ? REPLIES.noHealthyUpstream : this.lastFailure);
    this.attempts++;
    const admission = cluster.admit(() => this.send(host!));
    if (admission === null) {
      this.releaseRetrySlot();
      this.reply(REPLIES.overflow);
      return;
    }
    if (!this.call && !this.finished) this.admission = admission;
  }

  private send(host: Host): void {
    this.admission = undefined;
    if (this.finished) {
      this.cluster!.release();
      return;
    }
    this.host = host;
    this.tried.add(host);
    host.activeRequests++;
    host.rqTotal++;
    this.cluster!.stats.upstream_rq_total++;
    this.attemptStart = performance.now();
    const ureq = this.upstreamReq!;
    if (this.body) {
      try {
        ureq.body = this.body.stream(this.attempts === 1);
      } catch {
        this.endAttempt();
        return this.reply(this.lastFailure);
      }
    }
    const perTry = this.route!.retry?.perTryTimeoutMs ?? 0;
    if (perTry > 0) this.perTryTimer = setTimeout(() => this.onPerTryTimeout(), perTry);
    const attemptNo = this.attempts;
    this.live = attemptNo;
    const handler: UpstreamHandler = {
      onHeaders: (status, headers) => this.onUpstreamHeaders(attemptNo, status, headers),
      onData: (chunk) => this.onUpstreamData(attemptNo, chunk),
      onEnd: (trailers) => this.onUpstreamEnd(attemptNo, trailers),
      onFailure: (kind, err) => this.onUpstreamFailure(attemptNo, kind, err),
    };
    if (this.upgrade) handler.onUpgrade = (headers, socket, rest) => this.onUpstreamUpgrade(attemptNo, headers, socket, rest);
    this.call = host.connection().send(ureq, handler);
  }

  /** Ends the current attempt's bookkeeping (connection slot, host counters, per-try timer). */
  private endAttempt(): void {
    if (this.perTryTimer) {
      clearTimeout(this.perTryTimer);
      this.perTryTimer = undefined;
    }
    if (this.host) {
      this.host.activeRequests--;
      this.cluster!.release();
    }
    this.call = undefined;
    this.live = 0;
  }

  private abortAttempt(): void {
    this.admission?.cancel();
    this.admission = undefined;
    if (this.call) {
      const c = this.call;
      this.endAttempt();
      c.abort();
    }
    this.releaseRetrySlot();
  }

  private releaseRetrySlot(): void {
    if (this.holdingRetry) {
      this.holdingRetry = false;
      this.cluster!.retryDone();
    }
  }

  private onPerTryTimeout(): void {
    this.perTryTimer = undefined;
    if (this.finished || this.committed) return;
    const cluster = this.cluster!;
    cluster.stats.upstream_rq_per_try_timeout++;
    if (this.host) cluster.outcome(this.host, true);
    const c = this.call;
    this.endAttempt();
    c?.abort();
    this.lastFailure = REPLIES.timeout;
    const r = this.route!.retry;
    if (r && (r.on.fiveXx || r.on.gatewayError || r.on.reset) && this.retryAllowed()) this.scheduleRetry();
    else this.reply(REPLIES.timeout);
  }

  private retryAllowed(): boolean {
    const r = this.route!.retry;
    if (!r || this.retries >= r.numRetries || this.finished) return false;
    if (this.body?.overflowed) return false;
    this.releaseRetrySlot();
    if (!this.cluster!.tryRetry()) {
      this.flags = 'URX';
      return false;
    }
    this.holdingRetry = true;
    return true;
  }

  private scheduleRetry(): void {
    this.retries++;
    this.cluster!.stats.upstream_rq_retry++;
    const cap = Math.min(RETRY_BASE_MS * (2 ** this.retries - 1), RETRY_MAX_MS);
    setTimeout(() => this.attempt(), Math.random() * cap);
  }

  private shouldRetryResponse(r: CompiledRetry, status: number, headers: IncomingHttpHeaders): boolean {
    const on = r.on;
    if (status >= 500 && on.fiveXx) return true;
    if ((status === 502 || status === 503 || status === 504) && on.gatewayError) return true;
    if (status === 409 && on.retriable4xx) return true;
    if (on.retriableStatusCodes && r.codes.has(status)) return true;
    if (on.grpc.size && this.isGrpc) {
      const gs = headers['grpc-status'];
      if (gs !== undefined && on.grpc.has(Number(gs))) return true;
    }
    return false;
  }

  private onUpstreamHeaders(attemptNo: number, status: number, headers: IncomingHttpHeaders): void {
    if (attemptNo !== this.live || this.finished) return;
    const cluster = this.cluster!;
    cluster.stats.countStatus(status);
    cluster.stats.upstream_rq_completed++;
    if (status >= 500) this.host!.rqError++;
    cluster.outcome(this.host!, status >= 500);
    const r = this.route!.retry;
    if (r && this.shouldRetryResponse(r, status, headers) && this.retryAllowed()) {
      const c = this.call;
      this.endAttempt();
      // An HTTP/2 stream is reset; an HTTP/1.1 response is drained (and ignored) so its
      // keep-alive connection survives.
      if (cluster.http2) c?.abort();
      this.lastFailure = { status, body: '', flag: 'URX' };
      this.scheduleRetry();
      return;
    }
    if (r && this.retries > 0) cluster.stats.upstream_rq_retry_success++;
    this.releaseRetrySlot();
    if (this.perTryTimer) {
      clearTimeout(this.perTryTimer);
      this.perTryTimer = undefined;
    }
    this.commit(status, headers);
  }

  /** The upstream's response headers as they go downstream; a 101 keeps its upgrade headers. */
  private responseHeaders(headers: IncomingHttpHeaders, keepHopByHop: boolean): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const k in headers) {
      if (!keepHopByHop && RESPONSE_HOP_BY_HOP.has(k)) continue;
      const v = headers[k];
      if (v !== undefined) out[k] = v;
    }
    const remove = this.vhost?.responseHeadersToRemove;
    if (remove) for (const k of remove) delete out[k];
    this.responseStart = performance.now();
    out['x-envoy-upstream-service-time'] = String(Math.round(this.responseStart - this.attemptStart));
    out.server = 'envoy';
    this.resHeaders = out;
    return out;
  }

  private commit(status: number, headers: IncomingHttpHeaders): void {
    this.committed = true;
    this.status = status;
    const out = this.responseHeaders(headers, false);
    const cl = headers['content-length'];
    this.expectedLength = cl === undefined ? -1 : Number(cl);
    try {
      this.res.writeHead(status, out as never);
    } catch {
      this.resetDownstream();
    }
  }

  /**
   * 101 to an upgrade request: relayed, then the two connections are spliced. As in Envoy, the
   * route timeout and retries end here; the route's (or listener's) idle timeout closes a quiet
   * tunnel. The request counts as active (circuit breaker slot included) until both sides close,
   * and is logged then: duration = the connection's lifetime, bytes both ways.
   */
  private onUpstreamUpgrade(attemptNo: number, headers: IncomingHttpHeaders, upstream: Socket, rest: Buffer): void {
    const down = this.upgrade!;
    if (attemptNo !== this.live || this.finished || down.socket.destroyed) {
      upstream.destroy();
      return;
    }
    const cluster = this.cluster!;
    cluster.stats.countStatus(101);
    cluster.stats.upstream_rq_completed++;
    cluster.outcome(this.host!, false);
    if (this.route!.retry && this.retries > 0) cluster.stats.upstream_rq_retry_success++;
    this.releaseRetrySlot();
    this.clearTimers();
    this.committed = true;
    this.status = 101;
    switchProtocols(this.res as ServerResponse, down.socket, this.responseHeaders(headers, true));
    const stats = this.tel.stats;
    stats.downstream_cx_upgrades_total++;
    stats.downstream_cx_upgrades_active++;
    const idleMs = this.route!.idleTimeoutMs || this.env.hcm.streamIdleMs;
    tunnel(down.socket, down.head, upstream, rest, idleMs, (r) => {
      stats.downstream_cx_upgrades_active--;
      this.received = r.received;
      this.bytesSent = r.sent;
      if (r.idle) this.flags = this.flags ? `${this.flags},SI` : 'SI';
      this.endAttempt();
      this.finish();
    });
  }

  private onUpstreamData(attemptNo: number, chunk: Buffer): boolean {
    if (attemptNo !== this.live || this.finished) return true;
    this.touch();
    this.bytesSent += chunk.length;
    if (this.held) {
      (this.res as ServerResponse).write(this.held);
      this.held = undefined;
    }
    // The chunk that completes a declared body is sent with end(): head, body and end then
    // leave in one write instead of two (most responses are small and arrive in one chunk).
    if (this.bytesSent === this.expectedLength) {
      this.held = chunk;
      return true;
    }
    const ok = (this.res as ServerResponse).write(chunk);
    if (!ok) {
      const call = this.call;
      (this.res as ServerResponse).once('drain', () => call?.resume());
    }
    return ok;
  }

  private onUpstreamEnd(attemptNo: number, trailers: IncomingHttpHeaders | undefined): void {
    if (attemptNo !== this.live || this.finished) return;
    this.cluster!.stats.upstream_rq_time.record(performance.now() - this.attemptStart);
    this.endAttempt();
    if (trailers && this.res.addTrailers) {
      try {
        this.res.addTrailers(trailers as never);
      } catch {
        /* downstream cannot carry trailers (HTTP/1.1 with content-length) */
      }
    }
    const last = this.held;
    this.held = undefined;
    if (last) (this.res as ServerResponse).end(last);
    else this.res.end();
    this.finish();
  }

  private onUpstreamFailure(attemptNo: number, kind: FailureKind, _err: Error): void {
    if (attemptNo !== this.live || this.finished) return;
    const cluster = this.cluster!;
    const host = this.host!;
    this.endAttempt();
    if (kind === 'connect-failure') cluster.stats.upstream_cx_connect_fail++;
    else cluster.stats.upstream_cx_destroy_remote_with_active_rq++;
    host.rqError++;
    cluster.outcome(host, true);
    if (this.committed) {
      // Headers already went out: all we can do is cut the downstream stream too.
      this.resetDownstream();
      return;
    }
    this.lastFailure = kind === 'connect-failure' ? REPLIES.connectFailure : kind === 'refused-stream' ? REPLIES.refusedStream : REPLIES.reset;
    const r = this.route!.retry;
    const retriable = r !== undefined && (
      r.on.fiveXx || r.on.gatewayError || r.on.reset
      || (kind === 'connect-failure' && r.on.connectFailure)
      || (kind === 'refused-stream' && r.on.refusedStream));
    if (retriable && this.retryAllowed()) this.scheduleRetry();
    else this.reply(this.lastFailure);
  }

  // ---- downstream --------------------------------------------------------------------------

  private reply(r: LocalReply): void {
    if (this.finished) return;
    this.abortAttempt();
    this.status = r.status;
    if (r.flag) this.flags = this.flags ? `${this.flags},${r.flag}` : r.flag;
    const res = this.res as ServerResponse;
    if (res.headersSent) return this.resetDownstream();
    try {
      if (this.isGrpc && r.status !== 200) {
        // Trailers-only gRPC response (HEADERS with END_STREAM), like Envoy's local replies.
        const headers = {
          'content-type': 'application/grpc',
          'grpc-status': String(grpcStatusFor(r.status)),
          'grpc-message': encodeURIComponent(r.body || `upstream ${r.status}`),
          ...(r.headers ?? {}),
        };
        const stream = (this.res as Http2ServerResponse).stream;
        if (stream && !stream.headersSent) stream.respond({ ':status': 200, ...headers }, { endStream: true });
        else {
          res.writeHead(200, headers);
          res.end();
        }
      } else {
        const body = r.body;
        res.writeHead(r.status, {
          ...(body ? { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) } : { 'content-length': '0' }),
          ...(r.headers ?? {}),
          server: 'envoy',
        });
        this.bytesSent = body.length;
        res.end(body);
      }
    } catch {
      this.resetDownstream();
    }
    this.finish();
  }

  private resetDownstream(): void {
    const r = this.res as Http2ServerResponse & ServerResponse;
    if ((r as Http2ServerResponse).stream) (r as Http2ServerResponse).stream.close(0x2 /* INTERNAL_ERROR */);
    else r.socket?.destroy();
    this.finish();
  }

  private onDownstreamClose(): void {
    if (this.finished) return;
    if (!this.res.writableFinished) {
      this.flags = this.flags ? `${this.flags},DC` : 'DC';
      this.abortAttempt();
    }
    this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    this.releaseRetrySlot();
    if (this.call) this.abortAttempt();
    const ms = performance.now() - this.t0;
    const tel = this.tel;
    tel.stats.downstream_rq_active--;
    if (this.status) tel.stats.countStatus(this.status, ms);
    this.route?.stats?.complete(this.status, ms, this.retries, this.timedOut, this.routeTarget);
    if (tel.spans) this.exportSpan(tel, ms);
    const log = this.env.hcm.accessLog;
    if (log) {
      const reqHeaders = this.req.headers;
      const upHeaders = this.upstreamReq?.headers;
      const authority = this.view.authority;
      const resHeaders = this.resHeaders;
      log({
        startTime: this.start,
        method: this.view.method,
        path: this.view.path,
        protocol: this.env.protocol,
        status: this.status,
        flags: this.flags,
        bytesReceived: this.body?.bytes ?? this.received,
        bytesSent: this.bytesSent,
        durationMs: Math.round(ms),
        responseDurationMs: this.responseStart ? Math.round(this.responseStart - this.t0) : undefined,
        traceId: this.trace?.traceId,
        upstreamHost: this.host?.key,
        upstreamCluster: this.cluster?.name,
        routeName: this.route?.name,
        downstreamRemote: this.req.socket?.remoteAddress,
        downstreamRemotePort: this.req.socket?.remotePort,
        downstreamLocal: this.req.socket ? `${this.req.socket.localAddress}:${this.req.socket.localPort}` : undefined,
        // Headers as the proxy sent them on (x-request-id and trace headers included).
        reqHeader: (n) => {
          if (n === ':authority') return authority;
          const v = upHeaders?.[n] ?? reqHeaders[n];
          return Array.isArray(v) ? v.join(',') : v;
        },
        resHeader: (n) => (resHeaders?.[n] as string | undefined),
      });
    }
  }

  private exportSpan(tel: HcmTelemetry, ms: number): void {
    const trace = this.trace ?? continueTrace(this.req.headers);
    if (!trace.sampled) return;
    const path = this.view.pathOnly();
    tel.spans!.add({
      traceId: trace.traceId,
      spanId: trace.spanId,
      parentSpanId: trace.parentSpanId,
      name: `${this.view.authority}${path}`,
      kind: tel.client ? 3 : 2,
      startMs: this.start,
      durationMs: ms,
      error: this.status === 0 || this.status >= 500,
      attributes: {
        node_id: tel.nodeId,
        component: 'proxy',
        'guid:x-request-id': (this.upstreamReq?.headers['x-request-id'] ?? this.req.headers['x-request-id']) as string | undefined,
        'http.method': this.view.method,
        'http.url': `http://${this.view.authority}${this.view.path}`,
        'http.protocol': this.env.protocol,
        'http.status_code': this.status,
        'response_flags': this.flags || '-',
        'upstream_cluster': this.cluster?.name,
        'upstream_address': this.host?.key,
        'appmesh.route': this.route?.name,
        'appmesh.virtual_service': this.route?.virtualService,
        'peer.address': this.req.socket?.remoteAddress,
        'request_size': this.body?.bytes ?? this.received,
        'response_size': this.bytesSent,
        'retry.count': this.retries || undefined,
      },
    });
  }
}

export function handleHttpRequest(env: ExchangeEnv, req: DownstreamRequest, res: DownstreamResponse): void {
  new Exchange(env, req, res).run();
}

/** An HTTP/1.1 request with `Connection: upgrade`, on the connection the HTTP server handed over. */
export function handleUpgradeRequest(env: ExchangeEnv, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const allowed = env.hcm.upgrades.includes(upgradeType(req));
  new Exchange(env, req, detachedResponse(req, socket), { socket, head, allowed }).run();
}
