// The resources page: every resource of a mesh with its version and what `awsmesh validate` finds
// in it; one resource's spec as JSON and YAML, and its tags (read when it is opened, so a mesh of
// thousands of resources costs no thousands of ListTagsForResource calls).

import type { MeshSnapshot, ResourceMetadata } from '../mesh/types';
import type { Finding } from '../workflows/findings';
import { describeAddress } from '../workflows/kinds';
import { readTags } from '../workflows/live';
import type { FindingView, ResourceDetail, ResourceList, ResourceSummary } from './api-types';
import type { MeshData, MeshState } from './mesh-data';
import { ConsoleProblem } from './problems';

function metadataByArn(s: MeshSnapshot): Map<string, ResourceMetadata> {
  const all = [s.mesh, ...s.virtualNodes, ...s.virtualRouters, ...s.routes, ...s.virtualServices, ...s.virtualGateways, ...s.gatewayRoutes];
  const out = new Map<string, ResourceMetadata>();
  for (const r of all) if (r.metadata?.arn) out.set(r.metadata.arn, r.metadata);
  return out;
}

function isoTime(v: ResourceMetadata['lastUpdatedAt'] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const d = v instanceof Date ? v : new Date(typeof v === 'number' ? v * 1000 : v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function findingView(f: Finding): FindingView {
  return { code: f.code, severity: f.severity, message: f.message, ...(f.fix ? { fix: f.fix } : {}), ...(f.path ? { path: f.path } : {}) };
}

function summaries(state: MeshState): ResourceSummary[] {
  const meta = metadataByArn(state.snapshot);
  return state.resources.map((r) => {
    const key = describeAddress(r.address);
    const m = r.arn ? meta.get(r.arn) : undefined;
    return {
      key, kind: r.address.kind, name: r.address.name,
      ...(r.address.container !== undefined ? { container: r.address.container } : {}),
      version: m?.version ?? 0,
      lastUpdatedAt: isoTime(m?.lastUpdatedAt),
      arn: r.arn,
      findings: (state.findings.get(key) ?? []).map(findingView),
    };
  });
}

export async function resourceList(data: MeshData, mesh: string): Promise<ResourceList> {
  return { mesh, resources: summaries(await data.state(mesh)) };
}

export async function resourceDetail(data: MeshData, mesh: string, key: string): Promise<ResourceDetail> {
  const state = await data.state(mesh);
  const summary = summaries(state).find((r) => r.key === key);
  const resource = state.resources.find((r) => describeAddress(r.address) === key);
  if (!summary || !resource) throw new ConsoleProblem(404, 'NotFound', `${key} is not in mesh ${mesh} (it may have been deleted meanwhile).`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require('yaml') as typeof import('yaml');
  const tags = resource.arn ? await readTags(data.source.api, resource.arn) : [];
  return { ...summary, json: `${JSON.stringify(resource.spec, null, 2)}\n`, yaml: YAML.stringify(resource.spec), tags };
}
