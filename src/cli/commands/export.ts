// `awsmesh export --mesh NAME`: a mesh as manifests that `awsmesh apply` accepts (see
// src/workflows/export-command.ts). Registration only.

import type { Command } from 'commander';
import type { App } from '../../core/app';

export function register(parent: Command, app: () => App): void {
  parent
    .command('export')
    .helpOption('-h, --help', 'show this help')
    .description('Write a mesh as manifests for `awsmesh apply` (one file per resource under --dir, or one stream on stdout)')
    .requiredOption('--mesh <name>', 'the mesh to export')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('--dir <dir>', 'write one file per resource under this directory, grouped by kind')
    .action(async (flags: { mesh: string; format: string; dir?: string }) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runExport } = require('../../workflows/export-command') as typeof import('../../workflows/export-command');
      await runExport(app(), flags);
    });
}
