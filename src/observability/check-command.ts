// `awsmesh local check`: one command that says whether the local set-up works, like
// `linkerd check` — the state database, the control plane endpoint when one is configured, and
// per mesh: the configuration's consistency (the `awsmesh validate` rules on the live
// resources), every recorded proxy running and ready, every virtual node reachable (endpoints),
// and ejected hosts. ✓ passed, ‼ worth a look, ✗ failed (with the fix); exit 1 when any failed.

import * as fs from 'fs';
import type { App } from '../core/app';
import { ConfigError, FindingsError } from '../base/errors';
import { findVirtualGateway, findVirtualNode } from '../mesh/lookup';
import type { MeshSnapshot } from '../mesh/types';
import type { DiscoveredProxy } from './discovery';
import { loadSnapshot, meshesToShow, proxiesOf } from './mesh-source';
import { MetricsView } from './metrics-view';
import { fetchText, scrapeAll } from './scrape';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  section: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export interface CheckFlags {
  mesh?: string;
}

const MARK: Record<CheckStatus, string> = { ok: '✓', warn: '‼', fail: '✗' };

class Results {
  readonly list: CheckResult[] = [];

  constructor(private section = '') {}

  in(section: string): this {
    this.section = section;
    return this;
  }

  add(status: CheckStatus, message: string, fix?: string): void {
    this.list.push({ section: this.section, status, message, ...(fix ? { fix } : {}) });
  }
}

async function checkState(app: App, r: Results): Promise<boolean> {
  r.in('local state');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { resolveStoreSpec } = require('../backends/local') as typeof import('../backends/local');
  const spec = resolveStoreSpec(app.env, app.globals.store);
  if (spec.kind === 'postgres') {
    // A shared database: reachable, and at a schema this awsmesh knows, is what can be checked.
    try {
      await (await app.localBackend()).store.ping();
      r.add('ok', `state store reachable (${spec.display})`);
      return true;
    } catch (e) {
      r.add('fail', (e as Error).message, 'see docs/postgres.md: the URL, PGPASSWORD or ~/.pgpass, and whether the database is up');
      return false;
    }
  }
  const file = spec.file;
  if (!fs.existsSync(file)) {
    r.add('fail', `no local state at ${file}`, 'create a mesh first, e.g. `awsmesh appmesh create-mesh --mesh-name apps` (or set AWSMESH_HOME to where your state is)');
    return false;
  }
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const { schemaVersion, SCHEMA_VERSION } = require('../backends/local/store/migrations') as typeof import('../backends/local/store/migrations');
  /* eslint-enable @typescript-eslint/no-require-imports */
  let db: import('better-sqlite3').Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: 2000 });
    const quick = (db.pragma('quick_check', { simple: true }) as string);
    const version = schemaVersion(db);
    if (quick !== 'ok') {
      r.add('fail', `state database ${file} is damaged (quick_check: ${quick})`, 'restore it from `awsmesh local state export` output, or start afresh with `awsmesh local state reset --yes`');
      return false;
    }
    if (version > SCHEMA_VERSION) {
      r.add('fail', `state database schema ${version} is newer than this awsmesh knows (${SCHEMA_VERSION})`, 'upgrade awsmesh');
      return false;
    }
    r.add('ok', `state database readable (${file}, schema ${version}${version < SCHEMA_VERSION ? `, upgraded to ${SCHEMA_VERSION} on next write` : ''})`);
    return true;
  } catch (e) {
    r.add('fail', `state database ${file} cannot be read: ${(e as Error).message}`, 'check the file\'s permissions, or whether another program holds it locked');
    return false;
  } finally {
    db?.close();
  }
}

async function checkControlPlane(app: App, r: Results): Promise<boolean> {
  r.in('control plane');
  if (app.backendKind() === 'local') {
    r.add('ok', 'embedded local control plane (no --endpoint-url configured)');
    return true;
  }
  const endpoint = app.globals.endpointUrl ?? app.env.AWS_ENDPOINT_URL_APP_MESH ?? app.env.AWS_ENDPOINT_URL ?? 'AWS';
  try {
    const api = await app.dispatcher();
    await Promise.race([
      api.call('appmesh', 'ListMeshes', { limit: 1 }),
      new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref()),
    ]);
    r.add('ok', `control plane ${endpoint} answers`);
    return true;
  } catch (e) {
    const fix = e instanceof ConfigError
      ? 'configure the region and credentials the aws backend needs (--region / AWS_REGION, AWS_ACCESS_KEY_ID / a profile)'
      : 'start it with `awsmesh local serve`, or fix --endpoint-url';
    r.add('fail', `control plane ${endpoint} does not answer: ${(e as Error).message}`, fix);
    return false;
  }
}

function label(p: DiscoveredProxy): string {
  return `${p.kind === 'virtualNode' ? 'virtual node' : 'virtual gateway'} ${p.name} (admin 127.0.0.1:${p.admin})`;
}

function startHint(mesh: string, kind: 'virtualNode' | 'virtualGateway', name: string): string {
  return `\`awsmesh local up --mesh ${mesh}\`, or \`awsmesh proxy --mesh ${mesh} --${kind === 'virtualNode' ? 'virtual-node' : 'virtual-gateway'} ${name}${kind === 'virtualNode' ? ' --app-port <port>' : ''}\``;
}

function checkConfiguration(s: MeshSnapshot, r: Results): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { analyze } = require('../workflows/analyze') as typeof import('../workflows/analyze');
  const { snapshotResources } = require('../workflows/live') as typeof import('../workflows/live');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // The live resources analysed as if declared: every rule of `awsmesh validate` applies.
  const resources = snapshotResources(s).map((x) => ({ ...x, origin: 'manifest' as const }));
  const findings = analyze(resources, [], { liveChecked: true });
  let problems = 0;
  for (const f of findings) {
    if (f.severity === 'info') continue;
    problems++;
    r.add(f.severity === 'error' ? 'fail' : 'warn', `${f.code} ${f.resource ? `${f.resource}: ` : ''}${f.message}`, f.fix);
  }
  if (!problems) r.add('ok', `configuration is consistent (${resources.length} resources; the rules of \`awsmesh validate\`)`);
}

async function checkProxies(s: MeshSnapshot, proxies: DiscoveredProxy[], r: Results): Promise<DiscoveredProxy[]> {
  const mesh = s.mesh.meshName;
  const ready: DiscoveredProxy[] = [];
  for (const p of proxies) {
    if (!p.running) {
      r.add('fail', `${label(p)}: recorded by pid ${p.pid}, which is no longer running`, p.source === 'local-up'
        ? `\`awsmesh local down --mesh ${mesh}\` cleans up after a killed \`local up\``
        : `remove the stale record: rm ${p.file}`);
      continue;
    }
    const exists = p.kind === 'virtualNode' ? !!findVirtualNode(s, p.name) : !!findVirtualGateway(s, p.name);
    if (!exists) {
      r.add('fail', `${label(p)} runs for a ${p.kind} that is not in mesh ${mesh}`, `stop it (pid ${p.pid}), or create the ${p.kind} again`);
      continue;
    }
    try {
      const res = await fetchText(p.admin, '/ready', 2000);
      if (res.status === 200 && res.body.trim() === 'LIVE') ready.push(p);
      else r.add('fail', `${label(p)} is not ready (${res.status} ${res.body.trim()})`, 'see the proxy\'s log on its stderr');
    } catch (e) {
      r.add('fail', `${label(p)} does not answer: ${(e as Error).message}`, `restart it: ${startHint(mesh, p.kind, p.name)}`);
    }
  }
  if (ready.length) r.add('ok', `${ready.length} prox${ready.length === 1 ? 'y' : 'ies'} running and ready: ${ready.map((p) => p.name).join(', ')}`);
  const missing = [
    ...s.virtualNodes.filter((n) => !ready.some((p) => p.kind === 'virtualNode' && p.name === n.virtualNodeName)).map((n) => ['virtualNode', n.virtualNodeName] as const),
    ...s.virtualGateways.filter((g) => !ready.some((p) => p.kind === 'virtualGateway' && p.name === g.virtualGatewayName)).map((g) => ['virtualGateway', g.virtualGatewayName] as const),
  ];
  for (const [kind, name] of missing) {
    r.add('warn', `${kind === 'virtualNode' ? 'virtual node' : 'virtual gateway'} ${name} has no running proxy`, `start one: ${startHint(mesh, kind, name)}`);
  }
  return ready;
}

/** Where each serving node can be reached: only the local control plane knows (its proxy registry and resolver). */
async function checkEndpoints(app: App, s: MeshSnapshot, r: Results): Promise<void> {
  const api = await app.dispatcher();
  if (!api.local) return;
  const serving = s.virtualNodes.filter((n) => (n.spec.listeners ?? []).length > 0);
  const endpoints = await api.local.endpoints(s, serving.map((n) => n.virtualNodeName), { region: api.region });
  const reachable: string[] = [];
  for (const n of serving) {
    const eps = endpoints[n.virtualNodeName] ?? [];
    if (eps.length) reachable.push(`${n.virtualNodeName} (${eps.map((e) => `${e.host}:${e.port} ${e.source}`).join(', ')})`);
    else {
      r.add('fail', `virtual node ${n.virtualNodeName} has no endpoints: requests to it fail with "no healthy upstream"`,
        `start its proxy: ${startHint(s.mesh.meshName, 'virtualNode', n.virtualNodeName)}; or give it a DNS hostname that resolves / Cloud Map instances`);
    }
  }
  if (reachable.length) r.add('ok', `virtual nodes with endpoints: ${reachable.join('; ')}`);
}

async function checkTraffic(ready: DiscoveredProxy[], r: Results): Promise<void> {
  if (!ready.length) return;
  const view = MetricsView.cumulative(await scrapeAll(ready));
  const ejected = new Map<string, number>();
  let rejected = 0;
  for (const p of view.proxies()) {
    rejected += view.sum('envoy_listener_manager_lds_update_rejected', (_l, q) => q === p);
  }
  for (const n of view.labelValues('envoy_cluster_outlier_detection_ejections_active', 'appmesh_target_virtual_node')) {
    const k = view.sum('envoy_cluster_outlier_detection_ejections_active', (l) => l.appmesh_target_virtual_node === n);
    if (k > 0) ejected.set(n, k);
  }
  for (const [n, k] of ejected) {
    r.add('warn', `outlier detection has ejected ${k} host${k === 1 ? '' : 's'} of virtual node ${n}`, `look at its errors: \`awsmesh local stat\`, and the callers' /clusters page`);
  }
  if (rejected > 0) r.add('warn', `proxies rejected ${rejected} configuration update${rejected === 1 ? '' : 's'} and kept the previous one`, 'see the proxies\' logs (the reason is printed there)');
  if (!ejected.size && !rejected) r.add('ok', 'no ejected hosts, no rejected configuration updates');
}

export async function runChecks(app: App, flags: CheckFlags): Promise<CheckResult[]> {
  const r = new Results();
  const stateOk = app.backendKind() === 'local' ? await checkState(app, r) : true;
  const cpOk = await checkControlPlane(app, r);
  if (!stateOk || !cpOk) return r.list;
  const proxies = proxiesOf(app, flags.mesh);
  let meshes: string[];
  try {
    meshes = await meshesToShow(app, flags.mesh, proxies);
  } catch (e) {
    r.in(`mesh ${flags.mesh ?? ''}`.trim()).add('fail', (e as Error).message, flags.mesh ? `create it: awsmesh appmesh create-mesh --mesh-name ${flags.mesh}` : undefined);
    return r.list;
  }
  if (!meshes.length) r.in('meshes').add('warn', 'no meshes yet', 'create one: `awsmesh appmesh create-mesh --mesh-name apps`, or run `awsmesh local demo`');
  for (const mesh of meshes) {
    r.in(`mesh ${mesh}`);
    let s: MeshSnapshot;
    try {
      s = await loadSnapshot(app, mesh);
    } catch (e) {
      r.add('fail', `mesh ${mesh} cannot be read: ${(e as Error).message}`, `create it: awsmesh appmesh create-mesh --mesh-name ${mesh}`);
      continue;
    }
    const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
    r.add('ok', `mesh ${mesh}: ${[n(s.virtualNodes.length, 'virtual node'), n(s.virtualServices.length, 'virtual service'), n(s.virtualRouters.length, 'router'),
      n(s.routes.length, 'route'), n(s.virtualGateways.length, 'gateway')].join(', ')}`);
    checkConfiguration(s, r);
    const ready = await checkProxies(s, proxies.filter((p) => p.mesh === mesh), r);
    await checkEndpoints(app, s, r);
    await checkTraffic(ready, r);
  }
  return r.list;
}

export function renderChecks(results: CheckResult[]): string {
  const out: string[] = [];
  let section: string | undefined;
  for (const c of results) {
    if (c.section !== section) {
      if (section !== undefined) out.push('');
      out.push(c.section, '-'.repeat(c.section.length));
      section = c.section;
    }
    out.push(`${MARK[c.status]} ${c.message}`);
    if (c.fix && c.status !== 'ok') out.push(`    fix: ${c.fix}`);
  }
  const failed = results.filter((c) => c.status === 'fail').length;
  const warned = results.filter((c) => c.status === 'warn').length;
  out.push('', failed ? `Status check results are ${MARK.fail} (${failed} failed${warned ? `, ${warned} to look at` : ''})` : `Status check results are ${MARK.ok}${warned ? ` (${warned} to look at)` : ''}`);
  return `${out.join('\n')}\n`;
}

export async function runCheck(app: App, flags: CheckFlags): Promise<void> {
  const results = await runChecks(app, flags);
  const failed = results.filter((c) => c.status === 'fail').length;
  if (app.globals.output !== undefined) app.print({ ok: failed === 0, checks: results });
  else app.io.stdout.write(renderChecks(results));
  if (failed) throw new FindingsError(`${failed} check${failed === 1 ? '' : 's'} failed`);
}
