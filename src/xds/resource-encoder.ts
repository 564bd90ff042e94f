// Turns proto3-JSON resources into the protobuf Any payloads of a DiscoveryResponse. Every resource
// is validated strictly against Envoy's protos on the way (an invalid one is never sent), and the
// encoding is cached by content: a hundred proxies of one mesh share each unchanged resource.

import { createHash } from 'crypto';
import { encodeEnvoyResource, EnvoyConfigError } from '../envoy/validate';
import type { AnyBytes } from './protocol';
import type { EnvoyJson, XdsType } from './resource-types';

export interface EncodedResource {
  name: string;
  any: AnyBytes;
  /** Content hash: equal hashes mean byte-identical resources. */
  hash: string;
  /** The cache entry it came from. */
  readonly key: string;
}

export class ResourceEncoder {
  private cache = new Map<string, EncodedResource>();
  private used = new Set<string>();

  /** Throws EnvoyConfigError when the resource does not decode strictly. */
  encode(type: XdsType, resource: EnvoyJson): EncodedResource {
    const key = `${type.url}\n${JSON.stringify(resource)}`;
    this.used.add(key);
    let hit = this.cache.get(key);
    if (!hit) {
      const value = encodeEnvoyResource(type.message, resource);
      hit = {
        name: type.nameOf(resource),
        any: { type_url: type.url, value },
        hash: createHash('sha1').update(value).digest('base64').slice(0, 16),
        key,
      };
      this.cache.set(key, hit);
    }
    return hit;
  }

  /**
   * Drops entries neither encoded since the previous sweep nor held by `live` (the configurations
   * kept without a rebuild), so the cache holds what connected proxies are served and no more.
   */
  sweep(live: Iterable<Iterable<EncodedResource>> = []): void {
    for (const resources of live) for (const r of resources) this.used.add(r.key);
    for (const key of this.cache.keys()) if (!this.used.has(key)) this.cache.delete(key);
    this.used.clear();
  }
}

export { EnvoyConfigError };
