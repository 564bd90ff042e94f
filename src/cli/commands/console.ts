// `awsmesh console`: the mesh in a browser (src/console). Registration only; the server, the
// layout library and the page load when the command runs.

import type { Command } from 'commander';
import type { App } from '../../core/app';

export function register(parent: Command, app: () => App): void {
  parent
    .command('console')
    .helpOption('-h, --help', 'show this help')
    .description('A local web console on 127.0.0.1: topology with live traffic, resources with validation findings, a route weight editor, proxies and their xDS sync state')
    .option('--port <port>', 'TCP port on 127.0.0.1 (0 picks a free one)', '0')
    .option('--open', 'open the address in the desktop\'s browser')
    .option('--mesh <name>', 'the mesh shown first (default: one with running proxies, else the first)')
    .option('--xds-address <host:port>', 'an xDS server whose connected Envoys the Proxies page shows (default: the one a --endpoint-url server announces)')
    .option('--interval <seconds>', 'how often the running proxies are read (the window of the live rates)', '1')
    .action(async (flags) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runConsole } = require('../../console/console-command') as typeof import('../../console/console-command');
      await runConsole(app(), flags);
    });
}
