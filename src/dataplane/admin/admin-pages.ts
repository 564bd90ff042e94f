// The bodies of the proxy admin pages Envoy users read most: /stats (text, json, prometheus;
// filter, usedonly, type), /clusters (Envoy's `cluster::host::stat::value` text, or json) and
// /config_dump (the effective configuration in Envoy's ConfigDump shape: bootstrap, clusters,
// listeners, routes; endpoints with include_eds; one resource kind with `resource=`).
// admin-server.ts routes requests here.

import type { AdminContext } from './admin-context';
import { renderEnvoyJson, renderEnvoyText, renderPrometheus, type FlattenOptions, type StatType } from '../telemetry/stats-format';

export interface PageResult {
  status: number;
  body: string;
  type?: string;
}

const JSON_TYPE = 'application/json';
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=UTF-8';

function regexParam(url: URL, name: string): RegExp | undefined | PageResult {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  try {
    return new RegExp(v);
  } catch (e) {
    return { status: 400, body: `Invalid re2 regex for ${name}: ${(e as Error).message}\n` };
  }
}

function isResult(x: unknown): x is PageResult {
  return typeof x === 'object' && x !== null && 'status' in x && 'body' in x;
}

/** `/stats`, `/stats?format=json|prometheus`, `?filter=re`, `?usedonly`, `?type=Counters|Gauges|Histograms`. */
export function statsPage(ctx: AdminContext, url: URL, forcePrometheus = false): PageResult {
  const filter = regexParam(url, 'filter');
  if (isResult(filter)) return filter;
  const format = forcePrometheus ? 'prometheus' : url.searchParams.get('format') ?? 'text';
  if (!['text', 'json', 'prometheus'].includes(format)) {
    return { status: 400, body: `usage: /stats?format=(html|active-html|json|prometheus|text)\nunsupported format: ${format}\n` };
  }
  const type = url.searchParams.get('type');
  const types: Record<string, StatType> = { Counters: 'counter', Gauges: 'gauge', Histograms: 'histogram' };
  if (type !== null && type !== 'All' && !types[type]) {
    return { status: 400, body: `invalid type: ${type}; expected All, Counters, Gauges or Histograms\n` };
  }
  const proxy = ctx.proxy;
  const groups = proxy.statsGroups();
  const opts: FlattenOptions & { detailed?: boolean } = {
    filter,
    type: type && type !== 'All' ? types[type] : undefined,
    usedOnly: url.searchParams.has('usedonly'),
    constLabels: format === 'prometheus' ? proxy.telemetry.constLabels() : undefined,
    detailed: url.searchParams.get('histogram_buckets') === 'detailed',
  };
  if (format === 'json') return { status: 200, body: `${JSON.stringify(renderEnvoyJson(groups, opts), null, 2)}\n`, type: JSON_TYPE };
  if (format === 'prometheus') return { status: 200, body: renderPrometheus(groups, opts), type: PROMETHEUS_TYPE };
  return { status: 200, body: renderEnvoyText(groups, opts) };
}

// ---- /clusters --------------------------------------------------------------------------------

const ENVOY_DEFAULT_HIGH = { max_connections: 1024, max_pending_requests: 1024, max_requests: 1024, max_retries: 3 };

/** Envoy's /clusters text (`name::host:port::stat::value`), or its JSON with `?format=json`. */
export function clustersPage(ctx: AdminContext, url: URL): PageResult {
  const views = ctx.proxy.clusterViews();
  if (url.searchParams.get('format') === 'json') {
    return {
      status: 200,
      type: JSON_TYPE,
      body: `${JSON.stringify({
        cluster_statuses: views.map((v) => ({
          name: v.name,
          added_via_api: true,
          circuit_breakers: { thresholds: [{ priority: 'DEFAULT', ...v.defaults }, { priority: 'HIGH', ...ENVOY_DEFAULT_HIGH }] },
          host_statuses: v.hosts.map((h) => ({
            address: { socket_address: { address: h.address, port_value: h.port } },
            stats: Object.entries(h.stats).map(([name, value]) => ({ name, value: String(value), type: name.endsWith('_active') ? 'GAUGE' : 'COUNTER' })),
            health_status: {
              eds_health_status: h.flags.includes('failed_eds_health') ? 'UNHEALTHY' : 'HEALTHY',
              ...(h.flags.includes('failed_outlier_check') ? { failed_outlier_check: true } : {}),
              ...(h.flags.includes('failed_active_hc') ? { failed_active_health_check: true } : {}),
              ...(h.flags.includes('pending_active_hc') ? { pending_active_hc: true } : {}),
            },
            weight: 1,
          })),
        })),
      }, null, 2)}\n`,
    };
  }
  const lines: string[] = [];
  for (const v of views) {
    const n = v.name;
    lines.push(`${n}::observability_name::${n}`);
    for (const [k, val] of Object.entries(v.defaults)) lines.push(`${n}::default_priority::${k}::${val}`);
    for (const [k, val] of Object.entries(ENVOY_DEFAULT_HIGH)) lines.push(`${n}::high_priority::${k}::${val}`);
    lines.push(`${n}::added_via_api::true`);
    lines.push(`${n}::outlier::ejections_active::${v.ejectionsActive}`);
    for (const h of v.hosts) {
      const p = `${n}::${h.address}:${h.port}`;
      for (const [k, val] of Object.entries(h.stats)) lines.push(`${p}::${k}::${val}`);
      lines.push(`${p}::hostname::`, `${p}::health_flags::${h.flags}`, `${p}::weight::1`, `${p}::region::`, `${p}::zone::`,
        `${p}::sub_zone::`, `${p}::canary::false`, `${p}::priority::0`, `${p}::success_rate::-1`, `${p}::local_origin_success_rate::-1`);
    }
  }
  return { status: 200, body: lines.length ? `${lines.join('\n')}\n` : '' };
}

// ---- /config_dump -----------------------------------------------------------------------------

const ADMIN = (t: string) => `type.googleapis.com/envoy.admin.v3.${t}`;
const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const CLA_TYPE = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

/** `/config_dump[?include_eds][&resource=dynamic_active_clusters][&name_regex=re]`. */
export function configDumpPage(ctx: AdminContext, url: URL): PageResult {
  const nameRe = regexParam(url, 'name_regex');
  if (isResult(nameRe)) return nameRe;
  const proxy = ctx.proxy;
  const r = proxy.current?.resources;
  const meta = (kind: string, name: string) => proxy.telemetry.resourceVersion(kind, name);
  const keep = (name: string) => !nameRe || nameRe.test(name);
  const stamped = (kind: string, name: string) => {
    const m = meta(kind, name);
    return { version_info: String(m.version), last_updated: m.at };
  };
  const sections: Record<string, { type: string; field: string; items: Array<Record<string, unknown>> }> = {
    clusters: {
      type: 'ClustersConfigDump', field: 'dynamic_active_clusters',
      items: (r?.clusters ?? []).filter((c) => keep(c.name)).map((c) => ({ ...stamped('cluster', c.name), cluster: { '@type': CLUSTER_TYPE, ...c } })),
    },
    listeners: {
      type: 'ListenersConfigDump', field: 'dynamic_listeners',
      items: (r?.listeners ?? []).filter((l) => keep(l.name)).map((l) => ({
        name: l.name, active_state: { ...stamped('listener', l.name), listener: { '@type': LISTENER_TYPE, ...l } },
      })),
    },
    routes: {
      type: 'RoutesConfigDump', field: 'dynamic_route_configs',
      items: (r?.routeConfigs ?? []).filter((rc) => keep(rc.name)).map((rc) => ({ ...stamped('route', rc.name), route_config: { '@type': ROUTE_TYPE, ...rc } })),
    },
    endpoints: {
      type: 'EndpointsConfigDump', field: 'dynamic_endpoint_configs',
      items: (r?.endpoints ?? []).filter((e) => keep(e.cluster_name)).map((e) => ({ ...stamped('endpoint', e.cluster_name), endpoint_config: { '@type': CLA_TYPE, ...e } })),
    },
  };
  const bootstrap = {
    '@type': ADMIN('BootstrapConfigDump'),
    bootstrap: {
      node: {
        id: ctx.nodeId, cluster: ctx.cluster, user_agent_name: 'envoy',
        user_agent_build_version: { version: { major_number: 1, minor_number: 27 }, metadata: { 'build.label': 'awsmesh-local' } },
        metadata: { mesh: ctx.mesh, [ctx.kind]: ctx.name },
      },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: (ctx.info?.ports as { admin?: number } | undefined)?.admin ?? 0 } } },
      dynamic_resources: {
        lds_config: { ads: {}, resource_api_version: 'V3' },
        cds_config: { ads: {}, resource_api_version: 'V3' },
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3' },
      },
    },
    last_updated: new Date(proxy.startedAt).toISOString(),
  };
  const resource = url.searchParams.get('resource');
  if (resource) {
    const all = Object.values(sections);
    const s = all.find((x) => x.field === resource);
    if (!s || (s.field === 'dynamic_endpoint_configs' && !url.searchParams.has('include_eds'))) {
      const known = all.filter((x) => x.field !== 'dynamic_endpoint_configs' || url.searchParams.has('include_eds')).map((x) => x.field);
      return { status: 404, body: `${resource} not found in config dump (known: ${known.join(', ')})\n` };
    }
    const configs = s.items.map((i) => ({ '@type': ADMIN(`${s.type}.${dynamicName(s.field)}`), ...i }));
    return { status: 200, type: JSON_TYPE, body: `${JSON.stringify({ configs }, null, 2)}\n` };
  }
  const configs: unknown[] = [bootstrap];
  for (const key of ['clusters', 'listeners', 'routes']) {
    const s = sections[key];
    configs.push({ '@type': ADMIN(s.type), [s.field]: s.items });
  }
  if (url.searchParams.has('include_eds')) {
    configs.push({ '@type': ADMIN(sections.endpoints.type), [sections.endpoints.field]: sections.endpoints.items });
  }
  return { status: 200, type: JSON_TYPE, body: `${JSON.stringify({ configs }, null, 2)}\n` };
}

/** The message name Envoy gives one item of a dump field (ClustersConfigDump.DynamicCluster, …). */
function dynamicName(field: string): string {
  switch (field) {
    case 'dynamic_active_clusters': return 'DynamicCluster';
    case 'dynamic_listeners': return 'DynamicListener';
    case 'dynamic_route_configs': return 'DynamicRouteConfig';
    default: return 'DynamicEndpointConfig';
  }
}
