// `awsmesh envoy bootstrap --appmesh-image`: the Envoy bootstrap the App Mesh Envoy image's agent
// (aws/amazon-ecs-service-connect-agent, agent/envoy_bootstrap) generates from its environment
// variables, written independently from what that agent does: node id and cluster from
// APPMESH_RESOURCE_ARN & co., ADS over TLS to APPMESH_XDS_ENDPOINT (or App Mesh's regional
// endpoint) signed by Envoy's aws_iam call credentials, the agent's keepalive channel args, its
// runtime layer, admin, tracing, stats tags and sinks. Keys are protobuf JSON names
// (lowerCamelCase), as the agent's protojson output has them.
//
// Differences, by design: nothing is fetched over the network (no EC2/ECS metadata: set AWS_REGION;
// no zone locality), FIPS endpoints are not chosen (the agent asks `envoy --version`; set
// APPMESH_XDS_ENDPOINT), and XRAY_SAMPLING_RATE's manifest is inlined instead of written to /tmp.

import { isIP } from 'net';
import { AgentEnv, AgentEnvError, goDurationToProto } from './env';
import { CUSTOM_CONFIG_FILES, mergeCustomConfig } from './custom-config';
import { nodeMetadata, runtimeLayer0, type Interfaces } from './metadata';

export { AgentEnvError };

type Json = Record<string, unknown>;

const T = 'type.googleapis.com/';
export const AWS_IAM_CREDENTIALS = 'envoy.grpc_credentials.aws_iam';
/** Where the image's CA bundle lives; the control plane's certificate must chain to one in it. */
export const IMAGE_CA_BUNDLE = '/etc/pki/tls/cert.pem';
export const LOCAL_CLUSTER = 'local_cluster';
export const SDS_SOCKET_CLUSTER = 'static_cluster_sds_unix_socket';

/** The agent's gRPC channel arguments for the ADS stream (keepalive every 10 s, reconnect after 10 s). */
export const AGENT_CHANNEL_ARGS: Record<string, number> = {
  'grpc.http2.max_pings_without_data': 0,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.initial_reconnect_backoff_ms': 10_000,
  'grpc.max_connection_age_ms': 2_400_000,
  'grpc.max_connection_age_grace_ms': 5_000,
};

export interface AppMeshImageOptions {
  env: NodeJS.ProcessEnv;
  /** Reads the files the variables name (custom configs, X-Ray sampling manifest). */
  readFile(path: string): string;
  /** Parses YAML (the custom config files are YAML or JSON). */
  parseYaml(text: string): unknown;
  /** The task's network interfaces (default: this host's). */
  interfaces?: Interfaces;
  warn?(line: string): void;
}

interface MeshResource {
  mesh: string;
  type: string;
  name: string;
}

/** `mesh/<m>/<type>/<name>` or its ARN: the agent reads the second to fourth `/`-separated parts. */
function meshResource(nodeId: string): MeshResource | undefined {
  const bits = nodeId.split('/');
  return bits.length < 4 ? undefined : { mesh: bits[1], type: bits[2], name: bits[3] };
}

const snakeCase = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const upperCamel = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function nodeIdOf(env: AgentEnv): string {
  const id = env.get('APPMESH_RESOURCE_ARN') || env.get('APPMESH_RESOURCE_NAME') || env.get('APPMESH_VIRTUAL_NODE_NAME');
  if (!id) throw new AgentEnvError('APPMESH_RESOURCE_ARN environment variable must be set.');
  return id;
}

const tcp = (address: string, port: number, ipv4Compat = false): Json =>
  ({ socketAddress: { address, portValue: port, ...(ipv4Compat ? { ipv4Compat: true } : {}) } });
const udp = (address: string, port: number): Json => ({ socketAddress: { protocol: 'UDP', address, portValue: port } });
const pipe = (path: string, mode?: number): Json => ({ pipe: { path, ...(mode ? { mode } : {}) } });
const intArg = (n: number): Json => ({ intValue: String(n) });

function admin(env: AgentEnv): Json {
  const accessLog = [{ typedConfig: { '@type': `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`, path: env.or('ENVOY_ADMIN_ACCESS_LOG_FILE', '/tmp/envoy_admin_access.log') } }];
  if (env.get('ENVOY_ADMIN_MODE').toLowerCase() === 'uds') return { accessLog, address: pipe('/tmp/envoy_admin.sock', 0o600) };
  const port = env.int('ENVOY_ADMIN_ACCESS_PORT', 9901);
  const v6 = env.bool('ENVOY_ADMIN_ACCESS_ENABLE_IPV6');
  return { accessLog, address: tcp(v6 ? '::' : '0.0.0.0', port, v6) };
}

function xdsDomain(region: string, dualstack: boolean): string {
  const china = region.startsWith('cn-');
  if (dualstack) return china ? 'api.amazonwebservices.com.cn' : 'api.aws';
  return china ? 'amazonaws.com.cn' : 'amazonaws.com';
}

/** APPMESH_XDS_ENDPOINT, else App Mesh's own regional endpoint (what the image connected to before). */
export function xdsEndpoint(env: AgentEnv, region: string): string {
  const explicit = env.get('APPMESH_XDS_ENDPOINT');
  if (explicit) return explicit;
  const host = env.bool('APPMESH_PREVIEW') ? 'appmesh-preview-envoy-management' : 'appmesh-envoy-management';
  return `${host}.${region}.${xdsDomain(region, env.bool('APPMESH_DUALSTACK_ENDPOINT'))}:443`;
}

export function signingName(env: AgentEnv): string {
  return env.get('APPMESH_SIGNING_NAME') || (env.bool('APPMESH_PREVIEW') ? 'appmesh-preview' : 'appmesh');
}

function adsSource(timeout: string): Json {
  return { initialFetchTimeout: timeout, ads: {}, resourceApiVersion: 'V3' };
}

function dynamicResources(env: AgentEnv, grpcService: Json): Json {
  const timeout = `${env.int('ENVOY_INITIAL_FETCH_TIMEOUT', 0)}s`;
  return {
    adsConfig: { apiType: 'GRPC', transportApiVersion: 'V3', grpcServices: [grpcService] },
    ldsConfig: adsSource(timeout),
    cdsConfig: adsSource(timeout),
  };
}

function channelArgs(): Json {
  return { args: Object.fromEntries(Object.entries(AGENT_CHANNEL_ARGS).map(([k, v]) => [k, intArg(v)])) };
}

/** ADS to a host:port over TLS (the image's CA bundle) with SigV4-signed calls (aws_iam). */
function regionalAds(endpoint: string, region: string, signing: string): Json {
  return {
    googleGrpc: {
      targetUri: endpoint,
      channelCredentials: { sslCredentials: { rootCerts: { filename: IMAGE_CA_BUNDLE } } },
      callCredentials: [{
        fromPlugin: {
          name: AWS_IAM_CREDENTIALS,
          typedConfig: { '@type': `${T}envoy.config.grpc_credential.v3.AwsIamConfig`, serviceName: signing, region },
        },
      }],
      credentialsFactoryName: AWS_IAM_CREDENTIALS,
      statPrefix: 'ads',
      channelArgs: channelArgs(),
    },
  };
}

/** ADS to the ECS relay on a Unix socket: no TLS, no signing. */
function relayAds(endpoint: string): Json {
  return { googleGrpc: { targetUri: endpoint, statPrefix: 'ads', channelArgs: channelArgs() } };
}

function staticCluster(name: string, type: string, address: Json, extra: Json = {}): Json {
  return {
    name, type, connectTimeout: '1s', ...extra,
    loadAssignment: { clusterName: name, endpoints: [{ lbEndpoints: [{ endpoint: { address } }] }] },
  };
}

function xrayDaemon(env: AgentEnv): { address: string; port: number } {
  let port = env.int('XRAY_DAEMON_PORT', 2000);
  let address = '127.0.0.1';
  const given = env.get('AWS_XRAY_DAEMON_ADDRESS');
  if (given) {
    address = given;
    // With a port it must split as host:port or [v6]:port (Go's net.SplitHostPort); a port wins over XRAY_DAEMON_PORT.
    if (/:\d{1,5}/.test(given)) {
      const m = /^\[([^\]]+)\]:(\d+)$/.exec(given) ?? /^([^:]*):(\d+)$/.exec(given);
      if (!m) throw new AgentEnvError(`Could not parse AWS_XRAY_DAEMON_ADDRESS: "${given}".`);
      [, address] = m;
      port = Number(m[2]);
    }
    if (isIP(address) === 0) throw new AgentEnvError('AWS_XRAY_DAEMON_ADDRESS must be a static IPv4 or IPv6 address such as "127.0.0.1".');
  }
  return { address, port };
}

function samplingManifest(o: AppMeshImageOptions, env: AgentEnv): Json | undefined {
  const file = env.get('XRAY_SAMPLING_RULE_MANIFEST');
  if (file) {
    let manifest: { version?: number };
    try {
      manifest = JSON.parse(o.readFile(file)) as { version?: number };
    } catch (e) {
      throw new AgentEnvError(`could not read file XRAY_SAMPLING_RULE_MANIFEST="${file}": ${(e as Error).message}`);
    }
    if (manifest.version === 1) throw new AgentEnvError(`validation failed for file XRAY_SAMPLING_RULE_MANIFEST="${file}": version 1 is not supported`);
    return { filename: file };
  }
  const rate = env.get('XRAY_SAMPLING_RATE');
  if (!rate) return undefined;
  const n = Number(rate);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(rate) || n < 0 || n > 1) {
    throw new AgentEnvError(`XRAY_SAMPLING_RATE environment variable ("${rate}") must be a decimal between 0 and 1.00 (100%)`);
  }
  const rounded = Math.round(n * 100) / 100;
  if (rounded === 0.05) return undefined; // X-Ray's own default
  return { inlineString: JSON.stringify({ version: 2, default: { fixed_target: 1, rate: rounded }, rules: [] }) };
}

function tracing(o: AppMeshImageOptions, env: AgentEnv, nodeId: string, cluster: string): { tracing?: Json; clusters: Json[] } {
  const xray = env.bool('ENABLE_ENVOY_XRAY_TRACING');
  const datadog = env.bool('ENABLE_ENVOY_DATADOG_TRACING');
  const jaeger = env.bool('ENABLE_ENVOY_JAEGER_TRACING');
  if (Number(xray) + Number(datadog) + Number(jaeger) > 1) {
    throw new AgentEnvError('Only a single envoy trace driver can be configured; please enable only one of ENABLE_ENVOY_XRAY_TRACING, ENABLE_ENVOY_DATADOG_TRACING or ENABLE_ENVOY_JAEGER_TRACING.');
  }
  const res = meshResource(nodeId);
  if (xray) {
    const { address, port } = xrayDaemon(env);
    const config: Json = {
      '@type': `${T}envoy.config.trace.v3.XRayConfig`,
      daemonEndpoint: { protocol: 'UDP', address, portValue: port },
      segmentName: res ? env.or('XRAY_SEGMENT_NAME', `${res.mesh}/${res.name}`) : cluster,
      segmentFields: { origin: 'AWS::AppMesh::Proxy', ...(res ? { aws: { app_mesh: { mesh_name: res.mesh, virtual_node_name: res.name } } } : {}) },
    };
    const manifest = samplingManifest(o, env);
    if (manifest) config.samplingRuleManifest = manifest;
    return { tracing: { http: { name: 'envoy.tracers.xray', typedConfig: config } }, clusters: [] };
  }
  if (datadog) {
    const port = env.int('DATADOG_TRACER_PORT', 8126);
    const address = env.or('DATADOG_TRACER_ADDRESS', '127.0.0.1');
    const serviceName = env.or('DD_SERVICE', res ? `envoy-${res.mesh}/${res.name}` : 'envoy');
    return {
      tracing: { http: { name: 'envoy.tracers.datadog', typedConfig: { '@type': `${T}envoy.config.trace.v3.DatadogConfig`, collectorCluster: 'datadog_agent', serviceName } } },
      clusters: [staticCluster('datadog_agent', 'STRICT_DNS', tcp(address, port))],
    };
  }
  if (jaeger) {
    const port = env.int('JAEGER_TRACER_PORT', 9411);
    const address = env.or('JAEGER_TRACER_ADDRESS', '127.0.0.1');
    const version = env.get('JAEGER_TRACER_VERSION').toLowerCase().includes('json') ? 'HTTP_JSON' : 'HTTP_PROTO';
    return {
      tracing: {
        http: {
          name: 'envoy.tracers.zipkin',
          typedConfig: { '@type': `${T}envoy.config.trace.v3.ZipkinConfig`, collectorCluster: 'jaeger', collectorEndpoint: '/api/v2/spans', sharedSpanContext: false, collectorEndpointVersion: version },
        },
      },
      clusters: [staticCluster('jaeger', 'STRICT_DNS', tcp(address, port))],
    };
  }
  return { clusters: [] };
}

const regexTag = (tagName: string, regex: string): Json => ({ tagName, regex });
const fixedTag = (tagName: string, fixedValue: string): Json => ({ tagName, fixedValue });

const METRIC_EXTENSION_TAGS = {
  targetVirtualNode: '^appmesh(?:\\..+?\\..+?)*(\\.TargetVirtualNode\\.(.+?))(?:\\..+?\\..+?)*\\.(?:.+)$',
  targetVirtualService: '^appmesh(?:\\..+?\\..+?)*(\\.TargetVirtualService\\.([^MVT]+))(?:\\..+?\\..+?)*\\.(?:.+)$',
};

const SERVICE_CONNECT_TAGS: Array<[string, string]> = [
  ['ServiceName', '^appmesh(?:\\..+?\\..+?)*(\\.ServiceName\\.(.+?))(?:\\..+?\\..+?)*\\.(?:.+)$'],
  ['ClusterName', '^appmesh(?:\\..+?\\..+?)*(\\.ClusterName\\.(.+?))(?:\\..+?\\..+?)*\\.(?:.+)$'],
  ['Direction', '^appmesh(?:\\..+?\\..+?)*(\\.Direction\\.(.+?))(?:\\..+?\\..+?)*\\.(?:.+)$'],
  ['DiscoveryName', '^appmesh(?:\\..+?\\..+?)*(\\.DiscoveryName\\.((?:(?!\\.(ClusterName|ServiceName|Direction)).)+))(?:\\..+?\\..+?)*\\.(?:.+)$'],
  ['TargetDiscoveryName', '^appmesh(?:\\..+?\\..+?)*(\\.TargetDiscoveryName\\.((?:(?!\\.(ClusterName|ServiceName|Direction)).)+))(?:\\..+?\\..+?)*\\.(?:.+)$'],
];

/** Stats tags: mesh/resource tags (ENABLE_ENVOY_STATS_TAGS), metric extension v1 tags, listener port/protocol. */
function statsTags(env: AgentEnv, nodeId: string): Json[] {
  const extension = env.or('APPMESH_METRIC_EXTENSION_VERSION', '0') === '1';
  if (nodeId.includes(':task-set/')) return extension ? SERVICE_CONNECT_TAGS.map(([n, r]) => regexTag(n, r)) : [];
  const res = meshResource(nodeId);
  if (!res) throw new AgentEnvError(`Unrecognized resource name format: ${nodeId}`);
  const tags: Json[] = [];
  if (env.bool('ENABLE_ENVOY_STATS_TAGS')) tags.push(fixedTag('appmesh.mesh', res.mesh), fixedTag(`appmesh.${snakeCase(res.type)}`, res.name));
  if (extension) {
    tags.push(
      regexTag('TargetVirtualNode', METRIC_EXTENSION_TAGS.targetVirtualNode),
      regexTag('TargetVirtualService', METRIC_EXTENSION_TAGS.targetVirtualService),
      fixedTag('Mesh', res.mesh),
      fixedTag(upperCamel(res.type), res.name),
    );
  }
  tags.push(
    regexTag('appmesh.listener_protocol', '.*?\\.ingress\\.((\\w+?)\\.)[0-9]+?\\.(.+?)$'),
    regexTag('appmesh.listener_port', '.*?\\.ingress\\.\\w+?\\.(([0-9]+?)\\.)(.+?)$'),
    regexTag('envoy_rds_route_config', '.*?\\.ingress\\.\\w+?\\.[0-9]+?\\.rds\\.((.*?)\\.)(.+?)$'),
  );
  return tags;
}

function dogStatsdSink(env: AgentEnv): Json {
  const socket = env.get('STATSD_SOCKET_PATH');
  const address = socket ? pipe(socket) : udp(env.or('STATSD_ADDRESS', '127.0.0.1'), env.int('STATSD_PORT', 8125));
  return { name: 'envoy.stat_sinks.dog_statsd', typedConfig: { '@type': `${T}envoy.config.metrics.v3.DogStatsdSink`, address } };
}

/** The bootstrap the App Mesh Envoy image would start Envoy with, for the given environment. */
export function appmeshImageBootstrap(o: AppMeshImageOptions): Json {
  const env = new AgentEnv(o.env);
  const id = nodeIdOf(env);
  const cluster = env.get('APPMESH_RESOURCE_CLUSTER') || env.get('APPMESH_VIRTUAL_NODE_CLUSTER') || id;
  const endpointVar = env.get('APPMESH_XDS_ENDPOINT');
  const relay = endpointVar.startsWith('unix://');
  let ads: Json;
  if (relay) {
    ads = relayAds(endpointVar);
  } else {
    const region = env.get('AWS_REGION');
    if (!region) throw new AgentEnvError('AWS_REGION must be set: awsmesh does not ask the EC2 instance metadata service for the region.');
    ads = regionalAds(xdsEndpoint(env, region), region, signingName(env));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const interfaces = o.interfaces ?? (require('os') as typeof import('os')).networkInterfaces();
  const doc: Json = {
    node: { id, cluster, metadata: nodeMetadata(env, interfaces) },
    admin: admin(env),
    layeredRuntime: { layers: [{ name: 'static_layer_0', staticLayer: runtimeLayer0(env) }, { name: 'admin_layer', adminLayer: {} }] },
    dynamicResources: dynamicResources(env, ads),
    clusterManager: { outlierDetection: { eventLogPath: env.or('ENVOY_OUTLIER_DETECTION_EVENT_LOG_PATH', '/dev/stdout') }, ...(relay ? { localClusterName: LOCAL_CLUSTER } : {}) },
  };
  const clusters: Json[] = [];
  // Service Connect: the local cluster, with the shortest fetch timeout (Envoys without zone-aware routing must not wait).
  if (relay) clusters.push({ name: LOCAL_CLUSTER, type: 'EDS', edsClusterConfig: { edsConfig: adsSource('0.001s') } });
  if (!env.get('ENVOY_TRACING_CFG_FILE')) {
    const t = tracing(o, env, id, cluster);
    if (t.tracing) doc.tracing = t.tracing;
    clusters.push(...t.clusters);
  }
  const sds = env.get('APPMESH_SDS_SOCKET_PATH');
  if (sds) clusters.push(staticCluster(SDS_SOCKET_CLUSTER, 'STATIC', pipe(sds), { http2ProtocolOptions: {} }));
  if (clusters.length) doc.staticResources = { clusters };
  if (!env.get('ENVOY_STATS_CONFIG_FILE')) {
    const tags = statsTags(env, id);
    if (tags.length) doc.statsConfig = { statsTags: tags };
  }
  const flush = env.get('ENVOY_STATS_FLUSH_INTERVAL');
  if (flush) doc.statsFlushInterval = goDurationToProto(flush);
  if (!env.get('ENVOY_STATS_SINKS_CFG_FILE') && env.bool('ENABLE_ENVOY_DOG_STATSD')) doc.statsSinks = [dogStatsdSink(env)];
  return mergeFiles(o, env, doc);
}

function mergeFiles(o: AppMeshImageOptions, env: AgentEnv, doc: Json): Json {
  const warn = o.warn ?? (() => undefined);
  const load = (variable: string): Json | undefined => {
    const file = env.get(variable);
    if (!file) return undefined;
    let parsed: unknown;
    try {
      parsed = o.parseYaml(o.readFile(file));
    } catch (e) {
      throw new AgentEnvError(`failure to parse ${variable} ${file} for the reason: ${(e as Error).message.split('\n')[0]}`);
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed))) {
      throw new AgentEnvError(`failure to parse ${variable} ${file}: expected a YAML mapping`);
    }
    return (parsed ?? {}) as Json;
  };
  for (const variable of CUSTOM_CONFIG_FILES) {
    const fragment = load(variable);
    if (!fragment) continue;
    if (Object.keys(fragment).length === 0) throw new AgentEnvError(`Specified ${variable} ${env.get(variable)} is empty.`);
    mergeCustomConfig(doc, fragment, warn);
    if (variable === 'ENVOY_STATS_SINKS_CFG_FILE' && !('statsSinks' in doc)) {
      throw new AgentEnvError(`${variable} was specified as ${env.get(variable)}, but contained no valid stats_sinks configuration.`);
    }
  }
  const resources = load('ENVOY_RESOURCES_CONFIG_FILE');
  if (resources && Object.keys(resources).length) mergeCustomConfig(doc, resources, warn);
  else if (resources) warn(`Specified ENVOY_RESOURCES_CONFIG_FILE ${env.get('ENVOY_RESOURCES_CONFIG_FILE')} is empty, but will ignore and continue.`);
  return doc;
}
