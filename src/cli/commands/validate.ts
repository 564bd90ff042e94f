// `awsmesh validate PATH…`: schema and cross-resource checks of App Mesh manifests (see
// src/workflows/validate-command.ts). Registration only; the implementation loads in the action.

import type { Command } from 'commander';
import type { App } from '../../core/app';

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(parent: Command, app: () => App): void {
  parent
    .command('validate')
    .helpOption('-h, --help', 'show this help')
    .description('Check App Mesh manifests (JSON/YAML files or directories): schemas plus cross-resource analysis with stable codes')
    .argument('<paths...>', 'files or directories (searched recursively for .json, .yaml, .yml; CloudFormation templates too)')
    .option('--mesh <name>', 'meshName for documents that leave it out')
    .option('--against-live', 'also resolve references against what exists in the backend')
    .option('--parameter <key=value>', 'CloudFormation templates: a parameter value (repeatable; also LOGICAL.ATTR for a GetAtt, or an export name for ImportValue)', collect, [])
    .option('--stack-name <name>', 'CloudFormation templates: AWS::StackName (default: the file name without extension)')
    .action(async (paths: string[], flags: { mesh?: string; againstLive?: boolean; parameter?: string[]; stackName?: string }) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runValidate } = require('../../workflows/validate-command') as typeof import('../../workflows/validate-command');
      await runValidate(app(), paths, flags);
    });
}
