// Checks Envoy makes beyond the protos when it loads a config: unique names, addresses that can be
// bound, the router being the last HTTP filter, weighted clusters with weight, STATIC clusters with
// IP addresses, inline routes naming clusters that exist, and ADS sources with an ads_config.
// Runs on decoded-clean JSON only (the proto pass reports structural problems first).

import { isIP } from 'net';
import { TYPE } from '../translate/defaults';
import type { Issue } from './proto-json';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const HCM = TYPE.hcm;
const ROUTER = TYPE.router;

class Checker {
  readonly issues: Issue[] = [];
  /** Clusters named by inline route configurations, with where (checked against the bootstrap's). */
  readonly routedClusters: Array<{ name: string; path: string }> = [];
  usesAds = false;

  error(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'error' });
  }

  listener(l: Json, path: string): void {
    for (const [i, chain] of ((l.filter_chains ?? []) as Json[]).entries()) {
      for (const [j, f] of ((chain.filters ?? []) as Json[]).entries()) {
        if (f.typed_config?.['@type'] === HCM) this.hcm(f.typed_config, `${path}.filter_chains[${i}].filters[${j}].typed_config`);
      }
    }
    const hcm = l.api_listener?.api_listener;
    if (hcm?.['@type'] === HCM) this.hcm(hcm, `${path}.api_listener.api_listener`);
  }

  hcm(hcm: Json, path: string): void {
    const filters = (hcm.http_filters ?? []) as Json[];
    const routerAt = filters.findIndex((f) => f.typed_config?.['@type'] === ROUTER);
    if (filters.length && routerAt !== filters.length - 1) {
      this.error(`${path}.http_filters`, routerAt < 0 ? 'the last HTTP filter must be the router (envoy.filters.http.router)' : 'the router must be the last HTTP filter');
    }
    const names = filters.map((f) => f.name);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) this.error(`${path}.http_filters`, `HTTP filter name ${dup} is used twice`);
    if (hcm.rds?.config_source?.ads) this.usesAds = true;
    if (hcm.route_config) this.routeConfig(hcm.route_config, `${path}.route_config`, hcm.route_config.validate_clusters !== false);
  }

  routeConfig(rc: Json, path: string, collect: boolean): void {
    for (const [i, vh] of ((rc.virtual_hosts ?? []) as Json[]).entries()) {
      for (const [j, r] of ((vh.routes ?? []) as Json[]).entries()) {
        const at = `${path}.virtual_hosts[${i}].routes[${j}].route`;
        const action = r.route as Json | undefined;
        if (!action) continue;
        if (action.weighted_clusters) {
          const clusters = (action.weighted_clusters.clusters ?? []) as Json[];
          const sum = clusters.reduce((n, c) => n + Number(c.weight ?? 0), 0);
          if (sum <= 0) this.error(`${at}.weighted_clusters`, 'the weights of weighted_clusters must add up to more than 0');
          if (collect) clusters.forEach((c, k) => c.name && this.routedClusters.push({ name: c.name, path: `${at}.weighted_clusters.clusters[${k}].name` }));
        }
        if (collect && action.cluster) this.routedClusters.push({ name: action.cluster, path: `${at}.cluster` });
      }
    }
  }

  cluster(c: Json, path: string): void {
    if (c.type === 'EDS' && c.eds_cluster_config?.eds_config?.ads) this.usesAds = true;
    if (c.type === 'STATIC') {
      for (const [i, g] of ((c.load_assignment?.endpoints ?? []) as Json[]).entries()) {
        for (const [j, e] of ((g.lb_endpoints ?? []) as Json[]).entries()) {
          const addr = e.endpoint?.address?.socket_address?.address;
          if (addr !== undefined && !isIP(addr)) {
            this.error(`${path}.load_assignment.endpoints[${i}].lb_endpoints[${j}].endpoint.address.socket_address.address`,
              `a STATIC cluster needs IP addresses, not "${addr}" (use STRICT_DNS or LOGICAL_DNS for host names)`);
          }
        }
      }
    }
  }
}

function duplicates(items: Json[], key: (x: Json) => string | undefined, path: string, what: string, c: Checker): void {
  const seen = new Set<string>();
  items.forEach((x, i) => {
    const k = key(x);
    if (k === undefined) return;
    if (seen.has(k)) c.error(`${path}[${i}]`, `${what} ${k} is defined twice`);
    seen.add(k);
  });
}

export function bootstrapSemantics(b: Json): Issue[] {
  const c = new Checker();
  const listeners = (b.static_resources?.listeners ?? []) as Json[];
  const clusters = (b.static_resources?.clusters ?? []) as Json[];
  duplicates(listeners, (l) => l.name, 'static_resources.listeners', 'listener', c);
  duplicates(listeners, (l) => {
    const sa = l.address?.socket_address;
    return sa ? `${sa.address}:${sa.port_value}` : undefined;
  }, 'static_resources.listeners', 'listener address', c);
  duplicates(clusters, (x) => x.name, 'static_resources.clusters', 'cluster', c);
  listeners.forEach((l, i) => c.listener(l, `static_resources.listeners[${i}]`));
  clusters.forEach((x, i) => c.cluster(x, `static_resources.clusters[${i}]`));
  const dyn = b.dynamic_resources ?? {};
  if (dyn.lds_config?.ads || dyn.cds_config?.ads) c.usesAds = true;
  if (c.usesAds && !dyn.ads_config) c.error('dynamic_resources', 'an ADS config source is used but dynamic_resources.ads_config is not set');
  // With CDS, clusters may arrive later; Envoy checks inline routes only against known ones.
  if (!dyn.cds_config) {
    const known = new Set(clusters.map((x) => x.name));
    for (const r of c.routedClusters) {
      if (!known.has(r.name)) c.error(r.path, `route names cluster ${r.name}, which is not defined`);
    }
  }
  return c.issues;
}

/** Checks that need only the resource itself (xDS resources are validated one by one). */
export function resourceSemantics(typeName: string, r: Json): Issue[] {
  const c = new Checker();
  if (typeName === 'envoy.config.listener.v3.Listener') c.listener(r, '');
  if (typeName === 'envoy.config.route.v3.RouteConfiguration') c.routeConfig(r, '', false);
  if (typeName === 'envoy.config.cluster.v3.Cluster') c.cluster(r, '');
  return c.issues.map((i) => ({ ...i, path: i.path.replace(/^\./, '') }));
}
