// Rows: a service, its router and the router's only route (and a gateway route that alone targets
// the service) are nodes the layered layout always draws side by side, one layer apart. In a large
// mesh each such chain goes to ELK as ONE wide node (about 30 % fewer nodes to place), and its members
// are put back side by side afterwards, joined by short straight links. Only edges marked `row` fold,
// and only where the chain cannot branch: the link is the only edge out of its source and the only
// one into its target (so everything else enters the chain at its first node and leaves at its last).

interface RowNode {
  id: string;
  w: number;
  h: number;
}

interface RowEdge {
  id: string;
  from: string;
  to: string;
  row?: boolean;
}

/** The room between two members of a row, where their link is drawn. */
export const ROW_GAP = 24;

export interface Row {
  /** The layout node standing for the row: its first member's id. */
  id: string;
  members: RowNode[];
  /** links[i] joins members[i] and members[i + 1]. */
  links: string[];
}

export interface Folded<N extends RowNode, E extends RowEdge> {
  nodes: Array<N | RowNode>;
  edges: E[];
  rows: Row[];
}

/** The input with every chain of row links as one node; undefined when nothing folds. */
export function foldRows<N extends RowNode, E extends RowEdge>(input: { nodes: N[]; edges: E[] }): Folded<N, E> | undefined {
  const outs = new Map<string, number>();
  const ins = new Map<string, number>();
  for (const e of input.edges) {
    outs.set(e.from, (outs.get(e.from) ?? 0) + 1);
    ins.set(e.to, (ins.get(e.to) ?? 0) + 1);
  }
  const size = new Map(input.nodes.map((n) => [n.id, n]));
  // Each node has at most one next and one previous member: the chains are paths (or cycles, left alone).
  const next = new Map<string, { to: string; edge: string }>();
  const prev = new Set<string>();
  for (const e of input.edges) {
    const a = size.get(e.from);
    const b = size.get(e.to);
    if (!e.row || !a || !b || e.from === e.to || a.h !== b.h || outs.get(e.from) !== 1 || ins.get(e.to) !== 1) continue;
    next.set(e.from, { to: e.to, edge: e.id });
    prev.add(e.to);
  }
  if (!next.size) return undefined;
  const rowOf = new Map<string, Row>();
  const rows: Row[] = [];
  for (const n of input.nodes) {
    if (prev.has(n.id) || !next.has(n.id)) continue;
    const row: Row = { id: n.id, members: [n], links: [] };
    for (let link = next.get(n.id); link; link = next.get(link.to)) {
      row.members.push(size.get(link.to)!);
      row.links.push(link.edge);
    }
    for (const m of row.members) rowOf.set(m.id, row);
    rows.push(row);
  }
  if (!rows.length) return undefined;
  const links = new Set(rows.flatMap((r) => r.links));
  const head = (id: string) => rowOf.get(id)?.id ?? id;
  return {
    nodes: input.nodes.filter((n) => !rowOf.has(n.id) || rowOf.get(n.id)!.id === n.id).map((n) => {
      const row = rowOf.get(n.id);
      return row ? { id: n.id, w: rowWidth(row), h: n.h } : n;
    }),
    // Edges into a row reach its first member, edges out of it leave its last: the wide node's sides.
    edges: input.edges.filter((e) => !links.has(e.id)).map((e) => ({ ...e, from: head(e.from), to: head(e.to) })),
    rows,
  };
}

function rowWidth(row: Row): number {
  return row.members.reduce((w, m) => w + m.w, 0) + ROW_GAP * (row.members.length - 1);
}

/** Puts each row's members where ELK put the row, side by side, with their links between them. */
export function expandRows(layout: { nodes: Record<string, { x: number; y: number }>; edges: Record<string, Array<[number, number]>> }, rows: Row[]): void {
  for (const row of rows) {
    const at = layout.nodes[row.id];
    if (!at) continue;
    let x = at.x;
    row.members.forEach((m, i) => {
      layout.nodes[m.id] = { x, y: at.y };
      x += m.w;
      if (i < row.links.length) {
        const y = at.y + Math.round(m.h / 2);
        layout.edges[row.links[i]] = [[x, y], [x + ROW_GAP, y]];
      }
      x += ROW_GAP;
    });
  }
}
