// `awsmesh apply -f PATH…`: declarative, idempotent apply of App Mesh manifests with a plan,
// --dry-run diff and --prune (see src/workflows/apply-command.ts). Registration only.

import type { Command } from 'commander';
import type { App } from '../../core/app';

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(parent: Command, app: () => App): void {
  parent
    .command('apply')
    .helpOption('-h, --help', 'show this help')
    .description('Create, update (and with --prune delete) App Mesh resources so the backend matches the manifests')
    .option('-f, --filename <path>', 'manifest file or directory (repeatable; directories are searched recursively)', collect, [])
    .option('--mesh <name>', 'meshName for documents that leave it out; with --prune, a mesh to prune even if nothing declares it')
    .option('--dry-run', 'print the plan as a diff and change nothing')
    .option('--prune', 'delete resources of the selected meshes that the manifests no longer declare')
    .option('--yes', 'do not ask before deleting (required for --prune deletes when not on a terminal)')
    .option('--parameter <key=value>', 'CloudFormation templates: a parameter value (repeatable; also LOGICAL.ATTR for a GetAtt, or an export name for ImportValue)', collect, [])
    .option('--stack-name <name>', 'CloudFormation templates: AWS::StackName (default: the file name without extension)')
    .action(async (flags: { filename: string[]; mesh?: string; dryRun?: boolean; prune?: boolean; yes?: boolean; parameter?: string[]; stackName?: string }) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runApply } = require('../../workflows/apply-command') as typeof import('../../workflows/apply-command');
      await runApply(app(), flags);
    });
}
