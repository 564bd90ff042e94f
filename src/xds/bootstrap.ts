// Envoy v3 bootstrap documents for an App Mesh proxy.
//   staticBootstrap:  everything inline (listeners, routes, clusters, endpoints, and the TLS
//                     secrets as static_resources.secrets) — what App Mesh would have served that
//                     proxy, runnable by `envoy -c` with no control plane.
//   dynamicBootstrap: node identity + ADS to our xDS server (`awsmesh local serve --xds-port`),
//                     shaped like App Mesh's own bootstrap (lds/cds over ADS, initial_fetch_timeout 0s).
//                     App Mesh SDS secrets come over ADS too (node metadata awsmesh.sds = "ads"),
//                     unless an SDS agent socket is given (App Mesh's APPMESH_SDS_SOCKET_PATH).

import { isIP } from 'net';
import { http2ProtocolOptions } from '../envoy/translate/clusters';
import { DEFAULT_ADMIN_PORT, TYPE } from '../envoy/translate/defaults';
import { SDS_CLUSTER } from '../envoy/translate/tls';
import { sdsMetadata } from './node-id';
import type { XdsResources } from './resource-types';
import { fetchedOverAds, visitSdsSecretConfigs } from './secrets';

export { DEFAULT_ADMIN_PORT, SDS_CLUSTER };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** App Mesh's Envoy image binds admin on all interfaces and logs admin access here (dataplane.md §1.2). */
export const DEFAULT_ADMIN_ADDRESS = '0.0.0.0';
export const DEFAULT_ADMIN_ACCESS_LOG = '/tmp/envoy_admin_access.log';
export const XDS_CLUSTER = 'xds_cluster';
export const DEFAULT_SDS_SOCKET_PATH = '/run/spire/sockets/agent.sock';


export interface BootstrapOptions {
  node: { id: string; cluster?: string };
  adminPort?: number;
  adminAddress?: string;
  adminAccessLog?: string;
  /**
   * Unix socket of the SDS agent App Mesh `sds.secretName` secrets come from (APPMESH_SDS_SOCKET_PATH).
   * Without it, a dynamic bootstrap has the xDS server serve them over ADS.
   */
  sdsSocketPath?: string;
}

function socketAddress(address: string, port: number): Json {
  return { socket_address: { address, port_value: port } };
}

function admin(o: BootstrapOptions): Json {
  return {
    access_log: [{
      name: 'envoy.access_loggers.file',
      typed_config: { '@type': TYPE.fileAccessLog, path: o.adminAccessLog ?? DEFAULT_ADMIN_ACCESS_LOG },
    }],
    address: socketAddress(o.adminAddress ?? DEFAULT_ADMIN_ADDRESS, o.adminPort ?? DEFAULT_ADMIN_PORT),
  };
}

function node(o: BootstrapOptions): Json {
  return { id: o.node.id, cluster: o.node.cluster ?? o.node.id };
}

function sdsCluster(path: string): Json {
  return {
    name: SDS_CLUSTER,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: SDS_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path } } } }] }],
    },
    typed_extension_protocol_options: http2ProtocolOptions(),
  };
}

function mentions(value: unknown, clusterName: string): boolean {
  return JSON.stringify(value).includes(`"cluster_name":${JSON.stringify(clusterName)}`);
}

/**
 * A self-contained bootstrap: RDS route configurations are inlined into their connection
 * managers, EDS clusters become STATIC (or STRICT_DNS for host names) with their current endpoints.
 */
export function staticBootstrap(resources: XdsResources, o: BootstrapOptions): Json {
  const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
  const routeConfigs = new Map((resources.routeConfigs as Json[]).map((rc) => [rc.name as string, rc]));
  const listeners = clone(resources.listeners as Json[]);
  for (const l of listeners) {
    for (const chain of (l.filter_chains ?? []) as Json[]) {
      for (const filter of (chain.filters ?? []) as Json[]) {
        const hcm = filter.typed_config;
        if (hcm?.['@type'] !== TYPE.hcm || !hcm.rds) continue;
        const rc = routeConfigs.get(hcm.rds.route_config_name);
        if (!rc) throw new Error(`listener ${l.name} names route configuration ${hcm.rds.route_config_name}, which was not generated`);
        delete hcm.rds;
        hcm.route_config = clone(rc);
      }
    }
  }
  const assignments = new Map((resources.endpoints as Json[]).map((cla) => [cla.cluster_name as string, cla]));
  const clusters = clone(resources.clusters as Json[]).map((c) => {
    if (c.type !== 'EDS') return c;
    const serviceName = c.eds_cluster_config?.service_name ?? c.name;
    const cla = clone(assignments.get(serviceName) ?? { endpoints: [] });
    delete c.eds_cluster_config;
    const hosts = (cla.endpoints as Json[]).flatMap((g) => (g.lb_endpoints ?? []) as Json[])
      .map((e) => e.endpoint?.address?.socket_address?.address as string | undefined);
    c.type = hosts.every((h) => h !== undefined && isIP(h)) ? 'STATIC' : 'STRICT_DNS';
    c.load_assignment = { ...cla, cluster_name: c.name };
    return c;
  });
  if (!clusters.some((c) => c.name === SDS_CLUSTER) && mentions([listeners, clusters], SDS_CLUSTER)) {
    clusters.push(sdsCluster(o.sdsSocketPath ?? DEFAULT_SDS_SOCKET_PATH));
  }
  const secrets = staticSecrets([listeners, clusters], (resources.secrets ?? []) as Json[]);
  return { node: node(o), admin: admin(o), static_resources: { listeners, clusters, ...(secrets.length ? { secrets } : {}) } };
}

/**
 * There is no ADS without a control plane: secrets fetched over ADS become references to static
 * secrets (an SdsSecretConfig without sds_config), each of which must be among `secrets`.
 */
function staticSecrets(resources: Json[], secrets: Json[]): Json[] {
  const given = new Map(secrets.map((s) => [s.name as string, s]));
  const used = new Set<string>();
  visitSdsSecretConfigs(resources, (config) => {
    if (!fetchedOverAds(config)) return;
    if (!given.has(config.name)) throw new Error(`TLS secret ${config.name} is fetched over ADS but was not given to inline`);
    delete config.sds_config;
    used.add(config.name);
  });
  return secrets.filter((s) => used.has(s.name));
}

/** host:port, [v6]:port or a bare host (port 15010, our default xDS port). */
export function parseXdsAddress(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(address) ?? /^([^:]+)(?::(\d+))?$/.exec(address);
  const port = m?.[2] === undefined ? 15010 : Number(m[2]);
  if (!m || !m[1] || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`"${address}" is not host:port`);
  }
  return { host: m[1], port };
}

/** A bootstrap that gets listeners, routes, clusters and endpoints over ADS from `xdsAddress`. */
export function dynamicBootstrap(o: BootstrapOptions & { xdsAddress: string }): Json {
  const { host, port } = parseXdsAddress(o.xdsAddress);
  const adsSource = { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' };
  const xdsCluster: Json = {
    name: XDS_CLUSTER,
    type: isIP(host) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: '1s',
    load_assignment: { cluster_name: XDS_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(host, port) } }] }] },
    typed_extension_protocol_options: http2ProtocolOptions(),
  };
  const clusters = [xdsCluster];
  if (o.sdsSocketPath) clusters.push(sdsCluster(o.sdsSocketPath));
  return {
    node: { ...node(o), metadata: sdsMetadata(o.sdsSocketPath ? 'socket' : 'ads') },
    admin: admin(o),
    dynamic_resources: {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
        set_node_on_first_message_only: true,
      },
      lds_config: adsSource,
      cds_config: adsSource,
    },
    static_resources: { clusters },
  };
}
