// Topology: the mesh as the server laid it out (services → routers → routes → nodes, backends,
// gateways), every edge with the weight it is configured with and the rate, success rate and p99
// the proxies measured, every node coloured by its health. Pan with drag or arrow keys, zoom with
// the wheel or +/-, 0 fits; Tab walks the nodes, Enter opens one's details.

import { memo } from 'preact/compat';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Health, Rates, Topology, TopologyEdge, TopologyNode, TrafficUpdate } from '../../../src/console/api-types';
import { HEALTH_TEXT, KIND_TEXT, ms, pct, ratesText, rps } from '../format';
import type { Feed } from '../main';
import { href } from '../route';

/** What is drawn at the current zoom: everything, names without labels, or shapes only. */
type Detail = 'full' | 'names' | 'shapes';

function detailAt(k: number): Detail {
  return k >= 0.3 ? 'full' : k >= 0.12 ? 'names' : 'shapes';
}

interface View {
  x: number;
  y: number;
  k: number;
}

const PAD = 24;
const HEALTHS: Health[] = ['ok', 'warn', 'bad', 'idle', 'down'];

function edgeHealth(r: Rates | undefined): Health {
  if (!r || r.successRate === null) return 'idle';
  return r.successRate >= 0.99 ? 'ok' : r.successRate >= 0.95 ? 'warn' : 'bad';
}

/** The point halfway along a polyline, where the edge's label goes. */
function midpoint(points: Array<[number, number]>): [number, number] {
  if (points.length < 2) return points[0] ?? [0, 0];
  const lengths = points.slice(1).map((p, i) => Math.hypot(p[0] - points[i][0], p[1] - points[i][1]));
  let half = lengths.reduce((a, b) => a + b, 0) / 2;
  for (let i = 0; i < lengths.length; i++) {
    if (half <= lengths[i] && lengths[i] > 0) {
      const t = half / lengths[i];
      return [points[i][0] + (points[i + 1][0] - points[i][0]) * t, points[i][1] + (points[i + 1][1] - points[i][1]) * t];
    }
    half -= lengths[i];
  }
  return points[points.length - 1];
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

const Edge = memo(function Edge({ edge, rates }: { edge: TopologyEdge; rates?: Rates }) {
  const d = useMemo(() => edge.points.map((p, i) => `${i ? 'L' : 'M'}${p[0]} ${p[1]}`).join(' '), [edge.points]);
  const [lx, ly] = useMemo(() => edge.label ?? midpoint(edge.points), [edge]);
  const health = edgeHealth(rates);
  const width = rates && rates.rps > 0 ? 1.5 + Math.min(4, Math.log10(1 + rates.rps) * 1.5) : 1.2;
  const lines: string[] = [];
  if (edge.weight !== undefined) lines.push(`weight ${Number(edge.weight.toFixed(1))}%${rates?.share !== undefined ? ` · seen ${pct(rates.share)}` : ''}`);
  if (rates && rates.requests > 0) {
    lines.push(`${rps(rates.rps)}${rates.successRate === null ? '' : ` · ${pct(rates.successRate)} ok`}`);
    if (rates.p99Ms !== null) lines.push(`p99 ${ms(rates.p99Ms)}`);
  }
  return (
    <g class={`edge health-${health}`} data-edge-id={edge.id} data-kind={edge.kind}
      data-weight={edge.weight} data-rps={rates ? rates.rps.toFixed(3) : undefined}
      data-success={rates?.successRate ?? undefined} data-share={rates?.share ?? undefined}>
      <path d={d} style={{ strokeWidth: width }} marker-end={`url(#arrow-${health})`} />
      {lines.length > 0 && (
        <text class="edge-label" x={lx} y={ly + 4 - (lines.length - 1) * 6.5}>
          {lines.map((l, i) => <tspan key={i} x={lx} dy={i ? 13 : 0}>{l}</tspan>)}
        </text>
      )}
    </g>
  );
});

interface NodeProps {
  node: TopologyNode;
  health: Health;
  rates?: Rates;
  proxies?: number;
  detail: Detail;
  onSelect: (id: string) => void;
  onFocusNode: (id: string) => void;
}

const Node = memo(function Node({ node, health, rates, proxies, detail, onSelect, onFocusNode }: NodeProps) {
  // The node's own line stays short (rate and success); p99 is on its edges and in its details.
  const second = rates && rates.requests > 0
    ? `${rps(rates.rps)}${rates.successRate === null ? '' : ` · ${pct(rates.successRate)} ok`}`
    : [KIND_TEXT[node.kind], ...node.details].join(' · ');
  const label = `${KIND_TEXT[node.kind]} ${node.name}: ${HEALTH_TEXT[health]}${rates && rates.requests > 0 ? `, ${ratesText(rates)}` : ''}`
    + `${node.findings.errors ? `, ${node.findings.errors} validation errors` : ''}${node.findings.warnings ? `, ${node.findings.warnings} warnings` : ''}`;
  const name = shorten(node.name, 24);
  return (
    <g class={`node kind-${node.kind} health-${health}`} transform={`translate(${node.x} ${node.y})`}
      role="button" tabIndex={0} aria-label={label} aria-pressed="false" data-node-id={node.id} data-health={health}
      data-proxies={proxies} data-rps={rates ? rates.rps.toFixed(3) : undefined}
      onClick={() => onSelect(node.id)} onFocus={() => onFocusNode(node.id)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect(node.id);
        }
      }}>
      {name !== node.name && <title>{node.name}</title>}
      <rect width={node.w} height={node.h} rx={node.kind === 'route' || node.kind === 'gatewayRoute' ? 18 : 6} />
      {detail !== 'shapes' && <text class="name" x={10} y={detail === 'full' ? 19 : 28}>{name}</text>}
      {detail === 'full' && <text class="sub" x={10} y={36}>{shorten(second, 32)}</text>}
      {(node.findings.errors > 0 || node.findings.warnings > 0) && (
        <g class={`badge ${node.findings.errors ? 'error' : 'warning'}`} transform={`translate(${node.w - 4} 4)`}>
          <circle r={9} />
          <text y={4}>{node.findings.errors || node.findings.warnings}</text>
        </g>
      )}
    </g>
  );
});

/**
 * Every node and edge, rendered again only when the topology, the rates or the level of detail
 * change — never for a pan, a zoom step or a selection (those touch one transform or a few classes).
 */
const GraphLayer = memo(function GraphLayer({ topology, traffic, detail, onSelect, onFocusNode }: {
  topology: Topology; traffic?: TrafficUpdate; detail: Detail; onSelect: (id: string) => void; onFocusNode: (id: string) => void;
}) {
  return (
    <>
      {detail === 'full'
        ? <g class="edges">{topology.edges.map((e) => <Edge key={e.id} edge={e} rates={traffic?.edges[e.id]} />)}</g>
        : <FarEdges topology={topology} traffic={traffic} />}
      <g class="nodes">
        {topology.nodes.map((n) => {
          const t = traffic?.nodes[n.id];
          return <Node key={n.id} node={n} health={t?.health ?? 'idle'} rates={t?.rates} proxies={t?.proxies} detail={detail}
            onSelect={onSelect} onFocusNode={onFocusNode} />;
        })}
      </g>
    </>
  );
});

/** Zoomed out, the edges are lines in their health's colour: one path per colour, no arrows or labels. */
function FarEdges({ topology, traffic }: { topology: Topology; traffic?: TrafficUpdate }) {
  const byHealth = new Map<Health, string[]>();
  for (const e of topology.edges) {
    const h = edgeHealth(traffic?.edges[e.id]);
    const list = byHealth.get(h) ?? [];
    list.push(e.points.map((p, i) => `${i ? 'L' : 'M'}${p[0]} ${p[1]}`).join(''));
    byHealth.set(h, list);
  }
  return <g class="edges far">{[...byHealth].map(([h, d]) => <g key={h} class={`edge health-${h}`}><path d={d.join('')} /></g>)}</g>;
}

/** Marks the selected node and its edges on the rendered graph (classes and aria-pressed, no re-render). */
function useSelectionMarks(svg: { current: SVGSVGElement | null }, topology: Topology | undefined, selected: string | undefined, traffic: unknown, detail: Detail): void {
  useEffect(() => {
    const root = svg.current;
    if (!root || !topology || !selected) return undefined;
    const marked: Element[] = [];
    const node = root.querySelector(`[data-node-id="${CSS.escape(selected)}"]`);
    if (node) {
      node.classList.add('selected');
      node.setAttribute('aria-pressed', 'true');
      marked.push(node);
    }
    for (const e of topology.edges) {
      if (e.from !== selected && e.to !== selected) continue;
      const el = root.querySelector(`[data-edge-id="${CSS.escape(e.id)}"]`);
      if (el) {
        el.classList.add('selected');
        marked.push(el);
      }
    }
    return () => {
      for (const el of marked) {
        el.classList.remove('selected');
        if (el.hasAttribute('aria-pressed')) el.setAttribute('aria-pressed', 'false');
      }
    };
  // Also after each re-render of the graph: a node whose health changed got its class attribute rewritten.
  }, [svg, topology, selected, traffic, detail]);
}

function Details({ topology, traffic, id, onSelect }: { topology: Topology; traffic?: TrafficUpdate; id: string; onSelect: (id: string) => void }) {
  const node = topology.nodes.find((n) => n.id === id);
  if (!node) return <p>That node is no longer in the mesh.</p>;
  const t = traffic?.nodes[id];
  const byId = new Map(topology.nodes.map((n) => [n.id, n]));
  const link = (e: TopologyEdge, other: string) => {
    const n = byId.get(other);
    const r = traffic?.edges[e.id];
    return (
      <li key={e.id}>
        <button type="button" class="link" onClick={() => onSelect(other)}>{n ? `${KIND_TEXT[n.kind]} ${n.name}` : other}</button>
        {e.weight !== undefined && <span> · weight {Number(e.weight.toFixed(1))}%</span>}
        <span class="muted"> · {ratesText(r)}</span>
      </li>
    );
  };
  const incoming = topology.edges.filter((e) => e.to === id);
  const outgoing = topology.edges.filter((e) => e.from === id);
  const [router, route] = node.kind === 'route' ? node.id.slice('route:'.length).split('/') : [];
  return (
    <div class="details">
      <h2>{KIND_TEXT[node.kind]} <span class="mono">{node.name}</span></h2>
      <p class={`health-text health-${t?.health ?? 'idle'}`}>{HEALTH_TEXT[t?.health ?? 'idle']}</p>
      {node.details.length > 0 && <p class="muted">{node.details.join(' · ')}</p>}
      <dl class="facts">
        {t?.proxies !== undefined && <><dt>Proxies running</dt><dd>{t.proxies}</dd></>}
        {t?.rates && <><dt>Requests</dt><dd>{rps(t.rates.rps)}</dd></>}
        {t?.rates?.successRate != null && <><dt>Success rate</dt><dd>{pct(t.rates.successRate)}</dd></>}
        {t?.rates?.p99Ms != null && <><dt>p99 latency</dt><dd>{ms(t.rates.p99Ms)}</dd></>}
        <dt>Validation</dt>
        <dd>{node.findings.errors || node.findings.warnings ? `${node.findings.errors} errors, ${node.findings.warnings} warnings` : 'no findings'}</dd>
      </dl>
      <p class="actions">
        {node.resource && <a href={href('resources', [node.resource], topology.mesh)}>Spec, tags and findings</a>}
        {router && <a href={href('routes', [router, route], topology.mesh)}>Edit weights</a>}
      </p>
      {incoming.length > 0 && <><h3>From</h3><ul class="edges">{incoming.map((e) => link(e, e.from))}</ul></>}
      {outgoing.length > 0 && <><h3>To</h3><ul class="edges">{outgoing.map((e) => link(e, e.to))}</ul></>}
    </div>
  );
}

export function TopologyPage({ mesh, feed }: { mesh: string; feed: Feed }) {
  const topology = feed.topology?.mesh === mesh ? feed.topology : undefined;
  const traffic = feed.traffic?.mesh === mesh ? feed.traffic : undefined;
  const box = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<View>({ x: 0, y: 0, k: 1 });
  const [selected, setSelected] = useState<string>();
  // The mesh the view was fitted to: the graph is drawn only once it is, never first at scale 1.
  const [fitted, setFitted] = useState<string>();
  const drag = useRef<{ x: number; y: number; vx: number; vy: number } | undefined>(undefined);
  const svg = useRef<SVGSVGElement>(null);
  // Far out, labels are unreadable: not drawing them keeps a 1,000-node mesh quick.
  const detail = detailAt(view.k);
  useSelectionMarks(svg, topology, selected, traffic, detail);

  const fit = useCallback(() => {
    const el = box.current;
    if (!el || !topology) return;
    const w = el.clientWidth || 800;
    const h = el.clientHeight || 600;
    const k = Math.min(1.2, (w - 2 * PAD) / Math.max(1, topology.width), (h - 2 * PAD) / Math.max(1, topology.height));
    setView({ k, x: (w - topology.width * k) / 2, y: (h - topology.height * k) / 2 });
  }, [topology]);

  // Fit once per mesh; later topologies (a resource changed) keep the user's view.
  useEffect(() => {
    if (topology && fitted !== topology.mesh) {
      setFitted(topology.mesh);
      fit();
    }
  }, [topology, fit, fitted]);

  useEffect(() => {
    if (topology) document.body.dataset.topology = topology.revision;
  }, [topology]);

  const zoom = useCallback((factor: number, cx?: number, cy?: number) => {
    setView((v) => {
      const el = box.current;
      const px = cx ?? (el ? el.clientWidth / 2 : 0);
      const py = cy ?? (el ? el.clientHeight / 2 : 0);
      const k = Math.min(4, Math.max(0.02, v.k * factor));
      return { k, x: px - ((px - v.x) * k) / v.k, y: py - ((py - v.y) * k) / v.k };
    });
  }, []);

  const select = useCallback((id: string) => setSelected((s) => (s === id ? s : id)), []);
  const focusNode = useCallback((id: string) => {
    // Keep the focused node in sight while tabbing through a large graph.
    const n = topology?.nodes.find((x) => x.id === id);
    const el = box.current;
    if (!n || !el) return;
    setView((v) => {
      const left = n.x * v.k + v.x;
      const top = n.y * v.k + v.y;
      if (left >= 0 && top >= 0 && left + n.w * v.k <= el.clientWidth && top + n.h * v.k <= el.clientHeight) return v;
      return { ...v, x: el.clientWidth / 2 - (n.x + n.w / 2) * v.k, y: el.clientHeight / 2 - (n.y + n.h / 2) * v.k };
    });
  }, [topology]);

  if (!topology) return <p class="loading">Laying out mesh {mesh}…</p>;
  if (!topology.nodes.length) {
    return <p class="empty">Mesh {mesh} has no virtual services, routers, nodes or gateways yet: create some with <code>awsmesh appmesh</code> or <code>awsmesh apply -f</code>.</p>;
  }

  return (
    <div class="topology">
      <div class="graph-area">
        <div class="toolbar" role="toolbar" aria-label="Graph view">
          <button type="button" onClick={() => zoom(1.25)} aria-label="Zoom in">+</button>
          <button type="button" onClick={() => zoom(0.8)} aria-label="Zoom out">−</button>
          <button type="button" onClick={fit}>Fit</button>
          <span class="muted summary">
            {topology.nodes.length} nodes · {topology.edges.length} edges
            {traffic?.live ? ` · rates over ${traffic.windowSeconds}s` : ' · no proxies running: configured weights only'}
          </span>
          <ul class="legend" aria-label="Health colours">
            {HEALTHS.map((h) => <li key={h} class={`health-${h}`}><span class="swatch" />{HEALTH_TEXT[h]}</li>)}
          </ul>
        </div>
        <div class="graph-box" ref={box} tabIndex={0}
          aria-label={`Topology of mesh ${mesh}. Arrow keys pan, plus and minus zoom, 0 fits.`}
          onWheel={(e) => {
            e.preventDefault();
            const r = box.current!.getBoundingClientRect();
            zoom(e.deltaY < 0 ? 1.15 : 1 / 1.15, e.clientX - r.left, e.clientY - r.top);
          }}
          onPointerDown={(e) => {
            if ((e.target as Element).closest('.node')) return;
            drag.current = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
            (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
          }}
          onPointerMove={(e) => {
            const d = drag.current;
            if (d) setView((v) => ({ ...v, x: d.vx + e.clientX - d.x, y: d.vy + e.clientY - d.y }));
          }}
          onPointerUp={() => { drag.current = undefined; }}
          onKeyDown={(e) => {
            if (e.target !== box.current) return;
            const step = 60;
            const moves: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
            if (moves[e.key]) {
              e.preventDefault();
              setView((v) => ({ ...v, x: v.x + moves[e.key][0], y: v.y + moves[e.key][1] }));
            } else if (e.key === '+' || e.key === '=') zoom(1.25);
            else if (e.key === '-') zoom(0.8);
            else if (e.key === '0') fit();
          }}>
          <svg ref={svg} class="graph" role="group" aria-label={`Mesh ${mesh}`} data-revision={topology.revision}>
            <defs>
              {HEALTHS.map((h) => (
                <marker key={h} id={`arrow-${h}`} class={`arrow health-${h}`} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                  <path d="M0 0 L10 5 L0 10 z" />
                </marker>
              ))}
            </defs>
            <g transform={`translate(${view.x} ${view.y}) scale(${view.k})`}>
              {fitted === topology.mesh && <GraphLayer topology={topology} traffic={traffic} detail={detail} onSelect={select} onFocusNode={focusNode} />}
            </g>
          </svg>
        </div>
      </div>
      <aside class="side" aria-label="Details">
        {selected
          ? <Details topology={topology} traffic={traffic} id={selected} onSelect={select} />
          : <p class="muted">Select a node (click it, or Tab to it and press Enter) to see its details.</p>}
      </aside>
    </div>
  );
}
