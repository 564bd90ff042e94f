// `awsmesh local demo`: the App Mesh EC2 walkthrough, made real in a few seconds. It applies the
// walkthrough's own input files to the local control plane, starts serviceA, serviceB and
// serviceBv2 (examples/apps) beside their sidecars, sends traffic from serviceA to
// serviceb.apps.local, shows the observed 75/25 split, shifts the route, shows traffic follow,
// and removes everything it created. With --netns each service runs in its own network namespace
// behind the walkthrough's envoy-networking.sh, as on the walkthrough's EC2 instances (netns/netns-demo.ts).

import * as fs from 'fs';
import * as path from 'path';
import { requireLocal } from '../../backends/backend';
import type { App } from '../../core/app';
import { GeneralError, ServiceError, UsageError } from '../../base/errors';
import { awsmeshCommand, shellWord } from '../../base/launcher';
import { loadMeshSnapshot } from '../../mesh/load';
import { barChart } from './chart';
import { startProgress } from '../../base/progress';
import { drive, type Tally } from './traffic';
import type { NetnsDemo } from '../netns/netns-demo';
import type { ProxyEntry } from './config';
import { startMesh, type RunningMesh } from './up-command';

export interface DemoFlags {
  requests?: string;
  concurrency?: string;
  meshName?: string;
  netns?: boolean;
  quiet?: boolean;
}

const ROOT = path.resolve(__dirname, '..', '..', '..');
const WALKTHROUGH = path.join(ROOT, 'examples', 'walkthrough-ec2');
const APP = path.join(ROOT, 'examples', 'apps', 'app.js');

function intFlag(name: string, v: string | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max) throw new UsageError(`argument --${name}: expected an integer from ${min} to ${max}, got '${v}'`);
  return n;
}

function walkthroughInput(file: string, mesh: string): Record<string, unknown> {
  const input = JSON.parse(fs.readFileSync(path.join(WALKTHROUGH, file), 'utf8')) as Record<string, unknown>;
  return { ...input, meshName: mesh };
}

export async function runDemo(app: App, flags: DemoFlags): Promise<void> {
  const io = app.io;
  const n = intFlag('requests', flags.requests, 1000, 1, 1_000_000);
  const concurrency = intFlag('concurrency', flags.concurrency, 16, 1, 512);
  const mesh = flags.meshName ?? 'apps';
  const region = app.region();
  const api = await app.dispatcher();
  const local = requireLocal(api.backend, 'awsmesh local demo');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (flags.netns) (require('../netns/host-tools') as typeof import('../netns/host-tools')).requireNetns(); // before anything is created
  const t0 = Date.now();
  const call = (op: string, input: Record<string, unknown>) => api.dispatch('appmesh', op, input, { region });
  const exists = await meshExists(call, mesh);
  // The closing hint recreates the walkthrough's mesh `apps` (examples/ci/apps): in a fresh state
  // directory if this one has an `apps` the demo does not own.
  const appsTaken = mesh !== 'apps' && (await meshExists(call, 'apps'));
  if (exists) {
    throw new GeneralError(
      `A mesh named ${mesh} already exists in ${local.home}. The demo creates and deletes its own mesh: ` +
      'pass --mesh-name NAME, or run it with a fresh AWSMESH_HOME.',
    );
  }

  const p = startProgress(io, { quiet: flags.quiet });
  const out = (s: string) => io.stdout.write(s);
  let running: RunningMesh | undefined;
  let netns: NetnsDemo | undefined;
  let created = false;
  try {
    // 1. The walkthrough's App Mesh steps, with its own files (examples/walkthrough-ec2).
    p.step(`Applying the App Mesh EC2 walkthrough to the local control plane (mesh ${mesh})`);
    await call('CreateMesh', { meshName: mesh });
    created = true;
    await call('CreateVirtualService', { meshName: mesh, virtualServiceName: 'serviceb.apps.local', spec: {} });
    await call('CreateVirtualNode', walkthroughInput('create-virtual-node-serviceb.json', mesh));
    await call('CreateVirtualRouter', walkthroughInput('create-virtual-router.json', mesh));
    await call('CreateRoute', walkthroughInput('create-route.json', mesh));
    await call('CreateVirtualNode', walkthroughInput('create-virtual-node-servicebv2.json', mesh));
    await call('CreateVirtualNode', walkthroughInput('create-virtual-node-servicea.json', mesh));
    await call('UpdateVirtualService', walkthroughInput('update-virtual-service.json', mesh));
    await call('UpdateRoute', walkthroughInput('update-route.json', mesh));
    await call('CreateVirtualService', walkthroughInput('create-virtual-servicea.json', mesh));

    // 2. Sample apps and their sidecars; serviceA calls serviceb.apps.local through its egress.
    const snapshot = await loadMeshSnapshot(api, mesh, { region });
    const sample = { command: [process.execPath, APP] };
    const entries: ProxyEntry[] = [
      { virtualNode: 'serviceB', app: { ...sample, env: { APP_NAME: 'serviceB' } } },
      { virtualNode: 'serviceBv2', app: { ...sample, env: { APP_NAME: 'serviceBv2' } } },
      { virtualNode: 'serviceA', app: { ...sample, env: { APP_NAME: 'serviceA', UPSTREAM: 'http://serviceb.apps.local/' } } },
    ];
    let send: () => Promise<Tally>;
    let applied: () => Promise<number>;
    if (flags.netns) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startNetnsDemo } = require('../netns/netns-demo') as typeof import('../netns/netns-demo');
      netns = await startNetnsDemo({ mesh, region, snapshot, entries, dir: ROOT, env: app.env, step: (t) => p.step(t), stderr: io.stderr });
      send = () => netns!.drive(n, concurrency);
      applied = () => netns!.updates();
      p.done(`Mesh ${mesh}: serviceA, serviceB and serviceBv2 are running in their own network namespaces behind envoy-networking.sh`);
      out(`\n${netns.mesh.nodes.map((x) => `  ${x.name.padEnd(11)} namespace ${x.namespace}, address ${x.address}`).join('\n')}\n`);
      out('serviceA\'s app calls http://serviceb.apps.local/ by name with no proxy settings; iptables hands the call to its sidecar.\n');
    } else {
      running = await startMesh(app, {
        mesh, region, snapshot, dir: ROOT, progress: p, quiet: true, entries,
        appEnv: (e) => ({ APP_NAME: e.virtualNode ?? 'app' }),
      });
      const a = running.sidecars.find((s) => s.entry.virtualNode === 'serviceA')!.sidecar;
      send = () => drive(a.ingressPort, 'servicea.apps.local', n, concurrency);
      applied = async () => a.proxy.current?.version ?? 0;
      p.done(`Mesh ${mesh}: serviceA, serviceB and serviceBv2 are running beside their sidecars`);
    }

    out(`\nserviceA → serviceb.apps.local, ${n} requests (${concurrency} in flight), route serviceB at 75/25 (update-route.json):\n`);
    const first = await send();
    out(`${report(first, n)}\n`);

    // 3. Shift the route and time how fast serviceA's sidecar follows.
    p.step('update-route: all traffic to serviceBv2');
    const before = await applied();
    const shiftedAt = Date.now();
    await call('UpdateRoute', {
      meshName: mesh, virtualRouterName: 'serviceB', routeName: 'serviceB',
      spec: { http2Route: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 0 }, { virtualNode: 'serviceBv2', weight: 100 }] } } },
    });
    while ((await applied()) === before && Date.now() - shiftedAt < 10_000) await new Promise((r) => setTimeout(r, 5));
    const followMs = Date.now() - shiftedAt;
    p.done(`update-route applied; serviceA's sidecar switched to the new route in ${followMs} ms`);
    out(`\nAfter update-route (serviceB 0 / serviceBv2 100), ${n} more requests:\n`);
    const second = await send();
    out(`${report(second, n)}\n`);

    const failed = first.failures + second.failures;
    out(`\n${2 * n} requests through 3 sidecars${netns ? ' in 3 network namespaces' : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${failed} failed.\n`);
    if (failed > 0) throw new GeneralError(`${failed} of ${2 * n} demo requests failed`);
    if ((second.counts.get('serviceB') ?? 0) > 0) throw new GeneralError('traffic did not follow the route change');
  } finally {
    p.step('Cleaning up');
    await running?.stop();
    await netns?.mesh.stop();
    if (created) await deleteMesh(call, mesh).catch((e: Error) => io.stderr.write(`cleanup: ${e.message}\n`));
    p.done('Cleaned up');
  }
  out(runItYourself(app, appsTaken, !!flags.netns));
}

/**
 * The closing hint: the demo's mesh is gone, so the hint creates the walkthrough's mesh from its
 * manifests and runs it with its apps (examples/apps/mesh.local.yaml), with absolute paths and this
 * run's --region/--store, so it works as printed from any directory.
 */
function runItYourself(app: App, appsTaken: boolean, netns: boolean): string {
  const awsmesh = awsmeshCommand(app.env);
  const globals = [
    ...(app.globals.region ? ['--region', app.globals.region] : []),
    ...(app.globals.store && !appsTaken ? ['--store', app.globals.store] : []),
  ].map(shellWord).join(' ');
  const g = globals ? ` ${globals}` : '';
  const fresh = appsTaken ? 'export AWSMESH_HOME="$(mktemp -d)"; unset AWSMESH_STORE_URL; ' : '';
  return `\nRun it yourself (mesh apps${appsTaken ? ' in a fresh state directory' : ''}, its apps and sidecars, until Ctrl-C; see docs/dataplane.md):\n` +
    `  ${fresh}${awsmesh}${g} apply -f ${shellWord(path.join(ROOT, 'examples', 'ci', 'apps'))} --yes && ` +
    `${awsmesh}${g} local up${netns ? ' --netns' : ''} --config ${shellWord(path.join(ROOT, 'examples', 'apps', 'mesh.local.yaml'))}\n`;
}

async function meshExists(call: (op: string, input: Record<string, unknown>) => Promise<unknown>, mesh: string): Promise<boolean> {
  return call('DescribeMesh', { meshName: mesh }).then(() => true, (e: unknown) => {
    if (e instanceof ServiceError && e.code === 'NotFoundException') return false;
    throw e;
  });
}

function report(t: Tally, n: number): string {
  const rows: Array<[string, number]> = [['serviceB', t.counts.get('serviceB') ?? 0], ['serviceBv2', t.counts.get('serviceBv2') ?? 0]];
  if (t.failures) rows.push(['failed', t.failures]);
  return `${barChart(rows)}\n  (${n} requests in ${t.ms} ms, ${Math.round((n * 1000) / Math.max(1, t.ms))} req/s)`;
}

/** Removes everything the demo created, dependants first (App Mesh refuses any other order). */
async function deleteMesh(call: (op: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>, mesh: string): Promise<void> {
  const ignoreMissing = (e: unknown) => {
    if (!(e instanceof ServiceError && e.code === 'NotFoundException')) throw e;
  };
  for (const vs of ['servicea.apps.local', 'serviceb.apps.local']) await call('DeleteVirtualService', { meshName: mesh, virtualServiceName: vs }).catch(ignoreMissing);
  await call('DeleteRoute', { meshName: mesh, virtualRouterName: 'serviceB', routeName: 'serviceB' }).catch(ignoreMissing);
  await call('DeleteVirtualRouter', { meshName: mesh, virtualRouterName: 'serviceB' }).catch(ignoreMissing);
  for (const vn of ['serviceA', 'serviceB', 'serviceBv2']) await call('DeleteVirtualNode', { meshName: mesh, virtualNodeName: vn }).catch(ignoreMissing);
  await call('DeleteMesh', { meshName: mesh });
}
