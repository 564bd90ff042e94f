// Lookups over a MeshSnapshot shared by the translator and the data plane.

import type {
  GatewayRouteData, MeshSnapshot, RouteData, VirtualGatewayData, VirtualNodeData, VirtualRouterData, VirtualServiceData,
} from './types';

export function findVirtualNode(s: MeshSnapshot, name: string): VirtualNodeData | undefined {
  return s.virtualNodes.find((n) => n.virtualNodeName === name);
}

export function findVirtualGateway(s: MeshSnapshot, name: string): VirtualGatewayData | undefined {
  return s.virtualGateways.find((g) => g.virtualGatewayName === name);
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
  const service = s.virtualServices.find((v) => v.virtualServiceName === name);
  if (!service) return undefined;
  const p = service.spec?.provider;
  if (p?.virtualNode) {
    const node = findVirtualNode(s, p.virtualNode.virtualNodeName);
    return node
      ? { service, provider: { kind: 'virtualNode', node } }
      : { service, provider: { kind: 'none' }, missing: `virtual node ${p.virtualNode.virtualNodeName}` };
  }
  if (p?.virtualRouter) {
    const router = s.virtualRouters.find((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName);
    return router
      ? { service, provider: { kind: 'virtualRouter', router, routes: routesOfRouter(s, router.virtualRouterName) } }
      : { service, provider: { kind: 'none' }, missing: `virtual router ${p.virtualRouter.virtualRouterName}` };
  }
  return { service, provider: { kind: 'none' } };
}
