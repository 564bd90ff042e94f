// One downstream request through the proxy, with Envoy's router semantics: route lookup,
// weighted cluster choice, circuit breaking, retries (retry_on, num_retries, per_try_timeout,
// previous_hosts, jittered back-off), the route timeout, the stream idle timeout, outlier
// detection feedback, and Envoy-style local replies. An HTTP/1.1 Upgrade (WebSocket) request
// is one too, until a 101 turns it into a tunnel (upgrade.ts). Around this state machine:
// downstream.ts reads the request, forwarding.ts builds the upstream request and the response
// headers, retry-policy.ts decides what is retried and when, local-reply.ts holds the answers the
// proxy gives itself, exchange-report.ts the access log entry and the span.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'http';
import type { Http2ServerResponse } from 'http2';
import type { Socket } from 'net';
import type { ClusterRuntime, Admission } from '../cluster/cluster';
import type { Host } from '../cluster/host';
import type { FailureKind, UpstreamCall, UpstreamHandler, UpstreamRequest } from '../cluster/upstream-call';
import type { CompiledRoute, CompiledVirtualHost } from '../config/route-table';
import { pickTarget } from '../config/route-table';
import { normalizePath, RequestView } from '../config/request-view';
import type { ChainState, HcmRuntime, HcmTelemetry } from '../config/runtime';
import { HttpStats, type ListenerStats, type RouteTargetStats } from '../telemetry/stats';
import { continueTrace, type TraceContext } from '../telemetry/trace-context';
import { ReplayableBody } from './body';
import { deadlineQueue, type DeadlineOwner, type DeadlineQueue } from './deadlines';
import { closeAfterResponse, declaredLength, hasRequestBody, requestBody, requestTarget, type DownstreamRequest, type DownstreamResponse } from './downstream';
import { accessLogEntry, exportSpan, type ExchangeRecord } from './exchange-report';
import { buildUpstreamRequest, forwardedResponseHeaders } from './forwarding';
import { REPLIES, localReplyHeaders, sendGrpcLocalReply, type LocalReply } from './local-reply';
import { retriesFailure, retriesPerTryTimeout, retriesResponse, retryBackoffMs, type RandomSource } from './retry-policy';
import { detachedResponse, switchProtocols, tunnel, upgradeType, type UpgradeDownstream } from './upgrade';

/**
 * Largest request body accepted at all (security limit): a larger declared content-length gets
 * 413 at once; a body that grows past it gets 413 if the response has not started (else a reset).
 * Either way the connection (HTTP/2: the stream) ends after the answer, its body unread.
 */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

export interface ExchangeEnv {
  state: ChainState;
  hcm: HcmRuntime;
  stats: ListenerStats;
  protocol: 'HTTP/1.1' | 'HTTP/2';
  /** The retry back-off's jitter (Math.random unless a test makes it deterministic). */
  random?: RandomSource;
}

/** Forwarded response headers of a frozen upstream head, with the virtual host's removal list they were made for. */
const forwardedOf = new WeakMap<IncomingHttpHeaders, { remove: readonly string[] | undefined; base: Readonly<Record<string, string | string[]>> }>();

/**
 * Epoch ms of a performance.now() reading: Date.now() is read at most once a second to re-anchor
 * (one clock read per request instead of two; the monotonic clock cannot drift from the wall
 * clock by more than a second's worth of NTP slew before the next re-anchor).
 */
let anchor = 0;
let anchoredAt = -Infinity;
function epochMs(t: number): number {
  if (t - anchoredAt >= 1000 || t < anchoredAt) {
    anchoredAt = performance.now();
    anchor = Date.now() - anchoredAt;
  }
  return Math.round(anchor + t);
}

/** Where requests of a connection manager that was never attached to a proxy report. */
const DETACHED: HcmTelemetry = { stats: new HttpStats(), client: false };

// The fields exchange-report.ts reads (ExchangeRecord) are public; nothing outside this module
// holds an Exchange.
class Exchange implements ExchangeRecord, DeadlineOwner {
  // ---- the request, as it arrived
  /** High-resolution start, for durations (histograms, spans). */
  readonly t0 = performance.now();
  /** Wall-clock start (epoch ms), for logs and spans. */
  readonly start = epochMs(this.t0);
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';
  readonly view: RequestView;
  private readonly isGrpc: boolean;
  private readonly tel: HcmTelemetry;
  trace?: TraceContext;
  body?: ReplayableBody;
  /** Bytes an upgraded connection carried from the downstream (a body's are in `body`). */
  received = 0;

  // ---- routing
  private vhost?: CompiledVirtualHost;
  route?: CompiledRoute;
  private routeTarget?: RouteTargetStats;
  cluster?: ClusterRuntime;
  upstreamReq?: UpstreamRequest;

  // ---- attempts
  private admission?: Admission | null;
  host?: Host;
  private call?: UpstreamCall;
  /** Hosts tried so far, kept only for a retry policy that avoids previous hosts. */
  private tried?: Set<Host>;
  private attempts = 0;
  /** Number of the attempt whose upstream callbacks still count (0: none). */
  private live = 0;
  retries = 0;
  private holdingRetry = false;
  private attemptStart = 0;
  private lastFailure: LocalReply = REPLIES.noHealthyUpstream;
  private timedOut = false;
  /** The route timeout: due time in its queue (0: not armed, fired or cancelled). */
  deadlineAt = 0;
  private deadlines?: DeadlineQueue;
  private perTryTimer?: NodeJS.Timeout;
  private idleTimer?: NodeJS.Timeout;

  // ---- the response
  private committed = false;
  private finished = false;
  status = 0;
  flags = '';
  bytesSent = 0;
  responseStart = 0;
  /** The response headers sent: forwarded ones (shared while the upstream repeats its head) and this response's own. */
  private resBase?: Readonly<Record<string, string | string[]>>;
  private resOwn?: Record<string, string>;
  private resMerged?: IncomingHttpHeaders;
  /** Declared response length (content-length), and a final chunk held back to go out with end(). */
  private expectedLength = -1;
  private held?: Buffer;

  constructor(
    private readonly env: ExchangeEnv,
    readonly req: DownstreamRequest,
    private readonly res: DownstreamResponse,
    /** Set for an HTTP/1.1 upgrade request (WebSocket). */
    private readonly upgrade?: UpgradeDownstream,
  ) {
    this.protocol = env.protocol;
    const t = requestTarget(req, env.protocol === 'HTTP/2');
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
    this.trace = continueTrace(this.req.headers, this.start);
    this.upstreamReq = buildUpstreamRequest(this.req.headers, this.view, route, this.upgrade !== undefined, this.trace);
    // Whatever follows an upgrade request's head belongs to the new protocol (sent after the 101).
    if (!this.upgrade && hasRequestBody(this.req, this.protocol === 'HTTP/2')) {
      if (declaredLength(this.req) > MAX_REQUEST_BYTES) return this.replyTooLarge();
      this.body = new ReplayableBody(requestBody(this.req), MAX_REQUEST_BYTES, () => this.onBodyTooLarge());
      this.body.onEnd(() => this.armTimeout());
    } else {
      this.armTimeout();
    }
    this.armIdle();
    this.attempt();
  }

  // ---- timers ------------------------------------------------------------------------------

  private armTimeout(): void {
    const ms = this.route!.timeoutMs;
    if (ms > 0 && !this.finished && !this.deadlines) {
      this.deadlines = deadlineQueue(ms);
      this.deadlines.add(this);
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
    this.deadlines?.cancel(this);
    if (this.perTryTimer) clearTimeout(this.perTryTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.perTryTimer = this.idleTimer = undefined;
  }

  /** The route timeout passed (DeadlineQueue). */
  onDeadline(): void {
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
    if (this.route!.retry?.previousHosts) (this.tried ??= new Set()).add(host);
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
    const handler = this.upgrade ? new UpgradeAttempt(this, attemptNo) : new Attempt(this, attemptNo);
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
    if (r && retriesPerTryTimeout(r) && this.retryAllowed()) this.scheduleRetry();
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
    setTimeout(() => this.attempt(), retryBackoffMs(this.retries, this.env.random));
  }

  /** @internal (Attempt) */
  onUpstreamHeaders(attemptNo: number, status: number, headers: IncomingHttpHeaders): void {
    if (attemptNo !== this.live || this.finished) return;
    const cluster = this.cluster!;
    cluster.stats.countStatus(status);
    cluster.stats.upstream_rq_completed++;
    if (status >= 500) this.host!.rqError++;
    cluster.outcome(this.host!, status >= 500);
    const r = this.route!.retry;
    if (r && retriesResponse(r, status, headers, this.isGrpc) && this.retryAllowed()) {
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

  /** The response headers sent (for access logs). */
  get resHeaders(): IncomingHttpHeaders | undefined {
    if (!this.resBase) return undefined;
    return (this.resMerged ??= { ...this.resBase, ...this.resOwn });
  }

  /**
   * The upstream's response headers as they go downstream, in two parts: those forwarded, and
   * Envoy's own (x-envoy-upstream-service-time, server), which replace any the upstream sent. A
   * 101 keeps its upgrade headers.
   */
  private responseHeaders(headers: IncomingHttpHeaders, keepHopByHop: boolean): void {
    const remove = this.vhost?.responseHeadersToRemove;
    let base: Readonly<Record<string, string | string[]>>;
    const known = keepHopByHop ? undefined : forwardedOf.get(headers);
    if (known && known.remove === remove) base = known.base;
    else {
      const out = forwardedResponseHeaders(headers, keepHopByHop, remove);
      delete out['x-envoy-upstream-service-time'];
      delete out.server;
      base = out;
      // A frozen head comes back while the upstream repeats it byte for byte (http1-client.ts).
      if (!keepHopByHop && Object.isFrozen(headers)) forwardedOf.set(headers, { remove, base: Object.freeze(out) });
    }
    this.responseStart = performance.now();
    this.resBase = base;
    this.resOwn = { 'x-envoy-upstream-service-time': String(Math.round(this.responseStart - this.attemptStart)), server: 'envoy' };
  }

  private commit(status: number, headers: IncomingHttpHeaders): void {
    this.committed = true;
    this.status = status;
    this.responseHeaders(headers, false);
    const cl = headers['content-length'];
    this.expectedLength = cl === undefined ? -1 : Number(cl);
    try {
      const res = this.res;
      if (res.writeHeadWith) res.writeHeadWith(status, this.resBase!, this.resOwn!);
      else res.writeHead(status, this.resHeaders as never);
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
  /** @internal (Attempt) */
  onUpstreamUpgrade(attemptNo: number, headers: IncomingHttpHeaders, upstream: Socket, rest: Buffer): void {
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
    this.responseHeaders(headers, true);
    switchProtocols(this.res as ServerResponse, down.socket, this.resHeaders as Record<string, string | string[]>);
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

  /** @internal (Attempt) */
  onUpstreamData(attemptNo: number, chunk: Buffer): boolean {
    if (attemptNo !== this.live || this.finished) return true;
    this.touch();
    this.bytesSent += chunk.length;
    if (this.held) {
      this.res.write(this.held);
      this.held = undefined;
    }
    // The chunk that completes a declared body is sent with end(): head, body and end then
    // leave in one write instead of two (most responses are small and arrive in one chunk).
    if (this.bytesSent === this.expectedLength) {
      this.held = chunk;
      return true;
    }
    const ok = this.res.write(chunk);
    if (!ok) {
      const call = this.call;
      this.res.once('drain', () => call?.resume());
    }
    return ok;
  }

  /** @internal (Attempt) */
  onUpstreamEnd(attemptNo: number, trailers: IncomingHttpHeaders | undefined): void {
    if (attemptNo !== this.live || this.finished) return;
    const now = performance.now();
    this.cluster!.stats.upstream_rq_time.record(now - this.attemptStart);
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
    if (last) this.res.end(last);
    else this.res.end();
    this.finish(now);
  }

  /** @internal (Attempt) */
  onUpstreamFailure(attemptNo: number, kind: FailureKind, _err: Error): void {
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
    if (r !== undefined && retriesFailure(r, kind) && this.retryAllowed()) this.scheduleRetry();
    else this.reply(this.lastFailure);
  }

  // ---- downstream --------------------------------------------------------------------------

  private reply(r: LocalReply): void {
    if (this.finished) return;
    this.abortAttempt();
    this.status = r.status;
    if (r.flag) this.flags = this.flags ? `${this.flags},${r.flag}` : r.flag;
    const res = this.res;
    if (res.headersSent) return this.resetDownstream();
    try {
      if (this.isGrpc && r.status !== 200) sendGrpcLocalReply(this.res, r);
      else {
        res.writeHead(r.status, localReplyHeaders(r));
        this.bytesSent = r.body.length;
        res.end(r.body);
      }
    } catch {
      this.resetDownstream();
    }
    this.finish();
  }

  /** The request body went past MAX_REQUEST_BYTES while it streamed upstream. */
  private onBodyTooLarge(): void {
    if (this.finished) return;
    if (this.committed) this.resetDownstream();
    else this.replyTooLarge();
  }

  /**
   * Envoy's 413. The rest of the body is not read, so nothing more can follow on this connection:
   * HTTP/1.1 closes it after the answer; HTTP/2 resets the stream (RST_STREAM NO_ERROR, RFC 9113
   * §8.1) after the answer and the connection lives on.
   */
  private replyTooLarge(): void {
    closeAfterResponse(this.res);
    this.reply(REPLIES.tooLarge);
    const stream = (this.res as Partial<Pick<Http2ServerResponse, 'stream'>>).stream;
    if (stream && !stream.destroyed) stream.close(0x0 /* NO_ERROR */);
  }

  private resetDownstream(): void {
    const r = this.res as DownstreamResponse & Partial<Pick<Http2ServerResponse, 'stream'>> & { socket?: Socket | null };
    if (r.stream) r.stream.close(0x2 /* INTERNAL_ERROR */);
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

  /** `now`: performance.now(), when the caller has just read it. */
  private finish(now = performance.now()): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTimers();
    this.releaseRetrySlot();
    if (this.call) this.abortAttempt();
    const ms = now - this.t0;
    const tel = this.tel;
    tel.stats.downstream_rq_active--;
    if (this.status) tel.stats.countStatus(this.status, ms);
    this.route?.stats?.complete(this.status, ms, this.retries, this.timedOut, this.routeTarget);
    if (tel.spans) exportSpan(this, tel, ms);
    const log = this.env.hcm.accessLog;
    if (log) log(accessLogEntry(this, ms));
  }
}

/** One attempt's upstream callbacks (a class: no closures allocated per attempt); callbacks of an attempt no longer live are ignored by the Exchange. */
class Attempt implements UpstreamHandler {
  constructor(protected readonly x: Exchange, protected readonly n: number) {}
  onHeaders(status: number, headers: IncomingHttpHeaders): void {
    this.x.onUpstreamHeaders(this.n, status, headers);
  }
  onData(chunk: Buffer): boolean {
    return this.x.onUpstreamData(this.n, chunk);
  }
  onEnd(trailers: IncomingHttpHeaders | undefined): void {
    this.x.onUpstreamEnd(this.n, trailers);
  }
  onFailure(kind: FailureKind, err: Error): void {
    this.x.onUpstreamFailure(this.n, kind, err);
  }
}

/** An upgrade request's attempt: a 101 hands over the upstream connection. */
class UpgradeAttempt extends Attempt {
  onUpgrade(headers: IncomingHttpHeaders, socket: Socket, rest: Buffer): void {
    this.x.onUpstreamUpgrade(this.n, headers, socket, rest);
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
