// A cluster at run time: its hosts (from the load assignment or EDS), round-robin over the
// healthy ones with Envoy's 50 % panic threshold, circuit breakers, outlier detection and active
// health checks. A ClusterRuntime outlives config updates with the same cluster name, so
// connection pools and health/ejection state survive a mesh change.

import type { Cluster, ClusterLoadAssignment, LbEndpoint } from '../../envoy/translate/envoy-types';
import { parseEnvoyDuration } from '../../envoy/translate/durations';
import { OPEN_CIRCUIT } from '../../envoy/translate/defaults';
import { plainConnector, type Connector } from '../../tls/connector';
import type { UpstreamTls } from '../../tls/upstream';
import { isLoopback } from '../../base/loopback';
import { ClusterStats } from '../telemetry/stats';
import { HealthChecker, type HealthRelay } from './health-check';
import { Host } from './host';
import { OutlierDetector } from './outlier';

/** Below this share of healthy hosts Envoy ignores health and balances over all hosts. */
const PANIC_THRESHOLD = 0.5;

export interface Admission {
  cancel(): void;
}

export class ClusterRuntime {
  readonly stats = new ClusterStats();
  hosts: Host[] = [];
  private usable: Host[] = [];
  private rr = 0;
  http2 = false;
  private connectTimeoutMs = 1000;
  private maxActive = OPEN_CIRCUIT;
  private maxPending = OPEN_CIRCUIT;
  private maxRetries = OPEN_CIRCUIT;
  private maxConnections: number | undefined;
  private unlimited = true;
  private active = 0;
  private readonly queue: Array<() => void> = [];
  private activeRetries = 0;
  private outlier?: OutlierDetector;
  private checker?: HealthChecker;
  private configKey = '';
  /** ORIGINAL_DST: hosts come from each request's authority. */
  passthrough = false;
  private readonly originalDst = new Map<string, Host>();
  config?: Cluster;
  /** The cluster's UpstreamTlsContext at run time (src/tls), if it has one. */
  tls?: UpstreamTls;

  /**
   * `health`: with `awsmesh proxy --concurrency N` one worker probes (as Envoy's main thread does)
   * and reports each host's change; the others take the relayed results and do not probe.
   * Outlier detection stays per process (it follows the traffic each one sees).
   */
  constructor(readonly name: string, private readonly health?: HealthRelay) {}

  /** Relayed results of the probing worker, by host key (kept for hosts that have not joined yet). */
  private readonly relayed = new Map<string, boolean>();

  /** A host's health as the probing worker found it (null: the host left the prober's cluster). */
  relayHealth(hostKey: string, healthy: boolean | null): void {
    if (healthy === null) {
      this.relayed.delete(hostKey);
      return;
    }
    this.relayed.set(hostKey, healthy);
    const h = this.hosts.find((x) => x.key === hostKey);
    if (h && this.hcKey !== 'null') {
      h.activeHealthy = healthy;
      this.refresh();
    }
  }

  private get probes(): boolean {
    return this.health === undefined || this.health.prober;
  }

  private readonly onHealthChange = (host: Host): void => {
    this.refresh();
    if (host.activeHealthy !== undefined) this.health?.report?.(this.name, host.key, host.activeHealthy);
  };

  /** A host joins a health-checked cluster: probed here, or pending until the prober's result is relayed. */
  private startChecking(h: Host): void {
    if (this.checker) this.checker.add(h);
    else if (this.hcKey !== 'null') h.activeHealthy = this.relayed.get(h.key);
  }

  /** A host leaves: no more probes, and the other workers forget the results relayed for it. */
  private stopChecking(h: Host): void {
    if (!this.checker) return;
    this.checker.remove(h);
    this.health?.report?.(this.name, h.key, null);
  }

  /** Opens a connection to one of the hosts: TLS when the cluster has a transport socket. */
  private readonly open: Connector = (host, port) =>
    this.tls ? this.tls.connect(host, port, this.http2 ? ['h2'] : ['http/1.1']) : plainConnector(host, port);

  /** A traffic connection (pools, tunnels), counted in upstream_cx_total / upstream_cx_active. */
  readonly connect: Connector = (host, port) => {
    const socket = this.open(host, port);
    this.stats.upstream_cx_total++;
    this.stats.upstream_cx_active++;
    socket.once('close', () => this.stats.upstream_cx_active--);
    return socket;
  };

  /**
   * Applies a (new version of the) cluster definition and, for EDS clusters, its assignment;
   * `tls` is the runtime of its transport socket (prepared by the proxy).
   */
  apply(cluster: Cluster, assignment: ClusterLoadAssignment | undefined, tls?: UpstreamTls): void {
    this.config = cluster;
    const http2 = cluster.typed_extension_protocol_options !== undefined
      && JSON.stringify(cluster.typed_extension_protocol_options).includes('http2_protocol_options');
    const connectTimeoutMs = parseEnvoyDuration(cluster.connect_timeout) ?? 5000;
    const t = cluster.circuit_breakers?.thresholds?.[0];
    const maxConnections = t?.max_connections ?? 1024;
    const maxRequests = t?.max_requests ?? 1024;
    this.maxActive = http2 ? maxRequests : Math.min(maxConnections, maxRequests);
    // HTTP/2 requests do not queue for a connection: past max_requests they overflow at once.
    this.maxPending = http2 && maxRequests < OPEN_CIRCUIT ? 0 : (t?.max_pending_requests ?? 1024);
    this.maxRetries = t?.max_retries ?? 3;
    this.unlimited = this.maxActive >= OPEN_CIRCUIT;
    const key = `${http2}|${connectTimeoutMs}|${http2 ? '' : maxConnections}|${tls?.settings.key ?? ''}`;
    this.tls = tls;
    if (key !== this.configKey && this.configKey) {
      // Protocol, pool or TLS settings changed: new connections from now on.
      // (Re-issued certificates are not a change here: new connections simply use them.)
      for (const h of this.hosts) {
        this.checker?.remove(h); // the new Host for the same endpoint is checked instead
        void h.close();
      }
      this.hosts = [];
    }
    this.configKey = key;
    this.http2 = http2;
    this.connectTimeoutMs = connectTimeoutMs;
    this.maxConnections = maxConnections < OPEN_CIRCUIT ? maxConnections : undefined;
    this.passthrough = cluster.type === 'ORIGINAL_DST';

    const odKey = JSON.stringify(cluster.outlier_detection ?? null);
    if (odKey !== this.outlierKey) {
      this.outlier?.stop();
      this.outlier = cluster.outlier_detection
        ? new OutlierDetector(cluster.outlier_detection, () => this.hosts, this.stats, () => this.refresh())
        : undefined;
      for (const h of this.hosts) if (h.ejected && !this.outlier) h.ejected = false;
      this.outlierKey = odKey;
    }
    const hcKey = JSON.stringify(cluster.health_checks?.[0] ?? null);
    if (hcKey !== this.hcKey) {
      this.checker?.stop();
      this.checker = cluster.health_checks?.[0] && this.probes
        ? new HealthChecker(cluster.health_checks[0], this.stats, this.onHealthChange, this.open)
        : undefined;
      this.hcKey = hcKey;
      for (const h of this.hosts) {
        h.activeHealthy = true;
        this.startChecking(h);
      }
    }
    const cla = cluster.load_assignment ?? assignment;
    if (!this.passthrough) this.setEndpoints(cla?.endpoints?.flatMap((l) => l.lb_endpoints ?? []) ?? []);
  }

  /** The outlier detection and health check settings in force, as JSON. */
  private outlierKey = 'null';
  private hcKey = 'null';

  private setEndpoints(eps: LbEndpoint[]): void {
    const byKey = new Map(this.hosts.map((h) => [h.key, h]));
    const next: Host[] = [];
    for (const e of eps) {
      const a = e.endpoint.address.socket_address;
      const key = `${a.address}:${a.port_value}`;
      let h = byKey.get(key);
      if (h) byKey.delete(key);
      else {
        h = new Host(a.address, a.port_value, this.http2, this.connectTimeoutMs, this.maxConnections, this.connect);
        this.startChecking(h);
      }
      h.edsHealthy = e.health_status !== 'UNHEALTHY';
      if (!next.includes(h)) next.push(h);
    }
    for (const gone of byKey.values()) {
      this.stopChecking(gone);
      this.outlier?.forget(gone);
      // Let in-flight requests finish on the old connection before closing it.
      setTimeout(() => void gone.close(), 30_000).unref();
    }
    this.hosts = next;
    this.refresh();
  }

  /** Recomputes the load-balancing set after any health change. */
  refresh(): void {
    this.usable = this.hosts.filter((h) => h.healthy);
    this.stats.membership_total = this.hosts.length;
    this.stats.membership_healthy = this.usable.length;
  }

  /**
   * Next host, round robin. `exclude` holds hosts already tried (previous_hosts predicate):
   * they are avoided while another choice exists.
   */
  pick(exclude?: Set<Host>, attempts = 1): Host | undefined {
    const all = this.hosts;
    if (all.length === 0) return undefined;
    const pool = this.usable.length >= all.length * PANIC_THRESHOLD && this.usable.length > 0 ? this.usable : all;
    let choice: Host | undefined;
    for (let i = 0; i < Math.max(1, attempts); i++) {
      choice = pool[this.rr++ % pool.length];
      if (!exclude || !exclude.has(choice)) return choice;
    }
    if (exclude) for (const h of pool) if (!exclude.has(h)) return h;
    return choice;
  }

  /** ORIGINAL_DST host for an authority; only loopback destinations are allowed. */
  originalDestination(authority: string): Host | undefined {
    const m = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(authority);
    if (!m || !isLoopback(m[1])) return undefined;
    const key = `${m[1]}:${m[2] ?? 80}`;
    let h = this.originalDst.get(key);
    if (!h) {
      h = new Host(m[1] === 'localhost' ? '127.0.0.1' : m[1], Number(m[2] ?? 80), false, this.connectTimeoutMs, undefined, this.connect);
      this.originalDst.set(key, h);
    }
    return h;
  }

  /** Records an attempt's outcome for outlier detection. */
  outcome(host: Host, serverError: boolean): void {
    this.outlier?.record(host, serverError);
  }

  /**
   * Circuit breaking: runs `start` now, or queues it as a pending request, or returns null on
   * overflow (the caller answers 503 with x-envoy-overloaded).
   */
  admit(start: () => void): Admission | null {
    if (this.unlimited) {
      this.stats.upstream_rq_active++;
      start();
      return NO_ADMISSION;
    }
    if (this.active < this.maxActive) {
      this.active++;
      this.stats.upstream_rq_active++;
      start();
      return NO_ADMISSION;
    }
    if (this.queue.length < this.maxPending) {
      const run = () => {
        this.stats.upstream_rq_pending_active--;
        this.stats.upstream_rq_active++;
        start();
      };
      this.queue.push(run);
      this.stats.upstream_rq_pending_active++;
      return {
        cancel: () => {
          const i = this.queue.indexOf(run);
          if (i >= 0) {
            this.queue.splice(i, 1);
            this.stats.upstream_rq_pending_active--;
          }
        },
      };
    }
    this.stats.upstream_rq_pending_overflow++;
    return null;
  }

  /** The admitted request finished: hand its slot to the next pending one. */
  release(): void {
    this.stats.upstream_rq_active--;
    if (this.unlimited) return;
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }

  tryRetry(): boolean {
    if (this.activeRetries >= this.maxRetries) {
      this.stats.upstream_rq_retry_overflow++;
      return false;
    }
    this.activeRetries++;
    return true;
  }

  retryDone(): void {
    this.activeRetries--;
  }

  async close(): Promise<void> {
    this.outlier?.stop();
    for (const h of this.hosts) this.stopChecking(h);
    this.checker?.stop();
    await Promise.all([...this.hosts, ...this.originalDst.values()].map((h) => h.close()));
    this.hosts = [];
    this.refresh();
  }
}

const NO_ADMISSION: Admission = { cancel() {} };
