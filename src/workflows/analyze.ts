// Cross-resource analysis of a set of App Mesh resources (what `istioctl analyze` does for Istio):
// dangling references, weights, protocol and port mismatches, unreachable services, hostname case,
// and timeout combinations the data plane would reject or that defeat their purpose. Every rule
// reports with a stable code from findings.ts and only about declared (manifest) resources; live
// resources, when given, only complete the picture.

import { closest } from '../validation/messages';
import type { Finding, Severity } from './findings';
import { CODES, type Code } from './findings';
import { addressKey, describeAddress, type KindName } from './kinds';
import type { Resource } from './manifest';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export interface AnalyzeOptions {
  /** Live state was read, so a reference that is neither declared nor live is definitely missing. */
  liveChecked?: boolean;
}

const ROUTE_TYPES = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'] as const;
const ROUTE_PROTOCOL: Record<string, string> = { httpRoute: 'http', http2Route: 'http2', grpcRoute: 'grpc', tcpRoute: 'tcp' };
const HTTP_FAMILY = new Set(['http', 'http2', 'grpc']);
/** Envoy's route timeout when App Mesh's timeout.perRequest is not set (user guide, envoy-defaults). */
const DEFAULT_PER_REQUEST_MS = 15_000;

interface Listener {
  port?: number;
  protocol?: string;
  index: number;
}

function listeners(spec: Json): Listener[] {
  return arr(spec.listeners).map((l, index) => {
    const pm = obj(obj(l)?.portMapping);
    return { port: num(pm?.port), protocol: str(pm?.protocol), index };
  });
}

function durationMs(d: unknown): number | undefined {
  const o = obj(d);
  const value = num(o?.value);
  if (value === undefined) return undefined;
  return o?.unit === 'ms' ? value : value * 1000;
}

function fmtMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The set of resources analysed together, indexed by address. */
class Model {
  private byKey = new Map<string, Resource>();

  constructor(resources: Resource[]) {
    for (const r of resources) {
      const key = addressKey(r.address);
      // declared resources replace what is live
      if (!this.byKey.has(key) || r.origin === 'manifest') this.byKey.set(key, r);
    }
  }

  all(): Resource[] {
    return [...this.byKey.values()];
  }

  get(kind: KindName, mesh: string, name: string, container?: string): Resource | undefined {
    return this.byKey.get(addressKey({ kind, mesh, name: kind === 'Mesh' ? mesh : name, container }));
  }

  ofKind(kind: KindName, mesh: string): Resource[] {
    return this.all().filter((r) => r.address.kind === kind && r.address.mesh === mesh);
  }
}

class Reporter {
  readonly findings: Finding[] = [];

  add(r: Resource, code: Code, path: string, message: string, fix?: string, severity?: Severity): void {
    if (r.origin !== 'manifest') return;
    this.findings.push({
      code,
      severity: severity ?? CODES[code].severity,
      message,
      fix,
      file: r.file,
      line: r.line?.(path),
      path: (r.sourcePath ? r.sourcePath(path) : path) || undefined, // a template's own path for CloudFormation
      resource: describeAddress(r.address),
    });
  }
}

/** Runs every rule over `declared` (the manifests), with `context` (live resources) for lookups. */
export function analyze(declared: Resource[], context: Resource[] = [], opts: AnalyzeOptions = {}): Finding[] {
  const model = new Model([...context, ...declared]);
  const out = new Reporter();
  const missingSeverity: Severity | undefined = opts.liveChecked ? 'error' : undefined;
  const missingMeshes = new Set<string>();
  for (const r of model.all()) {
    if (r.origin !== 'manifest') continue;
    const a = r.address;
    if (a.kind !== 'Mesh' && !model.get('Mesh', a.mesh, a.mesh) && !missingMeshes.has(a.mesh)) {
      missingMeshes.add(a.mesh); // once per mesh, on its first resource
      out.add(r, 'AM0101', 'meshName', opts.liveChecked
        ? `Mesh ${a.mesh} is neither declared nor existing`
        : `Mesh ${a.mesh} is not declared here, so it must already exist`,
      `Declare it (kind: Mesh, meshName: ${a.mesh})${opts.liveChecked ? '' : ' or create it before applying'}`, missingSeverity);
    }
    switch (a.kind) {
      case 'VirtualNode':
        checkNode(model, out, r);
        break;
      case 'Route':
        checkRoute(model, out, r);
        break;
      case 'VirtualService':
        checkService(model, out, r);
        break;
      case 'VirtualGateway':
        checkListenerHealth(out, r);
        break;
      case 'GatewayRoute':
        checkGatewayRoute(model, out, r);
        break;
      default:
        break;
    }
  }
  return out.findings;
}

function checkNode(model: Model, out: Reporter, r: Resource): void {
  const spec = r.spec;
  const mesh = r.address.mesh;
  const services = model.ofKind('VirtualService', mesh).map((s) => s.address.name);
  arr(spec.backends).forEach((b, i) => {
    const name = str(obj(obj(b)?.virtualService)?.virtualServiceName);
    if (name === undefined || model.get('VirtualService', mesh, name)) return;
    const sameButCase = services.find((s) => s.toLowerCase() === name.toLowerCase());
    const guess = sameButCase ?? closest(name, services);
    out.add(r, 'AM0106', `spec.backends[${i}].virtualService.virtualServiceName`,
      `Backend ${name} is not a virtual service of mesh ${mesh}: calls to it will not be routed`,
      guess ? `Did you mean "${guess}"?${sameButCase ? ' Service names are matched case-sensitively.' : ''}` : `Declare the virtual service ${name} (kind: VirtualService)`);
  });
  const hostname = str(obj(obj(spec.serviceDiscovery)?.dns)?.hostname);
  if (hostname !== undefined) {
    const other = services.find((s) => s !== hostname && s.toLowerCase() === hostname.toLowerCase());
    if (other) {
      out.add(r, 'AM0401', 'spec.serviceDiscovery.dns.hostname',
        `DNS hostname ${hostname} differs only in letter case from virtual service ${other}`,
        `Spell both the same way (e.g. ${other}): tools that compare names exactly (Envoy virtual hosts, SANs, scripts) treat them as different`);
    }
  }
  checkListenerHealth(out, r);
}

function checkListenerHealth(out: Reporter, r: Resource): void {
  arr(r.spec.listeners).forEach((l, i) => {
    const hc = obj(obj(l)?.healthCheck);
    if (!hc) return;
    const base = `spec.listeners[${i}].healthCheck`;
    const timeout = num(hc.timeoutMillis);
    const interval = num(hc.intervalMillis);
    if (timeout !== undefined && interval !== undefined && timeout >= interval) {
      out.add(r, 'AM0501', `${base}.timeoutMillis`,
        `Health check timeout ${timeout} ms is not shorter than its interval ${interval} ms: checks overlap and a slow target is never reported in time`,
        `Use a timeoutMillis below intervalMillis (e.g. ${Math.max(2, Math.floor(interval / 2))})`);
    }
    if ((hc.protocol === 'http' || hc.protocol === 'http2') && !str(hc.path)) {
      out.add(r, 'AM0502', `${base}.path`,
        `An ${String(hc.protocol)} health check needs a path: Envoy rejects an HTTP health check without one`,
        'Add a path, e.g. "path": "/ping"');
    }
  });
}

/** The single route body of a (gateway) route spec and its type name. */
function routeBody(spec: Json, types: readonly string[]): { type: string; body: Json } | undefined {
  const present = types.filter((t) => obj(spec[t]));
  return present.length === 1 ? { type: present[0], body: obj(spec[present[0]])! } : undefined;
}

/** Route type vs listener protocols, match.port vs listener ports (routes and gateway routes). */
function checkRouteAgainstListeners(out: Reporter, r: Resource, type: string, body: Json, container: Resource, what: string): void {
  const ls = listeners(container.spec);
  const match = obj(body.match);
  const port = num(match?.port);
  const base = `spec.${type}`;
  const containerName = describeAddress(container.address);
  if (port === undefined && ls.length > 1) {
    out.add(r, 'AM0303', `${base}.match`,
      `${containerName} has ${ls.length} listeners (${ls.map((l) => l.port).join(', ')}), so the ${what} must match a port`,
      `Add "port": ${ls[0].port} (or another listener port) to ${base}.match`);
  }
  let relevant = ls;
  if (port !== undefined) {
    relevant = ls.filter((l) => l.port === port);
    if (ls.length > 0 && relevant.length === 0) {
      out.add(r, 'AM0304', `${base}.match.port`,
        `Port ${port} is not a listener port of ${containerName} (${ls.map((l) => l.port).join(', ')})`,
        `Use one of: ${ls.map((l) => l.port).join(', ')}`);
    }
  }
  const want = ROUTE_PROTOCOL[type];
  for (const l of relevant) {
    if (!l.protocol || l.protocol === want) continue;
    const tolerated = HTTP_FAMILY.has(want) && HTTP_FAMILY.has(l.protocol);
    const suggested = Object.keys(ROUTE_PROTOCOL).find((k) => ROUTE_PROTOCOL[k] === l.protocol);
    out.add(r, tolerated ? 'AM0301' : 'AM0302', base,
      tolerated
        ? `${type} on ${containerName}, whose listener on port ${l.port} speaks ${l.protocol}: App Mesh accepts it, but the route type should match the listener`
        : `${type} cannot carry the ${l.protocol} traffic of ${containerName}'s listener on port ${l.port}: no request will match this ${what}`,
      suggested ? `Use ${suggested} instead of ${type}` : undefined);
  }
}

function checkRoute(model: Model, out: Reporter, r: Resource): void {
  const a = r.address;
  const router = model.get('VirtualRouter', a.mesh, a.container!);
  if (!router) {
    const routers = model.ofKind('VirtualRouter', a.mesh).map((x) => x.address.name);
    const guess = closest(a.container!, routers);
    out.add(r, 'AM0102', 'virtualRouterName', `VirtualRouter ${a.container} does not exist in mesh ${a.mesh}`,
      guess ? `Did you mean "${guess}"?` : `Declare it (kind: VirtualRouter, virtualRouterName: ${a.container})`);
  }
  const found = routeBody(r.spec, ROUTE_TYPES);
  if (!found) return; // the schema check reports a spec without exactly one route type
  const { type, body } = found;
  if (router) checkRouteAgainstListeners(out, r, type, body, router, 'route');
  const targetsPath = `spec.${type}.action.weightedTargets`;
  const targets = arr(obj(body.action)?.weightedTargets).map((t) => obj(t) ?? {});
  const nodes = model.ofKind('VirtualNode', a.mesh).map((x) => x.address.name);
  targets.forEach((t, i) => {
    const name = str(t.virtualNode);
    if (name === undefined) return;
    const node = model.get('VirtualNode', a.mesh, name);
    const path = `${targetsPath}[${i}]`;
    if (!node) {
      const guess = closest(name, nodes);
      out.add(r, 'AM0103', `${path}.virtualNode`, `Weighted target ${name} is not a virtual node of mesh ${a.mesh}`,
        guess ? `Did you mean "${guess}"?` : `Declare the virtual node ${name} or remove the target`);
      return;
    }
    checkTargetPort(out, r, node, num(t.port), `${path}.port`, path);
  });
  checkWeights(out, r, targets, targetsPath);
  checkRetryBudget(out, r, body, `spec.${type}`);
}

/** A target's port against the listeners of the node (or router) traffic goes to. */
function checkTargetPort(out: Reporter, r: Resource, target: Resource, port: number | undefined, portPath: string, targetPath: string): void {
  const ls = listeners(target.spec);
  const name = describeAddress(target.address);
  if (ls.length === 0) {
    if (target.address.kind === 'VirtualNode') {
      out.add(r, 'AM0306', targetPath, `Traffic goes to ${name}, which has no listeners`, `Add a listener to ${name}`);
    }
    return;
  }
  const ports = ls.map((l) => l.port).join(', ');
  if (port === undefined && ls.length > 1) {
    out.add(r, 'AM0305', targetPath, `${name} has ${ls.length} listeners (${ports}), so the target must name a port`, `Add "port": ${ls[0].port}`);
  } else if (port !== undefined && !ls.some((l) => l.port === port)) {
    out.add(r, 'AM0305', portPath, `Port ${port} is not a listener port of ${name} (${ports})`, `Use one of: ${ports}`);
  }
}

function checkWeights(out: Reporter, r: Resource, targets: Json[], path: string): void {
  const weights = targets.map((t) => num(t.weight));
  if (weights.length === 0 || weights.some((w) => w === undefined)) return;
  const ws = weights as number[];
  const sum = ws.reduce((s, w) => s + w, 0);
  if (sum === 0) {
    out.add(r, 'AM0201', path, `All ${ws.length} weighted target${ws.length > 1 ? 's have' : ' has'} weight 0: the route sends traffic nowhere`,
      ws.length === 1 ? 'Give the target a weight such as 100' : 'Give at least one target a positive weight (weights are relative)');
    return;
  }
  if (ws.length < 2) return;
  const split = ws.map((w) => `${Math.round((w / sum) * 1000) / 10}%`).join(' / ');
  if (sum > 100) {
    out.add(r, 'AM0202', path, `Weights add up to ${sum}; they are relative, so the split is ${split}`,
      'If percentages were meant, make them add up to 100');
  } else if (sum !== 100 && new Set(ws).size > 1) {
    out.add(r, 'AM0203', path, `Weights add up to ${sum}, not 100; the effective split is ${split}`,
      'Make them add up to 100 to say the percentages explicitly');
  }
}

/** Retries whose total time exceeds the request timeout are cut off by it. */
function checkRetryBudget(out: Reporter, r: Resource, body: Json, base: string): void {
  const retry = obj(body.retryPolicy);
  if (!retry) return;
  const perRetry = durationMs(retry.perRetryTimeout);
  const retries = num(retry.maxRetries);
  if (perRetry === undefined || retries === undefined) return;
  const explicit = durationMs(obj(body.timeout)?.perRequest);
  const perRequest = explicit ?? DEFAULT_PER_REQUEST_MS;
  if (perRequest === 0) return; // 0 disables the request timeout
  const total = perRetry * (retries + 1);
  if (total > perRequest) {
    out.add(r, 'AM0503', `${base}.retryPolicy.perRetryTimeout`,
      `${retries + 1} attempts of ${fmtMs(perRetry)} need ${fmtMs(total)}, more than the ${explicit === undefined ? 'default ' : ''}per-request timeout of ${fmtMs(perRequest)}: later retries never run`,
      explicit === undefined
        ? `Set ${base}.timeout.perRequest to at least ${fmtMs(total)}, or lower perRetryTimeout/maxRetries`
        : `Raise timeout.perRequest to at least ${fmtMs(total)}, or lower perRetryTimeout/maxRetries`);
  }
}

function checkService(model: Model, out: Reporter, r: Resource): void {
  const a = r.address;
  const provider = obj(r.spec.provider);
  const nodeName = str(obj(provider?.virtualNode)?.virtualNodeName);
  const routerName = str(obj(provider?.virtualRouter)?.virtualRouterName);
  if (nodeName !== undefined) {
    const node = model.get('VirtualNode', a.mesh, nodeName);
    if (!node) {
      const guess = closest(nodeName, model.ofKind('VirtualNode', a.mesh).map((x) => x.address.name));
      out.add(r, 'AM0104', 'spec.provider.virtualNode.virtualNodeName', `Provider VirtualNode ${nodeName} does not exist in mesh ${a.mesh}`,
        guess ? `Did you mean "${guess}"?` : `Declare the virtual node ${nodeName}`);
    } else if (listeners(node.spec).length === 0) {
      out.add(r, 'AM0306', 'spec.provider.virtualNode', `Provider ${describeAddress(node.address)} has no listeners`, `Add a listener to ${describeAddress(node.address)}`);
    }
  }
  if (routerName !== undefined && !model.get('VirtualRouter', a.mesh, routerName)) {
    const guess = closest(routerName, model.ofKind('VirtualRouter', a.mesh).map((x) => x.address.name));
    out.add(r, 'AM0104', 'spec.provider.virtualRouter.virtualRouterName', `Provider VirtualRouter ${routerName} does not exist in mesh ${a.mesh}`,
      guess ? `Did you mean "${guess}"?` : `Declare the virtual router ${routerName}`);
  }
  const name = a.name;
  const asBackend = model.ofKind('VirtualNode', a.mesh).some((n) =>
    arr(n.spec.backends).some((b) => obj(obj(b)?.virtualService)?.virtualServiceName === name));
  const asTarget = model.ofKind('GatewayRoute', a.mesh).some((g) => {
    const found = routeBody(g.spec, ROUTE_TYPES);
    return obj(obj(obj(found?.body.action)?.target)?.virtualService)?.virtualServiceName === name;
  });
  if (!asBackend && !asTarget) {
    out.add(r, 'AM0107', 'virtualServiceName', `No virtual node lists ${name} as a backend and no gateway route targets it: nothing in the mesh can reach it`,
      'Add it to the backends of the virtual nodes that call it, or target it from a gateway route (ignore for services called only from outside the mesh)');
  }
}

function checkGatewayRoute(model: Model, out: Reporter, r: Resource): void {
  const a = r.address;
  const gateway = model.get('VirtualGateway', a.mesh, a.container!);
  if (!gateway) {
    const guess = closest(a.container!, model.ofKind('VirtualGateway', a.mesh).map((x) => x.address.name));
    out.add(r, 'AM0102', 'virtualGatewayName', `VirtualGateway ${a.container} does not exist in mesh ${a.mesh}`,
      guess ? `Did you mean "${guess}"?` : `Declare it (kind: VirtualGateway, virtualGatewayName: ${a.container})`);
  }
  const found = routeBody(r.spec, ['httpRoute', 'http2Route', 'grpcRoute']);
  if (!found) return;
  const { type, body } = found;
  if (gateway) checkRouteAgainstListeners(out, r, type, body, gateway, 'gateway route');
  const target = obj(obj(body.action)?.target);
  const serviceName = str(obj(target?.virtualService)?.virtualServiceName);
  if (serviceName === undefined) return;
  const targetPath = `spec.${type}.action.target`;
  const service = model.get('VirtualService', a.mesh, serviceName);
  if (!service) {
    const guess = closest(serviceName, model.ofKind('VirtualService', a.mesh).map((x) => x.address.name));
    out.add(r, 'AM0105', `${targetPath}.virtualService.virtualServiceName`, `Target virtual service ${serviceName} does not exist in mesh ${a.mesh}`,
      guess ? `Did you mean "${guess}"?` : `Declare the virtual service ${serviceName}`);
    return;
  }
  const provider = obj(service.spec.provider);
  const nodeName = str(obj(provider?.virtualNode)?.virtualNodeName);
  const routerName = str(obj(provider?.virtualRouter)?.virtualRouterName);
  const providerResource = nodeName !== undefined ? model.get('VirtualNode', a.mesh, nodeName)
    : routerName !== undefined ? model.get('VirtualRouter', a.mesh, routerName) : undefined;
  if (providerResource) checkTargetPort(out, r, providerResource, num(target?.port), `${targetPath}.port`, targetPath);
}

