// What the two ADS variants (state of the world, sotw.ts; incremental, delta.ts) do alike: the
// per-stream state of a resource type, ACK and NACK bookkeeping, and refusing to serve secrets a
// node's own resources do not use.

import type { AdsContext, AdsStream, NodeConfig, TypeState } from './ads-types';
import type { XdsType } from './resource-types';

export function typeState(stream: AdsStream, url: string): TypeState {
  let st = stream.types.get(url);
  if (!st) {
    st = { sentNames: [], nacks: 0 };
    stream.types.set(url, st);
  }
  return st;
}

/**
 * A request answering the latest response: an ACK (no error_detail) records the version the
 * client now has and, for a push, the convergence time; a NACK is logged and counted and the
 * rejected content is remembered, so it is not sent again until it changes.
 */
export function acknowledge(
  ctx: AdsContext, stream: AdsStream, type: XdsType, st: TypeState,
  error: { code?: number; message?: string } | undefined, ackedVersion: string,
): void {
  if (error && (error.message || error.code)) {
    st.nacks++;
    ctx.counters.nacks++;
    st.nack = { version: st.sentVersion ?? '', hash: st.sentHash ?? '', message: error.message ?? '', at: Date.now() };
    ctx.log(`xDS: NACK from ${stream.nodeId} for ${type.short} version ${st.sentVersion}: ${error.message}`);
    ctx.observe({ kind: 'nack', nodeId: stream.nodeId, stream: stream.id, type: type.short, version: st.sentVersion ?? '' });
    return;
  }
  ctx.counters.acks++;
  st.ackedVersion = ackedVersion;
  st.nack = undefined;
  const sinceChangeMs = st.changeAt === undefined ? undefined : Date.now() - st.changeAt;
  st.changeAt = undefined;
  ctx.observe({ kind: 'ack', nodeId: stream.nodeId, stream: stream.id, type: type.short, version: ackedVersion, sinceChangeMs });
}

/** Secrets go only to the node whose listeners and clusters use them; asking for others is logged. */
export function logForeignSecrets(ctx: AdsContext, stream: AdsStream, type: XdsType, names: Iterable<string>, config: NodeConfig): void {
  if (!type.sensitive) return;
  const own = config.byType.get(type.url);
  const foreign = [...names].filter((n) => !own?.has(n) && !config.pendingSecrets.has(n) && !config.invalid.includes(`${type.short} ${n}`));
  if (!foreign.length) return;
  // Names come from the client: a few, without control characters, are enough for the log.
  const shown = foreign.slice(0, 10).map((n) => n.slice(0, 200).replace(/[\x00-\x1f\x7f]/g, '?'));
  const more = foreign.length > shown.length ? ` and ${foreign.length - shown.length} more` : '';
  ctx.log(`xDS: ${stream.nodeId} asked for ${type.short} ${shown.join(', ')}${more}, which its listeners and clusters do not use; not served`);
}

/** The content a response carries, for "already sent" and "rejected" comparisons. */
export function contentHash(resources: Iterable<{ name: string; hash: string }>): string {
  return [...resources].map((r) => `${r.name}=${r.hash}`).sort().join(',');
}
