// What an admin page sees of its proxy: the proxy (one in-process Proxy, or a pool of worker
// processes presenting their merged view) and the identity Envoy's admin shows.

import type { EnvoyResources } from '../../envoy/translate/envoy-types';
import type { BoundListener } from '../proxy';
import type { ProxyTls } from '../proxy-tls';
import type { StatGroup } from '../telemetry/stats';
import type { ClusterView } from './cluster-views';

/** Envoy's /certs body. */
export type CertsDump = ReturnType<ProxyTls['certs']>;

export interface AdminProxy {
  readonly ready: boolean;
  readonly startedAt: number;
  readonly current?: { version: number; resources: EnvoyResources };
  readonly updates: { success: number; rejected: number; lastError: string };
  readonly telemetry: {
    constLabels(): Record<string, string>;
    resourceVersion(kind: string, name: string): { version: number; at: string };
  };
  readonly tls?: { certs(): CertsDump };
  /** Worker processes serving the listeners (Envoy's --concurrency); 1 when the proxy serves them itself. */
  readonly concurrency: number;
  /** Facts about the worker processes for /server_info (absent without workers). */
  workerInfo?(): unknown;
  /** Brings the view up to date before a page is rendered (a pool asks its workers). */
  refresh?(): Promise<void>;
  listeners(): BoundListener[];
  statsGroups(): StatGroup[];
  clusterViews(): ClusterView[];
}

export interface AdminContext {
  proxy: AdminProxy;
  /** Envoy node identity, e.g. mesh/apps/virtualNode/serviceB. */
  nodeId: string;
  cluster: string;
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
  /** Extra facts shown by /server_info (ports, pid, backend, …). */
  info?: Record<string, unknown>;
}
