// Resources for proxyless gRPC clients (@grpc/grpc-js-xds and the other gRPC xDS libraries),
// derived from the translator's Envoy resources for the same node so both see the same routes.
// gRPC differs from Envoy in what it accepts (gRFC A27/A28, dataplane.md §3.1):
//   - it asks LDS for the target's name (`xds:///serviceb.apps.local` → `serviceb.apps.local`) and
//     wants an api_listener holding an HttpConnectionManager, not a socket listener;
//   - clusters must be EDS (or LOGICAL_DNS); endpoints must be IP addresses in localities that
//     have a locality and a load_balancing_weight;
//   - a retry policy with num_retries 0 is rejected, and only route actions that pick a cluster work.
// Each virtual host of the egress route configuration becomes one api_listener per domain, whose
// HCM fetches a route configuration of the same name over ADS.

import { isIP } from 'net';
import { TYPE } from '../envoy/translate/defaults';
import type { EnvoyJson, XdsResources } from './resource-types';

const ADS_SOURCE = { ads: {}, resource_api_version: 'V3' };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The resources served to a proxyless gRPC client of the node whose Envoy resources are given. */
export function proxylessResources(envoy: XdsResources, opts: { locality?: string } = {}): XdsResources {
  const out: XdsResources = { listeners: [], routeConfigs: [], clusters: [], endpoints: [] };
  const usedClusters = new Set<string>();
  const seenDomains = new Set<string>();
  for (const rc of egressRouteConfigs(envoy)) {
    for (const vh of (rc.virtual_hosts ?? []) as Json[]) {
      const routes = ((vh.routes ?? []) as Json[]).map(grpcRoute).filter((r): r is Json => r !== undefined);
      if (!routes.length) continue;
      for (const r of routes) for (const c of clustersOf(r)) usedClusters.add(c);
      for (const domain of (vh.domains ?? []) as string[]) {
        if (domain.includes('*') || seenDomains.has(domain)) continue;
        seenDomains.add(domain);
        out.listeners.push(apiListener(domain));
        out.routeConfigs.push({ name: domain, virtual_hosts: [{ name: vh.name, domains: [domain], routes }] });
      }
    }
  }
  const assignments = new Map<string, Json>();
  for (const cla of envoy.endpoints as Json[]) assignments.set(cla.cluster_name, cla);
  for (const cluster of envoy.clusters as Json[]) {
    if (!usedClusters.has(cluster.name)) continue;
    out.clusters.push(edsCluster(cluster));
    const cla = assignments.get(cluster.name) ?? cluster.load_assignment ?? { cluster_name: cluster.name, endpoints: [] };
    out.endpoints.push(grpcAssignment(cluster.name, cla, opts.locality ?? 'local'));
  }
  return out;
}

/** Route configurations the egress listener(s) use (by RDS name or inline). */
function egressRouteConfigs(envoy: XdsResources): Json[] {
  const byName = new Map((envoy.routeConfigs as Json[]).map((rc) => [rc.name as string, rc]));
  const result: Json[] = [];
  for (const l of envoy.listeners as Json[]) {
    if (l.traffic_direction === 'INBOUND') continue;
    for (const chain of (l.filter_chains ?? []) as Json[]) {
      for (const f of (chain.filters ?? []) as Json[]) {
        const hcm = f.typed_config;
        if (hcm?.['@type'] !== TYPE.hcm) continue;
        const rc = hcm.route_config ?? byName.get(hcm.rds?.route_config_name);
        if (rc && !result.includes(rc)) result.push(rc);
      }
    }
  }
  return result;
}

function apiListener(name: string): EnvoyJson {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': TYPE.hcm,
        stat_prefix: name,
        rds: { config_source: ADS_SOURCE, route_config_name: name },
        http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': TYPE.router } }],
      },
    },
  };
}

/** The route as gRPC accepts it, or undefined when gRPC cannot follow it (e.g. direct_response). */
function grpcRoute(route: Json): Json | undefined {
  const action = route.route as Json | undefined;
  if (!action || !(action.cluster || action.weighted_clusters)) return undefined;
  const copy: Json = { ...route, route: { ...action } };
  const retry = copy.route.retry_policy as Json | undefined;
  if (retry && Number(retry.num_retries ?? 1) < 1) delete copy.route.retry_policy;
  if (copy.route.weighted_clusters) {
    const clusters = (copy.route.weighted_clusters.clusters as Json[]).filter((c) => Number(c.weight ?? 0) > 0);
    if (!clusters.length) return undefined;
    copy.route.weighted_clusters = { clusters };
  }
  return copy;
}

function clustersOf(route: Json): string[] {
  const a = route.route as Json;
  return a.cluster ? [a.cluster] : (a.weighted_clusters.clusters as Json[]).map((c) => c.name as string);
}

/** Same name, timeouts, circuit breakers and outlier detection; endpoints always over EDS. */
function edsCluster(c: Json): EnvoyJson {
  const out: Json = {
    name: c.name,
    type: 'EDS',
    eds_cluster_config: { eds_config: ADS_SOURCE },
    connect_timeout: c.connect_timeout ?? '1s',
    lb_policy: 'ROUND_ROBIN',
  };
  if (c.circuit_breakers) out.circuit_breakers = c.circuit_breakers;
  if (c.outlier_detection) out.outlier_detection = c.outlier_detection;
  return out;
}

function grpcAssignment(clusterName: string, cla: Json, region: string): EnvoyJson {
  const lbEndpoints: Json[] = [];
  const seen = new Set<string>();
  for (const group of (cla.endpoints ?? []) as Json[]) {
    for (const lb of (group.lb_endpoints ?? []) as Json[]) {
      const sa = lb.endpoint?.address?.socket_address;
      if (!sa) continue;
      const host = sa.address === 'localhost' ? '127.0.0.1' : sa.address;
      const key = `${host}:${sa.port_value}`;
      // gRPC needs IP addresses; a DNS-named endpoint it cannot use is left out.
      if (!isIP(host) || seen.has(key)) continue;
      seen.add(key);
      const ep: Json = { endpoint: { address: { socket_address: { address: host, port_value: sa.port_value } } } };
      if (lb.health_status) ep.health_status = lb.health_status;
      lbEndpoints.push(ep);
    }
  }
  return {
    cluster_name: clusterName,
    endpoints: lbEndpoints.length ? [{ locality: { region }, load_balancing_weight: 1, lb_endpoints: lbEndpoints }] : [],
  };
}

/** Both Envoy and gRPC clients report their software; gRPC libraries say "gRPC …". */
export function isProxylessClient(node: { user_agent_name?: string } | undefined): boolean {
  return /^grpc/i.test(node?.user_agent_name ?? '');
}

