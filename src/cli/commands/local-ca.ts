// `awsmesh local ca init | issue | list`: option definitions only; the CA loads when one runs.

import type { Command } from 'commander';
import type { App } from '../../core/app';

const collect = (value: string, previous: string[]) => [...previous, value];

type Commands = typeof import('../../tls/ca/ca-command');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const commands = (): Commands => require('../../tls/ca/ca-command') as Commands;

export function register(parent: Command, app: () => App): void {
  const ca = parent
    .command('ca')
    .description('The local certificate authority: certificates for mesh TLS (file, SDS and emulated ACM sources)');
  ca
    .command('init')
    .description('Create the local CA under $AWSMESH_HOME/ca (does nothing if it exists) and print its root')
    .action(() => commands().runInit(app()));
  ca
    .command('issue')
    .description("Issue a certificate for a virtual node or gateway, with the SANs App Mesh uses (its discovery name and spiffe://<mesh>/<kind>/<name>)")
    .option('--mesh <name>', 'mesh of the virtual node or gateway')
    .option('--virtual-node <name>', 'issue for this virtual node (its service discovery name becomes a DNS SAN)')
    .option('--virtual-gateway <name>', 'issue for this virtual gateway')
    .option('--san <name>', 'extra subject alternative name: a DNS name, or a URI such as spiffe://… (repeatable)', collect, [])
    .option('--days <n>', 'validity in days', '365')
    .option('--secret-name <name>', 'serve it as this SDS secret (listener/client-policy sds.secretName; repeatable)', collect, [])
    .option('--acm-arn <arn>', 'stand in for this ACM certificate ARN (ACM is emulated locally; repeatable)', collect, [])
    .option('--certificate-chain-path <path>', 'spec file.certificateChain this certificate answers to when no such file exists')
    .option('--private-key-path <path>', 'spec file.privateKey that goes with --certificate-chain-path')
    .option('--trust-chain-path <path>', 'spec trust file.certificateChain that means this CA\'s root when no such file exists (repeatable)', collect, [])
    .option('--out <dir>', 'also write cert.pem, key.pem (0600) and ca.pem into this directory')
    .action((flags) => commands().runIssue(app(), flags));
  ca
    .command('list')
    .description('Issued certificates: subject, SANs, expiry, secret names, ARNs and paths they serve, status')
    .action(() => commands().runList(app()));
}
