// Endpoints of virtual nodes found through the public APIs only, so it works the same on the local
// backend and against any endpoint: Cloud Map service discovery → DiscoverInstances (IP and port
// attributes, healthy instances first, as App Mesh's EDS did); DNS service discovery → the
// hostname itself (the translator makes a DNS cluster of it).

import type { Backend } from '../backends/backend';
import type { ResolvedEndpoint } from '../envoy/translate';
import type { MeshSnapshot } from '../mesh/types';
import type { EndpointResolver } from './mesh-source';

interface Instance {
  InstanceId?: string;
  Attributes?: Record<string, string>;
  HealthStatus?: string;
}

export function apiEndpointResolver(backend: Backend): EndpointResolver {
  return async (snapshot: MeshSnapshot, nodeNames: string[], ctx: { region: string }) => {
    const out: Record<string, ResolvedEndpoint[]> = {};
    await Promise.all(nodeNames.map(async (name) => {
      const node = snapshot.virtualNodes.find((n) => n.virtualNodeName === name);
      const sd = node?.spec.serviceDiscovery;
      const port = node?.spec.listeners?.[0]?.portMapping.port;
      if (sd?.dns?.hostname && port) {
        out[name] = [{ host: sd.dns.hostname, port, source: 'dns' }];
      } else if (sd?.awsCloudMap) {
        out[name] = await cloudMapEndpoints(backend, sd.awsCloudMap, port, ctx.region);
      }
    }));
    return out;
  };
}

async function cloudMapEndpoints(
  backend: Backend,
  cm: { namespaceName: string; serviceName: string; attributes?: Array<{ key: string; value: string }> },
  defaultPort: number | undefined,
  region: string,
): Promise<ResolvedEndpoint[]> {
  const input: Record<string, unknown> = {
    NamespaceName: cm.namespaceName,
    ServiceName: cm.serviceName,
    HealthStatus: 'HEALTHY_OR_ELSE_ALL',
  };
  if (cm.attributes?.length) input.QueryParameters = Object.fromEntries(cm.attributes.map((a) => [a.key, a.value]));
  let instances: Instance[];
  try {
    instances = ((await backend.invoke('servicediscovery', 'DiscoverInstances', input, { region })).Instances as Instance[]) ?? [];
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
