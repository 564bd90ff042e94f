// `awsmesh proxy`: one sidecar in the foreground. Option checking, start-up, a ready line on
// stdout, logs on stderr, and a clean stop (deregistration, drained listeners) on SIGINT/SIGTERM.

import * as os from 'os';
import type { App } from '../core/app';
import { GeneralError, UsageError } from '../base/errors';
import { Sidecar } from './sidecar';
import { localSettings } from '../backends/local/settings';
import { caDir } from '../tls/ca/store';
import { untilSignal } from '../base/signals';

export interface ProxyFlags {
  mesh?: string;
  virtualNode?: string;
  virtualGateway?: string;
  appPort?: string;
  ingressPort?: string;
  egressPort?: string;
  adminPort?: string;
  allowOtherUsers?: boolean;
  pollInterval?: string;
  quiet?: boolean;
  /** OTLP/HTTP traces endpoint (default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). */
  otlpEndpoint?: string;
  /** Worker processes serving the listeners (Envoy's --concurrency); default 1: this process serves them. */
  concurrency?: string;
}

/** `--concurrency N`: a whole number from 1 to 4 × the CPUs this process may use. */
export function concurrencyOption(value: string | undefined, cpus = os.availableParallelism()): number {
  if (value === undefined) return 1;
  const max = cpus * 4;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) {
    throw new UsageError(`argument --concurrency: expected a whole number of worker processes from 1 to ${max} (4 × ${cpus} CPUs), got '${value}'`);
  }
  return n;
}

export function portOption(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > 65535) {
    throw new UsageError(`argument --${name}: expected a port number from ${min} to 65535, got '${value}'`);
  }
  return n;
}

/** `8081` (the node's only listener) or `80=8081,8080=9090` (App Mesh listener port = local app port). */
export function parseAppPorts(value: string | undefined, listenerPorts: number[]): Record<number, number> | undefined {
  if (value === undefined) return undefined;
  const out: Record<number, number> = {};
  if (/^\d+$/.test(value)) {
    if (listenerPorts.length > 1) {
      throw new UsageError(`argument --app-port: the node has ${listenerPorts.length} listeners (${listenerPorts.join(', ')}); use LISTENER=APP pairs, e.g. ${listenerPorts[0]}=8081`);
    }
    const port = portOption('app-port', value, 1)!;
    if (listenerPorts.length === 1) out[listenerPorts[0]] = port;
    return out;
  }
  for (const pair of value.split(',')) {
    const m = /^(\d+)=(\d+)$/.exec(pair.trim());
    if (!m) throw new UsageError(`argument --app-port: expected PORT or LISTENER=APP[,LISTENER=APP…], got '${value}'`);
    const listener = portOption('app-port', m[1], 1)!;
    if (!listenerPorts.includes(listener)) {
      throw new UsageError(`argument --app-port: the node has no listener on port ${listener} (listeners: ${listenerPorts.join(', ') || 'none'})`);
    }
    out[listener] = portOption('app-port', m[2], 1)!;
  }
  return out;
}

export interface ProxyTarget {
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
  region?: string;
}

/** The proxied resource from flags, else from APPMESH_RESOURCE_ARN (short form or full ARN). */
export function proxyTarget(flags: ProxyFlags, env: NodeJS.ProcessEnv): ProxyTarget {
  if (flags.virtualNode && flags.virtualGateway) throw new UsageError('give either --virtual-node or --virtual-gateway, not both');
  const name = flags.virtualNode ?? flags.virtualGateway;
  if (name || flags.mesh) {
    if (!flags.mesh) throw new UsageError('the following arguments are required: --mesh');
    if (!name) throw new UsageError('the following arguments are required: --virtual-node or --virtual-gateway');
    return { mesh: flags.mesh, kind: flags.virtualNode ? 'virtualNode' : 'virtualGateway', name };
  }
  const arn = env.APPMESH_RESOURCE_ARN;
  if (!arn) {
    throw new UsageError('the following arguments are required: --mesh and --virtual-node/--virtual-gateway (or APPMESH_RESOURCE_ARN)');
  }
  const m = /^(?:arn:aws[\w-]*:appmesh:([\w-]+):\d{12}:)?mesh\/([^/]+)\/(virtualNode|virtualGateway)\/([^/]+)$/.exec(arn);
  if (!m) {
    throw new UsageError(`APPMESH_RESOURCE_ARN '${arn}' is not mesh/<mesh>/virtualNode/<name>, mesh/<mesh>/virtualGateway/<name> or such an ARN`);
  }
  return { region: m[1], mesh: m[2], kind: m[3] as ProxyTarget['kind'], name: m[4] };
}

export async function runProxy(app: App, flags: ProxyFlags, stop: Promise<unknown> = untilSignal()): Promise<void> {
  const io = app.io;
  const target = proxyTarget(flags, app.env);
  const ingressPort = portOption('ingress-port', flags.ingressPort);
  const egressPort = portOption('egress-port', flags.egressPort);
  const adminPort = portOption('admin-port', flags.adminPort ?? app.env.ENVOY_ADMIN_ACCESS_PORT);
  const concurrency = concurrencyOption(flags.concurrency);
  const pollMs = flags.pollInterval === undefined ? undefined : Number(flags.pollInterval);
  if (pollMs !== undefined && !(pollMs >= 100)) throw new UsageError(`argument --poll-interval: expected milliseconds ≥ 100, got '${flags.pollInterval}'`);
  const region = app.globals.region ?? target.region ?? app.region();
  const api = await app.dispatcher();
  const backend = api.backend;
  const local = backend.local;
  const log = flags.quiet ? () => undefined : (line: string) => io.stderr.write(`[${new Date().toISOString()}] ${line}\n`);

  // The app-port mapping needs the node's listener ports: read them first.
  let appPorts: Record<number, number> | undefined;
  if (flags.appPort !== undefined) {
    if (target.kind !== 'virtualNode') throw new UsageError('--app-port applies to virtual nodes only');
    const out = await api.call('appmesh', 'DescribeVirtualNode', { meshName: target.mesh, virtualNodeName: target.name }, { region });
    const spec = (out.virtualNode as { spec?: { listeners?: Array<{ portMapping: { port: number } }> } }).spec;
    appPorts = parseAppPorts(flags.appPort, (spec?.listeners ?? []).map((l) => l.portMapping.port));
  }

  // Inside a `local up --netns` namespace (netns/proxy-placement.ts): bind the namespace, then drop to uid 1337.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const placement = app.env.AWSMESH_NETNS_ADDRESS ? require('./netns/proxy-placement') as typeof import('./netns/proxy-placement') : undefined;
  const netns = placement?.netnsPlacement(app.env);
  if (netns) placement!.interceptTcp(log);
  if (netns?.uid !== undefined) {
    await api.call('appmesh', 'DescribeMesh', { meshName: target.mesh }, { region }); // opens the state database as root
    placement!.becomeProxyUser(netns.uid);
  }
  const otlpEndpoint = flags.otlpEndpoint ?? app.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const ca = caDir(localSettings(app.env).home);
  // --concurrency N > 1: worker processes serve the listeners, this one keeps config and admin.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pool = concurrency > 1 ? new (require('./workers/worker-pool') as typeof import('./workers/worker-pool')).WorkerPool({
    concurrency, caDir: ca, otlpEndpoint, quiet: flags.quiet, log,
  }) : undefined;
  const sidecar = new Sidecar({
    backend, region, mesh: target.mesh, kind: target.kind, name: target.name,
    ingressPort, egressPort, adminPort, appPorts, pollMs, log, adminForOtherUsers: flags.allowOtherUsers,
    listenAddress: netns?.listenAddress, advertiseHost: netns?.advertiseHost,
    otlpEndpoint: pool ? undefined : otlpEndpoint, caDir: ca, proxy: pool,
  });
  try {
    await pool?.start();
    await sidecar.start();
  } catch (e) {
    await sidecar.stop().catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const addr = e as NodeJS.ErrnoException & { address?: string; port?: number };
      throw new GeneralError(`Could not listen on ${addr.address ?? '127.0.0.1'}:${addr.port ?? '?'}: ${code === 'EADDRINUSE' ? 'the address is already in use' : 'permission denied'}`);
    }
    throw e;
  }
  const ports = sidecar.proxy.listeners().map((l) => `${l.direction === 'INBOUND' ? 'ingress' : 'egress'}=${l.address}:${l.port}`);
  io.stdout.write(`ready ${sidecar.nodeId} ${ports.join(' ')} admin=127.0.0.1:${sidecar.adminPort}\n`);
  log(`${sidecar.nodeId}: ${ports.join(' ')}, admin 127.0.0.1:${sidecar.adminPort}; following ${local ? `the local control plane (${local.location})` : 'the remote control plane'}; Ctrl-C to stop`);
  // Announced under AWSMESH_HOME/run so `awsmesh local stat|graph|check` find this proxy.
  const unannounce = netns ? () => undefined : announce(app, local?.home, sidecar);
  try {
    const sig = await stop;
    log(`${typeof sig === 'string' ? `${sig}: ` : ''}stopping`);
    await sidecar.stop(1000);
  } finally {
    unannounce();
  }
}

function announce(app: App, home: string | undefined, sidecar: Sidecar): () => void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { announceProxy } = require('./local/runfile') as typeof import('./local/runfile');
  const { localSettings } = require('../backends/local/settings') as typeof import('../backends/local/settings');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const { mesh, kind, name } = sidecar.proxy.telemetry.identity!;
  try {
    return announceProxy(home ?? localSettings(app.env).home, {
      pid: process.pid, mesh, kind, name, admin: sidecar.adminPort,
      ingress: sidecar.ingressPort || undefined, egress: sidecar.egressPort, startedAt: new Date().toISOString(),
    });
  } catch (e) {
    sidecar.log(`could not record this proxy under AWSMESH_HOME/run (local stat/graph/check will not see it): ${(e as Error).message}`);
    return () => undefined;
  }
}
