// Every awsmesh command group, by name. main.ts registers only the group named on the command
// line (plus names and summaries for help), so a call loads just the code it runs.
//
// Naming: a command is defined (options, help text) in `cli/commands/<group>.ts`; its `register`
// must stay cheap, so the action handler `require`s the implementation, which lives in the room
// that owns the work as `<room>/…/<command>-command.ts` exporting `run<Command>(app, flags)`
// (workflows/apply-command.ts, dataplane/proxy-command.ts, xds/envoy-command.ts, …). Everything
// else in a room is a library those modules call. A command that is only a few lines around one
// library call keeps them in its definition module (shim, completion, local state, store copy).

import type { CommandEntry } from './command-module';

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
