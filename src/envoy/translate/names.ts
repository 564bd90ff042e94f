// App Mesh's Envoy resource names (user guide envoy-metrics.md and real config dumps; see
// shared/reference/dataplane.md §1.2–1.5). Metrics, /config_dump and users' muscle memory
// depend on these exact strings.

export type Direction = 'ingress' | 'egress';

/** `lds_<direction>_<ip>_<port>`, e.g. lds_egress_0.0.0.0_15001. */
export function listenerName(direction: Direction, address: string, port: number): string {
  return `lds_${direction}_${address}_${port}`;
}

/** `cds_<direction>_<mesh>_<virtualNode>_<protocol>_<port>`, e.g. cds_egress_apps_serviceB_http2_80. */
export function clusterName(direction: Direction, mesh: string, node: string, protocol: string, port: number): string {
  return `cds_${direction}_${mesh}_${node}_${protocol}_${port}`;
}

/**
 * The cluster a virtual gateway's ingress routes send matched requests to: its own egress listener.
 * With several gateway listeners the gateway listener port is part of the name.
 */
export function selfRedirectClusterName(
  mesh: string, gateway: string, protocol: string, egressPort: number, listenerPort?: number,
): string {
  const via = listenerPort === undefined ? '' : `${listenerPort}_`;
  return `cds_ingress_${mesh}_${gateway}_self_redirect_${via}${protocol}_${egressPort}`;
}

/** Where unmatched outbound traffic goes when the mesh's egress filter is ALLOW_ALL (our name). */
export function passthroughClusterName(mesh: string): string {
  return `cds_egress_${mesh}_passthrough`;
}

/** Route configurations are always named with `http`, whatever the listener protocol. */
export function egressRouteConfigName(egressPort: number): string {
  return `rds_egress_http_${egressPort}`;
}

export function ingressRouteConfigName(listenerPort: number): string {
  return `rds_ingress_http_${listenerPort}`;
}

/** Node id as App Mesh's Envoy reports it (APPMESH_RESOURCE_ARN without the ARN prefix). */
export function nodeId(mesh: string, kind: 'virtualNode' | 'virtualGateway', name: string): string {
  return `mesh/${mesh}/${kind}/${name}`;
}
