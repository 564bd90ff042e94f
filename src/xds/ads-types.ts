// The ADS server's vocabulary (ads-server.ts): where resources come from (XdsConfigSource), its
// options and events, and what it keeps per node (NodeConfig) and per stream and type (AdsStream,
// TypeState) — read by the status pages (status.ts) as well.

import type * as grpc from '@grpc/grpc-js';
import type { ListenerGuard } from '../base/listener-guard';
import type { NodeIdentity, SdsMode } from './node-id';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse, NodeInfo } from './protocol';
import type { EncodedResource } from './resource-encoder';
import type { XdsResources, XdsType } from './resource-types';
import type { SecretResolver } from './secrets';
import type { Debounce, StreamGuard, StreamLimits } from './stream-guard';

export interface XdsConfigSource {
  /** The Envoy resources of a proxy; undefined while its virtual node/gateway does not exist. */
  resources(node: NodeIdentity): Promise<XdsResources | undefined>;
  /**
   * Optional: a string that changes whenever `resources(node)` may. With it, a change notice
   * rebuilds only the proxies whose fingerprint moved; without it, every connected proxy.
   */
  fingerprint?(node: NodeIdentity): Promise<string>;
  /** Calls `onChange` whenever resources may have changed. Returns an unsubscribe function. */
  watch(onChange: () => void): () => void;
  close?(): Promise<void>;
  /** SANs for a certificate the local CA issues on demand for ACM certificate `arn` (see secrets.ts). */
  acmSans?(node: NodeIdentity, arn: string): Promise<{ dns: string[]; uris: string[] } | undefined>;
}

export interface AdsServerOptions {
  source: XdsConfigSource;
  /** Default 127.0.0.1 (loopback only unless asked). */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  log?: (line: string) => void;
  /** Region assumed for node ids without one (App Mesh's `mesh/<m>/virtualNode/<n>` form). */
  region?: string;
  /** Called for every response sent and every ACK/NACK received (metrics, benchmarks). */
  observe?: (event: XdsEvent) => void;
  /** Serves the TLS secrets nodes reference over ADS; without it none are served. Closed with the server. */
  secrets?: SecretResolver;
  /** Authentication and proxy authorization of streams (`awsmesh serve`); without it every stream is served. */
  guard?: StreamGuard;
  limits?: StreamLimits;
  /** Coalesce bursts of changes into one push (default: push on every change notice). */
  debounce?: Debounce;
  /** Instead of binding host:port insecurely, hand the gRPC server to this (TLS listener); resolves to the port. */
  attach?: (server: grpc.Server) => Promise<number>;
  /** Extra gRPC server options (keepalive policy, concurrent streams). */
  grpcOptions?: grpc.ServerOptions;
  /** Told about every refused stream (metrics). */
  onRefused?: (refusal: XdsRefusal) => void;
  /**
   * Who may open streams and read client status: by default only processes of this user — any
   * local process could otherwise claim a node id and be handed its TLS private key (SDS).
   */
  peers?: ListenerGuard;
}

export interface XdsEvent {
  kind: 'response' | 'ack' | 'nack';
  nodeId: string;
  stream: number;
  type: XdsType['short'];
  version: string;
  /** ACKs of a push caused by a change: ms from the change being noticed to this ACK. */
  sinceChangeMs?: number;
}

/** A stream refused before anything was sent (authentication, authorization, limits, bad node id). */
export interface XdsRefusal {
  reason: string;
  code: grpc.status;
  message: string;
  peer: string;
  nodeId?: string;
}

export type Flavor = 'envoy' | 'grpc';

/** What decides the resources a stream is served besides its node: client flavour and SDS source. */
export interface StreamView {
  flavor: Flavor;
  sds: SdsMode;
}

/** One node's resources as served (per flavor and SDS source), with per-type versions. */
export interface NodeConfig extends StreamView {
  key: string;
  identity: NodeIdentity;
  exists: boolean;
  byType: Map<string, Map<string, EncodedResource>>;
  versions: Map<string, { hash: string; version: number }>;
  /** Resources the validator refused to send (a translator bug), by name. */
  invalid: string[];
  /** Secrets the node uses that cannot be served yet (not issued, CA not initialised). */
  pendingSecrets: Set<string>;
  builtAt: number;
  /** The source's fingerprint it was built from (see XdsConfigSource.fingerprint). */
  fingerprint?: string;
  /** The secrets generation it was built in (a certificate change rebuilds nodes that use secrets). */
  secretsGeneration: number;
}

export interface TypeState {
  /** undefined: wildcard (all of the node's resources of this type). */
  names?: Set<string>;
  nonce?: string;
  sentVersion?: string;
  sentHash?: string;
  sentNames: string[];
  sentAt?: number;
  ackedVersion?: string;
  nacks: number;
  /** Set while the latest response is rejected; cleared by the next ACK. */
  nack?: { version: string; hash: string; message: string; at: number };
  /** When the change that caused the latest response was noticed (for convergence time). */
  changeAt?: number;
  /** Incremental (delta) streams only: what the client subscribed to and has. */
  delta?: DeltaState;
}

export interface DeltaState {
  /** Subscribed to every resource of the type (an empty first request, or "*"). */
  wildcard: boolean;
  /** Names subscribed to explicitly. */
  subscribed: Set<string>;
  /** What the client has, as far as the server knows: name → version (the resource's content hash). */
  known: Map<string, string>;
  /** Subscribed names already reported as not existing (in removed_resources), so it is said once. */
  toldAbsent: Set<string>;
}

/** State of the world (StreamAggregatedResources) or incremental (DeltaAggregatedResources). */
export type XdsProtocol = 'sotw' | 'delta';

export interface AdsStream extends StreamView {
  id: number;
  protocol: XdsProtocol;
  peer: string;
  node: NodeInfo;
  nodeId: string;
  /** The node, with the region it is served in when its id or its signature names one. */
  identity: NodeIdentity;
  connectedAt: number;
  types: Map<string, TypeState>;
  call: grpc.ServerDuplexStream<DiscoveryRequest, DiscoveryResponse> | grpc.ServerDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
}

export interface AdsCounters {
  connections: number;
  responses: number;
  acks: number;
  nacks: number;
  /** Change notices acted on (each looks at every connected proxy's fingerprint). */
  rebuilds: number;
  /** Node configurations built (translated and encoded). */
  configBuilds: number;
  /** Connected proxies a change notice did not touch (fingerprint unchanged: nothing built or sent). */
  configsUnchanged: number;
}

/** What the protocol handlers (sotw.ts, delta.ts) use of the server. */
export interface AdsContext {
  readonly counters: AdsCounters;
  nextNonce(): string;
  /** When the change the push in progress answers was noticed; undefined outside a push. */
  pushChangeAt(): number | undefined;
  configFor(stream: AdsStream): Promise<NodeConfig>;
  /** The stream is still served (neither it nor the server closed). */
  serving(stream: AdsStream): boolean;
  log(line: string): void;
  observe(event: XdsEvent): void;
}
