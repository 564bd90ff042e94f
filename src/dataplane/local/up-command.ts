// `awsmesh local up`: the proxies (and optionally the apps) of one mesh in the foreground, on
// the local control plane. Ctrl-C (or `awsmesh local down`) stops everything it started.

import { requireLocal } from '../../backends/backend';
import type { App } from '../../core/app';
import { GeneralError, UsageError } from '../../base/errors';
import { loadMeshSnapshot } from '../../mesh/load';
import { findVirtualNode } from '../../mesh/lookup';
import type { MeshSnapshot } from '../../mesh/types';
import { anyFreePort } from '../ports';
import { parseAppPorts } from '../proxy-command';
import { requireProxyTarget, Sidecar } from '../sidecar';
import { caDir } from '../../tls/ca/store';
import { startApp, type RunningApp } from './apps';
import { readUpConfig, type ProxyEntry } from './config';
import { startProgress, type Progress } from '../../base/progress';
import { alive, readRunRecords, removeRunRecord, writeRunRecord, type RunRecord } from './runfile';
import { untilSignal } from '../../base/signals';

export interface UpFlags {
  mesh?: string;
  config?: string;
  quiet?: boolean;
  /** OTLP/HTTP traces endpoint every proxy exports spans to. */
  otlpEndpoint?: string;
  /** Each proxy and its app in its own network namespace, behind envoy-networking.sh (Linux, root). */
  netns?: boolean;
}

export interface RunningMesh {
  mesh: string;
  sidecars: Array<{ entry: ProxyEntry; sidecar: Sidecar; app?: RunningApp }>;
  stop(): Promise<void>;
}

function label(e: ProxyEntry): string {
  return e.virtualNode ? `virtualNode/${e.virtualNode}` : `virtualGateway/${e.virtualGateway}`;
}

/** Every node and gateway of the mesh, when no config file says which. */
function defaultEntries(s: MeshSnapshot): ProxyEntry[] {
  return [
    ...s.virtualNodes.map((n) => ({ virtualNode: n.virtualNodeName })),
    ...s.virtualGateways.map((g) => ({ virtualGateway: g.virtualGatewayName })),
  ];
}

export async function runUp(app: App, flags: UpFlags, stop: Promise<unknown> = untilSignal()): Promise<void> {
  const io = app.io;
  const cfg = flags.config ? readUpConfig(flags.config) : undefined;
  const mesh = flags.mesh ?? cfg?.mesh;
  if (!mesh) throw new UsageError('the following arguments are required: --mesh (or `mesh:` in the --config file)');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (flags.netns) (require('../netns/host-tools') as typeof import('../netns/host-tools')).requireNetns();
  if (flags.netns && flags.otlpEndpoint) throw new UsageError('--otlp-endpoint cannot be combined with --netns (the proxies run in their own namespaces, away from a loopback collector)');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (flags.otlpEndpoint) (require('../telemetry/otlp') as typeof import('../telemetry/otlp')).parseOtlpEndpoint(flags.otlpEndpoint);
  const region = app.globals.region ?? cfg?.region ?? app.region();
  const api = await app.dispatcher();
  const home = requireLocal(api.backend, 'awsmesh local up').home;
  for (const { record } of readRunRecords(home)) {
    if (record?.mesh === mesh && record.pid !== process.pid && alive(record.pid)) {
      throw new GeneralError(`Mesh ${mesh} is already up (pid ${record.pid}); stop it with: awsmesh local down --mesh ${mesh}`);
    }
  }
  const p = startProgress(io, { quiet: flags.quiet });
  p.step(`Reading mesh ${mesh}`);
  const snapshot = await loadMeshSnapshot(api, mesh, { region });
  const entries = cfg?.proxies ?? defaultEntries(snapshot);
  if (!entries.length) throw new GeneralError(`Mesh ${mesh} has no virtual nodes or virtual gateways to run proxies for.`);
  for (const e of entries) {
    const target = e.virtualNode !== undefined ? { kind: 'virtualNode' as const, name: e.virtualNode } : { kind: 'virtualGateway' as const, name: e.virtualGateway! };
    await requireProxyTarget(api, snapshot, target, { region });
  }

  if (flags.netns) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runNetnsUp } = require('../netns/netns-up') as typeof import('../netns/netns-up');
    return runNetnsUp({
      mesh, region, entries, snapshot, dir: cfg?.dir ?? app.io.cwd, home, env: app.env, quiet: flags.quiet,
      progress: p, stdout: io.stdout, stderr: io.stderr, color: app.colorEnabled(),
    }, stop);
  }
  const running = await startMesh(app, {
    mesh, region, entries, dir: cfg?.dir ?? app.io.cwd, snapshot, progress: p, quiet: flags.quiet, otlpEndpoint: flags.otlpEndpoint,
  });
  let runFile: string | undefined;
  try {
    const record: RunRecord = {
      pid: process.pid, mesh, region, startedAt: new Date().toISOString(),
      apps: running.sidecars.flatMap((s) => (s.app ? [{ name: s.app.name, pid: s.app.child.pid!, cmdline: s.app.cmdline }] : [])),
      proxies: running.sidecars.map((s) => ({ name: label(s.entry), ingress: s.sidecar.ingressPort || undefined, egress: s.sidecar.egressPort, admin: s.sidecar.adminPort })),
    };
    runFile = writeRunRecord(home, record);
    p.done(`Mesh ${mesh} is up: ${running.sidecars.length} prox${running.sidecars.length === 1 ? 'y' : 'ies'}, ${record.apps.length} app${record.apps.length === 1 ? '' : 's'}`);
    io.stdout.write(summaryTable(running, app.colorEnabled()));
    io.stderr.write(`Apps reach the mesh through their proxy's egress (HTTP_PROXY). Ctrl-C or \`awsmesh local down --mesh ${mesh}\` stops everything.\n`);
    const sig = await stop;
    io.stderr.write(`${typeof sig === 'string' ? `${sig}: ` : ''}stopping mesh ${mesh}\n`);
  } finally {
    await running.stop();
    if (runFile) removeRunRecord(runFile);
  }
}

interface StartOptions {
  mesh: string;
  region: string;
  entries: ProxyEntry[];
  dir: string;
  snapshot: MeshSnapshot;
  progress: Progress;
  quiet?: boolean;
  otlpEndpoint?: string;
  /** Extra environment for every app (the demo's sample app settings). */
  appEnv?: (entry: ProxyEntry) => Record<string, string>;
}

/** Starts apps and sidecars for `entries`; on failure stops what already started. */
export async function startMesh(app: App, o: StartOptions): Promise<RunningMesh> {
  const io = app.io;
  const { backend } = await app.dispatcher();
  const local = requireLocal(backend, 'awsmesh local up');
  const started: RunningMesh['sidecars'] = [];
  const stopAll = async () => {
    await Promise.all(started.map((s) => s.sidecar.stop(500)));
    await Promise.all(started.map((s) => s.app?.stop()));
  };
  try {
    for (const e of o.entries) {
      const node = e.virtualNode ? findVirtualNode(o.snapshot, e.virtualNode) : undefined;
      const listenerPorts = (node?.spec.listeners ?? []).map((l) => l.portMapping.port);
      const egressPort = e.egressPort ?? (await anyFreePort());
      const ingressPort = e.ingressPort ?? (e.virtualNode ? await anyFreePort() : undefined);
      const adminPort = e.adminPort ?? (await anyFreePort());
      let appPorts = parseAppPorts(e.appPort, listenerPorts);
      let running: RunningApp | undefined;
      if (e.app && node) {
        const port = appPorts && listenerPorts.length ? appPorts[listenerPorts[0]] : await anyFreePort();
        if (!appPorts && listenerPorts.length) appPorts = { [listenerPorts[0]]: port };
        o.progress.step(`Starting app for ${label(e)} on port ${port}`);
        running = await startApp(
          { name: e.virtualNode!, command: e.app.command, port, cwd: o.dir, env: { ...(o.appEnv?.(e) ?? {}), ...(e.app.env ?? {}) } },
          io.stderr,
          {
            ...app.env,
            HTTP_PROXY: `http://127.0.0.1:${egressPort}`,
            http_proxy: `http://127.0.0.1:${egressPort}`,
            NO_PROXY: 'localhost,127.0.0.1',
            no_proxy: 'localhost,127.0.0.1',
            APPMESH_RESOURCE_ARN: `mesh/${o.mesh}/virtualNode/${e.virtualNode}`,
          },
        );
      }
      o.progress.step(`Starting proxy for ${label(e)}`);
      const sidecar = new Sidecar({
        backend, region: o.region, mesh: o.mesh,
        kind: e.virtualNode ? 'virtualNode' : 'virtualGateway', name: (e.virtualNode ?? e.virtualGateway)!,
        ingressPort, egressPort, adminPort, appPorts, otlpEndpoint: o.otlpEndpoint, caDir: caDir(local.home),
        log: o.quiet ? undefined : (line) => io.stderr.write(`[proxy ${e.virtualNode ?? e.virtualGateway}] ${line}\n`),
      });
      started.push({ entry: e, sidecar, app: running });
      await sidecar.start();
    }
  } catch (err) {
    o.progress.fail(`Could not start mesh ${o.mesh}`);
    await stopAll();
    throw err;
  }
  return { mesh: o.mesh, sidecars: started, stop: stopAll };
}

function summaryTable(m: RunningMesh, color: boolean): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Table = require('cli-table3') as typeof import('cli-table3');
  const t = new Table({
    head: ['Proxy', 'App', 'Ingress', 'Egress (HTTP_PROXY)', 'Admin'],
    style: color ? undefined : { head: [], border: [] },
  });
  for (const s of m.sidecars) {
    const listeners = s.sidecar.proxy.listeners();
    const ingress = listeners.filter((l) => l.direction === 'INBOUND').map((l) => `127.0.0.1:${l.port}`).join(', ') || '-';
    t.push([
      label(s.entry),
      s.app ? `pid ${s.app.child.pid}, port ${s.app.port}` : '-',
      ingress,
      `http://127.0.0.1:${s.sidecar.egressPort}`,
      `http://127.0.0.1:${s.sidecar.adminPort}`,
    ]);
  }
  return `${t.toString()}\n`;
}
