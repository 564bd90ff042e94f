// Rows in large layouts: a service, its router and its only route go to ELK as one wide node and
// come back side by side; every node and edge of the input still gets its place, and the picture
// is the same whatever order the input comes in.

import { expandRows, foldRows, ROW_GAP } from '../../src/console/fold';
import { Layouter, type LayoutInput } from '../../src/console/layout';
import { layoutInputOf } from '../../src/console/topology';
import type { MeshGraph } from '../../src/observability/graph';

const node = (id: string) => ({ id, w: 170, h: 46 });
const edge = (from: string, to: string, row = false) => ({ id: `${from}>${to}`, from, to, ...(row ? { row: true } : {}) });

test('only chains that cannot branch fold; edges into a row reach its first member, edges out leave its last', () => {
  const input = {
    nodes: ['gw', 'svc-a', 'router-a', 'route-a', 'svc-b', 'router-b', 'route-b1', 'route-b2', 'n1', 'n2'].map(node),
    edges: [
      edge('gw', 'svc-a'),
      edge('svc-a', 'router-a', true), edge('router-a', 'route-a', true), edge('route-a', 'n1'), edge('route-a', 'n2'),
      // router-b has two routes: svc-b and router-b fold, the routes stay nodes of their own.
      edge('svc-b', 'router-b', true), edge('router-b', 'route-b1', true), edge('router-b', 'route-b2', true),
      edge('route-b1', 'n1'), edge('route-b2', 'n2'),
      // Not marked as a row: never folds.
      edge('n1', 'svc-b'),
    ],
  };
  const folded = foldRows(input)!;
  expect(folded.rows.map((r) => [r.id, r.members.map((m) => m.id), r.links])).toEqual([
    ['svc-a', ['svc-a', 'router-a', 'route-a'], ['svc-a>router-a', 'router-a>route-a']],
    ['svc-b', ['svc-b', 'router-b'], ['svc-b>router-b']],
  ]);
  expect(folded.nodes.map((n) => n.id)).toEqual(['gw', 'svc-a', 'svc-b', 'route-b1', 'route-b2', 'n1', 'n2']);
  expect(folded.nodes.find((n) => n.id === 'svc-a')!.w).toBe(3 * 170 + 2 * ROW_GAP);
  expect(folded.edges.map((e) => `${e.id}: ${e.from}>${e.to}`)).toEqual([
    'gw>svc-a: gw>svc-a', 'route-a>n1: svc-a>n1', 'route-a>n2: svc-a>n2',
    'router-b>route-b1: svc-b>route-b1', 'router-b>route-b2: svc-b>route-b2', 'route-b1>n1: route-b1>n1', 'route-b2>n2: route-b2>n2', 'n1>svc-b: n1>svc-b',
  ]);

  const layout = { nodes: { 'svc-a': { x: 100, y: 50 } } as Record<string, { x: number; y: number }>, edges: {} as Record<string, Array<[number, number]>> };
  expandRows(layout, folded.rows.slice(0, 1));
  expect(layout.nodes).toEqual({ 'svc-a': { x: 100, y: 50 }, 'router-a': { x: 270 + ROW_GAP, y: 50 }, 'route-a': { x: 440 + 2 * ROW_GAP, y: 50 } });
  expect(layout.edges).toEqual({ 'svc-a>router-a': [[270, 73], [270 + ROW_GAP, 73]], 'router-a>route-a': [[440 + ROW_GAP, 73], [440 + 2 * ROW_GAP, 73]] });
});

test('the topology marks as rows: service → router, router → route, gateway route → service', () => {
  const kinds = ['provider', 'route', 'target', 'backend', 'gatewayRoute', 'gatewayTarget'];
  const g = { mesh: 'apps', live: false, nodes: [], edges: kinds.map((kind, i) => ({ from: `a${i}`, to: `b${i}`, kind })) } as unknown as MeshGraph;
  expect(layoutInputOf(g).edges.map((e) => e.row === true)).toEqual([true, true, false, false, false, true]);
});

test('a cycle of row links, or nothing to fold, is left alone', () => {
  expect(foldRows({ nodes: ['a', 'b'].map(node), edges: [edge('a', 'b', true), edge('b', 'a', true)] })).toBeUndefined();
  expect(foldRows({ nodes: ['a', 'b'].map(node), edges: [edge('a', 'b')] })).toBeUndefined();
});

/** A mesh-shaped graph above the size where rows fold: tiers of services → routers → routes → nodes. */
function largeMesh(tiers: number, routers: number): LayoutInput {
  const nodes: LayoutInput['nodes'] = [];
  const edges: LayoutInput['edges'] = [];
  for (let t = 0; t < tiers; t++) {
    for (let r = 0; r < routers; r++) {
      const [svc, router, route] = [`virtualService:s-${t}-${r}`, `virtualRouter:r-${t}-${r}`, `route:r-${t}-${r}/split`];
      nodes.push(node(svc), node(router), node(route));
      edges.push({ ...edge(svc, router, true), label: { w: 124, h: 28 } }, { ...edge(router, route, true), label: { w: 124, h: 28 } });
      for (let k = 0; k < 2; k++) edges.push({ ...edge(route, `virtualNode:n-${t}-${r * 2 + k}`), label: { w: 124, h: 42 } });
    }
    for (let i = 0; i < routers * 2; i++) {
      nodes.push(node(`virtualNode:n-${t}-${i}`));
      if (t + 1 < tiers) edges.push({ ...edge(`virtualNode:n-${t}-${i}`, `virtualService:s-${t + 1}-${(i * 7 + 1) % routers}`), label: { w: 124, h: 28 } });
    }
  }
  return { nodes, edges };
}

test('a large mesh: every node and edge is placed, rows side by side left to right, the same picture from any input order', async () => {
  const input = largeMesh(4, 25);
  expect(input.nodes.length).toBeGreaterThan(400);
  const one = new Layouter();
  const two = new Layouter();
  try {
    const a = await one.layout(input).layout;
    const shuffled = { nodes: [...input.nodes].reverse(), edges: input.edges.map((_, i) => input.edges[(i * 7) % input.edges.length]) };
    expect(new Set(shuffled.edges).size).toBe(input.edges.length);
    const b = await two.layout(shuffled).layout;
    expect(b.nodes).toEqual(a.nodes);
    expect(b.edges).toEqual(a.edges);

    expect(Object.keys(a.nodes).sort()).toEqual(input.nodes.map((n) => n.id).sort());
    expect(Object.keys(a.edges).sort()).toEqual(input.edges.map((e) => e.id).sort());
    for (const e of input.edges) expect(a.edges[e.id].length).toBeGreaterThanOrEqual(2);
    const svc = a.nodes['virtualService:s-1-3'];
    const router = a.nodes['virtualRouter:r-1-3'];
    const route = a.nodes['route:r-1-3/split'];
    expect([router.y, route.y]).toEqual([svc.y, svc.y]);
    expect([router.x, route.x]).toEqual([svc.x + 170 + ROW_GAP, svc.x + 2 * (170 + ROW_GAP)]);
    expect(a.edges['virtualService:s-1-3>virtualRouter:r-1-3']).toEqual([[svc.x + 170, svc.y + 23], [router.x, svc.y + 23]]);
    // Edges into the row end at the service's left side, edges out of it start at the route's right side.
    const into = a.edges['virtualNode:n-0-11>virtualService:s-1-3'];
    expect(into[into.length - 1][0]).toBe(svc.x);
    expect(a.edges['route:r-1-3/split>virtualNode:n-1-6'][0][0]).toBe(route.x + 170);
    // Tiers still flow left to right: the nodes a route splits over are right of it.
    expect(a.nodes['virtualNode:n-1-6'].x).toBeGreaterThan(route.x + 170);
    // No two nodes overlap.
    const boxes = Object.values(a.nodes).sort((p, q) => p.x - q.x || p.y - q.y);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length && boxes[j].x < boxes[i].x + 170; j++) {
        expect(Math.abs(boxes[j].y - boxes[i].y) >= 46 || boxes[j].x >= boxes[i].x + 170).toBe(true);
      }
    }
  } finally {
    await Promise.all([one.close(), two.close()]);
  }
}, 120_000);
