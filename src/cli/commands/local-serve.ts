// `awsmesh local serve`: option definitions only; the server loads when the command runs.

import type { Command } from 'commander';
import type { App } from '../../core/app';

export function register(parent: Command, app: () => App): void {
  parent
    .command('serve')
    .description('Serve the local backend on the AWS wire protocols (App Mesh rest-json, IAM query, Cloud Map json) for the AWS CLI and SDKs')
    .option('--host <host>', 'address to listen on (non-loopback addresses print a warning)', '127.0.0.1')
    .option('--port <port>', 'TCP port (0 picks a free one; the address is printed on stdout)', '4566')
    .option('--max-body-bytes <bytes>', 'largest request body accepted; larger ones get 413', '1048576')
    .option('--verify-signatures', 'reject requests without a valid SigV4 signature (403)')
    .option('--access-key <id>', 'access key id signatures must use (default: the active profile or AWS_ACCESS_KEY_ID)')
    .option('--secret-key-file <file>', 'file (readable by you only) with the secret key of --access-key; or set AWSMESH_SECRET_ACCESS_KEY')
    .option('--secret-key <secret>', 'refused: a secret on the command line is visible to every user (ps); use --secret-key-file')
    .option('--xds-port <port>', 'also start the xDS (ADS) server for Envoy on this port')
    .option('--quiet', 'do not log one line per request to stderr')
    .option('--allow-reset', 'enable POST /_awsmesh/reset, which deletes all local state (for test suites)')
    .option('--allow-browser-origins', 'accept requests from web pages (requests with an Origin header are refused by default)')
    .option('--allow-other-users', 'serve processes of other users of this machine too (by default only yours; --verify-signatures lets in those who sign)')
    .option('--allow-host <name>', 'accept requests whose Host is this name (besides loopback names and IP addresses); repeatable', (v: string, all: string[]) => [...all, v], [] as string[])
    .action(async (flags) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runServe } = require('../../server/serve-command') as typeof import('../../server/serve-command');
      await runServe(app(), flags);
    });
}
