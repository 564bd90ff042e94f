// The meshes as the console sees them: snapshots read through the dispatcher and kept between
// requests, and what `awsmesh validate` finds in each revision. The local store says when it
// changed (its watch); a remote server is asked again, each reload re-describing only what changed
// and spaced out in proportion to what the last one cost, so a 1,000-node mesh behind a remote
// server is not re-listed every second.

import { loadMeshSnapshot, snapshotFingerprint } from '../mesh/load';
import type { MeshSnapshot } from '../mesh/types';
import { analyze } from '../workflows/analyze';
import type { Finding } from '../workflows/findings';
import { snapshotResources } from '../workflows/live';
import type { Resource } from '../workflows/manifest';
import type { ConsoleSource } from './source';

export interface MeshState {
  snapshot: MeshSnapshot;
  /** Changes whenever any resource of the mesh changes. */
  revision: string;
  resources: Resource[];
  /** Findings by resource (`VirtualNode apps/serviceA`). */
  findings: Map<string, Finding[]>;
}

interface Entry {
  state?: MeshState;
  /** The local store changed since the last load. */
  stale?: boolean;
  loadedAt: number;
  loadMs: number;
  loading?: Promise<MeshState>;
}

/** A reload waits at least this many times as long as the previous one took. */
const COST_FACTOR = 10;

export class MeshData {
  private readonly meshes = new Map<string, Entry>();
  private readonly unwatch?: () => void;

  /** `onSnapshot`: called with each new revision as soon as it is read, before it is analysed. */
  constructor(readonly source: ConsoleSource, private readonly minAgeMs = 1000, private readonly onSnapshot?: (snapshot: MeshSnapshot) => void) {
    this.unwatch = source.api.local?.watch(() => {
      for (const e of this.meshes.values()) e.stale = true;
    });
  }

  /** Every mesh, all pages (the dispatcher's model-driven pagination). */
  async listMeshes(): Promise<string[]> {
    return (await this.source.api.all('appmesh', 'ListMeshes', {})).map((m) => m.meshName).sort();
  }

  /** The mesh, reloaded when older than the refresh spacing (or `fresh`). Concurrent callers share one load. */
  async state(mesh: string, fresh = false): Promise<MeshState> {
    const e = this.meshes.get(mesh) ?? { loadedAt: 0, loadMs: 0 };
    this.meshes.set(mesh, e);
    const current = this.unwatch ? !e.stale && e.loadedAt > 0 : Date.now() - e.loadedAt < Math.max(this.minAgeMs, COST_FACTOR * e.loadMs);
    if (e.state && !fresh && current) return e.state;
    e.loading ??= this.load(mesh, e).finally(() => {
      e.loading = undefined;
    });
    return e.loading;
  }

  private async load(mesh: string, e: Entry): Promise<MeshState> {
    const t0 = performance.now();
    e.stale = false;
    const snapshot = await loadMeshSnapshot(this.source.api, mesh, { region: this.source.api.region }, e.state?.snapshot);
    const revision = snapshotFingerprint(snapshot);
    if (!e.state || e.state.revision !== revision) {
      this.onSnapshot?.(snapshot);
      e.state = analysed(snapshot, revision);
    }
    e.loadedAt = Date.now();
    e.loadMs = performance.now() - t0;
    return e.state;
  }

  /** After a change made through the console: the next read goes to the backend. */
  invalidate(mesh: string): void {
    const e = this.meshes.get(mesh);
    if (e) e.loadedAt = 0;
  }

  close(): void {
    this.unwatch?.();
  }
}

/** The live resources analysed as if declared, like `awsmesh local check` does. */
function analysed(snapshot: MeshSnapshot, revision: string): MeshState {
  const resources = snapshotResources(snapshot);
  const findings = new Map<string, Finding[]>();
  for (const f of analyze(resources.map((r) => ({ ...r, origin: 'manifest' as const })), [], { liveChecked: true })) {
    if (!f.resource) continue;
    const list = findings.get(f.resource) ?? [];
    list.push(f);
    findings.set(f.resource, list);
  }
  return { snapshot, revision, resources, findings };
}
