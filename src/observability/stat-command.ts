// `awsmesh local stat`: golden metrics per virtual node, virtual gateway, route and gateway
// route, like `linkerd viz stat` — requests per second, success rate, latency percentiles,
// retries and ejected hosts — from the running proxies' admin endpoints, over a window between
// two scrapes (`--interval` seconds apart; `--watch` keeps going).

import type { App } from '../core/app';
import type { DiscoveredProxy } from './discovery';
import { loadSnapshot, meshesToReport, proxiesOf, secondsOption } from './mesh-source';
import { MetricsView, type Where } from './metrics-view';
import { scrapeAll, type Scrape } from './scrape';
import type { MeshSnapshot } from '../mesh/types';

export interface StatFlags {
  mesh?: string;
  watch?: boolean;
  interval?: string;
}

export type StatKind = 'virtualNode' | 'virtualGateway' | 'route' | 'gatewayRoute';

export interface StatRow {
  mesh: string;
  kind: StatKind;
  /** Node or gateway name; `router/route` or `gateway/gatewayRoute`. */
  name: string;
  /** Proxies that report this row's numbers, and how many are recorded (running or not). */
  proxies: { reachable: number; total: number };
  requests: number;
  rps: number | null;
  /** 0..1 share of responses that are not 5xx; null without requests. */
  successRate: number | null;
  latencyMs: { p50: number; p95: number; p99: number } | null;
  retries: number;
  /** Hosts of this node currently ejected by callers' outlier detection (nodes only). */
  ejectedHosts: number;
}

export interface StatReport {
  windowSeconds: number;
  rows: StatRow[];
  /** Proxies whose admin port did not answer. */
  unreachable: Array<{ mesh: string; proxy: string; admin: number; error: string }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const is5xx = (l: Record<string, string>) => l.envoy_response_code_class === '5';

function golden(
  view: MetricsView, prefix: string, where: Where, seconds: number,
): Pick<StatRow, 'requests' | 'rps' | 'successRate' | 'latencyMs'> {
  const requests = view.sum(`${prefix}_completed`, where);
  const errors = view.sum(`${prefix}_xx`, (l, p) => is5xx(l) && where(l, p));
  const q = (x: number) => view.quantile(`${prefix}_time`, x, where);
  return {
    requests,
    rps: seconds > 0 ? requests / seconds : null,
    successRate: requests > 0 ? (requests - errors) / requests : null,
    latencyMs: requests > 0 ? { p50: q(0.5), p95: q(0.95), p99: q(0.99) } : null,
  };
}

const ingress = (l: Record<string, string>) => (l.envoy_http_conn_manager_prefix ?? '').startsWith('ingress');

/** The rows of one mesh from a metrics window. */
export function meshRows(s: MeshSnapshot, proxies: DiscoveredProxy[], view: MetricsView, seconds: number): StatRow[] {
  const mesh = s.mesh.meshName;
  const rows: StatRow[] = [];
  const reachable = new Set(view.proxies());
  const count = (match: (p: DiscoveredProxy) => boolean) => {
    const mine = proxies.filter(match);
    return { reachable: mine.filter((p) => reachable.has(p)).length, total: mine.length };
  };
  for (const n of s.virtualNodes) {
    const own = (p: DiscoveredProxy) => p.kind === 'virtualNode' && p.name === n.virtualNodeName;
    const toNode: Where = (l) => l.appmesh_target_virtual_node === n.virtualNodeName;
    rows.push({
      mesh, kind: 'virtualNode', name: n.virtualNodeName, proxies: count(own),
      ...golden(view, 'envoy_http_downstream_rq', (l, p) => own(p) && ingress(l), seconds),
      retries: view.sum('envoy_cluster_upstream_rq_retry', toNode),
      ejectedHosts: view.sum('envoy_cluster_outlier_detection_ejections_active', toNode),
    });
  }
  for (const g of s.virtualGateways) {
    const own = (p: DiscoveredProxy) => p.kind === 'virtualGateway' && p.name === g.virtualGatewayName;
    rows.push({
      mesh, kind: 'virtualGateway', name: g.virtualGatewayName, proxies: count(own),
      ...golden(view, 'envoy_http_downstream_rq', (l, p) => own(p) && ingress(l), seconds),
      retries: view.sum('envoy_cluster_upstream_rq_retry', (_l, p) => own(p)),
      ejectedHosts: 0,
    });
  }
  for (const r of s.routes) {
    const services = new Set(s.virtualServices
      .filter((v) => v.spec?.provider?.virtualRouter?.virtualRouterName === r.virtualRouterName)
      .map((v) => v.virtualServiceName));
    const where: Where = (l) => l.envoy_route === r.routeName && services.has(l.appmesh_target_virtual_service);
    const callers = new Set(view.proxies().filter((p) => view.sum('envoy_vhost_route_upstream_rq_total', (l, q) => q === p && where(l, q)) > 0));
    rows.push({
      mesh, kind: 'route', name: `${r.virtualRouterName}/${r.routeName}`,
      proxies: { reachable: callers.size, total: callers.size },
      ...golden(view, 'envoy_vhost_route_upstream_rq', where, seconds),
      retries: view.sum('envoy_vhost_route_upstream_rq_retry', where),
      ejectedHosts: 0,
    });
  }
  for (const gr of s.gatewayRoutes) {
    const where: Where = (l, p) => p.kind === 'virtualGateway' && p.name === gr.virtualGatewayName
      && l.envoy_virtual_host === 'self_redirect' && l.envoy_route === gr.gatewayRouteName;
    rows.push({
      mesh, kind: 'gatewayRoute', name: `${gr.virtualGatewayName}/${gr.gatewayRouteName}`,
      proxies: count((p) => p.kind === 'virtualGateway' && p.name === gr.virtualGatewayName),
      ...golden(view, 'envoy_vhost_route_upstream_rq', where, seconds),
      retries: 0,
      ejectedHosts: 0,
    });
  }
  return rows;
}

/** Two scrapes `seconds` apart (or one more after `before`), and the report over that window. */
export async function statReport(
  snapshots: MeshSnapshot[], proxies: DiscoveredProxy[], before: Scrape[], after: Scrape[],
): Promise<StatReport> {
  const view = MetricsView.window(before, after);
  const seconds = view.seconds ?? 0;
  const rows = snapshots.flatMap((s) => meshRows(s, proxies.filter((p) => p.mesh === s.mesh.meshName), view, seconds));
  const unreachable = after.filter((x) => x.error).map((x) => ({
    mesh: x.proxy.mesh, proxy: `${x.proxy.kind}/${x.proxy.name}`, admin: x.proxy.admin, error: x.error!,
  }));
  return { windowSeconds: Number(seconds.toFixed(3)), rows, unreachable };
}

// ---- output ------------------------------------------------------------------------------------

function ms(v: number): string {
  if (!Number.isFinite(v)) return '-';
  return v < 10 ? `${v.toFixed(1)}ms` : `${Math.round(v)}ms`;
}

const KIND_TITLE: Record<StatKind, string> = {
  virtualNode: 'VIRTUAL NODE', virtualGateway: 'VIRTUAL GATEWAY', route: 'ROUTE', gatewayRoute: 'GATEWAY ROUTE',
};

/** linkerd-style aligned columns, one block per kind of row. */
export function renderStatTable(report: StatReport): string {
  const blocks: string[] = [];
  for (const kind of Object.keys(KIND_TITLE) as StatKind[]) {
    const rows = report.rows.filter((r) => r.kind === kind);
    if (!rows.length) continue;
    const multiMesh = new Set(report.rows.map((r) => r.mesh)).size > 1;
    const head = [KIND_TITLE[kind], ...(multiMesh ? ['MESH'] : []), kind === 'route' ? 'CALLERS' : 'MESHED', 'SUCCESS', 'RPS',
      'LATENCY_P50', 'LATENCY_P95', 'LATENCY_P99', 'RETRIES', ...(kind === 'virtualNode' ? ['EJECTED'] : [])];
    const table = [head, ...rows.map((r) => [
      r.name,
      ...(multiMesh ? [r.mesh] : []),
      kind === 'route' ? String(r.proxies.total) : `${r.proxies.reachable}/${r.proxies.total}`,
      r.successRate === null ? '-' : `${(r.successRate * 100).toFixed(2)}%`,
      r.rps === null || r.requests === 0 ? '-' : `${r.rps.toFixed(1)}rps`,
      r.latencyMs ? ms(r.latencyMs.p50) : '-',
      r.latencyMs ? ms(r.latencyMs.p95) : '-',
      r.latencyMs ? ms(r.latencyMs.p99) : '-',
      String(r.retries),
      ...(kind === 'virtualNode' ? [String(r.ejectedHosts)] : []),
    ])];
    const widths = head.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    blocks.push(table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('   ')).join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

// ---- the command -------------------------------------------------------------------------------

export async function runStat(app: App, flags: StatFlags): Promise<void> {
  const interval = secondsOption('interval', flags.interval, 2);
  const machine = app.globals.output !== undefined;
  const snapshotsFor = async (proxies: DiscoveredProxy[]) => {
    const meshes = await meshesToReport(app, flags.mesh, proxies);
    return Promise.all(meshes.map((m) => loadSnapshot(app, m)));
  };
  const warnIdle = (snapshots: MeshSnapshot[], proxies: DiscoveredProxy[]) => {
    for (const s of snapshots) {
      if (!proxies.some((p) => p.mesh === s.mesh.meshName && p.running)) {
        app.io.stderr.write(`No running proxies for mesh ${s.mesh.meshName}: start them with \`awsmesh local up --mesh ${s.mesh.meshName}\` or \`awsmesh proxy\`.\n`);
      }
    }
  };
  const measure = async (before?: Scrape[]) => {
    const proxies = proxiesOf(app, flags.mesh).filter((p) => p.running);
    const snapshots = await snapshotsFor(proxies);
    const first = before ?? await scrapeAll(proxies);
    // Nothing to measure without proxies: no point waiting for the window.
    if (!before && proxies.length) await sleep(interval * 1000);
    const after = await scrapeAll(proxies);
    return { report: await statReport(snapshots, proxies, first, after), after, snapshots, proxies };
  };
  const print = (report: StatReport) => {
    if (machine) {
      if (flags.watch) app.io.stdout.write(`${JSON.stringify(report)}\n`);
      else app.print(report);
      return;
    }
    if (flags.watch && app.io.stdoutIsTTY) app.io.stdout.write('\x1b[H\x1b[2J');
    app.io.stdout.write(renderStatTable(report));
    for (const u of report.unreachable) app.io.stderr.write(`${u.mesh} ${u.proxy}: admin 127.0.0.1:${u.admin} not reachable (${u.error})\n`);
  };

  let m = await measure();
  warnIdle(m.snapshots, m.proxies);
  print(m.report);
  // --watch runs until Ctrl-C (exit 130, like any interrupted command).
  while (flags.watch) {
    await sleep(interval * 1000);
    // Proxies that started since the last round are picked up; the window starts at their first scrape.
    m = await measure(m.after);
    if (!machine && !app.io.stdoutIsTTY) app.io.stdout.write('\n');
    print(m.report);
  }
}
