// `awsmesh envoy bootstrap --appmesh-image`: the bootstrap the App Mesh Envoy image's agent builds
// from its environment. Expectations follow the outputs the agent's own tests pin (its
// envoy_bootstrap_test.go), and every bootstrap must decode strictly against Envoy's protos.

import * as fs from 'fs';
import * as path from 'path';
import { appmeshImageBootstrap, AGENT_CHANNEL_ARGS } from '../../src/envoy/appmesh-image';
import { goDurationToProto } from '../../src/envoy/appmesh-image/env';
import { errorsOnly, validateEnvoyJson } from '../../src/envoy/validate';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';

type Json = Record<string, any>;
const IFACES = { lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' as const, mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }] };
const files: Record<string, string> = {};
const build = (env: Record<string, string>): Json => appmeshImageBootstrap({
  env, interfaces: IFACES, parseYaml: (t) => JSON.parse(t), readFile: (f) => {
    if (!(f in files)) throw new Error(`ENOENT: ${f}`);
    return files[f];
  },
});
const BASE = { AWS_REGION: 'us-west-2', APPMESH_RESOURCE_ARN: 'mesh/foo/virtualNode/bar' };

function strict(doc: Json): void {
  const issues = validateEnvoyJson(doc);
  expect(errorsOnly(issues)).toEqual([]);
}

afterAll(() => cleanupHomes());

describe('ADS: where and how the image connects', () => {
  test('regional: TLS with the image CA bundle, aws_iam call credentials (appmesh, the region), the agent keepalive', () => {
    const doc = build({ ...BASE, APPMESH_XDS_ENDPOINT: 'mesh-cp.internal:443' });
    expect(doc.dynamicResources).toEqual({
      adsConfig: {
        apiType: 'GRPC', transportApiVersion: 'V3',
        grpcServices: [{
          googleGrpc: {
            targetUri: 'mesh-cp.internal:443', statPrefix: 'ads',
            channelCredentials: { sslCredentials: { rootCerts: { filename: '/etc/pki/tls/cert.pem' } } },
            credentialsFactoryName: 'envoy.grpc_credentials.aws_iam',
            callCredentials: [{ fromPlugin: { name: 'envoy.grpc_credentials.aws_iam', typedConfig: { '@type': 'type.googleapis.com/envoy.config.grpc_credential.v3.AwsIamConfig', serviceName: 'appmesh', region: 'us-west-2' } } }],
            channelArgs: {
              args: {
                'grpc.http2.max_pings_without_data': { intValue: '0' }, 'grpc.keepalive_time_ms': { intValue: '10000' },
                'grpc.keepalive_timeout_ms': { intValue: '20000' }, 'grpc.initial_reconnect_backoff_ms': { intValue: '10000' },
                'grpc.max_connection_age_ms': { intValue: '2400000' }, 'grpc.max_connection_age_grace_ms': { intValue: '5000' },
              },
            },
          },
        }],
      },
      ldsConfig: { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' },
      cdsConfig: { ads: {}, initialFetchTimeout: '0s', resourceApiVersion: 'V3' },
    });
    expect(AGENT_CHANNEL_ARGS['grpc.keepalive_time_ms']).toBe(10_000);
    strict(doc);
  });

  test('without APPMESH_XDS_ENDPOINT: App Mesh regional endpoints (China, dual-stack, preview); signing name', () => {
    const target = (env: Record<string, string>) => build({ ...BASE, ...env }).dynamicResources.adsConfig.grpcServices[0].googleGrpc;
    expect(target({}).targetUri).toBe('appmesh-envoy-management.us-west-2.amazonaws.com:443');
    expect(target({ AWS_REGION: 'cn-north-1' }).targetUri).toBe('appmesh-envoy-management.cn-north-1.amazonaws.com.cn:443');
    expect(target({ APPMESH_DUALSTACK_ENDPOINT: '1' }).targetUri).toBe('appmesh-envoy-management.us-west-2.api.aws:443');
    expect(target({ AWS_REGION: 'cn-north-1', APPMESH_DUALSTACK_ENDPOINT: 'true' }).targetUri).toBe('appmesh-envoy-management.cn-north-1.api.amazonwebservices.com.cn:443');
    const preview = target({ APPMESH_PREVIEW: '1' });
    expect(preview.targetUri).toBe('appmesh-preview-envoy-management.us-west-2.amazonaws.com:443');
    expect(preview.callCredentials[0].fromPlugin.typedConfig.serviceName).toBe('appmesh-preview');
    expect(target({ APPMESH_SIGNING_NAME: 'custom' }).callCredentials[0].fromPlugin.typedConfig.serviceName).toBe('custom');
  });

  test('ENVOY_INITIAL_FETCH_TIMEOUT; a malformed one is refused', () => {
    expect(build({ ...BASE, ENVOY_INITIAL_FETCH_TIMEOUT: '30' }).dynamicResources.cdsConfig.initialFetchTimeout).toBe('30s');
    expect(() => build({ ...BASE, ENVOY_INITIAL_FETCH_TIMEOUT: '6notaninteger' })).toThrow('ENVOY_INITIAL_FETCH_TIMEOUT environment variable ("6notaninteger") must be an integer value.');
  });

  test('the ECS relay (unix://): no TLS, no signing, no region needed; the local cluster', () => {
    const doc = build({ APPMESH_RESOURCE_ARN: 'arn:aws:ecs:us-west-2:123456789012:task-set/c/s/ecs-svc/1', APPMESH_XDS_ENDPOINT: 'unix:///tmp/xds-envoy-test.sock' });
    const grpc = doc.dynamicResources.adsConfig.grpcServices[0].googleGrpc;
    expect(grpc).toEqual({ targetUri: 'unix:///tmp/xds-envoy-test.sock', statPrefix: 'ads', channelArgs: expect.any(Object) });
    expect(doc.clusterManager).toEqual({ outlierDetection: { eventLogPath: '/dev/stdout' }, localClusterName: 'local_cluster' });
    expect(doc.staticResources.clusters).toEqual([{ name: 'local_cluster', type: 'EDS', edsClusterConfig: { edsConfig: { ads: {}, initialFetchTimeout: '0.001s', resourceApiVersion: 'V3' } } }]);
    strict(doc);
  });

  test('no AWS_REGION outside the relay: refused (awsmesh does not ask instance metadata)', () => {
    expect(() => build({ APPMESH_RESOURCE_ARN: 'mesh/foo/virtualNode/bar' })).toThrow(/AWS_REGION must be set/);
  });
});

describe('node, admin, runtime', () => {
  test('node id: APPMESH_RESOURCE_ARN, then APPMESH_RESOURCE_NAME, then APPMESH_VIRTUAL_NODE_NAME; cluster likewise', () => {
    const node = (env: Record<string, string>) => build({ AWS_REGION: 'us-west-2', ...env }).node;
    expect(node({ APPMESH_RESOURCE_ARN: 'mesh/a/virtualNode/a', APPMESH_RESOURCE_NAME: 'mesh/b/virtualNode/b', APPMESH_VIRTUAL_NODE_NAME: 'mesh/c/virtualNode/c' }).id).toBe('mesh/a/virtualNode/a');
    expect(node({ APPMESH_RESOURCE_NAME: 'mesh/m/virtualGateway/g', APPMESH_VIRTUAL_NODE_NAME: 'mesh/m/virtualNode/n' }).id).toBe('mesh/m/virtualGateway/g');
    expect(node({ APPMESH_VIRTUAL_NODE_NAME: 'mesh/m/virtualNode/n' })).toMatchObject({ id: 'mesh/m/virtualNode/n', cluster: 'mesh/m/virtualNode/n' });
    expect(node({ ...BASE, APPMESH_VIRTUAL_NODE_CLUSTER: 'vc' }).cluster).toBe('vc');
    expect(node({ ...BASE, APPMESH_RESOURCE_CLUSTER: 'rc', APPMESH_VIRTUAL_NODE_CLUSTER: 'vc' }).cluster).toBe('rc');
    expect(() => build({ AWS_REGION: 'us-west-2' })).toThrow('APPMESH_RESOURCE_ARN environment variable must be set.');
    // Stats tags need the mesh and resource from the id (unless a stats config file replaces them).
    expect(() => build({ AWS_REGION: 'us-west-2', APPMESH_RESOURCE_ARN: 'bar' })).toThrow('Unrecognized resource name format: bar');
  });

  test('node metadata: static runtime, interfaces, platform, Service Connect mappings', () => {
    const md = build({
      ...BASE, AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE', APPNET_CONTAINER_IP_MAPPING: '{"C1":"172.10.1.1"}', APPNET_LISTENER_PORT_MAPPING: '{"L1":15000}',
      NAMESPACE_NAME: 'my-namespace', APPMESH_METRIC_EXTENSION_VERSION: '1', MAX_REQUESTS_PER_IO_CYCLE: '1',
    }).node.metadata;
    expect(md['aws.appmesh.static_runtime']).toEqual({
      'envoy.features.enable_all_deprecated_features': true, 'envoy.reloadable_features.http_set_tracing_decision_in_request_id': true,
      'envoy.reloadable_features.no_extension_lookup_by_name': true, 'envoy.reloadable_features.use_http_client_to_fetch_aws_credentials': false,
      're2.max_program_size.error_level': 1000, 'http.max_requests_per_io_cycle': 1,
    });
    expect(md['aws.appmesh.task.interfaces']).toEqual({ ipv4: { lo: ['127.0.0.1/8'] } });
    expect(md['aws.appmesh.platformInfo'].ecsPlatformInfo).toEqual({ ecsLaunchType: 'AWS_ECS_FARGATE' });
    expect(md['aws.appmesh.metric_filter']).toEqual({ level: '1' });
    expect(md['aws.ecs.serviceconnect.ClusterIPMapping']).toEqual({ C1: '172.10.1.1' });
    expect(md['aws.ecs.serviceconnect.ListenerPortMapping']).toEqual({ L1: 15000 });
    expect(md['aws.ecs.serviceconnect.ServiceDiscovery']).toEqual({ NamespaceName: 'my-namespace' });
  });

  test('admin: 0.0.0.0:9901, ENVOY_ADMIN_ACCESS_PORT, IPv6, a Unix socket, the access log file', () => {
    const log = { typedConfig: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/tmp/envoy_admin_access.log' } };
    expect(build(BASE).admin).toEqual({ accessLog: [log], address: { socketAddress: { address: '0.0.0.0', portValue: 9901 } } });
    expect(build({ ...BASE, ENVOY_ADMIN_ACCESS_PORT: '1234' }).admin.address.socketAddress.portValue).toBe(1234);
    expect(build({ ...BASE, ENVOY_ADMIN_ACCESS_ENABLE_IPV6: 'true' }).admin.address).toEqual({ socketAddress: { address: '::', portValue: 9901, ipv4Compat: true } });
    expect(build({ ...BASE, ENVOY_ADMIN_MODE: 'uds' }).admin.address).toEqual({ pipe: { path: '/tmp/envoy_admin.sock', mode: 384 } });
    expect(build({ ...BASE, ENVOY_ADMIN_ACCESS_LOG_FILE: '/dev/stdout' }).admin.accessLog[0].typedConfig.path).toBe('/dev/stdout');
    expect(() => build({ ...BASE, ENVOY_ADMIN_ACCESS_ENABLE_IPV6: 'yes' })).toThrow('ENVOY_ADMIN_ACCESS_ENABLE_IPV6 environment variable ("yes") must be a boolean value.');
  });

  test('layered runtime and cluster manager', () => {
    const doc = build({ ...BASE, APPMESH_SET_TRACING_DECISION: 'false', ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH: '/custom/path' });
    expect(doc.layeredRuntime.layers[0].name).toBe('static_layer_0');
    expect(doc.layeredRuntime.layers[0].staticLayer['envoy.reloadable_features.http_set_tracing_decision_in_request_id']).toBe(false);
    expect(doc.layeredRuntime.layers[1]).toEqual({ name: 'admin_layer', adminLayer: {} });
    expect(doc.clusterManager).toEqual({ outlierDetection: { eventLogPath: '/custom/path' } });
  });
});

describe('tracing, stats, sinks, SDS', () => {
  test('X-Ray: segment name mesh/name, daemon address, App Mesh segment fields, sampling rate inlined', () => {
    const doc = build({ ...BASE, ENABLE_ENVOY_XRAY_TRACING: '1', AWS_XRAY_DAEMON_ADDRESS: '10.0.0.1:3000', XRAY_SAMPLING_RATE: '0.1' });
    expect(doc.tracing.http.name).toBe('envoy.tracers.xray');
    const cfg = doc.tracing.http.typedConfig;
    expect(cfg).toMatchObject({
      segmentName: 'foo/bar', daemonEndpoint: { protocol: 'UDP', address: '10.0.0.1', portValue: 3000 },
      segmentFields: { origin: 'AWS::AppMesh::Proxy', aws: { app_mesh: { mesh_name: 'foo', virtual_node_name: 'bar' } } },
    });
    expect(JSON.parse(cfg.samplingRuleManifest.inlineString)).toEqual({ version: 2, default: { fixed_target: 1, rate: 0.1 }, rules: [] });
    strict(doc);
    expect(build({ ...BASE, ENABLE_ENVOY_XRAY_TRACING: '1', XRAY_SAMPLING_RATE: '0.05' }).tracing.http.typedConfig.samplingRuleManifest).toBeUndefined();
    expect(() => build({ ...BASE, ENABLE_ENVOY_XRAY_TRACING: '1', AWS_XRAY_DAEMON_ADDRESS: 'xray.local' })).toThrow(/static IPv4 or IPv6/);
    expect(() => build({ ...BASE, ENABLE_ENVOY_XRAY_TRACING: '1', ENABLE_ENVOY_JAEGER_TRACING: '1' })).toThrow(/Only a single envoy trace driver/);
  });

  test('Datadog and Jaeger: the tracer and its collector cluster', () => {
    const dd = build({ ...BASE, ENABLE_ENVOY_DATADOG_TRACING: 'true' });
    expect(dd.tracing.http.typedConfig).toMatchObject({ collectorCluster: 'datadog_agent', serviceName: 'envoy-foo/bar' });
    expect(dd.staticResources.clusters[0]).toMatchObject({ name: 'datadog_agent', type: 'STRICT_DNS', connectTimeout: '1s' });
    strict(dd);
    const jg = build({ ...BASE, ENABLE_ENVOY_JAEGER_TRACING: '1', JAEGER_TRACER_VERSION: 'JSON' });
    expect(jg.tracing.http.typedConfig).toMatchObject({ collectorCluster: 'jaeger', collectorEndpoint: '/api/v2/spans', collectorEndpointVersion: 'HTTP_JSON', sharedSpanContext: false });
    strict(jg);
  });

  test('stats tags: listener port/protocol always, mesh tags with ENABLE_ENVOY_STATS_TAGS, extension v1 tags', () => {
    const names = (env: Record<string, string>) => build({ ...BASE, ...env }).statsConfig.statsTags.map((t: Json) => t.tagName);
    expect(names({})).toEqual(['appmesh.listener_protocol', 'appmesh.listener_port', 'envoy_rds_route_config']);
    const tags = build({ ...BASE, ENABLE_ENVOY_STATS_TAGS: '1' }).statsConfig.statsTags;
    expect(tags.slice(0, 2)).toEqual([{ tagName: 'appmesh.mesh', fixedValue: 'foo' }, { tagName: 'appmesh.virtual_node', fixedValue: 'bar' }]);
    expect(names({ APPMESH_METRIC_EXTENSION_VERSION: '1' }).slice(0, 4)).toEqual(['TargetVirtualNode', 'TargetVirtualService', 'Mesh', 'VirtualNode']);
    expect(build({ ...BASE, ENVOY_STATS_CONFIG_FILE: '/x.yaml', ENVOY_STATS_FLUSH_INTERVAL: '1m30s', ...(files['/x.yaml'] = '{"stats_config": {"use_all_default_tags": true}}', {}) }))
      .toMatchObject({ statsConfig: { use_all_default_tags: true }, statsFlushInterval: '90s' });
  });

  test('DogStatsD sink over UDP or a socket; the SDS agent cluster', () => {
    const sink = build({ ...BASE, ENABLE_ENVOY_DOG_STATSD: '1' }).statsSinks[0];
    expect(sink).toEqual({ name: 'envoy.stat_sinks.dog_statsd', typedConfig: { '@type': 'type.googleapis.com/envoy.config.metrics.v3.DogStatsdSink', address: { socketAddress: { protocol: 'UDP', address: '127.0.0.1', portValue: 8125 } } } });
    expect(build({ ...BASE, ENABLE_ENVOY_DOG_STATSD: '1', STATSD_SOCKET_PATH: '/data/statd.sock' }).statsSinks[0].typedConfig.address).toEqual({ pipe: { path: '/data/statd.sock' } });
    const doc = build({ ...BASE, APPMESH_SDS_SOCKET_PATH: '/path/to/socket', ENABLE_ENVOY_DOG_STATSD: '1' });
    expect(doc.staticResources.clusters).toEqual([{
      name: 'static_cluster_sds_unix_socket', type: 'STATIC', connectTimeout: '1s', http2ProtocolOptions: {},
      loadAssignment: { clusterName: 'static_cluster_sds_unix_socket', endpoints: [{ lbEndpoints: [{ endpoint: { address: { pipe: { path: '/path/to/socket' } } } }] }] },
    }]);
    strict(doc);
  });

  test('custom config files: one tracing, appended sinks and static resources, snake/camel conflicts refused', () => {
    files['/tracing.json'] = JSON.stringify({ tracing: { http: { name: 'envoy.tracers.zipkin', typedConfig: { '@type': 'type.googleapis.com/envoy.config.trace.v3.ZipkinConfig', collectorCluster: 'z', collectorEndpoint: '/api/v2/spans', collectorEndpointVersion: 'HTTP_JSON' } } } });
    files['/resources.json'] = JSON.stringify({ static_resources: { clusters: [{ name: 'extra', type: 'STATIC', connectTimeout: '1s' }] } });
    const doc = build({ ...BASE, ENVOY_TRACING_CFG_FILE: '/tracing.json', ENVOY_RESOURCES_CONFIG_FILE: '/resources.json', APPMESH_SDS_SOCKET_PATH: '/s' });
    expect(doc.tracing.http.typedConfig.collectorCluster).toBe('z');
    expect(doc.staticResources.clusters.map((c: Json) => c.name)).toEqual(['static_cluster_sds_unix_socket', 'extra']);
    strict(doc);
    files['/conflict.json'] = JSON.stringify({ statsSinks: [], stats_sinks: [] });
    expect(() => build({ ...BASE, ENVOY_STATS_SINKS_CFG_FILE: '/conflict.json' })).toThrow(/both statsSinks\(lowerCamelCase\) & stats_sinks\(snake_case\)/);
    files['/empty.json'] = '{}';
    expect(() => build({ ...BASE, ENVOY_TRACING_CFG_FILE: '/empty.json' })).toThrow('Specified ENVOY_TRACING_CFG_FILE /empty.json is empty.');
    expect(() => build({ ...BASE, ENVOY_TRACING_CFG_FILE: '/missing.json' })).toThrow(/failure to parse ENVOY_TRACING_CFG_FILE/);
  });

  test('Go durations become protobuf durations', () => {
    expect(goDurationToProto('15s')).toBe('15s');
    expect(goDurationToProto('1m30s')).toBe('90s');
    expect(goDurationToProto('250ms')).toBe('0.250s');
    expect(goDurationToProto('1h')).toBe('3600s');
    expect(() => goDurationToProto('not_a_duration')).toThrow('time: invalid duration "not_a_duration"');
  });
});

describe('the command', () => {
  test('prints the bootstrap from the environment, validated against Envoy\'s protos; YAML too', async () => {
    const env = { ...BASE, APPMESH_XDS_ENDPOINT: 'mesh-cp.internal:443', ENABLE_ENVOY_XRAY_TRACING: '1', ENABLE_ENVOY_DOG_STATSD: '1', ENVOY_ADMIN_ACCESS_PORT: '9902' };
    const r = await runCli(['envoy', 'bootstrap', '--appmesh-image', '--validate'], { env });
    // Bootstrap-level tracing is deprecated in Envoy (the image's agent writes it all the same): a warning, not an error.
    expect(r.stderr).toBe('warning: tracing: field tracing is deprecated\n');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.node.id).toBe('mesh/foo/virtualNode/bar');
    expect(doc.admin.address.socketAddress.portValue).toBe(9902);
    const y = await runCli(['envoy', 'bootstrap', '--appmesh-image', '--format', 'yaml'], { env });
    expect(y.stdout).toMatch(/^node:\n {2}id: mesh\/foo\/virtualNode\/bar/);
    // The result validates as a file too.
    const home = tempHome();
    fs.writeFileSync(path.join(home, 'bootstrap.yaml'), y.stdout);
    const v = await runCli(['envoy', 'validate', path.join(home, 'bootstrap.yaml')]);
    expect(v.code).toBe(0);
  });

  test('bad environment or flags that do not apply: usage errors (252), nothing printed', async () => {
    const noRegion = await runCli(['envoy', 'bootstrap', '--appmesh-image'], { env: { APPMESH_RESOURCE_ARN: 'mesh/foo/virtualNode/bar' } });
    expect(noRegion.code).toBe(252);
    expect(noRegion.stdout).toBe('');
    expect(noRegion.stderr).toMatch(/AWS_REGION must be set/);
    const flags = await runCli(['envoy', 'bootstrap', '--appmesh-image', '--mesh', 'foo'], { env: BASE });
    expect(flags.code).toBe(252);
    expect(flags.stderr).toMatch(/drop --mesh/);
  });
});
