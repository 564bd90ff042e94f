// App Mesh match rules → Envoy RouteMatch (dataplane.md §1.6).

import type {
  GrpcRouteMatch, HeaderMatchRule, HostnameMatch, HttpRouteMatch, QueryParameterRule,
} from '../../mesh/types';
import type { HeaderMatcher, QueryParameterMatcher, RouteMatch } from './envoy-types';

/** Escapes a literal for use inside an RE2 pattern (the same syntax is valid in JavaScript). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function headerMatcher(rule: HeaderMatchRule): HeaderMatcher {
  const out: HeaderMatcher = { name: rule.name.toLowerCase() };
  const m = rule.match;
  if (!m) out.present_match = true;
  else if (m.exact !== undefined) out.string_match = { exact: m.exact };
  else if (m.prefix !== undefined) out.string_match = { prefix: m.prefix };
  else if (m.suffix !== undefined) out.string_match = { suffix: m.suffix };
  else if (m.regex !== undefined) out.string_match = { safe_regex: { regex: m.regex } };
  else if (m.range) out.range_match = { start: Number(m.range.start), end: Number(m.range.end) };
  else out.present_match = true;
  if (rule.invert) out.invert_match = true;
  return out;
}

function queryParameterMatcher(rule: QueryParameterRule): QueryParameterMatcher {
  return rule.match?.exact !== undefined
    ? { name: rule.name, string_match: { exact: rule.match.exact } }
    : { name: rule.name, present_match: true };
}

/** The path part shared by routes and gateway routes: prefix, exact path or regex ("/" by default). */
function pathMatch(m: { prefix?: string; path?: { exact?: string; regex?: string } }): RouteMatch {
  if (m.path?.exact !== undefined) return { path: m.path.exact };
  if (m.path?.regex !== undefined) return { safe_regex: { regex: m.path.regex } };
  return { prefix: m.prefix ?? '/' };
}

export function httpRouteMatch(m: HttpRouteMatch | undefined): RouteMatch {
  const match = pathMatch(m ?? {});
  const headers: HeaderMatcher[] = (m?.headers ?? []).map(headerMatcher);
  if (m?.method) headers.push({ name: ':method', string_match: { exact: m.method } });
  if (m?.scheme) headers.push({ name: ':scheme', string_match: { exact: m.scheme } });
  if (headers.length) match.headers = headers;
  if (m?.queryParameters?.length) match.query_parameters = m.queryParameters.map(queryParameterMatcher);
  return match;
}

/** gRPC requests are POST /<service>/<method>; App Mesh matches on those path segments and metadata. */
export function grpcRouteMatch(m: GrpcRouteMatch | undefined): RouteMatch {
  let match: RouteMatch;
  if (m?.serviceName && m.methodName) match = { path: `/${m.serviceName}/${m.methodName}` };
  else if (m?.serviceName) match = { prefix: `/${m.serviceName}/` };
  else match = { prefix: '/' };
  match.grpc = {};
  if (m?.metadata?.length) match.headers = m.metadata.map(headerMatcher);
  return match;
}

/**
 * A gateway route's hostname rule as an `:authority` matcher. The authority may carry a port,
 * which must not defeat an exact or suffix match, so both become anchored case-insensitive regexes.
 */
export function hostnameMatcher(h: HostnameMatch | undefined): HeaderMatcher | undefined {
  if (!h) return undefined;
  if (h.exact !== undefined) {
    return { name: ':authority', string_match: { safe_regex: { regex: `(?i)^${escapeRegex(h.exact)}(:[0-9]+)?$` } } };
  }
  if (h.suffix !== undefined) {
    return { name: ':authority', string_match: { safe_regex: { regex: `(?i)^.*${escapeRegex(h.suffix)}(:[0-9]+)?$` } } };
  }
  return undefined;
}

/**
 * How specific a match is, for App Mesh's "longest prefix first" ordering (§1.7): exact paths,
 * then regexes, then prefixes by length; among equals, more header/query conditions first.
 */
export function matchSpecificity(m: RouteMatch): number {
  const conditions = (m.headers?.length ?? 0) + (m.query_parameters?.length ?? 0);
  let path: number;
  if (m.path !== undefined) path = 200_000 + m.path.length;
  else if (m.safe_regex) path = 100_000 + m.safe_regex.regex.length;
  else path = m.prefix?.length ?? 0;
  return path * 32 + conditions;
}
