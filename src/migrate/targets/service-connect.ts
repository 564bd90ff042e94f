// App Mesh → Amazon ECS Service Connect (AWS's ECS migration guide): the mesh becomes a Cloud Map
// namespace; each virtual node an ECS service with a `serviceConnectConfiguration` (server role per
// listener, client role always), emitted as `aws ecs update-service` inputs and as CloudFormation
// AWS::ECS::Service fragments. Virtual services become client aliases. What Service Connect cannot
// express — weighted or conditional routing, tunable retries, outlier detection, connection
// pools, mutual TLS, gateways — is reported as lost, with the way AWS suggests doing it instead.

import { findVirtualNode } from '../../mesh/lookup';
import type { MeshSnapshot, NodeListener, PortProtocol, RouteData, VirtualNodeData } from '../../mesh/types';
import {
  describeWeights, heaviest, isCatchAll, routeMatchTopics, routesForPort, ruleKind, seconds, targetsOf,
} from '../analysis';
import { fileName, logicalId, NameRegistry } from '../naming';
import type { FidelityReport } from '../report';
import { ids, type MigrationSource } from '../source';
import type { Conversion, GeneratedDoc, MigrateOptions, Outcome, Target } from '../target';
import { clientPolicyEntries, gatewaysUnsupported, meshSettings, referenceEntries } from './common';

const ECS_MODEL = 'ecs-2014-11-13';
const CFN_SCHEMA = 'cloudformation/aws-ecs-service.json';
const APP_PROTOCOL: Record<PortProtocol, string | undefined> = { http: 'http', http2: 'http2', grpc: 'grpc', tcp: undefined };
const SPLIT_BY_HAND = 'By hand: shift between versions with an ECS blue/green deployment (header test traffic rules), '
  + 'or weight at the edge (ALB weighted target groups, Route 53 weighted records)';

interface ScService {
  portName: string;
  discoveryName: string;
  clientAliases?: Array<{ port: number; dnsName: string }>;
  timeout?: { perRequestTimeoutSeconds?: number; idleTimeoutSeconds?: number };
  tls?: { issuerCertificateAuthority: { awsPcaAuthorityArn: string } };
}

interface NodePlan {
  node: VirtualNodeData;
  id: string;
  ecsService: string;
  namespace: string;
  services: ScService[];
}

/** Cloud Map names Service Connect accepts for discoveryName/portName: letters, digits, '-', '_'; a letter first. */
function scName(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^[^A-Za-z]+/, '').slice(0, 64);
  return s || 'svc';
}

function discoveryBase(node: VirtualNodeData): string {
  const sd = node.spec.serviceDiscovery;
  if (sd?.awsCloudMap?.serviceName) return scName(sd.awsCloudMap.serviceName);
  if (sd?.dns?.hostname) return scName(sd.dns.hostname.split('.')[0].toLowerCase());
  return scName(node.virtualNodeName.toLowerCase());
}

function pcaOf(node: VirtualNodeData, s: MeshSnapshot, opts: MigrateOptions): string | undefined {
  if (opts.pcaArn) return opts.pcaArn;
  const arns = [
    ...(node.spec.listeners ?? []).flatMap((l) => l.tls?.validation?.trust?.acm?.certificateAuthorityArns ?? []),
    ...s.virtualNodes.flatMap((n) => [
      ...(n.spec.backendDefaults?.clientPolicy?.tls?.validation?.trust?.acm?.certificateAuthorityArns ?? []),
      ...(n.spec.backends ?? []).flatMap((b) => b.virtualService?.clientPolicy?.tls?.validation?.trust?.acm?.certificateAuthorityArns ?? []),
    ]),
  ];
  return arns.find((a) => a.startsWith('arn:') && a.includes(':acm-pca:'));
}

function listenerEntries(
  report: FidelityReport, s: MeshSnapshot, plan: NodePlan, l: NodeListener, i: number, opts: MigrateOptions,
): ScService {
  const { node, id } = plan;
  const at = `spec.listeners[${i}]`;
  const { port, protocol } = l.portMapping;
  const base = discoveryBase(node);
  const svc: ScService = { portName: scName(`${protocol}-${port}`), discoveryName: i === 0 ? base : scName(`${base}-${port}`) };
  const where = `ECS service ${plan.ecsService} serviceConnectConfiguration.services[${i}]`;
  const appProtocol = APP_PROTOCOL[protocol];
  report.manual('MG0201', id, `${at}.portMapping`,
    `port ${port}/${protocol} → Service Connect portName "${svc.portName}": name container port ${port} "${svc.portName}" in the task definition`
    + `${appProtocol ? ` with appProtocol ${appProtocol}` : ''}`, where);

  const t = l.timeout?.[protocol];
  if (t) {
    const timeout: NonNullable<ScService['timeout']> = {};
    const per = 'perRequest' in t ? seconds(t.perRequest) : undefined;
    const idle = seconds(t.idle);
    if (per && protocol !== 'tcp') timeout.perRequestTimeoutSeconds = per.value;
    if (idle) timeout.idleTimeoutSeconds = idle.value;
    if (Object.keys(timeout).length) svc.timeout = timeout;
    const exact = (!per || per.exact) && (!idle || idle.exact);
    report.add(exact ? 'mapped' : 'approximated', 'MG0205', id, `${at}.timeout`,
      exact ? '→ services[].timeout (seconds)' : '→ services[].timeout, rounded up to whole seconds (Service Connect counts in seconds)', where);
  }
  if (l.healthCheck) {
    report.manual('MG0202', id, `${at}.healthCheck`,
      'Service Connect has no active health checks: put the check in the task definition (container healthCheck) or on the load balancer target group');
  }
  if (l.outlierDetection) {
    report.lost('MG0203', id, `${at}.outlierDetection`,
      "Service Connect's proxy ejects failing tasks on its own and its outlier detection cannot be tuned (containers-roadmap #1963)");
  }
  if (l.connectionPool) report.lost('MG0204', id, `${at}.connectionPool`, 'Service Connect has no connection or request limits per service');
  if (l.tls) {
    const tlsAt = `${at}.tls`;
    if (l.tls.mode === 'DISABLED') {
      report.mapped('MG0206', id, tlsAt, 'TLS disabled: no tls block');
    } else {
      const pca = pcaOf(node, s, opts);
      if (pca) {
        svc.tls = { issuerCertificateAuthority: { awsPcaAuthorityArn: pca } };
        report.approximated('MG0206', id, `${tlsAt}.mode`,
          `${l.tls.mode} → services[].tls with AWS Private CA ${pca}: Service Connect encrypts every connection (no PERMISSIVE mode) and issues the certificates itself`, where);
      } else {
        report.manual('MG0206', id, `${tlsAt}.mode`,
          `${l.tls.mode}: Service Connect TLS needs an AWS Private CA; re-run with --pca-arn ARN (and give the ECS infrastructure role access to it)`);
      }
      report.approximated('MG0206', id, `${tlsAt}.certificate`,
        'Service Connect issues and rotates certificates from AWS Private CA; this certificate is not used (TLS with other CAs: containers-roadmap #2367)');
      if (l.tls.validation) {
        report.lost('MG0206', id, `${tlsAt}.validation`, 'Service Connect does not do mutual TLS: client certificates are not requested (containers-roadmap #2150)');
      }
    }
  }
  return svc;
}

function nodeEntries(report: FidelityReport, s: MeshSnapshot, plan: NodePlan, aliasOf: (vs: string) => string | undefined): void {
  const { node, id } = plan;
  report.approximated('MG0004', id, 'virtualNodeName',
    `→ ECS service ${plan.ecsService} (assumed to run this virtual node's tasks; rename in the files if it differs)`, `ECS service ${plan.ecsService}`);
  const sd = node.spec.serviceDiscovery;
  if (sd?.awsCloudMap) {
    report.mapped('MG0207', id, 'spec.serviceDiscovery.awsCloudMap.namespaceName', `→ namespace ${plan.namespace}`);
    report.mapped('MG0207', id, 'spec.serviceDiscovery.awsCloudMap.serviceName', '→ discoveryName');
    if (sd.awsCloudMap.attributes?.length) {
      report.lost('MG0207', id, 'spec.serviceDiscovery.awsCloudMap.attributes', 'Service Connect sends to every task of the discovery name; instance attribute filters cannot be expressed');
    }
    if (sd.awsCloudMap.ipPreference) report.lost('MG0207', id, 'spec.serviceDiscovery.awsCloudMap.ipPreference', 'Service Connect picks the address family itself');
  }
  if (sd?.dns) {
    report.approximated('MG0207', id, 'spec.serviceDiscovery.dns.hostname',
      `Service Connect registers the tasks in Cloud Map as "${plan.services[0]?.discoveryName ?? discoveryBase(node)}" in ${plan.namespace}; ${sd.dns.hostname} is not used by Service Connect clients (they call the client alias)`);
    if (sd.dns.responseType) report.approximated('MG0207', id, 'spec.serviceDiscovery.dns.responseType', 'Service Connect balances across the tasks itself');
    if (sd.dns.ipPreference) report.lost('MG0207', id, 'spec.serviceDiscovery.dns.ipPreference', 'Service Connect picks the address family itself');
  }
  (node.spec.backends ?? []).forEach((b, i) => {
    const name = b.virtualService?.virtualServiceName;
    if (!name) return;
    const owner = aliasOf(name);
    if (owner) report.mapped('MG0208', id, `spec.backends[${i}].virtualService.virtualServiceName`, `calls ${name} through the client alias of ECS service ${owner}`);
    else report.lost('MG0208', id, `spec.backends[${i}].virtualService.virtualServiceName`, `no Service Connect client alias serves ${name} (see its virtual service)`);
  });
  if (node.spec.backends?.length) {
    report.approximated('MG0208', id, 'spec.backends',
      `client role in ${plan.namespace}: the service can reach every client alias of the namespace, not only its listed backends`);
  }
  clientPolicyEntries(report, id, node.spec, {
    tls: 'Service Connect clients trust the namespace\'s Private CA when the server enables TLS; enforce, ports, SAN and trust settings cannot be set',
    fidelity: 'approximated',
  });
  const log = node.spec.logging?.accessLog?.file;
  if (log) {
    report.manual('MG0210', id, 'spec.logging',
      'Service Connect access logs go to the log driver of the Service Connect container: set serviceConnectConfiguration.logConfiguration and accessLogConfiguration (format TEXT or JSON); the file path and custom format are not kept');
  }
}

function ruleSettings(report: FidelityReport, id: string, r: RouteData, single: boolean, owner: string | undefined): void {
  const kind = ruleKind(r);
  if (!kind) return;
  const rule = r.spec[kind]!;
  const base = `spec.${kind}`;
  const targets = targetsOf(r);
  if (targets.length === 1) {
    report.mapped('MG0302', id, `${base}.action.weightedTargets`, `→ the client alias of ECS service ${targets[0].virtualNode}`);
  } else {
    report.lost('MG0302', id, `${base}.action.weightedTargets`,
      `Service Connect cannot split traffic between ECS services (${describeWeights(targets)})${owner ? `: the alias goes to ${owner} only` : ''}. ${SPLIT_BY_HAND}`);
  }
  for (const t of routeMatchTopics(rule.match as never, `${base}.match`)) {
    if (single && isCatchAll(r)) report.mapped(t.code, id, t.setting, 'matches every request, as Service Connect forwards every request');
    else report.lost(t.code, id, t.setting, 'Service Connect forwards every request to one service; it cannot route by path, header, method or port');
  }
  if ('retryPolicy' in rule && rule.retryPolicy) {
    report.manual('MG0309', id, `${base}.retryPolicy`,
      'Service Connect retries are fixed (twice, on connection failure or 503) and cannot be tuned: retry in the client where more is needed (containers-roadmap #1963)');
  }
  if (rule.timeout) {
    report.manual('MG0310', id, `${base}.timeout`,
      `Service Connect timeouts are set where the service is served: put them in services[].timeout of ${owner ?? 'the target ECS service'}`);
  }
  if (r.spec.priority !== undefined) {
    if (single) report.mapped('MG0311', id, 'spec.priority', 'one route: the order does not matter');
    else report.lost('MG0311', id, 'spec.priority', 'Service Connect has no routes to order');
  }
}

function pascalKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pascalKeys);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k[0].toUpperCase() + k.slice(1), pascalKeys(x)]));
}

function convert(source: MigrationSource, opts: MigrateOptions, report: FidelityReport): Conversion {
  const s = source.snapshot;
  const meshId = ids.mesh(s);
  const cloudMap = [...new Set(s.virtualNodes.map((n) => n.spec.serviceDiscovery?.awsCloudMap?.namespaceName).filter((n): n is string => !!n))].sort();
  const namespace = opts.namespace ?? (cloudMap.length === 1 ? cloudMap[0] : s.mesh.meshName);
  const docs: GeneratedDoc[] = [];
  const names = new NameRegistry();
  referenceEntries(report, s);

  const created = !cloudMap.includes(namespace);
  if (created) {
    docs.push({
      path: `service-connect/namespace/${fileName(namespace)}`,
      body: { Name: namespace, Description: `Service Connect namespace for App Mesh mesh ${s.mesh.meshName} (awsmesh migrate)` },
      schema: { type: 'awsmesh', service: 'servicediscovery', operation: 'CreateHttpNamespace' },
      step: 'namespace',
    });
  }
  report.mapped('MG0101', meshId, 'meshName', `→ Cloud Map namespace ${namespace}${created ? ' (an HTTP namespace to create)' : ' (the namespace the virtual nodes already use)'}`,
    `Cloud Map namespace ${namespace}`);
  meshSettings(report, s, {
    allowAll: 'Service Connect does not restrict outbound traffic',
    dropAll: 'Service Connect cannot block traffic to services outside the namespace: restrict egress with security groups or network ACLs',
    defaults: 'Service Connect applies its own defaults (per-request and idle timeouts, two retries on connection failure or 503); '
      + 'set services[].timeout where App Mesh\'s 15 s request and 300 s idle timeouts matter',
    defaultsFidelity: 'approximated',
  });

  const plans = new Map<string, NodePlan>();
  for (const node of s.virtualNodes) {
    const cm = node.spec.serviceDiscovery?.awsCloudMap?.namespaceName;
    const plan: NodePlan = {
      node,
      id: ids.node(s, node.virtualNodeName),
      ecsService: names.claim('ecs', node.virtualNodeName, node.virtualNodeName, 255),
      namespace: cm ?? namespace,
      services: [],
    };
    plan.services = (node.spec.listeners ?? []).map((l, i) => listenerEntries(report, s, plan, l, i, opts));
    plans.set(node.virtualNodeName, plan);
  }

  // Client aliases: a virtual service's name on the ECS service that provides it (a router's
  // heaviest target), one alias per served port — Service Connect allows one alias per port mapping.
  const aliasOwner = new Map<string, string>();
  const assign = (vs: string, clientPort: number, nodeName: string, targetPort: number | undefined): string | undefined => {
    const plan = plans.get(nodeName);
    const listeners = plan?.node.spec.listeners ?? [];
    const i = targetPort !== undefined ? listeners.findIndex((l) => l.portMapping.port === targetPort) : listeners.length === 1 ? 0 : listeners.findIndex((l) => l.portMapping.port === clientPort);
    const svc = plan && i >= 0 ? plan.services[i] : undefined;
    if (!plan || !svc) return `${nodeName} has no listener to serve port ${clientPort}`;
    if (svc.clientAliases?.length) return `ECS service ${plan.ecsService} already has the alias ${svc.clientAliases[0].dnsName}:${svc.clientAliases[0].port} on port ${svc.portName} (one alias per port)`;
    svc.clientAliases = [{ port: clientPort, dnsName: vs }];
    aliasOwner.set(vs, plan.ecsService);
    return undefined;
  };

  for (const vs of [...s.virtualServices].sort((a, b) => a.virtualServiceName.localeCompare(b.virtualServiceName))) {
    const id = ids.service(s, vs.virtualServiceName);
    const p = vs.spec?.provider;
    const problems: string[] = [];
    if (p?.virtualNode) {
      const node = findVirtualNode(s, p.virtualNode.virtualNodeName);
      if (!node) {
        report.lost('MG0401', id, 'virtualServiceName', 'no ECS service to carry the alias');
        continue;
      }
      for (const l of node.spec.listeners ?? []) {
        const why = assign(vs.virtualServiceName, l.portMapping.port, node.virtualNodeName, l.portMapping.port);
        if (why) problems.push(why);
      }
      report.mapped('MG0402', id, 'spec.provider.virtualNode', `→ ECS service ${plans.get(node.virtualNodeName)!.ecsService}`);
    } else if (p?.virtualRouter) {
      const router = s.virtualRouters.find((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName);
      if (!router) {
        report.lost('MG0401', id, 'virtualServiceName', 'no ECS service to carry the alias');
        continue;
      }
      let split = false;
      for (const l of router.spec.listeners ?? []) {
        const routes = routesForPort(s, router, l.portMapping.port);
        const first = routes[0];
        const target = first ? heaviest(targetsOf(first)) : undefined;
        if (!target) {
          problems.push(`no route of ${router.virtualRouterName} sends port ${l.portMapping.port} anywhere`);
          continue;
        }
        if (routes.length > 1 || targetsOf(first).length > 1) split = true;
        const why = assign(vs.virtualServiceName, l.portMapping.port, target.virtualNode, target.port);
        if (why) problems.push(why);
      }
      const owner = aliasOwner.get(vs.virtualServiceName);
      if (split) {
        report.lost('MG0402', id, 'spec.provider.virtualRouter',
          `Service Connect has no virtual routers: ${vs.virtualServiceName} resolves to one ECS service${owner ? ` (${owner}, the first route's heaviest target)` : ''}. ${SPLIT_BY_HAND}`);
      } else {
        report.approximated('MG0402', id, 'spec.provider.virtualRouter', `the router sends everything to one node: the alias goes straight to ECS service ${owner ?? '?'}`);
      }
    } else {
      report.lost('MG0402', id, 'spec.provider', 'no provider: nothing serves this name');
    }
    const owner = aliasOwner.get(vs.virtualServiceName);
    if (owner && !problems.length) report.mapped('MG0401', id, 'virtualServiceName', `→ client alias ${vs.virtualServiceName} on ECS service ${owner}`);
    else if (owner) report.approximated('MG0401', id, 'virtualServiceName', `→ client alias on ECS service ${owner}; not on every port: ${problems.join('; ')}`);
    else report.lost('MG0401', id, 'virtualServiceName', `no client alias: ${problems.join('; ') || 'no provider'}`);
  }

  for (const router of s.virtualRouters) {
    const id = ids.router(s, router.virtualRouterName);
    const routes = s.routes.filter((r) => r.virtualRouterName === router.virtualRouterName);
    (router.spec.listeners ?? []).forEach((l, i) => {
      report.approximated('MG0301', id, `spec.listeners[${i}]`, `port ${l.portMapping.port} → the port of the client alias (the router itself has no Service Connect counterpart)`);
    });
    const served = s.virtualServices.find((v) => v.spec?.provider?.virtualRouter?.virtualRouterName === router.virtualRouterName);
    const owner = served ? aliasOwner.get(served.virtualServiceName) : undefined;
    for (const r of routes) ruleSettings(report, ids.route(s, r.virtualRouterName, r.routeName), r, routes.length === 1, owner);
  }
  for (const r of s.routes) {
    if (!s.virtualRouters.some((x) => x.virtualRouterName === r.virtualRouterName)) ruleSettings(report, ids.route(s, r.virtualRouterName, r.routeName), r, true, undefined);
  }
  gatewaysUnsupported(report, s, 'Service Connect has no ingress gateway: put an Application Load Balancer (or API Gateway) in front of the ECS services; its listener rules take the place of the gateway routes');

  const ecsToNode = new Map<string, string>();
  for (const plan of [...plans.values()].sort((a, b) => a.node.virtualNodeName.localeCompare(b.node.virtualNodeName))) {
    nodeEntries(report, s, plan, (vs) => aliasOwner.get(vs));
    ecsToNode.set(plan.ecsService, plan.node.virtualNodeName);
    const config: Record<string, unknown> = { enabled: true, namespace: plan.namespace };
    if (plan.services.length) config.services = plan.services;
    const input: Record<string, unknown> = {};
    if (opts.cluster) input.cluster = opts.cluster;
    input.service = plan.ecsService;
    input.serviceConnectConfiguration = config;
    const file = fileName(plan.node.virtualNodeName);
    docs.push({ path: `service-connect/update-service/${file}`, body: input, schema: { type: 'botocore', model: ECS_MODEL, operation: 'UpdateService' }, step: 'services' });
    const properties: Record<string, unknown> = { ServiceConnectConfiguration: pascalKeys(config) };
    if (opts.cluster) properties.Cluster = opts.cluster;
    docs.push({
      path: `service-connect/cloudformation/${file}`,
      body: { Resources: { [`${logicalId(plan.ecsService)}Service`]: { Type: 'AWS::ECS::Service', Properties: properties } } },
      schema: { type: 'cloudformation', file: CFN_SCHEMA, resourceType: 'AWS::ECS::Service' },
      step: 'services',
    });
  }

  return { docs, routers: [{ label: 'service-connect', router: { route: (sample) => routeByAliases(docs, ecsToNode, sample) } }] };
}

/** Service Connect routing: the ECS service whose client alias is the name and port called. */
function routeByAliases(docs: GeneratedDoc[], ecsToNode: Map<string, string>, sample: import('../samples').Sample): Outcome | undefined {
  const out: Outcome = new Map();
  if (sample.via.kind !== 'service') return undefined;
  for (const d of docs) {
    if (d.schema.type !== 'botocore') continue;
    const cfg = d.body.serviceConnectConfiguration as { services?: ScService[] } | undefined;
    for (const svc of cfg?.services ?? []) {
      for (const a of svc.clientAliases ?? []) {
        if (a.dnsName === sample.via.service && a.port === sample.via.port) {
          const node = ecsToNode.get(String(d.body.service));
          if (node) out.set(node, 1);
          return out;
        }
      }
    }
  }
  return out;
}

export const serviceConnect: Target = {
  name: 'service-connect',
  title: 'Amazon ECS Service Connect',
  steps: [
    { id: 'namespace', title: 'Create the Cloud Map namespace', text: 'Service Connect services find each other through one Cloud Map namespace (skip when the virtual nodes already use it).' },
    {
      id: 'task-definitions',
      title: 'Prepare the task definitions',
      text: 'Name each container port mapping as the report says (MG0201) and set its appProtocol; in the copies for the new services, '
        + 'remove the Envoy container and the App Mesh proxyConfiguration.',
    },
    {
      id: 'services',
      title: 'Build the parallel environment: ECS services with Service Connect',
      text: 'An ECS service cannot be in an App Mesh mesh and a Service Connect namespace at once: create copies of the services '
        + '(or a new cluster) with these configurations and leave the App Mesh services running.',
    },
    { id: 'verify', title: 'Check and test', text: 'Validate the files (awsmesh migrate --check) and call every client alias from a task of the namespace.' },
    {
      id: 'shift',
      title: 'Shift traffic at the edge',
      text: 'Move traffic step by step from the App Mesh environment to the new one: Route 53 weighted records, ALB weighted target groups or CloudFront continuous deployment.',
    },
    { id: 'cutover', title: 'Cut over', text: 'Send all traffic to the Service Connect services, then scale the App Mesh services to zero.' },
  ],
  convert,
};
