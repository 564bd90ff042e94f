// `awsmesh local stat | graph | check`: option definitions only; src/observability loads when a
// command runs.

import type { Command } from 'commander';
import type { App } from '../../core/app';

/* eslint-disable @typescript-eslint/no-require-imports */
export function register(parent: Command, app: () => App): void {
  parent
    .command('stat')
    .description('Golden metrics from the running proxies, like `linkerd viz stat`: requests/s, success rate, p50/p95/p99 latency, retries, ejected hosts per virtual node, gateway and route')
    .option('--mesh <name>', 'only this mesh (default: meshes with running proxies)')
    .option('--watch', 'refresh every --interval seconds until Ctrl-C')
    .option('--interval <seconds>', 'measurement window between two readings of the proxies', '2')
    .action(async (flags) => {
      const { runStat } = require('../../observability/stat-command') as typeof import('../../observability/stat-command');
      await runStat(app(), flags);
    });
  parent
    .command('graph')
    .description('The mesh topology (services → routers → routes → nodes, backends, gateways) with configured weights and, when proxies run, live traffic and error rates on the edges')
    .option('--mesh <name>', 'mesh to draw (default: the one with running proxies, or the only mesh)')
    .option('--format <format>', 'mermaid | dot | svg | png | json (default: from --file\'s extension, else mermaid)')
    .option('--file <path>', 'write to this file instead of stdout')
    .option('--window <seconds>', 'traffic over a window of this length instead of since the proxies started')
    .action(async (flags) => {
      const { runGraph } = require('../../observability/graph-command') as typeof import('../../observability/graph-command');
      await runGraph(app(), flags);
    });
  parent
    .command('check')
    .description('Verify the local set-up (state, control plane, mesh consistency, proxies ready, endpoints, ejections); exit 1 if anything failed')
    .option('--mesh <name>', 'only this mesh (default: meshes with running proxies, else all)')
    .action(async (flags) => {
      const { runCheck } = require('../../observability/check-command') as typeof import('../../observability/check-command');
      await runCheck(app(), flags);
    });
}
