// `awsmesh local …`: a group of subcommands, each defined by its own module (loaded when the group
// is registered; each keeps its implementation behind a require in its action handler).

import type { Command } from 'commander';
import type { App } from '../../core/app';
import type { CommandEntry } from './command-module';

/* eslint-disable @typescript-eslint/no-require-imports */

/** Subcommands of `awsmesh local …`, each owned by its own module. */
const LOCAL_COMMANDS: CommandEntry[] = [
  { name: 'serve', summary: 'Serve the local backend on the AWS wire protocols (for the AWS CLI and SDKs)', load: () => require('./local-serve') },
  { name: 'state', summary: 'The local state: status | reset | export | import', load: () => require('./local-state') },
  { name: 'dataplane', summary: 'up | down | demo: run a mesh\'s proxies and apps locally', load: () => require('./local-dataplane') },
  { name: 'observe', summary: 'stat | graph | check: metrics, topology and health of the local mesh', load: () => require('./local-observe') },
  { name: 'ca', summary: 'ca init | issue | list: the local certificate authority for mesh TLS', load: () => require('./local-ca') },
];

/* eslint-enable @typescript-eslint/no-require-imports */

export function register(parent: Command, app: () => App): void {
  const local = parent.command('local').description('The local control plane, server and data plane');
  for (const entry of LOCAL_COMMANDS) entry.load().register(local, app);
}
