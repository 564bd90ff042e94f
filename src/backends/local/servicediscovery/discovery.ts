// DiscoverInstances: find a service by namespace HTTP name and service name, then filter its
// instances by attributes and health. The same lookup serves the endpoint resolver.

import type { ServiceDiscoveryInput, ServiceDiscoveryOutput } from '../../../generated/servicediscovery-api';
import type { ProviderContext } from '../provider';
import type { StoreTx } from '../store/store';
import {
  allNamespaces, instanceHealth, instancesOf, servicesOf, sdPartition,
  type HealthStatus, type InstanceData, type NamespaceData, type ServiceData,
} from './entities';
import { cloudMapError } from './errors';

export type HealthFilter = 'HEALTHY' | 'UNHEALTHY' | 'ALL' | 'HEALTHY_OR_ELSE_ALL';

export interface DiscoveredInstance {
  id: string;
  health: HealthStatus;
  attributes: Record<string, string>;
}

export interface Selection {
  query?: Record<string, string>;
  optional?: Record<string, string>;
  health?: HealthFilter;
  max?: number;
  /** false when the service has no health checking: the health filter is then ignored. */
  healthChecked: boolean;
}

const matchesAll = (attrs: Record<string, string>, wanted: Record<string, string> | undefined): boolean =>
  Object.entries(wanted ?? {}).every(([k, v]) => attrs[k] === v);

/**
 * Cloud Map's filtering: every QueryParameter must match; then health; then OptionalParameters
 * narrow the result if any instance matches them all, else they are ignored; then MaxResults.
 */
export function selectInstances(instances: readonly DiscoveredInstance[], sel: Selection): DiscoveredInstance[] {
  let out = instances.filter((i) => matchesAll(i.attributes, sel.query));
  if (sel.healthChecked) {
    const filter = sel.health ?? 'HEALTHY';
    const healthy = out.filter((i) => i.health === 'HEALTHY');
    if (filter === 'HEALTHY') out = healthy;
    else if (filter === 'UNHEALTHY') out = out.filter((i) => i.health === 'UNHEALTHY');
    else if (filter === 'HEALTHY_OR_ELSE_ALL' && healthy.length > 0) out = healthy;
  }
  if (sel.optional && Object.keys(sel.optional).length > 0) {
    const preferred = out.filter((i) => matchesAll(i.attributes, sel.optional));
    if (preferred.length > 0) out = preferred;
  }
  return out.slice(0, sel.max ?? 100);
}

export interface ServiceInstances {
  namespace: NamespaceData;
  service: ServiceData;
  instances: DiscoveredInstance[];
}

/** The instances of `serviceName` in the namespace whose HTTP name is `namespaceName`, or why not. */
export async function findServiceInstances(
  tx: StoreTx, namespaceName: string, serviceName: string,
): Promise<ServiceInstances | { missing: 'namespace' | 'service' }> {
  const namespace = (await allNamespaces(tx)).find(
    (n) => n.Properties.HttpProperties.HttpName.toLowerCase() === namespaceName.toLowerCase(),
  );
  if (!namespace) return { missing: 'namespace' };
  const service = (await servicesOf(tx, namespace.Id)).find((s) => s.Name.toLowerCase() === serviceName.toLowerCase());
  if (!service) return { missing: 'service' };
  const instances = (await instancesOf(tx, service.Id)).map((i: InstanceData) => ({
    id: i.Id, health: instanceHealth(service, i), attributes: i.Attributes,
  }));
  return { namespace, service, instances };
}

export const hasHealthChecking = (s: ServiceData): boolean => Boolean(s.HealthCheckConfig || s.HealthCheckCustomConfig);

async function requireServiceInstances(
  input: ServiceDiscoveryInput<'DiscoverInstances' | 'DiscoverInstancesRevision'>, ctx: ProviderContext, tx: StoreTx,
): Promise<ServiceInstances> {
  const ns = input.NamespaceName;
  const name = input.ServiceName;
  if (input.OwnerAccount !== undefined && input.OwnerAccount !== ctx.account) {
    throw cloudMapError('NamespaceNotFound', `Namespace ${ns} not found for account ${input.OwnerAccount}.`);
  }
  const found = await findServiceInstances(tx, ns, name);
  if ('missing' in found) {
    throw found.missing === 'namespace'
      ? cloudMapError('NamespaceNotFound', `Namespace not found: ${ns}`)
      : cloudMapError('ServiceNotFound', `Service not found: ${name} in namespace ${ns}`);
  }
  return found;
}

export async function discoverInstances(input: ServiceDiscoveryInput<'DiscoverInstances'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'DiscoverInstances'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const found = await requireServiceInstances(input, ctx, tx);
    const selected = selectInstances(found.instances, {
      query: input.QueryParameters as Record<string, string> | undefined,
      optional: input.OptionalParameters as Record<string, string> | undefined,
      health: input.HealthStatus as HealthFilter | undefined,
      max: input.MaxResults,
      healthChecked: hasHealthChecking(found.service),
    });
    return {
      Instances: selected.map((i) => ({
        InstanceId: i.id,
        NamespaceName: found.namespace.Properties.HttpProperties.HttpName,
        ServiceName: found.service.Name,
        HealthStatus: i.health,
        Attributes: i.attributes,
      })),
      InstancesRevision: found.service.Revision,
    };
  });
}

export async function discoverInstancesRevision(input: ServiceDiscoveryInput<'DiscoverInstancesRevision'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'DiscoverInstancesRevision'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const found = await requireServiceInstances(input, ctx, tx);
    return { InstancesRevision: found.service.Revision };
  });
}
