// The Kubernetes side shared by the lattice, gateway-api and istio targets: which Service stands
// for a virtual node (its DNS hostname when that is a cluster name, otherwise a Service named
// after it in --namespace, or in the namespace of the nodes' cluster names), which name clients use for a virtual service, and object metadata
// with stable, unique names. Every assumption is a report entry (MG0004).

import type { MeshSnapshot, VirtualNodeData } from '../../mesh/types';
import { dnsLabel, NameRegistry, serviceLabel } from '../naming';
import type { FidelityReport } from '../report';
import { ids } from '../source';

export interface K8sRef {
  namespace: string;
  name: string;
}

const CLUSTER_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?\.?$/;

/** `name.namespace.svc[.cluster.local]` → the Service it names. */
export function clusterService(host: string | undefined): K8sRef | undefined {
  const m = host ? CLUSTER_NAME.exec(host.toLowerCase()) : null;
  return m ? { name: m[1], namespace: m[3] } : undefined;
}

export function fqdn(ref: K8sRef): string {
  return `${ref.name}.${ref.namespace}.svc.cluster.local`;
}

/**
 * The one namespace the nodes' cluster DNS names share (controller manifests put a mesh in its
 * own namespace): what the source does not place goes there too, so short virtual service names
 * (`yelb-ui`) mean the Services clients in that namespace reach.
 */
function nodesNamespace(s: MeshSnapshot): string | undefined {
  const found = new Set(s.virtualNodes.map((n) => clusterService(n.spec.serviceDiscovery?.dns?.hostname)?.namespace).filter((x) => x !== undefined));
  return found.size === 1 ? [...found][0] : undefined;
}

/** The annotation that says which App Mesh resource an object came from. */
export const FROM_ANNOTATION = 'awsmesh/migrated-from';

export class K8sModel {
  readonly namespace: string;
  private readonly names = new NameRegistry();
  private readonly nodeServices = new Map<string, K8sRef>();

  constructor(
    readonly s: MeshSnapshot,
    private readonly report: FidelityReport,
    namespace: string | undefined,
  ) {
    this.namespace = dnsLabel(namespace ?? nodesNamespace(s) ?? 'default');
    for (const n of [...s.virtualNodes].sort((a, b) => a.virtualNodeName.localeCompare(b.virtualNodeName))) this.placeNode(n);
  }

  private placeNode(n: VirtualNodeData): void {
    const id = ids.node(this.s, n.virtualNodeName);
    const sd = n.spec.serviceDiscovery;
    const known = clusterService(sd?.dns?.hostname);
    if (known) {
      this.names.claim(`Service/${known.namespace}`, known.name, n.virtualNodeName);
      this.nodeServices.set(n.virtualNodeName, known);
      this.report.mapped('MG0004', id, 'spec.serviceDiscovery.dns.hostname', `→ Kubernetes Service ${known.namespace}/${known.name} (the cluster name the node already uses; its ports are the listener ports)`);
      return;
    }
    const base = sd?.awsCloudMap?.serviceName ?? sd?.dns?.hostname?.split('.')[0] ?? n.virtualNodeName;
    const name = this.names.claim(`Service/${this.namespace}`, serviceLabel(base), n.virtualNodeName);
    const ref = { namespace: this.namespace, name };
    this.nodeServices.set(n.virtualNodeName, ref);
    const what = sd?.awsCloudMap ? `Cloud Map service ${sd.awsCloudMap.namespaceName}/${sd.awsCloudMap.serviceName}` : sd?.dns ? `DNS name ${sd.dns.hostname}` : 'no service discovery';
    const setting = sd?.awsCloudMap ? 'spec.serviceDiscovery.awsCloudMap' : sd?.dns ? 'spec.serviceDiscovery.dns.hostname' : 'virtualNodeName';
    this.report.manual('MG0004', id, setting,
      `${what} → Kubernetes Service ${ref.namespace}/${ref.name}: make sure a Service of that name selects this node's pods and exposes the listener ports`);
  }

  /** The Service of a virtual node (undefined when the node is not in the source). */
  nodeService(node: string): K8sRef | undefined {
    return this.nodeServices.get(node);
  }

  /** The virtual node whose Service this is. */
  nodeOf(ref: { namespace?: string; name: string }, defaultNamespace: string): string | undefined {
    const ns = ref.namespace ?? defaultNamespace;
    for (const [node, r] of this.nodeServices) if (r.name === ref.name && r.namespace === ns) return node;
    return undefined;
  }

  /**
   * The Service a virtual service's name stands for: the cluster name itself, or one named after
   * its first label. That may be a virtual node's own Service (`serviceb.apps.local` and node
   * serviceB's `serviceb`): clients keep calling the name they know, and routes on it are GAMMA's
   * producer routes.
   */
  serviceFront(vs: string): { ref: K8sRef; clusterLocal: boolean; node?: string } {
    const known = clusterService(vs);
    const ref = known ?? { namespace: this.namespace, name: this.names.claim(`Front/${this.namespace}`, serviceLabel(vs.split('.')[0]), vs) };
    return { ref, clusterLocal: !!known, node: this.nodeOf(ref, ref.namespace) };
  }

  /** A unique object name per kind and namespace. */
  objectName(kind: string, namespace: string, wanted: string, owner: string): string {
    return this.names.claim(`${kind}/${namespace}`, dnsLabel(wanted), owner);
  }

  meta(name: string, namespace: string, from: string): Record<string, unknown> {
    return { name, namespace, annotations: { [FROM_ANNOTATION]: from } };
  }
}
