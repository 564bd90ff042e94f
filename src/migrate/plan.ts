// `awsmesh migrate --plan`: the target's steps in the order AWS's migration guides give them
// (parallel environment, traffic shift at the edge, cut-over), each with the generated files and
// the command that uses them, then the App Mesh resources to delete, dependents first.

import type { ExportFormat } from '../workflows/export-command';
import { KINDS, nameMembers, type Address, type KindName } from '../workflows/kinds';
import type { MeshSnapshot } from '../mesh/types';
import { docFile } from './output';
import type { GeneratedDoc, Target } from './target';

function kebab(op: string): string {
  return op.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The command that uses a document. */
export function commandFor(doc: GeneratedDoc, format: ExportFormat): string {
  const file = docFile(doc, format);
  const input = `--cli-input-${format}`;
  switch (doc.schema.type) {
    case 'crd':
      return `kubectl apply -f ${file}`;
    case 'cloudformation':
      return `merge into the CloudFormation template that defines the service: ${file}`;
    case 'awsmesh':
      return `aws ${doc.schema.service} ${kebab(doc.schema.operation)} ${input} file://${file}`;
    case 'botocore': {
      const service = doc.schema.model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
      const templated = /\$\{[A-Z0-9_]+\}/.test(JSON.stringify(doc.body));
      const arg = templated ? `"$(envsubst < ${file})"` : `file://${file}`;
      const call = `aws ${service} ${kebab(doc.schema.operation)} ${input} ${arg}`;
      return doc.captures ? `export ${doc.captures}=$(${call} --query id --output text)` : call;
    }
    default:
      return file;
  }
}

const DELETE_ORDER: KindName[] = ['GatewayRoute', 'VirtualGateway', 'VirtualService', 'Route', 'VirtualRouter', 'VirtualNode', 'Mesh'];

/** `awsmesh appmesh delete-…` for every resource, in an order App Mesh accepts. */
export function deleteCommands(s: MeshSnapshot): string[] {
  const mesh = s.mesh.meshName;
  const addresses: Address[] = [
    ...s.gatewayRoutes.map((r) => ({ kind: 'GatewayRoute' as const, mesh, container: r.virtualGatewayName, name: r.gatewayRouteName })),
    ...s.virtualGateways.map((g) => ({ kind: 'VirtualGateway' as const, mesh, name: g.virtualGatewayName })),
    ...s.virtualServices.map((v) => ({ kind: 'VirtualService' as const, mesh, name: v.virtualServiceName })),
    ...s.routes.map((r) => ({ kind: 'Route' as const, mesh, container: r.virtualRouterName, name: r.routeName })),
    ...s.virtualRouters.map((r) => ({ kind: 'VirtualRouter' as const, mesh, name: r.virtualRouterName })),
    ...s.virtualNodes.map((n) => ({ kind: 'VirtualNode' as const, mesh, name: n.virtualNodeName })),
    { kind: 'Mesh' as const, mesh, name: mesh },
  ];
  addresses.sort((a, b) => DELETE_ORDER.indexOf(a.kind) - DELETE_ORDER.indexOf(b.kind)
    || (a.container ?? '').localeCompare(b.container ?? '') || a.name.localeCompare(b.name));
  return addresses.map((a) => {
    const flags = Object.entries(nameMembers(a)).map(([k, v]) => `--${kebab(k)} ${/^[A-Za-z0-9._/-]+$/.test(v) ? v : `'${v}'`}`).join(' ');
    return `awsmesh appmesh delete-${kebab(KINDS[a.kind].kind)} ${flags}`;
  });
}

export function planText(target: Target, docs: GeneratedDoc[], s: MeshSnapshot, format: ExportFormat): string {
  const lines = [`Migration plan: App Mesh mesh ${s.mesh.meshName} → ${target.title}`, ''];
  let n = 0;
  for (const step of target.steps) {
    n++;
    lines.push(`${n}. ${step.title}`, `   ${step.text}`);
    for (const d of docs.filter((x) => x.step === step.id)) lines.push(`   $ ${commandFor(d, format)}`);
    lines.push('');
  }
  for (const d of docs.filter((x) => !target.steps.some((st) => st.id === x.step))) lines.push(`   (unplanned) ${docFile(d, format)}`);
  lines.push(`${n + 1}. Delete the App Mesh resources once no traffic uses them (dependents first)`);
  for (const c of deleteCommands(s)) lines.push(`   $ ${c}`);
  return `${lines.join('\n')}\n`;
}
