// The one seam between commands and the world: every service call goes through a Backend, and
// only the dispatcher (src/core/dispatcher.ts) calls invoke. Callers never ask which backend they
// have; they ask for a capability (`backend.local`) and do without it, or say they need it.

import { UsageError } from '../base/errors';
import type { ServiceName } from '../model/services';

export type Input = Record<string, unknown>;
export type Output = Record<string, unknown>;

export interface CallContext {
  /** Region the call is made in (the local backend partitions state by it). */
  region: string;
  /** Set by `local serve` so providers can log/trace per request. */
  requestId?: string;
  /** Who signed the request, when the server authenticated it (`sts get-caller-identity`, `iam get-user`). */
  caller?: Caller;
}

/** An authenticated identity: an IAM user of awsmesh's own IAM, or the account root (no authentication). */
export interface Caller {
  account: string;
  arn: string;
  userId: string;
  userName?: string;
  accessKeyId?: string;
}

export interface Backend {
  readonly kind: 'local' | 'aws';
  /**
   * Run one API operation. Input and output use the service model's member names and shapes
   * (timestamps as Date or epoch seconds). Service failures throw ServiceError; an operation the
   * backend does not have throws NotImplementedError.
   */
  invoke(service: ServiceName, operation: string, input: Input, ctx: CallContext): Promise<Output>;
  /** What only the embedded control plane can do; absent on backends that talk to a remote service. */
  readonly local?: LocalControlPlane;
  close(): Promise<void>;
}

export type EndpointSource = 'proxy' | 'cloudmap' | 'dns';

/** An address a virtual node can be reached at right now. */
export interface Endpoint {
  host: string;
  port: number;
  /** false only for Cloud Map instances reported UNHEALTHY, returned when includeUnhealthy is set. */
  healthy: boolean;
  /** 'proxy': a registered sidecar's ingress socket; 'cloudmap': an instance; 'dns': a hostname that resolves. */
  source: EndpointSource;
  /** The Cloud Map instance's attributes (source 'cloudmap' only). */
  attributes?: Record<string, string>;
}

export interface VirtualNodeRef {
  mesh: string;
  virtualNode: string;
}

/** A sidecar's ingress socket, announced as an endpoint of its node. */
export type ProxyEndpointKey = VirtualNodeRef & { host: string; port: number };

export interface ProxyRegistration extends ProxyEndpointKey {
  /** Process that serves the endpoint; the registration ends with it. */
  pid?: number;
  ttlSeconds: number;
}

/** What endpoint resolution reads of a virtual node's spec (a described node's spec fits). */
export interface NodeDiscoverySpec {
  listeners?: Array<{ portMapping?: { port?: number } }>;
  serviceDiscovery?: {
    dns?: { hostname?: string; ipPreference?: string };
    awsCloudMap?: { namespaceName: string; serviceName: string; attributes?: Array<{ key: string; value: string }>; ipPreference?: string };
  };
}

/** The nodes of a mesh snapshot an endpoint lookup needs. */
export interface MeshNodes {
  mesh: { meshName: string; spec?: { serviceDiscovery?: { ipPreference?: string } } };
  virtualNodes: Array<{ virtualNodeName: string; spec: NodeDiscoverySpec }>;
}

/**
 * The embedded control plane's extras, beyond the API: its state's home, change notification,
 * where virtual nodes can be reached now, and the registry sidecars announce themselves in.
 */
export interface LocalControlPlane {
  /** AWSMESH_HOME: the state, the local CA, the records of running proxies. */
  readonly home: string;
  /** The account the local backend acts as. */
  readonly account: string;
  /** Where the state lives (a file path). */
  readonly location: string;
  /** Calls `onChange` soon after any committed write, by any process sharing the state. Returns the unsubscribe. */
  watch(onChange: () => void): () => void;
  /** The store's readVersion: unchanged only while nothing is committed; undefined when it cannot tell. */
  readVersion?(): string | undefined | Promise<string | undefined>;
  /**
   * Where each named virtual node of the snapshot can be reached now: registered sidecars first, else
   * its Cloud Map instances or a DNS hostname that resolves. Nodes the snapshot lacks get no entry.
   */
  endpoints(snapshot: MeshNodes, nodeNames: string[], ctx: { region: string }): Promise<Record<string, Endpoint[]>>;
  /** A sidecar's ingress socket as an endpoint of its node, for `ttlSeconds` after the last heartbeat. */
  registerProxy(region: string, registration: ProxyRegistration): Promise<void>;
  /** Extends a live registration; false when there is none (register again). */
  heartbeatProxy(region: string, key: ProxyEndpointKey): Promise<boolean>;
  deregisterProxy(region: string, key: ProxyEndpointKey): Promise<boolean>;
}

/** The capability a local-only feature needs, or a clear usage error naming that feature. */
export function requireLocal(backend: Backend, feature: string): LocalControlPlane {
  if (backend.local) return backend.local;
  throw new UsageError(`${feature} needs the local backend (the control plane in AWSMESH_HOME), not --backend aws, --endpoint-url or AWSMESH_BACKEND=aws.`);
}
