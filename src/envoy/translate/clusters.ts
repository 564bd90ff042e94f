// Clusters: the local app behind each listener (ingress), every virtual node a route can send to
// (egress), a gateway's self-redirect, and the ALLOW_ALL passthrough (dataplane.md §1.4, §1.10).

import type {
  ClientPolicy, ConnectionPool, HealthCheckPolicy, NodeListener, OutlierDetection as MeshOutlierDetection,
  PortProtocol, VirtualNodeData,
} from '../../mesh/types';
import type { ResolvedEndpoint, TranslationContext } from './context';
import {
  AGGREGATE_STATS_KEY, DEFAULT_CIRCUIT_BREAKERS, EGRESS_CONNECT_TIMEOUT, INGRESS_CONNECT_TIMEOUT, OPEN_CIRCUIT, TYPE,
} from './defaults';
import { durationMs, envoyDuration } from './durations';
import type {
  CircuitBreakerThresholds, Cluster, ClusterLoadAssignment, HealthCheck, LbEndpoint, Metadata, OutlierDetection,
  TypedConfig,
} from './envoy-types';
import { clusterName, passthroughClusterName } from './names';
import { upstreamTlsSocket } from './tls';

export function isHttp2(protocol: string): boolean {
  return protocol === 'http2' || protocol === 'grpc';
}

/** Upstream HTTP/2 (h2c) for http2 and grpc listeners; Envoy's default upstream codec is HTTP/1.1. */
export function http2ProtocolOptions(): Record<string, TypedConfig> {
  return {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': TYPE.httpProtocolOptions,
      explicit_http_config: { http2_protocol_options: {} },
    },
  };
}

export function aggregateStats(tags: Array<{ key: string; value: string }>): Metadata {
  return { filter_metadata: { [AGGREGATE_STATS_KEY]: { config: JSON.stringify({ tags }) } } };
}

/** Connection pool on the server's listener → circuit breakers on its ingress cluster (roadmap #6). */
export function circuitBreakers(pool: ConnectionPool | undefined): CircuitBreakerThresholds {
  const t = { ...DEFAULT_CIRCUIT_BREAKERS };
  if (pool?.http) {
    t.max_connections = pool.http.maxConnections;
    if (pool.http.maxPendingRequests !== undefined) t.max_pending_requests = pool.http.maxPendingRequests;
  }
  if (pool?.http2) t.max_requests = pool.http2.maxRequests;
  if (pool?.grpc) t.max_requests = pool.grpc.maxRequests;
  if (pool?.tcp) t.max_connections = pool.tcp.maxConnections;
  return t;
}

export function outlierDetection(o: MeshOutlierDetection): OutlierDetection {
  return {
    consecutive_5xx: Number(o.maxServerErrors),
    interval: envoyDuration(durationMs(o.interval) ?? 10_000),
    base_ejection_time: envoyDuration(durationMs(o.baseEjectionDuration) ?? 30_000),
    max_ejection_percent: Number(o.maxEjectionPercent),
  };
}

/** Active health checks, run by the callers against each endpoint; only 200 is healthy (roadmap #396). */
export function healthCheck(h: HealthCheckPolicy): HealthCheck {
  const out: HealthCheck = {
    timeout: envoyDuration(Number(h.timeoutMillis)),
    interval: envoyDuration(Number(h.intervalMillis)),
    healthy_threshold: Number(h.healthyThreshold),
    unhealthy_threshold: Number(h.unhealthyThreshold),
  };
  if (h.protocol === 'tcp') out.tcp_health_check = {};
  else if (h.protocol === 'grpc') out.grpc_health_check = {};
  else out.http_health_check = { path: h.path || '/', ...(h.protocol === 'http2' ? { codec_client_type: 'HTTP2' as const } : {}) };
  return out;
}

function lbEndpoint(host: string, port: number, healthy?: boolean): LbEndpoint {
  const e: LbEndpoint = { endpoint: { address: { socket_address: { address: host, port_value: port } } } };
  if (healthy !== undefined) e.health_status = healthy ? 'HEALTHY' : 'UNHEALTHY';
  return e;
}

function assignment(name: string, endpoints: LbEndpoint[]): ClusterLoadAssignment {
  return { cluster_name: name, endpoints: [{ lb_endpoints: endpoints }] };
}

/** The app behind listener `l` of the proxy's own node: 127.0.0.1:<app port>. */
export function ingressCluster(ctx: TranslationContext, nodeName: string, l: NodeListener): string {
  const { port, protocol } = l.portMapping;
  const name = clusterName('ingress', ctx.meshName, nodeName, protocol, port);
  const appPort = ctx.opts.appPorts?.[port] ?? port;
  const cluster: Cluster = {
    name,
    type: 'STATIC',
    connect_timeout: INGRESS_CONNECT_TIMEOUT,
    load_assignment: assignment(name, [lbEndpoint(ctx.opts.appHost, appPort)]),
    circuit_breakers: { thresholds: [circuitBreakers(l.connectionPool)] },
  };
  if (isHttp2(protocol)) cluster.typed_extension_protocol_options = http2ProtocolOptions();
  ctx.addCluster(cluster);
  return name;
}

/** A gateway's ingress routes go to its own egress listener. */
export function selfRedirectCluster(
  ctx: TranslationContext, name: string, protocol: string, pool: ConnectionPool | undefined,
): string {
  const cluster: Cluster = {
    name,
    type: 'STATIC',
    connect_timeout: INGRESS_CONNECT_TIMEOUT,
    load_assignment: assignment(name, [lbEndpoint('127.0.0.1', ctx.opts.egressPort)]),
    circuit_breakers: { thresholds: [circuitBreakers(pool)] },
  };
  if (isHttp2(protocol)) cluster.typed_extension_protocol_options = http2ProtocolOptions();
  ctx.addCluster(cluster);
  return name;
}

/**
 * The endpoints serving listener `index` of a node. A registered sidecar serves its node's
 * listeners on consecutive ingress ports; other endpoints serve every listener on their port.
 */
export function listenerEndpoints(ctx: TranslationContext, node: VirtualNodeData, index: number): ResolvedEndpoint[] {
  const all = ctx.opts.endpoints?.[node.virtualNodeName] ?? [];
  const listenerPort = node.spec.listeners?.[index]?.portMapping.port;
  return all.map((e) => {
    if (index === 0) return e;
    if (e.source === 'proxy') return { ...e, port: e.port + index };
    return e.source === 'dns' && listenerPort ? { ...e, port: listenerPort } : e;
  });
}

/**
 * Cluster for calls to listener `index` of virtual node `node`, made by a proxy whose client
 * policy for that backend is `policy`. Outlier detection and health checks come from the
 * *target's* listener: callers enforce them (dataplane.md §1.10).
 */
export function egressCluster(
  ctx: TranslationContext, node: VirtualNodeData, index: number, policy: ClientPolicy | undefined,
): string {
  const l = node.spec.listeners![index];
  const protocol: PortProtocol = l.portMapping.protocol;
  const name = clusterName('egress', ctx.meshName, node.virtualNodeName, protocol, l.portMapping.port);
  if (ctx.clusters.has(name)) return name;
  const eps = listenerEndpoints(ctx, node, index);
  const cluster: Cluster = {
    name,
    type: 'EDS',
    connect_timeout: EGRESS_CONNECT_TIMEOUT,
    circuit_breakers: { thresholds: [{ ...DEFAULT_CIRCUIT_BREAKERS }] },
    metadata: aggregateStats([{ key: 'TargetVirtualNode', value: node.virtualNodeName }]),
  };
  let cla: ClusterLoadAssignment | undefined = assignment(name, eps.map((e) => lbEndpoint(e.host, e.port, e.healthy)));
  if (eps.length > 0 && eps.every((e) => e.source === 'dns')) {
    // A hostname that resolves is used as is, like App Mesh's DNS service discovery.
    const endpointsMode = node.spec.serviceDiscovery?.dns?.responseType === 'ENDPOINTS';
    cluster.type = endpointsMode ? 'STRICT_DNS' : 'LOGICAL_DNS';
    cluster.load_assignment = cla;
    cluster.dns_lookup_family = 'V4_ONLY';
    cla = undefined;
  } else {
    cluster.eds_cluster_config = { eds_config: { ads: {}, resource_api_version: 'V3' } };
  }
  if (l.outlierDetection) cluster.outlier_detection = outlierDetection(l.outlierDetection);
  if (l.healthCheck) cluster.health_checks = [healthCheck(l.healthCheck)];
  if (isHttp2(protocol)) cluster.typed_extension_protocol_options = http2ProtocolOptions();
  const tls = upstreamTlsSocket(policy, l, node);
  if (tls) cluster.transport_socket = tls;
  ctx.addCluster(cluster, cla);
  return name;
}

/** ALLOW_ALL egress: traffic to hosts outside the mesh goes where the caller addressed it. */
export function passthroughCluster(ctx: TranslationContext): string {
  const name = passthroughClusterName(ctx.meshName);
  ctx.addCluster({
    name,
    type: 'ORIGINAL_DST',
    lb_policy: 'CLUSTER_PROVIDED',
    connect_timeout: EGRESS_CONNECT_TIMEOUT,
    circuit_breakers: { thresholds: [{ ...DEFAULT_CIRCUIT_BREAKERS }] },
  });
  return name;
}

export { OPEN_CIRCUIT };
