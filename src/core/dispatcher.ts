// The single path from a command to a backend: one call, or the AWS CLI's automatic pagination
// across pages (--max-items / --starting-token / --page-size / --no-paginate), for every backend.

import type { Backend, Input, Output } from '../backends/backend';
import { getOperation, type ServiceName } from '../model/services';
import type { Paginator } from '../model/types';
import { isServiceError, ParamError } from './errors';

export interface PagingOptions {
  /** false with --no-paginate. */
  paginate: boolean;
  maxItems?: number;
  startingToken?: string;
  pageSize?: number;
}

export interface CallResult {
  /** The (merged) output the user sees. */
  output: Output;
  /** Each page as returned by the service (for yaml-stream). */
  pages: Output[];
}

/** Runs one operation; service errors get the operation's name for the AWS CLI message. */
export async function invokeOperation(
  backend: Backend, service: ServiceName, operation: string, input: Input, region: string,
): Promise<Output> {
  try {
    return await backend.invoke(service, operation, input, { region });
  } catch (e) {
    if (isServiceError(e)) {
      e.operation ??= operation;
      e.service ??= service;
    }
    throw e;
  }
}

export async function callOperation(
  backend: Backend, service: ServiceName, operation: string, input: Input, region: string, paging: PagingOptions,
): Promise<CallResult> {
  const pag = getOperation(service, operation).paginator;
  const userPages = pag && (input[pag.inputToken] !== undefined || input[pag.limitKey] !== undefined);
  if (!pag || !paging.paginate || userPages) {
    const output = await invokeOperation(backend, service, operation, input, region);
    return { output, pages: [output] };
  }
  return paginate(backend, service, operation, input, region, pag, paging);
}

interface ResumeToken {
  token?: string;
  truncate: number;
}

/** --starting-token: the base64 JSON the AWS CLI prints as NextToken, or a raw service token. */
function decodeStartingToken(raw: string | undefined, pag: Paginator): ResumeToken {
  if (raw === undefined) return { truncate: 0 };
  try {
    const doc = JSON.parse(Buffer.from(raw, 'base64').toString('utf8'));
    if (doc && typeof doc === 'object' && pag.inputToken in doc) {
      return { token: doc[pag.inputToken] ?? undefined, truncate: Number(doc.boto_truncate_amount ?? 0) };
    }
  } catch {
    /* not one of ours: a raw token */
  }
  return { token: raw, truncate: 0 };
}

function encodeResumeToken(pag: Paginator, r: ResumeToken): string {
  const doc: Record<string, unknown> = { [pag.inputToken]: r.token ?? null };
  if (r.truncate) doc.boto_truncate_amount = r.truncate;
  return Buffer.from(JSON.stringify(doc)).toString('base64');
}

async function paginate(
  backend: Backend, service: ServiceName, operation: string, input: Input, region: string,
  pag: Paginator, paging: PagingOptions,
): Promise<CallResult> {
  const resultKeys = Array.isArray(pag.resultKey) ? pag.resultKey : [pag.resultKey];
  const start = decodeStartingToken(paging.startingToken, pag);
  const request: Input = { ...input };
  if (start.token !== undefined) request[pag.inputToken] = start.token;
  if (paging.pageSize !== undefined) request[pag.limitKey] = paging.pageSize;

  const pages: Output[] = [];
  const merged: Output = {};
  const collected: Record<string, unknown[]> = Object.fromEntries(resultKeys.map((k) => [k, []]));
  let skip = start.truncate;
  let resume: ResumeToken | undefined;
  let total = 0;

  for (;;) {
    const page = await invokeOperation(backend, service, operation, request, region);
    pages.push(page);
    if (pages.length === 1) {
      for (const [k, v] of Object.entries(page)) {
        if (!resultKeys.includes(k) && k !== pag.outputToken && k !== pag.moreResults) merged[k] = v;
      }
    }
    const primary = ((page[resultKeys[0]] as unknown[]) ?? []).slice(skip);
    const pageSkip = skip;
    skip = 0;
    for (const k of resultKeys.slice(1)) collected[k].push(...(((page[k] as unknown[]) ?? [])));
    const more = hasMore(page, pag);
    if (paging.maxItems !== undefined && total + primary.length >= paging.maxItems) {
      const take = paging.maxItems - total;
      collected[resultKeys[0]].push(...primary.slice(0, take));
      if (take < primary.length) {
        resume = { token: request[pag.inputToken] as string | undefined, truncate: pageSkip + take };
      } else if (more) {
        resume = { token: page[pag.outputToken] as string, truncate: 0 };
      }
      break;
    }
    collected[resultKeys[0]].push(...primary);
    total += primary.length;
    if (!more) break;
    request[pag.inputToken] = page[pag.outputToken];
  }

  for (const k of resultKeys) {
    if (collected[k].length || pages.some((p) => p[k] !== undefined)) merged[k] = collected[k];
  }
  if (resume) merged.NextToken = encodeResumeToken(pag, resume);
  return { output: merged, pages };
}

function hasMore(page: Output, pag: Paginator): boolean {
  if (pag.moreResults !== undefined && page[pag.moreResults] === false) return false;
  const token = page[pag.outputToken];
  return token !== undefined && token !== null && token !== '';
}

/** Rejects --no-paginate combined with paging arguments, as the AWS CLI does. */
export function checkPagingArgs(paging: PagingOptions, given: string[]): void {
  if (!paging.paginate && given.length) {
    throw new ParamError(`Cannot specify --no-paginate along with pagination arguments: ${given.join(', ')}`);
  }
}
