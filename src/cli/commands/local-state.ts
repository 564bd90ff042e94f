// `awsmesh local status | reset | export | import`: administration of the local state. The work
// is in src/backends/local/admin, loaded only when one of these commands runs.

import * as path from 'path';
import type { Command } from 'commander';
import { ParamError } from '../../base/errors';
import { InputFileError, readInputText } from '../../base/input-file';
import { writeFileAtomic } from '../../base/private-file';
import { askLine } from '../../base/prompt';
import type { App } from '../../core/app';

type Admin = typeof import('../../backends/local/admin');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const admin = (): Admin => require('../../backends/local/admin') as Admin;

export function register(parent: Command, app: () => App): void {
  parent
    .command('status')
    .description('Where the local state is and how many resources of each kind it holds, per account and region')
    .action(() => runStatus(app()));

  parent
    .command('reset')
    .description('Delete every resource of the local state (all services, accounts and regions)')
    .option('--yes', 'do not ask for confirmation (required when stdin is not a terminal)')
    .action((flags: { yes?: boolean }) => runReset(app(), Boolean(flags.yes)));

  parent
    .command('export')
    .description('Write the local state (or one mesh) as a versioned JSON/YAML document that `local import` reads back')
    .option('--mesh <name>', 'only this mesh and its resources (in the current --region)')
    .option('--format <format>', 'json or yaml', 'json')
    .option('--file <path>', 'write to this file instead of stdout')
    .action((flags: ExportFlags) => runExport(app(), flags));

  parent
    .command('import')
    .description('Add the resources of an export to the local state in one transaction (an invalid file changes nothing)')
    .argument('<file>', 'a file written by `awsmesh local export` (JSON or YAML)')
    .action((file: string) => runImport(app(), file));
}

function humanBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

async function runStatus(app: App): Promise<void> {
  const { store } = await app.localBackend();
  const report = await admin().stateStatus(store);
  // --output asks for machine-readable output; otherwise a table for people.
  if (app.globals.output !== undefined) {
    app.print(report);
    return;
  }
  const lines = [`State:     ${report.location} (${humanBytes(report.sizeBytes)})`, `Resources: ${report.totalResources}`];
  const rows = report.partitions.flatMap((p) =>
    Object.entries(p.counts).map(([key, count]) => {
      const [service, kind] = key.split(':');
      return [p.account, p.region, service, kind, String(count)];
    }),
  );
  if (rows.length) {
    const table = [['ACCOUNT', 'REGION', 'SERVICE', 'KIND', 'COUNT'], ...rows];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    lines.push('', ...table.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')));
  }
  app.io.stdout.write(`${lines.join('\n')}\n`);
}

async function runReset(app: App, yes: boolean): Promise<void> {
  const stdinIsTTY = Boolean((app.io.stdin as { isTTY?: boolean } | undefined)?.isTTY);
  if (!yes && !stdinIsTTY) {
    throw new ParamError('Refusing to delete the local state without confirmation: pass --yes (stdin is not a terminal).');
  }
  const { store } = await app.localBackend();
  const { totalResources } = await admin().stateStatus(store);
  if (!yes) {
    const answer = await askLine(app.io, `Delete all ${totalResources} resources in ${store.location}? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) {
      app.io.stderr.write('Nothing deleted.\n');
      return;
    }
  }
  await store.reset();
  app.io.stderr.write(`Deleted ${totalResources} resources from ${store.location}.\n`);
}

interface ExportFlags {
  mesh?: string;
  format: string;
  file?: string;
}

async function runExport(app: App, flags: ExportFlags): Promise<void> {
  if (flags.format !== 'json' && flags.format !== 'yaml') {
    throw new ParamError(`argument --format: Invalid choice, valid choices are: json | yaml (got '${flags.format}')`);
  }
  const { store, settings } = await app.localBackend();
  const a = admin();
  const doc = await a.exportState(store, {
    mesh: flags.mesh,
    partition: flags.mesh ? { account: settings.account, region: app.region() } : undefined,
  });
  const text = a.serializeState(doc, flags.format);
  if (!flags.file) {
    app.io.stdout.write(text);
    return;
  }
  writeFileAtomic(path.resolve(app.io.cwd, flags.file), text);
  app.io.stderr.write(`Exported ${doc.resources.length} resources to ${flags.file}.\n`);
}

async function runImport(app: App, file: string): Promise<void> {
  const a = admin();
  let text: string;
  try {
    text = readInputText(path.resolve(app.io.cwd, file));
  } catch (e) {
    throw new ParamError(`Unable to load the file ${file}: ${e instanceof InputFileError ? e.reason : (e as Error).message}`);
  }
  // Validate everything before opening the store: a bad file changes nothing.
  const doc = a.parseStateFile(text, file);
  const { store } = await app.localBackend();
  const summary = await a.importState(store, doc);
  app.io.stderr.write(`Imported ${summary.resources} resources and ${summary.refs} references into ${store.location}.\n`);
}
