// CloudFormation templates as manifests: every AWS::AppMesh::* resource of a template becomes one
// Create<Kind> document. Intrinsic functions are resolved where their value can be known without
// a deployed stack (resolver.ts, intrinsics.ts); anything else becomes a finding with file:line
// and a fix, and a placeholder so the rest of the template still analyses.
// Property names are converted by walking the operation's generated JSON schema (matching names
// case-insensitively), so `AWSCloudMap` becomes `awsCloudMap` and `HTTP2` `http2`; keys the
// schema does not know are kept as written for the schema validation to report.

import * as path from 'path';
import { skippedText, type Finding } from '../findings';
import { convertInput } from '../schema-convert';
import { childPath } from '../source-map';
import { Resolver, type TemplateContext } from './resolver';
import { intrinsicName, isObject, NO_VALUE, Unresolved } from './unresolved';

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

/** A template: `AWSTemplateFormatVersion`, or a `Resources` map whose entries have a `Type`. */
export function isTemplate(value: unknown): value is Record<string, unknown> {
  if (!isObject(value)) return false;
  if ('AWSTemplateFormatVersion' in value) return true;
  const res = value.Resources;
  if (!isObject(res)) return false;
  const entries = Object.values(res);
  return entries.length > 0 && entries.every((r) => isObject(r) && typeof r.Type === 'string');
}

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
    const fn = intrinsicName(v);
    if (!fn) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const x = resolveTree(r, v[k], childPath(src, k), childPath(at, k), onUnresolved);
        if (x !== NO_VALUE) out[k] = x;
      }
      return out;
    }
    const arg = v[fn];
    if (fn === 'Fn::If' && Array.isArray(arg)) {
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
