// gRPC service definitions for ADS and CSDS, (de)serialised with protobufjs over Envoy's protos
// (the same root the validator uses, so resources and envelopes come from one set of .proto files).

import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type * as protobuf from 'protobufjs';
import { envoyMessageType } from '../envoy/validate/envoy-protos';

export const ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources';
export const DELTA_ADS_METHOD = '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources';
export const CSDS_FETCH_METHOD = '/envoy.service.status.v3.ClientStatusDiscoveryService/FetchClientStatus';

export interface NodeInfo {
  id?: string;
  cluster?: string;
  user_agent_name?: string;
  user_agent_version?: string;
  metadata?: Record<string, unknown>;
  locality?: Record<string, unknown>;
}

export interface DiscoveryRequest {
  version_info: string;
  node?: NodeInfo;
  resource_names: string[];
  type_url: string;
  response_nonce: string;
  error_detail?: { code?: number; message?: string };
}

export interface AnyBytes {
  type_url: string;
  value: Uint8Array;
}

export interface DiscoveryResponse {
  version_info: string;
  resources: AnyBytes[];
  type_url: string;
  nonce: string;
  control_plane?: { identifier: string };
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: String, defaults: true, arrays: true };

/**
 * `convert`: the value uses enum names or Struct objects, so it goes through fromObject first.
 * DiscoveryResponses skip that: they are built in encoder form and are the hot path.
 */
function codec<T>(typeName: string, convert: boolean) {
  let type: protobuf.Type | undefined;
  const t = () => (type ??= envoyMessageType(typeName));
  return {
    serialize: (value: T): Buffer => {
      const plain = value as unknown as Record<string, unknown>;
      return Buffer.from(t().encode(convert ? t().fromObject(plain) : plain).finish());
    },
    deserialize: (bytes: Buffer): T => {
      const obj = t().toObject(t().decode(bytes), TO_OBJECT);
      return obj as T;
    },
  };
}

function method<Req, Res>(path: string, req: string, res: string, streams: boolean): MethodDefinition<Req, Res> {
  const rq = codec<Req>(req, true);
  const rs = codec<Res>(res, !streams);
  return {
    path,
    requestStream: streams,
    responseStream: streams,
    requestSerialize: rq.serialize,
    requestDeserialize: rq.deserialize,
    responseSerialize: rs.serialize,
    responseDeserialize: rs.deserialize,
  };
}

/** Both ADS variants: state of the world and incremental (delta). */
export function adsService(): ServiceDefinition {
  return {
    StreamAggregatedResources: method<DiscoveryRequest, DiscoveryResponse>(
      ADS_METHOD, 'envoy.service.discovery.v3.DiscoveryRequest', 'envoy.service.discovery.v3.DiscoveryResponse', true,
    ),
    DeltaAggregatedResources: method<DeltaDiscoveryRequest, DeltaDiscoveryResponse>(
      DELTA_ADS_METHOD, 'envoy.service.discovery.v3.DeltaDiscoveryRequest', 'envoy.service.discovery.v3.DeltaDiscoveryResponse', true,
    ),
  };
}

export interface DeltaDiscoveryRequest {
  node?: NodeInfo;
  type_url: string;
  resource_names_subscribe: string[];
  resource_names_unsubscribe: string[];
  initial_resource_versions: Record<string, string>;
  response_nonce: string;
  error_detail?: { code?: number; message?: string };
}

export interface DeltaResource {
  name: string;
  version: string;
  resource: AnyBytes;
}

export interface DeltaDiscoveryResponse {
  system_version_info: string;
  resources: DeltaResource[];
  type_url: string;
  removed_resources: string[];
  nonce: string;
  control_plane?: { identifier: string };
}

export interface ClientStatusRequest {
  node_matchers?: unknown[];
  node?: NodeInfo;
  exclude_resource_contents?: boolean;
}

export interface GenericXdsConfig {
  type_url: string;
  name: string;
  version_info: string;
  xds_config?: AnyBytes;
  last_updated?: { seconds: string | number; nanos: number };
  config_status: 'UNKNOWN' | 'SYNCED' | 'NOT_SENT' | 'STALE' | 'ERROR';
  client_status: 'UNKNOWN' | 'REQUESTED' | 'DOES_NOT_EXIST' | 'ACKED' | 'NACKED' | 'RECEIVED_ERROR' | 'TIMEOUT';
  error_state?: { details: string; version_info: string; last_update_attempt?: { seconds: string | number; nanos: number } };
}

export interface ClientStatusResponse {
  config: Array<{ node: NodeInfo; generic_xds_configs: GenericXdsConfig[] }>;
}

export function csdsService(): ServiceDefinition {
  return {
    FetchClientStatus: method<ClientStatusRequest, ClientStatusResponse>(
      CSDS_FETCH_METHOD, 'envoy.service.status.v3.ClientStatusRequest', 'envoy.service.status.v3.ClientStatusResponse', false,
    ),
  };
}
