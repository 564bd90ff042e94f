// Compiles an Envoy RouteConfiguration into matchers: virtual host lookup by authority (exact,
// then `*.suffix`, then `prefix*`, then `*`, like Envoy), routes tried in order (first match wins),
// and actions with their retry policy, timeouts and rewrites pre-parsed. Compiled once per
// config change; nothing here allocates per request except the authority cache entry.

import type {
  HeaderMatcher, QueryParameterMatcher, RetryPolicy, Route, RouteConfiguration, RouteMatch, StringMatcher, VirtualHost,
} from '../../envoy/translate/envoy-types';
import { parseEnvoyDuration } from '../../envoy/translate/durations';
import { compileFullMatch, compileRewrite } from './regex';
import type { RequestView } from './request-view';
import type { RouteStats } from '../telemetry/stats';

export type Predicate = (req: RequestView) => boolean;

export interface RetryOn {
  fiveXx: boolean;
  gatewayError: boolean;
  reset: boolean;
  connectFailure: boolean;
  refusedStream: boolean;
  retriable4xx: boolean;
  retriableStatusCodes: boolean;
  /** gRPC status codes (numbers) that trigger a retry. */
  grpc: Set<number>;
}

export interface CompiledRetry {
  numRetries: number;
  perTryTimeoutMs: number;
  on: RetryOn;
  codes: Set<number>;
  previousHosts: boolean;
  hostSelectionAttempts: number;
}

export interface WeightedTarget {
  cluster: string;
  /** Cumulative upper bound of this target's weight range. */
  upTo: number;
}

export interface CompiledRoute {
  name: string;
  matches: Predicate;
  /** Matches CONNECT requests only (TCP routes). */
  connect: boolean;
  direct?: { status: number; body: string };
  targets: WeightedTarget[];
  totalWeight: number;
  timeoutMs: number;
  idleTimeoutMs: number;
  retry?: CompiledRetry;
  prefixRewrite?: { prefix: string; to: string };
  regexRewrite?: (path: string) => string;
  hostRewrite?: string;
  requestHeadersToAdd?: Array<[string, string]>;
  /** The App Mesh virtual service this route serves (from the aggregate_stats metadata). */
  virtualService?: string;
  /** Route stats (vhost.<host>.route.<name>.*), set by the proxy when it applies the configuration. */
  stats?: RouteStats;
}

export interface CompiledVirtualHost {
  name: string;
  routes: CompiledRoute[];
  responseHeadersToRemove?: string[];
}

const GRPC_CODES: Record<string, number> = {
  cancelled: 1, 'deadline-exceeded': 4, 'resource-exhausted': 8, internal: 13, unavailable: 14,
};

function stringMatcher(m: StringMatcher): (v: string) => boolean {
  const ci = m.ignore_case === true;
  if (m.exact !== undefined) {
    const x = ci ? m.exact.toLowerCase() : m.exact;
    return ci ? (v) => v.toLowerCase() === x : (v) => v === x;
  }
  if (m.prefix !== undefined) {
    const x = ci ? m.prefix.toLowerCase() : m.prefix;
    return ci ? (v) => v.toLowerCase().startsWith(x) : (v) => v.startsWith(x);
  }
  if (m.suffix !== undefined) {
    const x = ci ? m.suffix.toLowerCase() : m.suffix;
    return ci ? (v) => v.toLowerCase().endsWith(x) : (v) => v.endsWith(x);
  }
  if (m.safe_regex) {
    const re = compileFullMatch(m.safe_regex.regex);
    return (v) => re.test(v);
  }
  return () => true;
}

function headerPredicate(h: HeaderMatcher): Predicate {
  const name = h.name.toLowerCase();
  let test: (v: string | undefined) => boolean;
  if (h.string_match) {
    const sm = stringMatcher(h.string_match);
    test = (v) => v !== undefined && sm(v);
  } else if (h.range_match) {
    const { start, end } = h.range_match;
    test = (v) => {
      if (v === undefined || !/^-?\d+$/.test(v)) return false;
      const n = Number(v);
      return n >= Number(start) && n < Number(end);
    };
  } else if (h.present_match === false) {
    test = (v) => v === undefined;
  } else {
    test = (v) => v !== undefined;
  }
  const invert = h.invert_match === true;
  return invert ? (req) => !test(req.header(name)) : (req) => test(req.header(name));
}

function queryPredicate(q: QueryParameterMatcher): Predicate {
  if (q.string_match) {
    const sm = stringMatcher(q.string_match);
    return (req) => {
      const v = req.query(q.name);
      return v !== null && sm(v);
    };
  }
  return (req) => req.query(q.name) !== null;
}

function matchPredicate(m: RouteMatch): Predicate {
  const checks: Predicate[] = [];
  if (m.prefix !== undefined) {
    const p = m.prefix;
    if (p !== '/' && p !== '') checks.push((req) => req.path.startsWith(p));
  } else if (m.path !== undefined) {
    const p = m.path;
    checks.push((req) => req.pathOnly() === p);
  } else if (m.safe_regex) {
    const re = compileFullMatch(m.safe_regex.regex);
    checks.push((req) => re.test(req.pathOnly()));
  }
  if (m.grpc) checks.push((req) => req.isGrpc());
  for (const h of m.headers ?? []) checks.push(headerPredicate(h));
  for (const q of m.query_parameters ?? []) checks.push(queryPredicate(q));
  if (checks.length === 0) return () => true;
  if (checks.length === 1) return checks[0];
  return (req) => {
    for (let i = 0; i < checks.length; i++) if (!checks[i](req)) return false;
    return true;
  };
}

export function compileRetry(p: RetryPolicy): CompiledRetry {
  const names = new Set(p.retry_on.split(',').map((s) => s.trim()).filter(Boolean));
  const grpc = new Set<number>();
  for (const [name, code] of Object.entries(GRPC_CODES)) if (names.has(name)) grpc.add(code);
  const hasPrevious = (p.retry_host_predicate ?? []).some((x) => x.name === 'envoy.retry_host_predicates.previous_hosts');
  return {
    // Envoy's default when the field is absent is 1.
    numRetries: p.num_retries ?? 1,
    perTryTimeoutMs: parseEnvoyDuration(p.per_try_timeout) ?? 0,
    on: {
      fiveXx: names.has('5xx'),
      gatewayError: names.has('gateway-error'),
      reset: names.has('reset'),
      connectFailure: names.has('connect-failure'),
      refusedStream: names.has('refused-stream'),
      retriable4xx: names.has('retriable-4xx'),
      retriableStatusCodes: names.has('retriable-status-codes'),
      grpc,
    },
    codes: new Set(p.retriable_status_codes ?? []),
    previousHosts: hasPrevious,
    hostSelectionAttempts: Number(p.host_selection_retry_max_attempts ?? 1),
  };
}

function virtualServiceOf(route: Route): string | undefined {
  const raw = route.metadata?.filter_metadata?.['aws.appmesh.aggregate_stats']?.config;
  if (typeof raw !== 'string') return undefined;
  try {
    const tags = (JSON.parse(raw) as { tags?: Array<{ key: string; value: string }> }).tags ?? [];
    return tags.find((t) => t.key === 'TargetVirtualService')?.value;
  } catch {
    return undefined;
  }
}

export function compileRoute(route: Route): CompiledRoute {
  const out: CompiledRoute = {
    name: route.name ?? '',
    matches: matchPredicate(route.match),
    connect: route.match.connect_matcher !== undefined,
    targets: [],
    totalWeight: 0,
    timeoutMs: 15_000,
    idleTimeoutMs: 0,
    virtualService: virtualServiceOf(route),
  };
  if (route.request_headers_to_add?.length) {
    out.requestHeadersToAdd = route.request_headers_to_add.map((h) => [h.header.key.toLowerCase(), h.header.value]);
  }
  if (route.direct_response) {
    out.direct = { status: route.direct_response.status, body: route.direct_response.body?.inline_string ?? '' };
    return out;
  }
  const a = route.route;
  if (!a) throw new Error(`route '${route.name ?? ''}' has neither route nor direct_response`);
  if (a.cluster) {
    out.targets = [{ cluster: a.cluster, upTo: 1 }];
    out.totalWeight = 1;
  } else if (a.weighted_clusters) {
    let sum = 0;
    for (const c of a.weighted_clusters.clusters) {
      if (!(c.weight > 0)) continue;
      sum += c.weight;
      out.targets.push({ cluster: c.name, upTo: sum });
    }
    if (sum <= 0) throw new Error(`route '${route.name ?? ''}': weighted_clusters weights sum to 0`);
    out.totalWeight = sum;
  }
  if (a.timeout !== undefined) out.timeoutMs = parseEnvoyDuration(a.timeout)!;
  if (a.idle_timeout !== undefined) out.idleTimeoutMs = parseEnvoyDuration(a.idle_timeout)!;
  if (a.retry_policy) out.retry = compileRetry(a.retry_policy);
  if (a.prefix_rewrite !== undefined) {
    const m = route.match;
    out.prefixRewrite = { prefix: m.prefix ?? m.path ?? '', to: a.prefix_rewrite };
  }
  if (a.regex_rewrite) out.regexRewrite = compileRewrite(a.regex_rewrite.pattern.regex, a.regex_rewrite.substitution);
  if (a.host_rewrite_literal) out.hostRewrite = a.host_rewrite_literal;
  return out;
}

/** The weighted cluster for one request: uniform random over the summed weights. */
export function pickTarget(route: CompiledRoute): string {
  const t = route.targets;
  if (t.length === 1) return t[0].cluster;
  const r = Math.random() * route.totalWeight;
  for (let i = 0; i < t.length; i++) if (r < t[i].upTo) return t[i].cluster;
  return t[t.length - 1].cluster;
}

const AUTHORITY_CACHE_LIMIT = 1024;

export class CompiledRouteTable {
  readonly name: string;
  /** Every virtual host, in configuration order. */
  readonly hosts: CompiledVirtualHost[] = [];
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffixes: Array<[string, CompiledVirtualHost]> = [];
  private readonly prefixes: Array<[string, CompiledVirtualHost]> = [];
  private catchAll?: CompiledVirtualHost;
  private readonly cache = new Map<string, CompiledVirtualHost | null>();

  constructor(rc: RouteConfiguration) {
    this.name = rc.name;
    for (const vh of rc.virtual_hosts ?? []) this.addHost(vh);
    // Longest wildcard first, as Envoy does.
    this.suffixes.sort((a, b) => b[0].length - a[0].length);
    this.prefixes.sort((a, b) => b[0].length - a[0].length);
  }

  private addHost(vh: VirtualHost): void {
    const compiled: CompiledVirtualHost = {
      name: vh.name,
      routes: (vh.routes ?? []).map(compileRoute),
      responseHeadersToRemove: vh.response_headers_to_remove?.map((h) => h.toLowerCase()),
    };
    this.hosts.push(compiled);
    for (const raw of vh.domains) {
      const d = raw.toLowerCase();
      if (d === '*') this.catchAll = compiled;
      else if (d.startsWith('*')) this.suffixes.push([d.slice(1), compiled]);
      else if (d.endsWith('*')) this.prefixes.push([d.slice(0, -1), compiled]);
      else this.exact.set(d, compiled);
    }
  }

  findHost(authority: string): CompiledVirtualHost | undefined {
    const cached = this.cache.get(authority);
    if (cached !== undefined) return cached ?? undefined;
    const host = this.lookup(authority.toLowerCase());
    if (this.cache.size >= AUTHORITY_CACHE_LIMIT) this.cache.clear();
    this.cache.set(authority, host ?? null);
    return host;
  }

  private lookup(a: string): CompiledVirtualHost | undefined {
    const exact = this.exact.get(a);
    if (exact) return exact;
    for (const [suffix, vh] of this.suffixes) if (a.length > suffix.length && a.endsWith(suffix)) return vh;
    for (const [prefix, vh] of this.prefixes) if (a.length > prefix.length && a.startsWith(prefix)) return vh;
    return this.catchAll;
  }

  /** First route of the matching virtual host that matches the request. */
  route(req: RequestView, connect = false): { host?: CompiledVirtualHost; route?: CompiledRoute } {
    const host = this.findHost(req.authority);
    if (!host) return {};
    const routes = host.routes;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      if (r.connect === connect && r.matches(req)) return { host, route: r };
    }
    return { host };
  }
}
