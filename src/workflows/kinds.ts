// The seven App Mesh kinds as manifests see them: the model's kinds table (src/generated/appmesh-kinds.ts:
// which members name a resource, which operations create/update/delete it, the rank that orders a
// plan) and the addresses built from it.

import { KIND_NAMES, KINDS, type KindName } from '../generated/appmesh-kinds';

export { KIND_NAMES, KINDS, type KindInfo, type KindName } from '../generated/appmesh-kinds';

export function isKindName(v: unknown): v is KindName {
  return typeof v === 'string' && (KIND_NAMES as readonly string[]).includes(v);
}

/**
 * The kind a `--cli-input-json`-style document is for, from the name members it carries: the most
 * specific one wins (a route names its router too). undefined when no name member is present.
 */
export function inferKind(doc: Record<string, unknown>): KindName | undefined {
  if ('gatewayRouteName' in doc) return 'GatewayRoute';
  if ('routeName' in doc) return 'Route';
  if ('virtualGatewayName' in doc) return 'VirtualGateway';
  if ('virtualRouterName' in doc) return 'VirtualRouter';
  if ('virtualServiceName' in doc) return 'VirtualService';
  if ('virtualNodeName' in doc) return 'VirtualNode';
  if ('meshName' in doc) return 'Mesh';
  return undefined;
}

/** Where a resource is: its mesh, its router/gateway (routes), its own name. */
export interface Address {
  kind: KindName;
  mesh: string;
  container?: string;
  name: string;
}

/** The address named by a Create/Describe input; undefined when a name member is not a string. */
export function addressOf(kind: KindName, input: Record<string, unknown>): Address | undefined {
  const k = KINDS[kind];
  const mesh = input.meshName;
  const name = input[k.nameMember];
  const container = k.containerMember ? input[k.containerMember] : undefined;
  if (typeof mesh !== 'string' || typeof name !== 'string') return undefined;
  if (k.containerMember && typeof container !== 'string') return undefined;
  return { kind, mesh, name, container: container as string | undefined };
}

/** The input members that name a resource (for Describe/Update/Delete and manifests). */
export function nameMembers(a: Address): Record<string, string> {
  const k = KINDS[a.kind];
  const out: Record<string, string> = { meshName: a.mesh };
  if (k.containerMember) out[k.containerMember] = a.container!;
  if (a.kind !== 'Mesh') out[k.nameMember] = a.name;
  return out;
}

/** A stable identity: kind plus path. */
export function addressKey(a: Address): string {
  return [a.kind, a.mesh, a.container ?? '', a.kind === 'Mesh' ? '' : a.name].join('\u0000');
}

/** `VirtualNode apps/serviceA`, `Route apps/serviceB/serviceB`, `Mesh apps`. */
export function describeAddress(a: Address): string {
  if (a.kind === 'Mesh') return `Mesh ${a.mesh}`;
  return `${a.kind} ${[a.mesh, a.container, a.name].filter((p) => p !== undefined).join('/')}`;
}

/** Plan order: by rank, then mesh, container and name. */
export function compareAddresses(a: Address, b: Address): number {
  return KINDS[a.kind].rank - KINDS[b.kind].rank
    || cmp(a.mesh, b.mesh) || cmp(a.container ?? '', b.container ?? '') || cmp(a.name, b.name);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
