// `awsmesh validate PATH…`: schema and cross-resource checks of App Mesh manifests (see
// src/workflows/validate-run.ts). Registration only; the implementation loads in the action.

import type { Command } from 'commander';
import type { App } from '../app';

export function register(parent: Command, app: () => App): void {
  parent
    .command('validate')
    .helpOption('-h, --help', 'show this help')
    .description('Check App Mesh manifests (JSON/YAML files or directories): schemas plus cross-resource analysis with stable codes')
    .argument('<paths...>', 'files or directories (searched recursively for .json, .yaml, .yml)')
    .option('--mesh <name>', 'meshName for documents that leave it out')
    .option('--against-live', 'also resolve references against what exists in the backend')
    .action(async (paths: string[], flags: { mesh?: string; againstLive?: boolean }) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runValidate } = require('../../workflows/validate-run') as typeof import('../../workflows/validate-run');
      await runValidate(app(), paths, flags);
    });
}
