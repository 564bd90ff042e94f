// App Mesh's side of the route equivalence check: the route configurations awsmesh's own
// translator builds for a proxy (the same ones the local data plane runs), compiled with the data
// plane's matcher, asked where a sample request goes. Mesh traffic is asked of a client that has
// every virtual service as a backend; gateway traffic of the gateway's ingress routes, then (after
// the gateway's rewrites) of its egress routes, as the gateway proxy does.

import { CompiledRouteTable, type CompiledRoute } from '../dataplane/config/route-table';
import { RequestView } from '../dataplane/config/request-view';
import { translateVirtualGateway, translateVirtualNode, type TranslationResult } from '../envoy/translate';
import type { MeshSnapshot, VirtualNodeData } from '../mesh/types';
import type { Sample } from './samples';
import type { Outcome } from './target';

const EGRESS = 'rds_egress_http_15001';

function clusterNodes(r: TranslationResult): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of r.clusters) {
    const raw = c.metadata?.filter_metadata?.['aws.appmesh.aggregate_stats']?.config;
    const tags = typeof raw === 'string' ? (JSON.parse(raw) as { tags?: Array<{ key: string; value: string }> }).tags ?? [] : [];
    const node = tags.find((t) => t.key === 'TargetVirtualNode')?.value;
    if (node) out.set(c.name, node);
  }
  return out;
}

function outcomeOf(route: CompiledRoute | undefined, nodes: Map<string, string>): Outcome {
  const out: Outcome = new Map();
  if (!route || route.direct || route.totalWeight <= 0) return out;
  let previous = 0;
  for (const t of route.targets) {
    const node = nodes.get(t.cluster);
    if (node) out.set(node, (out.get(node) ?? 0) + (t.upTo - previous) / route.totalWeight);
    previous = t.upTo;
  }
  return out;
}

function view(s: Sample, authority: string, path = s.path, headers: Record<string, string> = s.headers): RequestView {
  return new RequestView(s.method, authority, path, { ...headers }, 'http');
}

/** The path after a route's rewrite, as the proxy forwards it. */
function rewrittenPath(route: CompiledRoute, path: string): string {
  if (!route.prefixRewrite && !route.regexRewrite) return path;
  const q = path.indexOf('?');
  let p = q < 0 ? path : path.slice(0, q);
  if (route.prefixRewrite && p.startsWith(route.prefixRewrite.prefix)) p = route.prefixRewrite.to + p.slice(route.prefixRewrite.prefix.length);
  else if (route.regexRewrite) p = route.regexRewrite(p);
  return (p || '/') + (q < 0 ? '' : path.slice(q));
}

export interface AppMeshRouter {
  route(sample: Sample): Outcome;
  /** The App Mesh route (or gateway route) name that matched, for messages. */
  routeName(sample: Sample): string | undefined;
}

function unusedName(s: MeshSnapshot, base: string): string {
  let name = base;
  for (let i = 2; s.virtualNodes.some((n) => n.virtualNodeName === name); i++) name = `${base}-${i}`;
  return name;
}

/** Routing of a mesh as awsmesh's proxies do it; undefined parts where the translation fails. */
export function appMeshRouter(s: MeshSnapshot): AppMeshRouter {
  const clientName = unusedName(s, 'awsmesh-migrate-client');
  const client: VirtualNodeData = {
    meshName: s.mesh.meshName,
    virtualNodeName: clientName,
    spec: { backends: s.virtualServices.map((v) => ({ virtualService: { virtualServiceName: v.virtualServiceName } })) },
  };
  const withClient: MeshSnapshot = { ...s, virtualNodes: [...s.virtualNodes, client] };
  const tables = new Map<string, { table: CompiledRouteTable; nodes: Map<string, string>; egress?: CompiledRouteTable } | null>();
  const compile = (key: string, make: () => TranslationResult, ingress?: string) => {
    if (!tables.has(key)) {
      try {
        const r = make();
        const rc = (name: string) => r.routeConfigs.find((c) => c.name === name);
        const main = rc(ingress ?? EGRESS);
        const egress = rc(EGRESS);
        tables.set(key, main ? { table: new CompiledRouteTable(main), nodes: clusterNodes(r), egress: egress && ingress ? new CompiledRouteTable(egress) : undefined } : null);
      } catch {
        tables.set(key, null); // a route App Mesh itself would reject (bad regex…): nothing to compare
      }
    }
    return tables.get(key) ?? undefined;
  };
  const lookup = (sample: Sample): { first?: CompiledRoute; final?: CompiledRoute; nodes?: Map<string, string> } => {
    const connect = sample.protocol === 'tcp';
    if (sample.via.kind === 'service') {
      const t = compile('mesh', () => translateVirtualNode(withClient, clientName));
      if (!t) return {};
      const route = t.table.route(view(sample, `${sample.via.service}:${sample.via.port}`), connect).route;
      return { first: route, final: route, nodes: t.nodes };
    }
    const { gateway, port } = sample.via;
    const t = compile(`gateway:${gateway}:${port}`, () => translateVirtualGateway(s, gateway), `rds_ingress_http_${port}`);
    if (!t?.egress) return {};
    const first = t.table.route(view(sample, sample.authority ?? '*')).route;
    if (!first || first.direct) return { first };
    const headers = { ...sample.headers };
    for (const [k, v] of first.requestHeadersToAdd ?? []) headers[k] = v;
    const second = view(sample, first.hostRewrite ?? sample.authority ?? '*', rewrittenPath(first, sample.path), headers);
    return { first, final: t.egress.route(second).route, nodes: t.nodes };
  };
  return {
    route: (sample) => {
      const r = lookup(sample);
      return r.nodes ? outcomeOf(r.final, r.nodes) : new Map();
    },
    routeName: (sample) => lookup(sample).first?.name,
  };
}
