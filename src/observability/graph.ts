// `awsmesh local graph`: the mesh as a picture — virtual services → routers → routes → virtual
// nodes, node backends, gateways → gateway routes → services — with the configured weights on
// route targets and, when proxies run, the traffic they saw on every edge (requests, the share a
// route's targets really got, 5xx rate). Rendered as Mermaid, Graphviz DOT, SVG (Graphviz as
// WebAssembly, @viz-js/viz) or PNG (the SVG rasterised by resvg, @resvg/resvg-js).

import { gatewayRouteRule, routeRule } from '../mesh/lookup';
import type { MeshSnapshot, RouteData, WeightedTarget } from '../mesh/types';
import type { DiscoveredProxy } from './discovery';
import type { MetricsView, Where } from './metrics-view';

export type GraphNodeKind = 'virtualService' | 'virtualRouter' | 'route' | 'virtualNode' | 'virtualGateway' | 'gatewayRoute';

export interface GraphNode {
  id: string;
  kind: GraphNodeKind;
  name: string;
  /** Extra lines under the name (ports, match, proxies). */
  details: string[];
  /** For nodes and gateways when proxies were looked for: how many of them answered. */
  proxies?: number;
  /** What the node's or gateway's own proxies received (their ingress). */
  inbound?: Traffic;
}

export interface Traffic {
  requests: number;
  errors: number;
  /** Share of the route's traffic this target got (route targets only). */
  share?: number;
  /** Requests per second (when measured over a window). */
  rps?: number;
  /** 99th percentile latency in ms (with `latency: true`, when there were requests). */
  p99Ms?: number;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: 'provider' | 'route' | 'target' | 'backend' | 'gatewayRoute' | 'gatewayTarget';
  /** Configured share of the route (percent), for route targets. */
  weight?: number;
  traffic?: Traffic;
}

export interface MeshGraph {
  mesh: string;
  /** Whether traffic figures come from running proxies. */
  live: boolean;
  /** Window the traffic was measured over (seconds); absent: since the proxies started. */
  windowSeconds?: number;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const id = (kind: GraphNodeKind, ...parts: string[]) => `${kind}:${parts.join('/')}`;
const is5xx = (l: Record<string, string>) => l.envoy_response_code_class === '5';

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matchSummary(r: RouteData): string {
  const s = r.spec ?? {};
  const http = s.httpRoute ?? s.http2Route;
  const kind = s.httpRoute ? 'http' : s.http2Route ? 'http2' : s.grpcRoute ? 'grpc' : s.tcpRoute ? 'tcp' : '?';
  let m = '';
  if (http) m = http.match?.path?.exact ?? http.match?.path?.regex ?? http.match?.prefix ?? '';
  else if (s.grpcRoute) m = [s.grpcRoute.match?.serviceName, s.grpcRoute.match?.methodName].filter(Boolean).join('/');
  return m ? `${kind} ${m}` : kind;
}

export interface GraphOptions {
  /** Add p99 latency to measured traffic (the console shows it; the drawings do not). */
  latency?: boolean;
}

/** The graph of a mesh; `view` adds what the proxies measured. */
export function buildGraph(s: MeshSnapshot, view?: MetricsView, proxies: DiscoveredProxy[] = [], opts: GraphOptions = {}): MeshGraph {
  const mesh = s.mesh.meshName;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const seconds = view?.seconds;
  const reachable = new Set(view?.proxies() ?? []);
  const traffic = (prefix: string, where: Where): Traffic | undefined => {
    if (!view) return undefined;
    const requests = view.sum(`${prefix}_completed`, where);
    const t: Traffic = { requests, errors: view.sum(`${prefix}_xx`, (l, p) => is5xx(l) && where(l, p)) };
    if (seconds) t.rps = requests / seconds;
    if (opts.latency && requests > 0) t.p99Ms = view.quantile(`${prefix}_time`, 0.99, where);
    return t;
  };
  const proxyCount = (kind: DiscoveredProxy['kind'], name: string) =>
    view ? proxies.filter((p) => p.kind === kind && p.name === name && reachable.has(p)).length : undefined;
  const inbound = (kind: DiscoveredProxy['kind'], name: string) => traffic('envoy_http_downstream_rq',
    (l, p) => p.kind === kind && p.name === name && (l.envoy_http_conn_manager_prefix ?? '').startsWith('ingress'));
  const servicesOfRouter = (router: string) => new Set(s.virtualServices
    .filter((v) => v.spec?.provider?.virtualRouter?.virtualRouterName === router).map((v) => v.virtualServiceName));

  for (const v of s.virtualServices) nodes.push({ id: id('virtualService', v.virtualServiceName), kind: 'virtualService', name: v.virtualServiceName, details: [] });
  for (const r of s.virtualRouters) {
    nodes.push({
      id: id('virtualRouter', r.virtualRouterName), kind: 'virtualRouter', name: r.virtualRouterName,
      details: (r.spec.listeners ?? []).map((l) => `${l.portMapping.protocol}:${l.portMapping.port}`),
    });
  }
  for (const r of s.routes) {
    nodes.push({ id: id('route', r.virtualRouterName, r.routeName), kind: 'route', name: r.routeName, details: [matchSummary(r)] });
  }
  for (const n of s.virtualNodes) {
    nodes.push({
      id: id('virtualNode', n.virtualNodeName), kind: 'virtualNode', name: n.virtualNodeName,
      details: (n.spec.listeners ?? []).map((l) => `${l.portMapping.protocol}:${l.portMapping.port}`),
      proxies: proxyCount('virtualNode', n.virtualNodeName),
      inbound: (n.spec.listeners ?? []).length ? inbound('virtualNode', n.virtualNodeName) : undefined,
    });
  }
  for (const g of s.virtualGateways) {
    nodes.push({
      id: id('virtualGateway', g.virtualGatewayName), kind: 'virtualGateway', name: g.virtualGatewayName,
      details: (g.spec.listeners ?? []).map((l) => `${l.portMapping.protocol}:${l.portMapping.port}`),
      proxies: proxyCount('virtualGateway', g.virtualGatewayName),
      inbound: inbound('virtualGateway', g.virtualGatewayName),
    });
  }
  for (const gr of s.gatewayRoutes) {
    const spec = gr.spec ?? {};
    const http = spec.httpRoute ?? spec.http2Route;
    const m = http ? (http.match?.prefix ?? http.match?.path?.exact ?? '') : spec.grpcRoute?.match?.serviceName ?? '';
    nodes.push({
      id: id('gatewayRoute', gr.virtualGatewayName, gr.gatewayRouteName), kind: 'gatewayRoute', name: gr.gatewayRouteName,
      details: m ? [m] : [],
    });
  }
  const exists = new Set(nodes.map((n) => n.id));
  const edge = (e: GraphEdge) => {
    if (exists.has(e.from) && exists.has(e.to)) edges.push(e);
  };

  // Virtual services → their provider.
  for (const v of s.virtualServices) {
    const p = v.spec?.provider;
    const to = p?.virtualRouter ? id('virtualRouter', p.virtualRouter.virtualRouterName) : p?.virtualNode ? id('virtualNode', p.virtualNode.virtualNodeName) : undefined;
    if (to) edge({ from: id('virtualService', v.virtualServiceName), to, kind: 'provider', traffic: traffic('envoy_vhost_route_upstream_rq', (l) => l.appmesh_target_virtual_service === v.virtualServiceName) });
  }
  // Routers → routes → weighted targets.
  for (const r of s.routes) {
    const services = servicesOfRouter(r.virtualRouterName);
    const onRoute: Where = (l) => l.envoy_route === r.routeName && services.has(l.appmesh_target_virtual_service);
    const routeId = id('route', r.virtualRouterName, r.routeName);
    edge({ from: id('virtualRouter', r.virtualRouterName), to: routeId, kind: 'route', traffic: traffic('envoy_vhost_route_upstream_rq', onRoute) });
    const targets: WeightedTarget[] = routeRule(r)?.action?.weightedTargets ?? [];
    const total = targets.reduce((sum, t) => sum + Number(t.weight), 0);
    const perTarget = targets.map((t) => {
      const cluster = new RegExp(`^cds_egress_${escapeRegex(mesh)}_${escapeRegex(t.virtualNode)}_(http|http2|grpc|tcp)_\\d+$`);
      const where: Where = (l, p) => onRoute(l, p) && cluster.test(l.envoy_cluster_name ?? '');
      if (!view) return undefined;
      const requests = view.sum('envoy_vhost_route_target_upstream_rq_total', where);
      const tr: Traffic = { requests, errors: view.sum('envoy_vhost_route_target_upstream_rq_xx', (l, p) => is5xx(l) && where(l, p)) };
      if (seconds) tr.rps = requests / seconds;
      // Targets have no latency histogram of their own: the callers' one of the target's cluster.
      if (opts.latency && requests > 0) tr.p99Ms = view.quantile('envoy_cluster_upstream_rq_time', 0.99, (l) => cluster.test(l.envoy_cluster_name ?? ''));
      return tr;
    });
    const seen = perTarget.reduce((sum, t) => sum + (t?.requests ?? 0), 0);
    targets.forEach((t, i) => {
      const tr = perTarget[i];
      if (tr && seen > 0) tr.share = tr.requests / seen;
      edge({
        from: routeId, to: id('virtualNode', t.virtualNode), kind: 'target',
        weight: total > 0 ? (Number(t.weight) * 100) / total : 0, traffic: tr,
      });
    });
  }
  // Nodes → the services they call.
  for (const n of s.virtualNodes) {
    for (const b of n.spec.backends ?? []) {
      const vs = b.virtualService?.virtualServiceName;
      if (!vs) continue;
      edge({
        from: id('virtualNode', n.virtualNodeName), to: id('virtualService', vs), kind: 'backend',
        traffic: traffic('envoy_vhost_route_upstream_rq', (l, p) => p.kind === 'virtualNode' && p.name === n.virtualNodeName && l.appmesh_target_virtual_service === vs),
      });
    }
  }
  // Gateways → gateway routes → services.
  for (const gr of s.gatewayRoutes) {
    const target = gatewayRouteRule(gr)?.action?.target?.virtualService?.virtualServiceName;
    const grId = id('gatewayRoute', gr.virtualGatewayName, gr.gatewayRouteName);
    const t = traffic('envoy_vhost_route_upstream_rq', (l, p) => p.kind === 'virtualGateway' && p.name === gr.virtualGatewayName
      && l.envoy_virtual_host === 'self_redirect' && l.envoy_route === gr.gatewayRouteName);
    edge({ from: id('virtualGateway', gr.virtualGatewayName), to: grId, kind: 'gatewayRoute', traffic: t });
    if (target) edge({ from: grId, to: id('virtualService', target), kind: 'gatewayTarget', traffic: t });
  }
  return { mesh, live: view !== undefined, windowSeconds: seconds, nodes, edges };
}

// ---- labels --------------------------------------------------------------------------------------

const KIND_LABEL: Record<GraphNodeKind, string> = {
  virtualService: 'virtual service', virtualRouter: 'virtual router', route: 'route',
  virtualNode: 'virtual node', virtualGateway: 'virtual gateway', gatewayRoute: 'gateway route',
};

function nodeLines(n: GraphNode, live: boolean): string[] {
  const lines = [n.name, `(${KIND_LABEL[n.kind]})`, ...n.details];
  if (live && n.proxies !== undefined) lines.push(n.proxies ? `${n.proxies} prox${n.proxies === 1 ? 'y' : 'ies'} running` : 'no proxy running');
  if (n.inbound && n.proxies) lines.push(`in: ${trafficText(n.inbound)}`);
  return lines;
}

function pct(x: number): string {
  return `${Number(x.toFixed(1))}%`;
}

function edgeLines(e: GraphEdge): string[] {
  const lines: string[] = [];
  if (e.weight !== undefined) lines.push(`weight ${pct(e.weight)}${e.traffic?.share !== undefined ? ` · seen ${pct(e.traffic.share * 100)}` : ''}`);
  if (e.traffic) lines.push(trafficText(e.traffic));
  return lines;
}

function trafficText(t: Traffic): string {
  if (t.requests === 0) return 'no traffic';
  const volume = t.rps !== undefined ? `${t.rps.toFixed(1)} rps` : `${t.requests} req`;
  return `${volume} · ${pct((t.errors * 100) / t.requests)} 5xx`;
}

function errorRate(e: GraphEdge): number {
  return e.traffic && e.traffic.requests > 0 ? e.traffic.errors / e.traffic.requests : 0;
}

const FILL: Record<GraphNodeKind, string> = {
  virtualService: '#e3f2fd', virtualRouter: '#fff3e0', route: '#fffde7', virtualNode: '#e8f5e9', virtualGateway: '#f3e5f5', gatewayRoute: '#fce4ec',
};

// ---- Mermaid -------------------------------------------------------------------------------------

function mermaidText(s: string): string {
  return s.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;');
}

export function toMermaid(g: MeshGraph): string {
  const ids = new Map(g.nodes.map((n, i) => [n.id, `n${i}`]));
  const shape: Record<GraphNodeKind, [string, string]> = {
    virtualService: ['([', '])'], virtualRouter: ['{{', '}}'], route: ['(', ')'], virtualNode: ['[', ']'], virtualGateway: ['[/', '\\]'], gatewayRoute: ['(', ')'],
  };
  const out = [`%% mesh ${g.mesh}${g.live ? ` — traffic ${g.windowSeconds ? `over ${g.windowSeconds}s` : 'since the proxies started'}` : ''}`, 'flowchart LR'];
  for (const n of g.nodes) {
    const [open, close] = shape[n.kind];
    out.push(`  ${ids.get(n.id)}${open}"${nodeLines(n, g.live).map(mermaidText).join('<br/>')}"${close}`);
  }
  g.edges.forEach((e) => {
    const label = edgeLines(e).map(mermaidText).join('<br/>');
    out.push(`  ${ids.get(e.from)} -->${label ? `|"${label}"|` : ''} ${ids.get(e.to)}`);
  });
  for (const kind of Object.keys(FILL) as GraphNodeKind[]) {
    const members = g.nodes.filter((n) => n.kind === kind).map((n) => ids.get(n.id));
    if (members.length) out.push(`  classDef ${kind} fill:${FILL[kind]},stroke:#555`, `  class ${members.join(',')} ${kind}`);
  }
  g.edges.forEach((e, i) => {
    const rate = errorRate(e);
    if (rate >= 0.05) out.push(`  linkStyle ${i} stroke:#d32f2f,stroke-width:3px`);
    else if (rate > 0) out.push(`  linkStyle ${i} stroke:#f57c00,stroke-width:2px`);
  });
  return `${out.join('\n')}\n`;
}

// ---- Graphviz ------------------------------------------------------------------------------------

function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export function toDot(g: MeshGraph): string {
  const title = `mesh ${g.mesh}${g.live ? ` — traffic ${g.windowSeconds ? `over ${g.windowSeconds} s` : 'since the proxies started'}` : ' — configured weights'}`;
  const out = [
    `digraph ${dotString(`mesh ${g.mesh}`)} {`,
    `  graph [rankdir=LR, label=${dotString(title)}, labelloc=t, fontname="Helvetica", fontsize=16, nodesep=0.35, ranksep=0.8, bgcolor="white"];`,
    // Generous margins: viewers without Helvetica substitute wider fonts (DejaVu Sans in the PNG).
    '  node [fontname="Helvetica", fontsize=11, shape=box, style="rounded,filled", color="#546e7a", margin="0.25,0.08"];',
    '  edge [fontname="Helvetica", fontsize=10, color="#546e7a", fontcolor="#37474f"];',
  ];
  const shape: Record<GraphNodeKind, string> = {
    virtualService: 'box', virtualRouter: 'hexagon', route: 'box', virtualNode: 'box3d', virtualGateway: 'trapezium', gatewayRoute: 'box',
  };
  for (const n of g.nodes) {
    const stopped = g.live && n.proxies === 0;
    const attrs = [
      `label=${dotString(nodeLines(n, g.live).join('\n'))}`,
      `shape=${shape[n.kind]}`,
      `fillcolor=${dotString(stopped ? '#eeeeee' : FILL[n.kind])}`,
      ...(n.kind === 'virtualRouter' || n.kind === 'virtualGateway' || n.kind === 'virtualNode' ? ['style="filled"'] : []),
      ...(stopped ? ['fontcolor="#757575"'] : []),
    ];
    out.push(`  ${dotString(n.id)} [${attrs.join(', ')}];`);
  }
  for (const e of g.edges) {
    const rate = errorRate(e);
    const attrs: string[] = [];
    const label = edgeLines(e).join('\n');
    if (label) attrs.push(`label=${dotString(label)}`);
    if (rate >= 0.05) attrs.push('color="#d32f2f"', 'fontcolor="#d32f2f"');
    else if (rate > 0) attrs.push('color="#f57c00"');
    const share = e.traffic?.share ?? (e.weight !== undefined ? e.weight / 100 : undefined);
    if (share !== undefined) attrs.push(`penwidth=${(1 + 3 * share).toFixed(2)}`);
    if (e.traffic && e.traffic.requests === 0) attrs.push('style=dashed');
    out.push(`  ${dotString(e.from)} -> ${dotString(e.to)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
  }
  out.push('}');
  return `${out.join('\n')}\n`;
}

/** SVG from the DOT rendering, by Graphviz compiled to WebAssembly. */
export async function toSvg(g: MeshGraph): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const viz = await (require('@viz-js/viz') as typeof import('@viz-js/viz')).instance();
  return viz.renderString(toDot(g), { format: 'svg', engine: 'dot' });
}

/** PNG: the SVG rasterised by resvg, text in the system's sans-serif font (DejaVu Sans on Debian). */
export async function toPng(g: MeshGraph, scale = 2): Promise<Buffer> {
  const svg = await toSvg(g);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const r = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}
