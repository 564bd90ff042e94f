// Administration of the local state: what is there (status), wiping it (reset), and moving it
// between machines or into version control (export/import). Works on any service's resources;
// only the --mesh filter knows App Mesh's layout.

import * as fs from 'fs';
import { ParamError } from '../../../base/errors';
import { NestingError, parseJson, parseYaml } from '../../../base/structured-text';
import type { Partition, Store } from '../store/store';
import {
  STATE_FORMAT, STATE_FORMAT_VERSION, stateFileProblems, toStateRef, toStateResource,
  type StateFile, type StateRef,
} from './state-file';

export * from './state-file';

export interface StatusReport {
  /** The state database. */
  location: string;
  /** Bytes on disk, write-ahead log included. */
  sizeBytes: number;
  /** Increases with every committed change. */
  changeSeq: number;
  totalResources: number;
  partitions: Array<{ account: string; region: string; counts: Record<string, number> }>;
}

function fileSize(file: string): number {
  let total = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      total += fs.statSync(f).size;
    } catch {
      // absent (no WAL yet, or not a file-backed store)
    }
  }
  return total;
}

export async function stateStatus(store: Store): Promise<StatusReport> {
  const stats = await store.stats();
  return {
    location: store.location,
    sizeBytes: fileSize(store.location),
    changeSeq: await store.changeSeq(),
    totalResources: stats.reduce((n, s) => n + Object.values(s.counts).reduce((a, b) => a + b, 0), 0),
    partitions: stats.map((s) => ({ account: s.partition.account, region: s.partition.region, counts: s.counts })),
  };
}

export interface ExportOptions {
  /** Only this App Mesh mesh (and everything in it), in `partition`. */
  mesh?: string;
  partition?: Partition;
}

/** Is an App Mesh resource the mesh `mesh` or inside it (parent `mesh` or `mesh/router`)? */
function inMesh(r: { service: string; kind: string; parent: string; name: string }, mesh: string): boolean {
  if (r.service !== 'appmesh') return false;
  if (r.kind === 'mesh') return r.parent === '' && r.name === mesh;
  return r.parent === mesh || r.parent.startsWith(`${mesh}/`);
}

export async function exportState(store: Store, opts: ExportOptions = {}): Promise<StateFile> {
  const partition = opts.mesh ? opts.partition : undefined;
  // Access keys carry their secrets, which never leave the store: re-create keys after an import.
  let resources = (await store.dump(partition)).filter((r) => !(r.service === 'iam' && r.kind === 'accessKey')).map(toStateResource);
  let refs = (await store.dumpRefs(partition)).map(toStateRef);
  if (opts.mesh) {
    const mesh = opts.mesh;
    resources = resources.filter((r) => inMesh(r, mesh));
    if (!resources.some((r) => r.kind === 'mesh')) {
      const where = partition ? ` in ${partition.account}/${partition.region}` : '';
      throw new ParamError(`There is no mesh named ${mesh}${where} in the local state.`);
    }
    const arns = new Set(resources.map((r) => r.arn));
    refs = refs.filter((r) => arns.has(r.from));
  }
  return { format: STATE_FORMAT, version: STATE_FORMAT_VERSION, resources, refs };
}

export type StateFormat = 'json' | 'yaml';

export function serializeState(doc: StateFile, format: StateFormat): string {
  if (format === 'json') return `${JSON.stringify(doc, null, 2)}\n`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require('yaml') as typeof import('yaml');
  return YAML.stringify(doc, { lineWidth: 0 });
}

/** Parses and validates an export (JSON or YAML); a bad file is a ParamError listing every problem. */
export function parseStateFile(text: string, source: string): StateFile {
  let doc: unknown;
  try {
    doc = parseJson(text);
  } catch (e) {
    if (e instanceof NestingError) throw new ParamError(`Error parsing ${source}: ${e.message}`);
    try {
      doc = parseYaml(text);
    } catch (e2) {
      if (e2 instanceof NestingError) throw new ParamError(`Error parsing ${source}: ${e2.message}`);
      throw new ParamError(`Error parsing ${source}: neither JSON nor YAML (${(e2 as Error).message.split('\n')[0]})`);
    }
  }
  const problems = stateFileProblems(doc);
  if (problems.length) {
    throw new ParamError(`${source} is not a valid awsmesh state export:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return doc as StateFile;
}

export interface ImportSummary {
  resources: number;
  refs: number;
}

const partitionKey = (account: string, region: string) => `${account}\u0000${region}`;

/**
 * Adds or replaces every resource of the file (same service/kind/parent/name) and sets their
 * references, in one transaction: either all of it is imported or nothing changes. Resources not
 * in the file are left alone (reset first to restore a state exactly).
 */
export async function importState(store: Store, doc: StateFile): Promise<ImportSummary> {
  const refsByFrom = new Map<string, StateRef[]>();
  for (const ref of doc.refs) {
    const key = `${partitionKey(ref.account, ref.region)}\u0000${ref.from}`;
    refsByFrom.set(key, [...(refsByFrom.get(key) ?? []), ref]);
  }
  await store.writeAll(async (tx) => {
    for (const r of doc.resources) {
      const t = tx({ account: r.account, region: r.region });
      const holder = await t.getByArn(r.arn);
      if (holder && (holder.service !== r.service || holder.kind !== r.kind || holder.parent !== r.parent || holder.name !== r.name)) {
        throw new ParamError(`Cannot import ${r.arn}: the local state already has that ARN for ${holder.service} ${holder.kind} "${holder.name}".`);
      }
      await t.put({
        service: r.service, kind: r.kind, parent: r.parent, name: r.name, arn: r.arn,
        data: r.data, createdAt: r.createdAt, updatedAt: r.updatedAt,
      });
      const refs = refsByFrom.get(`${partitionKey(r.account, r.region)}\u0000${r.arn}`) ?? [];
      await t.setRefs(r.arn, refs.map((x) => x.to));
    }
  });
  return { resources: doc.resources.length, refs: doc.refs.length };
}
