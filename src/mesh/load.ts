// Reads one mesh through the dispatcher (local or aws/--endpoint-url backend) into a MeshSnapshot. Only the
// public API is used, so the data plane sees exactly what `aws appmesh describe-*` shows.
// Passing the previous snapshot re-describes only resources whose version changed, which keeps
// polling a remote control plane cheap.

import { KINDS, type KindInfo } from '../generated/appmesh-kinds';
import type {
  GatewayRouteData, MeshData, MeshSnapshot, RouteData, VirtualGatewayData, VirtualNodeData, VirtualRouterData,
  VirtualServiceData,
} from './types';

/**
 * The calls a snapshot is read with: core/dispatcher.ts's Dispatcher has them (named here, not
 * imported, so mesh/ stays below the dispatcher and the backends that use its types).
 */
export interface MeshReader {
  dispatch(service: 'appmesh', operation: string, input: Record<string, unknown>, opts: { region: string }): Promise<Record<string, unknown>>;
  dispatchAll(service: 'appmesh', operation: string, input: Record<string, unknown>, opts: { region: string }): Promise<unknown[]>;
}

type Ref = Record<string, unknown> & { arn?: string; version?: number; lastUpdatedAt?: unknown };

/**
 * Identifies one state of a resource. The version alone is not enough: a resource deleted and
 * created again under the same name has the same ARN and is back at version 1.
 */
function revision(r: { version?: number; lastUpdatedAt?: unknown }): string {
  const at = r.lastUpdatedAt instanceof Date ? r.lastUpdatedAt.getTime() / 1000 : Number(r.lastUpdatedAt);
  return `${r.version}@${at}`;
}

/** How many describe calls run at once (a remote server should not see a burst of hundreds). */
const CONCURRENCY = 16;

export async function loadMeshSnapshot(
  api: MeshReader,
  meshName: string,
  ctx: { region: string },
  previous?: MeshSnapshot,
): Promise<MeshSnapshot> {
  const opts = { region: ctx.region };
  const call = (op: string, input: Record<string, unknown>) => api.dispatch('appmesh', op, input, opts);
  const mesh = (await call('DescribeMesh', { meshName })).mesh as MeshData;
  const cache = new Map<string, { revision: string; data: unknown }>();
  if (previous) {
    for (const r of allResources(previous)) if (r.metadata?.arn) cache.set(r.metadata.arn, { revision: revision(r.metadata), data: r });
  }

  const listAll = (kind: KindInfo, scope: Record<string, unknown>): Promise<Ref[]> =>
    api.dispatchAll('appmesh', `List${kind.plural}`, { meshName, ...scope }, opts) as Promise<Ref[]>;

  const describeAll = async <T>(kind: KindInfo, refs: Ref[]): Promise<T[]> =>
    mapLimit(refs, CONCURRENCY, async (ref) => {
      const hit = ref.arn ? cache.get(ref.arn) : undefined;
      if (hit && ref.version !== undefined && hit.revision === revision(ref)) return hit.data as T;
      const input: Record<string, unknown> = { meshName };
      if (kind.containerMember) input[kind.containerMember] = ref[kind.containerMember];
      input[kind.nameMember] = ref[kind.nameMember];
      return (await call(`Describe${kind.kind}`, input))[kind.outputKey] as T;
    });

  const [nodeRefs, routerRefs, serviceRefs, gatewayRefs] = await Promise.all([
    listAll(KINDS.VirtualNode, {}),
    listAll(KINDS.VirtualRouter, {}),
    listAll(KINDS.VirtualService, {}),
    listAll(KINDS.VirtualGateway, {}),
  ]);
  const routeRefs = (await Promise.all(routerRefs.map((r) => listAll(KINDS.Route, { virtualRouterName: r.virtualRouterName })))).flat();
  const gatewayRouteRefs = (
    await Promise.all(gatewayRefs.map((g) => listAll(KINDS.GatewayRoute, { virtualGatewayName: g.virtualGatewayName })))
  ).flat();

  const [virtualNodes, virtualRouters, routes, virtualServices, virtualGateways, gatewayRoutes] = await Promise.all([
    describeAll<VirtualNodeData>(KINDS.VirtualNode, nodeRefs),
    describeAll<VirtualRouterData>(KINDS.VirtualRouter, routerRefs),
    describeAll<RouteData>(KINDS.Route, routeRefs),
    describeAll<VirtualServiceData>(KINDS.VirtualService, serviceRefs),
    describeAll<VirtualGatewayData>(KINDS.VirtualGateway, gatewayRefs),
    describeAll<GatewayRouteData>(KINDS.GatewayRoute, gatewayRouteRefs),
  ]);
  return { mesh, virtualNodes, virtualRouters, routes, virtualServices, virtualGateways, gatewayRoutes };
}

function allResources(s: MeshSnapshot): Array<{ metadata?: { arn: string; version: number; lastUpdatedAt?: unknown } }> {
  return [...s.virtualNodes, ...s.virtualRouters, ...s.routes, ...s.virtualServices, ...s.virtualGateways, ...s.gatewayRoutes];
}

/**
 * A string that changes whenever any resource of the snapshot changes (arns and versions), so a
 * poller can skip re-translation when nothing moved.
 */
export function snapshotFingerprint(s: MeshSnapshot): string {
  const parts = [s.mesh.metadata ? `${s.mesh.metadata.arn}@${revision(s.mesh.metadata)}` : s.mesh.meshName];
  for (const r of allResources(s)) parts.push(r.metadata ? `${r.metadata.arn}@${revision(r.metadata)}` : '?');
  return parts.sort().join('|');
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
