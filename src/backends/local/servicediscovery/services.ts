// Cloud Map services: what kind of records and health checking a service has, and its attributes.

import type { ServiceDiscoveryInput, ServiceDiscoveryOutput } from '../../../generated/servicediscovery-api';
import type { Output } from '../../backend';
import type { ProviderContext } from '../provider';
import {
  INSTANCE, once, requireNamespace, requireService, saveService, SD, SERVICE, sdPage, sdPartition, serviceArn, servicesOf,
  type DnsRecord, type NamespaceData, type ServiceData,
} from './entities';
import { cloudMapError, invalidInput } from './errors';
import { compileFilters } from './filters';
import { newServiceId } from './ids';
import { sortByKey } from '../iam/paging';
import { recordOperation } from './operations';
import { checkTagCount, tagsInput } from './tags';

export const MAX_SERVICE_ATTRIBUTES = 30;

function serviceOutput(svc: ServiceData, ctx: ProviderContext, instanceCount: number, summary: boolean): Output {
  const out: Output = {
    Id: svc.Id,
    Arn: svc.Arn,
    ResourceOwner: ctx.account,
    Name: svc.Name,
  };
  if (!summary) out.NamespaceId = svc.NamespaceId;
  if (svc.Description !== undefined) out.Description = svc.Description;
  out.InstanceCount = instanceCount;
  if (svc.DnsConfig) out.DnsConfig = svc.DnsConfig;
  out.Type = svc.Type;
  if (svc.HealthCheckConfig) out.HealthCheckConfig = svc.HealthCheckConfig;
  if (svc.HealthCheckCustomConfig) out.HealthCheckCustomConfig = svc.HealthCheckCustomConfig;
  out.CreateDate = svc.CreateDate;
  if (!summary && svc.CreatorRequestId !== undefined) out.CreatorRequestId = svc.CreatorRequestId;
  out.CreatedByAccount = ctx.account;
  return out;
}

/** Record types a service may combine: A, AAAA, A+AAAA, SRV (optionally with A/AAAA), or CNAME alone. */
function checkDnsRecords(records: DnsRecord[]): void {
  if (records.length === 0) throw invalidInput('DnsConfig.DnsRecords must contain at least one record.');
  const types = records.map((r) => r.Type);
  if (new Set(types).size !== types.length) throw invalidInput('DnsConfig.DnsRecords may contain each record type only once.');
  if (types.includes('CNAME') && types.length > 1) throw invalidInput('A CNAME record cannot be combined with other record types.');
}

function checkHealthConfig(
  input: { HealthCheckConfig?: { Type?: string; ResourcePath?: string }; HealthCheckCustomConfig?: unknown }, ns: NamespaceData,
): void {
  const http = input.HealthCheckConfig;
  if (http && input.HealthCheckCustomConfig) {
    throw invalidInput('HealthCheckConfig and HealthCheckCustomConfig cannot both be specified.');
  }
  if (http) {
    if (ns.Type !== 'DNS_PUBLIC') throw invalidInput('HealthCheckConfig (Route 53 health checks) is only valid in public DNS namespaces.');
    if (http.Type === 'TCP' && http.ResourcePath !== undefined) throw invalidInput('ResourcePath is not valid for TCP health checks.');
  }
}

export async function createService(input: ServiceDiscoveryInput<'CreateService'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'CreateService'>> {
  return ctx.store.write(sdPartition(ctx), (tx) => once(tx, 'CreateService', input.CreatorRequestId, input, async () => {
    const dns = input.DnsConfig as ServiceData['DnsConfig'] | undefined;
    const namespaceId = input.NamespaceId ?? dns?.NamespaceId;
    if (!namespaceId) throw invalidInput('NamespaceId is required.');
    const ns = await requireNamespace(tx, namespaceId);
    const name = input.Name;

    const clash = (await servicesOf(tx, ns.Id)).find((s) => s.Name.toLowerCase() === name.toLowerCase());
    if (clash) {
      throw cloudMapError('ServiceAlreadyExists', `Service ${name} already exists in namespace ${ns.Id}.`, {
        ...(clash.CreatorRequestId ? { CreatorRequestId: clash.CreatorRequestId } : {}),
        ServiceId: clash.Id,
        ServiceArn: clash.Arn,
      });
    }
    if (dns) {
      if (ns.Type === 'HTTP') throw invalidInput(`DnsConfig is not valid for services in HTTP namespace ${ns.Id}.`);
      if (input.Type === 'HTTP') throw invalidInput('DnsConfig is not valid for services of type HTTP.');
      checkDnsRecords(dns.DnsRecords);
    }
    checkHealthConfig(input, ns);

    const id = newServiceId();
    const arn = serviceArn(ctx, id);
    const tags = tagsInput(input.Tags);
    checkTagCount(tags, arn);
    const now = ctx.now();
    const svc: ServiceData = {
      Id: id,
      Arn: arn,
      Name: name,
      NamespaceId: ns.Id,
      Type: dns ? 'DNS_HTTP' : 'HTTP',
      CreateDate: now,
      Tags: tags,
      Attributes: {},
      Revision: 0,
    };
    if (input.Description !== undefined) svc.Description = input.Description;
    if (dns) svc.DnsConfig = { NamespaceId: ns.Id, RoutingPolicy: dns.RoutingPolicy ?? 'MULTIVALUE', DnsRecords: dns.DnsRecords };
    if (input.HealthCheckConfig) {
      const hc = input.HealthCheckConfig as NonNullable<ServiceData['HealthCheckConfig']>;
      svc.HealthCheckConfig = { ...hc, FailureThreshold: hc.FailureThreshold ?? 1 };
    }
    if (input.HealthCheckCustomConfig) svc.HealthCheckCustomConfig = { FailureThreshold: 1, ...(input.HealthCheckCustomConfig as object) };
    if (typeof input.CreatorRequestId === 'string') svc.CreatorRequestId = input.CreatorRequestId;
    await saveService(tx, svc, now);
    return { Service: serviceOutput(svc, ctx, 0, false) };
  }));
}

export async function getService(input: ServiceDiscoveryInput<'GetService'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'GetService'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.Id);
    return { Service: serviceOutput(svc, ctx, await tx.count(SD, INSTANCE, svc.Id), false) };
  });
}

export async function listServices(input: ServiceDiscoveryInput<'ListServices'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'ListServices'>> {
  const matches = compileFilters<ServiceData>(input.Filters, {
    NAMESPACE_ID: { conditions: ['EQ', 'IN'], value: (s) => s.NamespaceId },
    RESOURCE_OWNER: { conditions: ['EQ'], value: () => 'SELF' },
  });
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const services = (await tx.list(SD, SERVICE, undefined)).map((r) => r.data as unknown as ServiceData).filter(matches);
    const byId = (s: ServiceData): string => s.Id;
    const { items, NextToken } = sdPage(sortByKey(services, byId), byId, input);
    const out = [];
    for (const svc of items) out.push(serviceOutput(svc, ctx, await tx.count(SD, INSTANCE, svc.Id), true));
    return { Services: out, ...(NextToken ? { NextToken } : {}) };
  });
}

export async function updateService(input: ServiceDiscoveryInput<'UpdateService'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'UpdateService'>> {
  return ctx.store.write(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.Id);
    const change = (input.Service ?? {}) as {
      Description?: string; DnsConfig?: { DnsRecords: DnsRecord[] }; HealthCheckConfig?: ServiceData['HealthCheckConfig'];
    };
    if (change.Description !== undefined) svc.Description = change.Description;
    if (change.DnsConfig) {
      if (!svc.DnsConfig) throw invalidInput(`Service ${svc.Id} has no DNS configuration to update.`);
      checkDnsRecords(change.DnsConfig.DnsRecords);
      svc.DnsConfig = { ...svc.DnsConfig, DnsRecords: change.DnsConfig.DnsRecords };
    }
    if (change.HealthCheckConfig) {
      if (svc.HealthCheckCustomConfig) throw invalidInput(`Service ${svc.Id} uses custom health checks; HealthCheckConfig cannot be added.`);
      checkHealthConfig({ HealthCheckConfig: change.HealthCheckConfig }, await requireNamespace(tx, svc.NamespaceId));
      svc.HealthCheckConfig = { ...change.HealthCheckConfig, FailureThreshold: change.HealthCheckConfig.FailureThreshold ?? 1 };
    } else {
      // Cloud Map: an existing HealthCheckConfig left out of the update is deleted.
      delete svc.HealthCheckConfig;
    }
    await saveService(tx, svc, ctx.now());
    return { OperationId: await recordOperation(tx, ctx, 'UPDATE_SERVICE', { SERVICE: svc.Id }) };
  });
}

export async function deleteService(input: ServiceDiscoveryInput<'DeleteService'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'DeleteService'>> {
  return ctx.store.write(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.Id);
    const instances = await tx.count(SD, INSTANCE, svc.Id);
    if (instances > 0) {
      throw cloudMapError('ResourceInUse', `Service ${svc.Id} has ${instances} registered instance${instances === 1 ? '' : 's'}; deregister them first.`);
    }
    await tx.delete(SD, SERVICE, svc.NamespaceId, svc.Id);
    return {};
  });
}

export async function getServiceAttributes(input: ServiceDiscoveryInput<'GetServiceAttributes'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'GetServiceAttributes'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    return { ServiceAttributes: { ServiceArn: svc.Arn, ResourceOwner: ctx.account, Attributes: svc.Attributes } };
  });
}

export async function updateServiceAttributes(input: ServiceDiscoveryInput<'UpdateServiceAttributes'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'UpdateServiceAttributes'>> {
  return ctx.store.write(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    const merged = { ...svc.Attributes, ...input.Attributes };
    if (Object.keys(merged).length > MAX_SERVICE_ATTRIBUTES) {
      throw cloudMapError('ServiceAttributesLimitExceededException', `A service can have at most ${MAX_SERVICE_ATTRIBUTES} attributes.`);
    }
    svc.Attributes = merged;
    await saveService(tx, svc, ctx.now());
    return {};
  });
}

export async function deleteServiceAttributes(input: ServiceDiscoveryInput<'DeleteServiceAttributes'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'DeleteServiceAttributes'>> {
  return ctx.store.write(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    for (const key of input.Attributes ?? []) delete svc.Attributes[key];
    await saveService(tx, svc, ctx.now());
    return {};
  });
}
