import {
  endpointNodes, translateVirtualGateway, translateVirtualNode, TranslationError,
  type Cluster, type RouteConfiguration, type TranslationResult,
} from '../../src/envoy/translate';
import { RESOURCE_TYPES, errorsOnly, formatIssues, validateEnvoyJson } from '../../src/envoy/validate';
import { SnapshotBuilder, walkthroughSnapshot } from './snapshot-builder';

const DEFAULT_RETRY = {
  retry_on: 'unavailable,connect-failure,refused-stream,retriable-status-codes',
  num_retries: 2,
  retriable_status_codes: [503],
  retry_host_predicate: [{
    name: 'envoy.retry_host_predicates.previous_hosts',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' },
  }],
  host_selection_retry_max_attempts: 5,
};
const OPEN = { max_connections: 2147483647, max_pending_requests: 2147483647, max_requests: 2147483647, max_retries: 2147483647 };

function cluster(r: TranslationResult, name: string): Cluster {
  const c = r.clusters.find((x) => x.name === name);
  if (!c) throw new Error(`no cluster ${name}; have ${r.clusters.map((x) => x.name).join(', ')}`);
  return c;
}
function routeConfig(r: TranslationResult, name: string): RouteConfiguration {
  const rc = r.routeConfigs.find((x) => x.name === name);
  if (!rc) throw new Error(`no route config ${name}; have ${r.routeConfigs.map((x) => x.name).join(', ')}`);
  return rc;
}
function egressHost(r: TranslationResult, host: string) {
  const vh = routeConfig(r, 'rds_egress_http_15001').virtual_hosts.find((v) => v.domains.includes(host));
  if (!vh) throw new Error(`no virtual host for ${host}`);
  return vh;
}

/** Every resource decodes strictly against Envoy's own protos. */
function expectValidEnvoy(r: TranslationResult): void {
  const check = (json: unknown, type: string) => {
    const errors = errorsOnly(validateEnvoyJson(json, type));
    if (errors.length) throw new Error(`${type}:\n${formatIssues(errors)}\n${JSON.stringify(json, null, 1)}`);
  };
  r.listeners.forEach((l) => check(l, RESOURCE_TYPES.listener));
  r.routeConfigs.forEach((rc) => check(rc, RESOURCE_TYPES.routeConfiguration));
  r.clusters.forEach((c) => check(c, RESOURCE_TYPES.cluster));
  r.endpoints.forEach((e) => check(e, RESOURCE_TYPES.clusterLoadAssignment));
}

describe('walkthrough (serviceA → serviceb.apps.local, 75/25)', () => {
  const snap = walkthroughSnapshot();
  const r = translateVirtualNode(snap, 'serviceA', {
    endpoints: { serviceB: [{ host: '127.0.0.1', port: 20001, source: 'proxy' }], serviceBv2: [{ host: '127.0.0.1', port: 20002, source: 'proxy', healthy: true }] },
    appPorts: { 80: 8080 },
  });

  test('App Mesh names for listeners, route configurations and clusters', () => {
    expect(r.node).toEqual({ id: 'mesh/apps/virtualNode/serviceA', cluster: 'mesh/apps/virtualNode/serviceA' });
    expect(r.listeners.map((l) => l.name)).toEqual(['lds_ingress_0.0.0.0_15000', 'lds_egress_0.0.0.0_15001']);
    expect(r.routeConfigs.map((rc) => rc.name)).toEqual(['rds_ingress_http_80', 'rds_egress_http_15001']);
    expect(r.clusters.map((c) => c.name)).toEqual([
      'cds_egress_apps_serviceB_http2_80', 'cds_egress_apps_serviceBv2_http2_80', 'cds_ingress_apps_serviceA_http2_80',
    ]);
    expect(r.warnings).toEqual([]);
  });

  test('one virtual host per backend service with svc and svc:port, weighted clusters 75/25', () => {
    const vh = egressHost(r, 'serviceb.apps.local');
    expect(vh.name).toBe('serviceb.apps.local');
    expect(vh.domains).toEqual(['serviceb.apps.local', 'serviceb.apps.local:80']);
    expect(vh.routes).toHaveLength(1);
    expect(vh.routes[0].match).toEqual({ prefix: '/' });
    expect(vh.routes[0].route!.weighted_clusters).toEqual({
      clusters: [{ name: 'cds_egress_apps_serviceB_http2_80', weight: 75 }, { name: 'cds_egress_apps_serviceBv2_http2_80', weight: 25 }],
    });
  });

  test('hidden defaults: retry policy, 15 s timeout, 300 s idle, open circuit breakers', () => {
    const action = egressHost(r, 'serviceb.apps.local').routes[0].route!;
    expect(action.retry_policy).toEqual(DEFAULT_RETRY);
    expect(action.timeout).toBe('15s');
    expect(action.idle_timeout).toBe('300s');
    for (const c of r.clusters) expect(c.circuit_breakers.thresholds).toEqual([OPEN]);
  });

  test('ingress: filter chain per listener port, app cluster on 127.0.0.1:<app port> with 0.250s connect timeout', () => {
    const ingress = r.listeners[0];
    expect(ingress.traffic_direction).toBe('INBOUND');
    expect(ingress.filter_chains).toHaveLength(1);
    expect(ingress.filter_chains[0].filter_chain_match).toEqual({ destination_port: 80 });
    const hcm = ingress.filter_chains[0].filters[0].typed_config as Record<string, any>;
    expect(hcm.stat_prefix).toBe('ingress');
    expect(hcm.rds.route_config_name).toBe('rds_ingress_http_80');
    expect(hcm.stream_idle_timeout).toBe('300s');
    const app = cluster(r, 'cds_ingress_apps_serviceA_http2_80');
    expect(app.type).toBe('STATIC');
    expect(app.connect_timeout).toBe('0.250s');
    expect(app.load_assignment!.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 8080 });
    expect(app.typed_extension_protocol_options).toBeDefined();
    const rc = routeConfig(r, 'rds_ingress_http_80');
    expect(rc.virtual_hosts[0].routes[0].route).toEqual({ cluster: 'cds_ingress_apps_serviceA_http2_80', timeout: '15s' });
  });

  test('egress clusters are EDS with the resolved endpoints', () => {
    const b = cluster(r, 'cds_egress_apps_serviceB_http2_80');
    expect(b.type).toBe('EDS');
    expect(b.connect_timeout).toBe('1s');
    expect(b.eds_cluster_config).toEqual({ eds_config: { ads: {}, resource_api_version: 'V3' } });
    expect(r.endpoints.map((e) => e.cluster_name)).toEqual(['cds_egress_apps_serviceB_http2_80', 'cds_egress_apps_serviceBv2_http2_80']);
    expect(r.endpoints[0].endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 20001 });
    expect(r.endpoints[1].endpoints[0].lb_endpoints[0].health_status).toBe('HEALTHY');
  });

  test('decodes strictly against Envoy protos', () => expectValidEnvoy(r));

  test('deterministic and pure', () => {
    const again = translateVirtualNode(walkthroughSnapshot(), 'serviceA', {
      endpoints: { serviceB: [{ host: '127.0.0.1', port: 20001, source: 'proxy' }], serviceBv2: [{ host: '127.0.0.1', port: 20002, source: 'proxy', healthy: true }] },
      appPorts: { 80: 8080 },
    });
    expect(JSON.stringify(again)).toBe(JSON.stringify(r));
    expect(endpointNodes(snap, { virtualNode: 'serviceA' })).toEqual(['serviceB', 'serviceBv2']);
  });

  test('serviceB has no backends: egress with no hosts, no ingress problems', () => {
    const b = translateVirtualNode(snap, 'serviceB');
    expect(routeConfig(b, 'rds_egress_http_15001').virtual_hosts).toEqual([]);
    expect(b.clusters.map((c) => c.name)).toEqual(['cds_ingress_apps_serviceB_http2_80']);
    expectValidEnvoy(b);
  });

  test('listen address and ports are options (local proxies bind 127.0.0.1)', () => {
    const local = translateVirtualNode(snap, 'serviceA', { listenAddress: '127.0.0.1', ingressPort: 25000, egressPort: 25001 });
    expect(local.listeners.map((l) => l.name)).toEqual(['lds_ingress_127.0.0.1_25000', 'lds_egress_127.0.0.1_25001']);
    expect(local.routeConfigs.map((rc) => rc.name)).toContain('rds_egress_http_25001');
  });
});

describe('errors and warnings', () => {
  test('unknown node or gateway → NotFoundException-style TranslationError', () => {
    const snap = walkthroughSnapshot();
    expect(() => translateVirtualNode(snap, 'nope')).toThrow(TranslationError);
    expect(() => translateVirtualNode(snap, 'nope')).toThrow('VirtualNode with name nope in mesh apps not found.');
    expect(() => translateVirtualGateway(snap, 'gw')).toThrow('VirtualGateway with name gw in mesh apps not found.');
  });

  test('missing backend service, missing target and no provider are reported, not fatal', () => {
    const snap = new SnapshotBuilder()
      .node('a', { backends: [{ virtualService: { virtualServiceName: 'ghost.local' } }, { virtualService: { virtualServiceName: 'empty.local' } }, { virtualService: { virtualServiceName: 'half.local' } }] })
      .service('empty.local')
      .node('b', { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] })
      .router('r', [[8080, 'http']])
      .route('r', 'split', { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'b', weight: 1 }, { virtualNode: 'gone', weight: 1 }] } } })
      .service('half.local', { router: 'r' })
      .build();
    const r = translateVirtualNode(snap, 'a');
    expect(r.warnings).toEqual([
      'virtual node a: backend virtual service ghost.local does not exist',
      'route r/split: target virtual node gone does not exist',
    ]);
    expect(egressHost(r, 'empty.local').routes).toEqual([]);
    expect(egressHost(r, 'half.local').routes[0].route!.weighted_clusters!.clusters).toEqual([{ name: 'cds_egress_apps_b_http_8080', weight: 1 }]);
    expect(r.listeners.map((l) => l.name)).toEqual(['lds_egress_0.0.0.0_15001']);
    expectValidEnvoy(r);
  });

  test('all weights zero → 503 direct response', () => {
    const snap = new SnapshotBuilder()
      .node('a', { backends: [{ virtualService: { virtualServiceName: 's' } }] })
      .node('b', { listeners: [{ portMapping: { port: 80, protocol: 'http' } }] })
      .router('r', [[80, 'http']])
      .route('r', 'x', { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'b', weight: 0 }] } } })
      .service('s', { router: 'r' })
      .build();
    const r = translateVirtualNode(snap, 'a');
    expect(egressHost(r, 's').routes[0].direct_response).toEqual({ status: 503, body: { inline_string: 'no healthy upstream' } });
    expectValidEnvoy(r);
  });
});

function routerMesh(routes: Array<[string, Record<string, unknown>]>, listeners: Array<[number, 'http' | 'http2' | 'grpc' | 'tcp']> = [[8080, 'http']]) {
  const b = new SnapshotBuilder()
    .node('client', { backends: [{ virtualService: { virtualServiceName: 'svc.local' } }] })
    .node('v1', { listeners: listeners.map(([port, protocol]) => ({ portMapping: { port, protocol } })) })
    .node('v2', { listeners: listeners.map(([port, protocol]) => ({ portMapping: { port, protocol } })) })
    .router('r', listeners);
  for (const [name, spec] of routes) b.route('r', name, spec as never);
  return b.service('svc.local', { router: 'r' }).build();
}
const to = (node: string) => ({ weightedTargets: [{ virtualNode: node, weight: 1 }] });

describe('match rules', () => {
  test('HTTP path, headers, method, scheme, query parameters', () => {
    const snap = routerMesh([
      ['full', {
        http2Route: {
          match: {
            path: { exact: '/orders' },
            method: 'POST',
            scheme: 'https',
            headers: [
              { name: 'X-Canary', match: { exact: 'true' } },
              { name: 'x-p', match: { prefix: 'ab' } },
              { name: 'x-s', match: { suffix: 'yz' } },
              { name: 'x-re', match: { regex: 'v[0-9]+' } },
              { name: 'x-range', match: { range: { start: 1, end: 10 } } },
              { name: 'x-present' },
              { name: 'x-not', invert: true, match: { exact: 'no' } },
            ],
            queryParameters: [{ name: 'id', match: { exact: '7' } }, { name: 'debug' }],
          },
          action: to('v2'),
        },
      }],
      ['re', { httpRoute: { match: { path: { regex: '/items/[0-9]+' } }, action: to('v1') } }],
    ]);
    const r = translateVirtualNode(snap, 'client');
    const [full, re] = egressHost(r, 'svc.local').routes;
    expect(full.name).toBe('full');
    expect(full.match).toEqual({
      path: '/orders',
      headers: [
        { name: 'x-canary', string_match: { exact: 'true' } },
        { name: 'x-p', string_match: { prefix: 'ab' } },
        { name: 'x-s', string_match: { suffix: 'yz' } },
        { name: 'x-re', string_match: { safe_regex: { regex: 'v[0-9]+' } } },
        { name: 'x-range', range_match: { start: 1, end: 10 } },
        { name: 'x-present', present_match: true },
        { name: 'x-not', string_match: { exact: 'no' }, invert_match: true },
        { name: ':method', string_match: { exact: 'POST' } },
        { name: ':scheme', string_match: { exact: 'https' } },
      ],
      query_parameters: [{ name: 'id', string_match: { exact: '7' } }, { name: 'debug', present_match: true }],
    });
    expect(re.match).toEqual({ safe_regex: { regex: '/items/[0-9]+' } });
    expectValidEnvoy(r);
  });

  test('gRPC service/method/metadata', () => {
    const snap = routerMesh([
      ['method', { grpcRoute: { match: { serviceName: 'pkg.Svc', methodName: 'Get', metadata: [{ name: 'tenant', match: { exact: 'a' } }] }, action: to('v2') } }],
      ['service', { grpcRoute: { match: { serviceName: 'pkg.Svc' }, action: to('v1') } }],
    ], [[50051, 'grpc']]);
    const r = translateVirtualNode(snap, 'client');
    const [m, s] = egressHost(r, 'svc.local').routes;
    expect(m.match).toEqual({ path: '/pkg.Svc/Get', grpc: {}, headers: [{ name: 'tenant', string_match: { exact: 'a' } }] });
    expect(s.match).toEqual({ prefix: '/pkg.Svc/', grpc: {} });
    expect(cluster(r, 'cds_egress_apps_v1_grpc_50051').typed_extension_protocol_options).toEqual({
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
        explicit_http_config: { http2_protocol_options: {} },
      },
    });
    expectValidEnvoy(r);
  });

  test('precedence: priority first (0 highest, unset last), then longest prefix, then conditions, then creation', () => {
    const snap = routerMesh([
      ['root', { httpRoute: { match: { prefix: '/' }, action: to('v1') } }],
      ['long', { httpRoute: { match: { prefix: '/api/v2' }, action: to('v2') } }],
      ['short', { httpRoute: { match: { prefix: '/api' }, action: to('v1') } }],
      ['canary', { httpRoute: { match: { prefix: '/', headers: [{ name: 'x-canary' }] }, action: to('v2') } }],
      ['p5', { priority: 5, httpRoute: { match: { prefix: '/' }, action: to('v1') } }],
      ['p0', { priority: 0, httpRoute: { match: { prefix: '/z' }, action: to('v2') } }],
      ['exact', { httpRoute: { match: { path: { exact: '/a' } }, action: to('v2') } }],
    ]);
    const r = translateVirtualNode(snap, 'client');
    expect(egressHost(r, 'svc.local').routes.map((x) => x.name)).toEqual(['p0', 'p5', 'exact', 'long', 'short', 'canary', 'root']);
  });

  test('routers with several listeners: a virtual host per port, routes by match.port', () => {
    const snap = routerMesh([
      ['web', { httpRoute: { match: { prefix: '/', port: 8080 }, action: { weightedTargets: [{ virtualNode: 'v1', weight: 1, port: 8080 }] } } }],
      ['admin', { httpRoute: { match: { prefix: '/', port: 9090 }, action: { weightedTargets: [{ virtualNode: 'v2', weight: 1, port: 9090 }] } } }],
    ], [[8080, 'http'], [9090, 'http']]);
    const r = translateVirtualNode(snap, 'client');
    const hosts = routeConfig(r, 'rds_egress_http_15001').virtual_hosts;
    expect(hosts.map((h) => [h.name, h.domains])).toEqual([
      ['svc.local:8080', ['svc.local', 'svc.local:8080']],
      ['svc.local:9090', ['svc.local:9090']],
    ]);
    expect(hosts[1].routes[0].route!.weighted_clusters!.clusters[0].name).toBe('cds_egress_apps_v2_http_9090');
    expectValidEnvoy(r);
  });
});

describe('retry policies and timeouts', () => {
  test('App Mesh retry events → Envoy retry_on and status codes', () => {
    const snap = routerMesh([
      ['r1', {
        httpRoute: {
          match: { prefix: '/a' },
          action: to('v1'),
          retryPolicy: {
            maxRetries: 3, perRetryTimeout: { value: 500, unit: 'ms' },
            httpRetryEvents: ['server-error', 'gateway-error', 'client-error', 'stream-error'], tcpRetryEvents: ['connection-error'],
          },
          timeout: { perRequest: { value: 2, unit: 's' }, idle: { value: 0, unit: 's' } },
        },
      }],
      ['r2', { grpcRoute: { match: { serviceName: 's' }, action: to('v1'), retryPolicy: { maxRetries: 1, perRetryTimeout: { value: 1, unit: 's' }, grpcRetryEvents: ['unavailable', 'cancelled'] } } }],
      ['r3', { httpRoute: { match: { prefix: '/b' }, action: to('v1'), retryPolicy: { maxRetries: 1, perRetryTimeout: { value: 5, unit: 's' }, httpRetryEvents: ['gateway-error', 'client-error', 'stream-error'] } } }],
    ]);
    const routes = egressHost(translateVirtualNode(snap, 'client'), 'svc.local').routes;
    const byName = Object.fromEntries(routes.map((x) => [x.name, x.route!]));
    expect(byName.r1.retry_policy).toEqual({
      retry_on: 'reset,retriable-status-codes,refused-stream,connect-failure',
      num_retries: 3,
      per_try_timeout: '0.500s',
      retriable_status_codes: [500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511, 409],
      retry_host_predicate: DEFAULT_RETRY.retry_host_predicate,
      host_selection_retry_max_attempts: 5,
    });
    expect(byName.r1.timeout).toBe('2s');
    expect(byName.r1.idle_timeout).toBe('0s');
    expect(byName.r2.retry_policy!.retry_on).toBe('unavailable,cancelled');
    expect(byName.r2.retry_policy!.num_retries).toBe(1);
    // Flagger's gateway-error,client-error,stream-error as seen in a real App Mesh config dump.
    expect(byName.r3.retry_policy!.retry_on).toBe('reset,retriable-status-codes,refused-stream');
    expect(byName.r3.retry_policy!.retriable_status_codes).toEqual([502, 503, 504, 409]);
    expect(byName.r3.retry_policy!.per_try_timeout).toBe('5s');
  });

  test('defaultRetryPolicy: false leaves routes without a policy', () => {
    const r = translateVirtualNode(walkthroughSnapshot(), 'serviceA', { defaultRetryPolicy: false });
    expect(egressHost(r, 'serviceb.apps.local').routes[0].route!.retry_policy).toBeUndefined();
  });

  test('listener timeouts apply on the server ingress route and idle timeout', () => {
    const snap = new SnapshotBuilder()
      .node('srv', { listeners: [{ portMapping: { port: 8080, protocol: 'http' }, timeout: { http: { perRequest: { value: 30, unit: 's' }, idle: { value: 1500, unit: 'ms' } } } }] })
      .build();
    const r = translateVirtualNode(snap, 'srv');
    expect(routeConfig(r, 'rds_ingress_http_8080').virtual_hosts[0].routes[0].route!.timeout).toBe('30s');
    const hcm = r.listeners[0].filter_chains[0].filters[0].typed_config as Record<string, any>;
    expect(hcm.stream_idle_timeout).toBe('1.500s');
    expect(hcm.upgrade_configs).toEqual([{ upgrade_type: 'websocket', enabled: true }]);
  });
});

describe('resilience settings', () => {
  const server = {
    listeners: [{
      portMapping: { port: 8080, protocol: 'http' as const },
      outlierDetection: { maxServerErrors: 5, interval: { value: 10, unit: 's' as const }, baseEjectionDuration: { value: 30, unit: 's' as const }, maxEjectionPercent: 50 },
      healthCheck: { protocol: 'http' as const, path: '/ping', intervalMillis: 5000, timeoutMillis: 2000, healthyThreshold: 2, unhealthyThreshold: 3 },
      connectionPool: { http: { maxConnections: 10, maxPendingRequests: 5 } },
    }],
  };
  const snap = new SnapshotBuilder()
    .node('caller', { backends: [{ virtualService: { virtualServiceName: 'srv.local' } }] })
    .node('srv', server)
    .service('srv.local', { node: 'srv' })
    .build();

  test('outlier detection and health checks from the server listener land on the caller egress cluster', () => {
    const r = translateVirtualNode(snap, 'caller');
    const c = cluster(r, 'cds_egress_apps_srv_http_8080');
    expect(c.outlier_detection).toEqual({ consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 50 });
    expect(c.health_checks).toEqual([{ timeout: '2s', interval: '5s', healthy_threshold: 2, unhealthy_threshold: 3, http_health_check: { path: '/ping' } }]);
    expect(c.circuit_breakers.thresholds).toEqual([OPEN]);
    // virtual node provider: one route, one cluster, default retry
    const vh = egressHost(r, 'srv.local');
    expect(vh.routes[0].route).toMatchObject({ cluster: 'cds_egress_apps_srv_http_8080', timeout: '15s', retry_policy: DEFAULT_RETRY });
    expectValidEnvoy(r);
  });

  test('connection pool → circuit breakers on the server ingress cluster', () => {
    const r = translateVirtualNode(snap, 'srv');
    expect(cluster(r, 'cds_ingress_apps_srv_http_8080').circuit_breakers.thresholds).toEqual([
      { max_connections: 10, max_pending_requests: 5, max_requests: 2147483647, max_retries: 2147483647 },
    ]);
    expectValidEnvoy(r);
  });

  test('DNS endpoints make a LOGICAL_DNS cluster with the hostname', () => {
    const r = translateVirtualNode(snap, 'caller', { endpoints: { srv: [{ host: 'localhost', port: 8080, source: 'dns' }] } });
    const c = cluster(r, 'cds_egress_apps_srv_http_8080');
    expect(c.type).toBe('LOGICAL_DNS');
    expect(c.load_assignment!.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: 'localhost', port_value: 8080 });
    expect(r.endpoints).toEqual([]);
    expectValidEnvoy(r);
  });
});

describe('TCP, ALLOW_ALL, access logs, TLS', () => {
  test('TCP routes become CONNECT routes; TCP listeners use tcp_proxy', () => {
    const snap = routerMesh([['db', { tcpRoute: { action: to('v1'), timeout: { idle: { value: 60, unit: 's' } } } }]], [[5432, 'tcp']]);
    const r = translateVirtualNode(snap, 'client');
    const route = egressHost(r, 'svc.local').routes[0];
    expect(route.match).toEqual({ connect_matcher: {} });
    expect(route.route).toMatchObject({ timeout: '0s', idle_timeout: '60s', upgrade_configs: [{ upgrade_type: 'CONNECT', connect_config: {} }] });
    expectValidEnvoy(r);
    const server = translateVirtualNode(snap, 'v1');
    const tp = server.listeners[0].filter_chains[0].filters[0];
    expect(tp.name).toBe('envoy.filters.network.tcp_proxy');
    expect(tp.typed_config).toMatchObject({ cluster: 'cds_ingress_apps_v1_tcp_5432', idle_timeout: '300s' });
    expectValidEnvoy(server);
  });

  test('ALLOW_ALL adds a catch-all passthrough', () => {
    const snap = new SnapshotBuilder('open', 'ALLOW_ALL').node('a', {}).build();
    const r = translateVirtualNode(snap, 'a');
    expect(routeConfig(r, 'rds_egress_http_15001').virtual_hosts).toEqual([
      { name: 'allow_all', domains: ['*'], routes: [{ name: 'allow_all', match: { prefix: '/' }, route: { cluster: 'cds_egress_open_passthrough', timeout: '0s' } }] },
    ]);
    expect(cluster(r, 'cds_egress_open_passthrough').type).toBe('ORIGINAL_DST');
    expectValidEnvoy(r);
  });

  test('access log from spec.logging (text and json formats)', () => {
    const text = translateVirtualNode(new SnapshotBuilder().node('a', { logging: { accessLog: { file: { path: '/dev/stdout', format: { text: '%RESPONSE_CODE%\n' } } } } }).build(), 'a');
    const hcm = text.listeners[0].filter_chains[0].filters[0].typed_config as Record<string, any>;
    expect(hcm.access_log).toEqual([{
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
        path: '/dev/stdout', log_format: { text_format_source: { inline_string: '%RESPONSE_CODE%\n' } },
      },
    }]);
    const json = translateVirtualNode(new SnapshotBuilder().node('a', { logging: { accessLog: { file: { path: '/tmp/x.log', format: { json: [{ key: 'code', value: '%RESPONSE_CODE%' }] } } } } }).build(), 'a');
    expect((json.listeners[0].filter_chains[0].filters[0].typed_config as any).access_log[0].typed_config.log_format).toEqual({ json_format: { code: '%RESPONSE_CODE%' } });
    expectValidEnvoy(text);
    expectValidEnvoy(json);
  });

  test('listener TLS (PERMISSIVE: TLS and plaintext chains) and client policy TLS', () => {
    const snap = new SnapshotBuilder()
      .node('caller', {
        backends: [{ virtualService: { virtualServiceName: 'srv.local' } }],
        backendDefaults: { clientPolicy: { tls: { validation: { trust: { file: { certificateChain: '/certs/ca.pem' } } } } } },
      })
      .node('srv', {
        listeners: [{ portMapping: { port: 8443, protocol: 'http' }, tls: { mode: 'PERMISSIVE', certificate: { file: { certificateChain: '/certs/srv.pem', privateKey: '/certs/srv.key' } } } }],
        serviceDiscovery: { dns: { hostname: 'srv.apps.local' } },
      })
      .service('srv.local', { node: 'srv' })
      .build();
    const srv = translateVirtualNode(snap, 'srv');
    const chains = srv.listeners[0].filter_chains;
    expect(chains.map((c) => c.filter_chain_match)).toEqual([{ destination_port: 8443, transport_protocol: 'tls' }, { destination_port: 8443 }]);
    expect(chains[0].transport_socket!.typed_config).toMatchObject({
      common_tls_context: { tls_certificates: [{ certificate_chain: { filename: '/certs/srv.pem' }, private_key: { filename: '/certs/srv.key' } }] },
    });
    const caller = translateVirtualNode(snap, 'caller');
    expect(cluster(caller, 'cds_egress_apps_srv_http_8443').transport_socket!.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: {
        validation_context: {
          trusted_ca: { filename: '/certs/ca.pem' },
          match_typed_subject_alt_names: [{ san_type: 'DNS', matcher: { exact: 'srv.apps.local' } }],
        },
      },
      sni: 'srv.apps.local',
    });
    expectValidEnvoy(srv);
    expectValidEnvoy(caller);
  });
});

describe('virtual gateway', () => {
  const snap = new SnapshotBuilder()
    .gateway('gw', { listeners: [{ portMapping: { port: 8088, protocol: 'http' } }] })
    .gatewayRoute('gw', 'root', { httpRoute: { match: { prefix: '/' }, action: { target: { virtualService: { virtualServiceName: 'web.local' } } } } })
    .gatewayRoute('gw', 'chapter', { httpRoute: { match: { prefix: '/chapter' }, action: { target: { virtualService: { virtualServiceName: 'book.local' } } } } })
    .gatewayRoute('gw', 'keep', {
      httpRoute: {
        match: { prefix: '/keep/', hostname: { exact: 'shop.example.com' } },
        action: { target: { virtualService: { virtualServiceName: 'book.local' } }, rewrite: { hostname: { defaultTargetHostname: 'DISABLED' }, prefix: { defaultPrefix: 'DISABLED' } } },
      },
    })
    .gatewayRoute('gw', 'exact', {
      httpRoute: { match: { path: { exact: '/old' } }, action: { target: { virtualService: { virtualServiceName: 'web.local' } }, rewrite: { path: { exact: '/new' } } } },
    })
    .node('web', { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] })
    .node('book', { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] })
    .service('web.local', { node: 'web' })
    .service('book.local', { node: 'book' })
    .build();
  const r = translateVirtualGateway(snap, 'gw');

  test('names: gateway listener, self_redirect cluster, ingress and egress route configs', () => {
    expect(r.node.id).toBe('mesh/apps/virtualGateway/gw');
    expect(r.listeners.map((l) => l.name)).toEqual(['lds_ingress_0.0.0.0_8088', 'lds_egress_0.0.0.0_15001']);
    expect(r.routeConfigs.map((rc) => rc.name)).toEqual(['rds_ingress_http_8088', 'rds_egress_http_15001']);
    const self = cluster(r, 'cds_ingress_apps_gw_self_redirect_http_15001');
    expect(self.load_assignment!.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 15001 });
  });

  test('gateway routes: longest prefix first, host and prefix rewrites, header instead of host rewrite', () => {
    const vh = routeConfig(r, 'rds_ingress_http_8088').virtual_hosts[0];
    expect(vh).toMatchObject({ name: 'self_redirect', domains: ['*'] });
    expect(vh.routes.map((x) => x.name)).toEqual(['exact', 'chapter', 'keep', 'root']);
    const byName = Object.fromEntries(vh.routes.map((x) => [x.name, x]));
    expect(byName.chapter.route).toEqual({
      cluster: 'cds_ingress_apps_gw_self_redirect_http_15001', timeout: '0s',
      regex_rewrite: { pattern: { regex: '^/chapter/?' }, substitution: '/' }, host_rewrite_literal: 'book.local',
    });
    expect(byName.root.route).toEqual({ cluster: 'cds_ingress_apps_gw_self_redirect_http_15001', timeout: '0s', host_rewrite_literal: 'web.local' });
    expect(byName.exact.route!.regex_rewrite).toEqual({ pattern: { regex: '^.*$' }, substitution: '/new' });
    expect(byName.keep.route!.host_rewrite_literal).toBeUndefined();
    expect(byName.keep.route!.regex_rewrite).toBeUndefined();
    expect(byName.keep.request_headers_to_add).toEqual([{ header: { key: 'x-app-mesh-virtual-service', value: 'book.local' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    expect(byName.keep.match.headers).toEqual([{ name: ':authority', string_match: { safe_regex: { regex: '(?i)^shop\\.example\\.com(:[0-9]+)?$' } } }]);
  });

  test('egress has the target services plus a default_backend keyed by x-app-mesh-virtual-service', () => {
    const hosts = routeConfig(r, 'rds_egress_http_15001').virtual_hosts;
    expect(hosts.map((h) => h.name)).toEqual(['web.local', 'book.local', 'default_backend']);
    const db = hosts[2];
    expect(db.domains).toEqual(['*']);
    expect(db.response_headers_to_remove).toEqual(['x-app-mesh-virtual-service']);
    expect(db.routes.map((x) => x.match.headers)).toEqual([
      [{ name: 'x-app-mesh-virtual-service', string_match: { exact: 'web.local' } }],
      [{ name: 'x-app-mesh-virtual-service', string_match: { exact: 'book.local' } }],
    ]);
    expect(endpointNodes(snap, { virtualGateway: 'gw' })).toEqual(['book', 'web']);
    expectValidEnvoy(r);
  });

  test('gateway port mapping for local binding', () => {
    const local = translateVirtualGateway(snap, 'gw', { listenAddress: '127.0.0.1', gatewayPorts: { 8088: 18088 } });
    expect(local.listeners[0].name).toBe('lds_ingress_127.0.0.1_18088');
    expect(local.routeConfigs[0].name).toBe('rds_ingress_http_8088');
  });
});
