// The shapes the servers read at request time. A Generation is one applied configuration;
// requests capture it when they start, so a config change never affects a request in flight.

import type { EnvoyResources } from '../../envoy/translate/envoy-types';
import type { ClusterRuntime } from '../cluster/cluster';
import type { AccessLogger } from '../http/access-log';
import type { SpanSink } from '../telemetry/otlp';
import type { HttpStats } from '../telemetry/stats';
import type { DownstreamTls } from '../../tls/downstream';
import type { CompiledRouteTable } from './route-table';

export interface Generation {
  version: number;
  resources: EnvoyResources;
  routeTables: Map<string, CompiledRouteTable>;
  clusters: Map<string, ClusterRuntime>;
}

export interface HcmRuntime {
  routeConfigName: string;
  statPrefix: string;
  normalizePath: boolean;
  mergeSlashes: boolean;
  streamIdleMs: number;
  accessLog?: AccessLogger;
  connect: boolean;
  /** Upgrade types the connection manager allows besides CONNECT (lower case: `websocket`). */
  upgrades: string[];
  /** Stats and span sink, set by the proxy when it applies the configuration. */
  telemetry?: HcmTelemetry;
}

/** What an HTTP connection manager's requests report to (set by ProxyTelemetry.attach). */
export interface HcmTelemetry {
  stats: HttpStats;
  /** Egress requests are CLIENT spans, ingress ones SERVER spans. */
  client: boolean;
  /** Node id for span tags (mesh/<mesh>/virtualNode/<name>). */
  nodeId?: string;
  spans?: SpanSink;
}

export interface TcpProxyRuntime {
  statPrefix: string;
  /** The cluster for a new connection (weighted choice when the filter has weighted clusters). */
  pick(): string | undefined;
  idleMs: number;
  accessLog?: AccessLogger;
}

/** What one listening socket does with connections under the current generation. */
export interface ChainState {
  generation: Generation;
  hcm?: HcmRuntime;
  tcp?: TcpProxyRuntime;
  /** The socket's listener TLS (STRICT or PERMISSIVE), if any. */
  tls?: DownstreamTls;
}
