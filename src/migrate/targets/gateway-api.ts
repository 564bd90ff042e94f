// App Mesh → portable Gateway API (standard channel; `--experimental` for HTTPRoute retries).
// Mesh traffic follows GAMMA: a virtual service becomes routes attached to the Service clients
// call (parentRef kind Service), its router's routes become rules with weighted backendRefs to the
// virtual nodes' Services. A virtual gateway becomes a Gateway, its gateway routes HTTPRoutes or
// GRPCRoutes attached to it. What the API leaves to implementations (mTLS, health checks, outlier
// detection, connection pools) is reported as lost or manual.

import { gatewayRouteRule } from '../../mesh/lookup';
import type { GatewayRouteData, MeshSnapshot, RouteData, VirtualGatewayData, VirtualRouterData } from '../../mesh/types';
import { gatewayRuleKind, isCatchAll, routesForPort, ruleKind, targetsOf, throughGateway } from '../analysis';
import { FidelityReport } from '../report';
import { ids, type MigrationSource } from '../source';
import type { Conversion, GeneratedDoc, MigrateOptions, Outcome, Target } from '../target';
import { forEachClientPolicy, meshSettings, referenceEntries } from './common';
import { grpcMatch, httpMatch, type Caps, type Json } from './gwapi-match';
import { gatewayApiRouter, type Parent } from './gwapi-router';
import { backendRefs, onlyPort, ruleFor, type RouteKind, type RuleOptions } from './gwapi-rules';
import { fqdn, K8sModel, type K8sRef } from './k8s';

const GROUP = 'gateway.networking.k8s.io';
const API = `${GROUP}/v1`;
const CAPS: Caps = { who: 'Gateway API', pathTypes: ['Exact', 'PathPrefix', 'RegularExpression'], headerTypes: ['Exact', 'RegularExpression'], queryParams: true, maxHeaders: 16 };
const FILE: Record<RouteKind | 'Gateway' | 'ReferenceGrant', string> = {
  HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes', TCPRoute: 'tcproutes', Gateway: 'gateways', ReferenceGrant: 'referencegrants',
};
const DIR: Record<RouteKind | 'Gateway' | 'ReferenceGrant', string> = {
  HTTPRoute: 'httproutes', GRPCRoute: 'grpcroutes', TCPRoute: 'tcproutes', Gateway: 'gateways', ReferenceGrant: 'referencegrants',
};

function kindFor(protocol: string): RouteKind {
  return protocol === 'grpc' ? 'GRPCRoute' : protocol === 'tcp' ? 'TCPRoute' : 'HTTPRoute';
}

class Builder {
  readonly docs: GeneratedDoc[] = [];
  private readonly grants = new Map<string, { from: string; to: string; kind: RouteKind }>();

  constructor(
    readonly s: MeshSnapshot,
    readonly model: K8sModel,
    readonly report: FidelityReport,
    readonly channel: 'standard' | 'experimental',
    readonly opts: MigrateOptions,
  ) {}

  ruleOptions(): RuleOptions {
    return {
      caps: CAPS,
      timeouts: true,
      retry: this.channel === 'experimental',
      order: { fidelity: 'approximated', text: 'Gateway API orders rules by how specific their matches are, not by a priority: App Mesh\'s order holds only where the two agree (see the route equivalence findings)' },
      noRetry: 'retries are in the experimental channel only (HTTPRoute retry, GEP-1731): re-run with --experimental',
    };
  }

  add(kind: RouteKind | 'Gateway' | 'ReferenceGrant', ns: string, name: string, spec: Json, from: string, step: string): void {
    this.docs.push({
      path: `gateway-api/${DIR[kind]}/${ns}/${name}`,
      body: { apiVersion: kind === 'ReferenceGrant' ? `${GROUP}/v1` : API, kind, metadata: this.model.meta(name, ns, from), spec },
      schema: { type: 'crd', file: `gateway-api/${this.channel}/${FILE[kind]}.v1.json` },
      step,
    });
  }

  /** Routes in one namespace reaching Services in another need a ReferenceGrant there. */
  grantsFor(kind: RouteKind, routeNs: string, rules: Json[]): void {
    for (const r of rules) {
      for (const b of (r.backendRefs as Json[] | undefined) ?? []) {
        const to = b.namespace as string | undefined;
        if (to && to !== routeNs) this.grants.set(`${kind}|${routeNs}|${to}`, { from: routeNs, to, kind });
      }
    }
  }

  finishGrants(): void {
    for (const g of [...this.grants.values()].sort((a, b) => `${a.to}/${a.from}/${a.kind}`.localeCompare(`${b.to}/${b.from}/${b.kind}`))) {
      const name = this.model.objectName('ReferenceGrant', g.to, `from-${g.from}-${g.kind.toLowerCase()}`, `${g.kind}|${g.from}`);
      this.add('ReferenceGrant', g.to, name, { from: [{ group: GROUP, kind: g.kind, namespace: g.from }], to: [{ group: '', kind: 'Service' }] },
        `routes in namespace ${g.from}`, 'routes');
    }
  }
}

function nodeEntries(b: Builder): void {
  const { s, report } = b;
  for (const n of s.virtualNodes) {
    const id = ids.node(s, n.virtualNodeName);
    const svc = b.model.nodeService(n.virtualNodeName)!;
    (n.spec.listeners ?? []).forEach((l, i) => {
      const at = `spec.listeners[${i}]`;
      const { port, protocol } = l.portMapping;
      const app = protocol === 'http2' || protocol === 'grpc' ? ' with appProtocol kubernetes.io/h2c' : '';
      report.mapped('MG0201', id, `${at}.portMapping`, `→ port ${port} of Service ${svc.namespace}/${svc.name}${app} (backendRef port)`);
      if (l.healthCheck) report.manual('MG0202', id, `${at}.healthCheck`, 'Gateway API has no health checks: give the pods a readinessProbe with the same path, interval and thresholds');
      if (l.outlierDetection) report.lost('MG0203', id, `${at}.outlierDetection`, 'Gateway API has no outlier detection (implementations have their own policies, e.g. Istio DestinationRule)');
      if (l.connectionPool) report.lost('MG0204', id, `${at}.connectionPool`, 'Gateway API has no connection limits (implementations have their own policies)');
      if (l.timeout) report.lost('MG0205', id, `${at}.timeout`, 'Gateway API timeouts are per route rule (timeouts.request), not per backend listener');
      if (l.tls) report.manual('MG0206', id, `${at}.tls`, 'mesh TLS between workloads is the mesh implementation\'s (e.g. Istio PeerAuthentication), not part of the Gateway API');
    });
    const dns = n.spec.serviceDiscovery?.dns;
    if (dns?.responseType) report.approximated('MG0207', id, 'spec.serviceDiscovery.dns.responseType', 'Kubernetes Services balance across endpoints');
    if (dns?.ipPreference) report.lost('MG0207', id, 'spec.serviceDiscovery.dns.ipPreference', 'the Service\'s ipFamilyPolicy decides the address family');
    (n.spec.backends ?? []).forEach((x, i) => {
      report.approximated('MG0208', id, `spec.backends[${i}]`, `calls ${x.virtualService?.virtualServiceName}: in the mesh any workload can call any Service; restrict callers with the implementation's authorization policy`);
    });
    forEachClientPolicy(n.spec, (setting) => report.manual('MG0209', id, setting, 'client TLS inside the mesh is the implementation\'s (mutual TLS by default in Istio and Linkerd)'));
    if (n.spec.logging) report.manual('MG0210', id, 'spec.logging', 'access logs are configured in the mesh implementation (e.g. Istio Telemetry)');
  }
}

/** Routes of one virtual service on one port: rules per route kind, attached to the Service clients call. */
function serviceRoutes(b: Builder, vsName: string, front: K8sRef, port: number, protocol: string, rulesByKind: Map<RouteKind, Json[]>, many: boolean): void {
  const from = ids.service(b.s, vsName);
  for (const [kind, rules] of rulesByKind) {
    if (!rules.length && kind !== kindFor(protocol)) continue;
    const name = b.model.objectName(kind, front.namespace, many ? `${front.name}-${port}` : front.name, `${vsName}:${port}`);
    b.grantsFor(kind, front.namespace, rules);
    b.add(kind, front.namespace, name, { parentRefs: [{ group: '', kind: 'Service', name: front.name, port }], rules }, from, 'routes');
  }
}

function routerRules(b: Builder, router: VirtualRouterData, port: number, routeNs: string): Map<RouteKind, Json[]> {
  const out = new Map<RouteKind, Json[]>();
  let tcpSeen = false;
  for (const r of routesForPort(b.s, router, port)) {
    const id = ids.route(b.s, r.virtualRouterName, r.routeName);
    const kind = ruleKind(r);
    if (kind && r.spec[kind]!.match?.port !== undefined) b.report.mapped('MG0308', id, `spec.${kind}.match.port`, `→ parentRef port ${port}`);
    const built = ruleFor(b.report, b.model, r, id, routeNs, b.ruleOptions(), `rule of the route for ${router.virtualRouterName}:${port}`, !tcpSeen);
    if (r.spec.tcpRoute) tcpSeen = true;
    if (!built) continue;
    if (!out.has(built.kind)) out.set(built.kind, []);
    out.get(built.kind)!.push(built.rule);
  }
  return out;
}

function services(b: Builder, served: Set<string>): void {
  const { s, report, model } = b;
  for (const vs of s.virtualServices) {
    const id = ids.service(s, vs.virtualServiceName);
    const { ref: front, clusterLocal, node: frontNode } = model.serviceFront(vs.virtualServiceName);
    const target = `parentRef Service ${front.namespace}/${front.name}`;
    if (clusterLocal) report.mapped('MG0401', id, 'virtualServiceName', `→ ${target}`);
    else if (frontNode) {
      report.approximated('MG0401', id, 'virtualServiceName',
        `→ ${target} (virtual node ${frontNode}'s Service): clients call ${fqdn(front)}; keep ${vs.virtualServiceName} working with a DNS alias (e.g. a CoreDNS rewrite)`);
    } else {
      report.manual('MG0401', id, 'virtualServiceName',
        `→ ${target}: create it (ClusterIP, the provider's ports) so clients reach ${fqdn(front)}; ${vs.virtualServiceName} itself needs a DNS alias to it`);
    }
    const p = vs.spec?.provider;
    if (p?.virtualNode) {
      const node = s.virtualNodes.find((n) => n.virtualNodeName === p.virtualNode!.virtualNodeName);
      if (!node) continue;
      if (frontNode === node.virtualNodeName) {
        report.mapped('MG0402', id, 'spec.provider.virtualNode', `→ Service ${front.namespace}/${front.name} itself: no route is needed`);
        continue;
      }
      const listeners = node.spec.listeners ?? [];
      for (const l of listeners) {
        const rule = { backendRefs: backendRefs(model, [{ virtualNode: node.virtualNodeName, weight: 1, port: l.portMapping.port }], front.namespace, onlyPort(model)) };
        serviceRoutes(b, vs.virtualServiceName, front, l.portMapping.port, l.portMapping.protocol, new Map([[kindFor(l.portMapping.protocol), [rule]]]), listeners.length > 1);
      }
      report.mapped('MG0402', id, 'spec.provider.virtualNode', `→ a route to Service ${model.nodeService(node.virtualNodeName)!.name} per listener port`);
    } else if (p?.virtualRouter) {
      const router = s.virtualRouters.find((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName);
      if (!router) continue;
      served.add(router.virtualRouterName);
      const listeners = router.spec.listeners ?? [];
      for (const l of listeners) {
        serviceRoutes(b, vs.virtualServiceName, front, l.portMapping.port, l.portMapping.protocol, routerRules(b, router, l.portMapping.port, front.namespace), listeners.length > 1);
      }
      report.mapped('MG0402', id, 'spec.provider.virtualRouter', `→ the rules of router ${router.virtualRouterName}, attached to Service ${front.namespace}/${front.name}`);
    } else if (p) {
      report.lost('MG0402', id, 'spec.provider', 'no provider: nothing serves this name');
    }
  }
}

function unusedRouters(b: Builder, served: Set<string>): void {
  for (const router of b.s.virtualRouters) {
    const id = ids.router(b.s, router.virtualRouterName);
    (router.spec.listeners ?? []).forEach((l, i) => b.report.mapped('MG0301', id, `spec.listeners[${i}]`, `→ parentRef port ${l.portMapping.port}`));
    if (served.has(router.virtualRouterName)) continue;
    for (const r of b.s.routes.filter((x) => x.virtualRouterName === router.virtualRouterName)) {
      b.report.mapped('MG0302', ids.route(b.s, r.virtualRouterName, r.routeName), '', `no virtual service uses router ${router.virtualRouterName}: App Mesh sends it no traffic and nothing is generated`);
    }
  }
  for (const r of b.s.routes.filter((x) => !b.s.virtualRouters.some((v) => v.virtualRouterName === x.virtualRouterName))) {
    b.report.mapped('MG0302', ids.route(b.s, r.virtualRouterName, r.routeName), '', 'its router is not in the source: nothing is generated');
  }
}

// ---- gateways ---------------------------------------------------------------------------------

function listenerName(l: { portMapping: { port: number; protocol: string } }): string {
  return `${l.portMapping.protocol}-${l.portMapping.port}`;
}

function gatewayDoc(b: Builder, g: VirtualGatewayData): K8sRef {
  const { s, report, model } = b;
  const id = ids.gateway(s, g.virtualGatewayName);
  const ns = model.namespace;
  const name = model.objectName('Gateway', ns, g.virtualGatewayName, g.virtualGatewayName);
  const listeners: Json[] = [];
  (g.spec.listeners ?? []).forEach((l, i) => {
    const at = `spec.listeners[${i}]`;
    const out: Json = { name: listenerName(l), port: l.portMapping.port, protocol: 'HTTP' };
    report.mapped('MG0501', id, `${at}.portMapping`, `→ listener ${out.name} (${l.portMapping.protocol === 'grpc' ? 'gRPC over ' : ''}HTTP)`, `Gateway ${ns}/${name}`);
    const tls = l.tls;
    if (tls && tls.mode !== 'DISABLED') {
      out.protocol = 'HTTPS';
      const secret = tls.certificate?.sds?.secretName ?? `${name}-${l.portMapping.port}-tls`;
      out.tls = { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: model.objectName('Secret', ns, secret, `${name}:${l.portMapping.port}`) }] };
      if (tls.certificate?.acm) report.manual('MG0502', id, `${at}.tls.certificate`, `ACM certificates cannot be mounted in Kubernetes: put a certificate in Secret ${ns}/${secret} (type kubernetes.io/tls)`);
      else if (tls.certificate?.file) report.manual('MG0502', id, `${at}.tls.certificate`, `create Secret ${ns}/${secret} (type kubernetes.io/tls) from the certificate chain and key files`);
      else report.approximated('MG0502', id, `${at}.tls.certificate`, `SDS secret → Kubernetes Secret ${ns}/${secret} (type kubernetes.io/tls)`);
      report.add(tls.mode === 'STRICT' ? 'mapped' : 'approximated', 'MG0502', id, `${at}.tls.mode`, tls.mode === 'STRICT' ? '→ HTTPS listener, tls.mode Terminate' : 'PERMISSIVE → HTTPS only: a listener is TLS or plain text, not both');
      if (tls.validation) report.lost('MG0502', id, `${at}.tls.validation`, 'client certificate validation on Gateway listeners is not in the standard channel');
    } else if (tls) {
      report.mapped('MG0502', id, `${at}.tls`, 'TLS disabled → HTTP listener');
    }
    if (l.healthCheck) report.lost('MG0503', id, `${at}.healthCheck`, 'a Gateway is not health-checked through the API: use the load balancer of the Gateway\'s implementation');
    if (l.connectionPool) report.lost('MG0503', id, `${at}.connectionPool`, 'Gateway API has no connection limits');
    listeners.push(out);
  });
  if (b.opts.gatewayClass) report.mapped('MG0501', id, 'virtualGatewayName', `→ Gateway ${ns}/${name} of class ${b.opts.gatewayClass}`);
  else report.manual('MG0501', id, 'virtualGatewayName', `→ Gateway ${ns}/${name}: set gatewayClassName to your implementation's class (--gateway-class)`);
  forEachClientPolicy({ backendDefaults: g.spec.backendDefaults }, (setting) => report.manual('MG0504', id, setting, 'TLS from the Gateway to backends is a BackendTLSPolicy (CA certificates in a ConfigMap); write one per backend Service'));
  if (g.spec.logging) report.manual('MG0505', id, 'spec.logging', 'access logs are configured in the Gateway\'s implementation');
  b.add('Gateway', ns, name, { gatewayClassName: b.opts.gatewayClass ?? 'replace-me', listeners }, ids.gateway(s, g.virtualGatewayName), 'gateways');
  return { namespace: ns, name };
}

/** Where a gateway route's target virtual service leads, as rules of the gateway's route. */
function targetRules(b: Builder, gr: GatewayRouteData, base: Json, id: string, at: string): Json[] {
  const { s, model, report } = b;
  const target = gatewayRouteRule(gr)!.action.target;
  if (target.port !== undefined) report.mapped('MG0507', id, `${at}.port`, `→ backendRef port ${target.port}`);
  const vs = s.virtualServices.find((v) => v.virtualServiceName === target.virtualService.virtualServiceName);
  const p = vs?.spec?.provider;
  if (p?.virtualNode) {
    const port = target.port ?? onlyPort(model)(p.virtualNode.virtualNodeName);
    report.mapped('MG0507', id, at, `→ backendRef Service of virtual node ${p.virtualNode.virtualNodeName}`);
    return [{ ...base, backendRefs: backendRefs(model, [{ virtualNode: p.virtualNode.virtualNodeName, weight: 1, port }], model.namespace, onlyPort(model)) }];
  }
  const router = p?.virtualRouter ? s.virtualRouters.find((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName) : undefined;
  if (router) {
    const port = target.port ?? router.spec.listeners?.[0]?.portMapping.port;
    const routes: RouteData[] = port === undefined ? [] : routesForPort(s, router, port);
    if (routes.length === 1 && isCatchAll(routes[0])) {
      report.mapped('MG0507', id, at, `→ the weighted targets of router ${router.virtualRouterName} (one route for every request)`);
      return [{ ...base, backendRefs: backendRefs(model, targetsOf(routes[0]), model.namespace, onlyPort(model)) }];
    }
    const through = throughGateway(gr, routes);
    if (through) {
      // The gateway leaves the path alone: the router's rules, each with the gateway route's conditions.
      const silent = new FidelityReport('gateway-api', new Map());
      const rules = through.map((r) => ruleFor(silent, model, r, id, model.namespace, b.ruleOptions(), '', true))
        .filter((x): x is NonNullable<typeof x> => !!x && x.kind === (gr.spec.grpcRoute ? 'GRPCRoute' : 'HTTPRoute'))
        .map((x) => ({ ...x.rule, ...(base.filters ? { filters: base.filters } : {}) }));
      report.mapped('MG0507', id, at, `→ the rules of router ${router.virtualRouterName}, each with this route's conditions`);
      return rules;
    }
  }
  const front = model.serviceFront(target.virtualService.virtualServiceName).ref;
  report.approximated('MG0507', id, at,
    `→ backendRef Service ${front.namespace}/${front.name}: its router's rules apply only where the implementation runs mesh (GAMMA) routes for traffic from the Gateway`);
  const ref: Json = { name: front.name, ...(front.namespace !== model.namespace ? { namespace: front.namespace } : {}) };
  if (target.port) ref.port = target.port;
  else {
    const l = router?.spec.listeners?.[0];
    if (l) ref.port = l.portMapping.port;
  }
  return [{ ...base, backendRefs: ref.port ? [ref] : [] }];
}

function hostnames(b: Builder, gr: GatewayRouteData, id: string, base: string): string[] | undefined | null {
  const h = gatewayRouteRule(gr)?.match?.hostname;
  if (!h) return undefined;
  const valid = (x: string) => /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(x);
  if (h.exact !== undefined) {
    const x = h.exact.toLowerCase();
    if (valid(x)) {
      b.report.mapped('MG0506', id, `${base}.hostname`, `→ hostnames [${x}]`);
      return [x];
    }
  } else if (h.suffix !== undefined) {
    const x = `*.${h.suffix.replace(/^\.+/, '').toLowerCase()}`;
    if (valid(x)) {
      b.report.approximated('MG0506', id, `${base}.hostname`, `suffix ${h.suffix} → hostnames [${x}]: a wildcard matches subdomains only (App Mesh any host ending with ${h.suffix})`);
      return [x];
    }
  }
  b.report.lost('MG0506', id, `${base}.hostname`, 'not a hostname Gateway API accepts: the route is left out');
  return null;
}

function gatewayRoutes(b: Builder, gateways: Map<string, { ref: K8sRef; g: VirtualGatewayData }>): void {
  const { s, report, model } = b;
  for (const gr of s.gatewayRoutes) {
    const id = ids.gatewayRoute(s, gr.virtualGatewayName, gr.gatewayRouteName);
    const gw = gateways.get(gr.virtualGatewayName);
    const kind = gatewayRuleKind(gr);
    if (!gw || !kind) {
      report.mapped('MG0506', id, '', `its virtual gateway ${gr.virtualGatewayName} is not in the source: nothing is generated`);
      continue;
    }
    const rule = gatewayRouteRule(gr)!;
    const base = `spec.${kind}`;
    const listeners = gw.g.spec.listeners ?? [];
    const port = rule.match?.port;
    const listener = port !== undefined ? listeners.find((l) => l.portMapping.port === port) : listeners.length === 1 ? listeners[0] : undefined;
    const parentRefs: Json[] = listener ? [{ name: gw.ref.name, sectionName: listenerName(listener) }] : [{ name: gw.ref.name }];
    if (port !== undefined) report.mapped('MG0506', id, `${base}.match.port`, `→ parentRef sectionName ${listener ? listenerName(listener) : '?'}`);
    if (gr.spec.priority !== undefined) report.approximated('MG0509', id, 'spec.priority', 'Gateway API orders routes by hostname and match specificity, not by a priority (see the route equivalence findings)');
    const names = hostnames(b, gr, id, `${base}.match`);
    const where = `route of Gateway ${gw.ref.name}`;
    const m = kind === 'grpcRoute'
      ? grpcMatch(rule.match as never, CAPS, report, id, `${base}.match`, where, true)
      : httpMatch(rule.match as never, CAPS, report, id, `${base}.match`, where, true);
    const filters = kind === 'grpcRoute' ? [] : rewriteFilters(b, gr, id, base);
    const ruleBase: Json = { ...(m.match ? { matches: [m.match] } : {}), ...(filters.length ? { filters } : {}) };
    const hostRewrite = (rule.action as { rewrite?: { hostname?: { defaultTargetHostname?: string } } }).rewrite?.hostname?.defaultTargetHostname;
    if (kind === 'grpcRoute') {
      report.add(hostRewrite === 'DISABLED' ? 'mapped' : 'lost', 'MG0508', id, `${base}.action`,
        hostRewrite === 'DISABLED' ? 'the host is kept' : 'GRPCRoute cannot rewrite the host to the target virtual service name');
    }
    const rules = targetRules(b, gr, ruleBase, id, `${base}.action.target`);
    if (m.omitted || names === null) continue;
    const routeKind: RouteKind = kind === 'grpcRoute' ? 'GRPCRoute' : 'HTTPRoute';
    const name = model.objectName(routeKind, gw.ref.namespace, `${gw.ref.name}-${gr.gatewayRouteName}`, id);
    b.grantsFor(routeKind, gw.ref.namespace, rules);
    b.add(routeKind, gw.ref.namespace, name, { parentRefs, ...(names ? { hostnames: names } : {}), rules }, id, 'gateways');
  }
}

/** App Mesh's gateway rewrites (host → target name, matched prefix → "/", by default) as URLRewrite. */
function rewriteFilters(b: Builder, gr: GatewayRouteData, id: string, base: string): Json[] {
  const h = (gr.spec.httpRoute ?? gr.spec.http2Route)!;
  const rw = h.action.rewrite;
  const rewrite: Json = {};
  const target = h.action.target.virtualService.virtualServiceName;
  if (rw?.hostname?.defaultTargetHostname !== 'DISABLED') {
    rewrite.hostname = target.toLowerCase();
    b.report.mapped('MG0508', id, `${base}.action.rewrite`, `host → ${target} (URLRewrite hostname)`);
  } else {
    b.report.mapped('MG0508', id, `${base}.action.rewrite.hostname`, 'the host is kept');
  }
  if (h.match?.path) {
    if (rw?.path?.exact !== undefined) {
      rewrite.path = { type: 'ReplaceFullPath', replaceFullPath: rw.path.exact };
      b.report.mapped('MG0508', id, `${base}.action.rewrite.path`, '→ URLRewrite ReplaceFullPath');
    }
  } else {
    const prefix = h.match?.prefix ?? '/';
    const to = rw?.prefix?.value ?? (rw?.prefix?.defaultPrefix === 'DISABLED' ? undefined : '/');
    if (to !== undefined && prefix !== '/') {
      rewrite.path = { type: 'ReplacePrefixMatch', replacePrefixMatch: to };
      b.report.mapped('MG0508', id, `${base}.action.rewrite.prefix`, `matched prefix → ${to} (URLRewrite ReplacePrefixMatch)`);
    } else if (rw?.prefix) {
      b.report.mapped('MG0508', id, `${base}.action.rewrite.prefix`, 'nothing to rewrite');
    }
  }
  return Object.keys(rewrite).length ? [{ type: 'URLRewrite', urlRewrite: rewrite }] : [];
}

function convert(source: MigrationSource, opts: MigrateOptions, report: FidelityReport): Conversion {
  const s = source.snapshot;
  const model = new K8sModel(s, report, opts.namespace);
  const b = new Builder(s, model, report, opts.experimental ? 'experimental' : 'standard', opts);
  referenceEntries(report, s);
  report.manual('MG0101', ids.mesh(s), 'meshName',
    `no object stands for the mesh: install a Gateway API mesh implementation (GAMMA) and add the workloads of namespace ${model.namespace} to it`);
  meshSettings(report, s, {
    allowAll: 'traffic to Services without routes goes to the Service, as before',
    dropAll: 'Gateway API cannot block traffic to destinations outside the mesh: use the implementation\'s egress control (e.g. Istio outboundTrafficPolicy REGISTRY_ONLY)',
    defaults: 'routes have no request timeout or retries unless a rule sets them; App Mesh applied a 15 s request timeout and retried gateway errors',
    defaultsFidelity: 'manual',
  });
  nodeEntries(b);
  const served = new Set<string>();
  services(b, served);
  unusedRouters(b, served);
  const gateways = new Map<string, { ref: K8sRef; g: VirtualGatewayData }>();
  for (const g of s.virtualGateways) gateways.set(g.virtualGatewayName, { ref: gatewayDoc(b, g), g });
  gatewayRoutes(b, gateways);
  b.finishGrants();

  const routes = b.docs.filter((d) => d.body.kind !== 'Gateway' && d.body.kind !== 'ReferenceGrant').map((d) => d.body);
  const router = gatewayApiRouter(routes, {
    parentOf: (sample): Parent | undefined => {
      if (sample.via.kind === 'service') {
        return { kind: 'Service', ...model.serviceFront(sample.via.service).ref, port: sample.via.port };
      }
      const gw = gateways.get(sample.via.gateway);
      const l = gw?.g.spec.listeners?.find((x) => x.portMapping.port === sample.via.port);
      return gw && l ? { kind: 'Gateway', ...gw.ref, port: sample.via.port, sectionName: listenerName(l) } : undefined;
    },
    nodeOf: (ref, ns) => model.nodeOf(ref, ns),
    unattached: (_sample, parent): Outcome => {
      const node = parent.kind === 'Service' ? model.nodeOf(parent, parent.namespace) : undefined;
      return new Map(node ? [[node, 1]] : []);
    },
  });
  return { docs: b.docs, routers: [{ label: 'gateway-api', router }] };
}

export const gatewayApi: Target = {
  name: 'gateway-api',
  title: 'Gateway API (portable HTTPRoute/GRPCRoute)',
  steps: [
    { id: 'implementation', title: 'Install a Gateway API implementation', text: 'A GAMMA mesh implementation for east-west routes (and a Gateway controller for the Gateways), with the Gateway API CRDs of the channel used here.' },
    { id: 'routes', title: 'Apply the mesh routes', text: 'Routes attach to the Services clients call; check that every Service the report names (MG0004, MG0401) exists with the listener ports.' },
    { id: 'gateways', title: 'Apply the Gateways and their routes', text: 'Set gatewayClassName first (--gateway-class) and create the TLS Secrets the report names (MG0502).' },
    { id: 'shift', title: 'Move workloads namespace by namespace', text: 'Remove App Mesh sidecar injection from a namespace, add it to the new mesh, restart its pods; shift north-south traffic to the new Gateway with DNS or load balancer weights.' },
  ],
  convert,
};
