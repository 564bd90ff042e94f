// What the endpoint resolver hands the data plane.

// The shapes the local control plane's capability hands out are declared with it (backend.ts).
export type { Endpoint, EndpointSource, VirtualNodeRef } from '../../backend';

export type IpPreference = 'IPv4_PREFERRED' | 'IPv6_PREFERRED' | 'IPv4_ONLY' | 'IPv6_ONLY';
