// `awsmesh proxy`: option definitions only; the data plane loads when the command runs.

import type { Command } from 'commander';
import type { App } from '../../core/app';

export function register(parent: Command, app: () => App): void {
  parent
    .command('proxy')
    .description('Run a sidecar proxy for a virtual node or virtual gateway (the local App Mesh Envoy)')
    .option('--mesh <name>', 'mesh name (or set APPMESH_RESOURCE_ARN=mesh/<mesh>/virtualNode/<name>)')
    .option('--virtual-node <name>', 'virtual node this proxy runs beside')
    .option('--virtual-gateway <name>', 'virtual gateway this proxy is')
    .option('--app-port <port>', "local app port for the node's listener, or LISTENER=APP pairs (default: the listener port)")
    .option('--ingress-port <port>', 'ingress listener port (default 15000 if free, else any)')
    .option('--egress-port <port>', 'egress listener port, for HTTP_PROXY=http://127.0.0.1:<port> (default 15001 if free, else any)')
    .option('--admin-port <port>', 'admin port: /ready, /server_info, /config_dump, /clusters, /stats, /stats/prometheus (default 9901 if free, else any)')
    .option('--allow-other-users', "let other users' processes read the admin pages (e.g. a Prometheus running as its own user); by default only yours")
    .option('--poll-interval <ms>', 'how often to poll a remote control plane (--endpoint-url)', undefined)
    .option('--otlp-endpoint <url>', 'export a span per request to this OTLP/HTTP collector, e.g. http://127.0.0.1:4318/v1/traces (default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)')
    .option('--concurrency <n>', 'worker processes serving the listeners, like Envoy\'s --concurrency (default 1: this process serves them)')
    .option('--quiet', 'no log lines on stderr')
    .action(async (flags) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runProxy } = require('../../dataplane/proxy-command') as typeof import('../../dataplane/proxy-command');
      await runProxy(app(), flags);
    });
}
