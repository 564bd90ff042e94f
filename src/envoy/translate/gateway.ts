// A virtual gateway's proxy (dataplane.md §1.6): each gateway listener matches gateway routes,
// rewrites host and path, and sends the request to the gateway's own egress listener
// (self_redirect), which routes it like any mesh client would.

import { gatewayRouteRule } from '../../mesh/lookup';
import type { GatewayRouteData, HttpGatewayRoute, VirtualGatewayData } from '../../mesh/types';
import { selfRedirectCluster } from './clusters';
import type { TranslationContext } from './context';
import { VIRTUAL_SERVICE_HEADER } from './defaults';
import { buildEgress } from './egress';
import type { HeaderMatcher, Listener, Route, RouteAction, RouteConfiguration, RouteMatch, VirtualHost } from './envoy-types';
import { httpConnectionManager, listener } from './listeners';
import { escapeRegex, grpcRouteMatch, hostnameMatcher, httpRouteMatch } from './match';
import { ingressRouteConfigName, selfRedirectClusterName } from './names';
import { byPrecedence } from './order';
import { listenerChains, usesAcm } from './tls';

function gatewayRouteKind(gr: GatewayRouteData): 'http' | 'grpc' | undefined {
  if (gr.spec?.httpRoute || gr.spec?.http2Route) return 'http';
  return gr.spec?.grpcRoute ? 'grpc' : undefined;
}

function targetOf(gr: GatewayRouteData) {
  return gatewayRouteRule(gr)?.action?.target;
}

/** The default prefix rewrite: the matched prefix becomes "/" (`/chapter/1` → `/1`). */
function defaultPrefixRewrite(prefix: string): RouteAction['regex_rewrite'] | undefined {
  if (prefix === '/') return undefined;
  const regex = prefix.endsWith('/') ? `^${escapeRegex(prefix)}` : `^${escapeRegex(prefix)}/?`;
  return { pattern: { regex }, substitution: '/' };
}

function httpGatewayMatch(h: HttpGatewayRoute): RouteMatch {
  const match = httpRouteMatch({
    prefix: h.match?.prefix,
    path: h.match?.path,
    headers: h.match?.headers,
    method: h.match?.method,
    queryParameters: h.match?.queryParameters,
  });
  const host = hostnameMatcher(h.match?.hostname);
  if (host) match.headers = [...(match.headers ?? []), host];
  return match;
}

function translateGatewayRoute(
  ctx: TranslationContext, gr: GatewayRouteData, cluster: string,
): { route: Route; match: RouteMatch } | undefined {
  const target = targetOf(gr);
  const where = `gateway route ${gr.virtualGatewayName}/${gr.gatewayRouteName}`;
  if (!target?.virtualService?.virtualServiceName) {
    ctx.warn(`${where}: no target virtual service`);
    return undefined;
  }
  const vs = target.virtualService.virtualServiceName;
  const authority = target.port ? `${vs}:${target.port}` : vs;
  const action: RouteAction = { cluster, timeout: '0s' };
  const route: Route = { name: gr.gatewayRouteName, match: { prefix: '/' }, route: action };
  let hostRewrite: string | undefined;
  const http = gr.spec.httpRoute ?? gr.spec.http2Route;
  if (http) {
    route.match = httpGatewayMatch(http);
    hostRewrite = http.action.rewrite?.hostname?.defaultTargetHostname;
    const rw = http.action.rewrite;
    if (http.match?.path && rw?.path?.exact !== undefined) {
      action.regex_rewrite = { pattern: { regex: '^.*$' }, substitution: rw.path.exact };
    } else if (!http.match?.path) {
      const prefix = http.match?.prefix ?? '/';
      if (rw?.prefix?.value !== undefined) action.prefix_rewrite = rw.prefix.value;
      else if (rw?.prefix?.defaultPrefix !== 'DISABLED') {
        const rewrite = defaultPrefixRewrite(prefix);
        if (rewrite) action.regex_rewrite = rewrite;
      }
    }
  } else if (gr.spec.grpcRoute) {
    const g = gr.spec.grpcRoute;
    route.match = grpcRouteMatch({ serviceName: g.match?.serviceName, metadata: g.match?.metadata });
    const host = hostnameMatcher(g.match?.hostname);
    if (host) route.match.headers = [...(route.match.headers ?? []), host];
    hostRewrite = g.action.rewrite?.hostname?.defaultTargetHostname;
  }
  if (hostRewrite === 'DISABLED') {
    route.request_headers_to_add = [{ header: { key: VIRTUAL_SERVICE_HEADER, value: authority }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }];
  } else {
    action.host_rewrite_literal = authority;
  }
  return { route, match: route.match };
}

/**
 * When a gateway route keeps the client's host, the egress side recognises the target by the
 * x-app-mesh-virtual-service header: a catch-all `default_backend` host repeats each target's
 * routes with that header as an extra condition.
 */
function defaultBackend(hosts: VirtualHost[], targets: Set<string>): VirtualHost | undefined {
  const routes: Route[] = [];
  for (const h of hosts) {
    const target = h.domains.find((d) => targets.has(d));
    if (!target) continue;
    const header: HeaderMatcher = { name: VIRTUAL_SERVICE_HEADER, string_match: { exact: target } };
    for (const r of h.routes) routes.push({ ...r, match: { ...r.match, headers: [...(r.match.headers ?? []), header] } });
  }
  if (!routes.length) return undefined;
  return { name: 'default_backend', domains: ['*'], routes, response_headers_to_remove: [VIRTUAL_SERVICE_HEADER] };
}

export function translateGatewayResources(
  ctx: TranslationContext, gateway: VirtualGatewayData,
): { listeners: Listener[]; routeConfigs: RouteConfiguration[] } {
  const name = gateway.virtualGatewayName;
  const gwListeners = gateway.spec.listeners ?? [];
  const routes = ctx.snapshot.gatewayRoutes.filter((r) => r.virtualGatewayName === name);
  const listeners: Listener[] = [];
  const routeConfigs: RouteConfiguration[] = [];
  for (const l of gwListeners) {
    const { port, protocol } = l.portMapping;
    const cluster = selfRedirectCluster(
      ctx,
      selfRedirectClusterName(ctx.meshName, name, protocol, ctx.opts.egressPort, gwListeners.length > 1 ? port : undefined),
      protocol,
      l.connectionPool,
    );
    const entries = [];
    for (const gr of routes) {
      const kind = gatewayRouteKind(gr);
      if (!kind) continue;
      const s = gr.spec;
      const matchPort = (s.httpRoute ?? s.http2Route ?? s.grpcRoute)?.match?.port;
      if (!(matchPort === port || (matchPort === undefined && gwListeners.length === 1))) continue;
      const t = translateGatewayRoute(ctx, gr, cluster);
      if (t) entries.push({ item: t.route, priority: s.priority, match: t.match, createdAt: gr.metadata?.createdAt, name: gr.gatewayRouteName });
    }
    const rc: RouteConfiguration = {
      name: ingressRouteConfigName(port),
      virtual_hosts: [{ name: 'self_redirect', domains: ['*'], routes: byPrecedence(entries) }],
      validate_clusters: false,
    };
    routeConfigs.push(rc);
    const bindPort = ctx.opts.gatewayPorts?.[port] ?? port;
    const hcm = httpConnectionManager({
      statPrefix: gwListeners.length > 1 ? `ingress.${protocol}.${port}` : 'ingress',
      routeConfigName: rc.name,
      logging: gateway.spec.logging,
      upgrades: protocol === 'http' ? ['websocket'] : [],
    });
    if (l.tls && l.tls.mode !== 'DISABLED' && usesAcm(l.tls)) {
      ctx.warn(`virtual gateway ${name}: listener ${port} uses ACM, which exists only in AWS; awsmesh proxies emulate it with the local CA (awsmesh local ca issue --acm-arn)`);
    }
    listeners.push(listener('ingress', ctx.opts.listenAddress, bindPort, listenerChains({ filters: [hcm] }, l.tls)));
  }

  const targets = new Set<string>();
  for (const gr of routes) {
    const t = targetOf(gr)?.virtualService?.virtualServiceName;
    if (t) targets.add(t);
  }
  const policy = gateway.spec.backendDefaults?.clientPolicy;
  const services = [...targets].map((t) => ({ name: t, policy }));
  // Build the per-service hosts once to derive default_backend, then let buildEgress assemble.
  const probe = buildEgress(ctx, { services, logging: gateway.spec.logging, where: `virtual gateway ${name}` });
  const extra = defaultBackend(probe.routeConfig.virtual_hosts, targets);
  const egress = extra
    ? buildEgress(ctx, { services, logging: gateway.spec.logging, where: `virtual gateway ${name}`, extraHosts: [extra] })
    : probe;
  listeners.push(egress.listener);
  routeConfigs.push(egress.routeConfig);
  return { listeners, routeConfigs };
}
