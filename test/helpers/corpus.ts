// The real App Mesh specs of AWS's examples repository (MIT-0; vendored under test/fixtures/corpus,
// see its README), turned into operation inputs.

import * as fs from 'fs';
import * as path from 'path';

export const CORPUS = path.resolve(__dirname, '..', 'fixtures', 'corpus');
/** The App Mesh EC2 walkthrough's input files, verbatim. */
export const REFERENCE_WALKTHROUGH = path.resolve(__dirname, '..', 'fixtures', 'walkthrough');

export type Kind = 'Mesh' | 'VirtualNode' | 'VirtualRouter' | 'Route' | 'VirtualService' | 'VirtualGateway' | 'GatewayRoute';

export interface CorpusSpec {
  file: string;
  kind: Kind;
  template: boolean;
  /** A complete Create<Kind> input: the file's content plus names it leaves to CLI flags. */
  input: Record<string, unknown>;
}

/** Plausible values for the jq templates' bare `$VAR` placeholders (all are strings). */
function placeholder(name: string): string {
  if (name.endsWith('ARN')) return 'arn:aws:acm:us-west-2:111122223333:certificate/0a1b2c3d-corpus';
  if (name.includes('SAN')) return 'colorteller.mesh.local';
  if (name.includes('HOSTNAME')) return 'colorteller.default.svc.cluster.local';
  if (name.includes('NAMESPACE') || name.includes('DOMAIN')) return 'mesh.local';
  return 'colorteller.mesh.local';
}

/** A plausible value for a CloudFormation parameter a corpus template leaves open (by its name, as a person would). */
export function plausibleParameter(name: string): string {
  if (/port/i.test(name)) return '8080';
  if (/protocol/i.test(name)) return 'http';
  if (/owner|account/i.test(name)) return '111122223333';
  if (/arn|cert|ca$/i.test(name)) return 'arn:aws:acm:us-west-2:111122223333:certificate/corpus';
  return `corpus-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

export function renderTemplate(text: string): string {
  return text.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, v: string) => JSON.stringify(placeholder(v)));
}

const NAME_MEMBERS: Record<Kind, string[]> = {
  Mesh: ['meshName'],
  VirtualNode: ['meshName', 'virtualNodeName'],
  VirtualRouter: ['meshName', 'virtualRouterName'],
  Route: ['meshName', 'virtualRouterName', 'routeName'],
  VirtualService: ['meshName', 'virtualServiceName'],
  VirtualGateway: ['meshName', 'virtualGatewayName'],
  GatewayRoute: ['meshName', 'virtualGatewayName', 'gatewayRouteName'],
};

export function loadCorpus(): CorpusSpec[] {
  const index = JSON.parse(fs.readFileSync(path.join(CORPUS, 'INDEX.json'), 'utf8'));
  return (index.json as Array<{ path: string; kind: Kind; jqTemplate: boolean }>).map((entry, i) => {
    const file = path.join(CORPUS, 'aws-app-mesh-examples', entry.path);
    const raw = fs.readFileSync(file, 'utf8');
    const doc = JSON.parse(entry.jqTemplate ? renderTemplate(raw) : raw) as Record<string, unknown>;
    const input: Record<string, unknown> = {};
    for (const m of NAME_MEMBERS[entry.kind]) input[m] = `${m.replace(/Name$/, '')}-${i}`;
    Object.assign(input, doc);
    if (entry.kind !== 'Mesh' && input.spec === undefined) input.spec = {};
    return { file: entry.path, kind: entry.kind, template: entry.jqTemplate, input };
  });
}
