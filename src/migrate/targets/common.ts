// Report entries several targets share: the mesh's own settings, client policies, references to
// resources the source does not hold, and gateways on targets that have none.

import { findVirtualNode, gatewayRouteRule } from '../../mesh/lookup';
import type { ClientPolicy, MeshSnapshot, VirtualNodeSpec } from '../../mesh/types';
import { ruleKind, targetsOf } from '../analysis';
import type { Fidelity, FidelityReport } from '../report';
import { ids } from '../source';

export interface MeshTexts {
  allowAll: string;
  dropAll: string;
  dropAllFidelity?: Fidelity;
  defaults: string;
  defaultsFidelity: Fidelity;
}

/** Egress filter, IP preference and App Mesh's implicit defaults (MG0102, MG0103, MG0003). */
export function meshSettings(report: FidelityReport, s: MeshSnapshot, t: MeshTexts): void {
  const id = ids.mesh(s);
  const filter = s.mesh.spec?.egressFilter?.type;
  if (filter === 'DROP_ALL') report.add(t.dropAllFidelity ?? 'lost', 'MG0102', id, 'spec.egressFilter', `DROP_ALL: ${t.dropAll}`);
  else if (filter) report.mapped('MG0102', id, 'spec.egressFilter', `ALLOW_ALL: ${t.allowAll}`);
  if (s.mesh.spec?.serviceDiscovery?.ipPreference) {
    report.lost('MG0103', id, 'spec.serviceDiscovery.ipPreference', 'the target picks the address family from its own network configuration');
  }
  report.add(t.defaultsFidelity, 'MG0003', id, '(defaults)', t.defaults);
}

/** Calls `each` for every client policy of a node: its backend defaults and each backend's own. */
export function forEachClientPolicy(spec: VirtualNodeSpec, each: (setting: string, policy: ClientPolicy, backend?: string) => void): void {
  const d = spec.backendDefaults?.clientPolicy;
  if (d && Object.keys(d).length) each('spec.backendDefaults.clientPolicy', d);
  (spec.backends ?? []).forEach((b, i) => {
    const p = b.virtualService?.clientPolicy;
    if (p && Object.keys(p).length) each(`spec.backends[${i}].virtualService.clientPolicy`, p, b.virtualService?.virtualServiceName);
  });
}

/** One entry per client policy, the same text for each (targets where client TLS is not per backend). */
export function clientPolicyEntries(report: FidelityReport, id: string, spec: VirtualNodeSpec, t: { tls: string; fidelity: Fidelity }): void {
  forEachClientPolicy(spec, (setting) => report.add(t.fidelity, 'MG0209', id, setting, t.tls));
}

/** Virtual gateways and gateway routes on a target without an ingress gateway: lost as a whole. */
export function gatewaysUnsupported(report: FidelityReport, s: MeshSnapshot, text: string): void {
  for (const g of s.virtualGateways) report.lost('MG0501', ids.gateway(s, g.virtualGatewayName), '', text);
  for (const gr of s.gatewayRoutes) {
    report.lost('MG0506', ids.gatewayRoute(s, gr.virtualGatewayName, gr.gatewayRouteName), '', `its virtual gateway has no counterpart (${text.split(':')[0]})`);
  }
}

/** MG0002 for every reference to a resource the source does not hold. */
export function referenceEntries(report: FidelityReport, s: MeshSnapshot): void {
  for (const r of s.routes) {
    const id = ids.route(s, r.virtualRouterName, r.routeName);
    if (!s.virtualRouters.some((x) => x.virtualRouterName === r.virtualRouterName)) {
      report.manual('MG0002', id, 'virtualRouterName', `virtual router ${r.virtualRouterName} is not in the source: nothing routes to this route`);
    }
    const kind = ruleKind(r);
    targetsOf(r).forEach((t, i) => {
      if (!findVirtualNode(s, t.virtualNode)) {
        report.manual('MG0002', id, `spec.${kind}.action.weightedTargets[${i}].virtualNode`, `virtual node ${t.virtualNode} is not in the source: its share goes nowhere`);
      }
    });
  }
  for (const vs of s.virtualServices) {
    const p = vs.spec?.provider;
    const id = ids.service(s, vs.virtualServiceName);
    if (p?.virtualNode && !findVirtualNode(s, p.virtualNode.virtualNodeName)) {
      report.manual('MG0002', id, 'spec.provider.virtualNode.virtualNodeName', `virtual node ${p.virtualNode.virtualNodeName} is not in the source`);
    }
    if (p?.virtualRouter && !s.virtualRouters.some((r) => r.virtualRouterName === p.virtualRouter!.virtualRouterName)) {
      report.manual('MG0002', id, 'spec.provider.virtualRouter.virtualRouterName', `virtual router ${p.virtualRouter.virtualRouterName} is not in the source`);
    }
  }
  for (const gr of s.gatewayRoutes) {
    const id = ids.gatewayRoute(s, gr.virtualGatewayName, gr.gatewayRouteName);
    if (!s.virtualGateways.some((g) => g.virtualGatewayName === gr.virtualGatewayName)) {
      report.manual('MG0002', id, 'virtualGatewayName', `virtual gateway ${gr.virtualGatewayName} is not in the source`);
    }
    const target = gatewayRouteRule(gr)?.action?.target?.virtualService?.virtualServiceName;
    if (target && !s.virtualServices.some((v) => v.virtualServiceName === target)) {
      const kind = gr.spec.httpRoute ? 'httpRoute' : gr.spec.http2Route ? 'http2Route' : 'grpcRoute';
      report.manual('MG0002', id, `spec.${kind}.action.target.virtualService.virtualServiceName`, `virtual service ${target} is not in the source`);
    }
  }
}
