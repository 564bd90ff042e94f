// The rules of Gateway API routes made from App Mesh routes (gateway-api and lattice): one rule
// per App Mesh route in App Mesh's precedence order, weighted backendRefs to the targets'
// Services, request timeouts, and retries where the channel has them. Rules whose match cannot be
// expressed are left out (see gwapi-match.ts).

import { retryPolicy } from '../../envoy/translate/retry';
import type { HttpRetryPolicy, RouteData, WeightedTarget } from '../../mesh/types';
import { durationMs, gatewayApiDuration, ruleKind, targetsOf } from '../analysis';
import type { FidelityReport } from '../report';
import { grpcMatch, httpMatch, type Caps, type Json } from './gwapi-match';
import type { K8sModel } from './k8s';

export type RouteKind = 'HTTPRoute' | 'GRPCRoute' | 'TCPRoute';

export interface RuleOptions {
  caps: Caps;
  /** rules[].timeouts (standard Gateway API); false where the implementation has none (Lattice). */
  timeouts: boolean;
  /** HTTPRoute rules[].retry (experimental channel). */
  retry: boolean;
  /** How the target orders rules, for the priority entry. */
  order: { fidelity: 'mapped' | 'approximated'; text: string };
  /** Why retries are lost when `retry` is false. */
  noRetry: string;
}

export interface BuiltRule {
  kind: RouteKind;
  rule: Json;
}

/** backendRefs for weighted targets; missing nodes (reported as MG0002) are left out. */
export function backendRefs(model: K8sModel, targets: WeightedTarget[], routeNs: string, defaultPort: (node: string) => number | undefined): Json[] {
  const out: Json[] = [];
  for (const t of targets) {
    const svc = model.nodeService(t.virtualNode);
    const port = t.port ?? defaultPort(t.virtualNode);
    if (!svc || port === undefined) continue;
    const ref: Json = { name: svc.name };
    if (svc.namespace !== routeNs) ref.namespace = svc.namespace;
    ref.port = port;
    ref.weight = Number(t.weight);
    out.push(ref);
  }
  return out;
}

/** The node's only listener port (App Mesh's rule for targets without `port`). */
export function onlyPort(model: K8sModel): (node: string) => number | undefined {
  return (node) => {
    const listeners = model.s.virtualNodes.find((n) => n.virtualNodeName === node)?.spec.listeners ?? [];
    return listeners[0]?.portMapping.port;
  };
}

const RETRY_CODE_EVENTS = new Set(['server-error', 'gateway-error', 'client-error']);

function retryEntries(report: FidelityReport, id: string, base: string, p: HttpRetryPolicy, rule: Json, o: RuleOptions, where: string): void {
  const at = `${base}.retryPolicy`;
  const per = durationMs(p.perRetryTimeout);
  if (per !== undefined && o.timeouts) {
    const timeouts = (rule.timeouts ?? {}) as Json;
    const request = timeouts.request !== undefined ? parseDuration(String(timeouts.request)) : undefined;
    if (request !== undefined && request > 0 && per > request) {
      timeouts.backendRequest = timeouts.request;
      report.approximated('MG0309', id, `${at}.perRetryTimeout`, `→ timeouts.backendRequest, cut to the request timeout (${String(timeouts.request)}): Gateway API does not allow a longer one`, where);
    } else {
      timeouts.backendRequest = gatewayApiDuration(per);
      report.mapped('MG0309', id, `${at}.perRetryTimeout`, '→ timeouts.backendRequest (each try)', where);
    }
    rule.timeouts = timeouts;
  } else if (per !== undefined) {
    report.lost('MG0309', id, `${at}.perRetryTimeout`, o.noRetry, where);
  }
  const events = [...(p.httpRetryEvents ?? []), ...(p.tcpRetryEvents ?? []), ...(p.grpcRetryEvents ?? [])];
  if (!o.retry) {
    report.lost('MG0309', id, `${at}.maxRetries`, o.noRetry, where);
    if (events.length) {
      for (const k of ['httpRetryEvents', 'tcpRetryEvents', 'grpcRetryEvents'] as const) if (p[k]?.length) report.lost('MG0309', id, `${at}.${k}`, o.noRetry, where);
    }
    return;
  }
  const codes = retryPolicy(p)?.retriable_status_codes ?? [];
  const retry: Json = { attempts: Number(p.maxRetries) };
  if (codes.length) retry.codes = codes;
  rule.retry = retry;
  report.mapped('MG0309', id, `${at}.maxRetries`, '→ retry.attempts (experimental channel)', where);
  if (p.httpRetryEvents?.length) {
    const other = p.httpRetryEvents.filter((e) => !RETRY_CODE_EVENTS.has(e));
    if (other.length) report.approximated('MG0309', id, `${at}.httpRetryEvents`, `status-code events → retry.codes; ${other.join(', ')} has no counterpart (Gateway API retries on status codes and connection errors)`, where);
    else report.mapped('MG0309', id, `${at}.httpRetryEvents`, `→ retry.codes ${codes.join(', ')}`, where);
  }
  if (p.tcpRetryEvents?.length) {
    report.approximated('MG0309', id, `${at}.tcpRetryEvents`, 'implementations retry connection errors whenever retry is set (GEP-1731)', where);
  }
  if (p.grpcRetryEvents?.length) report.lost('MG0309', id, `${at}.grpcRetryEvents`, 'Gateway API retries on HTTP status codes, not gRPC status', where);
}

/** "1h2m3s4ms" → milliseconds. */
function parseDuration(d: string): number {
  let ms = 0;
  for (const m of d.matchAll(/(\d+)(h|ms|m|s)/g)) ms += Number(m[1]) * { h: 3_600_000, m: 60_000, s: 1000, ms: 1 }[m[2] as 'h' | 'm' | 's' | 'ms'];
  return ms;
}

/** One App Mesh route → one rule (undefined when its match cannot be expressed). */
export function ruleFor(
  report: FidelityReport, model: K8sModel, route: RouteData, id: string, routeNs: string, o: RuleOptions, where: string, first: boolean,
): BuiltRule | undefined {
  const kind = ruleKind(route);
  if (!kind) return undefined;
  const base = `spec.${kind}`;
  const refs = backendRefs(model, targetsOf(route), routeNs, onlyPort(model));
  report.mapped('MG0302', id, `${base}.action.weightedTargets`, '→ backendRefs with the same relative weights', where);
  if (route.spec.priority !== undefined) report.add(o.order.fidelity, 'MG0311', id, 'spec.priority', o.order.text, where);
  if (kind === 'tcpRoute') {
    if (!first) {
      report.lost('MG0312', id, base, 'a TCPRoute forwards every connection of its port the same way: only the first route of the port is kept', where);
      return undefined;
    }
    report.mapped('MG0312', id, base, '→ TCPRoute rule', where);
    if (route.spec.tcpRoute!.timeout) report.lost('MG0310', id, `${base}.timeout`, 'TCPRoute has no timeouts', where);
    return { kind: 'TCPRoute', rule: { backendRefs: refs } };
  }
  if (kind === 'grpcRoute') {
    const g = route.spec.grpcRoute!;
    const m = grpcMatch(g.match, o.caps, report, id, `${base}.match`, where);
    if (g.timeout) report.lost('MG0310', id, `${base}.timeout`, 'GRPCRoute has no timeouts', where);
    if (g.retryPolicy) report.lost('MG0309', id, `${base}.retryPolicy`, 'GRPCRoute has no retry settings', where);
    if (m.omitted) return undefined;
    return { kind: 'GRPCRoute', rule: { ...(m.match ? { matches: [m.match] } : {}), backendRefs: refs } };
  }
  const h = route.spec[kind]!;
  const m = httpMatch(h.match, o.caps, report, id, `${base}.match`, where);
  const rule: Json = { matches: [m.match], backendRefs: refs };
  const per = durationMs(h.timeout?.perRequest);
  if (h.timeout?.perRequest) {
    if (o.timeouts && per !== undefined) {
      rule.timeouts = { request: gatewayApiDuration(per) };
      report.mapped('MG0310', id, `${base}.timeout.perRequest`, '→ timeouts.request', where);
    } else {
      report.lost('MG0310', id, `${base}.timeout.perRequest`, `${o.caps.who} has no request timeout`, where);
    }
  }
  if (h.timeout?.idle) report.lost('MG0310', id, `${base}.timeout.idle`, 'Gateway API routes have no idle timeout', where);
  if (h.retryPolicy) retryEntries(report, id, base, h.retryPolicy, rule, o, where);
  if (m.omitted) return undefined;
  return { kind: 'HTTPRoute', rule };
}
