// App Mesh match rules → Gateway API HTTPRouteMatch / GRPCRouteMatch, within what an
// implementation accepts (`Caps`: the portable API for gateway-api; the AWS Gateway API
// controller's subset for lattice). A condition the target cannot express makes the whole rule be
// left out — matching less is safer than matching more — and is reported as lost; the route
// equivalence check then shows which requests end up elsewhere.

import { escapeRegex } from '../../envoy/translate/match';
import type { GrpcRouteMatch, HeaderMatchRule, HttpRouteMatch } from '../../mesh/types';
import { routeMatchTopics } from '../analysis';
import type { FidelityReport } from '../report';

export interface Caps {
  /** For messages: "Gateway API", "the AWS Gateway API controller". */
  who: string;
  pathTypes: ReadonlyArray<'Exact' | 'PathPrefix' | 'RegularExpression'>;
  headerTypes: ReadonlyArray<'Exact' | 'RegularExpression'>;
  queryParams: boolean;
  maxHeaders: number;
  /** Path matching ignores letter case (VPC Lattice through the controller). */
  caseInsensitivePaths?: boolean;
}

export type Json = Record<string, unknown>;

/** Values the Gateway API's CEL rules reject on Exact/PathPrefix paths (not checked by ajv). */
function pathRejected(v: string): boolean {
  return !v.startsWith('/') || /\/\/|\/\.\/|\/\.\.\/|%2f|#/i.test(v) || /\/\.\.?$/.test(v);
}

interface Converted {
  match?: Json;
  /** Set when the rule must be left out (a condition was lost). */
  omitted?: string;
}

function headerMatch(h: HeaderMatchRule, caps: Caps): { value?: Json; why?: string; approx?: string } {
  if (h.invert) return { why: `header ${h.name}: ${caps.who} cannot match on the absence of a value (invert)` };
  const m = h.match;
  const regex = caps.headerTypes.includes('RegularExpression');
  const re = (pattern: string, note: string) => (regex ? { value: { type: 'RegularExpression', name: h.name, value: pattern }, approx: note } : { why: `header ${h.name}: ${caps.who} matches header values exactly only` });
  if (!m) return re('.*', `header ${h.name} present → RegularExpression ".*"`);
  if (m.exact !== undefined) return { value: { type: 'Exact', name: h.name, value: m.exact } };
  if (m.prefix !== undefined) return re(`${escapeRegex(m.prefix)}.*`, `header ${h.name} prefix → RegularExpression`);
  if (m.suffix !== undefined) return re(`.*${escapeRegex(m.suffix)}`, `header ${h.name} suffix → RegularExpression`);
  if (m.regex !== undefined) return re(m.regex, `header ${h.name} regex → RegularExpression (the regex dialect is the implementation's)`);
  if (m.range) return { why: `header ${h.name}: ${caps.who} has no numeric range match` };
  return re('.*', `header ${h.name} present → RegularExpression ".*"`);
}

function headers(list: HeaderMatchRule[] | undefined, caps: Caps, approx: string[]): { value?: Json[]; why?: string } {
  if (!list?.length) return {};
  if (list.length > caps.maxHeaders) return { why: `${list.length} header conditions: ${caps.who} allows at most ${caps.maxHeaders}` };
  const out: Json[] = [];
  const seen = new Set<string>();
  for (const h of list) {
    const r = headerMatch(h, caps);
    if (r.why) return { why: r.why };
    // Header names are case-insensitive and may appear once per match.
    if (seen.has(h.name.toLowerCase())) return { why: `header ${h.name} is matched twice: ${caps.who} allows one condition per header` };
    seen.add(h.name.toLowerCase());
    if (r.approx) approx.push(r.approx);
    out.push(r.value!);
  }
  return { value: out };
}

/** The header conditions of a match, or why they are lost, or how they are approximated. */
function addHeaders(match: Json, list: HeaderMatchRule[] | undefined, caps: Caps, lost: Map<string, string>, approx: Map<string, string>): void {
  const notes: string[] = [];
  const h = headers(list, caps, notes);
  if (h.why) lost.set('headers', h.why);
  else if (h.value) {
    match.headers = h.value;
    if (notes.length) approx.set('headers', notes.join('; '));
  }
}

/** Reports one entry per condition of the match: mapped, approximated (how) or lost (why). */
function reportTopics(
  report: FidelityReport, id: string, base: string, m: HttpRouteMatch & GrpcRouteMatch, gateway: boolean,
  lost: Map<string, string>, approx: Map<string, string>, where: string,
): void {
  for (const t of routeMatchTopics(m, base, gateway)) {
    if (t.topic === 'port' || t.topic === 'hostname') continue; // the caller places these (parentRef port, route hostnames)
    const why = lost.get(t.topic);
    const how = approx.get(t.topic);
    if (why) report.lost(t.code, id, t.setting, `${why}: the rule is left out`, where);
    else if (how) report.approximated(t.code, id, t.setting, how, where);
    else report.mapped(t.code, id, t.setting, `→ matches[0].${t.topic === 'grpc-service' ? 'method' : t.topic === 'query' ? 'queryParams' : t.topic}`, where);
  }
}

/** An HTTP (or HTTP/2) route or gateway route match. */
export function httpMatch(
  m: HttpRouteMatch | undefined, caps: Caps, report: FidelityReport, id: string, base: string, where: string, gateway = false,
): Converted {
  const lost = new Map<string, string>();
  const approx = new Map<string, string>();
  const match: Json = {};
  const mm = m ?? {};
  const ci = caps.caseInsensitivePaths ? `; ${caps.who} matches paths without regard to letter case` : '';
  if (mm.path?.exact !== undefined) {
    if (!caps.pathTypes.includes('Exact') || pathRejected(mm.path.exact)) lost.set('path', `path ${mm.path.exact}: not a path ${caps.who} accepts`);
    else {
      match.path = { type: 'Exact', value: mm.path.exact };
      if (ci) approx.set('path', `→ Exact${ci}`);
    }
  } else if (mm.path?.regex !== undefined) {
    if (!caps.pathTypes.includes('RegularExpression')) lost.set('path', `path regex: ${caps.who} has no regular expression paths`);
    else {
      match.path = { type: 'RegularExpression', value: mm.path.regex };
      approx.set('path', '→ RegularExpression: the regex dialect and its precedence among rules are the implementation\'s');
    }
  } else {
    const p = mm.prefix ?? '/';
    if (pathRejected(p)) lost.set('path', `prefix ${p}: not a path ${caps.who} accepts`);
    else {
      match.path = { type: 'PathPrefix', value: p };
      if (p !== '/') approx.set('path', `→ PathPrefix ${p}: matches whole path segments (${p.replace(/\/$/, '')}/… and ${p.replace(/\/$/, '') || '/'}), App Mesh any path starting with ${p}${ci}`);
    }
  }
  addHeaders(match, mm.headers, caps, lost, approx);
  if (mm.method !== undefined) match.method = mm.method;
  if (mm.scheme !== undefined) lost.set('scheme', `${caps.who} cannot match on the scheme`);
  if (mm.queryParameters?.length) {
    if (!caps.queryParams) lost.set('query', `${caps.who} cannot match query parameters`);
    else {
      match.queryParams = mm.queryParameters.map((q) => (q.match?.exact !== undefined
        ? { type: 'Exact', name: q.name, value: q.match.exact }
        : { type: 'RegularExpression', name: q.name, value: '.*' }));
      if (mm.queryParameters.some((q) => q.match?.exact === undefined)) approx.set('query', 'parameter present → RegularExpression ".*"');
    }
  }
  reportTopics(report, id, base, mm as HttpRouteMatch & GrpcRouteMatch, gateway, lost, approx, where);
  if (lost.size) return { omitted: [...lost.values()].join('; ') };
  return { match };
}

/** A gRPC route or gateway route match. */
export function grpcMatch(
  m: GrpcRouteMatch | undefined, caps: Caps, report: FidelityReport, id: string, base: string, where: string, gateway = false,
): Converted {
  const lost = new Map<string, string>();
  const approx = new Map<string, string>();
  const mm = m ?? {};
  const match: Json = {};
  if (mm.serviceName !== undefined) {
    match.method = { type: 'Exact', service: mm.serviceName, ...(mm.methodName !== undefined ? { method: mm.methodName } : {}) };
  }
  addHeaders(match, mm.metadata, caps, lost, approx);
  reportTopics(report, id, base, mm as HttpRouteMatch & GrpcRouteMatch, gateway, lost, approx, where);
  if (lost.size) return { omitted: [...lost.values()].join('; ') };
  return { match: Object.keys(match).length ? match : undefined };
}
