// `awsmesh migrate --check`: every generated document against its target's own published schema,
// vendored and pinned under schemas/vendor/ (see its README):
//   - Kubernetes objects against the CRD version's openAPIV3Schema. Fields the schema does not
//     declare are errors (like `kubectl apply --validate=strict`) unless the schema preserves
//     unknown fields; `x-kubernetes-*` keywords are registered with ajv. CEL rules
//     (`x-kubernetes-validations`) are not evaluated: ajv has no CEL.
//   - AWS API inputs against the botocore model's shapes, turned into JSON Schema by the same
//     converter as the App Mesh schemas (scripts/gen.js); `${VAR}` placeholders for ids created
//     earlier in the plan are filled with well-formed sample ids first.
//   - CloudFormation fragments' Properties against the resource type's registry schema.
// Only this path loads ajv's compiler and the schemas; conversion alone never does.

import * as fs from 'fs';
import * as path from 'path';
import { describeErrors, type AjvError } from '../validation/messages';
import { validateInput } from '../validation/validate';
import type { GeneratedDoc, SchemaRef } from './target';

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const VENDOR = path.join(PACKAGE_ROOT, 'schemas', 'vendor');

export interface SchemaProblem {
  path: string;
  message: string;
}

type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

const K8S_KEYWORDS = [
  'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
  'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
];

/* eslint-disable @typescript-eslint/no-require-imports */
function k8sAjv() {
  const Ajv = require('ajv').default as typeof import('ajv').default;
  const addFormats = require('ajv-formats') as (a: unknown) => void;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, strictTuples: false });
  addFormats(ajv);
  ajv.addVocabulary(K8S_KEYWORDS);
  // OpenAPI's numeric and byte formats, as Kubernetes checks them.
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
  return ajv;
}

/** Closes every object schema that declares its properties (unknown fields are typos, not data). */
export function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && v && typeof v === 'object') out[k] = Object.fromEntries(Object.entries(v).map(([n, x]) => [n, closed(x)]));
    else if (k === 'x-kubernetes-validations' || k === 'enum' || k === 'required') out[k] = v;
    else out[k] = closed(v);
  }
  if (s.properties && s.additionalProperties === undefined && s['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

const compiled = new Map<string, { validate: Validate; meta?: Record<string, unknown> }>();

function readVendor(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(VENDOR, file), 'utf8')) as Record<string, unknown>;
}

function crdValidator(file: string): { validate: Validate; meta: Record<string, unknown> } {
  const hit = compiled.get(file);
  if (hit) return hit as { validate: Validate; meta: Record<string, unknown> };
  const crd = readVendor(file);
  const entry = { validate: k8sAjv().compile(closed(crd.openAPIV3Schema) as object) as Validate, meta: crd };
  compiled.set(file, entry);
  return entry;
}

function botocoreValidator(model: string, operation: string): Validate {
  const key = `${model}#${operation}`;
  const hit = compiled.get(key);
  if (hit) return hit.validate;
  const m = readVendor(`botocore/${model}.json`) as { operations: Record<string, { input?: { shape: string } }>; shapes: Record<string, unknown> };
  const { complexSchema } = require(path.join(PACKAGE_ROOT, 'scripts', 'gen.js')) as {
    complexSchema: (model: unknown, name: string, defs: Record<string, unknown>, rules: Record<string, unknown>) => Record<string, unknown>;
  };
  const { createAjv } = require(path.join(PACKAGE_ROOT, 'scripts', 'ajv-options.js')) as { createAjv: () => { compile(s: object): Validate } };
  const op = m.operations[operation];
  if (!op?.input) throw new Error(`schemas/vendor/botocore/${model}.json has no input for ${operation}`);
  const definitions: Record<string, unknown> = {};
  const root = complexSchema(m, op.input.shape, definitions, {});
  const validate = createAjv().compile({ $schema: 'http://json-schema.org/draft-07/schema#', ...root, definitions });
  compiled.set(key, { validate });
  return validate;
}

function cfnValidator(file: string): { validate: Validate; meta: Record<string, unknown> } {
  const hit = compiled.get(file);
  if (hit) return hit as { validate: Validate; meta: Record<string, unknown> };
  const schema = readVendor(file);
  const Ajv = require('ajv').default as typeof import('ajv').default;
  // Registry schemas carry their own keywords (insertionOrder, handlers, …) and formats
  // (AWS::EC2::SecurityGroup.Ids…) that only CloudFormation knows; they do not constrain values.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: false, validateFormats: false });
  const { definitions, properties, additionalProperties, required } = schema;
  const entry = { validate: ajv.compile({ type: 'object', definitions, properties, additionalProperties, required }) as Validate, meta: schema };
  compiled.set(file, entry);
  return entry;
}
/* eslint-enable @typescript-eslint/no-require-imports */

const SAMPLE_IDS: Array<[RegExp, string]> = [
  [/^SERVICE_NETWORK_ID_/, 'sn-0123456789abcdef0'],
  [/^SERVICE_ID_/, 'svc-0123456789abcdef0'],
  [/^TARGET_GROUP_ID_/, 'tg-0123456789abcdef0'],
  [/^LISTENER_ID_/, 'listener-0123456789abcdef0'],
  [/^VPC_ID$/, 'vpc-0123456789abcdef0'],
];

/** `${VAR}` placeholders → well-formed sample ids, so patterns on identifiers can be checked. */
export function fillPlaceholders(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Z0-9_]+)\}/g, (all, name: string) => SAMPLE_IDS.find(([re]) => re.test(name))?.[1] ?? all);
  }
  if (Array.isArray(value)) return value.map(fillPlaceholders);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillPlaceholders(v)]));
  return value;
}

function problems(validate: Validate, data: unknown, prefix = ''): SchemaProblem[] {
  if (validate(data)) return [];
  return describeErrors(validate.errors ?? [], data).map((p) => ({ path: prefix && p.path ? `${prefix}.${p.path}` : prefix || p.path, message: p.message }));
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** What the API server checks of any object before its schema: apiVersion, kind, metadata names. */
function objectMetaProblems(body: Record<string, unknown>, crd: Record<string, unknown>): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const apiVersion = `${crd.group}/${crd.version}`;
  if (body.apiVersion !== apiVersion) out.push({ path: 'apiVersion', message: `must be ${apiVersion} (got ${JSON.stringify(body.apiVersion)})` });
  if (body.kind !== crd.kind) out.push({ path: 'kind', message: `must be ${crd.kind} (got ${JSON.stringify(body.kind)})` });
  const meta = (body.metadata ?? {}) as Record<string, unknown>;
  const name = meta.name;
  if (typeof name !== 'string' || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    out.push({ path: 'metadata.name', message: `must be a DNS-1123 subdomain of at most 253 characters (got ${JSON.stringify(name)})` });
  }
  if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || meta.namespace.length > 63 || !DNS_LABEL.test(meta.namespace))) {
    out.push({ path: 'metadata.namespace', message: `must be a DNS-1123 label (got ${JSON.stringify(meta.namespace)})` });
  }
  for (const m of ['labels', 'annotations']) {
    const map = meta[m];
    if (map !== undefined && (typeof map !== 'object' || Object.values(map as object).some((v) => typeof v !== 'string'))) {
      out.push({ path: `metadata.${m}`, message: 'must map names to strings' });
    }
  }
  return out;
}

/** Every problem of one document against its schema; empty when it is valid. */
export function validateDocument(doc: Pick<GeneratedDoc, 'body' | 'schema'>): SchemaProblem[] {
  const ref: SchemaRef = doc.schema;
  switch (ref.type) {
    case 'crd': {
      const { validate, meta } = crdValidator(ref.file);
      // apiVersion, kind and metadata are the API server's (checked above); not every CRD declares them.
      const { apiVersion: _v, kind: _k, metadata: _m, ...rest } = doc.body;
      return [...objectMetaProblems(doc.body, meta), ...problems(validate, rest)];
    }
    case 'botocore':
      return problems(botocoreValidator(ref.model, ref.operation), fillPlaceholders(doc.body));
    case 'cloudformation': {
      const { validate, meta } = cfnValidator(ref.file);
      const resources = (doc.body.Resources ?? {}) as Record<string, { Type?: unknown; Properties?: unknown }>;
      const out: SchemaProblem[] = [];
      if (!Object.keys(resources).length) out.push({ path: 'Resources', message: 'no resource' });
      for (const [logical, r] of Object.entries(resources)) {
        if (!/^[A-Za-z0-9]+$/.test(logical)) out.push({ path: `Resources.${logical}`, message: 'logical ids are alphanumeric' });
        if (r.Type !== meta.typeName) out.push({ path: `Resources.${logical}.Type`, message: `must be ${String(meta.typeName)}` });
        out.push(...problems(validate, r.Properties ?? {}, `Resources.${logical}.Properties`));
      }
      return out;
    }
    case 'awsmesh':
      return validateInput(ref.service, ref.operation, doc.body).map((p) => ({ path: p.path, message: p.message }));
    default:
      return [{ path: '', message: `unknown schema reference ${JSON.stringify(ref)}` }];
  }
}

/** The vendored source a document is checked against (for --check's summary). */
export function schemaSource(ref: SchemaRef): string {
  if (ref.type === 'awsmesh') return `schemas/${ref.service}/${ref.operation}.json`;
  if (ref.type === 'botocore') return `schemas/vendor/botocore/${ref.model}.json ${ref.operation}`;
  return `schemas/vendor/${ref.file}`;
}
