// The names a mesh certificate carries (dataplane.md §1.11): a node's service-discovery name —
// its DNS hostname, or `service.namespace` for Cloud Map — which is what callers check when their
// client policy names no SAN, plus a SPIFFE-style identity `spiffe://<mesh>/<kind>/<name>`.

import type { VirtualNodeSpec } from '../../mesh/types';

/** A DNS name, possibly with one leading wildcard label. */
const DNS_NAME = /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/\S+$/;
const MAX_CN = 64;

export function discoveryName(spec: VirtualNodeSpec | undefined): string | undefined {
  const sd = spec?.serviceDiscovery;
  if (sd?.dns?.hostname) return sd.dns.hostname;
  if (sd?.awsCloudMap) return `${sd.awsCloudMap.serviceName}.${sd.awsCloudMap.namespaceName}`;
  return undefined;
}

export function meshSans(
  mesh: string, kind: 'virtualNode' | 'virtualGateway', name: string, spec: VirtualNodeSpec | undefined,
): { dns: string[]; uris: string[] } {
  const dns = discoveryName(spec);
  return { dns: dns ? [dns] : [], uris: [`spiffe://${mesh}/${kind}/${name}`] };
}

/** `--san` values: `DNS:x` / `URI:x` prefixes, else URIs by their scheme and DNS names by shape. */
export function splitSans(values: string[]): { dns: string[]; uris: string[]; invalid: string[] } {
  const out = { dns: [] as string[], uris: [] as string[], invalid: [] as string[] };
  for (const raw of values) {
    const v = raw.trim();
    const m = /^(DNS|URI):(.*)$/i.exec(v);
    const type = m ? m[1].toUpperCase() : URI.test(v) ? 'URI' : 'DNS';
    const value = m ? m[2] : v;
    if (type === 'URI' && URI.test(value)) out.uris.push(value);
    else if (type === 'DNS' && value.length <= 253 && DNS_NAME.test(value)) out.dns.push(value);
    else out.invalid.push(raw);
  }
  return out;
}

/** Subject CN: the first DNS name (or the resource name), within X.509's 64-character limit. */
export function commonName(dns: string[], fallback: string): string {
  return (dns[0] ?? fallback).slice(0, MAX_CN);
}
