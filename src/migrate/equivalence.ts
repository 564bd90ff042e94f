// The route equivalence check: every sample request (samples.ts) is routed by App Mesh's rules
// (appmesh-router.ts) and by the target's own precedence rules over the generated documents; where
// the weighted targets differ, the report gets a finding with the request as the example. One
// finding per App Mesh resource and kind of difference, however many samples show it.

import type { MeshSnapshot } from '../mesh/types';
import { appMeshRouter } from './appmesh-router';
import type { FidelityReport } from './report';
import { describeSample, gatewaySamples, serviceSamples, type Sample } from './samples';
import { ids } from './source';
import type { Outcome, TargetRouter } from './target';

/** Shares closer than one percentage point count as equal (targets with whole-percent weights round). */
const TOLERANCE = 0.01 + 1e-9;

export function describeOutcome(o: Outcome): string {
  if (o.size === 0) return 'not routed';
  return [...o].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([node, w]) => `${node} ${Math.round(w * 1000) / 10}%`).join(', ');
}

function same(a: Outcome, b: Outcome): boolean {
  const names = new Set([...a.keys(), ...b.keys()]);
  for (const n of names) if (Math.abs((a.get(n) ?? 0) - (b.get(n) ?? 0)) > TOLERANCE) return false;
  return true;
}

export function allSamples(s: MeshSnapshot): Sample[] {
  return [...serviceSamples(s), ...gatewaySamples(s)];
}

/** The App Mesh route (or gateway route) a sample matched, as the report names resources. */
function matchedResource(s: MeshSnapshot, sample: Sample, route: string | undefined): string | undefined {
  if (route === undefined) return undefined;
  if (sample.via.kind === 'gateway') return ids.gatewayRoute(s, sample.via.gateway, route);
  const service = sample.via.service;
  const router = s.virtualServices.find((v) => v.virtualServiceName === service)?.spec?.provider?.virtualRouter?.virtualRouterName;
  return router && s.routes.some((r) => r.virtualRouterName === router && r.routeName === route) ? ids.route(s, router, route) : undefined;
}

export function checkEquivalence(s: MeshSnapshot, target: TargetRouter, targetName: string, report: FidelityReport): void {
  const appMesh = appMeshRouter(s);
  const seen = new Set<string>();
  for (const sample of allSamples(s)) {
    const got = target.route(sample);
    if (!got) continue;
    const want = appMesh.route(sample);
    if (same(want, got)) continue;
    const code = want.size === 0 || got.size === 0 ? 'MG0902' : 'MG0901';
    const matched = appMesh.routeName(sample);
    const resource = matchedResource(s, sample, matched) ?? sample.from;
    const key = `${resource}\u0000${code}\u0000${describeOutcome(want)}\u0000${describeOutcome(got)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const request = describeSample(sample);
    report.difference({
      code,
      resource,
      request,
      appMesh: describeOutcome(want),
      target: describeOutcome(got),
      message: `${request}: App Mesh${matched ? ` (route ${matched})` : ''} → ${describeOutcome(want)}; ${targetName} → ${describeOutcome(got)}`,
    });
  }
}
