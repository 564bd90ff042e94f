// What proxyless gRPC clients are served instead of Envoy's resources, for the cases gRPC rejects
// or cannot use (gRFC A27/A28 validation in @grpc/grpc-js-xds).

import { encodeEnvoyResource } from '../../src/envoy/validate';
import { isProxylessClient, proxylessResources } from '../../src/xds/proxyless';
import { XDS_TYPES } from '../../src/xds/resource-types';
import { serviceAResources } from './helpers/static-source';

const ports = { serviceB: 8081, serviceBv2: 8082 };

function routesOf(r: ReturnType<typeof serviceAResources>): any[] {
  return (r.routeConfigs[0] as any).virtual_hosts[0].routes;
}

test('one api_listener and route configuration per virtual service domain; only the clusters they use', () => {
  const envoy = serviceAResources({ serviceB: 75, serviceBv2: 25 }, ports);
  (envoy.clusters as any[]).push({ name: 'unused', type: 'EDS', connect_timeout: '1s', eds_cluster_config: { eds_config: { ads: {} } } });
  const g = proxylessResources(envoy, { locality: 'us-west-2' }) as any;
  expect(g.listeners.map((l: any) => l.name)).toEqual(['serviceb.apps.local', 'serviceb.apps.local:80']);
  expect(g.routeConfigs.map((rc: any) => [rc.name, rc.virtual_hosts[0].domains])).toEqual([
    ['serviceb.apps.local', ['serviceb.apps.local']], ['serviceb.apps.local:80', ['serviceb.apps.local:80']],
  ]);
  expect(g.clusters.map((c: any) => c.name)).toEqual(['cds_egress_apps_serviceB_http2_80', 'cds_egress_apps_serviceBv2_http2_80']);
  expect(g.endpoints[0]).toEqual({
    cluster_name: 'cds_egress_apps_serviceB_http2_80',
    endpoints: [{ locality: { region: 'us-west-2' }, load_balancing_weight: 1, lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8081 } } } }] }],
  });
  for (const type of XDS_TYPES) for (const res of g[type.key] ?? []) expect(() => encodeEnvoyResource(type.message, res)).not.toThrow();
});

test('what gRPC would reject is adapted: zero retries, zero weights, non-forwarding routes', () => {
  const envoy = serviceAResources({ serviceB: 100, serviceBv2: 0 }, ports);
  const routes = routesOf(envoy);
  routes[0].route.retry_policy.num_retries = 0;
  routes.unshift({ match: { prefix: '/down' }, direct_response: { status: 503 } });
  const g = proxylessResources(envoy) as any;
  const served = g.routeConfigs[0].virtual_hosts[0].routes;
  expect(served).toHaveLength(1);
  expect(served[0].route.retry_policy).toBeUndefined();
  expect(served[0].route.weighted_clusters.clusters.map((c: any) => c.name)).toEqual(['cds_egress_apps_serviceB_http2_80']);
  expect(g.clusters.map((c: any) => c.name)).toEqual(['cds_egress_apps_serviceB_http2_80']);
  // The Envoy resources are left as they were.
  expect(routesOf(envoy)).toHaveLength(2);
  expect(routesOf(envoy)[1].route.retry_policy.num_retries).toBe(0);
});

test('DNS clusters are served as EDS clusters, from their load assignment', () => {
  const envoy = serviceAResources({ serviceB: 50, serviceBv2: 50 }, ports);
  const dns = envoy.clusters[1] as any;
  dns.type = 'LOGICAL_DNS';
  delete dns.eds_cluster_config;
  dns.outlier_detection = { consecutive_5xx: 3 };
  dns.health_checks = [{ timeout: '1s', interval: '5s', healthy_threshold: 2, unhealthy_threshold: 2, http_health_check: { path: '/ping' } }];
  dns.load_assignment = envoy.endpoints.pop();
  const g = proxylessResources(envoy) as any;
  expect(g.clusters[1]).toEqual({
    name: 'cds_egress_apps_serviceBv2_http2_80', type: 'EDS', eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    connect_timeout: '1s', lb_policy: 'ROUND_ROBIN', outlier_detection: { consecutive_5xx: 3 },
  });
  expect(g.endpoints[1].endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value).toBe(8082);
});

test('a DNS-named endpoint is dropped (gRPC needs IPs), localhost becomes 127.0.0.1', () => {
  const envoy = serviceAResources({ serviceB: 50, serviceBv2: 50 }, ports);
  const sa = (i: number) => (envoy.endpoints[i] as any).endpoints[0].lb_endpoints[0].endpoint.address.socket_address;
  sa(0).address = 'localhost';
  sa(1).address = 'serviceBv2.apps.local';
  const g = proxylessResources(envoy) as any;
  expect(g.endpoints[0].endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address).toBe('127.0.0.1');
  expect(g.endpoints[1].endpoints).toEqual([]);
});

test('clients are told apart by their user agent', () => {
  expect(isProxylessClient({ user_agent_name: 'gRPC Node Pure JS' })).toBe(true);
  expect(isProxylessClient({ user_agent_name: 'grpc-go' })).toBe(true);
  expect(isProxylessClient({ user_agent_name: 'envoy' })).toBe(false);
  expect(isProxylessClient(undefined)).toBe(false);
});
