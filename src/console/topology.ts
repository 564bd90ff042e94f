// The topology page's data: the graph `awsmesh local graph` draws (services → routers → routes →
// nodes, backends, gateways), positioned by the layout, and — separately, every interval — the
// rates the running proxies measured on each edge and node, with a health colour.

import type { MeshGraph, Traffic } from '../observability/graph';
import { buildGraph } from '../observability/graph';
import type { DiscoveredProxy } from '../observability/discovery';
import type { MetricsView } from '../observability/metrics-view';
import { describeAddress, type KindName } from '../workflows/kinds';
import type { MeshSnapshot } from '../mesh/types';
import type { Health, NodeKind, Rates, Topology, TopologyEdge, TrafficUpdate } from './api-types';
import type { Layouter, LayoutInput } from './layout';
import type { MeshState } from './mesh-data';

export const NODE_W = 170;
export const NODE_H = 46;
/** Room for an edge's label: the weight line (route targets) and two lines of rates. */
const LABEL_W = 124;
const LINE_H = 14;

const KIND_NAME: Record<NodeKind, KindName> = {
  virtualService: 'VirtualService', virtualRouter: 'VirtualRouter', route: 'Route',
  virtualNode: 'VirtualNode', virtualGateway: 'VirtualGateway', gatewayRoute: 'GatewayRoute',
};

/** `VirtualNode apps/serviceB` for graph node `virtualNode:serviceB` (`route:router/route`). */
export function resourceKey(mesh: string, kind: NodeKind, nodeId: string): string {
  const path = nodeId.slice(kind.length + 1);
  const slash = path.indexOf('/');
  const contained = kind === 'route' || kind === 'gatewayRoute';
  return describeAddress({
    kind: KIND_NAME[kind], mesh,
    container: contained ? path.slice(0, slash) : undefined,
    name: contained ? path.slice(slash + 1) : path,
  });
}

/** Stable edge ids: the same graph always numbers its edges the same way. */
export function edgeIds(g: MeshGraph): string[] {
  const seen = new Map<string, number>();
  return g.edges.map((e) => {
    const base = `${e.from}>${e.to}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n ? `${base}#${n}` : base;
  });
}

/** Links drawn side by side (see fold.ts): service → router, router → route, gateway route → service. */
const ROW_KINDS = new Set<string>(['provider', 'route', 'gatewayTarget']);

/** What the layout needs of the graph: sizes and edges. */
export function layoutInputOf(g: MeshGraph, ids = edgeIds(g)): LayoutInput {
  return {
    nodes: g.nodes.map((n) => ({ id: n.id, w: NODE_W, h: NODE_H })),
    edges: g.edges.map((e, i) => ({
      id: ids[i], from: e.from, to: e.to, label: { w: LABEL_W, h: LINE_H * (e.weight !== undefined ? 3 : 2) },
      ...(ROW_KINDS.has(e.kind) ? { row: true } : {}),
    })),
  };
}

/** Starts laying out a snapshot's graph as soon as it is read (the analysis of the mesh runs meanwhile); topologyOf finds it in the layouter's cache. */
export function startLayout(snapshot: MeshSnapshot, layouter: Layouter): void {
  layouter.layout(layoutInputOf(buildGraph(snapshot))).layout.catch(() => undefined);
}

export async function topologyOf(state: MeshState, layouter: Layouter): Promise<Topology> {
  const mesh = state.snapshot.mesh.meshName;
  const g = buildGraph(state.snapshot);
  const ids = edgeIds(g);
  const layout = await layouter.layout(layoutInputOf(g, ids)).layout;
  const edges: TopologyEdge[] = g.edges.map((e, i) => ({
    id: ids[i], from: e.from, to: e.to, kind: e.kind,
    ...(e.weight !== undefined ? { weight: Math.round(e.weight * 10) / 10 } : {}),
    points: layout.edges[ids[i]] ?? [],
    ...(layout.labels[ids[i]] ? { label: layout.labels[ids[i]] } : {}),
  }));
  return {
    mesh,
    revision: state.revision,
    width: layout.width,
    height: layout.height,
    layoutMs: layout.from === 'elk' ? layout.ms : 0,
    nodes: g.nodes.map((n) => {
      const resource = resourceKey(mesh, n.kind, n.id);
      const found = state.findings.get(resource) ?? [];
      return {
        id: n.id, kind: n.kind, name: n.name, details: n.details, resource,
        x: layout.nodes[n.id]?.x ?? 0, y: layout.nodes[n.id]?.y ?? 0, w: NODE_W, h: NODE_H,
        findings: { errors: found.filter((f) => f.severity === 'error').length, warnings: found.filter((f) => f.severity === 'warning').length },
      };
    }),
    edges,
  };
}

function rates(t: Traffic): Rates {
  return {
    requests: t.requests,
    rps: t.rps ?? 0,
    successRate: t.requests > 0 ? (t.requests - t.errors) / t.requests : null,
    p99Ms: t.p99Ms !== undefined && Number.isFinite(t.p99Ms) ? t.p99Ms : null,
    ...(t.share !== undefined ? { share: t.share } : {}),
  };
}

/** Several edges' traffic as one (a router's routes): sums, and the worst p99. */
function combine(list: Traffic[]): Traffic | undefined {
  if (!list.length) return undefined;
  const p99s = list.map((t) => t.p99Ms).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return {
    requests: list.reduce((n, t) => n + t.requests, 0),
    errors: list.reduce((n, t) => n + t.errors, 0),
    rps: list.reduce((n, t) => n + (t.rps ?? 0), 0),
    ...(p99s.length ? { p99Ms: Math.max(...p99s) } : {}),
  };
}

export function healthOf(r: Rates | undefined): Health {
  if (!r || r.successRate === null) return 'idle';
  if (r.successRate >= 0.99) return 'ok';
  return r.successRate >= 0.95 ? 'warn' : 'bad';
}

/** What the proxies measured over `view`'s window, per node and edge of the topology. */
export function trafficOf(state: MeshState, view: MetricsView | undefined, proxies: DiscoveredProxy[]): TrafficUpdate {
  const g = buildGraph(state.snapshot, view, proxies, { latency: true });
  const ids = edgeIds(g);
  const edges: TrafficUpdate['edges'] = {};
  g.edges.forEach((e, i) => {
    if (e.traffic) edges[ids[i]] = rates(e.traffic);
  });
  const out = (id: string, kind: string) => g.edges.filter((e) => e.from === id && e.kind === kind && e.traffic).map((e) => e.traffic!);
  const into = (id: string, kind: string) => g.edges.filter((e) => e.to === id && e.kind === kind && e.traffic).map((e) => e.traffic!);
  const nodes: TrafficUpdate['nodes'] = {};
  for (const n of g.nodes) {
    if (!view) {
      nodes[n.id] = { health: n.kind === 'virtualNode' || n.kind === 'virtualGateway' ? 'down' : 'idle' };
      continue;
    }
    // Proxies measure nodes and gateways themselves; the rest is what flowed through them.
    let t: Traffic | undefined;
    switch (n.kind) {
      case 'virtualNode': case 'virtualGateway': t = n.inbound; break;
      case 'virtualService': t = combine(out(n.id, 'provider')); break;
      case 'virtualRouter': t = combine(out(n.id, 'route')); break;
      case 'route': t = combine(into(n.id, 'route')); break;
      case 'gatewayRoute': t = combine(into(n.id, 'gatewayRoute')); break;
    }
    const r = t ? rates(t) : undefined;
    const down = n.proxies === 0;
    nodes[n.id] = { health: down ? 'down' : healthOf(r), ...(n.proxies !== undefined ? { proxies: n.proxies } : {}), ...(r ? { rates: r } : {}) };
  }
  return {
    mesh: state.snapshot.mesh.meshName,
    live: view !== undefined,
    windowSeconds: Number((view?.seconds ?? 0).toFixed(3)),
    at: new Date().toISOString(),
    nodes,
    edges,
  };
}
