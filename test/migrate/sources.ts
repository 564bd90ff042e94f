// The meshes `awsmesh migrate` is tested on, read the way the CLI reads them: the 123 App Mesh
// specs of the corpus (each alone, as a one-resource mesh), the 44 CloudFormation templates (with
// every parameter they ask for supplied) and the 18 App Mesh Controller manifests, plus the
// walkthrough's final state.

import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { fromManifests, meshesOf, type MigrationSource } from '../../src/migrate/source';
import type { Finding } from '../../src/workflows/findings';
import { loadManifestSet, toResources } from '../../src/workflows/manifest';
import { CORPUS, loadCorpus, plausibleParameter, REFERENCE_WALKTHROUGH } from '../helpers/corpus';
import { readTree } from '../workflows/helpers';

export interface NamedSource {
  /** `json:walkthroughs/…/mesh.json`, `cfn:…yaml#mesh`, `k8s:…yaml#mesh`. */
  name: string;
  source: MigrationSource;
}

/** The reference walkthrough's files as its final state (update-* replace create-*). */
export const WALKTHROUGH_FILES = [
  'create-virtual-node-servicea.json', 'create-virtual-node-serviceb.json', 'create-virtual-node-servicebv2.json',
  'create-virtual-router.json', 'update-route.json', 'create-virtual-servicea.json', 'update-virtual-service.json',
].map((f) => path.join(REFERENCE_WALKTHROUGH, f));

function errorsOf(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error');
}

export function walkthroughSource(): MigrationSource {
  const set = loadManifestSet(WALKTHROUGH_FILES, path.resolve(__dirname, '..', '..'));
  if (errorsOf(set.findings).length) throw new Error(JSON.stringify(errorsOf(set.findings)));
  return fromManifests(set.resources, 'apps');
}

/** Each of the 123 specs as a mesh of its own (names filled in the way test/helpers/corpus does). */
export function jsonSources(): NamedSource[] {
  return loadCorpus().map((spec) => {
    const { resources, findings } = toResources([{ file: spec.file, value: { kind: spec.kind, ...spec.input }, line: () => 1 }]);
    if (errorsOf(findings).length) throw new Error(`${spec.file}: ${JSON.stringify(errorsOf(findings))}`);
    return { name: `json:${spec.file}`, source: fromManifests(resources, String(spec.input.meshName)) };
  });
}

export const CFN_DIR = path.join(CORPUS, 'aws-app-mesh-examples-cfn');
export const K8S_DIR = path.join(CORPUS, 'aws-app-mesh-examples-k8s');

/** Every mesh of every template, with the parameters the template asks for. */
export function cfnSources(): NamedSource[] {
  const out: NamedSource[] = [];
  for (const rel of Object.keys(readTree(CFN_DIR)).sort()) {
    const file = path.join(CFN_DIR, rel);
    const parameters: Record<string, string> = {};
    let set = loadManifestSet([file], CFN_DIR, { cfn: { region: 'us-west-2', accountId: '111122223333', parameters } });
    for (let round = 0; round < 4; round++) {
      const asked = set.findings.filter((f) => f.code === 'AM0006' || f.code === 'AM0007')
        .map((f) => /--parameter (\S+)=/.exec(f.fix ?? '')?.[1]).filter((p): p is string => !!p && !(p in parameters));
      if (!asked.length) break;
      for (const p of asked) parameters[p] = plausibleParameter(p);
      set = loadManifestSet([file], CFN_DIR, { cfn: { region: 'us-west-2', accountId: '111122223333', parameters } });
    }
    if (errorsOf(set.findings).length) throw new Error(`${rel}: ${JSON.stringify(errorsOf(set.findings))}`);
    for (const mesh of meshesOf(set.resources)) out.push({ name: `cfn:${rel}#${mesh}`, source: fromManifests(set.resources, mesh) });
  }
  return out;
}

/** Kubernetes objects of a YAML stream, with the yaml package alone. */
function objects(file: string): Array<Record<string, any>> {
  return YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter((d) => d && typeof d === 'object');
}

const identity = (o: Record<string, any>) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * Every mesh of every controller manifest, each file applied on top of the other files of its
 * directory (objects the file declares replace theirs; among siblings the first file's wins),
 * so references to objects of sibling files resolve. `--mesh corpus` when no file of the set
 * declares the Namespace and Mesh (combined streams are written under `tmp`). `unresolved`
 * counts the references to objects no vendored file declares (validate's AM0008/AM0009): those
 * documents are left out, the rest converts.
 */
export function k8sSources(tmp: string): { sources: NamedSource[]; unresolved: number } {
  const sources: NamedSource[] = [];
  let unresolved = 0;
  const all = Object.keys(readTree(K8S_DIR)).sort();
  for (const rel of all) {
    const byId = new Map<string, Record<string, any>>();
    for (const r of all.filter((x) => x !== rel && path.dirname(x) === path.dirname(rel))) {
      for (const o of objects(path.join(K8S_DIR, r))) if (!byId.has(identity(o))) byId.set(identity(o), o);
    }
    for (const o of objects(path.join(K8S_DIR, rel))) byId.set(identity(o), o);
    const combined = [...byId.values()];
    const file = path.join(tmp, rel.replace(/\//g, '__'));
    fs.writeFileSync(file, combined.map((o) => YAML.stringify(o)).join('---\n'));
    const selfContained = combined.some((o) => o.kind === 'Namespace') && combined.some((o) => o.kind === 'Mesh');
    const set = loadManifestSet([file], tmp, selfContained ? {} : { mesh: 'corpus' });
    const errors = errorsOf(set.findings);
    // References to objects no vendored file declares: validate's AM0008/AM0009; the rest converts.
    if (errors.some((f) => f.code !== 'AM0008' && f.code !== 'AM0009')) throw new Error(`${rel}: ${JSON.stringify(errors)}`);
    unresolved += errors.length;
    for (const mesh of meshesOf(set.resources)) sources.push({ name: `k8s:${rel}#${mesh}`, source: fromManifests(set.resources, mesh) });
  }
  return { sources, unresolved };
}

/** The whole corpus: specs, templates, controller manifests (combined streams written under `tmp`). */
export function corpusSources(tmp: string): { sources: NamedSource[]; unresolved: number } {
  const k8s = k8sSources(tmp);
  return { sources: [...jsonSources(), ...cfnSources(), ...k8s.sources], unresolved: k8s.unresolved };
}

/** A mesh from manifest documents written in the test (kind + Create input each). */
export function sourceOf(docs: Array<Record<string, unknown>>, mesh?: string): MigrationSource {
  const { resources, findings } = toResources(docs.map((value, i) => ({ file: `doc-${i}.json`, value, line: () => 1 })));
  if (errorsOf(findings).length) throw new Error(JSON.stringify(errorsOf(findings)));
  return fromManifests(resources, mesh ?? meshesOf(resources)[0]);
}
