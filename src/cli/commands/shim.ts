// `awsmesh shim`: prints a shell function named `aws` that sends `aws appmesh|iam|servicediscovery …`
// to awsmesh and every other command to the real AWS CLI, so scripts written for the AWS CLI run
// unchanged after `eval "$(awsmesh shim)"`. The snippet decides in the shell (no Node start-up
// for non-mesh commands) and reaches the real CLI with `command aws`, which skips functions.

import type { Command } from 'commander';
import * as path from 'path';
import { UsageError } from '../../base/errors';
import { awsmeshLauncher } from '../../base/launcher';
import { SERVICE_NAMES } from '../../model/services';
import type { App } from '../../core/app';
import { GLOBAL_OPTIONS } from '../global-options';

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** Global options that take a value, which the function must skip: the ones awsmesh itself parses. */
const VALUE_OPTIONS = GLOBAL_OPTIONS.filter((o) => o.value).map((o) => o.flag);

/** The services a script points at the mesh. STS stays with the real CLI: `aws sts get-caller-identity`
 *  in a script asks who the real AWS credentials are (awsmesh speaks STS only to serve the SDKs' own calls). */
export const SHIM_SERVICES = SERVICE_NAMES.filter((s) => s !== 'sts');

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function shimScript(shell: Shell, launcher: string = awsmeshLauncher()): string {
  const lines = [
    `# awsmesh shim (${shell}): \`aws ${SHIM_SERVICES.join('|')} …\` runs awsmesh; every other`,
    '# aws command goes to the real AWS CLI found on PATH. Load it with: eval "$(awsmesh shim)"',
    'unalias aws 2>/dev/null || true',
    'aws() {',
    '  local __awsmesh_arg __awsmesh_skip=0',
    '  for __awsmesh_arg in "$@"; do',
    '    if [ "$__awsmesh_skip" = 1 ]; then __awsmesh_skip=0; continue; fi',
    '    case "$__awsmesh_arg" in',
    `      ${VALUE_OPTIONS.join('|')}) __awsmesh_skip=1 ;;`,
    '      -*) ;;',
    `      ${SHIM_SERVICES.join('|')}) ${shellQuote(launcher)} "$@"; return ;;`,
    '      *) break ;;',
    '    esac',
    '  done',
    '  command aws "$@"',
    '}',
  ];
  // bash can hand functions to child bash processes, so `./deploy.sh` sees the shim too.
  if (shell === 'bash') lines.push('export -f aws');
  return `${lines.join('\n')}\n`;
}

function defaultShell(env: NodeJS.ProcessEnv): Shell {
  return path.basename(env.SHELL ?? '') === 'zsh' ? 'zsh' : 'bash';
}

export function register(parent: Command, app: () => App): void {
  parent
    .command('shim')
    .description('Print a shell function that routes `aws appmesh|iam|servicediscovery` to awsmesh (eval "$(awsmesh shim)")')
    .option('--shell <shell>', `shell to write the function for: ${SHELLS.join(' | ')} (default: from $SHELL, else bash)`)
    .action((flags: { shell?: string }) => {
      const a = app();
      const shell = flags.shell ?? defaultShell(a.env);
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new UsageError(`argument --shell: Invalid choice, valid choices are: ${SHELLS.join(' | ')}`);
      }
      a.io.stdout.write(shimScript(shell as Shell));
    });
}
