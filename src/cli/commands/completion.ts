// `awsmesh completion bash|zsh|fish`: prints a completion script (see src/cli/completion.ts).

import type { Command } from 'commander';
import { UsageError } from '../../base/errors';
import type { App } from '../../core/app';

const SHELLS = ['bash', 'zsh', 'fish'];

export function register(parent: Command, app: () => App): void {
  parent
    .command('completion')
    .helpOption('-h, --help', 'show this help')
    .description('Print a completion script for commands, services, operations and flags: bash, zsh or fish')
    .argument('<shell>', SHELLS.join(' | '))
    .action((shell: string) => {
      if (!SHELLS.includes(shell)) throw new UsageError(`argument shell: Invalid choice, valid choices are: ${SHELLS.join(' | ')} (got '${shell}')`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { completionScript } = require('../completion') as typeof import('../completion');
      app().io.stdout.write(completionScript(shell as 'bash' | 'zsh' | 'fish'));
    });
}
