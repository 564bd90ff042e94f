// `awsmesh serve`: option definitions only (from the option table, so flags, environment
// variables and --config keys cannot drift apart); the server loads when the command runs.

import type { Command } from 'commander';
import type { App } from '../../core/app';
import { envName, SERVE_OPTIONS } from '../../server/serve/options';

export function register(parent: Command, app: () => App): void {
  const cmd = parent
    .command('serve')
    .description('The App Mesh control plane for real Envoy fleets: the API and ADS over TLS, SigV4 authentication and authorization against awsmesh IAM, proxy authorization, /healthz, /readyz and /metrics on an admin port')
    .option('--config <file>', 'YAML file of options (keys are the flag names); flags and AWSMESH_SERVE_* variables win');
  for (const spec of SERVE_OPTIONS) {
    const value = spec.kind === 'bool' ? '' : spec.kind === 'list' ? ' <values>' : ' <value>';
    const def = spec.default === undefined ? '' : ` (default ${Array.isArray(spec.default) ? spec.default.join(',') : spec.default})`;
    cmd.option(`--${spec.flag}${value}`, `${spec.help}${def}; ${envName(spec.flag)}`);
  }
  cmd.action(async (flags) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runProductionServe } = require('../../server/serve/production-serve-command') as typeof import('../../server/serve/production-serve-command');
    await runProductionServe(app(), flags);
  });
}
