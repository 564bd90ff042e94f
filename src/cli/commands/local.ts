import type { Command } from 'commander';
import type { App } from '../../core/app';
import { LOCAL_COMMANDS } from './registry';

/** `awsmesh local …`: a group whose subcommands come from LOCAL_COMMANDS. */
export function register(parent: Command, app: () => App): void {
  const local = parent.command('local').description('The local control plane, server and data plane');
  for (const entry of LOCAL_COMMANDS) entry.load().register(local, app);
}
