// App Mesh's data-plane defaults: values it puts in every Envoy config but never shows in the
// API (user guide envoy-defaults.md, roadmap issues #229, #302, #53; dataplane.md §1.4–1.10).

import type { CircuitBreakerThresholds, RetryPolicy } from './envoy-types';

/** "Circuit breakers effectively disabled": every threshold at INT32_MAX. */
export const OPEN_CIRCUIT = 2147483647;

export const DEFAULT_CIRCUIT_BREAKERS: CircuitBreakerThresholds = {
  max_connections: OPEN_CIRCUIT,
  max_pending_requests: OPEN_CIRCUIT,
  max_requests: OPEN_CIRCUIT,
  max_retries: OPEN_CIRCUIT,
};

export const DEFAULT_PER_REQUEST_TIMEOUT_MS = 15_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
/** Ingress (local app) clusters connect fast or not at all. */
export const INGRESS_CONNECT_TIMEOUT = '0.250s';
export const EGRESS_CONNECT_TIMEOUT = '1s';

export const DEFAULT_INGRESS_PORT = 15000;
export const DEFAULT_EGRESS_PORT = 15001;
export const DEFAULT_ADMIN_PORT = 9901;

export const PREVIOUS_HOSTS_PREDICATE = {
  name: 'envoy.retry_host_predicates.previous_hosts',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
};

/** Every retry policy App Mesh emits avoids the host that just failed. */
export const HOST_SELECTION_RETRY_MAX_ATTEMPTS = 5;

/** The hidden route retry policy (issue #229 quotes it as YAML). */
export function defaultRetryPolicy(): RetryPolicy {
  return {
    retry_on: 'unavailable,connect-failure,refused-stream,retriable-status-codes',
    num_retries: 2,
    retriable_status_codes: [503],
    retry_host_predicate: [PREVIOUS_HOSTS_PREDICATE],
    host_selection_retry_max_attempts: HOST_SELECTION_RETRY_MAX_ATTEMPTS,
  };
}

/** Header a virtual gateway adds instead of rewriting the host (hostname rewrite DISABLED). */
export const VIRTUAL_SERVICE_HEADER = 'x-app-mesh-virtual-service';

export const AGGREGATE_STATS_KEY = 'aws.appmesh.aggregate_stats';

export const TYPE = {
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  router: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
  fileAccessLog: 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
  tlsInspector: 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector',
  httpProtocolOptions: 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
  downstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  upstreamTls: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
} as const;
