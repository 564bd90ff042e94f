// The seven App Mesh kinds as manifests see them: which members name a resource, which operations
// create/update/delete it, and the rank that orders a plan (a resource only ever refers to kinds of
// a lower rank, so creates run by ascending rank and deletes by descending rank).

export const KIND_NAMES = ['Mesh', 'VirtualNode', 'VirtualRouter', 'Route', 'VirtualService', 'VirtualGateway', 'GatewayRoute'] as const;
export type KindName = (typeof KIND_NAMES)[number];

export interface KindInfo {
  kind: KindName;
  rank: number;
  /** Member holding the resource's own name (meshName for a mesh). */
  nameMember: string;
  /** Routes live in a router, gateway routes in a gateway. */
  container?: 'VirtualRouter' | 'VirtualGateway';
  containerMember?: string;
  /** ListVirtualNodes, DeleteVirtualNode… use `${plural}` / `${kind}`. */
  plural: string;
  /** Output member of Describe/Create/Update (virtualNode). */
  outputKey: string;
  /** Folder of `awsmesh export --dir`. */
  dir: string;
}

const info = (kind: KindName, rank: number, plural: string, dir: string, container?: KindInfo['container']): KindInfo => {
  const outputKey = kind[0].toLowerCase() + kind.slice(1);
  return {
    kind,
    rank,
    nameMember: `${outputKey}Name`,
    container,
    containerMember: container ? `${container[0].toLowerCase()}${container.slice(1)}Name` : undefined,
    plural,
    outputKey,
    dir,
  };
};

export const KINDS: Record<KindName, KindInfo> = {
  Mesh: info('Mesh', 0, 'Meshes', ''),
  VirtualNode: info('VirtualNode', 1, 'VirtualNodes', 'virtual-nodes'),
  VirtualRouter: info('VirtualRouter', 2, 'VirtualRouters', 'virtual-routers'),
  Route: info('Route', 3, 'Routes', 'routes', 'VirtualRouter'),
  VirtualService: info('VirtualService', 4, 'VirtualServices', 'virtual-services'),
  VirtualGateway: info('VirtualGateway', 5, 'VirtualGateways', 'virtual-gateways'),
  GatewayRoute: info('GatewayRoute', 6, 'GatewayRoutes', 'gateway-routes', 'VirtualGateway'),
};

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
