// `awsmesh export --mesh NAME [--format yaml|json] [--dir DIR]`: a mesh as manifests `apply`
// accepts. Output is deterministic (resources in plan order, spec keys sorted, canonical specs,
// tags sorted), so export → reset → apply → export reproduces the same bytes.

import * as fs from 'fs';
import * as path from 'path';
import type { App } from '../core/app';
import { UsageError } from '../base/errors';
import { writeFileAtomic } from '../base/private-file';
import { compareAddresses, nameMembers, type KindName } from './kinds';
import { attachTags, snapshotResources } from './live';
import type { Resource } from './manifest';
import { canonicalSpec, canonicalTags } from './normalize';

export const EXPORT_FORMATS = ['yaml', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportFlags {
  mesh: string;
  format: string;
  dir?: string;
}

/** The manifest document of a resource: kind, name members, spec, tags (when there are any). */
export function manifestDocument(r: Resource): Record<string, unknown> {
  const doc: Record<string, unknown> = { kind: r.address.kind, ...nameMembers(r.address) };
  doc.spec = canonicalSpec(r.address.kind, r.spec);
  const tags = canonicalTags(r.tags);
  if (tags.length) doc.tags = tags;
  return doc;
}

function yamlText(doc: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require('yaml') as typeof import('yaml');
  return YAML.stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** One multi-document stream (YAML) or one JSON list. */
export function serializeStream(docs: Record<string, unknown>[], format: ExportFormat): string {
  if (format === 'json') return `${JSON.stringify(docs, null, 2)}\n`;
  return docs.map(yamlText).join('---\n');
}

export function serializeOne(doc: Record<string, unknown>, format: ExportFormat): string {
  return format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : yamlText(doc);
}

/** A name as a file name: characters outside [A-Za-z0-9._-] become '_'. */
function safe(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return s === '.' || s === '..' ? `_${s}` : s;
}

/** The folder of each kind under `--dir` (the mesh itself is mesh.yaml at the top). */
const LAYOUT_DIRS: Record<Exclude<KindName, 'Mesh'>, string> = {
  VirtualNode: 'virtual-nodes',
  VirtualRouter: 'virtual-routers',
  Route: 'routes',
  VirtualService: 'virtual-services',
  VirtualGateway: 'virtual-gateways',
  GatewayRoute: 'gateway-routes',
};

/** Where `--dir` puts a resource: mesh.yaml, virtual-nodes/NAME.yaml, routes/ROUTER/NAME.yaml, … */
export function exportPath(r: Resource, format: ExportFormat): string {
  const a = r.address;
  if (a.kind === 'Mesh') return `mesh.${format}`;
  const parts = [LAYOUT_DIRS[a.kind], ...(a.container !== undefined ? [safe(a.container)] : []), `${safe(a.name)}.${format}`];
  return parts.join('/');
}

/** Reads the mesh (and every tag) through the dispatcher, in plan order. */
export async function readMeshForExport(app: App, mesh: string): Promise<Resource[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadMeshSnapshot } = require('../mesh/load') as typeof import('../mesh/load');
  const api = await app.dispatcher();
  const resources = snapshotResources(await loadMeshSnapshot(api, mesh, { region: api.region }));
  await attachTags(api, resources, () => true);
  return resources.sort((a, b) => compareAddresses(a.address, b.address));
}


/** Files of a previous export under DIR that this export does not write (they would resurrect deleted resources). */
function staleFiles(dir: string, written: Set<string>): string[] {
  const stale: string[] = [];
  const isManifest = (f: string) => /\.(ya?ml|json)$/i.test(f);
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (isManifest(e.name) && !written.has(r)) stale.push(r);
    }
  };
  for (const d of Object.values(LAYOUT_DIRS)) walk(d);
  for (const f of ['mesh.yaml', 'mesh.yml', 'mesh.json']) {
    if (!written.has(f) && fs.existsSync(path.join(dir, f))) stale.push(f);
  }
  return stale.sort();
}

function removeEmptyDirs(dir: string, rel: string): void {
  const abs = path.join(dir, rel);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) return;
  for (const e of fs.readdirSync(abs, { withFileTypes: true })) if (e.isDirectory()) removeEmptyDirs(dir, `${rel}/${e.name}`);
  if (fs.readdirSync(abs).length === 0) fs.rmdirSync(abs);
}

export async function runExport(app: App, flags: ExportFlags): Promise<void> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError(`argument --format: Invalid choice, valid choices are: ${EXPORT_FORMATS.join(' | ')} (got '${flags.format}')`);
  }
  const format = flags.format as ExportFormat;
  const resources = await readMeshForExport(app, flags.mesh);
  if (!flags.dir) {
    app.io.stdout.write(serializeStream(resources.map(manifestDocument), format));
    return;
  }
  const dir = path.resolve(app.io.cwd, flags.dir);
  const written = new Set<string>();
  for (const r of resources) {
    const rel = exportPath(r, format);
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    writeFileAtomic(abs, serializeOne(manifestDocument(r), format), 0o666);
    written.add(rel);
  }
  for (const rel of staleFiles(dir, written)) {
    fs.rmSync(path.join(dir, rel));
    app.io.stderr.write(`removed ${rel} (no longer in mesh ${flags.mesh})\n`);
  }
  for (const d of Object.values(LAYOUT_DIRS)) removeEmptyDirs(dir, d);
  app.io.stderr.write(`Exported ${resources.length} resource${resources.length === 1 ? '' : 's'} of mesh ${flags.mesh} to ${flags.dir}\n`);
}
