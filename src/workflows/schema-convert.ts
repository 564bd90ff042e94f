// Converting foreign manifests (CloudFormation properties, App Mesh Controller CRD specs) to the
// Create<Kind> input members by walking the operation's generated JSON schema: names match
// case-insensitively (`AWSCloudMap` → `awsCloudMap`), scalars written as strings become numbers or
// booleans where the schema says so, and every converted path remembers where it came from, so
// findings can give the source's line and path. Keys the schema does not know stay as written.

import * as fs from 'fs';
import * as path from 'path';
import type { KindName } from './kinds';
import { childPath, lineOf, type LineMap } from './source-map';

export type Schema = Record<string, unknown>;
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const schemaCache = new Map<string, Schema>();

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The Create<Kind> input schema. */
export function createSchema(kind: KindName): Schema {
  let s = schemaCache.get(kind);
  if (!s) {
    s = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'schemas', 'appmesh', `Create${kind}.json`), 'utf8')) as Schema;
    schemaCache.set(kind, s);
  }
  return s;
}

function deref(root: Schema, s: unknown): Schema | undefined {
  let cur = s as Schema | undefined;
  for (let n = 0; cur && typeof cur.$ref === 'string' && n < 20; n++) {
    const m = /^#\/definitions\/(.+)$/.exec(cur.$ref);
    cur = m ? ((root.definitions as Record<string, Schema>)[m[1]]) : undefined;
  }
  return cur;
}

function schemaType(s: Schema | undefined): string | undefined {
  return s && typeof s.type === 'string' ? s.type : undefined;
}

/**
 * A hook for keys the source spells differently from the API (a CRD's `virtualNodeRef`): given
 * the key, its value and the member names the schema allows here, the member to write and its
 * value; undefined converts the key as usual.
 */
export type Rename = (key: string, value: unknown, members: string[], src: string) => { name: string; value: unknown } | undefined;

function convert(root: Schema, schema: Schema | undefined, value: unknown, out: string, src: string,
  paths: Map<string, string>, rename?: Rename, keySources?: Record<string, string>): unknown {
  paths.set(out, src);
  const type = schemaType(schema);
  if (Array.isArray(value)) {
    const items = type === 'array' ? deref(root, schema!.items) : undefined;
    return value.map((v, i) => convert(root, items, v, childPath(out, i), childPath(src, i), paths, rename));
  }
  if (isObject(value)) {
    const props = type === 'object' && isObject(schema!.properties) ? (schema!.properties as Record<string, unknown>) : {};
    const byLower = new Map(Object.keys(props).map((k) => [k.toLowerCase(), k]));
    const extra = type === 'object' && isObject(schema!.additionalProperties) ? deref(root, schema!.additionalProperties) : undefined;
    const result: Record<string, unknown> = {};
    for (const [k, v0] of Object.entries(value)) {
      const renamed = rename?.(k, v0, Object.keys(props), childPath(src, k));
      const v = renamed ? renamed.value : v0;
      const member = byLower.get((renamed?.name ?? k).toLowerCase());
      const name = member ?? renamed?.name ?? k;
      const sub = member ? deref(root, props[member]) : extra;
      result[name] = convert(root, sub, v, childPath(out, name), keySources?.[k] ?? childPath(src, k), paths, rename);
    }
    return result;
  }
  if (typeof value === 'string') {
    if ((type === 'integer' || type === 'number') && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
    if (type === 'boolean' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  }
  if ((typeof value === 'number' || typeof value === 'boolean') && type === 'string') return String(value);
  return value;
}

/** A `kind` plus Create<Kind> input converted from a foreign source, with where each of its paths was. */
export interface ConvertedInput {
  value: Record<string, unknown>;
  /** The source path of a path inside the input (the nearest converted ancestor's, plus the rest). */
  sourcePath(p: string): string;
  /** The source line of a path inside the input. */
  line(p: string): number | undefined;
  /** The converted paths of the source paths given as `opts.unresolved`. */
  unresolved: string[];
}

/**
 * Converts `value` (the input's members as the source writes them, found at `base` in the source)
 * to `kind` plus the members of Create<Kind>.
 */
export function convertInput(kind: KindName, value: Record<string, unknown>, base: string,
  sourceLine: (p: string) => number | undefined, opts: {
    /** Where `kind` comes from in the source. */
    kindSource: string;
    rename?: Rename;
    /** Where top-level members are in the source, when not at `base.member`. */
    keySources?: Record<string, string>;
    /** Source paths of values found unresolved while reading the source (their schema problems are not reported). */
    unresolved?: Iterable<string>;
  }): ConvertedInput {
  const root = createSchema(kind);
  const paths = new Map<string, string>();
  const input = convert(root, root, value, '', base, paths, opts.rename, opts.keySources) as Record<string, unknown>;
  paths.set('kind', opts.kindSource);
  const reverse = new Map<string, string>();
  for (const [out, src] of paths) reverse.set(src, out);
  const unresolved = [...opts.unresolved ?? []].map((s) => reverse.get(s)).filter((s): s is string => s !== undefined);
  const sourcePath = (p: string): string => {
    let q = p;
    let rest = '';
    for (;;) {
      const src = paths.get(q);
      if (src !== undefined) return src + rest;
      if (!q) return base + (rest.startsWith('.') || rest.startsWith('[') || !rest ? rest : `.${rest}`);
      const cut = Math.max(q.lastIndexOf('.'), q.lastIndexOf('['));
      rest = q.slice(cut > 0 ? cut : 0) + rest;
      q = cut > 0 ? q.slice(0, cut) : '';
    }
  };
  const lines: LineMap = new Map();
  for (const [out, src] of paths) {
    const l = sourceLine(src);
    if (l !== undefined) lines.set(out, l);
  }
  lines.set('', sourceLine(base) ?? 1);
  return { value: { kind, ...input }, sourcePath, line: (p) => lineOf(lines, p), unresolved };
}
