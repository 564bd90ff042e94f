// What each connected proxy has: per type, the version sent and ACKed, and NACKs with their error.
// Exposed in-process (adsStatus) and over gRPC as Envoy's Client Status Discovery Service (CSDS),
// which `awsmesh envoy status` queries — the same protocol `istioctl proxy-status` style tools use.

import type { AdsCounters, AdsStream, NodeConfig, TypeState, XdsProtocol } from './ads-types';
import type { ClientStatusResponse, GenericXdsConfig } from './protocol';
import { XDS_TYPES, type XdsType } from './resource-types';
import { toStruct } from '../envoy/validate/struct';

/** What the status reads of an ADS server (AdsServer). */
export interface AdsServerState {
  readonly streams: ReadonlySet<AdsStream>;
  readonly counters: AdsCounters;
  readonly port: number;
  nodeConfig(stream: AdsStream): NodeConfig | undefined;
}

export type SyncState = 'SYNCED' | 'STALE' | 'NACKED' | 'NOT_SENT';

export interface TypeStatus {
  type: XdsType['short'];
  /** '*' for a wildcard subscription. */
  subscribed: string[] | '*';
  sentVersion?: string;
  ackedVersion?: string;
  state: SyncState;
  nacks: number;
  lastNack?: { version: string; message: string; at: string };
  resources: string[];
}

export interface ClientStatus {
  stream: number;
  nodeId: string;
  peer: string;
  userAgent: string;
  flavor: 'envoy' | 'grpc';
  /** State of the world or incremental (delta) xDS. */
  protocol: XdsProtocol;
  connectedAt: string;
  /** Resources of this node that failed validation and were not served. */
  invalid: string[];
  types: TypeStatus[];
}

export interface AdsStatus {
  port: number;
  counters: AdsCounters;
  clients: ClientStatus[];
}

function stateOf(st: TypeState): SyncState {
  if (st.nonce === undefined) return 'NOT_SENT';
  if (st.nack) return 'NACKED';
  return st.ackedVersion === st.sentVersion ? 'SYNCED' : 'STALE';
}

function typeStatus(stream: AdsStream): TypeStatus[] {
  const out: TypeStatus[] = [];
  for (const type of XDS_TYPES) {
    const st = stream.types.get(type.url);
    if (!st) continue;
    const status: TypeStatus = {
      type: type.short,
      subscribed: st.names ? [...st.names] : '*',
      state: stateOf(st),
      nacks: st.nacks,
      resources: [...st.sentNames],
    };
    if (st.sentVersion !== undefined) status.sentVersion = st.sentVersion;
    if (st.ackedVersion !== undefined) status.ackedVersion = st.ackedVersion;
    if (st.nack) status.lastNack = { version: st.nack.version, message: st.nack.message, at: new Date(st.nack.at).toISOString() };
    out.push(status);
  }
  return out;
}

export function adsStatus(server: AdsServerState): AdsStatus {
  const clients = [...server.streams].map((s): ClientStatus => ({
    stream: s.id,
    nodeId: s.nodeId,
    peer: s.peer,
    userAgent: [s.node.user_agent_name, s.node.user_agent_version].filter(Boolean).join(' '),
    flavor: s.flavor,
    protocol: s.protocol,
    connectedAt: new Date(s.connectedAt).toISOString(),
    invalid: server.nodeConfig(s)?.invalid ?? [],
    types: typeStatus(s),
  }));
  return { port: server.port, counters: { ...server.counters }, clients };
}

const CONFIG_STATUS = { SYNCED: 'SYNCED', STALE: 'STALE', NACKED: 'ERROR', NOT_SENT: 'NOT_SENT' } as const;
const CLIENT_STATUS = { SYNCED: 'ACKED', STALE: 'REQUESTED', NACKED: 'NACKED', NOT_SENT: 'REQUESTED' } as const;

function timestamp(ms: number): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
}

/**
 * CSDS answer: one ClientConfig per connected stream. Our own per-stream details (peer, flavor,
 * NACK counts, invalid resources) go in the node's metadata under "awsmesh".
 */
export function clientStatus(server: AdsServerState, includeContents = false): ClientStatusResponse {
  const status = adsStatus(server);
  const byStream = new Map([...server.streams].map((s) => [s.id, s]));
  return {
    config: status.clients.map((c) => {
      const stream = byStream.get(c.stream)!;
      const config = server.nodeConfig(stream);
      const generic: GenericXdsConfig[] = [];
      for (const t of c.types) {
        const type = XDS_TYPES.find((x) => x.short === t.type)!;
        const st = stream.types.get(type.url)!;
        for (const name of t.resources) {
          const entry: GenericXdsConfig = {
            type_url: type.url,
            name,
            version_info: t.ackedVersion ?? '',
            config_status: CONFIG_STATUS[t.state],
            client_status: CLIENT_STATUS[t.state],
          };
          if (st.sentAt) entry.last_updated = timestamp(st.sentAt);
          if (st.nack) entry.error_state = { details: st.nack.message, version_info: st.nack.version, last_update_attempt: timestamp(st.nack.at) };
          const encoded = config?.byType.get(type.url)?.get(name);
          // Secrets carry private keys: their contents are never dumped.
          if (includeContents && encoded && !type.sensitive) entry.xds_config = encoded.any;
          generic.push(entry);
        }
      }
      const types = Object.fromEntries(c.types.map((t) => [t.type, {
        state: t.state, sent_version: t.sentVersion ?? '', acked_version: t.ackedVersion ?? '', nacks: t.nacks,
        subscribed: t.subscribed, resources: t.resources.length,
        ...(t.lastNack ? { last_nack: { version: t.lastNack.version, message: t.lastNack.message, at: t.lastNack.at } } : {}),
      }]));
      return {
        node: {
          id: c.nodeId,
          user_agent_name: c.userAgent,
          metadata: toStruct({
            awsmesh: { stream: c.stream, peer: c.peer, flavor: c.flavor, protocol: c.protocol, connected_at: c.connectedAt, invalid: c.invalid, types },
          }),
        },
        generic_xds_configs: generic,
      };
    }),
  };
}
