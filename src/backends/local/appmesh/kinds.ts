// The seven App Mesh resource kinds in the store: the model's kinds table (src/generated/appmesh-kinds.ts)
// plus each kind's quota, where a resource lives in the store (rows keyed by the kind's output member,
// 'virtualNode'), its ARN, and how a stored resource is rendered as the model's *Data and *Ref shapes.

import { KINDS, type KindInfo, type KindName } from '../../../generated/appmesh-kinds';
import type { StoredResource } from '../store/store';
import type { QuotaName } from './quotas';

export const SERVICE = 'appmesh';

export { KINDS, type KindInfo, type KindName } from '../../../generated/appmesh-kinds';

/** The quota that caps how many of a kind its container (account, mesh, router or gateway) holds. */
export const QUOTA_OF: Record<KindName, QuotaName> = {
  Mesh: 'meshesPerAccount',
  VirtualService: 'virtualServicesPerMesh',
  VirtualNode: 'virtualNodesPerMesh',
  VirtualRouter: 'virtualRoutersPerMesh',
  Route: 'routesPerVirtualRouter',
  VirtualGateway: 'virtualGatewaysPerMesh',
  GatewayRoute: 'gatewayRoutesPerVirtualGateway',
};

/** The kind of a stored App Mesh row (rows are kept under the kind's output member: 'virtualNode'). */
export function kindOfStored(r: StoredResource): KindInfo {
  const d = Object.values(KINDS).find((k) => k.outputKey === r.kind);
  if (!d) throw new Error(`not an App Mesh resource row: ${r.kind}`);
  return d;
}

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
export function storeParent(d: KindInfo, a: Address): string {
  if (d.kind === 'Mesh') return '';
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
export function arnOf(w: Where, d: KindInfo, a: Address): string {
  const mesh = meshArn(w, a.mesh);
  if (d.kind === 'Mesh') return mesh;
  if (d.container) return `${mesh}/${KINDS[d.container].outputKey}/${a.container}/${d.outputKey}/${a.name}`;
  return `${mesh}/${d.outputKey}/${a.name}`;
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
export function addressOf(d: KindInfo, r: StoredResource): Address {
  if (d.kind === 'Mesh') return { mesh: r.name, name: r.name };
  if (!d.container) return { mesh: r.parent, name: r.name };
  const slash = r.parent.indexOf('/');
  return { mesh: r.parent.slice(0, slash), container: r.parent.slice(slash + 1), name: r.name };
}

/** Name members of a *Data/*Ref shape: meshName, virtualRouterName/virtualGatewayName, own name. */
function nameMembers(d: KindInfo, a: Address): Record<string, string> {
  const out: Record<string, string> = { meshName: a.mesh };
  if (d.containerMember) out[d.containerMember] = a.container!;
  out[d.nameMember] = a.name;
  return out;
}

/** Members in alphabetical order, as App Mesh serialises them. */
function sorted<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

export type StatusCode = 'ACTIVE' | 'DELETED';

/** The *Data shape: names, metadata, spec, status. */
export function renderData(d: KindInfo, r: StoredResource, status: StatusCode = 'ACTIVE'): Record<string, unknown> {
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
export function renderRef(d: KindInfo, r: StoredResource): Record<string, unknown> {
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
