// `--output text`: the AWS CLI's tab-separated rows. A dict prints its scalar values (sorted by
// key) on one line, prefixed by the upper-cased key it was found under; nested dicts and lists
// follow on their own lines; a list of dicts shares one column set across its elements.

import { isScalar, pyStr } from './scalars';

/** A listing the paginator assembled: which members hold its items, and the token to resume from. */
export interface PagedListing {
  resultKeys: string[];
  nextToken?: string;
}

export function formatText(data: unknown): string {
  const out: string[] = [];
  emit(data, undefined, undefined, out);
  return out.join('');
}

/**
 * A paginated listing as the AWS CLI's TextFormatter prints it: each page on its own (its result
 * lists only; rows of one page share columns), then a `NEXTTOKEN<TAB>token` row to resume from.
 */
export function formatPagedText(pages: unknown[], listing: PagedListing): string {
  const out: string[] = [];
  for (const page of pages) {
    const p = (page ?? {}) as Record<string, unknown>;
    emit(Object.fromEntries(listing.resultKeys.map((k) => [k, p[k] ?? null])), undefined, undefined, out);
  }
  if (listing.nextToken !== undefined) emit({ NextToken: { NextToken: listing.nextToken } }, undefined, undefined, out);
  return out.join('');
}

function emit(item: unknown, identifier: string | undefined, columns: string[] | undefined, out: string[]): void {
  if (Array.isArray(item)) emitList(item, identifier, out);
  else if (item !== null && typeof item === 'object') emitDict(item as Record<string, unknown>, identifier, columns, out);
  else out.push(`${pyStr(item)}\n`);
}

function emitList(items: unknown[], identifier: string | undefined, out: string[]): void {
  if (!items.length) return;
  if (items.some((e) => e !== null && typeof e === 'object' && !Array.isArray(e))) {
    const columns = scalarKeys(items);
    for (const el of items) emit(el, identifier, columns, out);
    return;
  }
  const scalars = items.filter(isScalar);
  const nested = items.filter((e) => !isScalar(e));
  if (scalars.length) {
    if (identifier !== undefined) for (const s of scalars) out.push(`${identifier.toUpperCase()}\t${pyStr(s)}\n`);
    else out.push(`${scalars.map(pyStr).join('\t')}\n`);
  }
  for (const n of nested) emit(n, identifier, undefined, out);
}

function emitDict(d: Record<string, unknown>, identifier: string | undefined, columns: string[] | undefined, out: string[]): void {
  const scalars: string[] = [];
  const nested: Array<[string, unknown]> = [];
  if (columns) {
    for (const k of columns) scalars.push(d[k] === undefined ? '' : pyStr(d[k]));
    for (const k of Object.keys(d).filter((k) => !columns.includes(k)).sort()) nested.push([k, d[k]]);
  } else {
    for (const k of Object.keys(d).sort()) {
      if (isScalar(d[k])) scalars.push(pyStr(d[k]));
      else nested.push([k, d[k]]);
    }
  }
  if (scalars.length) {
    if (identifier !== undefined) scalars.unshift(identifier.toUpperCase());
    out.push(`${scalars.join('\t')}\n`);
  }
  for (const [k, v] of nested) emit(v, k, undefined, out);
}

function scalarKeys(items: unknown[]): string[] {
  const keys = new Set<string>();
  for (const el of items) {
    if (el && typeof el === 'object' && !Array.isArray(el)) {
      for (const [k, v] of Object.entries(el)) if (isScalar(v)) keys.add(k);
    }
  }
  return [...keys].sort();
}
