// What already exists, read through the backend (local or aws/--endpoint-url alike) with the
// public List/Describe/ListTagsForResource operations, as resources the planner and analyzers use.

import type { Dispatcher } from '../core/dispatcher';
import { isServiceError } from '../base/errors';
import type { MeshSnapshot } from '../mesh/types';
import { KINDS, nameMembers, type Address, type KindName } from './kinds';
import type { Resource, Tag } from './manifest';

type Described = Record<string, unknown> & { spec?: Record<string, unknown>; metadata?: { arn?: string } };

function fromDescribed(kind: KindName, d: Described): Resource {
  const k = KINDS[kind];
  const address: Address = {
    kind,
    mesh: String(d.meshName),
    container: k.containerMember ? String(d[k.containerMember]) : undefined,
    name: String(d[k.nameMember]),
  };
  const spec = (d.spec ?? {}) as Record<string, unknown>;
  return { address, input: { ...nameMembers(address), spec }, spec, origin: 'live', arn: d.metadata?.arn };
}

/** Every resource of a snapshot, mesh first. */
export function snapshotResources(s: MeshSnapshot): Resource[] {
  const list: Array<[KindName, unknown[]]> = [
    ['VirtualNode', s.virtualNodes], ['VirtualRouter', s.virtualRouters], ['Route', s.routes],
    ['VirtualService', s.virtualServices], ['VirtualGateway', s.virtualGateways], ['GatewayRoute', s.gatewayRoutes],
  ];
  return [fromDescribed('Mesh', s.mesh as unknown as Described), ...list.flatMap(([kind, items]) => items.map((d) => fromDescribed(kind, d as Described)))];
}

/** The resources of each mesh that exists; meshes that do not exist are left out. */
export async function readMeshes(api: Dispatcher, meshes: string[]): Promise<Resource[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadMeshSnapshot } = require('../mesh/load') as typeof import('../mesh/load');
  const out: Resource[] = [];
  for (const mesh of [...new Set(meshes)].sort()) {
    let snapshot: MeshSnapshot;
    try {
      snapshot = await loadMeshSnapshot(api, mesh, { region: api.region });
    } catch (e) {
      if (isServiceError(e) && e.code === 'NotFoundException' && e.operation === 'DescribeMesh') continue;
      throw e;
    }
    out.push(...snapshotResources(snapshot));
  }
  return out;
}

/** All tags of a resource (ListTagsForResource pages through them). */
export async function readTags(api: Dispatcher, arn: string): Promise<Tag[]> {
  const tags = await api.all('appmesh', 'ListTagsForResource', { resourceArn: arn });
  return tags.map((t) => ({ key: t.key, value: t.value ?? '' }));
}

/** Fills in `tags` of the live resources `wanted` selects. */
export async function attachTags(api: Dispatcher, resources: Resource[], wanted: (r: Resource) => boolean): Promise<void> {
  for (const r of resources) {
    if (r.arn && wanted(r)) r.tags = await readTags(api, r.arn);
  }
}
