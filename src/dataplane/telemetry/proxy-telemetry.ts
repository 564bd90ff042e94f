// A proxy's telemetry state beyond its clusters and listeners: HTTP connection manager stats per
// stat_prefix, route stats per (virtual host, route), the span exporter, and the App Mesh
// identity used for stat tags and trace resources. Stats objects outlive configuration updates
// (same name → same counters); attach() hands the current ones to each new compiled
// configuration, so the request path never looks anything up by name.

import type { ClusterRuntime } from '../cluster/cluster';
import type { Generation, HcmRuntime } from '../config/runtime';
import type { SpanSink } from './otlp';
import { HttpStats, RouteStats, type StatGroup, type StatTags } from './stats';

export interface ProxyIdentity {
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
}

/**
 * A cluster's Prometheus labels: its name and, for egress clusters, the target virtual node App
 * Mesh records in the cluster's aws.appmesh.aggregate_stats metadata.
 */
export function clusterStatTags(c: ClusterRuntime): StatTags {
  const labels: Record<string, string> = { envoy_cluster_name: c.name };
  const raw = c.config?.metadata?.filter_metadata?.['aws.appmesh.aggregate_stats']?.config;
  if (typeof raw === 'string') {
    try {
      const tags = (JSON.parse(raw) as { tags?: Array<{ key: string; value: string }> }).tags ?? [];
      const node = tags.find((t) => t.key === 'TargetVirtualNode')?.value;
      if (node) labels.appmesh_target_virtual_node = node;
    } catch {
      /* not App Mesh's metadata */
    }
  }
  return { family: 'cluster', labels };
}

/** Name of the route stats of a route without a name (a virtual service provided by a node). */
export const UNNAMED_ROUTE = 'default';

export class ProxyTelemetry {
  private readonly http = new Map<string, HttpStats>();
  private readonly routes = new Map<string, RouteStats>();
  identity?: ProxyIdentity;
  spans?: SpanSink & { stats?: object; shutdown?(): Promise<void> };
  /** Per resource (kind + name): the configuration version that last changed it, and when. */
  private readonly versions = new Map<string, { json: string; version: number; at: string }>();

  httpStats(prefix: string): HttpStats {
    let s = this.http.get(prefix);
    if (!s) {
      s = new HttpStats();
      this.http.set(prefix, s);
    }
    return s;
  }

  routeStats(virtualHost: string, route: string, virtualService?: string): RouteStats {
    const key = `${virtualHost}\u0000${route}`;
    let s = this.routes.get(key);
    if (!s) {
      s = new RouteStats(virtualHost, route, virtualService);
      this.routes.set(key, s);
    }
    return s;
  }

  get nodeId(): string | undefined {
    const id = this.identity;
    return id ? `mesh/${id.mesh}/${id.kind}/${id.name}` : undefined;
  }

  /** Gives a freshly compiled configuration its stats objects and span sink. */
  attach(generation: Generation, hcms: Iterable<HcmRuntime>): void {
    this.trackVersions(generation);
    const live = new Set<RouteStats>();
    for (const table of generation.routeTables.values()) {
      for (const host of table.hosts) {
        for (const route of host.routes) {
          if (!route.name && !route.virtualService) continue;
          route.stats = this.routeStats(host.name, route.name || UNNAMED_ROUTE, route.virtualService);
          live.add(route.stats);
        }
      }
    }
    // Like Envoy, a route gone from the configuration takes its stats with it (a route added again
    // later counts from zero; `local stat` treats that as a reset).
    for (const [key, stats] of this.routes) if (!live.has(stats)) this.routes.delete(key);
    for (const hcm of hcms) {
      hcm.telemetry = {
        stats: this.httpStats(hcm.statPrefix),
        client: hcm.statPrefix.startsWith('egress'),
        nodeId: this.nodeId,
        spans: this.spans,
      };
    }
  }

  private trackVersions(g: Generation): void {
    const at = new Date().toISOString();
    const seen = new Set<string>();
    const note = (kind: string, name: string, value: unknown) => {
      const key = `${kind}/${name}`;
      seen.add(key);
      const json = JSON.stringify(value);
      if (this.versions.get(key)?.json !== json) this.versions.set(key, { json, version: g.version, at });
    };
    const r = g.resources;
    for (const l of r.listeners) note('listener', l.name, l);
    for (const c of r.clusters) note('cluster', c.name, c);
    for (const rc of r.routeConfigs) note('route', rc.name, rc);
    for (const e of r.endpoints) note('endpoint', e.cluster_name, e);
    for (const key of this.versions.keys()) if (!seen.has(key)) this.versions.delete(key);
  }

  /** The version_info / last_updated /config_dump shows for a resource. */
  resourceVersion(kind: string, name: string): { version: number; at: string } {
    const v = this.versions.get(`${kind}/${name}`);
    return v ? { version: v.version, at: v.at } : { version: 0, at: new Date(0).toISOString() };
  }

  /** App Mesh's stat tags (ENABLE_ENVOY_STATS_TAGS), as Prometheus labels. */
  constLabels(): Record<string, string> {
    const id = this.identity;
    if (!id) return {};
    return {
      appmesh_mesh: id.mesh,
      [id.kind === 'virtualNode' ? 'appmesh_virtual_node' : 'appmesh_virtual_gateway']: id.name,
    };
  }

  groups(): StatGroup[] {
    const out: StatGroup[] = [];
    for (const [prefix, s] of this.http) {
      out.push([`http.${prefix}`, s, { family: 'http', labels: { envoy_http_conn_manager_prefix: prefix } }]);
    }
    for (const r of this.routes.values()) {
      const labels: Record<string, string> = { envoy_virtual_host: r.virtualHost, envoy_route: r.route };
      if (r.virtualService) labels.appmesh_target_virtual_service = r.virtualService;
      const prefix = `vhost.${r.virtualHost}.route.${r.route}`;
      out.push([prefix, r, { family: 'vhost_route', labels }]);
      for (const [cluster, t] of r.targets) {
        out.push([`${prefix}.target.${cluster}`, t, { family: 'vhost_route_target', labels: { ...labels, envoy_cluster_name: cluster } }]);
      }
    }
    if (this.spans?.stats) out.push(['tracing.otlp', this.spans.stats, { family: 'tracing_otlp', labels: {} }]);
    return out;
  }

  async close(): Promise<void> {
    await this.spans?.shutdown?.();
  }
}

/** An OTLP/HTTP span exporter for a proxy, with App Mesh's identity as the trace resource. */
export function otlpSpanExporter(endpoint: string, id: ProxyIdentity, log?: (line: string) => void): import('./otlp').OtlpExporter {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { OtlpExporter, parseOtlpEndpoint } = require('./otlp') as typeof import('./otlp');
  return new OtlpExporter(parseOtlpEndpoint(endpoint), {
    'service.name': id.name,
    'service.namespace': id.mesh,
    'appmesh.mesh': id.mesh,
    [id.kind === 'virtualNode' ? 'appmesh.virtual_node' : 'appmesh.virtual_gateway']: id.name,
    'process.pid': String(process.pid),
    'telemetry.sdk.name': 'awsmesh',
  }, { log });
}
