// Facts about a mesh every target needs: the routes of a router listener in App Mesh precedence,
// the match topics of a route (each has its own report code), which node a weighted route
// mostly sends to, and App Mesh durations in the units targets use.

import { durationMs } from '../envoy/translate/durations';
import { grpcRouteMatch, httpRouteMatch } from '../envoy/translate/match';
import { byPrecedence } from '../envoy/translate/order';
import { routeRule } from '../mesh/lookup';
import type {
  Duration, GatewayRouteData, GrpcRouteMatch, HttpRouteMatch, MeshSnapshot, RouteData, VirtualRouterData, WeightedTarget,
} from '../mesh/types';
import type { MigrateCode } from './codes';

export { durationMs };

/** Which protocol rule a route has, with its spec member name. */
export function ruleKind(r: RouteData): 'httpRoute' | 'http2Route' | 'grpcRoute' | 'tcpRoute' | undefined {
  const s = r.spec ?? {};
  return s.httpRoute ? 'httpRoute' : s.http2Route ? 'http2Route' : s.grpcRoute ? 'grpcRoute' : s.tcpRoute ? 'tcpRoute' : undefined;
}

export function gatewayRuleKind(r: GatewayRouteData): 'httpRoute' | 'http2Route' | 'grpcRoute' | undefined {
  const s = r.spec ?? {};
  return s.httpRoute ? 'httpRoute' : s.http2Route ? 'http2Route' : s.grpcRoute ? 'grpcRoute' : undefined;
}

/** The routes of a router that serve its listener on `port`, in App Mesh precedence (first wins). */
export function routesForPort(s: MeshSnapshot, router: VirtualRouterData, port: number): RouteData[] {
  const single = (router.spec.listeners ?? []).length <= 1;
  const entries = [];
  for (const r of s.routes.filter((x) => x.virtualRouterName === router.virtualRouterName)) {
    const kind = ruleKind(r);
    if (!kind) continue;
    const rule = routeRule(r)!;
    const matchPort = rule.match?.port;
    if (!(matchPort === port || (matchPort === undefined && single))) continue;
    const match = kind === 'grpcRoute' ? grpcRouteMatch(r.spec.grpcRoute!.match) : kind === 'tcpRoute' ? { prefix: '/' } : httpRouteMatch(r.spec[kind]!.match);
    entries.push({ item: r, priority: r.spec.priority, match, createdAt: r.metadata?.createdAt, name: r.routeName });
  }
  return byPrecedence(entries);
}

/** A route that matches every request of its listener (prefix "/" or no match, no conditions). */
export function isCatchAll(r: RouteData): boolean {
  const kind = ruleKind(r);
  if (kind === 'tcpRoute') return true;
  if (kind === 'grpcRoute') {
    const m = r.spec.grpcRoute!.match ?? {};
    return !m.serviceName && !m.methodName && !(m.metadata ?? []).length;
  }
  if (!kind) return false;
  const m = r.spec[kind]!.match ?? {};
  return !m.path && (m.prefix === undefined || m.prefix === '/') && !(m.headers ?? []).length && !m.method && !m.scheme
    && !(m.queryParameters ?? []).length;
}

export function targetsOf(r: RouteData): WeightedTarget[] {
  return (routeRule(r)?.action?.weightedTargets ?? []).filter((t) => t && typeof t.virtualNode === 'string');
}

/** The node that gets the largest share (first listed on a tie); undefined without positive weights. */
export function heaviest(targets: WeightedTarget[]): WeightedTarget | undefined {
  let best: WeightedTarget | undefined;
  for (const t of targets) if (Number(t.weight) > 0 && (!best || Number(t.weight) > Number(best.weight))) best = t;
  return best;
}

/** `serviceB 75%, serviceBv2 25%`. */
export function describeWeights(targets: WeightedTarget[]): string {
  const total = targets.reduce((a, t) => a + Math.max(0, Number(t.weight)), 0);
  return targets.map((t) => `${t.virtualNode}${t.port !== undefined ? `:${t.port}` : ''} ${total > 0 ? Math.round((Number(t.weight) / total) * 1000) / 10 : 0}%`).join(', ');
}

/** Whole seconds for a target that counts in seconds (rounded up so nothing gets shorter), and whether that is exact. */
export function seconds(d: Duration | undefined): { value: number; exact: boolean } | undefined {
  const ms = durationMs(d);
  if (ms === undefined) return undefined;
  return { value: Math.ceil(ms / 1000), exact: ms % 1000 === 0 };
}

/** Gateway API Duration (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`): `15s`, `250ms`, `1h30m`. */
export function gatewayApiDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  const parts: string[] = [];
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      parts.push(`${Math.min(n, 99999)}${unit}`);
      rest -= n * size;
    }
  }
  return parts.join('');
}

/** Istio (protobuf) duration: `15s`, `0.250s`. */
export function protobufDuration(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const frac = Math.round(ms % 1000);
  return frac === 0 ? `${whole}s` : `${whole}.${String(frac).padStart(3, '0')}s`;
}

export interface MatchTopic {
  code: MigrateCode;
  /** Path of the condition inside the route spec (`spec.httpRoute.match.headers`). */
  setting: string;
  topic: 'path' | 'headers' | 'method' | 'scheme' | 'query' | 'grpc-service' | 'port' | 'hostname';
}

/** The conditions a route's match has, one per report code; `base` is `spec.httpRoute.match`. */
export function routeMatchTopics(m: (HttpRouteMatch & GrpcRouteMatch) | undefined, base: string, gateway = false): MatchTopic[] {
  if (!m) return [];
  const out: MatchTopic[] = [];
  const code = (c: MigrateCode): MigrateCode => (gateway ? 'MG0506' : c);
  const add = (topic: MatchTopic['topic'], member: string, c: MigrateCode) => out.push({ topic, setting: `${base}.${member}`, code: code(c) });
  if (m.prefix !== undefined) add('path', 'prefix', 'MG0303');
  if (m.path !== undefined) add('path', 'path', 'MG0303');
  if (m.headers?.length) add('headers', 'headers', 'MG0304');
  if (m.metadata?.length) add('headers', 'metadata', 'MG0304');
  if (m.method !== undefined) add('method', 'method', 'MG0305');
  if (m.scheme !== undefined) add('scheme', 'scheme', 'MG0305');
  if (m.queryParameters?.length) add('query', 'queryParameters', 'MG0306');
  if (m.serviceName !== undefined) add('grpc-service', 'serviceName', 'MG0307');
  if (m.methodName !== undefined) add('grpc-service', 'methodName', 'MG0307');
  if (m.port !== undefined) add('port', 'port', 'MG0308');
  const host = (m as { hostname?: unknown }).hostname;
  if (host !== undefined) add('hostname', 'hostname', 'MG0506');
  return out;
}

/** The gateway routes of a gateway listener in App Mesh precedence (first wins), as the gateway proxy orders them. */
export function gatewayRoutesForPort(s: MeshSnapshot, gateway: string, port: number, single: boolean): GatewayRouteData[] {
  const entries = [];
  for (const gr of s.gatewayRoutes.filter((r) => r.virtualGatewayName === gateway)) {
    const kind = gatewayRuleKind(gr);
    if (!kind) continue;
    const m = gr.spec[kind]!.match as (HttpRouteMatch & GrpcRouteMatch) | undefined;
    if (!(m?.port === port || (m?.port === undefined && single))) continue;
    const match = kind === 'grpcRoute' ? grpcRouteMatch({ serviceName: m?.serviceName, metadata: m?.metadata }) : httpRouteMatch(m);
    entries.push({ item: gr, priority: gr.spec.priority, match, createdAt: gr.metadata?.createdAt, name: gr.gatewayRouteName });
  }
  return byPrecedence(entries);
}

/** Where a gateway route's requests go after the gateway: a node, or the routes of a router. */
export type GatewayTarget =
  | { kind: 'node'; node: string; port?: number }
  | { kind: 'router'; router: VirtualRouterData; port: number; routes: RouteData[] }
  | { kind: 'none' };

export function gatewayTarget(s: MeshSnapshot, gr: GatewayRouteData): GatewayTarget {
  const kind = gatewayRuleKind(gr);
  const target = kind ? gr.spec[kind]!.action?.target : undefined;
  const vs = s.virtualServices.find((v) => v.virtualServiceName === target?.virtualService?.virtualServiceName);
  const p = vs?.spec?.provider;
  if (p?.virtualNode) return { kind: 'node', node: p.virtualNode.virtualNodeName, port: target?.port };
  const router = p?.virtualRouter ? s.virtualRouters.find((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName) : undefined;
  const port = target?.port ?? router?.spec.listeners?.[0]?.portMapping.port;
  if (!router || port === undefined) return { kind: 'none' };
  return { kind: 'router', router, port, routes: routesForPort(s, router, port) };
}

/**
 * A router's routes as seen through a gateway route, when the gateway leaves the path alone (it
 * matches every path and rewrites nothing): each router route with the gateway route's header,
 * method and query conditions added. Routes that can never match both are left out; undefined
 * when the gateway changes the path (the router would see another path than the client sent).
 */
export function throughGateway(gr: GatewayRouteData, routes: RouteData[]): RouteData[] | undefined {
  const kind = gatewayRuleKind(gr);
  if (!kind) return undefined;
  const out: RouteData[] = [];
  if (kind === 'grpcRoute') {
    const g = gr.spec.grpcRoute!.match ?? {};
    for (const r of routes) {
      const rm = r.spec.grpcRoute?.match;
      if (!r.spec.grpcRoute) continue;
      if (g.serviceName !== undefined && rm?.serviceName !== undefined && g.serviceName !== rm.serviceName) continue;
      const serviceName = rm?.serviceName ?? g.serviceName;
      const match: GrpcRouteMatch = { ...rm, ...(serviceName !== undefined ? { serviceName } : {}), metadata: [...(rm?.metadata ?? []), ...(g.metadata ?? [])] };
      if (!match.metadata!.length) delete match.metadata;
      out.push({ ...r, spec: { ...r.spec, grpcRoute: { ...r.spec.grpcRoute, match } } });
    }
    return out;
  }
  const h = gr.spec[kind]!;
  const gm = h.match ?? {};
  const rw = h.action?.rewrite;
  if (gm.path || (gm.prefix !== undefined && gm.prefix !== '/') || (rw?.prefix?.value !== undefined && rw.prefix.value !== '/') || rw?.path) return undefined;
  for (const r of routes) {
    const rk = r.spec.httpRoute ? 'httpRoute' : r.spec.http2Route ? 'http2Route' : undefined;
    if (!rk) continue;
    const rm = r.spec[rk]!.match ?? {};
    if (gm.method && rm.method && gm.method !== rm.method) continue;
    const names = new Set((rm.headers ?? []).map((x) => x.name.toLowerCase()));
    if ((gm.headers ?? []).some((x) => names.has(x.name.toLowerCase()))) continue;
    const match: HttpRouteMatch = {
      ...rm,
      ...(gm.method || rm.method ? { method: rm.method ?? gm.method } : {}),
      headers: [...(rm.headers ?? []), ...(gm.headers ?? [])],
      queryParameters: [...(rm.queryParameters ?? []), ...(gm.queryParameters ?? [])],
    };
    if (!match.headers!.length) delete match.headers;
    if (!match.queryParameters!.length) delete match.queryParameters;
    delete match.port;
    out.push({ ...r, spec: { ...r.spec, [rk]: { ...r.spec[rk], match } } });
  }
  return out;
}
