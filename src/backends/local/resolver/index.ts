// The endpoint resolver the data plane uses: where each virtual node can be reached now.
//
//   registerProxyEndpoint / heartbeatProxyEndpoint / deregisterProxyEndpoint — a sidecar announces
//     its ingress socket for a node (stored as dataplane/endpoint rows; expired ones are ignored);
//   resolveEndpoints / resolveMeshEndpoints — a node's endpoints: live proxies, else Cloud Map
//     instances (attributes + health filtered) or a DNS hostname that resolves;
//   localEndpointResolver — the same, shaped as the xDS mesh source's EndpointResolver.

import type { MeshNodes } from '../../backend';
import type { Store } from '../store/store';
import { resolveMeshEndpoints, type ResolveOptions } from './resolve';
import type { Endpoint } from './types';

export type { Endpoint, EndpointSource, IpPreference, VirtualNodeRef } from './types';
export {
  registerProxyEndpoint, heartbeatProxyEndpoint, deregisterProxyEndpoint, listProxyEndpoints,
  type ProxyRegistration, type ProxyEndpointKey, type ProxyEndpointRecord,
} from './proxy-registry';
export { resolveEndpoints, resolveMeshEndpoints, type ResolveOptions, type NodeToResolve } from './resolve';
export { HostnameChecker, defaultHostnameChecker, type HostnameCheckerOptions, type LookupFn } from './dns';
export { instanceHost } from './cloudmap';

/**
 * An endpoint resolver over the local store for mesh snapshots (the xDS mesh source's
 * EndpointResolver shape). Nodes the snapshot does not contain get no entry.
 */
export function localEndpointResolver(store: Store, account: string, opts: ResolveOptions = {}) {
  return async (snapshot: MeshNodes, nodeNames: string[], ctx: { region: string }): Promise<Record<string, Endpoint[]>> => {
    const nodes = nodeNames.flatMap((name) => {
      const node = snapshot.virtualNodes.find((n) => n.virtualNodeName === name);
      return node ? [{ virtualNode: name, spec: node.spec }] : [];
    });
    return resolveMeshEndpoints(store, { account, region: ctx.region }, snapshot.mesh.meshName, nodes, {
      meshIpPreference: snapshot.mesh.spec?.serviceDiscovery?.ipPreference,
      ...opts,
    });
  };
}
