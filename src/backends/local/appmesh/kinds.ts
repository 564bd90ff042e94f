// The seven App Mesh resource kinds, described once: their API names, where they live in the
// store, their ARNs, and how a stored resource is rendered as the model's *Data and *Ref shapes.

import type { StoredResource } from '../store/store';
import type { QuotaName } from './quotas';

export const SERVICE = 'appmesh';

export type KindName = 'mesh' | 'virtualService' | 'virtualNode' | 'virtualRouter' | 'route' | 'virtualGateway' | 'gatewayRoute';

export interface KindDef {
  kind: KindName;
  /** API type name: in operation names (CreateVirtualNode) and messages. */
  type: string;
  /** Plural type name: ListVirtualNodes, "has active VirtualNodes". */
  plural: string;
  /** Input/output member holding the resource's own name. */
  nameField: string;
  /** Output member holding the resource (DescribeVirtualNode → virtualNode). */
  outputKey: string;
  /** Output member holding a list page (ListVirtualNodes → virtualNodes). */
  listKey: string;
  /** Routes live in a virtual router, gateway routes in a virtual gateway; the rest directly in a mesh. */
  container?: 'virtualRouter' | 'virtualGateway';
  /** The quota that caps how many of this kind its container holds. */
  quota: QuotaName;
}

const def = (
  kind: KindName, type: string, plural: string, listKey: string, quota: QuotaName,
  container?: KindDef['container'],
): KindDef => ({ kind, type, plural, nameField: `${kind}Name`, outputKey: kind, listKey, quota, container });

export const KINDS: Record<KindName, KindDef> = {
  mesh: def('mesh', 'Mesh', 'Meshes', 'meshes', 'meshesPerAccount'),
  virtualService: def('virtualService', 'VirtualService', 'VirtualServices', 'virtualServices', 'virtualServicesPerMesh'),
  virtualNode: def('virtualNode', 'VirtualNode', 'VirtualNodes', 'virtualNodes', 'virtualNodesPerMesh'),
  virtualRouter: def('virtualRouter', 'VirtualRouter', 'VirtualRouters', 'virtualRouters', 'virtualRoutersPerMesh'),
  route: def('route', 'Route', 'Routes', 'routes', 'routesPerVirtualRouter', 'virtualRouter'),
  virtualGateway: def('virtualGateway', 'VirtualGateway', 'VirtualGateways', 'virtualGateways', 'virtualGatewaysPerMesh'),
  gatewayRoute: def('gatewayRoute', 'GatewayRoute', 'GatewayRoutes', 'gatewayRoutes', 'gatewayRoutesPerVirtualGateway', 'virtualGateway'),
};

/** Where one resource is: its mesh, its router/gateway for (gateway) routes, and its name. */
export interface Address {
  mesh: string;
  container?: string;
  name: string;
}

export interface Where {
  account: string;
  region: string;
}

/** Store scope the name is unique in: '' for meshes, the mesh for its children, 'mesh/router' for routes. */
export function storeParent(d: KindDef, a: Address): string {
  if (d.kind === 'mesh') return '';
  return d.container ? `${a.mesh}/${a.container}` : a.mesh;
}

function arnPartition(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function meshArn(w: Where, mesh: string): string {
  return `arn:${arnPartition(w.region)}:appmesh:${w.region}:${w.account}:mesh/${mesh}`;
}

/** AWS's ARN layout: mesh/m, mesh/m/virtualNode/n, mesh/m/virtualRouter/r/route/x, … */
export function arnOf(w: Where, d: KindDef, a: Address): string {
  const mesh = meshArn(w, a.mesh);
  if (d.kind === 'mesh') return mesh;
  if (d.container) return `${mesh}/${d.container}/${a.container}/${d.kind}/${a.name}`;
  return `${mesh}/${d.kind}/${a.name}`;
}

/** What the App Mesh provider keeps in StoredResource.data. */
export interface MeshResourceData {
  uid: string;
  version: number;
  meshOwner: string;
  resourceOwner: string;
  spec: Record<string, unknown>;
  tags: Array<{ key: string; value: string }>;
  [k: string]: unknown;
}

export function dataOf(r: StoredResource): MeshResourceData {
  return r.data as MeshResourceData;
}

/** The address of a stored resource (inverse of storeParent). */
export function addressOf(d: KindDef, r: StoredResource): Address {
  if (d.kind === 'mesh') return { mesh: r.name, name: r.name };
  if (!d.container) return { mesh: r.parent, name: r.name };
  const slash = r.parent.indexOf('/');
  return { mesh: r.parent.slice(0, slash), container: r.parent.slice(slash + 1), name: r.name };
}

/** Name members of a *Data/*Ref shape: meshName, virtualRouterName/virtualGatewayName, own name. */
function nameMembers(d: KindDef, a: Address): Record<string, string> {
  const out: Record<string, string> = { meshName: a.mesh };
  if (d.container) out[`${d.container}Name`] = a.container!;
  out[d.nameField] = a.name;
  return out;
}

/** Members in alphabetical order, as App Mesh serialises them. */
function sorted<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

export type StatusCode = 'ACTIVE' | 'DELETED';

/** The *Data shape: names, metadata, spec, status. */
export function renderData(d: KindDef, r: StoredResource, status: StatusCode = 'ACTIVE'): Record<string, unknown> {
  const data = dataOf(r);
  return sorted({
    ...nameMembers(d, addressOf(d, r)),
    metadata: {
      arn: r.arn,
      createdAt: r.createdAt,
      lastUpdatedAt: r.updatedAt,
      meshOwner: data.meshOwner,
      resourceOwner: data.resourceOwner,
      uid: data.uid,
      version: data.version,
    },
    spec: data.spec,
    status: { status },
  });
}

/** The *Ref shape used in list pages. */
export function renderRef(d: KindDef, r: StoredResource): Record<string, unknown> {
  const data = dataOf(r);
  return sorted({
    ...nameMembers(d, addressOf(d, r)),
    arn: r.arn,
    createdAt: r.createdAt,
    lastUpdatedAt: r.updatedAt,
    meshOwner: data.meshOwner,
    resourceOwner: data.resourceOwner,
    version: data.version,
  });
}
