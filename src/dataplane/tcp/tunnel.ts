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

/** Pipes two sockets both ways; either side closing or idling past `idleMs` closes both. */
export function splice(a: net.Socket, b: net.Socket, idleMs: number): void {
  a.pipe(b);
  b.pipe(a);
  const closeBoth = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', closeBoth);
  b.on('error', closeBoth);
  a.on('close', closeBoth);
  b.on('close', closeBoth);
  if (idleMs > 0) {
    a.setTimeout(idleMs, closeBoth);
    b.setTimeout(idleMs, closeBoth);
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
