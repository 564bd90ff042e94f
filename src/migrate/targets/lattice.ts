// App Mesh → Amazon VPC Lattice (AWS's EKS migration guide and its sample): for the AWS Gateway API
// controller, the mesh becomes a Gateway of class amazon-vpc-lattice (a service network), each
// virtual service an HTTPRoute/GRPCRoute (a Lattice service under the virtual service name as its
// custom domain) whose rules are the router's routes in App Mesh's order (the controller gives
// rule i priority i+1) with weighted backendRefs, health checks a TargetGroupPolicy, and listener
// TLS an IAMAuthPolicy (the guide replaces mutual TLS with IAM auth). For users outside
// Kubernetes, the same as VPC Lattice API inputs (`aws vpc-lattice create-…`), with `${…}`
// placeholders for the ids the plan captures as it creates them. Lattice rules only forward:
// retries, timeouts, outlier detection and connection pools are lost; gateways have no
// counterpart.

import type { HeaderMatchRule, HealthCheckPolicy, MeshSnapshot, RouteData, VirtualNodeData, WeightedTarget } from '../../mesh/types';
import { routesForPort, ruleKind, targetsOf } from '../analysis';
import { dnsLabel, fileName, NameRegistry } from '../naming';
import { FidelityReport } from '../report';
import type { Sample } from '../samples';
import { ids, type MigrationSource } from '../source';
import type { Conversion, GeneratedDoc, MigrateOptions, Outcome, Target, TargetRouter } from '../target';
import { forEachClientPolicy, gatewaysUnsupported, meshSettings, referenceEntries } from './common';
import type { Caps, Json } from './gwapi-match';
import { weightsOf } from './gwapi-router';
import { backendRefs, onlyPort, ruleFor, type RouteKind, type RuleOptions } from './gwapi-rules';
import { K8sModel, type K8sRef } from './k8s';

const CONTROLLER = 'the AWS Gateway API controller';
const CAPS: Caps = { who: CONTROLLER, pathTypes: ['Exact', 'PathPrefix'], headerTypes: ['Exact'], queryParams: false, maxHeaders: 5, caseInsensitivePaths: true };
const LATTICE_API = 'vpc-lattice-2022-11-30';
const AWS_GROUP = 'application-networking.k8s.aws';
const NO_POLICIES = 'VPC Lattice rules only forward (or answer with a fixed status)';

const upper = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_|_$/g, '');

/** Names the Lattice API accepts: [a-z0-9-], no leading/trailing/double '-', 3..max, not starting with a reserved prefix. */
function latticeName(raw: string, max: number, reserved: string): string {
  let s = dnsLabel(raw, max);
  if (reserved && s.startsWith(reserved)) s = dnsLabel(`x-${s}`, max);
  while (s.length < 3) s = `${s}-x`.replace(/^-/, '');
  return s;
}

function seconds(ms: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(ms / 1000)));
}

interface Flavours {
  k8s: GeneratedDoc[];
  api: GeneratedDoc[];
}

class Builder {
  readonly docs: Flavours = { k8s: [], api: [] };
  readonly names = new NameRegistry();
  /** API placeholders of each node listener's target group. */
  readonly tgVar = new Map<string, string>();
  readonly tgNode = new Map<string, string>();
  /** The controller's route of each virtual service port. */
  readonly routes = new Map<string, Json>();

  constructor(readonly s: MeshSnapshot, readonly model: K8sModel, readonly report: FidelityReport, readonly network: string) {}

  k8s(apiVersion: string, kind: string, ns: string, name: string, spec: Json, from: string, step: string, file: string, dir: string): void {
    this.docs.k8s.push({
      path: `lattice/${dir}/${ns}/${name}`,
      body: { apiVersion, kind, metadata: this.model.meta(name, ns, from), spec },
      schema: { type: 'crd', file },
      step,
    });
  }

  api(path: string, operation: string, body: Json, step: string, captures?: string): void {
    this.docs.api.push({ path: `lattice-api/${path}`, body, schema: { type: 'botocore', model: LATTICE_API, operation }, step, ...(captures ? { captures } : {}) });
  }

  tg(node: string, port: number): string | undefined {
    return this.tgVar.get(`${node}:${port}`);
  }
}

function healthCheck(h: HealthCheckPolicy, protocol: string): { k8s: Json; api: Json; exact: boolean } {
  const interval = seconds(h.intervalMillis, 5, 300);
  const timeout = seconds(h.timeoutMillis, 1, 120);
  const http = h.protocol === 'http' || h.protocol === 'http2' || h.protocol === 'grpc';
  const version = h.protocol === 'http' ? 'HTTP1' : 'HTTP2';
  const common = { path: h.path ?? '/', ...(h.port ? { port: h.port } : {}) };
  const exact = h.intervalMillis % 1000 === 0 && h.timeoutMillis % 1000 === 0 && h.protocol !== 'grpc' && protocol !== 'tcp' && http;
  return {
    exact,
    k8s: {
      enabled: true, intervalSeconds: interval, timeoutSeconds: timeout, healthyThresholdCount: h.healthyThreshold,
      unhealthyThresholdCount: h.unhealthyThreshold, protocol: 'HTTP', protocolVersion: version, ...common,
    },
    api: {
      enabled: true, protocol: 'HTTP', protocolVersion: version, healthCheckIntervalSeconds: interval, healthCheckTimeoutSeconds: timeout,
      healthyThresholdCount: h.healthyThreshold, unhealthyThresholdCount: h.unhealthyThreshold, ...common,
    },
  };
}

/** Target groups: one TargetGroupPolicy per node Service, one API target group per listener. */
function nodes(b: Builder): void {
  const { s, report, model } = b;
  for (const n of s.virtualNodes) {
    const id = ids.node(s, n.virtualNodeName);
    const svc = model.nodeService(n.virtualNodeName)!;
    let policy: Json | undefined;
    (n.spec.listeners ?? []).forEach((l, i) => {
      const at = `spec.listeners[${i}]`;
      const { port, protocol } = l.portMapping;
      const tgName = latticeName(b.names.claim('tg', `${n.virtualNodeName}-${port}`, `${n.virtualNodeName}:${port}`, 120), 128, 'tg-');
      const variable = `TARGET_GROUP_ID_${upper(tgName)}`;
      b.tgVar.set(`${n.virtualNodeName}:${port}`, variable);
      b.tgNode.set(variable, n.virtualNodeName);
      const config: Json = {
        port, protocol: protocol === 'tcp' ? 'TCP' : 'HTTP', vpcIdentifier: '${VPC_ID}',
        ...(protocol === 'tcp' ? {} : { protocolVersion: protocol === 'grpc' ? 'GRPC' : protocol === 'http2' ? 'HTTP2' : 'HTTP1' }),
      };
      report.mapped('MG0201', id, `${at}.portMapping`, `→ target group ${tgName} (${String(config.protocol)} ${port}) / Service ${svc.namespace}/${svc.name} port ${port}`);
      const h = l.healthCheck;
      if (h) {
        const hc = healthCheck(h, protocol);
        config.healthCheck = hc.api;
        if (h.protocol === 'tcp') {
          report.lost('MG0202', id, `${at}.healthCheck`, 'VPC Lattice health checks are HTTP or HTTPS: the check runs as HTTP GET on the path');
        } else {
          report.add(hc.exact ? 'mapped' : 'approximated', 'MG0202', id, `${at}.healthCheck`, hc.exact
            ? '→ TargetGroupPolicy healthCheck / target group healthCheck'
            : '→ TargetGroupPolicy healthCheck: seconds, within Lattice\'s ranges, and gRPC checks as HTTP/2 GET on the path');
        }
        if (!policy) policy = { targetRef: { group: '', kind: 'Service', name: svc.name }, protocol: 'HTTP', protocolVersion: protocol === 'http' ? 'HTTP1' : 'HTTP2', healthCheck: hc.k8s };
        else report.approximated('MG0202', id, `${at}.healthCheck`, 'a TargetGroupPolicy applies to every port of the Service: the first listener\'s check is used');
      }
      b.api(`4-target-groups/${fileName(tgName)}`, 'CreateTargetGroup', { name: tgName, type: 'IP', config }, 'api', variable);
      if (l.outlierDetection) report.lost('MG0203', id, `${at}.outlierDetection`, `${NO_POLICIES}: no outlier detection; unhealthy targets leave through health checks only`);
      if (l.connectionPool) report.lost('MG0204', id, `${at}.connectionPool`, `${NO_POLICIES}: no connection limits`);
      if (l.timeout) report.lost('MG0205', id, `${at}.timeout`, `${NO_POLICIES}: no per-listener timeouts (a Lattice service has one idle timeout)`);
      if (l.tls) {
        if (l.tls.mode === 'DISABLED') report.mapped('MG0206', id, `${at}.tls`, 'TLS disabled');
        else {
          report.approximated('MG0206', id, `${at}.tls.mode`, `${l.tls.mode} → IAM auth (IAMAuthPolicy / PutAuthPolicy on the services this node provides); callers sign requests with SigV4, Lattice encrypts between VPCs`);
          report.approximated('MG0206', id, `${at}.tls.certificate`, 'Lattice terminates TLS with its own or an ACM certificate; this certificate is not used');
          if (l.tls.validation) report.approximated('MG0206', id, `${at}.tls.validation`, 'client identities are IAM principals in the auth policy instead of certificates');
        }
      }
    });
    if (policy) {
      const name = model.objectName('TargetGroupPolicy', svc.namespace, svc.name, n.virtualNodeName);
      b.k8s(`${AWS_GROUP}/v1alpha1`, 'TargetGroupPolicy', svc.namespace, name, policy, id, 'target-groups',
        'aws-gateway-api-controller/targetgrouppolicies.v1alpha1.json', 'targetgrouppolicies');
    }
    b.report.manual('MG0004', id, 'virtualNodeName', `register the node's pods or tasks in its target groups: the Gateway API controller does it for Service ${svc.namespace}/${svc.name}; outside Kubernetes, RegisterTargets (or ECS vpcLatticeConfigurations)`);
    const dns = n.spec.serviceDiscovery?.dns;
    if (dns?.responseType) report.approximated('MG0207', id, 'spec.serviceDiscovery.dns.responseType', 'Lattice balances across the registered targets');
    if (dns?.ipPreference) report.lost('MG0207', id, 'spec.serviceDiscovery.dns.ipPreference', 'the target group\'s ipAddressType decides the address family');
    (n.spec.backends ?? []).forEach((x, i) => {
      report.approximated('MG0208', id, `spec.backends[${i}]`, `calls ${x.virtualService?.virtualServiceName}: any client in a VPC associated with the service network can call any service; auth policies restrict who may`);
    });
    forEachClientPolicy(n.spec, (setting) => report.approximated('MG0209', id, setting, 'client TLS → HTTPS listeners and SigV4-signed requests (IAM auth); trust and SAN settings are not used'));
    if (n.spec.logging) report.manual('MG0210', id, 'spec.logging', 'Lattice access logs go to CloudWatch Logs, S3 or Firehose: add an AccessLogPolicy (or CreateAccessLogSubscription) on the service network');
  }
}

function headerApi(h: HeaderMatchRule): Json | undefined {
  const m = h.match;
  if (h.invert || !m) return undefined;
  if (m.exact !== undefined) return { name: h.name, match: { exact: m.exact }, caseSensitive: true };
  if (m.prefix !== undefined) return { name: h.name, match: { prefix: m.prefix }, caseSensitive: true };
  return undefined;
}

/** A route as a Lattice API rule match; undefined when Lattice cannot express it. */
function apiMatch(r: RouteData): Json | undefined {
  const kind = ruleKind(r);
  if (kind === 'grpcRoute') {
    const m = r.spec.grpcRoute!.match ?? {};
    const headers = (m.metadata ?? []).map(headerApi);
    if (headers.some((h) => !h) || headers.length > 5) return undefined;
    const path = m.serviceName && m.methodName ? { exact: `/${m.serviceName}/${m.methodName}` } : { prefix: m.serviceName ? `/${m.serviceName}/` : '/' };
    return { method: 'POST', pathMatch: { match: path, caseSensitive: true }, ...(headers.length ? { headerMatches: headers } : {}) };
  }
  if (kind !== 'httpRoute' && kind !== 'http2Route') return undefined;
  const m = r.spec[kind]!.match ?? {};
  if (m.path?.regex !== undefined || m.scheme || m.queryParameters?.length) return undefined;
  const headers = (m.headers ?? []).map(headerApi);
  if (headers.some((h) => !h) || headers.length > 5) return undefined;
  const path = m.path?.exact !== undefined ? { exact: m.path.exact } : { prefix: m.prefix ?? '/' };
  return { ...(m.method ? { method: m.method } : {}), pathMatch: { match: path, caseSensitive: true }, ...(headers.length ? { headerMatches: headers } : {}) };
}

function apiTargets(b: Builder, targets: WeightedTarget[]): Json[] {
  const out: Json[] = [];
  for (const t of targets) {
    const port = t.port ?? onlyPort(b.model)(t.virtualNode);
    const v = port === undefined ? undefined : b.tg(t.virtualNode, port);
    if (v) out.push({ targetGroupIdentifier: `\${${v}}`, weight: Math.min(999, Number(t.weight)) });
  }
  return out;
}

function ruleOptions(): RuleOptions {
  return {
    caps: CAPS,
    timeouts: false,
    retry: false,
    order: { fidelity: 'mapped', text: 'rules are listed in App Mesh\'s order and the controller gives rule i priority i+1 (the API inputs set the same priorities)' },
    noRetry: `${NO_POLICIES}: no retries`,
  };
}

interface ServicePlan {
  vs: string;
  id: string;
  port: number;
  protocol: string;
  serviceVar: string;
  listenerVar: string;
  auth: boolean;
}

function services(b: Builder, gateway: K8sRef, listenerNames: Map<string, string>, auth: Set<string>): ServicePlan[] {
  const { s, report, model } = b;
  const plans: ServicePlan[] = [];
  for (const vs of s.virtualServices) {
    const id = ids.service(s, vs.virtualServiceName);
    const p = vs.spec?.provider;
    const host = vs.virtualServiceName.toLowerCase();
    const router = p?.virtualRouter ? s.virtualRouters.find((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName) : undefined;
    const node = p?.virtualNode ? s.virtualNodes.find((n) => n.virtualNodeName === p.virtualNode!.virtualNodeName) : undefined;
    const listeners = (router?.spec.listeners ?? node?.spec.listeners ?? []).map((l) => l.portMapping);
    if (!router && !node) {
      if (p && !p.virtualNode && !p.virtualRouter) report.lost('MG0402', id, 'spec.provider', 'no provider: nothing serves this name');
      continue;
    }
    const providers = node ? [node] : [...new Set(s.routes.filter((r) => r.virtualRouterName === router!.virtualRouterName).flatMap((r) => targetsOf(r).map((t) => t.virtualNode)))]
      .map((n) => s.virtualNodes.find((x) => x.virtualNodeName === n)).filter((n): n is VirtualNodeData => !!n);
    const iam = providers.some((n) => (n.spec.listeners ?? []).some((l) => l.tls && l.tls.mode !== 'DISABLED'));
    for (const { port, protocol } of listeners) {
      if (protocol === 'tcp') {
        report.lost('MG0402', id, 'spec.provider', 'VPC Lattice services behind the Gateway API controller are HTTP, HTTPS or TLS passthrough: TCP services are not carried over');
        continue;
      }
      const many = listeners.length > 1;
      const kind: RouteKind = protocol === 'grpc' ? 'GRPCRoute' : 'HTTPRoute';
      const name = model.objectName(kind, model.namespace, many ? `${host.split('.')[0]}-${port}` : host.split('.')[0], `${vs.virtualServiceName}:${port}`);
      let rules: Json[];
      let apiRules: Array<{ match: Json; targets: Json[]; name: string }> = [];
      let apiDefault: Json[] | undefined;
      if (node) {
        rules = [{ backendRefs: backendRefs(model, [{ virtualNode: node.virtualNodeName, weight: 1, port }], model.namespace, onlyPort(model)) }];
        apiDefault = apiTargets(b, [{ virtualNode: node.virtualNodeName, weight: 1, port }]);
      } else {
        rules = [];
        const routes = routesForPort(s, router!, port);
        for (const r of routes) {
          const rid = ids.route(s, r.virtualRouterName, r.routeName);
          const rk = ruleKind(r);
          if (rk && r.spec[rk]!.match?.port !== undefined) report.mapped('MG0308', rid, `spec.${rk}.match.port`, `→ parentRef sectionName (listener ${port})`);
          const built = ruleFor(report, model, r, rid, model.namespace, ruleOptions(), `rule of HTTPRoute ${name}`, true);
          if (built && built.kind === kind) rules.push(built.rule);
          else if (built) report.lost('MG0312', rid, `spec.${rk}`, `a ${built.kind} cannot share a Lattice listener with ${kind}s: left out`);
          const m = apiMatch(r);
          if (m) apiRules.push({ match: m, targets: apiTargets(b, targetsOf(r)), name: r.routeName });
        }
        apiRules = apiRules.slice(0, 100);
      }
      const listener = listenerNames.get(`${protocol}-${port}`)!;
      const valid = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host);
      const spec: Json = { parentRefs: [{ name: gateway.name, sectionName: listener }], ...(valid ? { hostnames: [host] } : {}), rules };
      if (rules.length) {
        b.k8s('gateway.networking.k8s.io/v1', kind, model.namespace, name, spec, id, 'routes',
          `gateway-api/standard/${kind === 'GRPCRoute' ? 'grpcroutes' : 'httproutes'}.v1.json`, kind === 'GRPCRoute' ? 'grpcroutes' : 'httproutes');
        b.routes.set(`${vs.virtualServiceName}:${port}`, b.docs.k8s[b.docs.k8s.length - 1].body);
      }
      const callers = s.virtualNodes.filter((n) => (n.spec.backends ?? []).some((x) => x.virtualService?.virtualServiceName === vs.virtualServiceName));
      const policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { AWS: callers.length ? callers.map((c) => `arn:aws:iam::111122223333:role/${c.virtualNodeName}`) : ['arn:aws:iam::111122223333:root'] },
          Action: 'vpc-lattice-svcs:Invoke',
          Resource: '*',
        }],
      });
      if (iam && rules.length) {
        auth.add(name);
        const pname = model.objectName('IAMAuthPolicy', model.namespace, name, `${vs.virtualServiceName}:${port}`);
        b.k8s(`${AWS_GROUP}/v1alpha1`, 'IAMAuthPolicy', model.namespace, pname,
          { targetRef: { group: 'gateway.networking.k8s.io', kind, name }, policy }, id, 'auth', 'aws-gateway-api-controller/iamauthpolicies.v1alpha1.json', 'iamauthpolicies');
      }
      // The same service through the VPC Lattice API.
      const svcName = latticeName(b.names.claim('service', host.split('.')[0] + (many ? `-${port}` : ''), `${vs.virtualServiceName}:${port}`, 40), 40, 'svc-');
      const serviceVar = `SERVICE_ID_${upper(svcName)}`;
      const listenerVar = `LISTENER_ID_${upper(svcName)}_${port}`;
      b.api(`2-services/${fileName(svcName)}`, 'CreateService', { name: svcName, ...(valid ? { customDomainName: host } : {}), authType: iam ? 'AWS_IAM' : 'NONE' }, 'api', serviceVar);
      b.api(`3-associations/${fileName(svcName)}`, 'CreateServiceNetworkServiceAssociation', { serviceNetworkIdentifier: `\${SERVICE_NETWORK_ID_${upper(b.network)}}`, serviceIdentifier: `\${${serviceVar}}` }, 'api');
      const defaultAction = apiDefault?.length ? { forward: { targetGroups: apiDefault } } : { fixedResponse: { statusCode: 404 } };
      b.api(`5-listeners/${fileName(svcName)}-${port}`, 'CreateListener', {
        serviceIdentifier: `\${${serviceVar}}`, name: latticeName(`${protocol === 'grpc' ? 'https' : 'http'}-${port}`, 63, 'listener-'),
        protocol: protocol === 'grpc' ? 'HTTPS' : 'HTTP', port, defaultAction,
      }, 'api', listenerVar);
      apiRules.forEach((r, i) => {
        if (!r.targets.length) return;
        b.api(`6-rules/${fileName(svcName)}-${port}/${String(i + 1).padStart(3, '0')}-${fileName(r.name.toLowerCase())}`, 'CreateRule', {
          serviceIdentifier: `\${${serviceVar}}`, listenerIdentifier: `\${${listenerVar}}`,
          name: latticeName(b.names.claim(`rule:${svcName}:${port}`, r.name, r.name), 63, 'rule-'),
          priority: i + 1, match: { httpMatch: r.match }, action: { forward: { targetGroups: r.targets } },
        }, 'api');
      });
      if (iam) {
        b.api(`7-auth-policies/${fileName(svcName)}`, 'PutAuthPolicy', { resourceIdentifier: `\${${serviceVar}}`, policy }, 'auth');
      }
      plans.push({ vs: vs.virtualServiceName, id, port, protocol, serviceVar, listenerVar, auth: iam });
    }
    if (node) report.mapped('MG0402', id, 'spec.provider.virtualNode', `→ a Lattice service forwarding to virtual node ${node.virtualNodeName}'s target group`);
    else report.mapped('MG0402', id, 'spec.provider.virtualRouter', `→ a Lattice service whose rules are router ${router!.virtualRouterName}'s routes, in App Mesh's order`);
    if (listeners.some((l) => l.protocol !== 'tcp')) {
      report.manual('MG0401', id, 'virtualServiceName',
        `→ Lattice service with custom domain name ${host}: point a DNS CNAME for ${host} at the service's Lattice-assigned name (the HTTPRoute's lattice-assigned-domain-name annotation)`);
    }
    if (iam) report.manual('MG0208', id, 'spec.provider', 'IAM auth: the auth policy names the callers as IAM roles (arn:aws:iam::111122223333:role/<virtual node>); replace them with the roles of the callers\' pods or tasks, which must sign requests with SigV4');
  }
  return plans;
}

function routers(b: Builder, listenerNames: Map<string, string>): void {
  const { s, report } = b;
  for (const router of s.virtualRouters) {
    (router.spec.listeners ?? []).forEach((l, i) => {
      const name = listenerNames.get(`${l.portMapping.protocol}-${l.portMapping.port}`);
      report.add(name ? 'mapped' : 'lost', 'MG0301', ids.router(s, router.virtualRouterName), `spec.listeners[${i}]`,
        name ? `→ listener ${name} of the service network Gateway` : 'TCP: no Lattice listener through the controller');
    });
    if (s.virtualServices.some((v) => v.spec?.provider?.virtualRouter?.virtualRouterName === router.virtualRouterName)) continue;
    for (const r of s.routes.filter((x) => x.virtualRouterName === router.virtualRouterName)) {
      report.mapped('MG0302', ids.route(s, r.virtualRouterName, r.routeName), '', `no virtual service uses router ${router.virtualRouterName}: App Mesh sends it no traffic and nothing is generated`);
    }
  }
  for (const r of s.routes.filter((x) => !s.virtualRouters.some((v) => v.virtualRouterName === x.virtualRouterName))) {
    report.mapped('MG0302', ids.route(s, r.virtualRouterName, r.routeName), '', 'its router is not in the source: nothing is generated');
  }
  for (const r of s.routes) {
    const kind = ruleKind(r);
    if (kind === 'tcpRoute') report.lost('MG0312', ids.route(s, r.virtualRouterName, r.routeName), `spec.${kind}`, 'TCP is not routed by VPC Lattice services through the controller');
  }
}

// ---- routing read back --------------------------------------------------------------------------

function controllerRouter(b: Builder, routes: Map<string, Json>): TargetRouter {
  return {
    route(sample: Sample): Outcome | undefined {
      if (sample.via.kind !== 'service' || sample.protocol === 'tcp') return undefined;
      const route = routes.get(`${sample.via.service}:${sample.via.port}`);
      if (!route) return new Map();
      const ns = String((route.metadata as Json).namespace);
      const path = sample.path.split('?')[0];
      // Rule i has priority i+1; paths compare without regard to case, headers exactly.
      for (const rule of ((route.spec as Json).rules as Json[]) ?? []) {
        const m = ((rule.matches as Json[] | undefined) ?? [])[0];
        if (sample.protocol === 'grpc') {
          const method = (m?.method ?? {}) as Json;
          const [, svc = '', meth = ''] = path.split('/');
          if (method.service !== undefined && String(method.service).toLowerCase() !== svc.toLowerCase()) continue;
          if (method.method !== undefined && String(method.method).toLowerCase() !== meth.toLowerCase()) continue;
        } else if (m) {
          const pm = (m.path ?? { type: 'PathPrefix', value: '/' }) as Json;
          const ok = pm.type === 'Exact' ? path.toLowerCase() === String(pm.value).toLowerCase() : latticePrefix(String(pm.value), path, false);
          if (!ok || (m.method !== undefined && m.method !== sample.method)) continue;
        }
        if (((m?.headers as Json[] | undefined) ?? []).some((h) => sample.headers[String(h.name).toLowerCase()] !== h.value)) continue;
        return weightsOf(rule, ns, (ref, routeNs) => b.model.nodeOf(ref, routeNs));
      }
      return new Map();
    },
  };
}

/** Lattice prefix matching: the string prefix (not whole path segments), case-insensitive unless caseSensitive. */
function latticePrefix(prefix: string, path: string, caseSensitive: boolean): boolean {
  return caseSensitive ? path.startsWith(prefix) : path.toLowerCase().startsWith(prefix.toLowerCase());
}

function apiRouter(b: Builder, plans: ServicePlan[]): TargetRouter {
  const byVar = (v: string) => b.docs.api.filter((d) => d.captures === v)[0];
  const rulesOf = (listenerVar: string) => b.docs.api.filter((d) => d.schema.type === 'botocore' && d.schema.operation === 'CreateRule' && d.body.listenerIdentifier === `\${${listenerVar}}`)
    .sort((x, y) => Number(x.body.priority) - Number(y.body.priority));
  const outcome = (action: Json): Outcome => {
    const out: Outcome = new Map();
    const tgs = (((action.forward as Json | undefined)?.targetGroups as Json[] | undefined) ?? []).filter((t) => Number(t.weight ?? 1) > 0);
    const total = tgs.reduce((a, t) => a + Number(t.weight ?? 1), 0);
    for (const t of tgs) {
      const node = b.tgNode.get(String(t.targetGroupIdentifier).slice(2, -1));
      if (node) out.set(node, (out.get(node) ?? 0) + Number(t.weight ?? 1) / total);
    }
    return out;
  };
  return {
    route(sample: Sample): Outcome | undefined {
      if (sample.via.kind !== 'service' || sample.protocol === 'tcp') return undefined;
      const { service, port } = sample.via;
      const plan = plans.find((p) => p.vs === service && p.port === port);
      if (!plan) return new Map();
      const path = sample.path.split('?')[0];
      for (const rule of rulesOf(plan.listenerVar)) {
        const m = ((rule.body.match as Json).httpMatch ?? {}) as Json;
        if (m.method !== undefined && m.method !== sample.method) continue;
        const pm = (m.pathMatch as Json | undefined);
        if (pm) {
          const t = pm.match as Json;
          const cs = pm.caseSensitive === true;
          const ok = t.exact !== undefined ? (cs ? path === t.exact : path.toLowerCase() === String(t.exact).toLowerCase()) : latticePrefix(String(t.prefix), path, cs);
          if (!ok) continue;
        }
        const headersOk = ((m.headerMatches as Json[] | undefined) ?? []).every((h) => {
          const v = sample.headers[String(h.name).toLowerCase()];
          const hm = h.match as Json;
          if (v === undefined) return false;
          if (hm.exact !== undefined) return v === hm.exact;
          if (hm.prefix !== undefined) return v.startsWith(String(hm.prefix));
          return v.includes(String(hm.contains));
        });
        if (!headersOk) continue;
        return outcome(rule.body.action as Json);
      }
      return outcome((byVar(plan.listenerVar)?.body.defaultAction ?? {}) as Json);
    },
  };
}

function convert(source: MigrationSource, opts: MigrateOptions, report: FidelityReport): Conversion {
  const s = source.snapshot;
  const model = new K8sModel(s, report, opts.namespace);
  const network = latticeName(s.mesh.meshName, 63, '');
  const b = new Builder(s, model, report, network);
  referenceEntries(report, s);
  const meshId = ids.mesh(s);
  report.mapped('MG0101', meshId, 'meshName', `→ service network ${network} (Gateway ${model.namespace}/${network} of class amazon-vpc-lattice; CreateServiceNetwork)`);
  meshSettings(report, s, {
    allowAll: 'Lattice does not touch traffic to other destinations',
    dropAll: 'Lattice cannot block traffic to destinations outside the service network: use security groups and network ACLs',
    defaults: `${NO_POLICIES}: App Mesh's 15 s request timeout and default retries have no counterpart`,
    defaultsFidelity: 'lost',
  });

  // Listeners of the service network Gateway: one per protocol and port any service uses.
  const listenerNames = new Map<string, string>();
  const listenerDefs: Json[] = [];
  const ports = [
    ...s.virtualRouters.flatMap((r) => r.spec.listeners ?? []),
    ...s.virtualNodes.flatMap((n) => n.spec.listeners ?? []),
  ].map((l) => l.portMapping).filter((p) => p.protocol !== 'tcp');
  for (const p of ports.sort((x, y) => x.port - y.port || x.protocol.localeCompare(y.protocol))) {
    const key = `${p.protocol}-${p.port}`;
    if (listenerNames.has(key)) continue;
    const grpc = p.protocol === 'grpc';
    const name = `${grpc ? 'https' : 'http'}-${p.port}`;
    listenerNames.set(key, name);
    if (listenerDefs.some((l) => l.name === name)) continue;
    listenerDefs.push(grpc
      ? { name, port: p.port, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'unused' }] } }
      : { name, port: p.port, protocol: 'HTTP' });
  }
  const gateway = { namespace: model.namespace, name: network };
  b.k8s('gateway.networking.k8s.io/v1', 'Gateway', gateway.namespace, gateway.name, { gatewayClassName: 'amazon-vpc-lattice', listeners: listenerDefs.length ? listenerDefs : [{ name: 'http-80', port: 80, protocol: 'HTTP' }] },
    meshId, 'network', 'gateway-api/standard/gateways.v1.json', 'gateways');
  b.api(`1-service-network/${fileName(network)}`, 'CreateServiceNetwork', { name: network, authType: 'NONE' }, 'api', `SERVICE_NETWORK_ID_${upper(network)}`);

  nodes(b);
  const auth = new Set<string>();
  const plans = services(b, gateway, listenerNames, auth);
  if (plans.some((p) => p.auth)) {
    const sn = b.docs.api.find((d) => d.schema.type === 'botocore' && d.schema.operation === 'CreateServiceNetwork')!;
    sn.body.authType = 'AWS_IAM';
  }
  routers(b, listenerNames);
  gatewaysUnsupported(report, s, 'VPC Lattice has no ingress gateway: reach Lattice services from outside through an Application or Network Load Balancer (or API Gateway) in a VPC associated with the service network');

  return {
    docs: [...b.docs.k8s, ...b.docs.api],
    routers: [
      { label: 'lattice (Gateway API controller)', router: controllerRouter(b, b.routes) },
      { label: 'lattice (VPC Lattice API)', router: apiRouter(b, plans) },
    ],
  };
}

export const lattice: Target = {
  name: 'lattice',
  title: 'Amazon VPC Lattice (AWS Gateway API controller, or the VPC Lattice API)',
  steps: [
    { id: 'network', title: 'Install the AWS Gateway API controller and create the service network', text: 'The Gateway of class amazon-vpc-lattice is the service network; associate the cluster\'s VPC with it (the controller\'s DEFAULT_SERVICE_NETWORK does both).' },
    { id: 'target-groups', title: 'Health checks of the target groups', text: 'TargetGroupPolicies attach health checks to the Services that back the virtual nodes (MG0004 names them).' },
    { id: 'routes', title: 'Create the Lattice services', text: 'Each HTTPRoute/GRPCRoute becomes a Lattice service with the virtual service name as custom domain; rules keep App Mesh\'s order.' },
    { id: 'auth', title: 'IAM auth instead of mutual TLS', text: 'Put the callers\' IAM roles in the auth policies and make callers sign requests with SigV4 (the guide uses a SigV4 signing sidecar).' },
    { id: 'api', title: 'Outside Kubernetes: the same through the VPC Lattice API', text: 'In this order (the folders are numbered so); each `export` keeps an id that later files use through ${…} placeholders (envsubst). Then associate your VPC (create-service-network-vpc-association) and register the targets.' },
    { id: 'shift', title: 'Switch clients over', text: 'Point each virtual service name at its Lattice service (DNS CNAME to the assigned domain), remove App Mesh sidecar injection and restart the pods, namespace by namespace.' },
  ],
  convert,
};
