// The xDS resource types an App Mesh proxy consumes, and how each is named.

export const TYPE_URLS = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  routeConfiguration: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  clusterLoadAssignment: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

/** A resource in proto3-JSON form, as the translator emits it (typed there, opaque here). */
export type EnvoyJson = object;

/** What one proxy is served: the translator's EnvoyResources, plus the TLS secrets they reference over ADS. */
export interface XdsResources {
  listeners: EnvoyJson[];
  routeConfigs: EnvoyJson[];
  clusters: EnvoyJson[];
  endpoints: EnvoyJson[];
  /** Secrets (SDS over ADS): a source may supply some; the server resolves the rest from the local CA (secrets.ts). */
  secrets?: EnvoyJson[];
}

export interface XdsType {
  url: string;
  /** Short name used in logs and status output. */
  short: 'LDS' | 'RDS' | 'CDS' | 'EDS' | 'SDS';
  message: string;
  key: keyof XdsResources;
  nameOf(resource: EnvoyJson): string;
  /** Carries private keys: never logged, never dumped over CSDS. */
  sensitive?: boolean;
}

const field = (r: EnvoyJson, key: string) => String((r as Record<string, unknown>)[key] ?? '');
const byName = (r: EnvoyJson) => field(r, 'name');

export const XDS_TYPES: readonly XdsType[] = [
  { url: TYPE_URLS.listener, short: 'LDS', message: 'envoy.config.listener.v3.Listener', key: 'listeners', nameOf: byName },
  { url: TYPE_URLS.routeConfiguration, short: 'RDS', message: 'envoy.config.route.v3.RouteConfiguration', key: 'routeConfigs', nameOf: byName },
  { url: TYPE_URLS.cluster, short: 'CDS', message: 'envoy.config.cluster.v3.Cluster', key: 'clusters', nameOf: byName },
  {
    url: TYPE_URLS.clusterLoadAssignment, short: 'EDS', message: 'envoy.config.endpoint.v3.ClusterLoadAssignment', key: 'endpoints',
    nameOf: (r) => field(r, 'cluster_name'),
  },
  {
    url: TYPE_URLS.secret, short: 'SDS', message: 'envoy.extensions.transport_sockets.tls.v3.Secret', key: 'secrets',
    nameOf: byName, sensitive: true,
  },
];

export function xdsType(url: string): XdsType | undefined {
  return XDS_TYPES.find((t) => t.url === url);
}
