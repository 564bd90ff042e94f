// Sample requests for the route equivalence check, derived from each route's and gateway route's
// matches: a request that satisfies every condition, variants that probe the edges of each one
// (a longer path after a prefix, other letter case, a header left out, another method), and a
// plain request per listener. Both App Mesh's routing and the target's are asked about each.

import { compileFullMatch } from '../dataplane/config/regex';
import { RequestView } from '../dataplane/config/request-view';
import { gatewayRouteRule, routeRule } from '../mesh/lookup';
import type { HeaderMatchRule, MeshSnapshot, QueryParameterRule } from '../mesh/types';
import { ids } from './source';

export interface Sample {
  /** Mesh traffic to a virtual service, or traffic entering a virtual gateway listener. */
  via: { kind: 'service'; service: string; port: number } | { kind: 'gateway'; gateway: string; port: number };
  protocol: 'http' | 'grpc' | 'tcp';
  method: string;
  /** Path with query string. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  /** Host header of gateway traffic (mesh traffic uses the virtual service name). */
  authority?: string;
  /** The App Mesh resource whose match it was derived from (or the virtual service / gateway). */
  from: string;
}

/** A query parameter of the sample as the data plane reads it (undefined when absent). */
export function sampleQuery(s: Sample, name: string): string | undefined {
  return new RequestView(s.method, '', s.path, {}, 'http').query(name) ?? undefined;
}

/** `GET serviceb.apps.local:80/path {x-canary: 1}` for messages. */
export function describeSample(s: Sample): string {
  const host = s.via.kind === 'service' ? `${s.via.service}:${s.via.port}` : `${s.authority ?? '*'} (gateway ${s.via.gateway}:${s.via.port})`;
  if (s.protocol === 'tcp') return `TCP ${host}`;
  const headers = Object.entries(s.headers).filter(([k]) => k !== 'content-type');
  const h = headers.length ? ` {${headers.map(([k, v]) => `${k}: ${v}`).join(', ')}}` : '';
  return `${s.protocol === 'grpc' ? 'gRPC ' : ''}${s.method} ${host}${s.path}${h}`;
}

// ---- strings that match a pattern ---------------------------------------------------------

/**
 * A string the regex fully matches, built from its simple constructs (literals, classes, groups,
 * quantifiers); undefined when it has others or the candidate does not match after all.
 */
export function regexExample(re: string): string | undefined {
  let i = 0;
  const src = re.replace(/^\(\?i\)/, '');
  const atom = (): string | undefined => {
    const c = src[i++];
    if (c === '\\') {
      const e = src[i++];
      if (e === 'd') return '1';
      if (e === 'w') return 'a';
      if (e === 's') return ' ';
      if (e === undefined || /[A-Za-z]/.test(e)) return undefined;
      return e;
    }
    if (c === '.') return 'a';
    if (c === '[') {
      const end = src.indexOf(']', i + 1);
      if (end < 0) return undefined;
      const body = src.slice(i, end);
      i = end + 1;
      if (body.startsWith('^')) return /[a-z]/.test(body) ? '0' : 'a';
      const first = body[0] === '\\' ? body[1] : body[0];
      return first === 'd' && body[0] === '\\' ? '1' : first;
    }
    if (c === '(') {
      if (src.startsWith('?:', i)) i += 2;
      else if (src[i] === '?') return undefined;
      const alt = seq(')');
      if (src[i] !== ')') return undefined;
      i++;
      return alt;
    }
    if (c === undefined || '*+?{|)'.includes(c)) return undefined;
    return c;
  };
  const seq = (end?: string): string | undefined => {
    let out = '';
    while (i < src.length && src[i] !== end) {
      if (src[i] === '|') {
        // first alternative only: skip the rest of this group
        let depth = 0;
        while (i < src.length && !(depth === 0 && src[i] === end)) {
          if (src[i] === '\\') i++;
          else if (src[i] === '(') depth++;
          else if (src[i] === ')') depth--;
          i++;
        }
        break;
      }
      if (src[i] === '^' || src[i] === '$') {
        i++;
        continue;
      }
      const a = atom();
      if (a === undefined) return undefined;
      const q = src[i];
      if (q === '*' || q === '?') {
        i++;
      } else if (q === '+') {
        i++;
        out += a;
      } else if (q === '{') {
        const m = /^\{(\d+)(,\d*)?\}/.exec(src.slice(i));
        if (!m) return undefined;
        i += m[0].length;
        out += a.repeat(Number(m[1]));
      } else {
        out += a;
      }
      if (src[i] === '?') i++; // lazy quantifier
    }
    return out;
  };
  try {
    const candidate = seq();
    if (candidate === undefined || i < src.length) return undefined;
    return compileFullMatch(re).test(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/** A header value the rule matches (before inversion); undefined when none can be made. */
function headerValue(rule: HeaderMatchRule): string | undefined {
  const m = rule.match;
  if (!m) return 'x';
  if (m.exact !== undefined) return m.exact;
  if (m.prefix !== undefined) return `${m.prefix}x`;
  if (m.suffix !== undefined) return `x${m.suffix}`;
  if (m.regex !== undefined) return regexExample(m.regex);
  if (m.range) return String(m.range.start);
  return 'x';
}

interface Conditions {
  headers?: HeaderMatchRule[];
  method?: string;
  queryParameters?: QueryParameterRule[];
}

/** The request meeting every condition, then one variant per condition with that condition unmet. */
function conditionVariants(base: Omit<Sample, 'headers'>, c: Conditions): Sample[] {
  const headers: Record<string, string> = {};
  const unmet: Array<(s: Sample) => Sample> = [];
  for (const h of c.headers ?? []) {
    const name = h.name.toLowerCase();
    const value = headerValue(h);
    if (value === undefined) return [];
    if (h.invert) {
      unmet.push((s) => ({ ...s, headers: { ...s.headers, [name]: value } }));
    } else {
      headers[name] = value;
      unmet.push((s) => {
        const rest = { ...s.headers };
        delete rest[name];
        return { ...s, headers: rest };
      });
    }
  }
  let query = '';
  for (const q of c.queryParameters ?? []) {
    const part = `${encodeURIComponent(q.name)}=${encodeURIComponent(q.match?.exact ?? 'x')}`;
    query += `${query ? '&' : '?'}${part}`;
  }
  const full: Sample = { ...base, path: `${base.path}${query}`, headers, method: c.method ?? base.method };
  const out = [full];
  if (query) out.push({ ...full, path: base.path });
  if (c.method) out.push({ ...full, method: c.method === 'GET' ? 'POST' : 'GET' });
  for (const u of unmet) out.push(u(full));
  return out;
}

/** Paths probing a path rule: the match itself, a longer path, other letter case. */
function pathVariants(m: { prefix?: string; path?: { exact?: string; regex?: string } }): string[] {
  if (m.path?.exact !== undefined) return [m.path.exact, `${m.path.exact}/x`];
  if (m.path?.regex !== undefined) {
    const ex = regexExample(m.path.regex);
    return ex === undefined ? [] : [ex.startsWith('/') ? ex : `/${ex}`];
  }
  const p = m.prefix ?? '/';
  const out = [p, p.endsWith('/') ? `${p}x` : `${p}/x`];
  if (!p.endsWith('/')) out.push(`${p}x`);
  if (/[a-z]/.test(p)) out.push(p.toUpperCase());
  return out;
}

function key(s: Sample): string {
  return JSON.stringify([s.via, s.protocol, s.method, s.path, Object.entries(s.headers).sort(), s.authority ?? '']);
}

function dedupe(samples: Sample[]): Sample[] {
  const seen = new Map<string, Sample>();
  for (const s of samples) if (!seen.has(key(s))) seen.set(key(s), s);
  return [...seen.values()];
}

const GRPC_HEADERS = { 'content-type': 'application/grpc' };

/** Samples for mesh traffic to every virtual service (by listener port of its provider). */
export function serviceSamples(s: MeshSnapshot): Sample[] {
  const out: Sample[] = [];
  for (const vs of s.virtualServices) {
    const name = vs.virtualServiceName;
    const p = vs.spec?.provider;
    const from = ids.service(s, name);
    if (p?.virtualNode) {
      const node = s.virtualNodes.find((n) => n.virtualNodeName === p.virtualNode!.virtualNodeName);
      for (const l of node?.spec.listeners ?? []) out.push(plain({ kind: 'service', service: name, port: l.portMapping.port }, l.portMapping.protocol, from));
      continue;
    }
    if (!p?.virtualRouter) continue;
    const router = s.virtualRouters.find((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName);
    const listeners = router?.spec.listeners ?? [];
    const routes = s.routes.filter((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName);
    for (const l of listeners) {
      const via = { kind: 'service' as const, service: name, port: l.portMapping.port };
      out.push(plain(via, l.portMapping.protocol, from));
      for (const r of routes) {
        const rule = routeRule(r);
        const port = rule?.match?.port;
        if (port !== undefined && port !== l.portMapping.port) continue;
        const rid = ids.route(s, r.virtualRouterName, r.routeName);
        out.push(...routeSamples(via, r.spec, rid));
      }
    }
  }
  return dedupe(out);
}

function plain(via: Sample['via'], protocol: string, from: string): Sample {
  if (protocol === 'tcp') return { via, protocol: 'tcp', method: 'CONNECT', path: '', headers: {}, from };
  if (protocol === 'grpc') return { via, protocol: 'grpc', method: 'POST', path: '/awsmesh.Probe/Call', headers: { ...GRPC_HEADERS }, from };
  return { via, protocol: 'http', method: 'GET', path: '/', headers: {}, from };
}

function routeSamples(via: Sample['via'], spec: MeshSnapshot['routes'][number]['spec'], from: string): Sample[] {
  const http = spec.httpRoute ?? spec.http2Route;
  if (http) {
    const m = http.match ?? {};
    return pathVariants(m).flatMap((p) => conditionVariants({ via, protocol: 'http', method: 'GET', path: p, from }, m));
  }
  if (spec.grpcRoute) {
    const m = spec.grpcRoute.match ?? {};
    const path = `/${m.serviceName ?? 'awsmesh.Probe'}/${m.methodName ?? 'Call'}`;
    const base = { via, protocol: 'grpc' as const, method: 'POST', path, from };
    return conditionVariants(base, { headers: m.metadata }).map((x) => ({ ...x, headers: { ...GRPC_HEADERS, ...x.headers } }));
  }
  if (spec.tcpRoute) return [plain(via, 'tcp', from)];
  return [];
}

/** Samples for traffic entering every virtual gateway listener. */
export function gatewaySamples(s: MeshSnapshot): Sample[] {
  const out: Sample[] = [];
  for (const g of s.virtualGateways) {
    const routes = s.gatewayRoutes.filter((r) => r.virtualGatewayName === g.virtualGatewayName);
    for (const l of g.spec.listeners ?? []) {
      const via = { kind: 'gateway' as const, gateway: g.virtualGatewayName, port: l.portMapping.port };
      out.push({ ...plain(via, l.portMapping.protocol, ids.gateway(s, g.virtualGatewayName)), authority: 'www.example.com' });
      for (const gr of routes) {
        const rule = gatewayRouteRule(gr);
        if (!rule || (rule.match?.port !== undefined && rule.match.port !== l.portMapping.port)) continue;
        const from = ids.gatewayRoute(s, gr.virtualGatewayName, gr.gatewayRouteName);
        const host = rule.match?.hostname;
        const authority = host?.exact ?? (host?.suffix !== undefined ? `a${host.suffix.startsWith('.') ? '' : '.'}${host.suffix}` : 'www.example.com');
        const http = gr.spec.httpRoute ?? gr.spec.http2Route;
        let samples: Sample[];
        if (http) {
          const m = http.match ?? {};
          samples = pathVariants(m).flatMap((p) => conditionVariants({ via, protocol: 'http', method: 'GET', path: p, from }, m));
        } else {
          const m = gr.spec.grpcRoute?.match ?? {};
          const base = { via, protocol: 'grpc' as const, method: 'POST', path: `/${m.serviceName ?? 'awsmesh.Probe'}/Call`, from };
          samples = conditionVariants(base, { headers: m.metadata }).map((x) => ({ ...x, headers: { ...GRPC_HEADERS, ...x.headers } }));
        }
        out.push(...samples.map((x) => ({ ...x, authority })));
      }
    }
  }
  return dedupe(out);
}
