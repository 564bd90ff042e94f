// `awsmesh envoy …`: Envoy configuration for App Mesh proxies. Options only; the implementation
// (translator, Envoy protos, gRPC) loads inside the action handlers.

import type { Command } from 'commander';
import type { App } from '../../core/app';

/* eslint-disable @typescript-eslint/no-require-imports */
const impl = () => require('../../xds/envoy-command') as typeof import('../../xds/envoy-command');

function proxyOptions(cmd: Command): Command {
  return cmd
    .option('--mesh <name>', 'mesh the proxy belongs to (also --mesh-name)')
    .option('--mesh-name <name>')
    .option('--virtual-node <name>', 'the virtual node whose Envoy this is')
    .option('--virtual-gateway <name>', 'the virtual gateway whose Envoy this is')
    .option('--format <format>', 'json or yaml', 'json')
    .option('--admin-port <port>', 'Envoy admin port (ENVOY_ADMIN_ACCESS_PORT)', '9901')
    .option('--validate', 'check the result against Envoy\'s API protos; problems go to stderr, exit 1 if any');
}

export function register(parent: Command, app: () => App): void {
  const envoy = parent.command('envoy').description('Envoy configuration for App Mesh proxies, validated against Envoy\'s API');

  proxyOptions(envoy.command('config'))
    .description('A complete static Envoy bootstrap: what App Mesh served this proxy (listeners, routes, clusters, endpoints, TLS secrets inline)')
    .option('--sds-socket-path <path>', 'leave App Mesh SDS secrets to the SDS agent on this Unix socket (APPMESH_SDS_SOCKET_PATH) instead of inlining them from the local CA')
    .action(async (flags) => impl().runConfig(app(), flags));

  proxyOptions(envoy.command('bootstrap'))
    .description('A dynamic Envoy bootstrap that gets its configuration over ADS from `awsmesh local serve --xds-port` (or, with --appmesh-image, the one the App Mesh Envoy image builds from its environment)')
    .option('--appmesh-image', 'build the bootstrap the App Mesh Envoy image\'s agent would, from APPMESH_RESOURCE_ARN, APPMESH_XDS_ENDPOINT, AWS_REGION, ENVOY_ADMIN_ACCESS_PORT, … in the environment')
    .option('--xds-address <host:port>', 'where the xDS server listens', '127.0.0.1:15010')
    .option('--cluster <name>', 'node cluster name (APPMESH_RESOURCE_CLUSTER; default: the node id)')
    .option('--sds-socket-path <path>', 'fetch App Mesh SDS secrets from the SDS agent on this Unix socket (APPMESH_SDS_SOCKET_PATH); default: over ADS from awsmesh')
    .action(async (flags) => impl().runBootstrap(app(), flags));

  envoy.command('status')
    .description('Proxies connected to an xDS server, with the versions they ACKed and the updates they NACKed (CSDS)')
    .option('--xds-address <host:port>', 'where the xDS server listens', '127.0.0.1:15010')
    .option('--format <format>', 'table or json', 'table')
    .action(async (flags) => impl().runStatus(app(), flags));

  envoy.command('validate')
    .description('Check an Envoy config file (JSON or YAML) against Envoy\'s API protos, like Envoy does when loading it')
    .argument('<file>', 'the config file, or - for stdin')
    .option('--type <message>', 'proto message of the document', 'envoy.config.bootstrap.v3.Bootstrap')
    .action(async (file, flags) => impl().runValidate(app(), file, flags));
}
