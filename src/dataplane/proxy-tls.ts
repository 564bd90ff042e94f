// The TLS side of one proxy: the secret store (files and the local CA, watched), a TLS context
// per listening socket and per cluster that uses one, their counters, and what /certs shows.
// Contexts follow configuration updates transactionally: prepare the new set while applying,
// then commit (close what is no longer used) or roll back (close what was prepared).

import type { TypedExtension } from '../envoy/translate/envoy-types';
import type { StatGroup } from './telemetry/stats';
import { CaStore } from '../tls/ca/store';
import { certificateDetails, type CertificateDetails } from '../tls/cert-info';
import { DownstreamTls, type ListenerTlsCounters } from '../tls/downstream';
import { downstreamSettings, upstreamSettings } from '../tls/envoy-tls';
import type { TlsMaterial } from '../tls/material';
import { SecretStore } from '../tls/secrets';
import { SslStats } from '../tls/ssl-stats';
import { UpstreamTls } from '../tls/upstream';
import type * as net from 'net';

/** $AWSMESH_HOME/ca of this process's environment. */
export function defaultCaDir(env: NodeJS.ProcessEnv = process.env): string {
  return CaStore.forEnv(env).dir;
}

export interface ListenerTlsPlan {
  /** The socket slot (stable across updates). */
  key: string;
  /** Listener name, for logs. */
  listener: string;
  /** `<address>_<port>`, as the listener's other stats are named. */
  statName: string;
  transportSocket: TypedExtension;
  permissive: boolean;
}

export class ProxyTls {
  readonly secrets: SecretStore;
  private readonly listenerCounters = new Map<string, ListenerTlsCounters>();
  private readonly clusterStats = new Map<string, SslStats>();
  private downstream = new Map<string, DownstreamTls>();
  private upstream = new Map<string, UpstreamTls>();
  private nextDown = new Map<string, DownstreamTls>();
  private nextUp = new Map<string, UpstreamTls>();
  private created: TlsMaterial[] = [];

  constructor(caDir: string, private readonly log: (line: string) => void) {
    this.secrets = new SecretStore(new CaStore(caDir), log);
  }

  /** The TLS context of a socket in the configuration being applied; throws if it cannot work. */
  listener(plan: ListenerTlsPlan, serve: (socket: net.Socket) => void): DownstreamTls {
    const settings = downstreamSettings(plan.transportSocket);
    const current = this.downstream.get(plan.key) ?? this.nextDown.get(plan.key);
    if (current && current.settings.key === settings.key && current.permissive === plan.permissive) {
      this.nextDown.set(plan.key, current);
      return current;
    }
    let counters = this.listenerCounters.get(plan.statName);
    if (!counters) {
      counters = { ssl: new SslStats(), noFilterChainMatch: 0 };
      this.listenerCounters.set(plan.statName, counters);
    }
    const d = new DownstreamTls(settings, plan.permissive, this.secrets, counters, serve, this.log, `listener ${plan.listener}`);
    d.start();
    this.created.push(d);
    this.nextDown.set(plan.key, d);
    return d;
  }

  /** The TLS context of a cluster in the configuration being applied (none without a transport socket). */
  cluster(name: string, transportSocket: TypedExtension | undefined): UpstreamTls | undefined {
    if (!transportSocket) return undefined;
    const settings = upstreamSettings(transportSocket);
    const current = this.upstream.get(name) ?? this.nextUp.get(name);
    if (current && current.settings.key === settings.key) {
      this.nextUp.set(name, current);
      return current;
    }
    let stats = this.clusterStats.get(name);
    if (!stats) {
      stats = new SslStats();
      this.clusterStats.set(name, stats);
    }
    const u = new UpstreamTls(settings, this.secrets, stats, this.log, `cluster ${name}`);
    u.start();
    this.created.push(u);
    this.nextUp.set(name, u);
    return u;
  }

  /** The prepared set is running: stop watching for contexts that are gone. */
  commit(): void {
    for (const [k, d] of this.downstream) if (this.nextDown.get(k) !== d) d.close();
    for (const [k, u] of this.upstream) if (this.nextUp.get(k) !== u) u.close();
    this.downstream = this.nextDown;
    this.upstream = this.nextUp;
    this.nextDown = new Map();
    this.nextUp = new Map();
    this.created = [];
  }

  /** The configuration was rejected: drop what was prepared for it. */
  rollback(): void {
    for (const c of this.created) c.close();
    this.created = [];
    this.nextDown = new Map();
    this.nextUp = new Map();
  }

  /** `listener.<addr>_<port>.ssl.*`, `listener.<addr>_<port>.no_filter_chain_match`, `cluster.<name>.ssl.*`. */
  statsGroups(): StatGroup[] {
    const groups: StatGroup[] = [];
    for (const [name, c] of this.listenerCounters) {
      groups.push([`listener.${name}.ssl`, c.ssl, { family: 'listener_ssl', labels: { envoy_listener_address: name } }]);
      groups.push([`listener.${name}`, { no_filter_chain_match: c.noFilterChainMatch }, { family: 'listener', labels: { envoy_listener_address: name } }]);
    }
    for (const [name, s] of this.clusterStats) {
      groups.push([`cluster.${name}.ssl`, s, { family: 'cluster_ssl', labels: { envoy_cluster_name: name } }]);
    }
    return groups;
  }

  /** Envoy's /certs: one entry per loaded context (its CA bundle and its certificate chain). */
  certs(now = Date.now()): { certificates: Array<{ ca_cert: CertificateDetails[]; cert_chain: CertificateDetails[] }> } {
    const seen = new Set<TlsMaterial>();
    const out: Array<{ ca_cert: CertificateDetails[]; cert_chain: CertificateDetails[] }> = [];
    for (const ctx of [...this.downstream.values(), ...this.upstream.values()]) {
      if (seen.has(ctx) || !ctx.material) continue;
      seen.add(ctx);
      const m = ctx.material;
      const ca = m.trust ? certificateDetails(m.trust.pem, m.trust.path, now) : undefined;
      const chain = m.cert ? certificateDetails(m.cert.chainPem, m.cert.path, now) : undefined;
      if (ca || chain) out.push({ ca_cert: ca ? [ca] : [], cert_chain: chain ? [chain] : [] });
    }
    return { certificates: out };
  }

  close(): void {
    for (const c of [...this.downstream.values(), ...this.upstream.values(), ...this.created]) c.close();
    this.secrets.close();
  }
}
