// Cloud Map namespaces: HTTP, private DNS and public DNS. Every namespace also has an HTTP name
// (its name), which DiscoverInstances looks up, so names are unique across all types in a region.

import type { ServiceDiscoveryInput, ServiceDiscoveryOutput } from '../../../generated/servicediscovery-api';
import type { Output } from '../../backend';
import type { ProviderContext } from '../provider';
import {
  allNamespaces, NAMESPACE, namespaceArn, once, requireNamespace, saveNamespace, SD, SERVICE, sdPage, sdPartition,
  type NamespaceData, type NamespaceType,
} from './entities';
import { cloudMapError, invalidInput } from './errors';
import { compileFilters } from './filters';
import { newHostedZoneId, newNamespaceId } from './ids';
import { recordOperation } from './operations';
import { checkTagCount, tagsInput } from './tags';

export const NAMESPACE_QUOTA = 50;
const DEFAULT_SOA_TTL = 15;

function namespaceOutput(ns: NamespaceData, ctx: ProviderContext, serviceCount: number, summary: boolean): Output {
  const out: Output = {
    Id: ns.Id,
    Arn: ns.Arn,
    ResourceOwner: ctx.account,
    Name: ns.Name,
    Type: ns.Type,
  };
  if (ns.Description !== undefined) out.Description = ns.Description;
  out.ServiceCount = serviceCount;
  out.Properties = ns.Properties;
  out.CreateDate = ns.CreateDate;
  if (!summary && ns.CreatorRequestId !== undefined) out.CreatorRequestId = ns.CreatorRequestId;
  return out;
}

type CreateNamespaceInput = ServiceDiscoveryInput<'CreateHttpNamespace' | 'CreatePrivateDnsNamespace' | 'CreatePublicDnsNamespace'>;
type UpdateNamespaceInput = ServiceDiscoveryInput<'UpdateHttpNamespace' | 'UpdatePrivateDnsNamespace' | 'UpdatePublicDnsNamespace'>;
/** The three Create*Namespace (and Update*Namespace) operations answer alike. */
type NamespaceOperationOutput = ServiceDiscoveryOutput<'CreateHttpNamespace'>;

function createNamespace(type: NamespaceType) {
  return async (input: CreateNamespaceInput, ctx: ProviderContext): Promise<NamespaceOperationOutput> => {
    const name = input.Name;
    return ctx.store.write(sdPartition(ctx), (tx) => once(tx, `Create${type}Namespace`, input.CreatorRequestId, input, async () => {
      const existing = await allNamespaces(tx);
      const clash = existing.find((n) => n.Name.toLowerCase() === name.toLowerCase());
      if (clash) {
        throw cloudMapError('NamespaceAlreadyExists', `Namespace ${name} already exists (${clash.Id}).`, {
          ...(clash.CreatorRequestId ? { CreatorRequestId: clash.CreatorRequestId } : {}),
          NamespaceId: clash.Id,
        });
      }
      if (existing.length >= NAMESPACE_QUOTA) {
        throw cloudMapError('ResourceLimitExceeded', `The namespace quota of ${NAMESPACE_QUOTA} per region has been reached.`);
      }
      const id = newNamespaceId();
      const arn = namespaceArn(ctx, id);
      const tags = tagsInput(input.Tags);
      checkTagCount(tags, arn);
      const now = ctx.now();
      const ns: NamespaceData = {
        Id: id,
        Arn: arn,
        Name: name,
        Type: type,
        CreateDate: now,
        Properties: { HttpProperties: { HttpName: name } },
        Tags: tags,
      };
      if (input.Description !== undefined) ns.Description = input.Description;
      if (typeof input.CreatorRequestId === 'string') ns.CreatorRequestId = input.CreatorRequestId;
      if (type !== 'HTTP') {
        const ttl = 'Properties' in input ? input.Properties?.DnsProperties?.SOA?.TTL : undefined;
        ns.Properties.DnsProperties = { HostedZoneId: newHostedZoneId(), SOA: { TTL: ttl ?? DEFAULT_SOA_TTL } };
      }
      if ('Vpc' in input) ns.Vpc = input.Vpc;
      await saveNamespace(tx, ns, now);
      return { OperationId: await recordOperation(tx, ctx, 'CREATE_NAMESPACE', { NAMESPACE: id }) };
    }, (first) => ({ DuplicateOperationId: first.OperationId })));
  };
}

export const createHttpNamespace = createNamespace('HTTP');
export const createPrivateDnsNamespace = createNamespace('DNS_PRIVATE');
export const createPublicDnsNamespace = createNamespace('DNS_PUBLIC');

export async function getNamespace(input: ServiceDiscoveryInput<'GetNamespace'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'GetNamespace'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const ns = await requireNamespace(tx, input.Id);
    return { Namespace: namespaceOutput(ns, ctx, await tx.count(SD, SERVICE, ns.Id), false) };
  });
}

export async function listNamespaces(input: ServiceDiscoveryInput<'ListNamespaces'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'ListNamespaces'>> {
  const matches = compileFilters<NamespaceData>(input.Filters, {
    TYPE: { conditions: ['EQ', 'IN'], value: (n) => n.Type },
    NAME: { conditions: ['EQ', 'BEGINS_WITH'], value: (n) => n.Name },
    HTTP_NAME: { conditions: ['EQ', 'BEGINS_WITH'], value: (n) => n.Properties.HttpProperties.HttpName },
    // Every local namespace belongs to the caller's own account.
    RESOURCE_OWNER: { conditions: ['EQ'], value: () => 'SELF' },
  });
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const namespaces = (await allNamespaces(tx)).filter(matches);
    const { items, NextToken } = sdPage(namespaces, (n) => n.Id, input);
    const out = [];
    for (const ns of items) out.push(namespaceOutput(ns, ctx, await tx.count(SD, SERVICE, ns.Id), true));
    return { Namespaces: out, ...(NextToken ? { NextToken } : {}) };
  });
}

export async function deleteNamespace(input: ServiceDiscoveryInput<'DeleteNamespace'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'DeleteNamespace'>> {
  return ctx.store.write(sdPartition(ctx), async (tx) => {
    const ns = await requireNamespace(tx, input.Id);
    const services = await tx.count(SD, SERVICE, ns.Id);
    if (services > 0) {
      throw cloudMapError('ResourceInUse', `Namespace ${ns.Id} has ${services} associated service${services === 1 ? '' : 's'}; delete them first.`);
    }
    await tx.delete(SD, NAMESPACE, '', ns.Id);
    return { OperationId: await recordOperation(tx, ctx, 'DELETE_NAMESPACE', { NAMESPACE: ns.Id }) };
  });
}

interface NamespaceChange {
  Description?: string;
  Properties?: { DnsProperties?: { SOA?: { TTL?: number } } };
}

function updateNamespace(type: NamespaceType) {
  return async (input: UpdateNamespaceInput, ctx: ProviderContext): Promise<NamespaceOperationOutput> => {
    return ctx.store.write(sdPartition(ctx), (tx) => once(tx, `Update${type}Namespace`, input.UpdaterRequestId, input, async () => {
      const ns = await requireNamespace(tx, input.Id);
      if (ns.Type !== type) throw invalidInput(`Namespace ${ns.Id} is of type ${ns.Type}, not ${type}.`);
      const change = (input.Namespace ?? {}) as NamespaceChange;
      if (change.Description !== undefined) ns.Description = change.Description;
      const ttl = change.Properties?.DnsProperties?.SOA?.TTL;
      if (ttl !== undefined && ns.Properties.DnsProperties) ns.Properties.DnsProperties.SOA = { TTL: ttl };
      await saveNamespace(tx, ns, ctx.now());
      return { OperationId: await recordOperation(tx, ctx, 'UPDATE_NAMESPACE', { NAMESPACE: ns.Id }) };
    }, (first) => ({ DuplicateOperationId: first.OperationId })));
  };
}

export const updateHttpNamespace = updateNamespace('HTTP');
export const updatePrivateDnsNamespace = updateNamespace('DNS_PRIVATE');
export const updatePublicDnsNamespace = updateNamespace('DNS_PUBLIC');
