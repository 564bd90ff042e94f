// Active health checking, run by the calling proxy against each endpoint of a cluster (App Mesh
// puts the target's healthCheck on its callers' egress clusters, roadmap #105). Only HTTP 200
// counts as healthy (roadmap #396); gRPC uses grpc.health.v1.Health/Check; TCP only connects.
// A new host is unhealthy until its first check passes (checked at once), then it takes
// unhealthy_threshold failures to go down and healthy_threshold successes to come back.

import * as http from 'http';
import * as http2 from 'http2';
import type { HealthCheck } from '../../envoy/translate/envoy-types';
import { parseEnvoyDuration } from '../../envoy/translate/durations';
import type { ClusterStats } from '../telemetry/stats';
import { connectedEvent, plainConnector, type Connector } from '../../tls/connector';
import type { Host } from './host';

type Probe = (host: Host, timeoutMs: number) => Promise<boolean>;

function httpProbe(path: string, agent: http.Agent, connect: Connector): Probe {
  // Probes use the cluster's transport (TLS when it has one), as Envoy's health checker does.
  agent.createConnection = ((opts: { host: string; port: number }) => connect(opts.host, opts.port)) as typeof agent.createConnection;
  return (host, timeoutMs) =>
    new Promise((resolve) => {
      const req = http.request(
        { host: host.address, port: host.port, path, method: 'GET', agent, timeout: timeoutMs, headers: { 'user-agent': 'Envoy/HC' } },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve(false));
      req.end();
    });
}

function h2Probe(path: string, grpc: boolean, connect: Connector): Probe {
  return (host, timeoutMs) =>
    new Promise((resolve) => {
      let settled = false;
      const finish = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        session.destroy();
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      const session = http2.connect(`http://${host.address}:${host.port}`, { createConnection: () => connect(host.address, host.port) });
      session.on('error', () => finish(false));
      const headers: http2.OutgoingHttpHeaders = grpc
        ? { ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers' }
        : { ':method': 'GET', ':path': path };
      const stream = session.request(headers, { endStream: !grpc });
      let status = 0;
      let grpcStatus: string | undefined;
      const body: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[':status']);
        grpcStatus = h['grpc-status'] as string | undefined;
      });
      stream.on('trailers', (t) => {
        grpcStatus = (t['grpc-status'] as string | undefined) ?? grpcStatus;
      });
      stream.on('data', (c: Buffer) => body.push(c));
      stream.on('end', () => {
        if (!grpc) return finish(status === 200);
        // HealthCheckResponse{status: SERVING(1)} is field 1, varint 1: 08 01 after the 5-byte frame header.
        const msg = Buffer.concat(body);
        finish(status === 200 && grpcStatus === '0' && msg.length >= 7 && msg[5] === 0x08 && msg[6] === 0x01);
      });
      stream.on('error', () => finish(false));
      if (grpc) stream.end(Buffer.from([0, 0, 0, 0, 0]));
    });
}

function tcpProbe(connect: Connector): Probe {
  return (host, timeoutMs) =>
    new Promise((resolve) => {
      const s = connect(host.address, host.port);
      s.setTimeout(timeoutMs, () => s.destroy(new Error('timeout')));
      s.on(connectedEvent(s), () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
}

/** How a worker of `awsmesh proxy --concurrency N` shares active health checking (workers/). */
export interface HealthRelay {
  /** This process probes and tells each host's change; the others take the relayed results. */
  prober: boolean;
  /** A host's new state; null: it left the cluster (the others forget what was relayed for it). */
  report?(cluster: string, hostKey: string, healthy: boolean | null): void;
}

export class HealthChecker {
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly healthyThreshold: number;
  private readonly unhealthyThreshold: number;
  private readonly probe: Probe;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly timers = new Map<Host, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    cfg: HealthCheck,
    private readonly stats: ClusterStats,
    private readonly onChange: (host: Host) => void,
    connect: Connector = plainConnector,
  ) {
    this.intervalMs = parseEnvoyDuration(cfg.interval) ?? 5_000;
    this.timeoutMs = parseEnvoyDuration(cfg.timeout) ?? 2_000;
    this.healthyThreshold = cfg.healthy_threshold ?? 1;
    this.unhealthyThreshold = cfg.unhealthy_threshold ?? 1;
    if (cfg.tcp_health_check) this.probe = tcpProbe(connect);
    else if (cfg.grpc_health_check) this.probe = h2Probe('', true, connect);
    else if (cfg.http_health_check?.codec_client_type === 'HTTP2') this.probe = h2Probe(cfg.http_health_check.path, false, connect);
    else this.probe = httpProbe(cfg.http_health_check?.path ?? '/', this.agent, connect);
  }

  /** Starts checking a host that just joined (unhealthy until it passes once). */
  add(host: Host): void {
    if (this.timers.has(host) || this.stopped) return;
    host.activeHealthy = undefined;
    this.schedule(host, 0);
  }

  remove(host: Host): void {
    const t = this.timers.get(host);
    if (t) clearTimeout(t);
    this.timers.delete(host);
  }

  private schedule(host: Host, delay: number): void {
    const t = setTimeout(() => void this.check(host), delay);
    t.unref();
    this.timers.set(host, t);
  }

  private async check(host: Host): Promise<void> {
    if (this.stopped || !this.timers.has(host)) return;
    this.stats['health_check.attempt']++;
    const ok = await this.probe(host, this.timeoutMs);
    if (this.stopped || !this.timers.has(host)) return;
    const before = host.activeHealthy;
    if (ok) {
      this.stats['health_check.success']++;
      host.hcFailures = 0;
      host.hcSuccesses++;
      if (before === undefined || (before === false && host.hcSuccesses >= this.healthyThreshold)) host.activeHealthy = true;
    } else {
      this.stats['health_check.failure']++;
      host.hcSuccesses = 0;
      host.hcFailures++;
      if (before === undefined || (before === true && host.hcFailures >= this.unhealthyThreshold)) host.activeHealthy = false;
    }
    if (host.activeHealthy !== before) this.onChange(host);
    this.schedule(host, this.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.agent.destroy();
  }
}
