// What the endpoint resolver hands the data plane.

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

export type IpPreference = 'IPv4_PREFERRED' | 'IPv6_PREFERRED' | 'IPv4_ONLY' | 'IPv6_ONLY';
