// The egress route configuration: one virtual host per backend virtual service (domains `svc`
// and `svc:port`), one Envoy route per App Mesh route, weighted clusters per target
// (dataplane.md §1.5–1.9).

import { findVirtualNode, resolveVirtualService, routeRule } from '../../mesh/lookup';
import type { ClientPolicy, RouteData, VirtualNodeData, VirtualRouterData, WeightedTarget } from '../../mesh/types';
import { aggregateStats, egressCluster } from './clusters';
import type { TranslationContext } from './context';
import { DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_PER_REQUEST_TIMEOUT_MS } from './defaults';
import { durationMs, envoyDuration } from './durations';
import type { Route, RouteAction, RouteMatch, VirtualHost } from './envoy-types';
import { grpcRouteMatch, httpRouteMatch } from './match';
import { byPrecedence } from './order';
import { retryPolicy } from './retry';

/** The index of the listener a weighted target means: its `port`, or the node's only listener. */
function targetListener(ctx: TranslationContext, node: VirtualNodeData, port: number | undefined, where: string): number {
  const listeners = node.spec.listeners ?? [];
  if (!listeners.length) {
    ctx.warn(`${where}: virtual node ${node.virtualNodeName} has no listener; its share of traffic fails`);
    return -1;
  }
  if (port !== undefined) {
    const i = listeners.findIndex((l) => l.portMapping.port === port);
    if (i < 0) ctx.warn(`${where}: virtual node ${node.virtualNodeName} has no listener on port ${port}`);
    return i;
  }
  if (listeners.length > 1) {
    ctx.warn(`${where}: virtual node ${node.virtualNodeName} has several listeners and the target names no port; using port ${listeners[0].portMapping.port}`);
  }
  return 0;
}

/** Weighted targets → weighted_clusters; targets that cannot be resolved lose their share. */
function weightedAction(
  ctx: TranslationContext, targets: WeightedTarget[], policy: ClientPolicy | undefined, where: string,
): RouteAction | undefined {
  const weights = new Map<string, number>();
  for (const t of targets) {
    const node = findVirtualNode(ctx.snapshot, t.virtualNode);
    if (!node) {
      ctx.warn(`${where}: target virtual node ${t.virtualNode} does not exist`);
      continue;
    }
    const i = targetListener(ctx, node, t.port, where);
    if (i < 0) continue;
    const name = egressCluster(ctx, node, i, policy);
    weights.set(name, (weights.get(name) ?? 0) + Number(t.weight));
  }
  const clusters = [...weights].map(([name, weight]) => ({ name, weight }));
  const total = clusters.reduce((s, c) => s + c.weight, 0);
  if (total <= 0) return undefined;
  // No total_weight: deprecated in Envoy v3 (the weights' sum is the total).
  return { weighted_clusters: { clusters } };
}

const UNROUTABLE: Pick<Route, 'direct_response'> = { direct_response: { status: 503, body: { inline_string: 'no healthy upstream' } } };

function timeouts(perRequest: number | undefined, idle: number | undefined): Pick<RouteAction, 'timeout' | 'idle_timeout'> {
  return {
    timeout: envoyDuration(perRequest ?? DEFAULT_PER_REQUEST_TIMEOUT_MS),
    idle_timeout: envoyDuration(idle ?? DEFAULT_IDLE_TIMEOUT_MS),
  };
}

/** CONNECT tunnels carry TCP routes through the HTTP egress listener (our local stand-in for iptables). */
export const CONNECT_UPGRADE = [{ upgrade_type: 'CONNECT', connect_config: {} as Record<string, never> }];

/** One App Mesh route → one Envoy route (or undefined when it has no usable action). */
export function translateRoute(
  ctx: TranslationContext, route: RouteData, serviceName: string, policy: ClientPolicy | undefined,
): { route: Route; match: RouteMatch } | undefined {
  const spec = route.spec ?? {};
  const where = `route ${route.virtualRouterName}/${route.routeName}`;
  const metadata = aggregateStats([{ key: 'TargetVirtualService', value: serviceName }]);
  const http = spec.http2Route ?? spec.httpRoute;
  // HTTP and gRPC routes differ only in how they match.
  const request = http ?? spec.grpcRoute;
  if (request) {
    const match = http ? httpRouteMatch(http.match) : grpcRouteMatch(spec.grpcRoute!.match);
    const action = weightedAction(ctx, request.action?.weightedTargets ?? [], policy, where);
    if (!action) return { match, route: { name: route.routeName, match, ...UNROUTABLE, metadata } };
    Object.assign(action, timeouts(durationMs(request.timeout?.perRequest), durationMs(request.timeout?.idle)));
    const retry = retryPolicy(request.retryPolicy, ctx.opts.defaultRetryPolicy);
    if (retry) action.retry_policy = retry;
    return { match, route: { name: route.routeName, match, route: action, metadata } };
  }
  if (spec.tcpRoute) {
    const match: RouteMatch = { connect_matcher: {} };
    const action = weightedAction(ctx, spec.tcpRoute.action?.weightedTargets ?? [], policy, where);
    if (!action) return { match, route: { name: route.routeName, match, ...UNROUTABLE, metadata } };
    Object.assign(action, {
      timeout: '0s',
      idle_timeout: envoyDuration(durationMs(spec.tcpRoute.timeout?.idle) ?? DEFAULT_IDLE_TIMEOUT_MS),
      upgrade_configs: CONNECT_UPGRADE,
    });
    return { match, route: { name: route.routeName, match, route: action, metadata } };
  }
  ctx.warn(`${where}: the spec has no httpRoute, http2Route, grpcRoute or tcpRoute`);
  return undefined;
}

/** The routes of `router` that serve its listener on `port`, in App Mesh precedence. */
export function routerRoutes(
  ctx: TranslationContext, router: VirtualRouterData, routes: RouteData[], port: number, serviceName: string,
  policy: ClientPolicy | undefined,
): Route[] {
  const single = (router.spec.listeners ?? []).length <= 1;
  const entries = [];
  for (const r of routes) {
    const matchPort = routeRule(r)?.match?.port;
    if (!(matchPort === port || (matchPort === undefined && single))) continue;
    const t = translateRoute(ctx, r, serviceName, policy);
    if (t) entries.push({ item: t.route, priority: r.spec?.priority, match: t.match, createdAt: r.metadata?.createdAt, name: r.routeName });
  }
  return byPrecedence(entries);
}

/** A virtual node provider gets one route per listener, to that listener's cluster. */
function nodeProviderRoute(
  ctx: TranslationContext, node: VirtualNodeData, index: number, serviceName: string, policy: ClientPolicy | undefined,
): Route {
  const l = node.spec.listeners![index];
  const cluster = egressCluster(ctx, node, index, policy);
  const metadata = aggregateStats([{ key: 'TargetVirtualService', value: serviceName }]);
  if (l.portMapping.protocol === 'tcp') {
    return {
      match: { connect_matcher: {} },
      route: { cluster, timeout: '0s', idle_timeout: envoyDuration(DEFAULT_IDLE_TIMEOUT_MS), upgrade_configs: CONNECT_UPGRADE },
      metadata,
    };
  }
  const action: RouteAction = { cluster, ...timeouts(undefined, undefined) };
  const retry = retryPolicy(undefined, ctx.opts.defaultRetryPolicy);
  if (retry) action.retry_policy = retry;
  return { match: { prefix: '/' }, route: action, metadata };
}

/**
 * The virtual hosts that make `serviceName` reachable from a proxy. One port: one host named
 * after the service with domains `svc` and `svc:port`. Several ports: one host per port
 * (`svc:port`), the first also taking the bare name.
 */
export function serviceVirtualHosts(
  ctx: TranslationContext, serviceName: string, policy: ClientPolicy | undefined, where: string,
): VirtualHost[] {
  const res = resolveVirtualService(ctx.snapshot, serviceName);
  if (!res) {
    ctx.warn(`${where}: backend virtual service ${serviceName} does not exist`);
    return [];
  }
  if (res.missing) ctx.warn(`virtual service ${serviceName}: provider ${res.missing} does not exist`);
  const perPort: Array<{ port: number; routes: Route[] }> = [];
  if (res.provider.kind === 'virtualNode') {
    const node = res.provider.node;
    (node.spec.listeners ?? []).forEach((l, i) => {
      perPort.push({ port: l.portMapping.port, routes: [nodeProviderRoute(ctx, node, i, serviceName, policy)] });
    });
  } else if (res.provider.kind === 'virtualRouter') {
    const { router, routes } = res.provider;
    for (const l of router.spec.listeners ?? []) {
      perPort.push({ port: l.portMapping.port, routes: routerRoutes(ctx, router, routes, l.portMapping.port, serviceName, policy) });
    }
  }
  if (perPort.length === 0) {
    // No provider (yet): the host is known but has no route, so requests get Envoy's 404 (NR).
    return [{ name: serviceName, domains: [serviceName], routes: [] }];
  }
  if (perPort.length === 1) {
    return [{ name: serviceName, domains: [serviceName, `${serviceName}:${perPort[0].port}`], routes: perPort[0].routes }];
  }
  return perPort.map((p, i) => ({
    name: `${serviceName}:${p.port}`,
    domains: i === 0 ? [serviceName, `${serviceName}:${p.port}`] : [`${serviceName}:${p.port}`],
    routes: p.routes,
  }));
}

/** The client policy a proxy applies to one backend: its own, else the node's backend defaults. */
export function clientPolicyFor(
  backends: Array<{ virtualService?: { virtualServiceName: string; clientPolicy?: ClientPolicy } }> | undefined,
  defaults: ClientPolicy | undefined,
  serviceName: string,
): ClientPolicy | undefined {
  const own = backends?.find((b) => b.virtualService?.virtualServiceName === serviceName)?.virtualService?.clientPolicy;
  return own ?? defaults;
}
