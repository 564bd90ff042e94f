// `awsmesh local up | down | demo`: option definitions only; the data plane loads when a command runs.

import type { Command } from 'commander';
import type { App } from '../../core/app';

export function register(parent: Command, app: () => App): void {
  parent
    .command('up')
    .description("Run a mesh's sidecar proxies (and the apps a --config file names) in the foreground; Ctrl-C stops them")
    .option('--mesh <name>', 'mesh to run (default: `mesh:` from --config)')
    .option('--config <file>', 'mesh.local.yaml: which proxies, and which command runs each app on which port')
    .option('--otlp-endpoint <url>', 'every proxy exports a span per request to this OTLP/HTTP collector (http://127.0.0.1:4318/v1/traces)')
    .option('--netns', 'each proxy and its app in its own network namespace behind envoy-networking.sh, as on the EC2 walkthrough (Linux, root)')
    .option('--quiet', 'no progress or proxy log lines on stderr')
    .action(async (flags) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runUp } = require('../../dataplane/local/up-command') as typeof import('../../dataplane/local/up-command');
      await runUp(app(), flags);
    });
  parent
    .command('down')
    .description('Stop what `awsmesh local up` started')
    .option('--mesh <name>', 'only this mesh (default: every mesh that is up)')
    .option('--timeout <seconds>', 'how long to wait for `local up` to stop', '10')
    .action(async (flags) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runDown } = require('../../dataplane/local/down-command') as typeof import('../../dataplane/local/down-command');
      await runDown(app(), flags);
    });
  parent
    .command('demo')
    .description('Run the App Mesh walkthrough for real: sample apps, sidecars, a 75/25 split, then update-route; cleans up after itself')
    .option('--requests <n>', 'requests per phase', '1000')
    .option('--concurrency <n>', 'requests in flight', '16')
    .option('--mesh-name <name>', 'mesh to create (and delete) for the demo', 'apps')
    .option('--netns', 'each service in its own network namespace behind envoy-networking.sh, called by name with no proxy settings (Linux, root)')
    .option('--quiet', 'no progress lines on stderr')
    .action(async (flags) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runDemo } = require('../../dataplane/local/demo-command') as typeof import('../../dataplane/local/demo-command');
      await runDemo(app(), flags);
    });
}
