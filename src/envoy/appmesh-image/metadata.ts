// The node metadata the App Mesh Envoy image's agent puts on Envoy's node: the static runtime it
// runs with, the task's network interfaces, platform facts (ECS, EKS, kernel), metric filter level
// and the Service Connect mappings. What the agent fetches over the network (ECS task metadata,
// EC2 instance metadata) is left out: awsmesh builds a bootstrap without network access.

import * as os from 'os';
import { AgentEnv, AgentEnvError } from './env';

type Json = Record<string, unknown>;

/** The runtime layer the agent starts Envoy with (also sent as metadata). */
export function runtimeLayer0(env: AgentEnv): Json {
  const layer: Json = {
    'envoy.features.enable_all_deprecated_features': true,
    're2.max_program_size.error_level': 1000,
    'envoy.reloadable_features.http_set_tracing_decision_in_request_id': env.bool('APPMESH_SET_TRACING_DECISION', true),
    'envoy.reloadable_features.no_extension_lookup_by_name': env.bool('ENVOY_NO_EXTENSION_LOOKUP_BY_NAME', true),
    'envoy.reloadable_features.use_http_client_to_fetch_aws_credentials': env.bool('ENVOY_USE_HTTP_CLIENT_TO_FETCH_AWS_CREDENTIALS', false),
  };
  const perIoCycle = env.int('MAX_REQUESTS_PER_IO_CYCLE', -1);
  if (perIoCycle > 0) layer['http.max_requests_per_io_cycle'] = perIoCycle;
  return layer;
}

export type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>;

/** `aws.appmesh.task.interfaces`: addresses with prefix length per interface, split by family. */
function interfaceInfo(interfaces: Interfaces): Json {
  const byFamily: Record<string, Record<string, string[]>> = {};
  for (const [name, addrs] of Object.entries(interfaces)) {
    for (const a of addrs ?? []) {
      const family = a.family === 'IPv4' ? 'ipv4' : 'ipv6';
      const prefix = a.cidr ? a.cidr.slice(a.cidr.lastIndexOf('/')) : '';
      ((byFamily[family] ??= {})[name] ??= []).push(`${a.address}${prefix}`);
    }
  }
  return byFamily;
}

function jsonMapping(env: AgentEnv, key: string): Json | undefined {
  const v = env.get(key);
  if (!v) return undefined;
  try {
    const parsed = JSON.parse(v) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Json;
  } catch {
    // reported below
  }
  throw new AgentEnvError(`${key} must be a JSON object, got ${JSON.stringify(v)}`);
}

function platformInfo(env: AgentEnv): Json {
  const info: Json = {};
  const k8s = { k8sVersion: env.get('APPMESH_PLATFORM_K8S_VERSION'), podUid: env.get('APPMESH_PLATFORM_K8S_POD_UID'), appMeshControllerVersion: env.get('APPMESH_PLATFORM_APP_MESH_CONTROLLER_VERSION') };
  if (k8s.k8sVersion && k8s.podUid && k8s.appMeshControllerVersion) info.k8sPlatformInfo = k8s;
  const launchType = env.get('AWS_EXECUTION_ENV');
  if (launchType) {
    const ecs: Json = { ecsLaunchType: launchType };
    const instance = env.get('ECS_CONTAINER_INSTANCE_ARN');
    if (instance) ecs.ecsContainerInstanceArn = instance;
    info.ecsPlatformInfo = ecs;
  }
  info.systemInfo = { systemPlatform: os.machine(), systemKernelVersion: os.release() };
  if (env.bool('APPNET_FIPS_MODE_ENABLED', false)) info.fipsModeEnabled = true;
  return info;
}

export function nodeMetadata(env: AgentEnv, interfaces: Interfaces): Json {
  const md: Json = {
    'aws.appmesh.static_runtime': runtimeLayer0(env),
    'aws.appmesh.task.interfaces': interfaceInfo(interfaces),
    'aws.appmesh.platformInfo': platformInfo(env),
  };
  if (env.or('APPMESH_METRIC_EXTENSION_VERSION', '0') === '1') md['aws.appmesh.metric_filter'] = { level: '1' };
  const ips = jsonMapping(env, 'APPNET_CONTAINER_IP_MAPPING');
  if (ips) md['aws.ecs.serviceconnect.ClusterIPMapping'] = ips;
  const listeners = jsonMapping(env, 'APPNET_LISTENER_PORT_MAPPING');
  if (listeners) md['aws.ecs.serviceconnect.ListenerPortMapping'] = listeners;
  const sd: Json = {};
  if (env.get('NAMESPACE_NAME')) sd.NamespaceName = env.get('NAMESPACE_NAME');
  if (env.get('NAMESPACE_ARN')) sd.NamespaceArn = env.get('NAMESPACE_ARN');
  if (Object.keys(sd).length) md['aws.ecs.serviceconnect.ServiceDiscovery'] = sd;
  return md;
}
