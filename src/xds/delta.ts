// Incremental ADS (DeltaAggregatedResources): responses carry only the resources that changed
// (each with its own version: its content hash, so versions survive reconnects and replicas) and
// the names of those removed.
//   - subscriptions change by difference (resource_names_subscribe / _unsubscribe); an empty first
//     request, or "*", subscribes to every resource of the type (wildcard);
//   - initial_resource_versions (a reconnecting client's cache) is what the client has: only
//     resources whose version differs are sent, and those it has that no longer exist are removed;
//   - a name subscribed to that does not exist is reported once in removed_resources, so the
//     client need not wait for a timeout to know;
//   - ACK and NACK refer to the latest nonce (an older one still updates subscriptions); a NACKed
//     update is not sent again until the content changes;
//   - the first request of a type and every subscription change are answered, pushes only when
//     something changed for that stream.

import type { AdsContext, AdsStream, DeltaState, NodeConfig, TypeState } from './ads-types';
import type { DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaResource } from './protocol';
import type { EncodedResource } from './resource-encoder';
import { xdsType, type XdsType } from './resource-types';
import { acknowledge, contentHash, logForeignSecrets, typeState } from './subscriptions';

function write(stream: AdsStream, response: DeltaDiscoveryResponse): void {
  (stream.call as { write(r: DeltaDiscoveryResponse): void }).write(response);
}

export async function onDeltaRequest(ctx: AdsContext, stream: AdsStream, req: DeltaDiscoveryRequest): Promise<void> {
  const type = xdsType(req.type_url);
  if (!type) {
    if (!req.response_nonce || req.resource_names_subscribe.length) {
      ctx.log(`xDS: ${stream.nodeId} asked for ${req.type_url.slice(0, 200)}, which this server does not serve; answered that nothing exists`);
      write(stream, { system_version_info: '0', resources: [], type_url: req.type_url, removed_resources: req.resource_names_subscribe.filter((n) => n !== '*'), nonce: ctx.nextNonce() });
    }
    return;
  }
  const st = typeState(stream, type.url);
  const first = !st.delta;
  const d: DeltaState = st.delta ??= { wildcard: false, subscribed: new Set(), known: new Map(), toldAbsent: new Set() };
  if (req.response_nonce && req.response_nonce === st.nonce) acknowledge(ctx, stream, type, st, req.error_detail, st.sentVersion ?? '');
  if (first) {
    for (const [name, version] of Object.entries(req.initial_resource_versions ?? {})) d.known.set(name, version);
    if (!req.resource_names_subscribe.length) d.wildcard = true; // the legacy wildcard: an empty first request
  }
  const subscribed: string[] = [];
  for (const name of req.resource_names_subscribe) {
    if (name === '*') d.wildcard = true;
    else {
      d.subscribed.add(name);
      subscribed.push(name);
      // The client may have dropped what it asks for again: it is sent whatever the server thinks it has.
      d.known.delete(name);
      d.toldAbsent.delete(name);
    }
  }
  for (const name of req.resource_names_unsubscribe) {
    if (name === '*') d.wildcard = false;
    else {
      d.subscribed.delete(name);
      d.known.delete(name);
      d.toldAbsent.delete(name);
    }
  }
  st.names = d.wildcard ? undefined : d.subscribed;
  const changedSubscription = first || req.resource_names_subscribe.length > 0 || req.resource_names_unsubscribe.length > 0;
  if (!changedSubscription) return; // a bare ACK or NACK needs no answer
  const config = await ctx.configFor(stream);
  if (subscribed.length) logForeignSecrets(ctx, stream, type, subscribed, config);
  sendDelta(ctx, stream, type, st, config, first || subscribed.length > 0);
}

/**
 * Sends what changed for the client since what it has: new and changed resources, and removals.
 * `answer`: respond even with nothing to say (the first request of a type, new subscriptions).
 */
export function sendDelta(ctx: AdsContext, stream: AdsStream, type: XdsType, st: TypeState, config: NodeConfig, answer: boolean): void {
  if (!ctx.serving(stream) || !st.delta) return;
  const d = st.delta;
  const all = config.byType.get(type.url) ?? new Map<string, EncodedResource>();
  const served = new Map<string, EncodedResource>(d.wildcard ? all : []);
  for (const name of d.subscribed) {
    const r = all.get(name);
    if (r) served.set(name, r);
  }
  const resources: DeltaResource[] = [];
  for (const [name, r] of served) if (d.known.get(name) !== r.hash) resources.push({ name, version: r.hash, resource: r.any });
  const removed: string[] = [];
  for (const name of d.known.keys()) if (!served.has(name)) removed.push(name);
  for (const name of d.subscribed) {
    if (!served.has(name) && !d.known.has(name) && !d.toldAbsent.has(name)) removed.push(name);
  }
  if (!resources.length && !removed.length && !answer) return;
  for (const r of resources) {
    d.known.set(r.name, r.version);
    d.toldAbsent.delete(r.name);
  }
  for (const name of removed) {
    d.known.delete(name);
    if (d.subscribed.has(name)) d.toldAbsent.add(name);
  }
  const version = String(config.versions.get(type.url)?.version ?? 0);
  st.nonce = ctx.nextNonce();
  st.sentVersion = version;
  st.sentHash = contentHash(served.values());
  st.sentNames = [...d.known.keys()];
  st.sentAt = Date.now();
  st.changeAt = answer ? undefined : ctx.pushChangeAt();
  ctx.counters.responses++;
  write(stream, {
    system_version_info: version, resources, type_url: type.url, removed_resources: removed, nonce: st.nonce, control_plane: { identifier: 'awsmesh' },
  });
  ctx.observe({ kind: 'response', nodeId: stream.nodeId, stream: stream.id, type: type.short, version });
}
