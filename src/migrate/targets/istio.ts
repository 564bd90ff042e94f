// App Mesh → Istio (networking.istio.io/v1, security.istio.io/v1), the way Tetrate's guide maps
// it: a virtual service becomes a VirtualService whose http/tcp routes are the router's routes in
// App Mesh's precedence (Istio takes the first match, so the order carries over exactly), with
// weights, retries and timeouts; a virtual node's listener policies become a DestinationRule
// (outlier detection, connection pools, ISTIO_MUTUAL) and its TLS mode a PeerAuthentication; a
// virtual gateway becomes a Gateway plus a VirtualService bound to it. Names outside the cluster
// get a ServiceEntry so sidecars route them.

import { escapeRegex } from '../../envoy/translate/match';
import { retryPolicy } from '../../envoy/translate/retry';
import type {
  GatewayRouteData, GrpcRouteMatch, HeaderMatchRule, HttpRouteMatch, HttpTimeout, MeshSnapshot, NodeListener, RouteData, VirtualGatewayData,
  VirtualNodeData, WeightedTarget,
} from '../../mesh/types';
import {
  durationMs, gatewayRoutesForPort, gatewayRuleKind, gatewayTarget, isCatchAll, protobufDuration, routeMatchTopics, routesForPort, ruleKind,
  targetsOf, throughGateway,
} from '../analysis';
import { FidelityReport } from '../report';
import { sampleQuery, type Sample } from '../samples';
import { ids, type MigrationSource } from '../source';
import type { Conversion, GeneratedDoc, MigrateOptions, Outcome, Target } from '../target';
import { forEachClientPolicy, meshSettings, referenceEntries } from './common';
import type { Json } from './gwapi-match';
import { fqdn, K8sModel, type K8sRef } from './k8s';

const NET = 'networking.istio.io/v1';
const SEC = 'security.istio.io/v1';
const FILES: Record<string, string> = {
  VirtualService: 'istio/virtualservices.v1.json',
  DestinationRule: 'istio/destinationrules.v1.json',
  Gateway: 'istio/gateways.v1.json',
  ServiceEntry: 'istio/serviceentries.v1.json',
  PeerAuthentication: 'istio/peerauthentications.v1.json',
};
const DIRS: Record<string, string> = {
  VirtualService: 'virtualservices', DestinationRule: 'destinationrules', Gateway: 'gateways', ServiceEntry: 'serviceentries', PeerAuthentication: 'peerauthentications',
};
const PROTOCOL: Record<string, string> = { http: 'HTTP', http2: 'HTTP2', grpc: 'GRPC', tcp: 'TCP' };

/** Weights that sum to 100, as Istio requires with several destinations (largest remainder). */
export function percentages(weights: number[]): { values: number[]; exact: boolean } {
  const total = weights.reduce((a, w) => a + Math.max(0, w), 0);
  if (total <= 0) return { values: weights.map(() => 0), exact: true };
  const raw = weights.map((w) => (Math.max(0, w) * 100) / total);
  const values = raw.map(Math.floor);
  let rest = 100 - values.reduce((a, v) => a + v, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (rest <= 0) break;
    values[i]++;
    rest--;
  }
  return { values, exact: raw.every((r, i) => r === values[i]) };
}

class Builder {
  readonly docs: GeneratedDoc[] = [];
  constructor(readonly s: MeshSnapshot, readonly model: K8sModel, readonly report: FidelityReport) {}

  add(kind: string, ns: string, name: string, spec: Json, from: string, step: string): void {
    this.docs.push({
      path: `istio/${DIRS[kind]}/${ns}/${name}`,
      body: { apiVersion: kind === 'PeerAuthentication' ? SEC : NET, kind, metadata: this.model.meta(name, ns, from), spec },
      schema: { type: 'crd', file: FILES[kind] },
      step,
    });
  }

  /** Destinations for weighted targets (host = the node's Service). */
  destinations(targets: WeightedTarget[], id: string, setting: string, report = this.report): Json[] {
    const usable = targets.filter((t) => this.model.nodeService(t.virtualNode));
    const { values, exact } = percentages(usable.map((t) => Number(t.weight)));
    const out = usable.map((t, i) => {
      const ref = this.model.nodeService(t.virtualNode)!;
      const port = t.port ?? this.s.virtualNodes.find((n) => n.virtualNodeName === t.virtualNode)?.spec.listeners?.[0]?.portMapping.port;
      const d: Json = { destination: { host: fqdn(ref), ...(port !== undefined ? { port: { number: port } } : {}) } };
      if (usable.length > 1) d.weight = values[i];
      return d;
    });
    if (usable.length > 1 && !exact) report.approximated('MG0302', id, setting, `→ route weights ${values.join('/')}: Istio weights are whole percentages summing to 100`);
    else report.mapped('MG0302', id, setting, usable.length > 1 ? `→ route weights ${values.join('/')} (%)` : '→ route destination');
    return out;
  }
}

function stringMatch(h: HeaderMatchRule): Json | undefined {
  const m = h.match;
  if (!m) return { regex: '.*' };
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.suffix !== undefined) return { regex: `.*${escapeRegex(m.suffix)}` };
  if (m.regex !== undefined) return { regex: m.regex };
  return m.range ? undefined : { regex: '.*' };
}

/** App Mesh match → Istio HTTPMatchRequest; undefined when a condition cannot be expressed (the route is left out). */
function httpMatchRequest(
  report: FidelityReport, id: string, base: string, m: (HttpRouteMatch & GrpcRouteMatch) | undefined, grpc: boolean, port: number | undefined, gateway = false,
): Json | undefined {
  const mm = m ?? {};
  const out: Json = {};
  let lost: string | undefined;
  if (grpc) {
    if (mm.serviceName && mm.methodName) out.uri = { exact: `/${mm.serviceName}/${mm.methodName}` };
    else if (mm.serviceName) out.uri = { prefix: `/${mm.serviceName}/` };
  } else if (mm.path?.exact !== undefined) out.uri = { exact: mm.path.exact };
  else if (mm.path?.regex !== undefined) out.uri = { regex: mm.path.regex };
  else if (mm.prefix !== undefined && mm.prefix !== '/') out.uri = { prefix: mm.prefix };
  const headers: Json = {};
  const without: Json = {};
  for (const h of [...(mm.headers ?? []), ...(mm.metadata ?? [])]) {
    const sm = stringMatch(h);
    if (!sm) {
      lost = `header ${h.name}: Istio has no numeric range match`;
      break;
    }
    (h.invert ? without : headers)[h.name.toLowerCase()] = sm;
  }
  if (Object.keys(headers).length) out.headers = headers;
  if (Object.keys(without).length) out.withoutHeaders = without;
  if (mm.method !== undefined) out.method = { exact: mm.method };
  if (mm.scheme !== undefined) out.scheme = { exact: mm.scheme };
  if (mm.queryParameters?.length) {
    out.queryParams = Object.fromEntries(mm.queryParameters.map((q) => [q.name, q.match?.exact !== undefined ? { exact: q.match.exact } : { regex: '.*' }]));
  }
  if (port !== undefined) out.port = port;
  for (const t of routeMatchTopics(mm, base, gateway)) {
    if (t.topic === 'hostname') continue;
    if (lost && t.topic === 'headers') report.lost(t.code, id, t.setting, `${lost}: the route is left out`);
    else if (t.topic === 'headers' && [...(mm.headers ?? []), ...(mm.metadata ?? [])].some((h) => h.match?.suffix !== undefined)) {
      report.approximated(t.code, id, t.setting, 'suffix → regex ".*suffix"; the rest as Istio StringMatch (inverted ones → withoutHeaders)');
    } else report.mapped(t.code, id, t.setting, `→ match ${t.topic === 'path' || t.topic === 'grpc-service' ? 'uri' : t.topic === 'headers' ? 'headers / withoutHeaders' : t.topic === 'query' ? 'queryParams' : t.topic}`);
  }
  return lost ? undefined : out;
}

function timeoutEntries(report: FidelityReport, id: string, base: string, t: HttpTimeout | undefined, route: Json): void {
  const per = durationMs(t?.perRequest);
  if (per !== undefined) {
    route.timeout = protobufDuration(per);
    report.mapped('MG0310', id, `${base}.timeout.perRequest`, '→ timeout');
  }
  if (t?.idle) report.lost('MG0310', id, `${base}.timeout.idle`, 'Istio routes have no stream idle timeout (DestinationRule connectionPool.http.idleTimeout is per connection)');
}

function retryEntries(report: FidelityReport, id: string, base: string, rule: { retryPolicy?: Parameters<typeof retryPolicy>[0] }, route: Json): void {
  const p = rule.retryPolicy;
  if (!p) return;
  const r = retryPolicy(p)!;
  const on = r.retry_on.split(',').filter((x) => x && x !== 'retriable-status-codes');
  const retryOn = [...on, ...(r.retriable_status_codes ?? []).map(String)].join(',');
  route.retries = { attempts: Number(p.maxRetries), ...(r.per_try_timeout ? { perTryTimeout: r.per_try_timeout } : {}), ...(retryOn ? { retryOn } : {}) };
  report.mapped('MG0309', id, `${base}.retryPolicy`, `→ retries (attempts ${p.maxRetries}${retryOn ? `, retryOn ${retryOn}` : ''})`);
}

/** One App Mesh route → one Istio http or tcp route (undefined when its match cannot be expressed). */
function istioRoute(b: Builder, r: RouteData, port: number | undefined, report: FidelityReport): { http?: Json; tcp?: Json } | undefined {
  const kind = ruleKind(r);
  if (!kind) return undefined;
  const id = ids.route(b.s, r.virtualRouterName, r.routeName);
  const base = `spec.${kind}`;
  if (r.spec.priority !== undefined) report.mapped('MG0311', id, 'spec.priority', 'Istio takes the first matching route: routes are listed in App Mesh\'s order');
  if (kind === 'tcpRoute') {
    const route = b.destinations(targetsOf(r), id, `${base}.action.weightedTargets`, report);
    report.mapped('MG0312', id, base, '→ tcp route');
    if (r.spec.tcpRoute!.timeout) report.lost('MG0310', id, `${base}.timeout`, 'Istio tcp routes have no idle timeout (DestinationRule connectionPool.tcp.idleTimeout is per connection)');
    return { tcp: { ...(port !== undefined ? { match: [{ port }] } : {}), route } };
  }
  const rule = r.spec[kind]!;
  const match = httpMatchRequest(report, id, `${base}.match`, rule.match as never, kind === 'grpcRoute', port);
  const route: Json = { name: r.routeName.toLowerCase(), route: b.destinations(targetsOf(r), id, `${base}.action.weightedTargets`, report) };
  if (match && Object.keys(match).length) route.match = [match];
  timeoutEntries(report, id, base, rule.timeout, route);
  retryEntries(report, id, base, rule as never, route);
  return match ? { http: route } : undefined;
}

function nodePolicies(b: Builder, n: VirtualNodeData, ref: K8sRef): void {
  const { s, report } = b;
  const id = ids.node(s, n.virtualNodeName);
  const portLevel: Json[] = [];
  const mtlsPorts: Record<string, Json> = {};
  const modes = new Set<string>();
  (n.spec.listeners ?? []).forEach((l: NodeListener, i) => {
    const at = `spec.listeners[${i}]`;
    const { port, protocol } = l.portMapping;
    report.mapped('MG0201', id, `${at}.portMapping`, `→ port ${port} of Service ${ref.namespace}/${ref.name} (name it ${protocol}-${port} or set appProtocol ${PROTOCOL[protocol].toLowerCase()} so Istio knows the protocol)`);
    const settings: Json = { port: { number: port } };
    if (l.outlierDetection) {
      const o = l.outlierDetection;
      settings.outlierDetection = {
        consecutive5xxErrors: Number(o.maxServerErrors),
        interval: protobufDuration(durationMs(o.interval) ?? 10_000),
        baseEjectionTime: protobufDuration(durationMs(o.baseEjectionDuration) ?? 30_000),
        maxEjectionPercent: Number(o.maxEjectionPercent),
      };
      report.mapped('MG0203', id, `${at}.outlierDetection`, '→ DestinationRule outlierDetection (consecutive5xxErrors, interval, baseEjectionTime, maxEjectionPercent)');
    }
    const pool = l.connectionPool;
    if (pool) {
      const cp: Json = {};
      if (pool.http) {
        cp.tcp = { maxConnections: Number(pool.http.maxConnections) };
        if (pool.http.maxPendingRequests !== undefined) cp.http = { http1MaxPendingRequests: Number(pool.http.maxPendingRequests) };
      }
      const h2 = pool.http2 ?? pool.grpc;
      if (h2) cp.http = { ...(cp.http as Json | undefined), http2MaxRequests: Number(h2.maxRequests) };
      if (pool.tcp) cp.tcp = { maxConnections: Number(pool.tcp.maxConnections) };
      settings.connectionPool = cp;
      report.mapped('MG0204', id, `${at}.connectionPool`, '→ DestinationRule connectionPool (tcp.maxConnections, http.http1MaxPendingRequests, http.http2MaxRequests)');
    }
    const t = l.timeout?.[protocol];
    if (t) {
      const idle = durationMs(t.idle);
      if (idle !== undefined && idle > 0) {
        settings.connectionPool = { ...(settings.connectionPool as Json | undefined) };
        const cp = settings.connectionPool as Json;
        if (protocol === 'tcp') cp.tcp = { ...(cp.tcp as Json | undefined), idleTimeout: protobufDuration(idle) };
        else cp.http = { ...(cp.http as Json | undefined), idleTimeout: protobufDuration(idle) };
      }
      report.approximated('MG0205', id, `${at}.timeout`, `${idle ? 'idle → DestinationRule connectionPool idleTimeout (per connection, set by callers)' : ''}${idle && 'perRequest' in t && t.perRequest ? '; ' : ''}${'perRequest' in t && t.perRequest ? 'per-request timeouts are set on the routes that call this node (VirtualService timeout)' : ''}` || 'no timeout to carry');
    }
    if (l.healthCheck) report.manual('MG0202', id, `${at}.healthCheck`, 'Istio has no active health checks: give the pods a readinessProbe with the same path, interval and thresholds');
    if (l.tls) {
      const mode = l.tls.mode === 'DISABLED' ? 'DISABLE' : l.tls.mode;
      modes.add(mode);
      mtlsPorts[String(port)] = { mode };
      if (mode !== 'DISABLE') settings.tls = { mode: 'ISTIO_MUTUAL' };
      report.mapped('MG0206', id, `${at}.tls.mode`, `→ PeerAuthentication mtls ${mode}${mode !== 'DISABLE' ? ' and DestinationRule tls ISTIO_MUTUAL' : ''}`);
      if (l.tls.certificate) report.approximated('MG0206', id, `${at}.tls.certificate`, 'Istio issues and rotates workload certificates from its own CA (or a plugged-in CA): this certificate is not used');
      if (l.tls.validation) report.approximated('MG0206', id, `${at}.tls.validation`, 'Istio checks SPIFFE identities of its own CA; restrict which callers may connect with an AuthorizationPolicy');
    }
    if (Object.keys(settings).length > 1) portLevel.push(settings);
  });
  if (portLevel.length) {
    const name = b.model.objectName('DestinationRule', ref.namespace, ref.name, n.virtualNodeName);
    b.add('DestinationRule', ref.namespace, name, { host: fqdn(ref), trafficPolicy: { portLevelSettings: portLevel } }, id, 'policies');
  }
  if (modes.size) {
    const name = b.model.objectName('PeerAuthentication', ref.namespace, ref.name, n.virtualNodeName);
    const one = modes.size === 1 ? [...modes][0] : undefined;
    const spec: Json = { selector: { matchLabels: { app: ref.name } }, mtls: { mode: one ?? 'STRICT' } };
    if (!one) spec.portLevelMtls = mtlsPorts;
    b.add('PeerAuthentication', ref.namespace, name, spec, id, 'policies');
    report.approximated('MG0004', id, 'spec.listeners', `PeerAuthentication selects pods labelled app=${ref.name}: label the node's pods so`);
  }
  const dns = n.spec.serviceDiscovery?.dns;
  if (dns?.responseType) report.approximated('MG0207', id, 'spec.serviceDiscovery.dns.responseType', 'Istio balances across the Service\'s endpoints');
  if (dns?.ipPreference) report.lost('MG0207', id, 'spec.serviceDiscovery.dns.ipPreference', 'the Service\'s ipFamilyPolicy decides the address family');
  (n.spec.backends ?? []).forEach((x, i) => {
    report.approximated('MG0208', id, `spec.backends[${i}]`, `calls ${x.virtualService?.virtualServiceName}: Istio lets any workload call any service; restrict callers with an AuthorizationPolicy, or the node's outbound hosts with a Sidecar resource`);
  });
  forEachClientPolicy(n.spec, (setting, p) => {
    report.approximated('MG0209', id, setting, p.tls?.enforce === false
      ? 'TLS not enforced: Istio auto mTLS still encrypts calls to workloads with sidecars'
      : 'client TLS → ISTIO_MUTUAL (DestinationRule of the called node, or Istio auto mTLS); trust and SAN settings are Istio\'s identities');
  });
  if (n.spec.logging) report.manual('MG0210', id, 'spec.logging', 'enable access logs with the Telemetry API (or meshConfig.accessLogFile); the file path and format are not kept');
}

function serviceEntry(b: Builder, vsName: string, ports: Array<{ port: number; protocol: string }>, id: string): void {
  const ns = b.model.namespace;
  const name = b.model.objectName('ServiceEntry', ns, vsName.replace(/\./g, '-'), vsName);
  b.add('ServiceEntry', ns, name, {
    hosts: [vsName],
    location: 'MESH_INTERNAL',
    resolution: 'NONE',
    ports: ports.map((p) => ({ number: p.port, name: `${p.protocol}-${p.port}`, protocol: PROTOCOL[p.protocol] ?? 'HTTP' })),
  }, id, 'routes');
}

function services(b: Builder): Map<string, { ns: string; http: Json[]; tcp: Json[] }> {
  const { s, report, model } = b;
  const tables = new Map<string, { ns: string; http: Json[]; tcp: Json[] }>();
  for (const vs of s.virtualServices) {
    const id = ids.service(s, vs.virtualServiceName);
    const p = vs.spec?.provider;
    const http: Json[] = [];
    const tcp: Json[] = [];
    let ports: Array<{ port: number; protocol: string }> = [];
    if (p?.virtualNode) {
      const node = s.virtualNodes.find((n) => n.virtualNodeName === p.virtualNode!.virtualNodeName);
      if (!node) continue;
      const listeners = node.spec.listeners ?? [];
      ports = listeners.map((l) => l.portMapping);
      const silent = new FidelityReport('istio', new Map());
      for (const l of listeners) {
        const dest = b.destinations([{ virtualNode: node.virtualNodeName, weight: 1, port: l.portMapping.port }], id, '', silent);
        const match = listeners.length > 1 ? { match: [{ port: l.portMapping.port }] } : {};
        if (l.portMapping.protocol === 'tcp') tcp.push({ ...match, route: dest });
        else http.push({ name: `${node.virtualNodeName}-${l.portMapping.port}`.toLowerCase(), ...match, route: dest });
      }
      report.mapped('MG0402', id, 'spec.provider.virtualNode', `→ routes to ${fqdn(model.nodeService(node.virtualNodeName)!)}`);
    } else if (p?.virtualRouter) {
      const router = s.virtualRouters.find((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName);
      if (!router) continue;
      const listeners = router.spec.listeners ?? [];
      ports = listeners.map((l) => l.portMapping);
      for (const l of listeners) {
        for (const r of routesForPort(s, router, l.portMapping.port)) {
          const kind = ruleKind(r);
          if (kind && r.spec[kind]!.match?.port !== undefined) report.mapped('MG0308', ids.route(s, r.virtualRouterName, r.routeName), `spec.${kind}.match.port`, '→ match port');
          const out = istioRoute(b, r, listeners.length > 1 ? l.portMapping.port : undefined, report);
          if (out?.http) http.push(out.http);
          if (out?.tcp && !tcp.some((x) => JSON.stringify(x.match) === JSON.stringify(out.tcp!.match))) tcp.push(out.tcp);
        }
      }
      report.mapped('MG0402', id, 'spec.provider.virtualRouter', `→ the routes of router ${router.virtualRouterName}, in App Mesh's order`);
    } else {
      if (p) report.lost('MG0402', id, 'spec.provider', 'no provider: nothing serves this name');
      continue;
    }
    const front = model.serviceFront(vs.virtualServiceName);
    // a bare name that is a node's Service: Istio reads short hosts in the VirtualService's namespace
    const sameNamespace = !front.clusterLocal && front.node !== undefined && front.ref.name === vs.virtualServiceName;
    const local = front.clusterLocal || sameNamespace;
    const ns = local ? front.ref.namespace : model.namespace;
    if (sameNamespace) report.mapped('MG0401', id, 'virtualServiceName', `→ VirtualService host ${vs.virtualServiceName} in namespace ${ns}: the Service ${ns}/${front.ref.name} of node ${front.node}`);
    else if (local) report.mapped('MG0401', id, 'virtualServiceName', `→ VirtualService host ${vs.virtualServiceName}`);
    else {
      serviceEntry(b, vs.virtualServiceName, ports, id);
      report.approximated('MG0401', id, 'virtualServiceName',
        `→ VirtualService host ${vs.virtualServiceName} with a ServiceEntry so sidecars know it; clients still resolve the name through DNS (or Istio DNS proxying)`);
    }
    const name = model.objectName('VirtualService', ns, vs.virtualServiceName.replace(/\./g, '-'), vs.virtualServiceName);
    const spec: Json = { hosts: [vs.virtualServiceName] };
    if (http.length) spec.http = http;
    if (tcp.length) spec.tcp = tcp;
    b.add('VirtualService', ns, name, spec, id, 'routes');
    tables.set(vs.virtualServiceName, { ns, http, tcp });
  }
  for (const router of s.virtualRouters) {
    (router.spec.listeners ?? []).forEach((l, i) => report.mapped('MG0301', ids.router(s, router.virtualRouterName), `spec.listeners[${i}]`, `→ port ${l.portMapping.port} of the VirtualService`));
    if (s.virtualServices.some((v) => v.spec?.provider?.virtualRouter?.virtualRouterName === router.virtualRouterName)) continue;
    for (const r of s.routes.filter((x) => x.virtualRouterName === router.virtualRouterName)) {
      report.mapped('MG0302', ids.route(s, r.virtualRouterName, r.routeName), '', `no virtual service uses router ${router.virtualRouterName}: App Mesh sends it no traffic and nothing is generated`);
    }
  }
  for (const r of s.routes.filter((x) => !s.virtualRouters.some((v) => v.virtualRouterName === x.virtualRouterName))) {
    report.mapped('MG0302', ids.route(s, r.virtualRouterName, r.routeName), '', 'its router is not in the source: nothing is generated');
  }
  return tables;
}

// ---- gateways ---------------------------------------------------------------------------------

function gateway(b: Builder, g: VirtualGatewayData): { ref: K8sRef; http: Json[] } {
  const { s, report, model } = b;
  const id = ids.gateway(s, g.virtualGatewayName);
  const ns = model.namespace;
  const name = model.objectName('Gateway', ns, g.virtualGatewayName, g.virtualGatewayName);
  const listeners = g.spec.listeners ?? [];
  const servers = listeners.map((l, i) => {
    const at = `spec.listeners[${i}]`;
    const { port, protocol } = l.portMapping;
    const server: Json = { port: { number: port, name: `${protocol}-${port}`, protocol: PROTOCOL[protocol] }, hosts: ['*'] };
    report.mapped('MG0501', id, `${at}.portMapping`, `→ Gateway server ${protocol}-${port}`);
    const tls = l.tls;
    if (tls && tls.mode !== 'DISABLED') {
      (server.port as Json).protocol = 'HTTPS';
      const t: Json = { mode: tls.validation ? 'MUTUAL' : 'SIMPLE' };
      const c = tls.certificate;
      if (c?.sds) {
        t.credentialName = c.sds.secretName;
        report.mapped('MG0502', id, `${at}.tls.certificate`, `→ credentialName ${c.sds.secretName} (a Secret in the gateway's namespace)`);
      } else if (c?.file) {
        t.serverCertificate = c.file.certificateChain;
        t.privateKey = c.file.privateKey;
        report.approximated('MG0502', id, `${at}.tls.certificate`, '→ serverCertificate/privateKey: mount the files into the ingress gateway pods (or put them in a Secret and use credentialName)');
      } else {
        t.credentialName = model.objectName('Secret', ns, `${name}-${port}-tls`, `${name}:${port}`);
        report.manual('MG0502', id, `${at}.tls.certificate`, `ACM certificates cannot be used by the ingress gateway: put a certificate in Secret ${String(t.credentialName)}`);
      }
      report.add(tls.mode === 'STRICT' ? 'mapped' : 'approximated', 'MG0502', id, `${at}.tls.mode`, tls.mode === 'STRICT' ? '→ HTTPS server' : 'PERMISSIVE → HTTPS only: a server port is TLS or plain text');
      const v = tls.validation;
      if (v) {
        const trust = v.trust;
        if (trust?.file) t.caCertificates = trust.file.certificateChain;
        else if (trust?.sds) t.caCertCredentialName = trust.sds.secretName;
        if (v.subjectAlternativeNames?.match?.exact?.length) t.subjectAltNames = v.subjectAlternativeNames.match.exact;
        report.add(trust?.acm ? 'manual' : 'mapped', 'MG0502', id, `${at}.tls.validation`, trust?.acm
          ? 'client certificates are checked (MUTUAL), but the ACM Private CA must be exported into a Secret for Istio'
          : '→ tls.mode MUTUAL with the CA (caCertificates / caCertCredentialName) and subjectAltNames');
      }
      server.tls = t;
    } else if (tls) {
      report.mapped('MG0502', id, `${at}.tls`, 'TLS disabled → plain server');
    }
    if (l.healthCheck) report.lost('MG0503', id, `${at}.healthCheck`, 'the ingress gateway is health-checked by its Kubernetes probes and load balancer, not by mesh configuration');
    if (l.connectionPool) report.lost('MG0503', id, `${at}.connectionPool`, 'Istio has no connection limits on Gateway servers (DestinationRules limit the traffic towards backends)');
    return server;
  });
  report.approximated('MG0501', id, 'virtualGatewayName', `→ Gateway ${ns}/${name} on the default ingress gateway (selector istio: ingressgateway)`);
  forEachClientPolicy({ backendDefaults: g.spec.backendDefaults }, (setting) => report.approximated('MG0504', id, setting, 'the ingress gateway calls backends with ISTIO_MUTUAL (auto mTLS); trust and SAN settings are Istio\'s identities'));
  if (g.spec.logging) report.manual('MG0505', id, 'spec.logging', 'enable access logs for the ingress gateway with the Telemetry API');
  b.add('Gateway', ns, name, { selector: { istio: 'ingressgateway' }, servers }, id, 'gateways');
  return { ref: { namespace: ns, name }, http: [] };
}

function authority(h: { exact?: string; suffix?: string } | undefined): Json | undefined {
  if (!h) return undefined;
  if (h.exact !== undefined) return { regex: `(?i)${escapeRegex(h.exact)}(:[0-9]+)?` };
  if (h.suffix !== undefined) return { regex: `(?i).*${escapeRegex(h.suffix)}(:[0-9]+)?` };
  return undefined;
}

function gatewayRoute(b: Builder, gr: GatewayRouteData, port: number | undefined, report: FidelityReport): Json[] {
  const { s } = b;
  const kind = gatewayRuleKind(gr)!;
  const id = ids.gatewayRoute(s, gr.virtualGatewayName, gr.gatewayRouteName);
  const base = `spec.${kind}`;
  const rule = gr.spec[kind]!;
  const grpc = kind === 'grpcRoute';
  if (gr.spec.priority !== undefined) report.mapped('MG0509', id, 'spec.priority', 'routes are listed in App Mesh\'s order (Istio takes the first match)');
  const match = httpMatchRequest(report, id, `${base}.match`, rule.match as never, grpc, port, true);
  const host = authority(rule.match?.hostname);
  if (rule.match?.hostname) report.mapped('MG0506', id, `${base}.match.hostname`, '→ match authority (case-insensitive regex, any port)');
  if (!match) return [];
  if (host) match.authority = host;
  const route: Json = { name: gr.gatewayRouteName.toLowerCase() };
  const action = rule.action as { target: { virtualService: { virtualServiceName: string }; port?: number }; rewrite?: Record<string, any> };
  const rw = action.rewrite;
  const rewrite: Json = {};
  const target = action.target.virtualService.virtualServiceName;
  if (rw?.hostname?.defaultTargetHostname !== 'DISABLED') rewrite.authority = target;
  if (!grpc) {
    const m = rule.match as HttpRouteMatch | undefined;
    if (m?.path) {
      if (rw?.path?.exact !== undefined) rewrite.uri = rw.path.exact;
    } else {
      const prefix = m?.prefix ?? '/';
      const to = rw?.prefix?.value ?? (rw?.prefix?.defaultPrefix === 'DISABLED' ? undefined : '/');
      if (to !== undefined && prefix !== '/') rewrite.uriRegexRewrite = { match: prefix.endsWith('/') || rw?.prefix?.value !== undefined ? `^${escapeRegex(prefix)}` : `^${escapeRegex(prefix)}/?`, rewrite: to };
    }
  }
  if (rw || !grpc || Object.keys(rewrite).length) {
    report.mapped('MG0508', id, `${base}.action.rewrite`, `→ rewrite${rewrite.authority ? ` authority ${target}` : ''}${rewrite.uriRegexRewrite ? ', uriRegexRewrite of the matched prefix' : ''}${rewrite.uri ? ', uri' : ''}`);
  }
  if (Object.keys(rewrite).length) route.rewrite = rewrite;
  if (action.target.port !== undefined) report.mapped('MG0507', id, `${base}.action.target.port`, '→ destination port');
  const t = gatewayTarget(s, gr);
  const silent = new FidelityReport('istio', new Map());
  if (t.kind === 'node') {
    route.route = b.destinations([{ virtualNode: t.node, weight: 1, port: t.port }], id, '', silent);
    report.mapped('MG0507', id, `${base}.action.target.virtualService`, `→ destination ${t.node}'s Service`);
    return [{ ...route, match: [match] }];
  }
  if (t.kind === 'router' && t.routes.length === 1 && isCatchAll(t.routes[0])) {
    route.route = b.destinations(targetsOf(t.routes[0]), id, '', silent);
    report.mapped('MG0507', id, `${base}.action.target.virtualService`, `→ the weighted targets of router ${t.router.virtualRouterName} (one route for every request)`);
    return [{ ...route, match: [match] }];
  }
  if (t.kind === 'router') {
    const through = throughGateway(gr, t.routes);
    if (through) {
      // The router's routes behind this gateway route: the gateway path is the router's path.
      const out: Json[] = [];
      for (const r of through) {
        const inner = istioRoute(b, r, undefined, silent)?.http;
        if (!inner) continue;
        const innerMatch = ((inner.match as Json[] | undefined)?.[0] ?? {}) as Json;
        const merged: Json = { ...match, ...innerMatch };
        out.push({ ...inner, name: `${route.name as string}-${inner.name as string}`, match: [merged], ...(route.rewrite ? { rewrite: route.rewrite } : {}) });
      }
      report.mapped('MG0507', id, `${base}.action.target.virtualService`, `→ the routes of router ${t.router.virtualRouterName}, each with this route's conditions (Istio routes once, at the gateway)`);
      return out;
    }
    route.route = [{ destination: { host: target, ...(t.port ? { port: { number: t.port } } : {}) } }];
    report.approximated('MG0507', id, `${base}.action.target.virtualService`,
      `→ destination ${target}: the gateway rewrites the path, so router ${t.router.virtualRouterName}'s routes (made for the mesh) do not apply to this traffic at the gateway`);
    return [{ ...route, match: [match] }];
  }
  return [];
}

function gatewayRoutes(b: Builder, g: VirtualGatewayData, ref: K8sRef): void {
  const { s, report } = b;
  const listeners = g.spec.listeners ?? [];
  const http: Json[] = [];
  const seen = new Set<string>();
  for (const l of listeners) {
    for (const gr of gatewayRoutesForPort(s, g.virtualGatewayName, l.portMapping.port, listeners.length === 1)) {
      const id = ids.gatewayRoute(s, gr.virtualGatewayName, gr.gatewayRouteName);
      const r = seen.has(id) ? new FidelityReport('istio', new Map()) : report;
      seen.add(id);
      const kind = gatewayRuleKind(gr)!;
      if (gr.spec[kind]!.match?.port !== undefined) r.mapped('MG0506', id, `spec.${kind}.match.port`, '→ match port');
      http.push(...gatewayRoute(b, gr, listeners.length > 1 ? l.portMapping.port : undefined, r));
    }
  }
  for (const gr of s.gatewayRoutes.filter((x) => x.virtualGatewayName === g.virtualGatewayName)) {
    const id = ids.gatewayRoute(s, gr.virtualGatewayName, gr.gatewayRouteName);
    if (!seen.has(id)) report.mapped('MG0506', id, '', 'matches no listener of its gateway: App Mesh never routes it, nothing is generated');
  }
  if (!http.length) return;
  const name = b.model.objectName('VirtualService', ref.namespace, `${ref.name}-gateway`, `gateway:${g.virtualGatewayName}`);
  b.add('VirtualService', ref.namespace, name, { hosts: ['*'], gateways: [`${ref.namespace}/${ref.name}`], http }, ids.gateway(s, g.virtualGatewayName), 'gateways');
}

// ---- routing read back (equivalence) -------------------------------------------------------------

function stringMatches(m: Json, v: string | undefined): boolean {
  if (v === undefined) return false;
  if (m.exact !== undefined) return v === m.exact;
  if (m.prefix !== undefined) return v.startsWith(String(m.prefix));
  if (m.regex !== undefined) {
    try {
      const re = String(m.regex);
      const ci = re.startsWith('(?i)');
      return new RegExp(`^(?:${ci ? re.slice(4) : re})$`, ci ? 'i' : '').test(v);
    } catch {
      return false;
    }
  }
  return true;
}

/** Istio's HTTPMatchRequest semantics (uri prefix is a plain string prefix). */
function matches(m: Json, s: Sample, port: number, authorityValue: string): boolean {
  const path = s.path.split('?')[0];
  const uri = m.uri as Json | undefined;
  if (uri && !stringMatches(uri, path)) return false;
  if (m.port !== undefined && m.port !== port) return false;
  if (m.method && !stringMatches(m.method as Json, s.method)) return false;
  if (m.authority && !stringMatches(m.authority as Json, authorityValue)) return false;
  for (const [k, v] of Object.entries((m.headers as Json) ?? {})) if (!stringMatches(v as Json, s.headers[k])) return false;
  for (const [k, v] of Object.entries((m.withoutHeaders as Json) ?? {})) if (stringMatches(v as Json, s.headers[k])) return false;
  for (const [k, v] of Object.entries((m.queryParams as Json) ?? {})) if (!stringMatches(v as Json, sampleQuery(s, k))) return false;
  return true;
}

function outcome(model: K8sModel, route: Json): Outcome {
  const out: Outcome = new Map();
  const dests = (route.route as Json[] | undefined) ?? [];
  for (const d of dests) {
    const host = String((d.destination as Json).host);
    const w = dests.length > 1 ? Number(d.weight ?? 0) / 100 : 1;
    const m = /^([^.]+)\.([^.]+)\.svc\.cluster\.local$/.exec(host);
    const node = m ? model.nodeOf({ name: m[1], namespace: m[2] }, m[2]) : undefined;
    if (node && w > 0) out.set(node, (out.get(node) ?? 0) + w);
  }
  return out;
}

function istioRouter(b: Builder, tables: Map<string, { http: Json[]; tcp: Json[] }>, gateways: Map<string, Json[]>): Conversion['routers'][number]['router'] {
  return {
    route(sample) {
      const via = sample.via;
      if (via.kind === 'service') {
        const t = tables.get(via.service);
        if (!t) return new Map();
        if (sample.protocol === 'tcp') {
          const r = t.tcp.find((x) => !x.match || (x.match as Json[]).some((m) => m.port === undefined || m.port === via.port));
          return r ? outcome(b.model, r) : new Map();
        }
        const r = t.http.find((x) => !(x.match as Json[] | undefined)?.length || (x.match as Json[]).some((m) => matches(m, sample, via.port, `${via.service}:${via.port}`)));
        return r ? outcome(b.model, r) : new Map();
      }
      const http = gateways.get(via.gateway) ?? [];
      const r = http.find((x) => !(x.match as Json[] | undefined)?.length || (x.match as Json[]).some((m) => matches(m, sample, via.port, sample.authority ?? '')));
      return r ? outcome(b.model, r) : new Map();
    },
  };
}

function convert(source: MigrationSource, opts: MigrateOptions, report: FidelityReport): Conversion {
  const s = source.snapshot;
  const model = new K8sModel(s, report, opts.namespace);
  const b = new Builder(s, model, report);
  referenceEntries(report, s);
  report.approximated('MG0101', ids.mesh(s), 'meshName', `→ the Istio mesh: label namespace ${model.namespace} (and every namespace with nodes) istio-injection=enabled`);
  meshSettings(report, s, {
    allowAll: 'Istio\'s default outboundTrafficPolicy ALLOW_ANY',
    dropAll: 'set meshConfig.outboundTrafficPolicy.mode REGISTRY_ONLY (or a Sidecar resource per namespace)',
    dropAllFidelity: 'manual',
    defaults: 'Istio has its own defaults: no request timeout unless a route sets one, two retries on connect-failure, refused-stream, unavailable, cancelled and 503; set timeouts where App Mesh\'s 15 s mattered',
    defaultsFidelity: 'approximated',
  });
  for (const n of s.virtualNodes) nodePolicies(b, n, model.nodeService(n.virtualNodeName)!);
  const tables = services(b);
  const gateways = new Map<string, Json[]>();
  for (const g of s.virtualGateways) {
    const gw = gateway(b, g);
    gatewayRoutes(b, g, gw.ref);
    const vs = b.docs.find((d) => d.body.kind === 'VirtualService' && (d.body.spec as Json).gateways && ((d.body.spec as Json).gateways as string[])[0] === `${gw.ref.namespace}/${gw.ref.name}`);
    gateways.set(g.virtualGatewayName, ((vs?.body.spec as Json | undefined)?.http as Json[] | undefined) ?? []);
  }
  for (const gr of s.gatewayRoutes.filter((x) => !s.virtualGateways.some((g) => g.virtualGatewayName === x.virtualGatewayName))) {
    report.mapped('MG0506', ids.gatewayRoute(s, gr.virtualGatewayName, gr.gatewayRouteName), '', `its virtual gateway ${gr.virtualGatewayName} is not in the source: nothing is generated`);
  }
  return { docs: b.docs, routers: [{ label: 'istio', router: istioRouter(b, tables, gateways) }] };
}

export const istio: Target = {
  name: 'istio',
  title: 'Istio (networking.istio.io/v1, security.istio.io/v1)',
  steps: [
    { id: 'install', title: 'Install Istio next to App Mesh', text: 'Install istiod and an ingress gateway; do not enable injection yet.' },
    { id: 'policies', title: 'Apply the DestinationRules and PeerAuthentications', text: 'They only take effect for workloads with Istio sidecars; label the pods as the report says (MG0004).' },
    { id: 'routes', title: 'Apply the VirtualServices and ServiceEntries', text: 'Routes are in App Mesh\'s order; check the Services the report names exist (MG0004, MG0401).' },
    { id: 'gateways', title: 'Apply the Gateway and its VirtualService', text: 'Create the TLS Secrets the report names (MG0502); move north-south traffic to the Istio ingress gateway with DNS or load balancer weights.' },
    {
      id: 'cutover',
      title: 'Cut over namespace by namespace',
      text: 'Remove App Mesh injection (appmesh.k8s.aws/sidecarInjectorWebhook: disabled), label the namespace istio-injection=enabled, restart its deployments, watch the traffic, then the next namespace.',
    },
  ],
  convert,
};

