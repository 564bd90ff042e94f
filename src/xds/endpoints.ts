// Endpoints of virtual nodes found through the public APIs only, so it works the same on the local
// backend and against any endpoint: Cloud Map service discovery → DiscoverInstances (IP and port
// attributes, healthy instances first, as App Mesh's EDS did); DNS service discovery → the
// hostname itself (the translator makes a DNS cluster of it).

import type { Backend } from '../backends/backend';
import { Dispatcher } from '../core/dispatcher';
import type { ResolvedEndpoint } from '../envoy/translate';
import type { DiscoverInstancesRequest, HttpInstanceSummary } from '../generated/servicediscovery-api';
import { findVirtualNode } from '../mesh/lookup';
import type { MeshSnapshot } from '../mesh/types';
import type { EndpointResolver } from './mesh-source';

export function apiEndpointResolver(backend: Backend): EndpointResolver {
  return async (snapshot: MeshSnapshot, nodeNames: string[], ctx: { region: string }) => {
    const api = new Dispatcher(backend, ctx.region);
    const out: Record<string, ResolvedEndpoint[]> = {};
    await Promise.all(nodeNames.map(async (name) => {
      const node = findVirtualNode(snapshot, name);
      const sd = node?.spec.serviceDiscovery;
      const port = node?.spec.listeners?.[0]?.portMapping.port;
      if (sd?.dns?.hostname && port) {
        out[name] = [{ host: sd.dns.hostname, port, source: 'dns' }];
      } else if (sd?.awsCloudMap) {
        out[name] = await cloudMapEndpoints(api, sd.awsCloudMap, port);
      }
    }));
    return out;
  };
}

async function cloudMapEndpoints(
  api: Dispatcher,
  cm: { namespaceName: string; serviceName: string; attributes?: Array<{ key: string; value: string }> },
  defaultPort: number | undefined,
): Promise<ResolvedEndpoint[]> {
  const input: DiscoverInstancesRequest = {
    NamespaceName: cm.namespaceName,
    ServiceName: cm.serviceName,
    HealthStatus: 'HEALTHY', // App Mesh sends only healthy Cloud Map instances
  };
  if (cm.attributes?.length) input.QueryParameters = Object.fromEntries(cm.attributes.map((a) => [a.key, a.value]));
  let instances: HttpInstanceSummary[];
  try {
    instances = (await api.call('servicediscovery', 'DiscoverInstances', input)).Instances ?? [];
  } catch {
    return []; // namespace or service missing: no endpoints, as App Mesh would serve
  }
  const endpoints: ResolvedEndpoint[] = [];
  for (const i of instances) {
    const a = i.Attributes ?? {};
    const host = a.AWS_INSTANCE_IPV4 ?? a.AWS_INSTANCE_IPV6;
    const port = Number(a.AWS_INSTANCE_PORT ?? defaultPort);
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) continue;
    endpoints.push({ host, port, healthy: i.HealthStatus !== 'UNHEALTHY', source: 'cloudmap' });
  }
  return endpoints;
}

/** Per node, the first resolver's endpoints when it has any, else the next one's. */
export function firstWithEndpoints(...resolvers: EndpointResolver[]): EndpointResolver {
  return async (snapshot, nodeNames, ctx) => {
    const results = await Promise.all(resolvers.map((r) => r(snapshot, nodeNames, ctx)));
    const out: Record<string, ResolvedEndpoint[]> = {};
    for (const name of nodeNames) out[name] = results.map((r) => r[name] ?? []).find((e) => e.length > 0) ?? [];
    return out;
  };
}

/**
 * Where a backend's proxies find their peers. With the local control plane: live registered
 * sidecars, Cloud Map instances and resolvable DNS names (its resolver), falling back to what the
 * mesh describes (a DNS name as is), so exported config still names the App Mesh hostnames.
 * Elsewhere: what the APIs describe.
 */
export function defaultEndpointResolver(backend: Backend): EndpointResolver {
  const api = apiEndpointResolver(backend);
  const local = backend.local;
  return local ? firstWithEndpoints((snapshot, names, ctx) => local.endpoints(snapshot, names, ctx), api) : api;
}
