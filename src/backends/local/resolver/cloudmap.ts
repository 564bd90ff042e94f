// Cloud Map service discovery as App Mesh did it: the instances of the node's namespace/service
// that match all the node's attributes and are not unhealthy, at their IP and port attributes.

import { hasHealthChecking, selectInstances, type ServiceInstances } from '../servicediscovery/discovery';
import type { Endpoint, IpPreference } from './types';

export interface CloudMapDiscovery {
  namespaceName: string;
  serviceName: string;
  attributes?: Array<{ key: string; value: string }>;
  ipPreference?: string;
}

/** Cloud Map answers at most this many instances per DiscoverInstances call. */
const DISCOVERY_MAX = 1000;

/** The address an instance is reached at under an IP preference (IPv4 first when none is set). */
export function instanceHost(attrs: Record<string, string>, preference: IpPreference | undefined): string | undefined {
  const v4 = attrs.AWS_INSTANCE_IPV4;
  const v6 = attrs.AWS_INSTANCE_IPV6;
  switch (preference) {
    case 'IPv4_ONLY': return v4;
    case 'IPv6_ONLY': return v6;
    case 'IPv6_PREFERRED': return v6 ?? v4;
    default: return v4 ?? v6;
  }
}

export function cloudMapEndpoints(
  found: ServiceInstances,
  discovery: CloudMapDiscovery,
  listenerPort: number | undefined,
  preference: IpPreference | undefined,
  includeUnhealthy = false,
): Endpoint[] {
  const healthChecked = hasHealthChecking(found.service);
  const selected = selectInstances(found.instances, {
    query: Object.fromEntries((discovery.attributes ?? []).map((a) => [a.key, a.value])),
    health: includeUnhealthy ? 'ALL' : 'HEALTHY',
    healthChecked,
    max: DISCOVERY_MAX,
  });
  const endpoints: Endpoint[] = [];
  for (const inst of selected) {
    const host = instanceHost(inst.attributes, preference);
    const port = inst.attributes.AWS_INSTANCE_PORT !== undefined ? Number(inst.attributes.AWS_INSTANCE_PORT) : listenerPort;
    if (!host || port === undefined) continue;
    endpoints.push({ host, port, healthy: inst.health !== 'UNHEALTHY', source: 'cloudmap', attributes: inst.attributes });
  }
  return endpoints;
}
