// Finding App Mesh resources in a store transaction, with the service's NotFound wording.

import type { Input } from '../../backend';
import type { ProviderContext } from '../provider';
import type { Partition, Store, StoredResource, StoreTx } from '../store/store';
import { appMeshError } from './errors';
import { KINDS, SERVICE, storeParent, type Address, type KindInfo } from './kinds';

/** The store partition a call works in: the local account and the call's region. */
export function partitionOf(ctx: ProviderContext): Partition {
  return { account: ctx.account, region: ctx.region };
}

export function notFound(d: KindInfo, a: Address, account: string): Error {
  if (d.kind === 'Mesh') return appMeshError('NotFoundException', `Mesh with name ${a.mesh} is not present for account ${account}`);
  const where = d.container
    ? `under ${KINDS[d.container].kind} ${a.container} in mesh ${a.mesh}`
    : `under mesh ${a.mesh}`;
  return appMeshError('NotFoundException', `${d.kind} with name ${a.name} is not present ${where} for account ${account}`);
}

/** A resource named in another one's spec (provider, weighted target, gateway route target) is missing. */
export function missingReference(type: string, name: string): Error {
  return appMeshError('NotFoundException', `${type} with name ${name} is missing`);
}

export function getResource(tx: StoreTx, d: KindInfo, a: Address): Promise<StoredResource | undefined> {
  return tx.get(SERVICE, d.outputKey, storeParent(d, a), a.name);
}

export async function requireResource(tx: StoreTx, d: KindInfo, a: Address, account: string): Promise<StoredResource> {
  const r = await getResource(tx, d, a);
  if (!r) throw notFound(d, a, account);
  return r;
}

/** The address an operation's input names (meshName, virtualRouterName/virtualGatewayName, own name). */
export function addressFromInput(d: KindInfo, input: Input): Address {
  const mesh = String(input.meshName);
  if (d.kind === 'Mesh') return { mesh, name: mesh };
  return {
    mesh,
    container: d.container ? String(input[d.containerMember!]) : undefined,
    name: String(input[d.nameMember]),
  };
}

/**
 * Meshes of other accounts do not exist locally: a meshOwner other than the local account is
 * answered like a missing mesh.
 */
export function checkMeshOwner(input: Input, a: Address, account: string): void {
  const owner = input.meshOwner;
  if (owner !== undefined && owner !== account) throw notFound(KINDS.Mesh, a, String(owner));
}

/**
 * The resource at `a` with its mesh (and router or gateway, for (gateway) routes) checked in the
 * same snapshot, in one store read: NotFound names the first of them that is missing, as
 * requireContainers followed by requireResource would.
 */
export async function requireWithContainers(store: Store, p: Partition, d: KindInfo, a: Address, account: string): Promise<StoredResource> {
  const kinds: KindInfo[] = d.kind === 'Mesh' ? [d] : d.container ? [KINDS.Mesh, KINDS[d.container], d] : [KINDS.Mesh, d];
  const addresses: Address[] = kinds.map((k) => (k === d ? a : { mesh: a.mesh, name: k.kind === 'Mesh' ? a.mesh : a.container! }));
  const found = await store.getMany(p, kinds.map((k, i) => ({ service: SERVICE, kind: k.outputKey, parent: storeParent(k, addresses[i]), name: addresses[i].name })));
  for (let i = 0; i < kinds.length; i++) if (!found[i]) throw notFound(kinds[i], addresses[i], account);
  return found[kinds.length - 1]!;
}

/** The mesh, and the router or gateway for (gateway) routes, that a resource lives in; NotFound if absent. */
export async function requireContainers(tx: StoreTx, d: KindInfo, a: Address, account: string): Promise<StoredResource | undefined> {
  if (d.kind === 'Mesh') return undefined;
  await requireResource(tx, KINDS.Mesh, { mesh: a.mesh, name: a.mesh }, account);
  if (!d.container) return undefined;
  return requireResource(tx, KINDS[d.container], { mesh: a.mesh, name: a.container! }, account);
}
