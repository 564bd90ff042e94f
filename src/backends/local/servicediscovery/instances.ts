// Cloud Map instances: registration (with the reserved AWS_* attributes checked), listing, and
// health — custom health status for services with HealthCheckCustomConfig.

import type { Instance, ServiceDiscoveryInput, ServiceDiscoveryOutput } from '../../../generated/servicediscovery-api';
import { isIPv4, isIPv6 } from 'net';
import type { ProviderContext } from '../provider';
import type { StoreTx } from '../store/store';
import {
  INSTANCE, instanceHealth, instancesOf, once, requireInstance, requireService, saveInstance, saveService, SD,
  sdPage, sdPartition, type InstanceData, type ServiceData,
} from './entities';
import { cloudMapError, invalidInput } from './errors';
import { recordOperation } from './operations';

export const MAX_INSTANCE_ATTRIBUTES = 30;
export const INSTANCES_PER_SERVICE = 1000;

/** The reserved attributes' rules, and the ones a service's DNS records require. */
export function checkInstanceAttributes(attrs: Record<string, string>, svc: ServiceData): void {
  const keys = Object.keys(attrs);
  if (keys.length > MAX_INSTANCE_ATTRIBUTES) {
    throw invalidInput(`An instance can have at most ${MAX_INSTANCE_ATTRIBUTES} attributes; ${keys.length} were given.`);
  }
  for (const [k, v] of Object.entries(attrs)) {
    if (k.length === 0 || k.length > 255) throw invalidInput(`Attribute key "${k}" must be 1 to 255 characters long.`);
    if (v.length > 1024) throw invalidInput(`Attribute ${k} is longer than 1024 characters.`);
  }
  const ipv4 = attrs.AWS_INSTANCE_IPV4;
  const ipv6 = attrs.AWS_INSTANCE_IPV6;
  const port = attrs.AWS_INSTANCE_PORT;
  if (ipv4 !== undefined && !isIPv4(ipv4)) throw invalidInput(`AWS_INSTANCE_IPV4 "${ipv4}" is not a valid IPv4 address.`);
  if (ipv6 !== undefined && !isIPv6(ipv6)) throw invalidInput(`AWS_INSTANCE_IPV6 "${ipv6}" is not a valid IPv6 address.`);
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw invalidInput(`AWS_INSTANCE_PORT "${port}" is not a port number (1-65535).`);
  }
  const init = attrs.AWS_INIT_HEALTH_STATUS;
  if (init !== undefined && init !== 'HEALTHY' && init !== 'UNHEALTHY') {
    throw invalidInput(`AWS_INIT_HEALTH_STATUS must be HEALTHY or UNHEALTHY, not "${init}".`);
  }
  for (const record of svc.DnsConfig?.DnsRecords ?? []) {
    if (record.Type === 'A' && ipv4 === undefined) throw invalidInput('The service has an A record: AWS_INSTANCE_IPV4 is required.');
    if (record.Type === 'AAAA' && ipv6 === undefined) throw invalidInput('The service has an AAAA record: AWS_INSTANCE_IPV6 is required.');
    if (record.Type === 'SRV' && (port === undefined || (ipv4 === undefined && ipv6 === undefined))) {
      throw invalidInput('The service has an SRV record: AWS_INSTANCE_PORT and an IPv4 or IPv6 address are required.');
    }
    if (record.Type === 'CNAME' && attrs.AWS_INSTANCE_CNAME === undefined) {
      throw invalidInput('The service has a CNAME record: AWS_INSTANCE_CNAME is required.');
    }
  }
}

async function bumpRevision(tx: StoreTx, svc: ServiceData, now: number): Promise<void> {
  svc.Revision += 1;
  await saveService(tx, svc, now);
}

export async function registerInstance(input: ServiceDiscoveryInput<'RegisterInstance'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'RegisterInstance'>> {
  return ctx.store.write(sdPartition(ctx), (tx) => once(tx, 'RegisterInstance', input.CreatorRequestId, input, async () => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    const attrs = { ...input.Attributes };
    checkInstanceAttributes(attrs, svc);
    const id = input.InstanceId;
    const row = await tx.get(SD, INSTANCE, svc.Id, id);
    if (!row && (await tx.count(SD, INSTANCE, svc.Id)) >= INSTANCES_PER_SERVICE) {
      throw cloudMapError('ResourceLimitExceeded', `Service ${svc.Id} already has ${INSTANCES_PER_SERVICE} instances.`);
    }
    const previous = row?.data as unknown as InstanceData | undefined;
    const inst: InstanceData = { Id: id, Attributes: attrs };
    if (typeof input.CreatorRequestId === 'string') inst.CreatorRequestId = input.CreatorRequestId;
    if (svc.HealthCheckCustomConfig) {
      // A re-registration keeps the reported status unless it sets a new initial one.
      const init = attrs.AWS_INIT_HEALTH_STATUS as InstanceData['CustomHealth'] | undefined;
      inst.CustomHealth = init ?? previous?.CustomHealth ?? 'HEALTHY';
    }
    const now = ctx.now();
    await saveInstance(tx, svc, inst, row?.createdAt ?? now, now);
    await bumpRevision(tx, svc, now);
    return { OperationId: await recordOperation(tx, ctx, 'REGISTER_INSTANCE', { INSTANCE: id, SERVICE: svc.Id }) };
  }, (first) => ({ DuplicateOperationId: first.OperationId })));
}

export async function deregisterInstance(input: ServiceDiscoveryInput<'DeregisterInstance'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'DeregisterInstance'>> {
  return ctx.store.write(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    const { inst } = await requireInstance(tx, svc, input.InstanceId);
    await tx.delete(SD, INSTANCE, svc.Id, inst.Id);
    await bumpRevision(tx, svc, ctx.now());
    return { OperationId: await recordOperation(tx, ctx, 'DEREGISTER_INSTANCE', { INSTANCE: inst.Id, SERVICE: svc.Id }) };
  });
}

export async function getInstance(input: ServiceDiscoveryInput<'GetInstance'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'GetInstance'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    const { inst } = await requireInstance(tx, svc, input.InstanceId);
    const out: Instance = { Id: inst.Id };
    if (inst.CreatorRequestId !== undefined) out.CreatorRequestId = inst.CreatorRequestId;
    out.Attributes = inst.Attributes;
    out.CreatedByAccount = ctx.account;
    return { ResourceOwner: ctx.account, Instance: out };
  });
}

export async function listInstances(input: ServiceDiscoveryInput<'ListInstances'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'ListInstances'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    const { items, NextToken } = sdPage(await instancesOf(tx, svc.Id), (i) => i.Id, input);
    return {
      ResourceOwner: ctx.account,
      Instances: items.map((i) => ({ Id: i.Id, Attributes: i.Attributes, CreatedByAccount: ctx.account })),
      ...(NextToken ? { NextToken } : {}),
    };
  });
}

export async function getInstancesHealthStatus(input: ServiceDiscoveryInput<'GetInstancesHealthStatus'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'GetInstancesHealthStatus'>> {
  return ctx.store.read(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    const all = await instancesOf(tx, svc.Id);
    let selected = all;
    if (Array.isArray(input.Instances)) {
      const wanted = input.Instances;
      const missing = wanted.find((id) => !all.some((i) => i.Id === id));
      if (missing) throw cloudMapError('InstanceNotFound', `Instance ${missing} not found in service ${svc.Id}.`);
      selected = all.filter((i) => wanted.includes(i.Id));
    }
    const { items, NextToken } = sdPage(selected, (i) => i.Id, input);
    const Status = Object.fromEntries(items.map((i) => [i.Id, instanceHealth(svc, i)]));
    return { Status, ...(NextToken ? { NextToken } : {}) };
  });
}

export async function updateInstanceCustomHealthStatus(input: ServiceDiscoveryInput<'UpdateInstanceCustomHealthStatus'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'UpdateInstanceCustomHealthStatus'>> {
  return ctx.store.write(sdPartition(ctx), async (tx) => {
    const svc = await requireService(tx, ctx, input.ServiceId);
    const { row, inst } = await requireInstance(tx, svc, input.InstanceId);
    if (!svc.HealthCheckCustomConfig) {
      throw cloudMapError('CustomHealthNotFound', `Service ${svc.Id} has no HealthCheckCustomConfig, so its instances have no custom health status.`);
    }
    const status = input.Status as 'HEALTHY' | 'UNHEALTHY';
    if (inst.CustomHealth !== status) {
      inst.CustomHealth = status;
      const now = ctx.now();
      await saveInstance(tx, svc, inst, row.createdAt, now);
      await bumpRevision(tx, svc, now);
    }
    return {};
  });
}
