// An XdsConfigSource over hand-written Envoy resources, for testing the ADS server on its own.

import type { XdsConfigSource } from '../../../src/xds';
import type { NodeIdentity, XdsResources } from '../../../src/xds';
import { formatNodeId } from '../../../src/xds';

export class StaticSource implements XdsConfigSource {
  private listeners = new Set<() => void>();
  calls = 0;

  constructor(private readonly byNode: Record<string, XdsResources>) {}

  async resources(node: NodeIdentity): Promise<XdsResources | undefined> {
    this.calls++;
    return this.byNode[formatNodeId(node)];
  }

  /** Replaces a node's resources and tells the server, like a committed mesh change. */
  set(nodeId: string, resources: XdsResources): void {
    this.byNode[nodeId] = resources;
    for (const l of this.listeners) l();
  }

  watch(onChange: () => void): () => void {
    this.listeners.add(onChange);
    return () => this.listeners.delete(onChange);
  }
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

/**
 * What the translator gives serviceA of the walkthrough (backend serviceb.apps.local, routed to
 * serviceB/serviceBv2 by weight), written by hand in App Mesh's names.
 */
export function serviceAResources(weights: { serviceB: number; serviceBv2: number }, ports: { serviceB: number; serviceBv2: number }): XdsResources {
  const cluster = (node: string) => `cds_egress_apps_${node}_http2_80`;
  const nodes = ['serviceB', 'serviceBv2'] as const;
  return {
    listeners: [{
      name: 'lds_egress_0.0.0.0_15001',
      address: { socket_address: { address: '0.0.0.0', port_value: 15001 } },
      traffic_direction: 'OUTBOUND',
      filter_chains: [{
        filters: [{
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type': HCM,
            stat_prefix: 'egress',
            rds: { config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: 'rds_egress_http_15001' },
            http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } }],
          },
        }],
      }],
    }],
    routeConfigs: [{
      name: 'rds_egress_http_15001',
      virtual_hosts: [{
        name: 'serviceb.apps.local',
        domains: ['serviceb.apps.local', 'serviceb.apps.local:80'],
        routes: [{
          match: { prefix: '/' },
          route: {
            weighted_clusters: { clusters: nodes.map((n) => ({ name: cluster(n), weight: weights[n] })) },
            timeout: '15s',
            retry_policy: { retry_on: 'unavailable,connect-failure,refused-stream,retriable-status-codes', num_retries: 2, retriable_status_codes: [503] },
          },
        }],
      }],
    }],
    clusters: nodes.map((n) => ({
      name: cluster(n),
      type: 'EDS',
      connect_timeout: '1s',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
    })),
    endpoints: nodes.map((n) => ({
      cluster_name: cluster(n),
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: ports[n] } } } }] }],
    })),
  };
}
