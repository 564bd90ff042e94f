// What a migration starts from: one mesh as a MeshSnapshot (the shape the data plane and the
// translator already read), whichever form it came in — manifests, CloudFormation templates and
// controller manifests (as validate reads them) or a live backend — plus, per resource, where it
// was written so report entries can say file:line.

import type { MeshSnapshot } from '../mesh/types';
import { describeAddress, KINDS, type Address, type KindName } from '../workflows/kinds';
import type { Resource } from '../workflows/manifest';

export interface SourceResource {
  /** `VirtualNode apps/serviceB`, `Route apps/serviceB/serviceB`, `Mesh apps`. */
  id: string;
  kind: KindName;
  spec: Record<string, unknown>;
  origin?: {
    file?: string;
    line?: (path: string) => number | undefined;
    sourcePath?: (path: string) => string;
  };
}

export interface MigrationSource {
  snapshot: MeshSnapshot;
  resources: Map<string, SourceResource>;
  /** false when the files name the mesh only through meshName (it was created elsewhere). */
  meshDeclared: boolean;
}

/** The report's name of a resource, from its kind and its name members. */
export function resourceId(kind: KindName, mesh: string, name: string, container?: string): string {
  return describeAddress({ kind, mesh, name, container });
}

export const ids = {
  mesh: (s: MeshSnapshot) => resourceId('Mesh', s.mesh.meshName, s.mesh.meshName),
  node: (s: MeshSnapshot, name: string) => resourceId('VirtualNode', s.mesh.meshName, name),
  router: (s: MeshSnapshot, name: string) => resourceId('VirtualRouter', s.mesh.meshName, name),
  route: (s: MeshSnapshot, router: string, name: string) => resourceId('Route', s.mesh.meshName, name, router),
  service: (s: MeshSnapshot, name: string) => resourceId('VirtualService', s.mesh.meshName, name),
  gateway: (s: MeshSnapshot, name: string) => resourceId('VirtualGateway', s.mesh.meshName, name),
  gatewayRoute: (s: MeshSnapshot, gateway: string, name: string) => resourceId('GatewayRoute', s.mesh.meshName, name, gateway),
};

/** The meshes the resources belong to, sorted. */
export function meshesOf(resources: Resource[]): string[] {
  return [...new Set(resources.map((r) => r.address.mesh))].sort();
}

function data(a: Address, spec: Record<string, unknown>): Record<string, unknown> {
  const k = KINDS[a.kind];
  const out: Record<string, unknown> = { meshName: a.mesh };
  if (k.containerMember) out[k.containerMember] = a.container;
  if (a.kind !== 'Mesh') out[k.nameMember] = a.name;
  out.spec = spec;
  return out;
}

/** One mesh of a manifest set (validate's reading of files, templates and controller manifests). */
export function fromManifests(all: Resource[], mesh: string): MigrationSource {
  const mine = all.filter((r) => r.address.mesh === mesh);
  const of = (kind: KindName) => mine.filter((r) => r.address.kind === kind).map((r) => data(r.address, r.spec));
  const declared = mine.find((r) => r.address.kind === 'Mesh');
  const snapshot = {
    mesh: data({ kind: 'Mesh', mesh, name: mesh }, declared?.spec ?? {}),
    virtualNodes: of('VirtualNode'),
    virtualRouters: of('VirtualRouter'),
    routes: of('Route'),
    virtualServices: of('VirtualService'),
    virtualGateways: of('VirtualGateway'),
    gatewayRoutes: of('GatewayRoute'),
  } as unknown as MeshSnapshot;
  const resources = new Map<string, SourceResource>();
  if (!declared) resources.set(ids.mesh(snapshot), { id: ids.mesh(snapshot), kind: 'Mesh', spec: {} });
  for (const r of mine) {
    const id = describeAddress(r.address);
    resources.set(id, { id, kind: r.address.kind, spec: r.spec, origin: { file: r.file, line: r.line, sourcePath: r.sourcePath } });
  }
  return { snapshot, resources, meshDeclared: !!declared };
}

/** A mesh read through a backend (local or --endpoint-url). */
export function fromSnapshot(snapshot: MeshSnapshot): MigrationSource {
  const resources = new Map<string, SourceResource>();
  const add = (id: string, kind: KindName, spec: unknown) => resources.set(id, { id, kind, spec: (spec ?? {}) as Record<string, unknown> });
  add(ids.mesh(snapshot), 'Mesh', snapshot.mesh.spec);
  for (const n of snapshot.virtualNodes) add(ids.node(snapshot, n.virtualNodeName), 'VirtualNode', n.spec);
  for (const r of snapshot.virtualRouters) add(ids.router(snapshot, r.virtualRouterName), 'VirtualRouter', r.spec);
  for (const r of snapshot.routes) add(ids.route(snapshot, r.virtualRouterName, r.routeName), 'Route', r.spec);
  for (const v of snapshot.virtualServices) add(ids.service(snapshot, v.virtualServiceName), 'VirtualService', v.spec);
  for (const g of snapshot.virtualGateways) add(ids.gateway(snapshot, g.virtualGatewayName), 'VirtualGateway', g.spec);
  for (const g of snapshot.gatewayRoutes) add(ids.gatewayRoute(snapshot, g.virtualGatewayName, g.gatewayRouteName), 'GatewayRoute', g.spec);
  return { snapshot, resources, meshDeclared: true };
}
