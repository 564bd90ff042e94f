// What one proxy's translation reads from a mesh snapshot: the mesh, the proxy's own virtual node
// or gateway (and a gateway's routes), and for every virtual service it may call, the service, its
// provider, the provider's routes and their target nodes. The xDS server fingerprints these to
// rebuild only the proxies a change touches, and endpoints are resolved only for the nodes named
// here. Keep it in step with the translator: test/envoy-translate/inputs.test.ts checks, change by
// change over the corpus meshes, that every proxy whose translation changed had its inputs change.

import { findVirtualGateway, findVirtualNode, gatewayRouteRule, resolveVirtualService, routeRule } from '../../mesh/lookup';
import type { MeshSnapshot } from '../../mesh/types';

export type ProxyRef = { virtualNode: string } | { virtualGateway: string };

export interface TranslationInputs {
  /** The snapshot objects the translation reads, the mesh first, in a stable order. */
  resources: object[];
  /** What it looks for and does not find (`virtualService/x`), so that creating one counts as a change. */
  missing: string[];
  /** The virtual nodes whose endpoints it needs (targets of its backends' routes), sorted. */
  endpointNodes: string[];
}

/** undefined when the proxy's own virtual node or gateway does not exist. */
export function translationInputs(snapshot: MeshSnapshot, proxy: ProxyRef): TranslationInputs | undefined {
  const resources: object[] = [snapshot.mesh];
  const missing: string[] = [];
  const endpointNodes = new Set<string>();
  let services: string[];
  if ('virtualNode' in proxy) {
    const node = findVirtualNode(snapshot, proxy.virtualNode);
    if (!node) return undefined;
    resources.push(node);
    services = (node.spec.backends ?? []).map((b) => b.virtualService?.virtualServiceName).filter((s): s is string => !!s);
  } else {
    const gateway = findVirtualGateway(snapshot, proxy.virtualGateway);
    if (!gateway) return undefined;
    const routes = snapshot.gatewayRoutes.filter((g) => g.virtualGatewayName === proxy.virtualGateway);
    resources.push(gateway, ...routes);
    services = routes.map((g) => gatewayRouteRule(g)?.action?.target?.virtualService?.virtualServiceName).filter((s): s is string => !!s);
  }
  for (const name of new Set(services)) {
    const res = resolveVirtualService(snapshot, name);
    if (!res) {
      missing.push(`virtualService/${name}`);
      continue;
    }
    resources.push(res.service);
    if (res.missing) missing.push(res.missing);
    if (res.provider.kind === 'virtualNode') {
      resources.push(res.provider.node);
      endpointNodes.add(res.provider.node.virtualNodeName);
    } else if (res.provider.kind === 'virtualRouter') {
      resources.push(res.provider.router, ...res.provider.routes);
      for (const route of res.provider.routes) {
        for (const t of routeRule(route)?.action?.weightedTargets ?? []) {
          endpointNodes.add(t.virtualNode);
          const target = findVirtualNode(snapshot, t.virtualNode);
          if (target) resources.push(target);
          else missing.push(`virtualNode/${t.virtualNode}`);
        }
      }
    }
  }
  return { resources, missing, endpointNodes: [...endpointNodes].sort() };
}
