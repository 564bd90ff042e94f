// CloudFormation templates as manifests: every AWS::AppMesh::* resource of a template becomes one
// Create<Kind> document. Intrinsic functions are resolved where their value can be known without
// a deployed stack (parameters, pseudo parameters, mappings, conditions, names and ARNs of the
// template's own App Mesh resources); anything else becomes a finding with file:line and a fix.
// Property names are converted by walking the operation's generated JSON schema (matching names
// case-insensitively), so `AWSCloudMap` becomes `awsCloudMap` and `HTTP2` `http2`; keys the
// schema does not know are kept as written for the schema validation to report.

import * as path from 'path';
import { skippedText, type Finding } from './findings';
import { isKindName, KINDS, type KindName } from './kinds';
import { convertInput } from './schema-convert';
import { childPath } from './source-map';

/** What intrinsics resolve against (from the command line and the backend). */
export interface TemplateContext {
  /** --parameter Key=Value (also `Logical.Attr` for a GetAtt, an export name for ImportValue). */
  parameters?: Record<string, string>;
  /** --stack-name; default: the file's base name without extension. */
  stackName?: string;
  /** The region in effect; undefined when none is configured (AWS::Region is then unresolved). */
  region?: string;
  /** The backend's account; undefined when it cannot be known without a call. */
  accountId?: string;
}

/** One document made from a template: a Create<Kind> input, or findings only. */
export interface TemplateDocument {
  value?: Record<string, unknown>;
  /** Line of a path inside `value`. */
  line(p: string): number | undefined;
  /** The template path of a path inside `value` (`Resources.X.Properties.Spec.Listeners[0]`). */
  sourcePath(p: string): string;
  /** Paths inside `value` that hold a placeholder for an unresolved value. */
  unresolved: string[];
  findings: Finding[];
}

const INTRINSIC_TAGS = [
  'Ref', 'Sub', 'GetAtt', 'Join', 'If', 'Select', 'Split', 'ImportValue', 'FindInMap', 'Equals', 'Not', 'And', 'Or',
  'Condition', 'Base64', 'GetAZs', 'Cidr', 'Length', 'ToJsonString', 'Transform',
];

function intrinsicKey(tag: string): string {
  return tag === 'Ref' || tag === 'Condition' ? tag : `Fn::${tag}`;
}

/** `!Sub` → `Fn::Sub` (the long form's key of a short-form tag), or undefined for other tags. */
export function intrinsicOfTag(tag: string | undefined): string | undefined {
  const t = tag?.startsWith('!') ? tag.slice(1) : undefined;
  return t && INTRINSIC_TAGS.includes(t) ? intrinsicKey(t) : undefined;
}

let tagsCache: unknown[] | undefined;

/**
 * The `yaml` package's customTags for CloudFormation's short forms: `!Ref X` → `{Ref: X}`, and a
 * tagged list or mapping stays a YAML collection (so source lines are known inside it) whose JS
 * value is wrapped: `!If [c, a, b]` → `{"Fn::If": [c, a, b]}`.
 */
export function cfnYamlTags(): unknown[] {
  if (tagsCache) return tagsCache;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { YAMLMap, YAMLSeq } = require('yaml') as typeof import('yaml');
  const tags: unknown[] = [];
  for (const t of INTRINSIC_TAGS) {
    const key = intrinsicKey(t);
    tags.push({
      tag: `!${t}`,
      resolve: (s: string) => {
        if (t !== 'GetAtt') return { [key]: s };
        const dot = s.indexOf('.');
        return { [key]: dot < 0 ? [s] : [s.slice(0, dot), s.slice(dot + 1)] };
      },
    });
    // The JS value of the collection, wrapped in the intrinsic's key (toJSON is what toJS calls).
    class Seq extends YAMLSeq {
      // @ts-expect-error the wrapper is an object, not the list the base class returns
      toJSON(...args: Parameters<InstanceType<typeof YAMLSeq>['toJSON']>): unknown {
        return { [key]: super.toJSON(...args) };
      }
    }
    class Map extends YAMLMap {
      toJSON(...args: Parameters<InstanceType<typeof YAMLMap>['toJSON']>): unknown {
        return { [key]: super.toJSON(...args) };
      }
    }
    tags.push({ tag: `!${t}`, collection: 'seq', nodeClass: Seq, resolve: (n: unknown) => n });
    tags.push({ tag: `!${t}`, collection: 'map', nodeClass: Map, resolve: (n: unknown) => n });
  }
  tagsCache = tags;
  return tags;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A template: `AWSTemplateFormatVersion`, or a `Resources` map whose entries have a `Type`. */
export function isTemplate(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  if ('AWSTemplateFormatVersion' in value) return true;
  const res = value.Resources;
  if (!isObject(res)) return false;
  const entries = Object.values(res);
  return entries.length > 0 && entries.every((r) => isObject(r) && typeof r.Type === 'string');
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions

/** A value that cannot be known before the stack is deployed (or without more input). */
class Unresolved {
  /** What stands in for the value (`${ProjectName}-mesh`), so the rest of the template still analyses. */
  readonly placeholder: string;
  constructor(readonly text: string, readonly reason: string, readonly fix: string, placeholder?: string) {
    this.placeholder = placeholder ?? `\${${text.replace(/^!(Ref |GetAtt )?/, '').replace(/^ImportValue /, 'ImportValue:')}}`;
  }

  /** The same cause, standing for a bigger value. */
  within(placeholder: string): Unresolved {
    const u = new Unresolved(this.text, this.reason, this.fix, placeholder);
    u.parameter = this.parameter;
    return u;
  }

  /** A parameter without a value (AM0007) rather than an unknowable value (AM0006). */
  parameter?: string;
}

const NO_VALUE = Symbol('AWS::NoValue');

function article(word: string): string {
  return /^[AEIOU]/i.test(word) ? 'an' : 'a';
}

function show(v: unknown): string {
  return JSON.stringify(v);
}

function paramFix(key: string): string {
  return `Pass the value with --parameter ${key}=VALUE, or replace the expression in the template with the value`;
}

class Resolver {
  private readonly params: Record<string, string>;
  private readonly declaredParams: Record<string, unknown>;
  private readonly mappings: Record<string, unknown>;
  private readonly conditions: Record<string, unknown>;
  private readonly resources: Record<string, unknown>;
  private readonly conditionCache = new Map<string, boolean | Unresolved>();
  private readonly attrStack = new Set<string>();

  constructor(template: Record<string, unknown>, private readonly ctx: TemplateContext & { stackName: string }) {
    this.params = ctx.parameters ?? {};
    this.declaredParams = isObject(template.Parameters) ? template.Parameters : {};
    this.mappings = isObject(template.Mappings) ? template.Mappings : {};
    this.conditions = isObject(template.Conditions) ? template.Conditions : {};
    this.resources = isObject(template.Resources) ? template.Resources : {};
  }

  appMeshKind(logical: string): KindName | undefined {
    const r = this.resources[logical];
    const m = isObject(r) && typeof r.Type === 'string' ? /^AWS::AppMesh::(\w+)$/.exec(r.Type) : null;
    return m && isKindName(m[1]) ? m[1] : undefined;
  }

  private typeOf(logical: string): string | undefined {
    const r = this.resources[logical];
    return isObject(r) && typeof r.Type === 'string' ? r.Type : undefined;
  }

  /** Ref NAME. */
  ref(name: string): unknown {
    if (name in this.params) {
      const p = this.declaredParams[name];
      return this.typed(isObject(p) ? p : {}, this.params[name]);
    }
    if (name in this.declaredParams) {
      const p = this.declaredParams[name];
      const def = isObject(p) ? p.Default : undefined;
      if (def === undefined) {
        const u = new Unresolved(`!Ref ${name}`, `Parameter ${name} has no Default and no value was given`, `Pass it with --parameter ${name}=VALUE`);
        u.parameter = name;
        return u;
      }
      return this.typed(isObject(p) ? p : {}, def);
    }
    const region = this.ctx.region ?? 'us-east-1';
    switch (name) {
      case 'AWS::Region':
        if (this.ctx.region) return this.ctx.region;
        return new Unresolved('!Ref AWS::Region', 'No region is configured', 'Pass --region, or --parameter AWS::Region=REGION');
      case 'AWS::StackName': return this.ctx.stackName;
      case 'AWS::Partition': return region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
      case 'AWS::URLSuffix': return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
      case 'AWS::NoValue': return NO_VALUE;
      case 'AWS::AccountId':
        if (this.ctx.accountId) return this.ctx.accountId;
        return new Unresolved('!Ref AWS::AccountId', 'The account of this backend is not known without a call', paramFix('AWS::AccountId'));
      default:
    }
    if (name.startsWith('AWS::')) {
      return new Unresolved(`!Ref ${name}`, `The pseudo parameter ${name} has no value before the stack is deployed`, paramFix(name));
    }
    const kind = this.appMeshKind(name);
    if (kind) return this.attribute(name, 'Arn', `!Ref ${name}`);
    const type = this.typeOf(name);
    if (type) {
      return new Unresolved(`!Ref ${name}`, `${name} is ${article(type)} ${type}, not an App Mesh resource of this template: its value is only known once the stack exists`, paramFix(name));
    }
    return new Unresolved(`!Ref ${name}`, `${name} is not a parameter or resource of this template`, paramFix(name));
  }

  private typed(param: Record<string, unknown>, value: unknown): unknown {
    const type = typeof param.Type === 'string' ? param.Type : 'String';
    if (typeof value === 'string' && (type === 'CommaDelimitedList' || type.startsWith('List<'))) return value.split(',').map((s) => s.trim());
    if (Array.isArray(value)) return value.map(String);
    return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  }

  /** GetAtt LOGICAL.ATTR (also the Arn a Ref of an App Mesh resource returns). */
  attribute(logical: string, attr: string, text: string): unknown {
    const key = `${logical}.${attr}`;
    if (key in this.params) return this.params[key];
    const kind = this.appMeshKind(logical);
    if (!kind) {
      const type = this.typeOf(logical);
      return new Unresolved(text, type
        ? `${logical} is ${article(type)} ${type}, not an App Mesh resource of this template: its attributes are only known once the stack exists`
        : `${logical} is not a resource of this template`, paramFix(key));
    }
    if (this.attrStack.has(key)) return new Unresolved(text, `${key} refers to itself`, 'Break the circular reference');
    this.attrStack.add(key);
    try {
      return this.computeAttribute(logical, kind, attr, text);
    } finally {
      this.attrStack.delete(key);
    }
  }

  private prop(logical: string, name: string): unknown {
    const r = this.resources[logical] as Record<string, unknown>;
    const props = isObject(r.Properties) ? r.Properties : {};
    const v = props[name];
    return v === undefined ? undefined : this.value(v);
  }

  private computeAttribute(logical: string, kind: KindName, attr: string, text: string): unknown {
    const { container } = KINDS[kind];
    const chain: KindName[] = kind === 'Mesh' ? ['Mesh'] : container ? ['Mesh', container, kind] : ['Mesh', kind];
    const names: Partial<Record<KindName, string>> = {};
    for (const k of chain) names[k] = `${k}Name`; // the property naming it: MeshName, VirtualRouterName, …
    if (attr === 'Uid') {
      return new Unresolved(text, `The Uid of ${logical} is assigned by App Mesh when it is created`, paramFix(`${logical}.Uid`));
    }
    const values: Partial<Record<KindName, unknown>> = {};
    for (const k of chain) values[k] = this.prop(logical, names[k]!);
    if (attr === 'MeshOwner' || attr === 'ResourceOwner') {
      const owner = this.prop(logical, 'MeshOwner');
      if (attr === 'MeshOwner' && owner !== undefined) return owner;
      return this.ref('AWS::AccountId');
    }
    const named = Object.entries(names).find(([, member]) => member === attr);
    if (named) {
      const v = values[named[0] as KindName];
      return v === undefined ? new Unresolved(text, `${logical} has no ${attr}`, `Add ${attr} to ${logical}'s Properties`) : v;
    }
    if (attr !== 'Arn') return new Unresolved(text, `${logical} (${this.typeOf(logical)}) has no attribute ${attr} that awsmesh can compute`, paramFix(`${logical}.${attr}`));
    for (const k of chain) {
      const v = values[k];
      if (v instanceof Unresolved) return v;
      if (typeof v !== 'string') return new Unresolved(text, `${logical} has no ${names[k]}`, `Add ${names[k]} to ${logical}'s Properties`);
    }
    const owner = this.prop(logical, 'MeshOwner');
    const account = owner !== undefined ? owner : this.ref('AWS::AccountId');
    if (account instanceof Unresolved) return account;
    const partition = this.ref('AWS::Partition') as string;
    const region = this.ref('AWS::Region');
    if (region instanceof Unresolved) return region;
    let resource = `mesh/${values.Mesh as string}`;
    for (const k of chain.slice(1)) resource += `/${KINDS[k].outputKey}/${values[k] as string}`;
    return `arn:${partition}:appmesh:${String(region)}:${String(account)}:${resource}`;
  }

  condition(name: string): boolean | Unresolved {
    const cached = this.conditionCache.get(name);
    if (cached !== undefined) return cached;
    if (!(name in this.conditions)) return new Unresolved(`Condition ${name}`, `${name} is not a condition of this template`, 'Declare it under Conditions');
    this.conditionCache.set(name, new Unresolved(`Condition ${name}`, `Condition ${name} refers to itself`, 'Break the circular reference'));
    const v = this.value(this.conditions[name]);
    const result = v instanceof Unresolved ? v : v === true || v === 'true';
    this.conditionCache.set(name, result);
    return result;
  }

  private sub(args: unknown): unknown {
    let template: unknown = args;
    let vars: Record<string, unknown> = {};
    if (Array.isArray(args)) {
      template = args[0];
      const raw = isObject(args[1]) ? args[1] : {};
      vars = {};
      for (const [k, v] of Object.entries(raw)) {
        const r = this.value(v);
        if (r instanceof Unresolved) return r;
        vars[k] = r;
      }
    }
    if (typeof template !== 'string') return new Unresolved('Fn::Sub', 'Fn::Sub needs a string', 'Write Fn::Sub as a string or [string, {variables}]');
    let failure: Unresolved | undefined;
    const text = template.replace(/\$\{([^}]*)\}/g, (whole, inner: string) => {
      if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
      const name = inner.trim();
      let v: unknown;
      if (name in vars) v = vars[name];
      else if (name.includes('.') && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.');
        v = this.attribute(name.slice(0, dot), name.slice(dot + 1), `\${${name}}`);
      } else v = this.ref(name);
      if (v instanceof Unresolved) {
        failure ??= v;
        return v.placeholder;
      }
      return Array.isArray(v) ? v.join(',') : String(v);
    });
    return failure ? failure.within(text) : text;
  }

  /** Evaluates every intrinsic in `v` (plain structure is kept; Unresolved propagates upwards). */
  value(v: unknown): unknown {
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) {
        const r = this.value(item);
        if (r instanceof Unresolved) return r;
        if (r !== NO_VALUE) out.push(r);
      }
      return out;
    }
    if (!isObject(v)) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'))) {
      return this.intrinsic(keys[0], v[keys[0]]);
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const r = this.value(v[k]);
      if (r instanceof Unresolved) return r;
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }

  private intrinsic(fn: string, arg: unknown): unknown {
    const list = (x: unknown): unknown[] | Unresolved => {
      const r = this.value(x);
      if (r instanceof Unresolved) return r;
      return Array.isArray(r) ? r : new Unresolved(fn, `${fn} expects a list, got ${show(r)}`, 'Fix the arguments');
    };
    switch (fn) {
      case 'Ref': {
        const name = this.value(arg);
        return name instanceof Unresolved ? name : this.ref(String(name));
      }
      case 'Condition': return this.condition(String(arg));
      case 'Fn::GetAtt': {
        const a = this.value(typeof arg === 'string' ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)] : arg);
        if (a instanceof Unresolved) return a;
        if (!Array.isArray(a) || a.length !== 2) return new Unresolved('Fn::GetAtt', `Fn::GetAtt expects [resource, attribute], got ${show(a)}`, 'Fix the arguments');
        return this.attribute(String(a[0]), String(a[1]), `!GetAtt ${String(a[0])}.${String(a[1])}`);
      }
      case 'Fn::Sub': return this.sub(arg);
      case 'Fn::Join': {
        const a = Array.isArray(arg) ? arg : [];
        const delimiter = String(this.value(a[0]) ?? '');
        if (Array.isArray(a[1])) { // item by item, so an unresolved item keeps the others in its placeholder
          let failure: Unresolved | undefined;
          const parts = a[1].map((x) => {
            const r = this.value(x);
            if (r instanceof Unresolved) {
              failure ??= r;
              return r.placeholder;
            }
            return String(r);
          });
          return failure ? failure.within(parts.join(delimiter)) : parts.join(delimiter);
        }
        const items = list(a[1]);
        if (items instanceof Unresolved) return items;
        return items.map((x) => String(x)).join(delimiter);
      }
      case 'Fn::Select': {
        const a = Array.isArray(arg) ? arg : [];
        const index = this.value(a[0]);
        if (index instanceof Unresolved) return index;
        const items = list(a[1]);
        if (items instanceof Unresolved) return items;
        const i = Number(index);
        if (!Number.isInteger(i) || i < 0 || i >= items.length) {
          return new Unresolved('Fn::Select', `Fn::Select index ${show(index)} is outside the list of ${items.length}`, 'Fix the index');
        }
        return items[i];
      }
      case 'Fn::Split': {
        const a = Array.isArray(arg) ? arg : [];
        const s = this.value(a[1]);
        if (s instanceof Unresolved) return s;
        return String(s).split(String(a[0]));
      }
      case 'Fn::If': {
        const a = Array.isArray(arg) ? arg : [];
        const c = this.condition(String(a[0]));
        if (c instanceof Unresolved) return c;
        return this.value(c ? a[1] : a[2]);
      }
      case 'Fn::Equals': {
        const a = list(arg);
        if (a instanceof Unresolved) return a;
        return JSON.stringify(a[0]) === JSON.stringify(a[1]) || String(a[0]) === String(a[1]);
      }
      case 'Fn::Not': {
        const a = list(arg);
        if (a instanceof Unresolved) return a;
        return !(a[0] === true || a[0] === 'true');
      }
      case 'Fn::And':
      case 'Fn::Or': {
        const a = list(arg);
        if (a instanceof Unresolved) return a;
        const bools = a.map((x) => x === true || x === 'true');
        return fn === 'Fn::And' ? bools.every(Boolean) : bools.some(Boolean);
      }
      case 'Fn::FindInMap': {
        const a = list(arg);
        if (a instanceof Unresolved) return a;
        const [m, k1, k2] = a.map(String);
        const top = this.mappings[m];
        const second = isObject(top) ? top[k1] : undefined;
        const found = isObject(second) ? second[k2] : undefined;
        if (found === undefined) return new Unresolved(`!FindInMap [${m}, ${k1}, ${k2}]`, `Mappings has no ${m}.${k1}.${k2}`, 'Add the entry under Mappings or fix the keys');
        return this.value(found);
      }
      case 'Fn::Base64': {
        const s = this.value(arg);
        return s instanceof Unresolved ? s : Buffer.from(String(s)).toString('base64');
      }
      case 'Fn::ImportValue': {
        const name = this.value(arg);
        if (name instanceof Unresolved) return name;
        if (String(name) in this.params) return this.params[String(name)];
        return new Unresolved(`!ImportValue ${String(name)}`, `Fn::ImportValue reads the export ${show(name)} of another stack, which awsmesh cannot know`, paramFix(String(name)));
      }
      default:
        return new Unresolved(fn, `${fn} is not supported in App Mesh resources by awsmesh`, 'Replace the expression in the template with its value');
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Template → documents

/** Resolves the intrinsics inside `v`, replacing each unresolvable value by a placeholder and a finding. */
function resolveTree(r: Resolver, v: unknown, src: string, at: string,
  onUnresolved: (u: Unresolved, src: string, at: string) => string): unknown {
  const resolved = r.value(v);
  if (!(resolved instanceof Unresolved)) return resolved;
  // Find the innermost plain-structure node that is unresolved, so the finding points at it
  // (`src` is its path in the resolved value, `at` in the template, through any Fn::If).
  if (Array.isArray(v)) {
    return v.map((x, i) => resolveTree(r, x, childPath(src, i), childPath(at, i), onUnresolved)).filter((x) => x !== NO_VALUE);
  }
  if (isObject(v)) {
    const keys = Object.keys(v);
    const intrinsic = keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::'));
    if (!intrinsic) {
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const x = resolveTree(r, v[k], childPath(src, k), childPath(at, k), onUnresolved);
        if (x !== NO_VALUE) out[k] = x;
      }
      return out;
    }
    const arg = v[keys[0]];
    if (keys[0] === 'Fn::If' && Array.isArray(arg)) {
      const c = r.condition(String(arg[0]));
      if (!(c instanceof Unresolved)) {
        const branch = c ? 1 : 2;
        return resolveTree(r, arg[branch], src, childPath(childPath(at, 'Fn::If'), branch), onUnresolved);
      }
    }
  }
  return onUnresolved(resolved, src, at);
}

export function templateDocuments(file: string, template: Record<string, unknown>, templateLine: (p: string) => number | undefined,
  ctx: TemplateContext): TemplateDocument[] {
  const stackName = ctx.stackName ?? path.basename(file).replace(/\.(json|ya?ml)$/i, '');
  const resolver = new Resolver(template, { ...ctx, stackName });
  const resources = isObject(template.Resources) ? template.Resources : {};
  const docs: TemplateDocument[] = [];
  const skipped = new Map<string, number>();
  const conditionSkipped: string[] = [];
  const missingParams = new Map<string, { finding: Finding; uses: number }>();
  for (const [logical, res] of Object.entries(resources)) {
    const kind = resolver.appMeshKind(logical);
    const base = `Resources.${logical}`;
    if (!kind || !isObject(res)) {
      const type = isObject(res) && typeof res.Type === 'string' ? res.Type : '(no Type)';
      skipped.set(type, (skipped.get(type) ?? 0) + 1);
      continue;
    }
    const findings: Finding[] = [];
    if (typeof res.Condition === 'string') {
      const c = resolver.condition(res.Condition);
      if (c instanceof Unresolved) {
        findings.push({
          code: 'AM0006', severity: 'error', file, line: templateLine(`${base}.Condition`), path: `${base}.Condition`,
          message: `Cannot resolve ${c.text}: ${c.reason}`, fix: c.fix,
        });
        docs.push({ line: () => templateLine(base), sourcePath: (p) => p, unresolved: [], findings });
        continue;
      }
      if (!c) {
        conditionSkipped.push(logical);
        continue;
      }
    }
    const props = isObject(res.Properties) ? res.Properties : {};
    const unresolvedSrc = new Set<string>();
    const resolved = resolveTree(resolver, props, `${base}.Properties`, `${base}.Properties`, (u, src, where) => {
      unresolvedSrc.add(src);
      if (u.parameter !== undefined) {
        const first = missingParams.get(u.parameter);
        if (first) first.uses++;
        else {
          const finding: Finding = { code: 'AM0007', severity: 'error', file, line: templateLine(where), path: where, message: u.reason, fix: u.fix };
          missingParams.set(u.parameter, { finding, uses: 1 });
          findings.push(finding);
        }
      } else {
        findings.push({
          code: 'AM0006', severity: 'error', file, line: templateLine(where), path: where,
          message: `Cannot resolve ${u.text}: ${u.reason}`, fix: u.fix,
        });
      }
      return u.placeholder;
    });
    const converted = convertInput(kind, resolved as Record<string, unknown>, `${base}.Properties`, templateLine,
      { kindSource: `${base}.Type`, unresolved: unresolvedSrc });
    docs.push({ ...converted, findings });
  }
  for (const [name, { finding, uses }] of missingParams) {
    finding.message = `Parameter ${name} has no Default and no value was given (${uses} value${uses === 1 ? '' : 's'} of App Mesh resources depend${uses === 1 ? 's' : ''} on it; the first is here)`;
  }
  const notes: string[] = [];
  if (skipped.size) notes.push(skippedText(skipped, 'resource', 'types'));
  if (conditionSkipped.length) notes.push(`skipped because their Condition is false: ${conditionSkipped.join(', ')}`);
  if (notes.length) {
    docs.push({
      line: () => templateLine('Resources') ?? 1, sourcePath: (p) => p, unresolved: [],
      findings: [{ code: 'AM0005', severity: 'info', file, line: templateLine('Resources') ?? 1, path: 'Resources', message: `CloudFormation template: ${notes.join('; ')}` }],
    });
  }
  return docs;
}
