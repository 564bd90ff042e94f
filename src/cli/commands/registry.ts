// Every awsmesh command group, by name. main.ts registers only the group named on the command
// line (plus names and summaries for help), so a call loads just the code it runs. A command
// module's `register` must stay cheap: define options only, and `require` the implementation
// inside the action handler.

import type { Command } from 'commander';
import type { App } from '../../core/app';

export interface CommandModule {
  register(parent: Command, app: () => App): void;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load: () => CommandModule;
}

/* eslint-disable @typescript-eslint/no-require-imports */

/** Top-level command groups: `awsmesh <name> …`. */
export const COMMANDS: CommandEntry[] = [
  { name: 'appmesh', summary: 'AWS App Mesh API (all 38 operations)', load: () => require('./service').forService('appmesh') },
  { name: 'iam', summary: 'AWS IAM users, access keys, roles and policies', load: () => require('./service').forService('iam') },
  { name: 'servicediscovery', summary: 'AWS Cloud Map namespaces, services and instances', load: () => require('./service').forService('servicediscovery') },
  { name: 'sts', summary: 'AWS STS get-caller-identity (the account and identity requests are signed as)', load: () => require('./service').forService('sts') },
  { name: 'local', summary: 'The local control plane, server and data plane', load: () => require('./local') },
  { name: 'serve', summary: 'The App Mesh control plane for real Envoy fleets: API + ADS over TLS with IAM authentication and proxy authorization', load: () => require('./serve') },
  { name: 'proxy', summary: 'Run a sidecar proxy for a virtual node or gateway (the local App Mesh Envoy)', load: () => require('./proxy') },
  { name: 'envoy', summary: 'Envoy configuration (static or ADS bootstrap), xDS status, validation against Envoy\'s API', load: () => require('./envoy') },
  { name: 'shim', summary: 'Print a shell function so `aws appmesh|iam|servicediscovery` scripts run through awsmesh', load: () => require('./shim') },
  { name: 'validate', summary: 'Check App Mesh manifests: schemas plus cross-resource analysis (codes AM0001…)', load: () => require('./validate') },
  { name: 'apply', summary: 'Apply App Mesh manifests declaratively (plan, --dry-run diff, --prune)', load: () => require('./apply') },
  { name: 'migrate', summary: 'Convert a mesh to ECS Service Connect, VPC Lattice, Gateway API or Istio, with a fidelity report (codes MG0001…)', load: () => require('./migrate') },
  { name: 'export', summary: 'Write a mesh as manifests that `awsmesh apply` accepts', load: () => require('./export') },
  { name: 'store', summary: 'The local state store: copy between SQLite and PostgreSQL', load: () => require('./store') },
  { name: 'console', summary: 'The mesh in a browser: live topology, resources, route weights, proxies (127.0.0.1)', load: () => require('./console') },
  { name: 'completion', summary: 'Print a bash, zsh or fish completion script', load: () => require('./completion') },
];

/** Subcommands of `awsmesh local …`, each owned by its own module. */
export const LOCAL_COMMANDS: CommandEntry[] = [
  { name: 'serve', summary: 'Serve the local backend on the AWS wire protocols (for the AWS CLI and SDKs)', load: () => require('./local-serve') },
  { name: 'state', summary: 'The local state: status | reset | export | import', load: () => require('./local-state') },
  { name: 'dataplane', summary: 'up | down | demo: run a mesh\'s proxies and apps locally', load: () => require('./local-dataplane') },
  { name: 'observe', summary: 'stat | graph | check: metrics, topology and health of the local mesh', load: () => require('./local-observe') },
  { name: 'ca', summary: 'ca init | issue | list: the local certificate authority for mesh TLS', load: () => require('./local-ca') },
];
