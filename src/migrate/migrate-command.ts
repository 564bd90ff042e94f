// `awsmesh migrate --to TARGET (-f PATH… | --mesh NAME)`: read one mesh from any source awsmesh
// reads, convert it, and write the documents (stdout or --dir), the fidelity report (stderr) and,
// with --plan, the migration plan. Nothing is written when the source is unreadable or invalid
// (252, the findings with file:line as validate prints them) or when --check finds a document
// its schema rejects (1). --strict: exit 1 when anything is lost.

import * as path from 'path';
import type { App } from '../core/app';
import { FindingsError, ParamError, UsageError } from '../base/errors';
import { EXPORT_FORMATS, type ExportFormat } from '../workflows/export-command';
import { formatFindingsText, painter, sortFindings } from '../workflows/findings';
import { loadManifestSet } from '../workflows/manifest';
import { templateContext } from '../workflows/validate-command';
import { migrate, TARGET_NAMES, type Migration, type TargetName } from './index';
import { docFile, docStream, reportJson, reportText, writeDocs } from './output';
import { planText } from './plan';
import { fromManifests, fromSnapshot, meshesOf, type MigrationSource } from './source';

export interface MigrateFlags {
  to?: string;
  filename: string[];
  mesh?: string;
  parameter?: string[];
  stackName?: string;
  dir?: string;
  format: string;
  report: string;
  strict?: boolean;
  plan?: boolean;
  check?: boolean;
  experimental?: boolean;
  namespace?: string;
  cluster?: string;
  pcaArn?: string;
  gatewayClass?: string;
}

const REPORTS = ['text', 'json', 'none'] as const;

function choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
  if (value === undefined || !(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`argument ${flag}: Invalid choice, valid choices are: ${allowed.join(' | ')}${value === undefined ? '' : ` (got '${value}')`}`);
  }
  return value as T;
}

/** Files, templates and controller manifests, read as `validate` reads them; input errors stop everything. */
function fromFiles(app: App, flags: MigrateFlags): { source: MigrationSource; label: string } {
  const set = loadManifestSet(flags.filename, app.io.cwd, { mesh: flags.mesh, cfn: templateContext(app, flags) });
  if (set.files.length === 0) throw new ParamError(`No manifest files (.json, .yaml, .yml) found in: ${flags.filename.join(', ')}`);
  // AM00xx errors are about the documents themselves (schema, kind, duplicates, unresolvable
  // template values, controller references): exactly the ones apply refuses with 252 as well.
  const errors = sortFindings(set.findings.filter((f) => f.severity === 'error' && f.code.startsWith('AM00')));
  if (errors.length) {
    app.io.stderr.write(formatFindingsText(errors, painter(app.colorEnabled())));
    throw new ParamError(`Nothing was migrated: ${errors.length} error${errors.length === 1 ? '' : 's'} in the source (see above).`);
  }
  const meshes = meshesOf(set.resources);
  if (meshes.length === 0) throw new ParamError(`No App Mesh resources in: ${flags.filename.join(', ')}`);
  const mesh = flags.mesh ?? (meshes.length === 1 ? meshes[0] : undefined);
  if (mesh === undefined) throw new UsageError(`the source holds several meshes (${meshes.join(', ')}): name one with --mesh`);
  if (!meshes.includes(mesh)) throw new ParamError(`No resources of mesh ${mesh} in the source (it holds: ${meshes.join(', ')})`);
  const files = set.files.length === 1 ? path.relative(app.io.cwd, set.files[0]) || set.files[0] : `${set.files.length} files`;
  return { source: fromManifests(set.resources, mesh), label: `mesh ${mesh} from ${files}` };
}

async function fromBackend(app: App, mesh: string): Promise<{ source: MigrationSource; label: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadMeshSnapshot } = require('../mesh/load') as typeof import('../mesh/load');
  const api = await app.dispatcher();
  const snapshot = await loadMeshSnapshot(api, mesh, { region: api.region });
  const where = app.globals.endpointUrl ? app.globals.endpointUrl : `the ${app.backendKind()} backend`;
  return { source: fromSnapshot(snapshot), label: `mesh ${mesh} from ${where}` };
}

/** Every document against its published schema; the problems as `file: path: message` lines. */
function check(m: Migration, format: ExportFormat): { lines: string[]; schemas: Set<string> } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateDocument, schemaSource } = require('./schemas') as typeof import('./schemas');
  const lines: string[] = [];
  const schemas = new Set<string>();
  for (const d of m.docs) {
    schemas.add(schemaSource(d.schema));
    for (const p of validateDocument(d)) lines.push(`${docFile(d, format)}: ${p.path ? `${p.path}: ` : ''}${p.message}`);
  }
  return { lines, schemas };
}

export async function runMigrate(app: App, flags: MigrateFlags): Promise<void> {
  const target = choice<TargetName>('--to', flags.to, TARGET_NAMES);
  const format = choice<ExportFormat>('--format', flags.format, EXPORT_FORMATS);
  const reportFormat = choice('--report', flags.report, REPORTS);
  if (flags.filename.length === 0 && !flags.mesh) {
    throw new UsageError('migrate needs a source: -f PATH… (manifests, CloudFormation templates, controller manifests) or --mesh NAME (the backend)');
  }
  const { source, label } = flags.filename.length ? fromFiles(app, flags) : await fromBackend(app, flags.mesh!);
  const m = migrate(source, target, {
    namespace: flags.namespace, cluster: flags.cluster, pcaArn: flags.pcaArn, gatewayClass: flags.gatewayClass, experimental: flags.experimental,
  });
  const err = (s: string) => app.io.stderr.write(s);
  const quiet = reportFormat === 'json';

  if (flags.check) {
    const { lines, schemas } = check(m, format);
    if (lines.length) {
      err(`${lines.join('\n')}\n`);
      throw new FindingsError(`Nothing was written: ${lines.length} problem${lines.length === 1 ? '' : 's'} in the generated documents (see above).`);
    }
    if (!quiet) err(`checked ${m.docs.length} document${m.docs.length === 1 ? '' : 's'} against ${[...schemas].sort().join(', ')}: all valid\n`);
  }

  if (flags.dir) {
    const dir = path.resolve(app.io.cwd, flags.dir);
    const removed = writeDocs(dir, m.docs, format);
    if (!quiet) {
      for (const r of removed) err(`removed ${r} (no longer generated)\n`);
      err(`wrote ${m.docs.length} file${m.docs.length === 1 ? '' : 's'} for ${target} to ${flags.dir}\n`);
    }
  }
  if (flags.plan) app.io.stdout.write(planText(m.target, m.docs, source.snapshot, format));
  else if (!flags.dir) app.io.stdout.write(docStream(m.docs, format));

  if (reportFormat === 'json') err(reportJson(m.report, label));
  else if (reportFormat === 'text') err(reportText(m.report, painter(app.colorEnabled())));

  const c = m.report.counts();
  if (flags.strict && (c.lost > 0 || c.differences > 0)) {
    throw new FindingsError(`--strict: ${c.lost} setting${c.lost === 1 ? '' : 's'} lost and ${c.differences} routing difference${c.differences === 1 ? '' : 's'} on ${target}.`);
  }
}
