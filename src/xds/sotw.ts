// State-of-the-world ADS (StreamAggregatedResources): every response carries all the resources
// of its type the client subscribed to (all of them for a wildcard subscription).
//   - a request whose response_nonce is not the latest one sent is stale and ignored;
//   - a request carrying the latest nonce ACKs it (no error_detail) or NACKs it (error_detail);
//   - a NACKed update is not sent again until the content changes;
//   - a push sends a type only when its content for that stream changed.

import type { AdsContext, AdsStream, NodeConfig, TypeState } from './ads-types';
import type { DiscoveryRequest, DiscoveryResponse } from './protocol';
import type { EncodedResource } from './resource-encoder';
import { xdsType, type XdsType } from './resource-types';
import { acknowledge, contentHash, logForeignSecrets, typeState } from './subscriptions';

function write(stream: AdsStream, response: DiscoveryResponse): void {
  (stream.call as { write(r: DiscoveryResponse): void }).write(response);
}

export async function onSotwRequest(ctx: AdsContext, stream: AdsStream, req: DiscoveryRequest): Promise<void> {
  const type = xdsType(req.type_url);
  if (!type) {
    // Answer (empty) rather than stay silent, so the client does not wait for it; ACKs need nothing.
    if (!req.response_nonce) {
      ctx.log(`xDS: ${stream.nodeId} asked for ${req.type_url.slice(0, 200)}, which this server does not serve; answered with no resources`);
      write(stream, { version_info: '0', resources: [], type_url: req.type_url, nonce: ctx.nextNonce() });
    }
    return;
  }
  const st = typeState(stream, type.url);
  if (req.response_nonce && req.response_nonce !== st.nonce) return; // stale: superseded by a newer response
  if (req.response_nonce) acknowledge(ctx, stream, type, st, req.error_detail, req.version_info);
  const names = req.resource_names.length === 0 || req.resource_names.includes('*') ? undefined : new Set(req.resource_names);
  const subscriptionChanged = !sameNames(st.names, names) || st.nonce === undefined;
  st.names = names;
  const config = await ctx.configFor(stream);
  if (names && subscriptionChanged) logForeignSecrets(ctx, stream, type, names, config);
  sendSotw(ctx, stream, type, st, config, subscriptionChanged);
}

/** Sends the type's current resources unless the client already has (or rejected) exactly them. */
export function sendSotw(ctx: AdsContext, stream: AdsStream, type: XdsType, st: TypeState, config: NodeConfig, force: boolean): void {
  if (!ctx.serving(stream)) return;
  const all = config.byType.get(type.url) ?? new Map<string, EncodedResource>();
  const chosen: EncodedResource[] = [];
  if (st.names) {
    for (const n of st.names) {
      const r = all.get(n);
      if (r) chosen.push(r);
    }
  } else {
    chosen.push(...all.values());
  }
  const hash = contentHash(chosen);
  if (!force && (hash === st.sentHash || hash === st.nack?.hash)) return;
  const version = String(config.versions.get(type.url)?.version ?? 0);
  st.nonce = ctx.nextNonce();
  st.sentVersion = version;
  st.sentHash = hash;
  st.sentNames = chosen.map((r) => r.name);
  st.sentAt = Date.now();
  // Pushes answer a change; responses to a request do not count towards convergence time.
  st.changeAt = force ? undefined : ctx.pushChangeAt();
  ctx.counters.responses++;
  write(stream, { version_info: version, resources: chosen.map((r) => r.any), type_url: type.url, nonce: st.nonce, control_plane: { identifier: 'awsmesh' } });
  ctx.observe({ kind: 'response', nodeId: stream.nodeId, stream: stream.id, type: type.short, version });
}

function sameNames(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.size !== b.size) return false;
  for (const n of a) if (!b.has(n)) return false;
  return true;
}
