// The App Mesh resources a data plane needs, typed as the API's Describe* outputs describe them
// (service model appmesh-2019-01-25). Only the members the translation reads are spelled out;
// everything is optional where the model makes it optional, because specs are kept as given.

export interface Duration {
  unit?: 's' | 'ms';
  value?: number;
}

export type PortProtocol = 'http' | 'http2' | 'grpc' | 'tcp';

export interface ResourceMetadata {
  arn: string;
  uid: string;
  version: number;
  createdAt: number | string | Date;
  lastUpdatedAt: number | string | Date;
  meshOwner: string;
  resourceOwner: string;
}

export interface MatchRange {
  start: number;
  end: number;
}

export interface HeaderMatchMethod {
  exact?: string;
  prefix?: string;
  suffix?: string;
  regex?: string;
  range?: MatchRange;
}

export interface HeaderMatchRule {
  name: string;
  invert?: boolean;
  match?: HeaderMatchMethod;
}

export interface QueryParameterRule {
  name: string;
  match?: { exact?: string };
}

export interface PathMatch {
  exact?: string;
  regex?: string;
}

export interface HttpTimeout {
  perRequest?: Duration;
  idle?: Duration;
}

export interface TcpTimeout {
  idle?: Duration;
}

export interface HealthCheckPolicy {
  protocol: PortProtocol;
  port?: number;
  path?: string;
  intervalMillis: number;
  timeoutMillis: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
}

export interface OutlierDetection {
  maxServerErrors: number;
  interval: Duration;
  baseEjectionDuration: Duration;
  maxEjectionPercent: number;
}

export interface ConnectionPool {
  http?: { maxConnections: number; maxPendingRequests?: number };
  http2?: { maxRequests: number };
  grpc?: { maxRequests: number };
  tcp?: { maxConnections: number };
}

export interface TlsValidation {
  trust: {
    acm?: { certificateAuthorityArns: string[] };
    file?: { certificateChain: string };
    sds?: { secretName: string };
  };
  subjectAlternativeNames?: { match: { exact: string[] } };
}

export interface TlsCertificate {
  acm?: { certificateArn: string };
  file?: { certificateChain: string; privateKey: string };
  sds?: { secretName: string };
}

export interface ListenerTls {
  mode: 'STRICT' | 'PERMISSIVE' | 'DISABLED';
  certificate: TlsCertificate;
  validation?: TlsValidation;
}

export interface ClientPolicy {
  tls?: {
    enforce?: boolean;
    ports?: number[];
    certificate?: TlsCertificate;
    validation: TlsValidation;
  };
}

export interface PortMapping {
  port: number;
  protocol: PortProtocol;
}

export interface NodeListener {
  portMapping: PortMapping;
  connectionPool?: ConnectionPool;
  healthCheck?: HealthCheckPolicy;
  outlierDetection?: OutlierDetection;
  timeout?: { http?: HttpTimeout; http2?: HttpTimeout; grpc?: HttpTimeout; tcp?: TcpTimeout };
  tls?: ListenerTls;
}

export interface AccessLogFormat {
  text?: string;
  json?: Array<{ key: string; value: string }>;
}

export interface Logging {
  accessLog?: { file?: { path: string; format?: AccessLogFormat } };
}

export interface VirtualNodeSpec {
  listeners?: NodeListener[];
  backends?: Array<{ virtualService?: { virtualServiceName: string; clientPolicy?: ClientPolicy } }>;
  backendDefaults?: { clientPolicy?: ClientPolicy };
  serviceDiscovery?: {
    dns?: { hostname: string; responseType?: 'LOADBALANCER' | 'ENDPOINTS'; ipPreference?: string };
    awsCloudMap?: {
      namespaceName: string;
      serviceName: string;
      attributes?: Array<{ key: string; value: string }>;
      ipPreference?: string;
    };
  };
  logging?: Logging;
}

export interface WeightedTarget {
  virtualNode: string;
  weight: number;
  port?: number;
}

export interface HttpRouteMatch {
  prefix?: string;
  path?: PathMatch;
  headers?: HeaderMatchRule[];
  method?: string;
  scheme?: 'http' | 'https';
  queryParameters?: QueryParameterRule[];
  port?: number;
}

export interface HttpRetryPolicy {
  maxRetries: number;
  perRetryTimeout: Duration;
  httpRetryEvents?: string[];
  tcpRetryEvents?: string[];
  grpcRetryEvents?: string[];
}

export interface HttpRoute {
  match: HttpRouteMatch;
  action: { weightedTargets: WeightedTarget[] };
  retryPolicy?: HttpRetryPolicy;
  timeout?: HttpTimeout;
}

export interface GrpcRouteMatch {
  serviceName?: string;
  methodName?: string;
  metadata?: HeaderMatchRule[];
  port?: number;
}

export interface GrpcRoute {
  match: GrpcRouteMatch;
  action: { weightedTargets: WeightedTarget[] };
  retryPolicy?: HttpRetryPolicy;
  timeout?: HttpTimeout;
}

export interface TcpRoute {
  match?: { port?: number };
  action: { weightedTargets: WeightedTarget[] };
  timeout?: TcpTimeout;
}

export interface RouteSpec {
  priority?: number;
  httpRoute?: HttpRoute;
  http2Route?: HttpRoute;
  grpcRoute?: GrpcRoute;
  tcpRoute?: TcpRoute;
}

export interface GatewayRouteTarget {
  virtualService: { virtualServiceName: string };
  port?: number;
}

export interface HostnameMatch {
  exact?: string;
  suffix?: string;
}

export interface HttpGatewayRoute {
  match: {
    prefix?: string;
    path?: PathMatch;
    headers?: HeaderMatchRule[];
    method?: string;
    hostname?: HostnameMatch;
    queryParameters?: QueryParameterRule[];
    port?: number;
  };
  action: {
    target: GatewayRouteTarget;
    rewrite?: {
      hostname?: { defaultTargetHostname?: 'ENABLED' | 'DISABLED' };
      prefix?: { defaultPrefix?: 'ENABLED' | 'DISABLED'; value?: string };
      path?: { exact?: string };
    };
  };
}

export interface GrpcGatewayRoute {
  match: { serviceName?: string; hostname?: HostnameMatch; metadata?: HeaderMatchRule[]; port?: number };
  action: { target: GatewayRouteTarget; rewrite?: { hostname?: { defaultTargetHostname?: 'ENABLED' | 'DISABLED' } } };
}

export interface GatewayRouteSpec {
  priority?: number;
  httpRoute?: HttpGatewayRoute;
  http2Route?: HttpGatewayRoute;
  grpcRoute?: GrpcGatewayRoute;
}

export interface VirtualGatewayListener {
  portMapping: { port: number; protocol: 'http' | 'http2' | 'grpc' };
  connectionPool?: ConnectionPool;
  healthCheck?: HealthCheckPolicy;
  tls?: ListenerTls;
}

export interface VirtualGatewaySpec {
  listeners: VirtualGatewayListener[];
  backendDefaults?: { clientPolicy?: ClientPolicy };
  logging?: Logging;
}

interface Resource {
  meshName: string;
  metadata?: ResourceMetadata;
  status?: { status?: string };
}

export interface MeshData extends Resource {
  spec: { egressFilter?: { type: 'ALLOW_ALL' | 'DROP_ALL' }; serviceDiscovery?: { ipPreference?: string } };
}
export interface VirtualNodeData extends Resource {
  virtualNodeName: string;
  spec: VirtualNodeSpec;
}
export interface VirtualRouterData extends Resource {
  virtualRouterName: string;
  spec: { listeners?: Array<{ portMapping: PortMapping }> };
}
export interface RouteData extends Resource {
  virtualRouterName: string;
  routeName: string;
  spec: RouteSpec;
}
export interface VirtualServiceData extends Resource {
  virtualServiceName: string;
  spec: { provider?: { virtualNode?: { virtualNodeName: string }; virtualRouter?: { virtualRouterName: string } } };
}
export interface VirtualGatewayData extends Resource {
  virtualGatewayName: string;
  spec: VirtualGatewaySpec;
}
export interface GatewayRouteData extends Resource {
  virtualGatewayName: string;
  gatewayRouteName: string;
  spec: GatewayRouteSpec;
}

/** One mesh and everything in it, as the App Mesh API describes it: the translator's only input. */
export interface MeshSnapshot {
  mesh: MeshData;
  virtualNodes: VirtualNodeData[];
  virtualRouters: VirtualRouterData[];
  routes: RouteData[];
  virtualServices: VirtualServiceData[];
  virtualGateways: VirtualGatewayData[];
  gatewayRoutes: GatewayRouteData[];
}
