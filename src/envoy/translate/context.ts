// State shared by the pieces of one translation: options, warnings, and the clusters/endpoints
// collected while routes are built (a cluster exists once however many routes name it).

import type { MeshSnapshot } from '../../mesh/types';
import type { Cluster, ClusterLoadAssignment } from './envoy-types';

/** An address a virtual node can be reached at, as the endpoint resolver reports it. */
export interface ResolvedEndpoint {
  host: string;
  port: number;
  /** false for endpoints known but failing health checks (Cloud Map UNHEALTHY, expired proxies). */
  healthy?: boolean;
  /**
   * 'proxy': a registered sidecar (its first ingress socket; listener i is served on port + i);
   * 'cloudmap': an instance without a sidecar; 'dns': a hostname that resolves (used as is).
   */
  source?: 'proxy' | 'cloudmap' | 'dns';
}

export interface TranslateOptions {
  /** Address listeners bind; App Mesh's Envoy uses 0.0.0.0 (and so do the listener names). */
  listenAddress?: string;
  /** Ingress listener port (App Mesh: 15000). */
  ingressPort?: number;
  /** Egress listener port (App Mesh: 15001). */
  egressPort?: number;
  /** Where the local app listens: App Mesh listener port → local port (default: the same port). */
  appPorts?: Record<number, number>;
  /** Host of the local app (default 127.0.0.1). */
  appHost?: string;
  /** Virtual gateway only: gateway listener port → local bind port (default: the same port). */
  gatewayPorts?: Record<number, number>;
  /** Current endpoints per virtual node name (from the resolver). Nodes absent here get none. */
  endpoints?: Record<string, ResolvedEndpoint[]>;
  /** Emit App Mesh's hidden default retry policy on routes without one (default true). */
  defaultRetryPolicy?: boolean;
}

export type ResolvedOptions = Required<Omit<TranslateOptions, 'appPorts' | 'gatewayPorts' | 'endpoints'>> &
  Pick<TranslateOptions, 'appPorts' | 'gatewayPorts' | 'endpoints'>;

export class TranslationContext {
  readonly warnings: string[] = [];
  readonly clusters = new Map<string, Cluster>();
  readonly endpoints = new Map<string, ClusterLoadAssignment>();

  constructor(
    readonly snapshot: MeshSnapshot,
    readonly opts: ResolvedOptions,
  ) {}

  get meshName(): string {
    return this.snapshot.mesh.meshName;
  }

  warn(message: string): void {
    if (!this.warnings.includes(message)) this.warnings.push(message);
  }

  addCluster(cluster: Cluster, assignment?: ClusterLoadAssignment): void {
    if (this.clusters.has(cluster.name)) return;
    this.clusters.set(cluster.name, cluster);
    if (assignment) this.endpoints.set(assignment.cluster_name, assignment);
  }
}
