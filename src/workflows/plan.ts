// The plan of `awsmesh apply`: which declared resources to create or update and, with --prune,
// which live ones to delete, in an order App Mesh accepts. Creates and updates run by ascending
// kind rank (a resource only refers to lower ranks: meshes → nodes → routers → routes → services →
// gateways → gateway routes); deletes run after them by descending rank, so updates that drop a
// reference happen before the delete that needs the reference gone.

import type { Painter } from './findings';
import { addressKey, compareAddresses, describeAddress, KINDS, type Address } from './kinds';
import type { Resource, Tag } from './manifest';
import { canonicalSpec, canonicalTags, tagChanges } from './normalize';

export type Action = 'create' | 'update' | 'delete';

export interface FieldChange {
  op: '+' | '-' | '~';
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface Change {
  action: Action;
  address: Address;
  desired?: Resource;
  live?: Resource;
  /** Update: whether Update<Kind> is needed (the spec differs). */
  specChanged: boolean;
  /** Update: tags to set and keys to remove (only when the manifest declares tags). */
  tags?: { set: Tag[]; remove: string[] };
  /** Field-level diff of spec and tags, for the dry-run display. */
  fields: FieldChange[];
}

export interface Plan {
  changes: Change[];
  /** The meshes the plan covers (pruning never leaves them). */
  meshes: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Leaf-level differences between two canonical values. */
export function diffValues(before: unknown, after: unknown, path: string, out: FieldChange[] = []): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      const p = `${path}.${key}`;
      if (!(key in after)) out.push({ op: '-', path: p, before: before[key] });
      else if (!(key in before)) out.push({ op: '+', path: p, after: after[key] });
      else diffValues(before[key], after[key], p, out);
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = `${path}[${i}]`;
      if (i >= after.length) out.push({ op: '-', path: p, before: before[i] });
      else if (i >= before.length) out.push({ op: '+', path: p, after: after[i] });
      else diffValues(before[i], after[i], p, out);
    }
    return out;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) out.push({ op: '~', path, before, after });
  return out;
}

function tagFields(desired: Tag[], live: Tag[]): FieldChange[] {
  const current = new Map(live.map((t) => [t.key, t.value]));
  const wanted = new Map(desired.map((t) => [t.key, t.value]));
  const out: FieldChange[] = [];
  for (const key of [...new Set([...current.keys(), ...wanted.keys()])].sort()) {
    const p = `tags.${key}`;
    if (!wanted.has(key)) out.push({ op: '-', path: p, before: current.get(key) });
    else if (!current.has(key)) out.push({ op: '+', path: p, after: wanted.get(key) });
    else if (current.get(key) !== wanted.get(key)) out.push({ op: '~', path: p, before: current.get(key), after: wanted.get(key) });
  }
  return out;
}

export interface PlanOptions {
  prune: boolean;
  /** Meshes to consider (those declared plus --mesh). */
  meshes: string[];
}

/**
 * Compares declared resources with live ones. Live resources must carry `tags` where the
 * declared resource declares tags (see live.ts attachTags).
 */
export function computePlan(desired: Resource[], live: Resource[], opts: PlanOptions): Plan {
  const liveByKey = new Map(live.map((r) => [addressKey(r.address), r]));
  const desiredKeys = new Set(desired.map((r) => addressKey(r.address)));
  const upserts: Change[] = [];
  for (const d of desired) {
    const current = liveByKey.get(addressKey(d.address));
    if (!current) {
      upserts.push({ action: 'create', address: d.address, desired: d, specChanged: true, fields: [] });
      continue;
    }
    const kind = d.address.kind;
    const fields = diffValues(canonicalSpec(kind, current.spec), canonicalSpec(kind, d.spec), 'spec');
    const specChanged = fields.length > 0;
    let tags: Change['tags'];
    if (d.tags !== undefined) {
      const t = tagChanges(canonicalTags(d.tags), canonicalTags(current.tags));
      if (t.set.length || t.remove.length) {
        tags = t;
        fields.push(...tagFields(d.tags, current.tags ?? []));
      }
    }
    if (specChanged || tags) upserts.push({ action: 'update', address: d.address, desired: d, live: current, specChanged, tags, fields });
  }
  const deletes: Change[] = [];
  if (opts.prune) {
    const meshes = new Set(opts.meshes);
    // a mesh that still holds declared resources stays, even if its own document is left out
    const inUse = new Set(desired.map((r) => r.address.mesh));
    for (const r of live) {
      if (r.address.kind === 'Mesh' && inUse.has(r.address.mesh)) continue;
      if (meshes.has(r.address.mesh) && !desiredKeys.has(addressKey(r.address))) {
        deletes.push({ action: 'delete', address: r.address, live: r, specChanged: false, fields: [] });
      }
    }
  }
  upserts.sort((a, b) => compareAddresses(a.address, b.address));
  // deletes: highest rank first; within a kind, names in ascending order for a readable plan
  deletes.sort((a, b) => KINDS[b.address.kind].rank - KINDS[a.address.kind].rank || compareAddresses(a.address, b.address));
  // A (gateway) route that goes away while its router/gateway is updated is deleted first: the new
  // listeners may no longer fit it, and nothing can refer to a route. Other deletes run last, so
  // replacements exist before what they replace is removed.
  const early = deletes.filter((d) => containerUpdated(d.address, upserts));
  const late = deletes.filter((d) => !early.includes(d));
  return { changes: [...early, ...upserts, ...late], meshes: [...new Set(opts.meshes)].sort() };
}

function containerUpdated(a: Address, upserts: Change[]): boolean {
  const container = KINDS[a.kind].container;
  return !!container && upserts.some((u) => u.action === 'update' && u.specChanged && u.address.kind === container
    && u.address.mesh === a.mesh && u.address.name === a.container);
}

export function planCounts(plan: Plan): Record<Action, number> {
  const counts: Record<Action, number> = { create: 0, update: 0, delete: 0 };
  for (const c of plan.changes) counts[c.action]++;
  return counts;
}

const SIGN: Record<Action, '+' | '~' | '-'> = { create: '+', update: '~', delete: '-' };

function show(v: unknown): string {
  return JSON.stringify(v) ?? 'null';
}

function colourFor(paint: Painter, op: '+' | '-' | '~'): (s: string) => string {
  return op === '+' ? paint.green : op === '-' ? paint.red : paint.yellow;
}

/** The dry-run display: one line per change, field-level diffs indented under updates. */
export function renderPlan(plan: Plan, paint: Painter): string {
  if (plan.changes.length === 0) return 'No changes.\n';
  const lines: string[] = [];
  for (const c of plan.changes) {
    const sign = SIGN[c.action];
    lines.push(colourFor(paint, sign)(`${sign} ${c.action} ${describeAddress(c.address)}`));
    for (const f of c.fields) {
      const text = f.op === '~' ? `${f.path}: ${show(f.before)} → ${show(f.after)}`
        : f.op === '+' ? `${f.path}: ${show(f.after)}` : `${f.path}: ${show(f.before)}`;
      lines.push(`    ${colourFor(paint, f.op)(`${f.op} ${text}`)}`);
    }
  }
  const n = planCounts(plan);
  lines.push('', `Plan: ${n.create} to create, ${n.update} to update, ${n.delete} to delete.`);
  return `${lines.join('\n')}\n`;
}

/** A JSON form of the plan (`--output json`), for tooling. */
export function planJson(plan: Plan): unknown {
  return plan.changes.map((c) => ({
    action: c.action,
    kind: c.address.kind,
    resource: describeAddress(c.address),
    changes: c.fields.map((f) => ({ op: f.op, path: f.path, ...(f.op !== '+' ? { before: f.before } : {}), ...(f.op !== '-' ? { after: f.after } : {}) })),
  }));
}
