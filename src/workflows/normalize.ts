// One canonical form of a spec, used both to decide whether an update is needed and to write
// exports: keys sorted, null members and empty lists dropped (App Mesh treats them as absent), and
// the documented defaults that a backend may or may not echo back removed.

import type { KindName } from './kinds';
import type { Tag } from './manifest';

type Json = Record<string, unknown>;

function canonicalValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonicalValue);
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const out: Json = {};
    for (const key of Object.keys(v).sort()) {
      const child = canonicalValue((v as Json)[key]);
      if (child === undefined || child === null) continue;
      if (Array.isArray(child) && child.length === 0) continue;
      out[key] = child;
    }
    return out;
  }
  return v;
}

/** Defaults App Mesh documents for a kind's spec: equal to leaving the member out. */
function dropDefaults(kind: KindName, spec: Json): Json {
  if (kind === 'Mesh') {
    const egress = spec.egressFilter as Json | undefined;
    if (egress && Object.keys(egress).length === 1 && egress.type === 'DROP_ALL') {
      const { egressFilter: _drop, ...rest } = spec;
      return rest;
    }
  }
  return spec;
}

export function canonicalSpec(kind: KindName, spec: unknown): Json {
  const c = canonicalValue(spec ?? {});
  return dropDefaults(kind, c && typeof c === 'object' && !Array.isArray(c) ? (c as Json) : {});
}

/** Tags sorted by key (the order of a tag list carries no meaning). */
export function canonicalTags(tags: Tag[] | undefined): Tag[] {
  return [...(tags ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((t) => ({ key: t.key, value: t.value }));
}

/** What TagResource/UntagResource must do to turn `live` into `desired`. */
export function tagChanges(desired: Tag[], live: Tag[]): { set: Tag[]; remove: string[] } {
  const current = new Map(live.map((t) => [t.key, t.value]));
  const wanted = new Map(desired.map((t) => [t.key, t.value]));
  return {
    set: canonicalTags(desired.filter((t) => current.get(t.key) !== t.value)),
    remove: [...current.keys()].filter((k) => !wanted.has(k)).sort(),
  };
}
