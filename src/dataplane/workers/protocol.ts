// The messages between `awsmesh proxy --concurrency N`'s primary and its worker processes (over
// node:cluster's IPC channel, JSON-serialised). The primary owns the configuration and the admin
// port; a worker only serves the listeners with the configuration it is sent.

import type { EnvoyResources } from '../../envoy/translate/envoy-types';
import type { CertsDump } from '../admin/admin-context';
import type { ClusterView } from '../admin/cluster-views';
import type { BoundListener } from '../proxy';
import type { ProxyIdentity } from '../telemetry/proxy-telemetry';
import type { ShippedGroup } from '../telemetry/stats-merge';

export interface WorkerInit {
  type: 'init';
  index: number;
  /** This worker runs the active health checks; the primary relays its results to the others. */
  prober: boolean;
  identity: ProxyIdentity;
  caDir?: string;
  otlpEndpoint?: string;
  quiet?: boolean;
}

/** Primary → worker. */
export type ToWorker =
  | WorkerInit
  | { type: 'apply'; id: number; version: number; resources: EnvoyResources }
  | { type: 'snapshot'; id: number }
  | { type: 'stop'; graceMs: number }
  | HostHealth;

/** A host's active health check result changed (prober → primary → the other workers). */
export interface HostHealth {
  type: 'health';
  cluster: string;
  host: string;
  /** null: the host left the cluster (its result is forgotten). */
  healthy: boolean | null;
}

/** An error as it crosses the channel (code, address and port kept for `Could not listen on …`). */
export interface ShippedError {
  message: string;
  code?: string;
  address?: string;
  port?: number;
}

export interface WorkerSnapshot {
  pid: number;
  /** The pool's configuration version this worker runs. */
  version: number;
  groups: ShippedGroup[];
  clusters: ClusterView[];
  certs?: CertsDump;
}

/** Worker → primary. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'applied'; id: number; listeners: BoundListener[] }
  | { type: 'snapshot'; id: number; snapshot: WorkerSnapshot }
  | { type: 'failed'; id: number; error: ShippedError }
  | HostHealth;

export function shipError(e: unknown): ShippedError {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  return { message: err?.message ?? String(e), code: err?.code, address: err?.address, port: err?.port };
}

export function unshipError(s: ShippedError): Error {
  return Object.assign(new Error(s.message), s.code ? { code: s.code } : {}, s.address ? { address: s.address } : {}, s.port !== undefined ? { port: s.port } : {});
}
