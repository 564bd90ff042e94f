// Gateway API routing, read from HTTPRoute/GRPCRoute/TCPRoute documents, for the route
// equivalence check. Precedence as the specification gives it: across every rule of every route
// attached to the same parent, the most specific hostname, then an Exact path, the longest
// PathPrefix, a method match, the most header matches, the most query matches; ties go to the
// route first in alphabetical "namespace/name" order (generated routes share a creation time),
// then to the first rule. RegularExpression paths (precedence "implementation-specific") rank
// after every prefix. PathPrefix matches whole path segments; regexes match the whole value.

import { compileFullMatch } from '../../dataplane/config/regex';
import { sampleQuery, type Sample } from '../samples';
import type { Outcome, TargetRouter } from '../target';
import type { Json } from './gwapi-match';

export interface Parent {
  kind: 'Service' | 'Gateway';
  namespace: string;
  name: string;
  port: number;
  /** Gateway listener name (sectionName). */
  sectionName?: string;
}

export interface GwRouterOptions {
  /** The parent a sample is sent to (a Service for mesh traffic, a Gateway listener for gateway traffic). */
  parentOf(sample: Sample): Parent | undefined;
  /** The virtual node behind a backendRef (namespace defaults to the route's). */
  nodeOf(ref: { namespace?: string; name: string; port?: number }, routeNamespace: string): string | undefined;
  /** Where a request goes when no route attaches to its parent (GAMMA: the Service itself). */
  unattached?(sample: Sample, parent: Parent): Outcome;
}

const get = <T>(o: unknown, k: string): T | undefined => (o && typeof o === 'object' ? (o as Json)[k] as T : undefined);

function attaches(route: Json, parent: Parent): boolean {
  const ns = String(get<Json>(route, 'metadata')?.namespace ?? 'default');
  return (get<Json[]>(get(route, 'spec'), 'parentRefs') ?? []).some((p) => {
    const kind = String(p.kind ?? 'Gateway');
    const group = p.group ?? (kind === 'Service' ? '' : 'gateway.networking.k8s.io');
    if (kind !== parent.kind || group !== (parent.kind === 'Service' ? '' : 'gateway.networking.k8s.io')) return false;
    if (p.name !== parent.name || String(p.namespace ?? ns) !== parent.namespace) return false;
    if (p.port !== undefined && p.port !== parent.port) return false;
    return p.sectionName === undefined || p.sectionName === parent.sectionName;
  });
}

/** Hostname specificity of a route for an authority: -1 when no hostname matches. */
function hostnameScore(route: Json, authority: string | undefined): number {
  const names = get<string[]>(get(route, 'spec'), 'hostnames') ?? [];
  if (!names.length) return 0;
  const host = (authority ?? '').replace(/:\d+$/, '').toLowerCase();
  let best = -1;
  for (const h of names) {
    if (h.startsWith('*.')) {
      if (host.endsWith(h.slice(1)) && host.length > h.length - 1) best = Math.max(best, h.length);
    } else if (h === host) {
      best = Math.max(best, 100_000 + h.length);
    }
  }
  return best;
}

function pathOnly(p: string): string {
  const q = p.indexOf('?');
  return q < 0 ? p : p.slice(0, q);
}

function valueMatches(type: unknown, want: string, got: string | undefined, ci = false): boolean {
  if (got === undefined) return false;
  if (type === 'RegularExpression') {
    try {
      return compileFullMatch(want).test(got);
    } catch {
      return false;
    }
  }
  return ci ? want.toLowerCase() === got.toLowerCase() : want === got;
}

export function pathPrefixMatches(prefix: string, path: string, ci = false): boolean {
  const p = ci ? path.toLowerCase() : path;
  const v = (ci ? prefix.toLowerCase() : prefix).replace(/\/+$/, '');
  return v === '' || p === v || p.startsWith(`${v}/`);
}

/** Specificity of one satisfied match, compared element by element (larger wins). */
type Rank = number[];

function httpRank(match: Json | undefined, s: Sample): Rank | undefined {
  const path = pathOnly(s.path);
  const pm = get<Json>(match, 'path') ?? { type: 'PathPrefix', value: '/' };
  const value = String(pm.value ?? '/');
  let exact = 0;
  let prefixLen = -1;
  if (pm.type === 'Exact') {
    if (path !== value) return undefined;
    exact = 1;
  } else if (pm.type === 'RegularExpression') {
    if (!valueMatches('RegularExpression', value, path)) return undefined;
  } else {
    if (!pathPrefixMatches(value, path)) return undefined;
    prefixLen = value.length;
  }
  const method = get<string>(match, 'method');
  if (method !== undefined && method !== s.method) return undefined;
  const headers = get<Json[]>(match, 'headers') ?? [];
  for (const h of headers) if (!valueMatches(h.type ?? 'Exact', String(h.value), s.headers[String(h.name).toLowerCase()])) return undefined;
  const qs = get<Json[]>(match, 'queryParams') ?? [];
  for (const q of qs) if (!valueMatches(q.type ?? 'Exact', String(q.value), sampleQuery(s, String(q.name)))) return undefined;
  return [exact, prefixLen, method !== undefined ? 1 : 0, headers.length, qs.length];
}

function grpcRank(match: Json | undefined, s: Sample): Rank | undefined {
  const [, service = '', method = ''] = pathOnly(s.path).split('/');
  const m = get<Json>(match, 'method');
  if (m?.service !== undefined && m.service !== service) return undefined;
  if (m?.method !== undefined && m.method !== method) return undefined;
  const headers = get<Json[]>(match, 'headers') ?? [];
  for (const h of headers) if (!valueMatches(h.type ?? 'Exact', String(h.value), s.headers[String(h.name).toLowerCase()])) return undefined;
  return [String(m?.service ?? '').length, String(m?.method ?? '').length, headers.length];
}

function better(a: Rank, b: Rank): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (b[i] ?? 0) - (a[i] ?? 0);
  return 0;
}

export function weightsOf(rule: Json, routeNs: string, nodeOf: GwRouterOptions['nodeOf']): Outcome {
  const out: Outcome = new Map();
  const refs = (get<Json[]>(rule, 'backendRefs') ?? []).map((b) => ({ b, w: b.weight === undefined ? 1 : Number(b.weight) })).filter((x) => x.w > 0);
  const total = refs.reduce((a, x) => a + x.w, 0);
  for (const { b, w } of refs) {
    const node = nodeOf({ namespace: b.namespace as string | undefined, name: String(b.name), port: b.port as number | undefined }, routeNs);
    if (node) out.set(node, (out.get(node) ?? 0) + w / total);
  }
  return out;
}

const KIND: Record<Sample['protocol'], string> = { http: 'HTTPRoute', grpc: 'GRPCRoute', tcp: 'TCPRoute' };

export function gatewayApiRouter(routes: Json[], o: GwRouterOptions): TargetRouter {
  return {
    route(sample) {
      const parent = o.parentOf(sample);
      if (!parent) return new Map();
      const attached = routes.filter((r) => r.kind === KIND[sample.protocol] && attaches(r, parent))
        .map((r) => ({ r, ns: String(get<Json>(r, 'metadata')?.namespace ?? 'default'), name: String(get<Json>(r, 'metadata')?.name) }))
        .sort((a, b) => `${a.ns}/${a.name}`.localeCompare(`${b.ns}/${b.name}`));
      if (!attached.length) return o.unattached?.(sample, parent) ?? new Map();
      if (sample.protocol === 'tcp') {
        const rule = (get<Json[]>(get(attached[0].r, 'spec'), 'rules') ?? [])[0];
        return rule ? weightsOf(rule, attached[0].ns, o.nodeOf) : new Map();
      }
      let best: { rank: Rank; rule: Json; ns: string } | undefined;
      for (const { r, ns } of attached) {
        const host = parent.kind === 'Gateway' ? hostnameScore(r, sample.authority) : 0;
        if (host < 0) continue;
        for (const rule of get<Json[]>(get(r, 'spec'), 'rules') ?? []) {
          const matches = get<Json[]>(rule, 'matches');
          for (const m of matches?.length ? matches : [undefined]) {
            const rank = sample.protocol === 'grpc' ? grpcRank(m, sample) : httpRank(m, sample);
            if (!rank) continue;
            const full = [host, ...rank];
            if (!best || better(full, best.rank) < 0) best = { rank: full, rule, ns };
          }
        }
      }
      return best ? weightsOf(best.rule, best.ns, o.nodeOf) : new Map();
    },
  };
}
