// `awsmesh store copy --from URL --to URL`: option definitions only; the work is in
// src/backends/local/store/store-copy.ts, loaded when the command runs.

import type { Command } from 'commander';
import type { App } from '../../core/app';

interface CopyFlags {
  from?: string;
  to: string;
  replace?: boolean;
}

export function register(parent: Command, app: () => App): void {
  const store = parent
    .command('store')
    .description('The local backend\'s state store (SQLite file or PostgreSQL database)');
  store
    .command('copy')
    .description('Copy every resource from one store to another, e.g. a SQLite file to a shared PostgreSQL database')
    .option('--from <url>', 'sqlite:PATH or postgres://USER@HOST/DB (default: the current store: --store, AWSMESH_STORE_URL or AWSMESH_HOME)')
    .requiredOption('--to <url>', 'sqlite:PATH or postgres://USER@HOST/DB; passwords come from PGPASSWORD or ~/.pgpass, never the command line')
    .option('--replace', 'delete what the target holds first (by default a non-empty target is refused)')
    .action((flags: CopyFlags) => runCopy(app(), flags));
}

async function runCopy(app: App, flags: CopyFlags): Promise<void> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const local = require('../../backends/local') as typeof import('../../backends/local');
  const { parseStoreUrl } = require('../../backends/local/store/store-url') as typeof import('../../backends/local/store/store-url');
  const { copyStore } = require('../../backends/local/store/store-copy') as typeof import('../../backends/local/store/store-copy');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const fromSpec = flags.from !== undefined ? parseStoreUrl(flags.from, { fromArgv: true, cwd: app.io.cwd }) : local.resolveStoreSpec(app.env, app.globals.store);
  const toSpec = parseStoreUrl(flags.to, { fromArgv: true, cwd: app.io.cwd });
  const from = local.openStore(fromSpec, app.env);
  const to = local.openStore(toSpec, app.env);
  try {
    const r = await copyStore(from, to, { replace: flags.replace });
    app.io.stderr.write(`copied ${r.resources} resources and ${r.refs} references from ${from.location} to ${to.location}` +
      `${r.replaced ? ` (replacing ${r.replaced})` : ''}\n`);
  } finally {
    await Promise.all([from.close(), to.close()]);
  }
}
