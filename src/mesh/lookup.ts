// Lookups over a MeshSnapshot shared by the translator and the data plane.

import type {
  GatewayRouteData, MeshSnapshot, RouteData, VirtualGatewayData, VirtualNodeData, VirtualRouterData, VirtualServiceData,
} from './types';

/** Name → position of its first item, per list (and the length it was built at). */
const indexes = new WeakMap<readonly object[], { length: number; at: Map<string, number> }>();

function indexOf<T extends object, K extends keyof T>(list: readonly T[], key: K): { length: number; at: Map<string, number> } {
  const at = new Map<string, number>();
  list.forEach((x, j) => {
    const n = x[key];
    if (typeof n === 'string' && !at.has(n)) at.set(n, j);
  });
  const index = { length: list.length, at };
  indexes.set(list, index);
  return index;
}

/**
 * The first item of `list` whose `key` is `name`, like `list.find` but in constant time: the xDS
 * server translates a thousand proxies of one snapshot, each looking up its targets by name. A hit
 * is checked against the list; a miss or a stale entry looks linearly (and re-indexes), so the
 * answer is `find`'s after items are added, removed or replaced (names are unique in a snapshot).
 */
function byName<T extends object, K extends keyof T>(list: readonly T[], key: K, name: string): T | undefined {
  let index = indexes.get(list);
  if (!index || index.length !== list.length) index = indexOf(list, key);
  const i = index.at.get(name);
  if (i !== undefined && list[i]?.[key] === name) return list[i];
  // Stale, or a name the index does not have (an item may have been replaced in place): look again.
  const found = list.findIndex((x) => x[key] === name);
  if (found >= 0) indexOf(list, key);
  return found >= 0 ? list[found] : undefined;
}

export function findVirtualNode(s: MeshSnapshot, name: string): VirtualNodeData | undefined {
  return byName(s.virtualNodes, 'virtualNodeName', name);
}

export function findVirtualGateway(s: MeshSnapshot, name: string): VirtualGatewayData | undefined {
  return byName(s.virtualGateways, 'virtualGatewayName', name);
}

/** A route's one protocol rule: httpRoute, http2Route, grpcRoute or tcpRoute. */
export function routeRule(r: RouteData) {
  const s = r.spec ?? {};
  return s.httpRoute ?? s.http2Route ?? s.grpcRoute ?? s.tcpRoute;
}

/** A gateway route's one protocol rule: httpRoute, http2Route or grpcRoute. */
export function gatewayRouteRule(gr: GatewayRouteData) {
  const s = gr.spec ?? {};
  return s.httpRoute ?? s.http2Route ?? s.grpcRoute;
}

export function routesOfRouter(s: MeshSnapshot, routerName: string): RouteData[] {
  return s.routes.filter((r) => r.virtualRouterName === routerName);
}

export type ServiceProvider =
  | { kind: 'virtualNode'; node: VirtualNodeData }
  | { kind: 'virtualRouter'; router: VirtualRouterData; routes: RouteData[] }
  | { kind: 'none' };

/** A virtual service and what provides it; `undefined` when the service does not exist. */
export function resolveVirtualService(
  s: MeshSnapshot,
  name: string,
): { service: VirtualServiceData; provider: ServiceProvider; missing?: string } | undefined {
  const service = byName(s.virtualServices, 'virtualServiceName', name);
  if (!service) return undefined;
  const p = service.spec?.provider;
  if (p?.virtualNode) {
    const node = findVirtualNode(s, p.virtualNode.virtualNodeName);
    return node
      ? { service, provider: { kind: 'virtualNode', node } }
      : { service, provider: { kind: 'none' }, missing: `virtual node ${p.virtualNode.virtualNodeName}` };
  }
  if (p?.virtualRouter) {
    const router = byName(s.virtualRouters, 'virtualRouterName', p.virtualRouter.virtualRouterName);
    return router
      ? { service, provider: { kind: 'virtualRouter', router, routes: routesOfRouter(s, router.virtualRouterName) } }
      : { service, provider: { kind: 'none' }, missing: `virtual router ${p.virtualRouter.virtualRouterName}` };
  }
  return { service, provider: { kind: 'none' } };
}
