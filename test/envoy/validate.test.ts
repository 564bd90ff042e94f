// The strict Envoy validator: what it accepts, what it rejects (with where and why), and that the
// bytes it encodes decode back to the same message.

import {
  decodeEnvoyResource, encodeEnvoyResource, EnvoyConfigError, errorsOnly, RESOURCE_TYPES, validateEnvoyJson, type Issue,
} from '../../src/envoy/validate';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const PREVIOUS_HOSTS = 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

/** A small App Mesh-style bootstrap (egress listener, 75/25 route with the default retry policy). */
function bootstrap(): any {
  return {
    node: { id: 'mesh/apps/virtualNode/serviceA', cluster: 'mesh/apps/virtualNode/serviceA' },
    admin: { address: { socket_address: { address: '0.0.0.0', port_value: 9901 } } },
    static_resources: {
      listeners: [{
        name: 'lds_egress_0.0.0.0_15001',
        address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
        traffic_direction: 'OUTBOUND',
        filter_chains: [{
          filters: [{
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: 'egress',
              http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
              route_config: {
                name: 'rds_egress_http_15001',
                virtual_hosts: [{
                  name: 'serviceb.apps.local',
                  domains: ['serviceb.apps.local', 'serviceb.apps.local:80'],
                  routes: [{
                    match: { prefix: '/' },
                    route: {
                      weighted_clusters: { clusters: [{ name: 'cds_egress_apps_serviceB_http2_80', weight: 75 }, { name: 'cds_egress_apps_serviceBv2_http2_80', weight: 25 }] },
                      timeout: '15s',
                      retry_policy: {
                        retry_on: 'unavailable,connect-failure,refused-stream,retriable-status-codes',
                        num_retries: 2,
                        retriable_status_codes: [503],
                        host_selection_retry_max_attempts: '5',
                        retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': PREVIOUS_HOSTS } }],
                      },
                    },
                  }],
                }],
              },
            },
          }],
        }],
      }],
      clusters: ['serviceB', 'serviceBv2'].map((n) => ({
        name: `cds_egress_apps_${n}_http2_80`,
        type: 'STATIC',
        connect_timeout: '1s',
        outlier_detection: { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 50 },
        load_assignment: {
          cluster_name: `cds_egress_apps_${n}_http2_80`,
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: 8080 } } } }] }],
        },
      })),
    },
  };
}

const errors = (doc: unknown, type?: string): Issue[] => errorsOnly(validateEnvoyJson(doc, type));
const hcmOf = (b: any) => b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
const routeOf = (b: any) => hcmOf(b).route_config.virtual_hosts[0].routes[0];

describe('strict decoding against Envoy protos', () => {
  test('a well-formed App Mesh-style bootstrap has no issues', () => {
    expect(validateEnvoyJson(bootstrap())).toEqual([]);
  });

  test('lowerCamelCase JSON names are accepted like the snake_case proto names', () => {
    const b = bootstrap();
    b.staticResources = b.static_resources;
    delete b.static_resources;
    b.staticResources.clusters[0].connectTimeout = b.staticResources.clusters[0].connect_timeout;
    delete b.staticResources.clusters[0].connect_timeout;
    expect(errors(b)).toEqual([]);
  });

  test('unknown fields are reported with their path, inside Any payloads too', () => {
    const b = bootstrap();
    hcmOf(b).bogus_field = 1;
    b.static_resources.clusters[1].conect_timeout = '1s';
    expect(errors(b).map((i) => i.path)).toEqual([
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.bogus_field',
      'static_resources.clusters[1].conect_timeout',
    ]);
    expect(errors(b)[0].message).toContain('HttpConnectionManager');
  });

  test.each([
    ['port_value as a word', (b: any) => (b.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value = 'x'), 'expected an integer'],
    ['port out of uint32 range', (b: any) => (b.admin.address.socket_address.port_value = 2 ** 32), 'out of range'],
    ['a duration without unit', (b: any) => (b.static_resources.clusters[0].connect_timeout = '1'), 'expected a duration'],
    ['a duration as a number', (b: any) => (routeOf(b).route.timeout = 15), 'expected a duration'],
    ['an unknown enum name', (b: any) => (b.static_resources.clusters[0].type = 'STRICTDNS'), 'unknown value "STRICTDNS"'],
    ['a bool as a string', (b: any) => (hcmOf(b).generate_request_id = 'true'), 'expected true or false'],
    ['a repeated field given an object', (b: any) => (routeOf(b).route.retry_policy.retriable_status_codes = 503), 'expected an array'],
    ['an unknown @type', (b: any) => (hcmOf(b).http_filters[0].typed_config['@type'] = 'type.googleapis.com/envoy.extensions.filters.http.nope.v3.Nope'), 'unknown type'],
    ['two members of one oneof', (b: any) => (routeOf(b).route.cluster = 'x'), 'only one of cluster_specifier'],
  ])('rejects %s', (_what, mutate, message) => {
    const b = bootstrap();
    mutate(b);
    const found = errors(b);
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain(message);
  });

  test('protoc-gen-validate rules: required fields, lengths, ranges, required oneofs', () => {
    const b = bootstrap();
    delete hcmOf(b).stat_prefix; // string.min_len 1
    b.static_resources.clusters[0].name = ''; // cluster name min_len 1 (in Cluster? checked below)
    b.admin.address.socket_address.port_value = 70000; // uint32.lte 65535
    delete routeOf(b).match.prefix; // RouteMatch.path_specifier is a required oneof
    b.static_resources.clusters[1].connect_timeout = '0s'; // duration.gt 0
    const found = errors(b);
    const byPath = Object.fromEntries(found.map((i) => [i.path, i.message]));
    expect(byPath['static_resources.listeners[0].filter_chains[0].filters[0].typed_config.stat_prefix']).toBe('value must not be empty');
    expect(byPath['admin.address.socket_address.port_value']).toContain('less than or equal to 65535');
    expect(byPath['static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match'])
      .toContain('is required');
    expect(byPath['static_resources.clusters[1].connect_timeout']).toContain('greater than 0s');
  });

  test('header names are checked the way Envoy does', () => {
    const b = bootstrap();
    routeOf(b).match.headers = [{ name: 'bad header\n', string_match: { exact: 'x' } }];
    expect(errors(b).map((i) => i.path)).toEqual([
      'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].match.headers[0].name',
    ]);
  });

  test('deprecated fields are warnings, not errors', () => {
    const b = bootstrap();
    routeOf(b).route.weighted_clusters.total_weight = 100;
    const issues = validateEnvoyJson(b);
    expect(errorsOnly(issues)).toEqual([]);
    expect(issues).toEqual([expect.objectContaining({ severity: 'warning', message: 'field total_weight is deprecated' })]);
  });
});

describe('checks Envoy makes when loading a bootstrap', () => {
  test('an inline route naming an undefined cluster', () => {
    const b = bootstrap();
    b.static_resources.clusters.pop();
    expect(errors(b)).toEqual([expect.objectContaining({
      path: 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].name',
      message: 'route names cluster cds_egress_apps_serviceBv2_http2_80, which is not defined',
    })]);
  });

  test('the router must be the last HTTP filter', () => {
    const b = bootstrap();
    hcmOf(b).http_filters.push({ name: 'envoy.filters.http.fault', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' } });
    expect(errors(b).map((i) => i.message)).toEqual(['the router must be the last HTTP filter']);
  });

  test('duplicate names, STATIC clusters with host names, zero weights, ADS without ads_config', () => {
    const b = bootstrap();
    b.static_resources.clusters[1].name = b.static_resources.clusters[0].name;
    b.static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address = 'serviceb.apps.local';
    routeOf(b).route.weighted_clusters.clusters.forEach((c: any) => (c.weight = 0));
    b.dynamic_resources = { cds_config: { ads: {}, resource_api_version: 'V3' } };
    const messages = errors(b).map((i) => i.message);
    expect(messages).toEqual(expect.arrayContaining([
      'cluster cds_egress_apps_serviceB_http2_80 is defined twice',
      expect.stringContaining('a STATIC cluster needs IP addresses'),
      'the weights of weighted_clusters must add up to more than 0',
      'an ADS config source is used but dynamic_resources.ads_config is not set',
    ]));
    expect(messages).toHaveLength(4);
  });
});

describe('encoding xDS resources', () => {
  const cluster = {
    name: 'cds_egress_apps_serviceB_http2_80',
    type: 'EDS',
    connect_timeout: '0.250s',
    eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    circuit_breakers: { thresholds: [{ max_connections: 2147483647, max_requests: 2147483647 }] },
    metadata: { filter_metadata: { 'aws.appmesh.aggregate_stats': { config: '{"tags":[]}' } } },
  };

  test('encodes to protobuf bytes that decode to the same values', () => {
    const bytes = encodeEnvoyResource(RESOURCE_TYPES.cluster, cluster);
    const back = decodeEnvoyResource(RESOURCE_TYPES.cluster, bytes) as any;
    expect(back.name).toBe(cluster.name);
    expect(back.type).toBe('EDS');
    expect(back.connect_timeout).toEqual({ seconds: '0', nanos: 250_000_000 });
    expect(back.circuit_breakers.thresholds[0].max_connections).toEqual({ value: 2147483647 });
    expect(back.eds_cluster_config.eds_config.resource_api_version).toBe('V3');
    expect(back.metadata.filter_metadata['aws.appmesh.aggregate_stats'].fields.config.stringValue).toBe('{"tags":[]}');
  });

  test('Any payloads are encoded as their own message (typed_config round trip)', () => {
    const listener = bootstrap().static_resources.listeners[0];
    const back = decodeEnvoyResource(RESOURCE_TYPES.listener, encodeEnvoyResource(RESOURCE_TYPES.listener, listener)) as any;
    const any = back.filter_chains[0].filters[0].typed_config;
    expect(any.type_url).toBe(HCM);
    const hcm = decodeEnvoyResource('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', any.value) as any;
    expect(hcm.stat_prefix).toBe('egress');
    expect(hcm.route_config.virtual_hosts[0].routes[0].route.weighted_clusters.clusters.map((c: any) => c.weight.value)).toEqual([75, 25]);
  });

  test('refuses to encode an invalid resource, listing every problem', () => {
    let thrown: unknown;
    try {
      encodeEnvoyResource(RESOURCE_TYPES.cluster, { ...cluster, connect_timeout: 'soon', typo: true });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(EnvoyConfigError);
    expect((thrown as EnvoyConfigError).issues.map((i) => i.path)).toEqual(['connect_timeout', 'typo']);
  });
});
