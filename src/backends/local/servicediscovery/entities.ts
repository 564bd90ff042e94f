// How Cloud Map namespaces, services, instances and operations are kept in the store (one
// partition per account and region), and how ids and ARNs find them.
//   namespace  parent ''            name ns-…
//   service    parent <namespace>   name srv-…
//   instance   parent <service>     name <instance id>
//   operation  parent ''            name <operation id>

import type { Partition, StoredResource, StoreTx } from '../store/store';
import type { ProviderContext } from '../provider';
import { pageOf } from '../iam/paging';
import { runOnce } from '../idempotency';
import { cloudMapError, invalidInput } from './errors';

export const SD = 'servicediscovery';
export const NAMESPACE = 'namespace';
export const SERVICE = 'service';
export const INSTANCE = 'instance';
export const OPERATION = 'operation';

export type NamespaceType = 'HTTP' | 'DNS_PRIVATE' | 'DNS_PUBLIC';
export type HealthStatus = 'HEALTHY' | 'UNHEALTHY' | 'UNKNOWN';

export interface Tag {
  Key: string;
  Value: string;
}

export interface NamespaceData {
  Id: string;
  Arn: string;
  Name: string;
  Type: NamespaceType;
  Description?: string;
  CreateDate: number;
  CreatorRequestId?: string;
  Properties: {
    DnsProperties?: { HostedZoneId: string; SOA: { TTL: number } };
    HttpProperties: { HttpName: string };
  };
  Vpc?: string;
  Tags: Tag[];
}

export interface DnsRecord {
  Type: 'SRV' | 'A' | 'AAAA' | 'CNAME';
  TTL: number;
}

export interface ServiceData {
  Id: string;
  Arn: string;
  Name: string;
  NamespaceId: string;
  Description?: string;
  DnsConfig?: { NamespaceId?: string; RoutingPolicy: string; DnsRecords: DnsRecord[] };
  Type: 'HTTP' | 'DNS_HTTP' | 'DNS';
  HealthCheckConfig?: { Type: string; ResourcePath?: string; FailureThreshold?: number };
  HealthCheckCustomConfig?: { FailureThreshold?: number };
  CreateDate: number;
  CreatorRequestId?: string;
  Tags: Tag[];
  /** Service attributes (Get/Update/DeleteServiceAttributes). */
  Attributes: Record<string, string>;
  /** Bumped by every change DiscoverInstances can see. */
  Revision: number;
}

export interface InstanceData {
  Id: string;
  CreatorRequestId?: string;
  Attributes: Record<string, string>;
  /** Custom health status; only meaningful for services with HealthCheckCustomConfig. */
  CustomHealth?: 'HEALTHY' | 'UNHEALTHY';
}

export function sdPartition(ctx: ProviderContext): Partition {
  return { account: ctx.account, region: ctx.region };
}

export function namespaceArn(ctx: ProviderContext, id: string): string {
  return `arn:aws:servicediscovery:${ctx.region}:${ctx.account}:namespace/${id}`;
}

export function serviceArn(ctx: ProviderContext, id: string): string {
  return `arn:aws:servicediscovery:${ctx.region}:${ctx.account}:service/${id}`;
}

export const asNamespace = (r: StoredResource): NamespaceData => r.data as unknown as NamespaceData;
export const asService = (r: StoredResource): ServiceData => r.data as unknown as ServiceData;
export const asInstance = (r: StoredResource): InstanceData => r.data as unknown as InstanceData;

/** Operations take a namespace or service by id, or (for shared resources) by ARN. */
function idOf(idOrArn: string, kind: 'namespace' | 'service'): string {
  if (!idOrArn.startsWith('arn:')) return idOrArn;
  const m = new RegExp(`^arn:aws:servicediscovery:[^:]+:\\d{12}:${kind}/(.+)$`).exec(idOrArn);
  return m ? m[1] : idOrArn;
}

export async function requireNamespace(tx: StoreTx, idOrArn: string): Promise<NamespaceData> {
  const row = await tx.get(SD, NAMESPACE, '', idOf(idOrArn, 'namespace'));
  if (!row) throw cloudMapError('NamespaceNotFound', `Namespace not found: ${idOrArn}`);
  return asNamespace(row);
}

export async function allNamespaces(tx: StoreTx): Promise<NamespaceData[]> {
  return (await tx.list(SD, NAMESPACE, '')).map(asNamespace);
}

export async function findServiceRow(tx: StoreTx, ctx: ProviderContext, idOrArn: string): Promise<StoredResource | undefined> {
  return tx.getByArn(serviceArn(ctx, idOf(idOrArn, 'service')));
}

export async function requireService(tx: StoreTx, ctx: ProviderContext, idOrArn: string): Promise<ServiceData> {
  const row = await findServiceRow(tx, ctx, idOrArn);
  if (!row || row.service !== SD) throw cloudMapError('ServiceNotFound', `Service not found: ${idOrArn}`);
  return asService(row);
}

export async function servicesOf(tx: StoreTx, namespaceId: string): Promise<ServiceData[]> {
  return (await tx.list(SD, SERVICE, namespaceId)).map(asService);
}

export async function instancesOf(tx: StoreTx, serviceId: string): Promise<InstanceData[]> {
  return (await tx.list(SD, INSTANCE, serviceId)).map(asInstance);
}

export async function requireInstance(
  tx: StoreTx, service: ServiceData, instanceId: string,
): Promise<{ row: StoredResource; inst: InstanceData }> {
  const row = await tx.get(SD, INSTANCE, service.Id, instanceId);
  if (!row) throw cloudMapError('InstanceNotFound', `Instance ${instanceId} not found in service ${service.Id}.`);
  return { row, inst: asInstance(row) };
}

export async function saveNamespace(tx: StoreTx, ns: NamespaceData, now: number): Promise<void> {
  await tx.put({
    service: SD, kind: NAMESPACE, parent: '', name: ns.Id, arn: ns.Arn,
    data: ns as unknown as Record<string, unknown>, createdAt: ns.CreateDate, updatedAt: now,
  });
}

export async function saveService(tx: StoreTx, svc: ServiceData, now: number): Promise<void> {
  await tx.put({
    service: SD, kind: SERVICE, parent: svc.NamespaceId, name: svc.Id, arn: svc.Arn,
    data: svc as unknown as Record<string, unknown>, createdAt: svc.CreateDate, updatedAt: now,
  });
}

export async function saveInstance(
  tx: StoreTx, svc: ServiceData, inst: InstanceData, createdAt: number, now: number,
): Promise<void> {
  await tx.put({
    service: SD, kind: INSTANCE, parent: svc.Id, name: inst.Id, arn: `${svc.Arn}/instance/${inst.Id}`,
    data: inst as unknown as Record<string, unknown>, createdAt, updatedAt: now,
  });
}

/** The health Cloud Map reports for an instance of `service`. */
export function instanceHealth(service: ServiceData, inst: InstanceData): HealthStatus {
  if (service.HealthCheckCustomConfig) return inst.CustomHealth ?? 'HEALTHY';
  // Route 53 health checks are not run locally: instances of such services count as healthy.
  if (service.HealthCheckConfig) return 'HEALTHY';
  return 'UNKNOWN';
}

/** Cloud Map's NextToken/MaxResults paging over a fully sorted list. */
export function sdPage<T>(
  items: readonly T[], keyOf: (item: T) => string, input: { MaxResults?: number; NextToken?: string }, defaultMax = 100,
): { items: T[]; NextToken?: string } {
  const page = pageOf(items, keyOf, input.NextToken, input.MaxResults ?? defaultMax, () => invalidInput('The NextToken is not valid: it was not returned by a previous call.'));
  return page.next ? { items: page.items, NextToken: page.next } : { items: page.items };
}

/**
 * Runs a request that carries a creator/updater request id at most once: a retry with the same
 * id and payload gets the first response; another payload with that id is DuplicateRequest.
 */
export function once<T>(
  tx: StoreTx, scope: string, token: unknown, request: unknown, run: () => Promise<T>,
  duplicateFields: (first: T) => Record<string, unknown> = () => ({}),
): Promise<T> {
  return runOnce(tx, `${SD}:${scope}`, token, request, run, (first) =>
    cloudMapError('DuplicateRequest', `The request id ${String(token)} was already used for a different ${scope} request.`, duplicateFields(first)));
}
