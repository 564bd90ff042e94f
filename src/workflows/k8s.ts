// Kubernetes manifests of the AWS App Mesh Controller (`apiVersion: appmesh.k8s.aws/v1beta2`) as
// manifests: each Mesh, VirtualNode, VirtualService, VirtualRouter (plus one Route per entry of
// its spec.routes), VirtualGateway and GatewayRoute becomes one Create<Kind> document, following
// the controller's webhooks: the AWS name is spec.awsName or the controller's default, the mesh
// comes from spec.meshRef or the Mesh whose namespaceSelector matches the labels of the object's
// Namespace (a `kind: Namespace` document of the input; --mesh when there is none), a gateway
// route's virtual gateway from spec.virtualGatewayRef or the VirtualGateway whose namespace and
// gateway route selectors match, and `…Ref`/`…ARN` references become the referenced names.
// Kubernetes-only fields (selectors, meshRef, awsName) are dropped; the spec's keys are converted
// by walking the operation's schema. Other documents (Deployments, Services, …) are skipped.

import type { TemplateDocument } from './cloudformation/documents';
import { skippedText, type Finding } from './findings';
import { KINDS, type KindName } from './kinds';
import { convertInput, type Rename } from './schema-convert';

/** One document of the input with an `apiVersion`, before conversion. */
export interface K8sSource {
  file: string;
  value: Record<string, unknown>;
  line(p: string): number | undefined;
}

export type K8sDocument = TemplateDocument & { file: string };

export const APPMESH_API_VERSION = 'appmesh.k8s.aws/v1beta2';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A Kubernetes object: `apiVersion` and `kind` strings. */
export function isK8sObject(v: unknown): v is Record<string, unknown> {
  return isObject(v) && typeof v.apiVersion === 'string' && typeof v.kind === 'string';
}

type CrdKind = 'Mesh' | 'VirtualNode' | 'VirtualService' | 'VirtualRouter' | 'VirtualGateway' | 'GatewayRoute';
const CRD_KINDS: CrdKind[] = ['Mesh', 'VirtualNode', 'VirtualService', 'VirtualRouter', 'VirtualGateway', 'GatewayRoute'];

/** Spec fields that only mean something to the controller or Kubernetes: dropped. */
const K8S_ONLY = new Set(['awsName', 'meshRef', 'podSelector', 'namespaceSelector', 'gatewayRouteSelector', 'meshOwner',
  'routes', 'virtualGatewayRef', 'backendGroups']);

interface CrdObject {
  src: K8sSource;
  kind: CrdKind;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  spec: Record<string, unknown>;
  awsName: string;
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(v)) for (const [k, x] of Object.entries(v)) out[k] = String(x);
  return out;
}

/**
 * Does a metav1.LabelSelector match these labels? As LabelSelectorAsSelector: no selector matches
 * nothing, an empty one everything.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  for (const [k, v] of Object.entries(stringMap(selector.matchLabels))) if (labels[k] !== v) return false;
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of exprs) {
    if (!isObject(e)) return false;
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const has = key in labels;
    switch (e.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** The controller's default AWS name (webhooks/appmesh/*_mutator.go defaultingAWSName). */
function defaultAwsName(kind: CrdKind, name: string, namespace: string): string {
  if (kind === 'Mesh') return name;
  if (kind === 'VirtualService') return `${name}.${namespace}`;
  return `${name}_${namespace}`;
}

const REF = /^(virtualNode|virtualService|virtualRouter|virtualGateway)(Ref|ARN)$/;
const REF_KIND: Record<string, CrdKind> = {
  virtualNode: 'VirtualNode', virtualService: 'VirtualService', virtualRouter: 'VirtualRouter', virtualGateway: 'VirtualGateway',
};

/** The documents made from every Kubernetes object of the input (all files together: references cross files). */
export function k8sDocuments(sources: K8sSource[], ctx: { mesh?: string } = {}): K8sDocument[] {
  const docs: K8sDocument[] = [];
  const objects: CrdObject[] = [];
  const namespaces = new Map<string, Record<string, string>>();
  const skipped = new Map<string, { first: K8sSource; counts: Map<string, number> }>();
  const skip = (s: K8sSource, what: string) => {
    let entry = skipped.get(s.file);
    if (!entry) skipped.set(s.file, entry = { first: s, counts: new Map() });
    entry.counts.set(what, (entry.counts.get(what) ?? 0) + 1);
  };
  for (const s of sources) {
    const { apiVersion, kind } = s.value as { apiVersion: string; kind: string };
    const meta = isObject(s.value.metadata) ? s.value.metadata : {};
    if (kind === 'Namespace' && apiVersion === 'v1' && typeof meta.name === 'string') namespaces.set(meta.name, stringMap(meta.labels));
    if (apiVersion !== APPMESH_API_VERSION) {
      // the controller's older API (v1beta1) is named with its version, so it is not mistaken for v1beta2
      skip(s, apiVersion.startsWith('appmesh.k8s.aws/') ? `${apiVersion} ${kind}` : kind);
      continue;
    }
    if (kind === 'BackendGroup') {
      docs.push(findingDoc(s, {
        code: 'AM0010', severity: 'error', file: s.file, line: s.line('kind'), path: 'kind',
        message: `BackendGroup ${String(meta.name ?? '')} is not supported: App Mesh has no such resource (the controller expands it into the backends of the virtual nodes that list it)`,
        fix: 'List the virtual services of the group under spec.backends of each virtual node instead',
      }));
      continue;
    }
    if (!(CRD_KINDS as string[]).includes(kind)) {
      skip(s, `${APPMESH_API_VERSION} ${kind}`);
      continue;
    }
    if (typeof meta.name !== 'string' || !meta.name) {
      docs.push(findingDoc(s, { code: 'AM0002', severity: 'error', file: s.file, line: s.line('metadata'), path: 'metadata.name', message: `${kind} without metadata.name` }));
      continue;
    }
    const crdKind = kind as CrdKind;
    const namespace = crdKind === 'Mesh' ? '' : typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : 'default';
    const spec = isObject(s.value.spec) ? s.value.spec : {};
    const awsName = typeof spec.awsName === 'string' && spec.awsName ? spec.awsName : defaultAwsName(crdKind, meta.name, namespace);
    objects.push({ src: s, kind: crdKind, name: meta.name, namespace, labels: stringMap(meta.labels), spec, awsName });
  }
  const find = (kind: CrdKind, namespace: string, name: string) =>
    objects.find((o) => o.kind === kind && o.name === name && (kind === 'Mesh' || o.namespace === namespace));
  const meshes = objects.filter((o) => o.kind === 'Mesh');

  /** The mesh's AWS name and where it came from, or the finding that says why it is unknown. */
  const meshOf = (o: CrdObject): { name: string; src: string } | Finding => {
    if (o.kind === 'Mesh') return { name: o.awsName, src: isObject(o.spec) && o.spec.awsName ? 'spec.awsName' : 'metadata.name' };
    const ref = o.spec.meshRef;
    if (isObject(ref) && typeof ref.name === 'string') return { name: find('Mesh', '', ref.name)?.awsName ?? ref.name, src: 'spec.meshRef.name' };
    let why: string;
    const labels = namespaces.get(o.namespace);
    if (!labels) why = `the input has no \`kind: Namespace\` document for namespace ${o.namespace}, whose labels select the mesh`;
    else {
      const candidates = meshes.filter((m) => selectorMatches(m.spec.namespaceSelector, labels));
      if (candidates.length === 1) return { name: candidates[0].awsName, src: 'metadata.namespace' };
      why = candidates.length === 0
        ? `no Mesh of the input has a namespaceSelector matching the labels of namespace ${o.namespace}`
        : `the namespaceSelectors of several Meshes match namespace ${o.namespace}: ${candidates.map((m) => m.name).join(', ')}`;
    }
    if (ctx.mesh !== undefined) return { name: ctx.mesh, src: 'metadata.namespace' };
    return {
      code: 'AM0008', severity: 'error', file: o.src.file, line: o.src.line('metadata'), path: 'metadata.namespace',
      message: `Cannot tell which mesh ${o.kind} ${o.namespace}/${o.name} belongs to: it has no spec.meshRef and ${why}`,
      fix: `Pass --mesh NAME, or add the Namespace document (with the labels a Mesh's namespaceSelector matches) to the input`,
    };
  };

  const gatewayOf = (o: CrdObject): { name: string; src: string } | Finding => {
    const ref = o.spec.virtualGatewayRef;
    if (isObject(ref) && typeof ref.name === 'string') {
      const ns = typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : o.namespace;
      const vg = find('VirtualGateway', ns, ref.name);
      if (vg) return { name: vg.awsName, src: 'spec.virtualGatewayRef' };
      return {
        code: 'AM0009', severity: 'error', file: o.src.file, line: o.src.line('spec.virtualGatewayRef'), path: 'spec.virtualGatewayRef',
        message: `virtualGatewayRef ${ns}/${ref.name} names no VirtualGateway of the input`,
        fix: `Add the file that declares VirtualGateway ${ns}/${ref.name} to the input, or fix the reference`,
      };
    }
    const labels = namespaces.get(o.namespace);
    const candidates = labels ? objects.filter((g) => g.kind === 'VirtualGateway' && selectorMatches(g.spec.namespaceSelector, labels)
      && (g.spec.gatewayRouteSelector === undefined || g.spec.gatewayRouteSelector === null || selectorMatches(g.spec.gatewayRouteSelector, o.labels))) : [];
    if (candidates.length === 1) return { name: candidates[0].awsName, src: 'metadata.namespace' };
    const why = !labels ? `the input has no \`kind: Namespace\` document for namespace ${o.namespace}, whose labels select the gateway`
      : candidates.length === 0 ? `no VirtualGateway of the input selects it (namespaceSelector and gatewayRouteSelector)`
        : `several VirtualGateways select it: ${candidates.map((g) => `${g.namespace}/${g.name}`).join(', ')}`;
    return {
      code: 'AM0008', severity: 'error', file: o.src.file, line: o.src.line('metadata'), path: 'metadata.namespace',
      message: `Cannot tell which virtual gateway GatewayRoute ${o.namespace}/${o.name} belongs to: it has no spec.virtualGatewayRef and ${why}`,
      fix: 'Add spec.virtualGatewayRef: {name: GATEWAY, namespace: NAMESPACE}, or the Namespace document with the labels the gateway selects',
    };
  };

  for (const o of objects) {
    const findings: Finding[] = [];
    const mesh = meshOf(o);
    if ('code' in mesh) findings.push(mesh);
    let gateway: { name: string; src: string } | undefined;
    if (o.kind === 'GatewayRoute') {
      const g = gatewayOf(o);
      if ('code' in g) findings.push(g);
      else gateway = g;
    }
    if (Array.isArray(o.spec.backendGroups) && o.spec.backendGroups.length) {
      findings.push({
        code: 'AM0010', severity: 'error', file: o.src.file, line: o.src.line('spec.backendGroups'), path: 'spec.backendGroups',
        message: `${o.kind} ${o.namespace}/${o.name} lists backendGroups, which awsmesh does not support (App Mesh has no such resource)`,
        fix: 'List the virtual services of the groups under spec.backends instead',
      });
    }
    if (findings.some((f) => f.code === 'AM0008')) {
      docs.push({ file: o.src.file, line: (p) => o.src.line(p), sourcePath: (p) => p, unresolved: [], findings });
      continue;
    }
    const meshName = (mesh as { name: string; src: string });
    const unresolvedSrc = new Set<string>();
    const rename = refResolver(o, findings, unresolvedSrc, find);
    const spec: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o.spec)) if (!K8S_ONLY.has(k)) spec[k] = v;
    const kind: KindName = o.kind;
    const names: Record<string, unknown> = {};
    const sources: Record<string, string> = { spec: 'spec' };
    if (o.kind !== 'Mesh') {
      names.meshName = meshName.name;
      sources.meshName = meshName.src;
    }
    if (gateway) {
      names.virtualGatewayName = gateway.name;
      sources.virtualGatewayName = gateway.src;
    }
    names[KINDS[kind].nameMember] = o.awsName;
    sources[KINDS[kind].nameMember] = o.spec.awsName ? 'spec.awsName' : 'metadata.name';
    docs.push(convertedDoc(o.src, kind, { ...names, spec }, sources, findings, unresolvedSrc, rename));
    if (o.kind === 'VirtualRouter' && Array.isArray(o.spec.routes)) {
      o.spec.routes.forEach((r, i) => {
        const at = `spec.routes[${i}]`;
        const routeFindings: Finding[] = [];
        const routeUnresolved = new Set<string>();
        const { name, ...routeSpec } = isObject(r) ? r : {};
        const routeNames = { meshName: meshName.name, virtualRouterName: o.awsName, routeName: name };
        const routeSources = { meshName: meshName.src, virtualRouterName: sources.virtualRouterName, routeName: `${at}.name`, spec: at };
        docs.push(convertedDoc(o.src, 'Route', { ...routeNames, spec: routeSpec }, routeSources, routeFindings, routeUnresolved,
          refResolver(o, routeFindings, routeUnresolved, find), at));
      });
    }
  }
  for (const [file, { first, counts }] of skipped) {
    docs.push(findingDoc(first, {
      code: 'AM0005', severity: 'info', file, line: first.line(''), message: `Kubernetes manifest: ${skippedText(counts, 'document', 'kinds')}`,
    }));
  }
  return docs;
}

function findingDoc(s: K8sSource, f: Finding): K8sDocument {
  return { file: s.file, line: (p) => s.line(p), sourcePath: (p) => p, unresolved: [], findings: [f] };
}

/** The Create input of one object (or route), keys converted by the schema. */
function convertedDoc(src: K8sSource, kind: KindName, value: Record<string, unknown>, sources: Record<string, string>,
  findings: Finding[], unresolvedSrc: Set<string>, rename: Rename, at = ''): K8sDocument {
  // the spec is converted where it is written (spec, or spec.routes[i] for a route)
  const converted = convertInput(kind, value, at, src.line, { kindSource: at || 'kind', rename, keySources: sources, unresolved: unresolvedSrc });
  return { file: src.file, ...converted, findings };
}

/** Turns `virtualNodeRef: {name, namespace}` / `virtualNodeARN` into the API's name member (`virtualNode`, `virtualNodeName`). */
function refResolver(o: CrdObject, findings: Finding[], unresolved: Set<string>,
  find: (kind: CrdKind, namespace: string, name: string) => CrdObject | undefined): Rename {
  return (key, value, members, src) => {
    if (key === 'meshServiceDiscovery' && members.includes('serviceDiscovery')) return { name: 'serviceDiscovery', value };
    const m = REF.exec(key);
    if (!m) return undefined;
    const member = members.find((x) => x === `${m[1]}Name`) ?? members.find((x) => x === m[1]);
    if (!member) return undefined;
    const kind = REF_KIND[m[1]];
    const dangling = (message: string, fix: string, placeholder: string) => {
      findings.push({ code: 'AM0009', severity: 'error', file: o.src.file, line: o.src.line(src), path: src, message, fix });
      unresolved.add(src);
      return { name: member, value: placeholder };
    };
    if (m[2] === 'ARN') {
      const arn = typeof value === 'string' ? /^arn:[^:]+:appmesh:[^:]*:[^:]*:mesh\/[^/]+\/(\w+)\/([^/]+)$/.exec(value) : null;
      if (arn && arn[1] === m[1]) return { name: member, value: arn[2] };
      return dangling(`${key} ${JSON.stringify(value)} is not a ${kind} ARN (arn:aws:appmesh:REGION:ACCOUNT:mesh/MESH/${m[1]}/NAME)`,
        `Fix the ARN, or use ${m[1]}Ref: {name: …}`, String(value));
    }
    const ref = isObject(value) ? value : {};
    const name = typeof ref.name === 'string' ? ref.name : '';
    const ns = typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : o.namespace;
    const target = find(kind, ns, name);
    if (target) return { name: member, value: target.awsName };
    const guess = defaultAwsName(kind, name, ns);
    return dangling(`${key} ${ns}/${name} names no ${kind} of the input, so its AWS name is not known (the default would be ${guess})`,
      `Add the file that declares ${kind} ${ns}/${name} to the input, or use ${m[1]}ARN with the AWS name`, guess);
  };
}
