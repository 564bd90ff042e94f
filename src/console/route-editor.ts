// The route editor: a route's weighted targets, a change of their weights previewed as the diff
// `awsmesh apply --dry-run` prints and checked by the rules of `awsmesh validate`, then applied as
// one UpdateRoute through the dispatcher. Every change names the version it was made from; when
// the route has moved on since (someone else changed it), nothing is written.

import { routeRule } from '../mesh/lookup';
import type { RouteData } from '../mesh/types';
import { validateInput, formatProblems } from '../validation/validate';
import { analyze } from '../workflows/analyze';
import { PLAIN } from '../workflows/findings';
import { describeAddress, type Address } from '../workflows/kinds';
import type { Resource } from '../workflows/manifest';
import { computePlan, renderPlan } from '../workflows/plan';
import type { RouteView, WeightApplied, WeightChange, WeightPreview } from './api-types';
import type { MeshData } from './mesh-data';
import { ConsoleProblem, problemOf } from './problems';
import { findingView } from './resources';

const PROTOCOLS = ['httpRoute', 'http2Route', 'grpcRoute', 'tcpRoute'] as const;

type Spec = Record<string, unknown>;

function protocolOf(r: RouteData): string {
  const spec = (r.spec ?? {}) as Spec;
  return PROTOCOLS.find((p) => spec[p] !== undefined) ?? 'httpRoute';
}

function address(mesh: string, router: string, route: string): Address {
  return { kind: 'Route', mesh, container: router, name: route };
}

function routeResource(a: Address, spec: Spec, origin: Resource['origin']): Resource {
  return { address: a, input: { meshName: a.mesh, virtualRouterName: a.container, routeName: a.name, spec }, spec, origin };
}

/** A whole number from 0 to 100, as the model's WeightedTarget.weight allows; typed text is accepted. */
function weightOf(v: unknown): number | undefined {
  const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() : '';
  if (!/^\d{1,3}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 100 ? n : undefined;
}

function requireString(v: unknown, what: string): string {
  if (typeof v !== 'string' || !v) throw new ConsoleProblem(400, 'invalid', `${what} is missing.`);
  return v;
}

export class RouteEditor {
  /** Applies from this console run one at a time, so two tabs cannot interleave check and write. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly data: MeshData) {}

  private async describe(mesh: string, router: string, route: string): Promise<RouteData> {
    const out = await this.data.source.api.call('appmesh', 'DescribeRoute', { meshName: mesh, virtualRouterName: router, routeName: route });
    return out.route as unknown as RouteData;
  }

  async view(mesh: string, router: string, route: string): Promise<RouteView> {
    const [r, state] = await Promise.all([this.describe(mesh, router, route), this.data.state(mesh)]);
    const targets = routeRule(r)?.action?.weightedTargets ?? [];
    return {
      mesh, router, route,
      protocol: protocolOf(r),
      version: r.metadata?.version ?? 0,
      targets: targets.map((t) => ({ virtualNode: t.virtualNode, weight: Number(t.weight), ...(t.port !== undefined ? { port: t.port } : {}) })),
      routes: state.snapshot.routes.map((x) => ({ router: x.virtualRouterName, route: x.routeName }))
        .sort((a, b) => a.router.localeCompare(b.router) || a.route.localeCompare(b.route)),
    };
  }

  /** The new spec, its diff and findings; throws when the input is bad or the route moved on. */
  private async plan(change: WeightChange): Promise<{ a: Address; spec: Spec; preview: WeightPreview }> {
    const mesh = requireString(change?.mesh, 'The mesh');
    const router = requireString(change.router, 'The virtual router');
    const route = requireString(change.route, 'The route');
    const current = await this.describe(mesh, router, route);
    const protocol = protocolOf(current);
    const targets = routeRule(current)?.action?.weightedTargets ?? [];
    const version = current.metadata?.version ?? 0;
    if (!Array.isArray(change.weights) || change.weights.length !== targets.length) {
      throw new ConsoleProblem(400, 'invalid', `Route ${router}/${route} has ${targets.length} weighted targets; ${Array.isArray(change.weights) ? change.weights.length : 'no'} weights were given. Nothing was changed.`);
    }
    const weights = change.weights.map((w, i) => {
      const n = weightOf(w);
      if (n === undefined) {
        throw new ConsoleProblem(400, 'invalid', `The weight of ${targets[i].virtualNode} must be a whole number from 0 to 100 (got ${JSON.stringify(w)}). Nothing was changed.`);
      }
      return n;
    });
    if (version !== change.version) {
      throw new ConsoleProblem(409, 'conflict',
        `Route ${router}/${route} was changed by someone else meanwhile: you edited version ${change.version}, it is now at version ${version}. Nothing was changed; reload it to see the current weights.`,
        version);
    }
    const spec = structuredClone(current.spec) as Spec;
    const body = spec[protocol] as { action: { weightedTargets: Array<Record<string, unknown>> } };
    body.action.weightedTargets.forEach((t, i) => {
      t.weight = weights[i];
    });
    const a = address(mesh, router, route);
    const problems = validateInput('appmesh', 'UpdateRoute', { meshName: mesh, virtualRouterName: router, routeName: route, spec });
    if (problems.length) throw new ConsoleProblem(400, 'invalid', `${formatProblems(problems)}\nNothing was changed.`);
    const key = describeAddress(a);
    const state = await this.data.state(mesh);
    const others = state.resources.filter((r) => describeAddress(r.address) !== key);
    const findings = analyze([routeResource(a, spec, 'manifest')], others, { liveChecked: true })
      .filter((f) => f.resource === key && f.severity !== 'info').map(findingView);
    const plan = computePlan([routeResource(a, spec, 'manifest')], [routeResource(a, current.spec as Spec, 'live')], { prune: false, meshes: [mesh] });
    return { a, spec, preview: { diff: renderPlan(plan, PLAIN), findings } };
  }

  /** A refused change is a preview too (with its problem), so the page can show why as the user types. */
  async preview(change: WeightChange): Promise<WeightPreview> {
    try {
      return (await this.plan(change)).preview;
    } catch (e) {
      if (!(e instanceof ConsoleProblem)) throw e;
      return { diff: '', findings: [], problem: problemOf(e).body };
    }
  }

  apply(change: WeightChange): Promise<WeightApplied> {
    const run = this.queue.then(() => this.applyNow(change));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(change: WeightChange): Promise<WeightApplied> {
    const { a, spec, preview } = await this.plan(change);
    const errors = preview.findings.filter((f) => f.severity === 'error');
    if (errors.length) {
      throw new ConsoleProblem(400, 'invalid', `Nothing was changed: ${errors.map((f) => `${f.code} ${f.message}`).join('; ')}.`);
    }
    // Checked above (schema and analyzers) from values this process built.
    const out = await this.data.source.api.dispatch('appmesh', 'UpdateRoute', { meshName: a.mesh, virtualRouterName: a.container, routeName: a.name, spec }, { trusted: true });
    this.data.invalidate(a.mesh);
    const version = (out.route as RouteData | undefined)?.metadata?.version ?? 0;
    const result: WeightApplied = { ...preview, version };
    // App Mesh has no conditional update: a write that lands between the check and ours shows as a skipped version.
    if (version !== change.version + 1) {
      result.warning = `Another change reached the route between the check and this update (it went from version ${change.version} to ${version}); look at the route to make sure it is what you want.`;
    }
    return result;
  }
}
