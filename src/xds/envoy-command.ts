// The `awsmesh envoy` subcommands: config (static bootstrap), bootstrap (ADS bootstrap),
// status (CSDS query of an xDS server) and validate (any Envoy config file).

import * as path from 'path';
import type { App } from '../core/app';
import { FindingsError, GeneralError, ParamError, UsageError } from '../base/errors';
import { InputFileError, readInputText } from '../base/input-file';
import { NestingError, parseYaml } from '../base/structured-text';
import { BOOTSTRAP_TYPE, errorsOnly, formatIssues, validateEnvoyJson, type Issue } from '../envoy/validate';
import { dynamicBootstrap, parseXdsAddress, staticBootstrap } from './bootstrap';

interface ProxyFlags {
  mesh?: string;
  meshName?: string;
  virtualNode?: string;
  virtualGateway?: string;
  format: string;
  adminPort: string;
  validate?: boolean;
}

interface Target {
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
}

function target(flags: ProxyFlags): Target {
  const mesh = flags.mesh ?? flags.meshName;
  if (!mesh) throw new UsageError('the following arguments are required: --mesh');
  if (flags.virtualNode && flags.virtualGateway) throw new UsageError('--virtual-node and --virtual-gateway are mutually exclusive');
  if (!flags.virtualNode && !flags.virtualGateway) throw new UsageError('one of the arguments --virtual-node --virtual-gateway is required');
  return flags.virtualNode
    ? { mesh, kind: 'virtualNode', name: flags.virtualNode }
    : { mesh, kind: 'virtualGateway', name: flags.virtualGateway! };
}

function outputFormat(format: string, allowed: string[]): string {
  if (!allowed.includes(format)) throw new UsageError(`argument --format: Invalid choice, valid choices are: ${allowed.join(' | ')} (got '${format}')`);
  return format;
}

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new UsageError(`argument ${flag}: '${value}' is not a port (1-65535)`);
  return n;
}

function render(doc: unknown, format: string): string {
  if (format === 'yaml') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('yaml') as typeof import('yaml')).stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
  }
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Describe first: a missing mesh or proxy fails with the service's own NotFound error (exit 254). */
async function describeProxy(app: App, t: Target): Promise<void> {
  const input = t.kind === 'virtualNode'
    ? { meshName: t.mesh, virtualNodeName: t.name }
    : { meshName: t.mesh, virtualGatewayName: t.name };
  await (await app.dispatcher()).call('appmesh', t.kind === 'virtualNode' ? 'DescribeVirtualNode' : 'DescribeVirtualGateway', input);
}

function reportIssues(app: App, issues: Issue[], what: string): void {
  if (!issues.length) return;
  app.io.stderr.write(`${formatIssues(issues)}\n`);
  const errors = errorsOnly(issues);
  if (errors.length) throw new FindingsError(`${what}: ${errors.length} error(s) against Envoy's API`);
}

export async function runConfig(app: App, flags: ProxyFlags & { sdsSocketPath?: string }): Promise<void> {
  const t = target(flags);
  const format = outputFormat(flags.format, ['json', 'yaml']);
  const adminPort = port(flags.adminPort, '--admin-port');
  await describeProxy(app, t);
  const backend = await app.backend();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MeshConfigSource } = require('./mesh-source') as typeof import('./mesh-source');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { defaultEndpointResolver } = require('./endpoints') as typeof import('./endpoints');
  const source = new MeshConfigSource({ backend, region: app.region(), endpoints: defaultEndpointResolver(backend) });
  const result = await source.resources({ mesh: t.mesh, kind: t.kind, name: t.name, region: app.region() });
  if (!result) throw new GeneralError(`${t.kind} ${t.name} disappeared from mesh ${t.mesh} while it was being read; try again.`);
  for (const w of result.warnings) app.io.stderr.write(`warning: ${w}\n`);
  const identity = { mesh: t.mesh, kind: t.kind, name: t.name, region: app.region() };
  // A static config has no ADS: the secrets it would fetch there (ACM, and App Mesh SDS ones unless
  // an SDS agent socket is given) are resolved from the local CA now and inlined.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveStaticSecrets, SecretsUnavailableError } = require('./secrets') as typeof import('./secrets');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { CaStore } = require('../tls/ca/store') as typeof import('../tls/ca/store');
  let resources;
  try {
    resources = await resolveStaticSecrets(result, identity, {
      ca: CaStore.forEnv(app.env), sdsOverAds: !flags.sdsSocketPath, acmSans: (arn) => source.acmSans(identity, arn),
      log: (line) => app.io.stderr.write(`${line}\n`),
    });
  } catch (e) {
    if (!(e instanceof SecretsUnavailableError)) throw e;
    throw new GeneralError(
      `${e.message}${flags.sdsSocketPath ? '' : ' (or pass --sds-socket-path to leave SDS secrets to an SDS agent)'}`,
    );
  }
  const doc = staticBootstrap(resources, { node: result.node, adminPort, sdsSocketPath: flags.sdsSocketPath });
  app.io.stdout.write(render(doc, format));
  if (flags.validate) reportIssues(app, validateEnvoyJson(doc), 'the generated config');
}

export async function runBootstrap(
  app: App, flags: ProxyFlags & { xdsAddress: string; cluster?: string; sdsSocketPath?: string; appmeshImage?: boolean },
): Promise<void> {
  if (flags.appmeshImage) return runAppmeshImageBootstrap(app, flags);
  const t = target(flags);
  const format = outputFormat(flags.format, ['json', 'yaml']);
  const adminPort = port(flags.adminPort, '--admin-port');
  try {
    parseXdsAddress(flags.xdsAddress);
  } catch (e) {
    throw new UsageError(`argument --xds-address: ${(e as Error).message}`);
  }
  await describeProxy(app, t);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { nodeId } = require('../envoy/translate/names') as typeof import('../envoy/translate/names');
  const id = nodeId(t.mesh, t.kind, t.name);
  const doc = dynamicBootstrap({
    node: { id, cluster: flags.cluster ?? id }, adminPort, xdsAddress: flags.xdsAddress, sdsSocketPath: flags.sdsSocketPath,
  });
  app.io.stdout.write(render(doc, format));
  if (flags.validate) reportIssues(app, validateEnvoyJson(doc), 'the generated bootstrap');
}

/** `--appmesh-image`: the environment decides everything; the proxy-selecting flags do not apply. */
function runAppmeshImageBootstrap(app: App, flags: ProxyFlags & { cluster?: string; sdsSocketPath?: string }): void {
  const format = outputFormat(flags.format, ['json', 'yaml']);
  const given = ['mesh', 'meshName', 'virtualNode', 'virtualGateway', 'cluster', 'sdsSocketPath'].filter((k) => (flags as unknown as Record<string, unknown>)[k] !== undefined);
  if (given.length) {
    throw new UsageError(`--appmesh-image reads the proxy from the environment (APPMESH_RESOURCE_ARN, …); drop ${given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { appmeshImageBootstrap, AgentEnvError } = require('../envoy/appmesh-image') as typeof import('../envoy/appmesh-image');
  let doc;
  try {
    doc = appmeshImageBootstrap({
      env: app.env,
      // The size-limited reader and YAML parser every input file goes through.
      readFile: (file) => readInputText(path.resolve(app.io.cwd, file)),
      parseYaml: (text) => parseYaml(text),
      warn: (line) => app.io.stderr.write(`warning: ${line}\n`),
    });
  } catch (e) {
    if (e instanceof AgentEnvError) throw new UsageError(e.message);
    throw e;
  }
  app.io.stdout.write(render(doc, format));
  if (flags.validate) reportIssues(app, validateEnvoyJson(doc), 'the generated bootstrap');
}

export async function runValidate(app: App, file: string, flags: { type: string }): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { lookupEnvoyType } = require('../envoy/validate/envoy-protos') as typeof import('../envoy/validate/envoy-protos');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const protobuf = require('protobufjs') as typeof import('protobufjs');
  if (!(lookupEnvoyType(flags.type) instanceof protobuf.Type)) {
    throw new UsageError(`argument --type: ${flags.type} is not a message of Envoy's API (e.g. ${BOOTSTRAP_TYPE})`);
  }
  let text: string;
  try {
    text = readInputText(file === '-' ? file : path.resolve(app.io.cwd, file));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${e instanceof InputFileError ? e.reason : (e as Error).message}`);
  }
  let doc: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both.
    doc = parseYaml(text);
  } catch (e) {
    if (e instanceof NestingError) throw new ParamError(`${file}: ${e.message}`);
    throw new FindingsError(`${file}: not JSON or YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const issues = validateEnvoyJson(doc, flags.type);
  reportIssues(app, issues, file);
  app.io.stdout.write(`${file}: valid ${flags.type}${issues.length ? ` (${issues.length} warning(s))` : ''}\n`);
}

export async function runStatus(app: App, flags: { xdsAddress: string; format: string }): Promise<void> {
  const format = outputFormat(flags.format, ['table', 'json']);
  try {
    parseXdsAddress(flags.xdsAddress);
  } catch (e) {
    throw new UsageError(`argument --xds-address: ${(e as Error).message}`);
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fetchXdsStatus, formatStatusTable } = require('./status-client') as typeof import('./status-client');
  const proxies = await fetchXdsStatus(flags.xdsAddress);
  app.io.stdout.write(format === 'json' ? `${JSON.stringify({ proxies }, null, 2)}\n` : formatStatusTable(proxies));
}
