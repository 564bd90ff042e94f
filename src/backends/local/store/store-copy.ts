// `awsmesh store copy`: moves every resource and reference from one store to another (a laptop's
// SQLite file to the team's PostgreSQL, or back), through the same export/import the
// `local state` commands use. Idempotency records and the paging secret stay behind: they are
// short-lived, and paging tokens of the old store simply end.

import { GeneralError } from '../../../base/errors';
import { exportState, importState } from '../admin';
import type { Store } from './store';

export interface CopySummary {
  resources: number;
  refs: number;
  /** Resources the target held before (only with replace). */
  replaced: number;
}

async function resourceCount(store: Store): Promise<number> {
  return (await store.stats()).reduce((n, s) => n + Object.values(s.counts).reduce((a, b) => a + b, 0), 0);
}

export async function copyStore(from: Store, to: Store, opts: { replace?: boolean } = {}): Promise<CopySummary> {
  if (from.kind === to.kind && from.location === to.location) throw new GeneralError(`--from and --to are the same store (${from.location})`);
  // Both reachable and at a schema this version knows, before anything is read or written.
  await from.ping();
  await to.ping();
  const existing = await resourceCount(to);
  if (existing && !opts.replace) {
    throw new GeneralError(`${to.location} already holds ${existing} resources; nothing was copied (pass --replace to delete them first)`);
  }
  const doc = await exportState(from);
  if (existing) await to.reset();
  const { resources, refs } = await importState(to, doc);
  return { resources, refs, replaced: existing };
}
