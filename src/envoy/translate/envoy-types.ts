// The Envoy v3 resources the translator emits, in proto3-JSON form with the snake_case field
// names Envoy's docs and YAML use. Only the fields we emit are typed; every name here is a real
// field of the Envoy API (envoy/config/**/v3/*.proto), so the JSON decodes strictly.

/** A proto3-JSON Duration: decimal seconds with an `s` suffix, e.g. "15s", "0.250s". */
export type DurationString = string;

export interface SocketAddress {
  address: string;
  port_value: number;
  protocol?: 'TCP';
}

export interface Address {
  socket_address: SocketAddress;
}

export interface TypedConfig {
  '@type': string;
  [field: string]: unknown;
}

export interface TypedExtension {
  name: string;
  typed_config: TypedConfig;
}

export interface Metadata {
  filter_metadata: Record<string, Record<string, unknown>>;
}

// ---- listeners -----------------------------------------------------------------------------

export interface FilterChain {
  name?: string;
  filter_chain_match?: { destination_port?: number; transport_protocol?: string };
  filters: TypedExtension[];
  transport_socket?: TypedExtension;
}

export interface Listener {
  name: string;
  address: Address;
  traffic_direction: 'INBOUND' | 'OUTBOUND';
  listener_filters?: TypedExtension[];
  filter_chains: FilterChain[];
  metadata?: Metadata;
}

export interface HttpConnectionManager extends TypedConfig {
  stat_prefix: string;
  codec_type: 'AUTO' | 'HTTP1' | 'HTTP2';
  rds: { config_source: ConfigSource; route_config_name: string };
  http_filters: TypedExtension[];
  access_log?: TypedExtension[];
  stream_idle_timeout?: DurationString;
  upgrade_configs?: Array<{ upgrade_type: string; enabled?: boolean }>;
  normalize_path?: boolean;
  merge_slashes?: boolean;
  path_with_escaped_slashes_action?: 'KEEP_UNCHANGED';
  http2_protocol_options?: Record<string, unknown>;
}

export interface TcpProxy extends TypedConfig {
  stat_prefix: string;
  cluster?: string;
  weighted_clusters?: { clusters: Array<{ name: string; weight: number }> };
  idle_timeout?: DurationString;
  access_log?: TypedExtension[];
}

export interface ConfigSource {
  ads: Record<string, never>;
  resource_api_version: 'V3';
  initial_fetch_timeout?: DurationString;
}

// ---- routes --------------------------------------------------------------------------------

export interface StringMatcher {
  exact?: string;
  prefix?: string;
  suffix?: string;
  safe_regex?: { regex: string };
  ignore_case?: boolean;
}

export interface HeaderMatcher {
  name: string;
  string_match?: StringMatcher;
  range_match?: { start: number; end: number };
  present_match?: boolean;
  invert_match?: boolean;
}

export interface QueryParameterMatcher {
  name: string;
  string_match?: StringMatcher;
  present_match?: boolean;
}

export interface RouteMatch {
  prefix?: string;
  path?: string;
  safe_regex?: { regex: string };
  connect_matcher?: Record<string, never>;
  headers?: HeaderMatcher[];
  query_parameters?: QueryParameterMatcher[];
  grpc?: Record<string, never>;
}

export interface RetryPolicy {
  retry_on: string;
  num_retries: number;
  per_try_timeout?: DurationString;
  retriable_status_codes?: number[];
  retry_host_predicate?: TypedExtension[];
  host_selection_retry_max_attempts?: number;
}

export interface WeightedClusters {
  clusters: Array<{ name: string; weight: number }>;
}

export interface RouteAction {
  cluster?: string;
  weighted_clusters?: WeightedClusters;
  timeout?: DurationString;
  idle_timeout?: DurationString;
  retry_policy?: RetryPolicy;
  prefix_rewrite?: string;
  regex_rewrite?: { pattern: { regex: string }; substitution: string };
  host_rewrite_literal?: string;
  upgrade_configs?: Array<{ upgrade_type: string; connect_config?: Record<string, never> }>;
}

export interface Route {
  name?: string;
  match: RouteMatch;
  route?: RouteAction;
  direct_response?: { status: number; body?: { inline_string: string } };
  request_headers_to_add?: Array<{ header: { key: string; value: string }; append_action?: string }>;
  metadata?: Metadata;
}

export interface VirtualHost {
  name: string;
  domains: string[];
  routes: Route[];
  response_headers_to_remove?: string[];
}

export interface RouteConfiguration {
  name: string;
  virtual_hosts: VirtualHost[];
  validate_clusters?: boolean;
}

// ---- clusters ------------------------------------------------------------------------------

export interface CircuitBreakerThresholds {
  max_connections: number;
  max_pending_requests: number;
  max_requests: number;
  max_retries: number;
}

export interface OutlierDetection {
  consecutive_5xx: number;
  interval: DurationString;
  base_ejection_time: DurationString;
  max_ejection_percent: number;
  /** Gateway-failure and local-origin detectors are off in App Mesh's config; only consecutive 5xx ejects. */
  enforcing_consecutive_5xx?: number;
}

export interface HealthCheck {
  timeout: DurationString;
  interval: DurationString;
  healthy_threshold: number;
  unhealthy_threshold: number;
  http_health_check?: { path: string; codec_client_type?: 'HTTP1' | 'HTTP2' };
  grpc_health_check?: Record<string, never>;
  tcp_health_check?: Record<string, never>;
}

export interface LbEndpoint {
  endpoint: { address: Address; hostname?: string };
  health_status?: 'HEALTHY' | 'UNHEALTHY';
}

export interface ClusterLoadAssignment {
  cluster_name: string;
  endpoints: Array<{ lb_endpoints: LbEndpoint[] }>;
}

export interface Cluster {
  name: string;
  type: 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS' | 'EDS' | 'ORIGINAL_DST';
  connect_timeout: DurationString;
  lb_policy?: 'ROUND_ROBIN' | 'CLUSTER_PROVIDED';
  eds_cluster_config?: { eds_config: ConfigSource; service_name?: string };
  load_assignment?: ClusterLoadAssignment;
  circuit_breakers: { thresholds: CircuitBreakerThresholds[] };
  outlier_detection?: OutlierDetection;
  health_checks?: HealthCheck[];
  typed_extension_protocol_options?: Record<string, TypedConfig>;
  transport_socket?: TypedExtension;
  dns_lookup_family?: 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'AUTO' | 'ALL';
  metadata?: Metadata;
}

/** What one proxy runs: the four xDS resource types. */
export interface EnvoyResources {
  listeners: Listener[];
  routeConfigs: RouteConfiguration[];
  clusters: Cluster[];
  /** ClusterLoadAssignments for the EDS clusters (EDS resources). */
  endpoints: ClusterLoadAssignment[];
}
