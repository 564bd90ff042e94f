// Bootstrap assembly: how a proxy's xDS resources become a self-contained static bootstrap, and the
// shape of the ADS bootstrap.

import { dynamicBootstrap, parseXdsAddress, SDS_CLUSTER, staticBootstrap } from '../../src/xds/bootstrap';
import { errorsOnly, validateEnvoyJson } from '../../src/envoy/validate';
import { serviceAResources } from '../xds/helpers/static-source';

const node = { id: 'mesh/apps/virtualNode/serviceA' };

test('RDS is inlined and EDS clusters become STATIC with their endpoints', () => {
  const r = serviceAResources({ serviceB: 75, serviceBv2: 25 }, { serviceB: 8081, serviceBv2: 8082 });
  const boot = staticBootstrap(r, { node });
  const hcm = boot.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  expect(hcm.rds).toBeUndefined();
  expect(hcm.route_config.name).toBe('rds_egress_http_15001');
  const b = boot.static_resources.clusters[0];
  expect(b).toMatchObject({ name: 'cds_egress_apps_serviceB_http2_80', type: 'STATIC' });
  expect(b.eds_cluster_config).toBeUndefined();
  expect(b.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 8081 });
  expect(errorsOnly(validateEnvoyJson(boot))).toEqual([]);
  // The input is not modified.
  expect((r.listeners[0] as any).filter_chains[0].filters[0].typed_config.rds).toBeDefined();
});

test('host-name endpoints make STRICT_DNS; a cluster without endpoints stays valid and empty', () => {
  const r = serviceAResources({ serviceB: 75, serviceBv2: 25 }, { serviceB: 8081, serviceBv2: 8082 });
  (r.endpoints[0] as any).endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address = 'serviceb.internal';
  r.endpoints.pop();
  const boot = staticBootstrap(r, { node });
  expect(boot.static_resources.clusters.map((c: any) => [c.type, c.load_assignment.endpoints.length])).toEqual([['STRICT_DNS', 1], ['STATIC', 0]]);
  expect(errorsOnly(validateEnvoyJson(boot))).toEqual([]);
});

test('a listener naming a route configuration that was not generated is an error, not a broken file', () => {
  const r = serviceAResources({ serviceB: 75, serviceBv2: 25 }, { serviceB: 1, serviceBv2: 2 });
  r.routeConfigs = [];
  expect(() => staticBootstrap(r, { node })).toThrow('names route configuration rds_egress_http_15001, which was not generated');
});

test('TLS contexts that use SDS get the SDS cluster, on the given socket', () => {
  const r = serviceAResources({ serviceB: 75, serviceBv2: 25 }, { serviceB: 1, serviceBv2: 2 });
  (r.clusters[0] as any).transport_socket = {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: 'spiffe://apps/serviceA', sds_config: { api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: SDS_CLUSTER } }] }, resource_api_version: 'V3' } }],
      },
    },
  };
  const boot = staticBootstrap(r, { node, sdsSocketPath: '/tmp/agent.sock' });
  const sds = boot.static_resources.clusters.find((c: any) => c.name === SDS_CLUSTER);
  expect(sds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({ pipe: { path: '/tmp/agent.sock' } });
  expect(errorsOnly(validateEnvoyJson(boot))).toEqual([]);
  expect(staticBootstrap(serviceAResources({ serviceB: 1, serviceBv2: 1 }, { serviceB: 1, serviceBv2: 2 }), { node })
    .static_resources.clusters.map((c: any) => c.name)).not.toContain(SDS_CLUSTER);
});

test('ADS bootstrap: host names use STRICT_DNS, IPv6 literals are accepted', () => {
  expect(dynamicBootstrap({ node, xdsAddress: 'xds.internal:18000' }).static_resources.clusters[0]).toMatchObject({ type: 'STRICT_DNS' });
  const v6 = dynamicBootstrap({ node, xdsAddress: '[::1]:15010' });
  expect(v6.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '::1', port_value: 15010 });
  expect(errorsOnly(validateEnvoyJson(v6))).toEqual([]);
  expect(parseXdsAddress('127.0.0.1')).toEqual({ host: '127.0.0.1', port: 15010 });
  expect(() => parseXdsAddress('127.0.0.1:0')).toThrow('is not host:port');
  expect(() => parseXdsAddress('a:b:c')).toThrow('is not host:port');
});
