// One upstream endpoint of a cluster: its address, its connection pool, and the health state
// the load balancer reads (EDS health status, active health checks, outlier ejection).

import type { Connector } from '../../tls/connector';
import { Http1Upstream, Http2Upstream } from './upstream';
import type { Upstream } from './upstream-call';

export class Host {
  /** Health as EDS reported it (Cloud Map UNHEALTHY, …). */
  edsHealthy = true;
  /** Active health checking: undefined until the first check when a checker is configured. */
  activeHealthy: boolean | undefined = true;
  /** Outlier detection. */
  ejected = false;
  ejectedAt = 0;
  ejectionCount = 0;
  consecutive5xx = 0;
  hcSuccesses = 0;
  hcFailures = 0;
  activeRequests = 0;
  rqTotal = 0;
  rqError = 0;
  private upstream?: Upstream;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly http2: boolean,
    private readonly connectTimeoutMs: number,
    private readonly maxConnections: number | undefined,
    /** How connections are opened (plain TCP or the cluster's TLS). */
    private readonly connect?: Connector,
  ) {}

  get key(): string {
    return `${this.address}:${this.port}`;
  }

  /** Usable for new requests: passes EDS and active health and is not ejected. */
  get healthy(): boolean {
    return this.edsHealthy && this.activeHealthy !== false && !this.ejected;
  }

  /** Open connections to this host. */
  get activeConnections(): number {
    return this.upstream?.activeConnections?.() ?? 0;
  }

  connection(): Upstream {
    this.upstream ??= this.http2
      ? new Http2Upstream(this.address, this.port, this.connectTimeoutMs, this.connect)
      : new Http1Upstream(this.address, this.port, { connectTimeoutMs: this.connectTimeoutMs, maxConnections: this.maxConnections, connect: this.connect });
    return this.upstream;
  }

  async close(): Promise<void> {
    const u = this.upstream;
    this.upstream = undefined;
    await u?.close();
  }
}
