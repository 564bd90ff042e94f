// App Mesh's semantic rules beyond the JSON Schema: references that must exist, port-match rules
// for multiple listeners, reserved gateway-route names, per-spec quotas, and what blocks a delete.
// Each rule cites the documented behaviour it follows (shared/reference/appmesh-api.md §1.3,
// userguide/routes.md, gateway-routes.md); undocumented checks (route protocol vs listener
// protocol, weights summing to 100) are deliberately not enforced, as App Mesh accepted those.

import type { StoredResource, StoreTx } from '../store/store';
import { appMeshError, badRequest } from './errors';
import { KINDS, SERVICE, addressOf, arnOf, dataOf, kindOfStored, storeParent, type Address, type KindInfo, type Where } from './kinds';
import { getResource, missingReference } from './lookups';
import { quotaEnvName, type QuotaName, type Quotas } from './quotas';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Ports of a spec's listeners (virtual node, router or gateway). */
function listenerPorts(spec: Json | undefined): number[] {
  return arr(spec?.listeners)
    .map((l) => obj(obj(l)?.portMapping)?.port)
    .filter((p): p is number => typeof p === 'number');
}

export function limitExceeded(quota: QuotaName, limit: number, what: string): Error {
  return appMeshError(
    'LimitExceededException',
    `${what} would exceed the limit of ${limit}.`,
    `awsmesh: the local quota ${quota} can be raised in $AWSMESH_HOME/config.json ({"quotas": {"${quota}": N}}) or with ${quotaEnvName(quota)}=N.`,
  );
}

const ROUTE_KINDS = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'] as const;
const GATEWAY_ROUTE_KINDS = ['httpRoute', 'http2Route', 'grpcRoute'] as const;

/** The single route body of a (gateway) route spec, e.g. spec.http2Route. */
function routeBody(spec: Json, kinds: readonly string[]): Json {
  const present = kinds.filter((k) => spec[k] !== undefined);
  if (present.length !== 1) {
    throw badRequest(`The spec must contain exactly one of ${kinds.join(', ')}.`);
  }
  return obj(spec[present[0]]) ?? {};
}

/** userguide routes.md / gateway-routes.md: "Port match is required if this … has multiple listeners". */
function checkPortMatch(kind: 'Route' | 'GatewayRoute', container: 'Virtual Router' | 'Virtual Gateway', port: unknown, ports: number[]): void {
  if (port === undefined) {
    if (ports.length > 1) throw badRequest(`${kind} must define a port match criteria if the ${container} has multiple listeners`);
    return;
  }
  if (ports.length > 0 && !ports.includes(port as number)) {
    throw badRequest(`${kind} match port ${String(port)} does not match any listener port of the ${container} (${ports.join(', ')})`);
  }
}

/**
 * Validates a spec about to be stored and returns the ARNs it references (for ResourceInUse
 * checks later). `container` is the router or gateway of a (gateway) route.
 */
export async function checkSpec(
  tx: StoreTx, w: Where, d: KindInfo, a: Address, spec: Json, quotas: Quotas, container?: StoredResource,
): Promise<string[]> {
  switch (d.kind) {
    case 'VirtualNode': {
      const backends = arr(spec.backends).length;
      if (backends > quotas.backendsPerVirtualNode) {
        throw limitExceeded('backendsPerVirtualNode', quotas.backendsPerVirtualNode, `${backends} backends on VirtualNode ${a.name}`);
      }
      return []; // backends are not validated: App Mesh allows cycles between services
    }
    case 'VirtualService': {
      const provider = obj(spec.provider);
      const node = obj(provider?.virtualNode)?.virtualNodeName;
      const router = obj(provider?.virtualRouter)?.virtualRouterName;
      if (typeof node === 'string') return [await referenced(tx, w, KINDS.VirtualNode, a.mesh, node)];
      if (typeof router === 'string') return [await referenced(tx, w, KINDS.VirtualRouter, a.mesh, router)];
      return [];
    }
    case 'Route':
      return checkRoute(tx, w, a, spec, quotas, container!);
    case 'GatewayRoute':
      return checkGatewayRoute(tx, w, a, spec, container!);
    default:
      return [];
  }
}

/** The ARN of a resource another one names; NotFound ("… is missing") when it does not exist. */
async function referenced(tx: StoreTx, w: Where, d: KindInfo, mesh: string, name: string): Promise<string> {
  const a = { mesh, name };
  if (!(await getResource(tx, d, a))) throw missingReference(d.kind, name);
  return arnOf(w, d, a);
}

async function checkRoute(tx: StoreTx, w: Where, a: Address, spec: Json, quotas: Quotas, router: StoredResource): Promise<string[]> {
  const body = routeBody(spec, ROUTE_KINDS);
  checkPortMatch('Route', 'Virtual Router', obj(body.match)?.port, listenerPorts(dataOf(router).spec));
  const targets = arr(obj(body.action)?.weightedTargets).map((t) => obj(t) ?? {});
  if (targets.length > quotas.weightedTargetsPerRoute) {
    throw limitExceeded('weightedTargetsPerRoute', quotas.weightedTargetsPerRoute, `${targets.length} weighted targets on Route ${a.name}`);
  }
  const refs = new Set<string>();
  for (const t of targets) {
    const name = String(t.virtualNode);
    const node = await getResource(tx, KINDS.VirtualNode, { mesh: a.mesh, name });
    if (!node) throw missingReference('VirtualNode', name);
    // routes.md: "If the selected virtual node has multiple listeners, Target port is required".
    const ports = listenerPorts(dataOf(node).spec);
    if (t.port === undefined && ports.length > 1) {
      throw badRequest(`Weighted target VirtualNode ${name} has multiple listeners, so the target must define a port`);
    }
    if (t.port !== undefined && ports.length > 0 && !ports.includes(t.port as number)) {
      throw badRequest(`Weighted target port ${String(t.port)} does not match any listener port of VirtualNode ${name} (${ports.join(', ')})`);
    }
    refs.add(node.arn);
  }
  return [...refs];
}

const RESERVED_PREFIXES = ['/aws-appmesh', '/aws-app-mesh'];
const RESERVED_GRPC_SERVICE = /^aws\.(app-mesh|appmesh)/i;

async function checkGatewayRoute(tx: StoreTx, w: Where, a: Address, spec: Json, gateway: StoredResource): Promise<string[]> {
  const body = routeBody(spec, GATEWAY_ROUTE_KINDS);
  const match = obj(body.match) ?? {};
  checkPortMatch('GatewayRoute', 'Virtual Gateway', match.port, listenerPorts(dataOf(gateway).spec));
  // gateway-routes.md: these prefixes and gRPC service names are reserved for App Mesh.
  for (const path of [match.prefix, obj(match.path)?.exact]) {
    if (typeof path === 'string' && RESERVED_PREFIXES.some((p) => path.toLowerCase().startsWith(p))) {
      throw badRequest(`${path} is not allowed: prefixes starting with /aws-appmesh or /aws-app-mesh are reserved by App Mesh`);
    }
  }
  if (typeof match.serviceName === 'string' && RESERVED_GRPC_SERVICE.test(match.serviceName)) {
    throw badRequest(`Service name ${match.serviceName} is not allowed: aws.app-mesh* and aws.appmesh* are reserved by App Mesh`);
  }
  const target = obj(obj(body.action)?.target);
  const service = obj(target?.virtualService)?.virtualServiceName;
  return typeof service === 'string' ? [await referenced(tx, w, KINDS.VirtualService, a.mesh, service)] : [];
}

/**
 * A router's or gateway's new listeners must still fit its routes (the service refuses an update
 * that would leave a route without a valid port match: "All Routes for this Virtual Router m…").
 */
export async function checkListenersFitRoutes(tx: StoreTx, d: KindInfo, a: Address, spec: Json): Promise<void> {
  const child = d.kind === 'VirtualRouter' ? KINDS.Route : d.kind === 'VirtualGateway' ? KINDS.GatewayRoute : undefined;
  if (!child) return;
  const ports = listenerPorts(spec);
  const routes = await tx.list(SERVICE, child.outputKey, storeParent(child, { mesh: a.mesh, container: a.name, name: '' }));
  const label = d.kind === 'VirtualRouter' ? 'Virtual Router' : 'Virtual Gateway';
  for (const r of routes) {
    const body = routeBody(dataOf(r).spec, child.kind === 'Route' ? ROUTE_KINDS : GATEWAY_ROUTE_KINDS);
    const port = obj(body.match)?.port;
    if (port === undefined && ports.length > 1) {
      throw badRequest(`All ${child.plural} for this ${label} must define a port match criteria if the ${label} has multiple listeners (${r.name} does not)`);
    }
    if (port !== undefined && ports.length > 0 && !ports.includes(port as number)) {
      throw badRequest(`${child.kind} ${r.name} matches port ${String(port)}, which is not a listener port of this ${label}`);
    }
  }
}

/** Children that must be deleted before a mesh, in the order a user would delete them. */
const MESH_CHILDREN = [KINDS.VirtualGateway, KINDS.VirtualService, KINDS.VirtualRouter, KINDS.VirtualNode];

/** ResourceInUseException when something still depends on the resource (appmesh-api.md §1.3). */
export async function checkDelete(tx: StoreTx, account: string, d: KindInfo, a: Address, r: StoredResource): Promise<void> {
  const inUse = (message: string) => appMeshError('ResourceInUseException', message);
  if (d.kind === 'Mesh') {
    for (const child of MESH_CHILDREN) {
      if ((await tx.count(SERVICE, child.outputKey, a.mesh)) > 0) {
        throw inUse(`Mesh ${a.mesh} for account ${account} has active ${child.plural}, please delete ${child.plural} before deleting the Mesh`);
      }
    }
    return;
  }
  const children = d.kind === 'VirtualRouter' ? KINDS.Route : d.kind === 'VirtualGateway' ? KINDS.GatewayRoute : undefined;
  if (children && (await tx.count(SERVICE, children.outputKey, `${a.mesh}/${a.name}`)) > 0) {
    throw inUse(`${d.kind} ${a.name} in mesh ${a.mesh} has active ${children.plural}, please delete ${children.plural} before deleting the ${d.kind}`);
  }
  const referrers: StoredResource[] = [];
  for (const arn of await tx.referrers(r.arn)) {
    const ref = await tx.getByArn(arn);
    if (ref) referrers.push(ref);
  }
  if (referrers.length === 0) return;
  if (referrers.some((x) => x.kind === 'virtualService')) {
    throw inUse(`${d.kind} with name ${a.name} cannot be deleted because it is a VirtualService provider`);
  }
  const groups = new Map<string, string[]>();
  for (const x of referrers) {
    const xd = kindOfStored(x);
    const xa = addressOf(xd, x);
    const label = xd.outputKey.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase(); // gatewayRoute → GATEWAY_ROUTE
    groups.set(label, [...(groups.get(label) ?? []), xa.container ? `${xa.container}/${xa.name}` : xa.name]);
  }
  const list = [...groups].map(([label, names]) => `${label}: [${names.join(', ')}]`).join(', ');
  throw inUse(`${d.kind} ${a.name} is being referenced in the following: ${list}`);
}
