// The export format of the local state ("awsmesh-state", version 1): every stored resource with
// its metadata and every reference between resources, so an import restores the store exactly.
//
//   { "format": "awsmesh-state", "version": 1,
//     "resources": [{ "account", "region", "service", "kind", "parent", "name", "arn",
//                     "createdAt", "updatedAt", "data" }],
//     "refs": [{ "account", "region", "from", "to" }] }
//
// Resources and refs are sorted, and no export time is written, so the same state always
// exports to the same bytes (diffable, and round trips can be compared).

import { inputTextProblems } from '../../../validation/input-text';
import type { Partition, StoredRef, StoredResource } from '../store/store';

export const STATE_FORMAT = 'awsmesh-state';
export const STATE_FORMAT_VERSION = 1;

export interface StateResource {
  account: string;
  region: string;
  service: string;
  kind: string;
  parent: string;
  name: string;
  arn: string;
  createdAt: number;
  updatedAt: number;
  data: Record<string, unknown>;
}

export interface StateRef {
  account: string;
  region: string;
  from: string;
  to: string;
}

export interface StateFile {
  format: typeof STATE_FORMAT;
  version: number;
  resources: StateResource[];
  refs: StateRef[];
}

export function toStateResource(r: StoredResource & { partition: Partition }): StateResource {
  return {
    account: r.partition.account,
    region: r.partition.region,
    service: r.service,
    kind: r.kind,
    parent: r.parent,
    name: r.name,
    arn: r.arn,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    data: r.data,
  };
}

export function toStateRef(r: StoredRef): StateRef {
  return { account: r.partition.account, region: r.partition.region, from: r.from, to: r.to };
}

type Problems = string[];
const MAX_PROBLEMS = 20;

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v !== '';
}

function checkResource(r: unknown, at: string, problems: Problems): void {
  if (!r || typeof r !== 'object' || Array.isArray(r)) {
    problems.push(`${at}: expected an object`);
    return;
  }
  const o = r as Record<string, unknown>;
  for (const k of ['account', 'region', 'service', 'kind', 'name', 'arn']) {
    if (!nonEmptyString(o[k])) problems.push(`${at}.${k}: expected a non-empty string`);
  }
  if (typeof o.parent !== 'string') problems.push(`${at}.parent: expected a string`);
  for (const k of ['createdAt', 'updatedAt']) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k])) problems.push(`${at}.${k}: expected a number (epoch seconds)`);
  }
  if (!o.data || typeof o.data !== 'object' || Array.isArray(o.data)) problems.push(`${at}.data: expected an object`);
  const known = new Set(['account', 'region', 'service', 'kind', 'parent', 'name', 'arn', 'createdAt', 'updatedAt', 'data']);
  for (const k of Object.keys(o)) if (!known.has(k)) problems.push(`${at}: unknown member "${k}"`);
}

function checkRef(r: unknown, at: string, problems: Problems): void {
  if (!r || typeof r !== 'object' || Array.isArray(r)) {
    problems.push(`${at}: expected an object`);
    return;
  }
  const o = r as Record<string, unknown>;
  for (const k of ['account', 'region', 'from', 'to']) {
    if (!nonEmptyString(o[k])) problems.push(`${at}.${k}: expected a non-empty string`);
  }
  for (const k of Object.keys(o)) if (!['account', 'region', 'from', 'to'].includes(k)) problems.push(`${at}: unknown member "${k}"`);
}

/**
 * Every problem of a parsed state file (empty when it can be imported): shape, duplicate keys
 * and ARNs, references from resources the file does not contain.
 */
export function stateFileProblems(doc: unknown): Problems {
  const problems: Problems = [];
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return ['the file must hold a JSON or YAML object'];
  const d = doc as Record<string, unknown>;
  if (d.format !== STATE_FORMAT) return [`format: expected "${STATE_FORMAT}" (this is not an awsmesh state export)`];
  if (typeof d.version !== 'number' || !Number.isInteger(d.version) || d.version < 1) {
    problems.push('version: expected a positive integer');
  } else if (d.version > STATE_FORMAT_VERSION) {
    return [`version: ${d.version} was written by a newer awsmesh (this one reads version ${STATE_FORMAT_VERSION})`];
  }
  if (!Array.isArray(d.resources)) problems.push('resources: expected a list');
  if (!Array.isArray(d.refs)) problems.push('refs: expected a list');
  for (const k of Object.keys(d)) if (!['format', 'version', 'resources', 'refs'].includes(k)) problems.push(`unknown member "${k}"`);
  if (problems.length) return problems;

  const resources = d.resources as unknown[];
  resources.forEach((r, i) => checkResource(r, `resources[${i}]`, problems));
  (d.refs as unknown[]).forEach((r, i) => checkRef(r, `refs[${i}]`, problems));
  // What the CLI and server refuse must not come in by import either (lone surrogates, __proto__…).
  for (const p of inputTextProblems({ resources: d.resources, refs: d.refs })) problems.push(p.message);
  if (problems.length) return problems.slice(0, MAX_PROBLEMS);

  const keys = new Set<string>();
  const arns = new Set<string>();
  (resources as StateResource[]).forEach((r, i) => {
    const key = JSON.stringify([r.account, r.region, r.service, r.kind, r.parent, r.name]);
    const arn = JSON.stringify([r.account, r.region, r.arn]);
    if (keys.has(key)) problems.push(`resources[${i}]: ${r.service} ${r.kind} "${r.name}" appears twice`);
    if (arns.has(arn)) problems.push(`resources[${i}]: ARN ${r.arn} appears twice in ${r.account}/${r.region}`);
    keys.add(key);
    arns.add(arn);
  });
  (d.refs as StateRef[]).forEach((r, i) => {
    if (!arns.has(JSON.stringify([r.account, r.region, r.from]))) {
      problems.push(`refs[${i}]: ${r.from} is not among the file's resources in ${r.account}/${r.region}`);
    }
  });
  return problems.slice(0, MAX_PROBLEMS);
}
