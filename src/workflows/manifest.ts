// Manifests: JSON or YAML files (multi-document YAML, or a JSON list) whose documents are the
// Create<Kind> inputs of App Mesh resources, plus an optional `kind`. `--cli-input-json` files
// work as they are: the kind is inferred from their name members. Reading is strict — a missing
// file or a syntax error stops everything with exit 252 — while problems inside well-formed
// documents become findings, so `validate` can report all of them at once.

import * as fs from 'fs';
import * as path from 'path';
import { ParamError } from '../base/errors';
import { InputFileError, readInputText } from '../base/input-file';
import { NestingError, parseJson, parseYamlDocuments } from '../base/structured-text';
import { closest } from '../validation/messages';
import { validateInput, type Problem } from '../validation/validate';
import { isTemplate, templateDocuments } from './cloudformation/documents';
import type { TemplateContext } from './cloudformation/resolver';
import { cfnYamlTags } from './cloudformation/yaml-tags';
import type { Finding } from './findings';
import { isK8sObject, k8sDocuments, type K8sSource } from './k8s';
import {
  addressKey, addressOf, describeAddress, inferKind, isKindName, KIND_NAMES, type Address, type KindName,
} from './kinds';
import { childPath, jsonErrorOffset, jsonLineMap, lineOf, yamlLineMap, type LineMap } from './source-map';

export interface Tag {
  key: string;
  value: string;
}

/** One document of one file, before it is known to be a resource. */
export interface ManifestDocument {
  file: string;
  value: unknown;
  /** Line of a path inside this document (falls back to the document's first line). */
  line(path: string): number | undefined;
  /** Documents made from a CloudFormation template or a Kubernetes object: findings found while converting it. */
  findings?: Finding[];
  /** …the template path of a path inside the document (for findings). */
  sourcePath?(path: string): string;
  /** …paths holding a placeholder for an unresolved value (their schema problems are not reported). */
  unresolved?: string[];
}

/** A declared (or, for analysis and planning, a live) App Mesh resource. */
export interface Resource {
  address: Address;
  /** The Create<Kind> input, without `kind` and without clientToken. */
  input: Record<string, unknown>;
  spec: Record<string, unknown>;
  /** Tags to manage; undefined when the manifest does not mention tags. */
  tags?: Tag[];
  origin: 'manifest' | 'live';
  file?: string;
  line?: (path: string) => number | undefined;
  /** Made from a CloudFormation template or Kubernetes object: the source path of a path inside the input. */
  sourcePath?: (path: string) => string;
  /** Live resources: their ARN (for tagging) and version. */
  arn?: string;
}

const MANIFEST_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
const SKIPPED_DIRS = new Set(['node_modules', '.git']);

/** Every manifest file under the given paths (directories recursively, in a stable order). */
export function manifestFiles(paths: string[], cwd: string): string[] {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !SKIPPED_DIRS.has(entry.name)) walk(full);
      } else if (MANIFEST_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
        files.push(full);
      }
    }
  };
  for (const p of paths) {
    const abs = path.resolve(cwd, p.replace(/^file:\/\//, ''));
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      missing.push(p);
      continue;
    }
    if (stat.isDirectory()) walk(abs);
    else files.push(abs);
  }
  if (missing.length) {
    throw new ParamError(missing.map((p) => `The file or directory ${p} does not exist.`).join('\n'));
  }
  return [...new Set(files)];
}

/** How a file is shown in findings: relative to the working directory when inside it. */
export function displayName(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** `line:col: ` of the first syntax error of a JSON text. */
function jsonErrorPosition(text: string): string {
  const at = jsonErrorOffset(text);
  if (at < 0) return '';
  const upto = text.slice(0, at);
  return `${upto.split('\n').length}:${at - upto.lastIndexOf('\n')}: `;
}

function looksLikeJson(file: string, text: string): boolean {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return true;
  if (ext === '.yaml' || ext === '.yml') return false;
  return /^\s*[[{]/.test(text);
}

/**
 * Splits a parsed top-level value into documents: a list holds several, a CloudFormation template
 * one per App Mesh resource, anything else is one. Kubernetes objects (`apiVersion` and `kind`) are
 * collected in `k8s`, to be converted together once every file is read.
 */
function documentsOf(file: string, value: unknown, map: LineMap, prefix: string, out: ManifestDocument[], cfn: TemplateContext,
  k8s: K8sSource[]): void {
  const at = (base: string) => (p: string) => lineOf(map, base && p ? `${base}.${p}` : base || p);
  if (isTemplate(value)) {
    for (const d of templateDocuments(file, value, at(prefix), cfn)) out.push({ file, ...d, value: d.value });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (isK8sObject(v)) k8s.push({ file, value: v, line: at(childPath(prefix, i)) });
      else out.push({ file, value: v, line: at(childPath(prefix, i)) });
    });
  } else if (isK8sObject(value)) {
    k8s.push({ file, value, line: at(prefix) });
  } else if (value !== null && value !== undefined) {
    out.push({ file, value, line: at(prefix) });
  }
}

/** Reads and parses every file; all syntax errors are reported together (exit 252). */
export function readDocuments(files: string[], cwd: string, cfn: TemplateContext = {}, k8s: { mesh?: string } = {}): ManifestDocument[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const YAML = require('yaml') as typeof import('yaml');
  const docs: ManifestDocument[] = [];
  const k8sSources: K8sSource[] = [];
  const errors: string[] = [];
  for (const abs of files) {
    const file = displayName(abs, cwd);
    let text: string;
    try {
      text = readInputText(abs);
    } catch (e) {
      errors.push(`${file}: cannot read: ${e instanceof InputFileError ? e.reason : (e as Error).message}`);
      continue;
    }
    if (looksLikeJson(abs, text)) {
      let value: unknown;
      try {
        value = parseJson(text);
      } catch (e) {
        const msg = (e as Error).message;
        errors.push(e instanceof NestingError ? `${file}: ${msg}` : `${file}:${jsonErrorPosition(text)}Invalid JSON: ${msg}`);
        continue;
      }
      documentsOf(file, value, jsonLineMap(text), '', docs, cfn, k8sSources);
      continue;
    }
    const counter = new YAML.LineCounter();
    let list: import('yaml').Document[];
    try {
      list = parseYamlDocuments(text, { lineCounter: counter, customTags: cfnYamlTags() as never });
    } catch (e) {
      if (!(e instanceof NestingError)) throw e;
      errors.push(`${file}: ${e.message}`);
      continue;
    }
    const bad = list.flatMap((d) => d.errors);
    if (bad.length) {
      const e = bad[0];
      const pos = e.linePos?.[0];
      errors.push(`${file}:${pos ? `${pos.line}:${pos.col}: ` : ''}Invalid YAML: ${e.message.split('\n')[0]}`);
      continue;
    }
    for (const d of list) documentsOf(file, d.toJS(), yamlLineMap(d, counter), '', docs, cfn, k8sSources);
  }
  if (errors.length) throw new ParamError(errors.join('\n'));
  for (const d of k8sSources.length ? k8sDocuments(k8sSources, k8s) : []) docs.push({ ...d, value: d.value });
  return docs;
}

export interface ResourceOptions {
  /** --mesh: meshName for documents that leave it out. */
  mesh?: string;
  /** How CloudFormation templates' intrinsics resolve (--parameter, --stack-name, region, account). */
  cfn?: TemplateContext;
}

/** The path of the offending value; for an unknown key, the key itself rather than its parent. */
function problemPath(p: Problem): string {
  const unknown = p.keyword === 'additionalProperties' ? /^Unknown parameter in [^:]*: "([^"]+)"/.exec(p.message) : null;
  return unknown ? childPath(p.path, unknown[1]) : p.path;
}

function isIamPolicy(doc: Record<string, unknown>): boolean {
  return 'Statement' in doc && ('Version' in doc || Object.keys(doc).length === 1);
}

function normaliseTagList(v: unknown): Tag[] | undefined {
  if (!Array.isArray(v)) return undefined;
  return v.filter((t): t is Tag => !!t && typeof t === 'object' && typeof (t as Tag).key === 'string')
    .map((t) => ({ key: t.key, value: typeof t.value === 'string' ? t.value : '' }));
}

/**
 * Documents → resources, with schema findings (AM0001), kind findings (AM0002), duplicates
 * (AM0003) and skipped IAM policy documents (AM0004).
 */
export function toResources(docs: ManifestDocument[], opts: ResourceOptions = {}): { resources: Resource[]; findings: Finding[] } {
  const resources: Resource[] = [];
  const findings: Finding[] = [];
  const seen = new Map<string, Resource>();
  for (const doc of docs) {
    const at = (p: string) => ({ file: doc.file, line: doc.line(p), path: (doc.sourcePath ? doc.sourcePath(p) : p) || undefined });
    if (doc.findings) findings.push(...doc.findings);
    if (doc.value === undefined && doc.findings) continue;
    if (!doc.value || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      findings.push({
        code: 'AM0002', severity: 'error', ...at(''),
        message: `A manifest document must be a mapping of the Create<Kind> input members, not ${Array.isArray(doc.value) ? 'a nested list' : JSON.stringify(doc.value)}`,
      });
      continue;
    }
    const raw = doc.value as Record<string, unknown>;
    if (isIamPolicy(raw)) {
      findings.push({ code: 'AM0004', severity: 'info', ...at(''), message: 'IAM policy document, not an App Mesh resource: skipped' });
      continue;
    }
    const { kind: declared, ...rest } = raw;
    let kind: KindName | undefined;
    if (declared !== undefined) {
      if (!isKindName(declared)) {
        const guess = typeof declared === 'string' ? closest(declared, [...KIND_NAMES]) : undefined;
        findings.push({
          code: 'AM0002', severity: 'error', ...at('kind'),
          message: `Unknown kind ${JSON.stringify(declared)}, must be one of: ${KIND_NAMES.join(', ')}`,
          fix: guess ? `Did you mean "${guess}"?` : undefined,
        });
        continue;
      }
      kind = declared;
    } else {
      kind = inferKind(rest);
      if (!kind) {
        findings.push({
          code: 'AM0002', severity: 'error', ...at(''),
          message: 'Cannot tell which App Mesh resource this document is: it has no kind and no name member (meshName, virtualNodeName, …)',
          fix: 'Add `kind: VirtualNode` (or Mesh, VirtualRouter, Route, VirtualService, VirtualGateway, GatewayRoute) and the name members the Create operation needs',
        });
        continue;
      }
    }
    const input: Record<string, unknown> = { ...rest };
    if (input.meshName === undefined && opts.mesh !== undefined) input.meshName = opts.mesh;
    const placeholders = doc.unresolved ?? [];
    const underPlaceholder = (p: string) => placeholders.some((u) => p === u || p.startsWith(`${u}.`) || p.startsWith(`${u}[`));
    for (const p of validateInput('appmesh', `Create${kind}`, input)) {
      if (underPlaceholder(problemPath(p))) continue;
      findings.push({ code: 'AM0001', severity: 'error', ...at(problemPath(p)), message: p.message, fix: p.fix });
    }
    delete input.clientToken;
    const address = addressOf(kind, input);
    if (!address) continue; // the schema findings above already say which name is missing
    const resource: Resource = {
      address,
      input,
      spec: input.spec && typeof input.spec === 'object' && !Array.isArray(input.spec) ? (input.spec as Record<string, unknown>) : {},
      tags: input.tags === undefined ? undefined : normaliseTagList(input.tags) ?? [],
      origin: 'manifest',
      file: doc.file,
      line: doc.line,
      sourcePath: doc.sourcePath,
    };
    const key = addressKey(address);
    const first = seen.get(key);
    if (first) {
      findings.push({
        code: 'AM0003', severity: 'error', ...at(''), resource: describeAddress(address),
        message: `${describeAddress(address)} is declared more than once (first in ${first.file}:${first.line?.('') ?? '?'})`,
        fix: 'Keep one document per resource; merge the specs if both are meant',
      });
      continue;
    }
    seen.set(key, resource);
    resources.push(resource);
  }
  return { resources, findings };
}

export interface ManifestSet {
  files: string[];
  resources: Resource[];
  findings: Finding[];
}

/** Files → documents → resources: the first step of validate and apply. */
export function loadManifestSet(paths: string[], cwd: string, opts: ResourceOptions = {}): ManifestSet {
  const files = manifestFiles(paths, cwd);
  return { files, ...toResources(readDocuments(files, cwd, opts.cfn, { mesh: opts.mesh }), opts) };
}
