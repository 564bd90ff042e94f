// The endpoint resolver: where a virtual node can be reached now. Registered sidecar proxies come
// first (traffic to a node goes through its proxy); without one, the node's service discovery
// answers — Cloud Map instances or a DNS hostname that resolves.

import type { MeshNodes, NodeDiscoverySpec } from '../../backend';
import { KINDS, dataOf } from '../appmesh/kinds';
import { getResource, requireResource } from '../appmesh/lookups';
import { findServiceInstances } from '../servicediscovery/discovery';
import type { Partition, Store, StoreTx } from '../store/store';
import { cloudMapEndpoints } from './cloudmap';
import { defaultHostnameChecker, familyFor, type HostnameChecker } from './dns';
import { liveProxyRecords, proxyEndpoint } from './proxy-registry';
import type { Endpoint, IpPreference, VirtualNodeRef } from './types';

export interface ResolveOptions {
  /** 'prefer-proxy' (default): live proxies if any, else service discovery. 'all': both, proxies first. */
  mode?: 'prefer-proxy' | 'all';
  /** Also return Cloud Map instances reported UNHEALTHY (with healthy: false). */
  includeUnhealthy?: boolean;
  /** Port for DNS hostnames and for instances without AWS_INSTANCE_PORT (default: the node's first listener). */
  listenerPort?: number;
  /** Epoch seconds, for proxy registration expiry. */
  now?: number;
  hostnames?: HostnameChecker;
  /** The mesh's spec.serviceDiscovery.ipPreference when the caller has the mesh (default: read from the store). */
  meshIpPreference?: string;
}

export interface NodeToResolve {
  virtualNode: string;
  /** The node's spec when the caller has it (e.g. from a mesh snapshot); otherwise read from the store. */
  spec?: NodeDiscoverySpec;
}

interface Pending {
  name: string;
  proxies: Endpoint[];
  cloudMap: Endpoint[];
  dns?: { hostname: string; port: number; family: 0 | 4 | 6 };
}

/** Endpoints of one virtual node. Throws App Mesh's NotFoundException when the node does not exist. */
export async function resolveEndpoints(
  store: Store, partition: Partition, node: VirtualNodeRef & { spec?: NodeDiscoverySpec }, opts: ResolveOptions = {},
): Promise<Endpoint[]> {
  const all = await resolveMeshEndpoints(store, partition, node.mesh, [{ virtualNode: node.virtualNode, spec: node.spec }], opts);
  return all[node.virtualNode];
}

/** Endpoints of several nodes of one mesh, read in a single store transaction. */
export async function resolveMeshEndpoints(
  store: Store, partition: Partition, mesh: string, nodes: NodeToResolve[], opts: ResolveOptions = {},
): Promise<Record<string, Endpoint[]>> {
  const now = opts.now ?? Date.now() / 1000;
  const pending = await store.read(partition, async (tx) => {
    const meshPreference = (opts.meshIpPreference as IpPreference | undefined) ?? (await meshIpPreference(tx, mesh));
    const out: Pending[] = [];
    for (const n of nodes) {
      const spec = n.spec ?? (await nodeSpec(tx, partition, mesh, n.virtualNode));
      out.push(await discover(tx, { mesh, virtualNode: n.virtualNode }, spec, meshPreference, now, opts));
    }
    return out;
  });
  // DNS lookups happen outside the transaction: they may take a while.
  const checker = opts.hostnames ?? defaultHostnameChecker;
  const result: Record<string, Endpoint[]> = {};
  await Promise.all(pending.map(async (p) => {
    const dns: Endpoint[] = [];
    if (p.dns && (await checker.resolves(p.dns.hostname, p.dns.family))) {
      dns.push({ host: p.dns.hostname, port: p.dns.port, healthy: true, source: 'dns' });
    }
    const discovered = [...p.cloudMap, ...dns];
    result[p.name] = opts.mode === 'all' ? [...p.proxies, ...discovered] : p.proxies.length > 0 ? p.proxies : discovered;
  }));
  return result;
}

async function nodeSpec(tx: StoreTx, partition: Partition, mesh: string, name: string): Promise<NodeDiscoverySpec> {
  const row = await requireResource(tx, KINDS.VirtualNode, { mesh, name }, partition.account);
  return dataOf(row).spec as NodeDiscoverySpec;
}

async function meshIpPreference(tx: StoreTx, mesh: string): Promise<IpPreference | undefined> {
  const row = await getResource(tx, KINDS.Mesh, { mesh, name: mesh });
  const spec = row ? (dataOf(row).spec as MeshNodes['mesh']['spec']) : undefined;
  return spec?.serviceDiscovery?.ipPreference as IpPreference | undefined;
}

async function discover(
  tx: StoreTx, node: VirtualNodeRef, spec: NodeDiscoverySpec, meshPreference: IpPreference | undefined,
  now: number, opts: ResolveOptions,
): Promise<Pending> {
  const proxies = (await liveProxyRecords(tx, node, now)).map(proxyEndpoint);
  const p: Pending = { name: node.virtualNode, proxies, cloudMap: [] };
  // With a live proxy and no request for everything, service discovery is not consulted.
  if (proxies.length > 0 && opts.mode !== 'all') return p;

  const port = opts.listenerPort ?? spec.listeners?.[0]?.portMapping?.port;
  const cm = spec.serviceDiscovery?.awsCloudMap;
  const dns = spec.serviceDiscovery?.dns;
  if (cm) {
    const found = await findServiceInstances(tx, cm.namespaceName, cm.serviceName);
    // A missing namespace or service means no endpoints, as App Mesh would serve.
    if (!('missing' in found)) {
      const preference = (cm.ipPreference as IpPreference | undefined) ?? meshPreference;
      p.cloudMap = cloudMapEndpoints(found, cm, port, preference, opts.includeUnhealthy);
    }
  } else if (dns?.hostname && port !== undefined) {
    const preference = (dns.ipPreference as IpPreference | undefined) ?? meshPreference;
    p.dns = { hostname: dns.hostname, port, family: familyFor(preference) };
  }
  return p;
}
