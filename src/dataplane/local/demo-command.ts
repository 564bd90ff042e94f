// `awsmesh local demo`: the App Mesh EC2 walkthrough, made real in a few seconds. It applies the
// walkthrough's own input files to the local control plane, starts serviceA, serviceB and
// serviceBv2 (examples/apps) beside their sidecars, sends traffic from serviceA to
// serviceb.apps.local, shows the observed 75/25 split, shifts the route, shows traffic follow,
// and removes everything it created.

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
import { startMesh, type RunningMesh } from './up-command';

export interface DemoFlags {
  requests?: string;
  concurrency?: string;
  meshName?: string;
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
    running = await startMesh(app, {
      mesh, region, snapshot, dir: ROOT, progress: p, quiet: true,
      entries: [
        { virtualNode: 'serviceB', app: sample },
        { virtualNode: 'serviceBv2', app: sample },
        { virtualNode: 'serviceA', app: { ...sample, env: { UPSTREAM: 'http://serviceb.apps.local/' } } },
      ],
      appEnv: (e) => ({ APP_NAME: e.virtualNode ?? 'app' }),
    });
    const a = running.sidecars.find((s) => s.entry.virtualNode === 'serviceA')!.sidecar;
    p.done(`Mesh ${mesh}: serviceA, serviceB and serviceBv2 are running beside their sidecars`);

    out(`\nserviceA → serviceb.apps.local, ${n} requests (${concurrency} in flight), route serviceB at 75/25 (update-route.json):\n`);
    const first = await drive(a.ingressPort, 'servicea.apps.local', n, concurrency);
    out(`${report(first, n)}\n`);

    // 3. Shift the route and time how fast serviceA's sidecar follows.
    p.step('update-route: all traffic to serviceBv2');
    const before = a.proxy.current?.version ?? 0;
    const shiftedAt = Date.now();
    await call('UpdateRoute', {
      meshName: mesh, virtualRouterName: 'serviceB', routeName: 'serviceB',
      spec: { http2Route: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 0 }, { virtualNode: 'serviceBv2', weight: 100 }] } } },
    });
    while ((a.proxy.current?.version ?? 0) === before && Date.now() - shiftedAt < 5000) await new Promise((r) => setTimeout(r, 5));
    const followMs = Date.now() - shiftedAt;
    p.done(`update-route applied; serviceA's sidecar switched to the new route in ${followMs} ms`);
    out(`\nAfter update-route (serviceB 0 / serviceBv2 100), ${n} more requests:\n`);
    const second = await drive(a.ingressPort, 'servicea.apps.local', n, concurrency);
    out(`${report(second, n)}\n`);

    const failed = first.failures + second.failures;
    out(`\n${2 * n} requests through 3 sidecars in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${failed} failed.\n`);
    if (failed > 0) throw new GeneralError(`${failed} of ${2 * n} demo requests failed`);
    if ((second.counts.get('serviceB') ?? 0) > 0) throw new GeneralError('traffic did not follow the route change');
  } finally {
    p.step('Cleaning up');
    await running?.stop();
    if (created) await deleteMesh(call, mesh).catch((e: Error) => io.stderr.write(`cleanup: ${e.message}\n`));
    p.done('Cleaned up');
  }
  out(runItYourself(app, appsTaken));
}

/**
 * The closing hint: the demo's mesh is gone, so the hint creates the walkthrough's mesh from its
 * manifests and runs it with its apps (examples/apps/mesh.local.yaml), with absolute paths and this
 * run's --region/--store, so it works as printed from any directory.
 */
function runItYourself(app: App, appsTaken: boolean): string {
  const awsmesh = awsmeshCommand(app.env);
  const globals = [
    ...(app.globals.region ? ['--region', app.globals.region] : []),
    ...(app.globals.store && !appsTaken ? ['--store', app.globals.store] : []),
  ].map(shellWord).join(' ');
  const g = globals ? ` ${globals}` : '';
  const fresh = appsTaken ? 'export AWSMESH_HOME="$(mktemp -d)"; unset AWSMESH_STORE_URL; ' : '';
  return `\nRun it yourself (mesh apps${appsTaken ? ' in a fresh state directory' : ''}, its apps and sidecars, until Ctrl-C; see docs/dataplane.md):\n` +
    `  ${fresh}${awsmesh}${g} apply -f ${shellWord(path.join(ROOT, 'examples', 'ci', 'apps'))} --yes && ` +
    `${awsmesh}${g} local up --config ${shellWord(path.join(ROOT, 'examples', 'apps', 'mesh.local.yaml'))}\n`;
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
