// Resolves a template's values where they can be known without a deployed stack: parameters
// (--parameter, Default), pseudo parameters, conditions, and the names and ARNs of the template's
// own App Mesh resources (Ref, GetAtt); the intrinsic functions themselves are in intrinsics.ts.

import { isKindName, KINDS, type KindName } from '../kinds';
import { evaluateIntrinsic, type IntrinsicContext } from './intrinsics';
import { intrinsicName, isObject, NO_VALUE, paramFix, Unresolved } from './unresolved';

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

function article(word: string): string {
  return /^[AEIOU]/i.test(word) ? 'an' : 'a';
}

export class Resolver implements IntrinsicContext {
  readonly params: Record<string, string>;
  private readonly declaredParams: Record<string, unknown>;
  readonly mappings: Record<string, unknown>;
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
    const fn = intrinsicName(v);
    if (fn) return evaluateIntrinsic(this, fn, v[fn]);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const r = this.value(v[k]);
      if (r instanceof Unresolved) return r;
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  }
}
