// `awsmesh migrate --to TARGET`: off App Mesh to ECS Service Connect, VPC Lattice, Gateway API or
// Istio, with a fidelity report (see src/migrate/). Registration only; the implementation loads in
// the action.

import type { Command } from 'commander';
import type { App } from '../../core/app';

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(parent: Command, app: () => App): void {
  parent
    .command('migrate')
    .helpOption('-h, --help', 'show this help')
    .description('Convert a mesh to ECS Service Connect, VPC Lattice, Gateway API or Istio, with a report of what maps, what is approximated and what is lost')
    .option('--to <target>', 'service-connect | lattice | gateway-api | istio')
    .option('-f, --filename <path>', 'manifests, CloudFormation templates or controller manifests, as validate reads them (repeatable; directories are searched)', collect, [])
    .option('--mesh <name>', 'the mesh to migrate: read from the backend (local, or --endpoint-url) without -f; with -f, meshName for documents that leave it out')
    .option('--parameter <key=value>', 'CloudFormation templates: a parameter value (repeatable; also LOGICAL.ATTR for a GetAtt, or an export name for ImportValue)', collect, [])
    .option('--stack-name <name>', 'CloudFormation templates: AWS::StackName (default: the file name without extension)')
    .option('--dir <dir>', 'write one file per generated resource under this directory (default: one stream on stdout)')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('--report <format>', 'the fidelity report on stderr: text, json or none', 'text')
    .option('--plan', 'print the migration plan (steps, files, commands) on stdout instead of the documents')
    .option('--check', "validate every generated document against the target's published schema (vendored) before writing")
    .option('--strict', 'exit 1 when a setting is lost or a sample request is routed differently')
    .option('--experimental', 'gateway-api: use the experimental channel (HTTPRoute retry)')
    .option('--namespace <name>', 'Kubernetes namespace (lattice, gateway-api, istio) or Cloud Map namespace (service-connect) where the source does not say')
    .option('--cluster <name>', 'service-connect: the ECS cluster of the services')
    .option('--pca-arn <arn>', 'service-connect: the AWS Private CA that issues Service Connect TLS certificates')
    .option('--gateway-class <name>', 'gateway-api: gatewayClassName of the Gateways made from virtual gateways')
    .action(async (flags) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runMigrate } = require('../../migrate/migrate-command') as typeof import('../../migrate/migrate-command');
      await runMigrate(app(), flags);
    });
}
