// TCP proxying: the ingress tcp_proxy filter (TCP listeners of a virtual node) and CONNECT
// tunnels on the egress listener (how local apps reach TCP virtual services without iptables).
// Connection failures move on to another host, as Envoy's tcp_proxy does (max_connect_attempts).

import * as net from 'net';
import { parseEnvoyDuration } from '../../envoy/translate/durations';
import type { ClusterRuntime } from '../cluster/cluster';
import type { Host } from '../cluster/host';
import type { AccessLogger } from '../http/access-log';
import { connectedEvent } from '../../tls/connector';

const CONNECT_ATTEMPTS = 3;

export function connectUpstream(cluster: ClusterRuntime): Promise<{ socket: net.Socket; host: Host }> {
  const tried = new Set<Host>();
  return new Promise((resolve, reject) => {
    const tryNext = (left: number) => {
      const host = cluster.pick(tried, 5);
      if (!host || (tried.has(host) && tried.size >= cluster.hosts.length && left < CONNECT_ATTEMPTS)) {
        reject(new Error(host ? 'connection failure' : 'no healthy upstream'));
        return;
      }
      tried.add(host);
      const timeoutMs = parseEnvoyDuration(cluster.config?.connect_timeout) ?? 5000;
      // Plain TCP, or TLS when the cluster has a transport socket (connected = handshake done).
      const socket = cluster.connect(host.address, host.port);
      const timer = setTimeout(() => socket.destroy(new Error('connect timeout')), timeoutMs);
      socket.once(connectedEvent(socket), () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        cluster.outcome(host, false);
        resolve({ socket, host });
      });
      socket.once('error', () => {
        clearTimeout(timer);
        cluster.stats.upstream_cx_connect_fail++;
        cluster.outcome(host, true);
        if (left > 1) tryNext(left - 1);
        else reject(new Error('connection failure'));
      });
    };
    tryNext(CONNECT_ATTEMPTS);
  });
}

/** What a splice carried (bytes each way) and whether the idle timeout ended it. */
export interface SpliceResult {
  aToB: number;
  bToA: number;
  idle: boolean;
}

/**
 * Pipes two sockets both ways with back-pressure. A FIN is passed on (half-close) and the other
 * direction keeps flowing until it ends too; an error or reset on either side, or no traffic
 * for `idleMs`, closes both. `done` runs once both are closed.
 */
export function splice(a: net.Socket, b: net.Socket, idleMs: number, done?: (r: SpliceResult) => void): void {
  // Each socket then stays writable after its peer's FIN (it ends when the other side does).
  a.allowHalfOpen = true;
  b.allowHalfOpen = true;
  const result: SpliceResult = { aToB: 0, bToA: 0, idle: false };
  if (done) {
    a.on('data', (c: Buffer) => (result.aToB += c.length));
    b.on('data', (c: Buffer) => (result.bToA += c.length));
  }
  a.pipe(b);
  b.pipe(a);
  const closeBoth = () => {
    a.destroy();
    b.destroy();
  };
  let open = 2;
  const closed = () => {
    closeBoth();
    if (--open === 0) done?.(result);
  };
  a.on('error', closeBoth);
  b.on('error', closeBoth);
  for (const s of [a, b]) {
    if (s.closed) process.nextTick(closed);
    else s.once('close', closed);
  }
  if (idleMs > 0) {
    const idle = () => {
      result.idle = true;
      closeBoth();
    };
    a.setTimeout(idleMs, idle);
    b.setTimeout(idleMs, idle);
  }
}

/** An accepted connection on a tcp_proxy chain; `log` gets one access log entry when it closes. */
export function proxyTcpConnection(downstream: net.Socket, cluster: ClusterRuntime | undefined, idleMs: number, log?: AccessLogger): void {
  downstream.pause();
  downstream.on('error', () => downstream.destroy());
  const outcome: TcpOutcome = {};
  if (log) logTcpConnection(downstream, cluster, outcome, log);
  if (!cluster) {
    downstream.destroy();
    return;
  }
  cluster.stats.upstream_rq_total++;
  connectUpstream(cluster).then(
    ({ socket, host }) => {
      outcome.upstreamHost = host.key;
      splice(downstream, socket, idleMs);
      downstream.resume();
    },
    (e: Error) => {
      outcome.flags = e.message === 'no healthy upstream' ? 'UH' : 'UF';
      downstream.destroy();
    },
  );
}

/** What became of a tcp_proxy connection, for its access log entry. */
interface TcpOutcome {
  upstreamHost?: string;
  flags?: string;
}

/** Envoy's tcp_proxy access log entry: no request fields, bytes both ways, the upstream host. */
function logTcpConnection(downstream: net.Socket, cluster: ClusterRuntime | undefined, s: TcpOutcome, log: AccessLogger): void {
  const start = Date.now();
  const remote = downstream.remoteAddress;
  const remotePort = downstream.remotePort;
  const local = `${downstream.localAddress}:${downstream.localPort}`;
  downstream.once('close', () => {
    log({
      startTime: start, method: '', path: '', protocol: '', status: 0, flags: s.flags ?? (cluster ? '' : 'NR'),
      bytesReceived: downstream.bytesRead, bytesSent: downstream.bytesWritten, durationMs: Date.now() - start,
      upstreamHost: s.upstreamHost, upstreamCluster: cluster?.name, downstreamRemote: remote, downstreamRemotePort: remotePort,
      downstreamLocal: local, reqHeader: () => undefined, resHeader: () => undefined,
    });
  });
}
