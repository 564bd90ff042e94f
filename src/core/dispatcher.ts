// The one path from any caller to a backend — the CLI, `local serve`, the sidecars, the xDS
// source, workflows, observability, TLS, the demo all call through a Dispatcher:
//   1. the operation must be in the generated table, else NotImplementedError (501, the LocalStack way);
//   2. the input is checked against the operation's precompiled schema (all problems at once), unless
//      the caller says it is trusted (input this process built from values it already checked);
//   3. the backend runs it; a ServiceError learns which operation failed (the AWS CLI's message);
//   4. pages(): the model's paginator drives the next-token loop, for internal callers and for the
//      CLI's automatic pagination (--max-items / --starting-token / --page-size / --no-paginate).
// Retries are not done here: the aws backend's SDK retries throttling, 5xx and connection errors
// per AWS_MAX_ATTEMPTS / retry_mode (standard, 3 attempts) exactly as the AWS CLI does, and the
// local backend neither throttles nor fails transiently (its store waits for its lock). A second
// retry layer here would multiply attempts and could repeat non-idempotent calls.

import type { Backend, CallContext, Input, LocalControlPlane, Output } from '../backends/backend';
import type {
  OperationInput, OperationItem, OperationName, OperationOutput, PaginatedOperationName,
} from '../generated/api';
import { findOperation, type ServiceName } from '../model/services';
import type { OperationDefinition, Paginator } from '../model/types';
import { InputValidationError, isServiceError, NotImplementedError, ParamError } from '../base/errors';
import { decodeStartingToken, encodeResumeToken, type ResumeToken } from './paging-token';

export interface CallOptions {
  /** Region of this call (default: the dispatcher's). */
  region?: string;
  /** `local serve`'s request id, for providers' logs. */
  requestId?: string;
  /** Who signed the request (`awsmesh serve`), for get-caller-identity and get-user. */
  caller?: CallContext['caller'];
  /**
   * Skip the schema check: only for input this process built from values it has checked already.
   * Everything else (flags, files, wire requests, manifests) is validated.
   */
  trusted?: boolean;
  /** Where top-level input members came from (a file:// path), for the validation report. */
  origins?: Record<string, string>;
}

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
  /** Each page as the service returned it, its result list cut to --starting-token/--max-items (yaml-stream, text). */
  pages: Output[];
  /** Set when the model's paginator drove the call: the result keys and the token to resume from. */
  paged?: { resultKeys: string[]; nextToken?: string };
}

/** The operation's definition, or the NotImplemented service error for an operation outside the table. */
function definition(service: ServiceName, operation: string): OperationDefinition {
  const op = findOperation(service, operation);
  if (!op) throw new NotImplementedError(service, operation);
  return op;
}

function paginatorOf(service: ServiceName, operation: string): Paginator {
  const pag = definition(service, operation).paginator;
  if (!pag) throw new Error(`${service} ${operation} has no paginator in the model`);
  return pag;
}

/** Typed inputs are plain JSON objects; the backend seam takes them as records. */
function loose(input: unknown): Input {
  return input as Input;
}

function resultKeys(pag: Paginator): string[] {
  return Array.isArray(pag.resultKey) ? pag.resultKey : [pag.resultKey];
}

function hasMore(page: Output, pag: Paginator): boolean {
  if (pag.moreResults !== undefined && page[pag.moreResults] === false) return false;
  const token = page[pag.outputToken];
  return token !== undefined && token !== null && token !== '';
}

export class Dispatcher {
  constructor(
    readonly backend: Backend,
    /** Region of calls that do not name one. */
    readonly region: string,
  ) {}

  /** What only the embedded control plane offers (watching, endpoints, proxy registry); undefined elsewhere. */
  get local(): LocalControlPlane | undefined {
    return this.backend.local;
  }

  /** Runs one operation; input and output typed from the model (src/generated). */
  call<S extends ServiceName, O extends OperationName<S>>(
    service: S, operation: O, input: OperationInput<S, O>, opts?: CallOptions,
  ): Promise<OperationOutput<S, O>> {
    return this.dispatch(service, operation, loose(input), opts) as Promise<OperationOutput<S, O>>;
  }

  /**
   * Every page of a paginated operation, following the model's output token; starts at the input's
   * own token when it has one (to resume).
   */
  pages<S extends ServiceName, O extends PaginatedOperationName<S>>(
    service: S, operation: O, input: OperationInput<S, O>, opts?: CallOptions,
  ): AsyncGenerator<OperationOutput<S, O>> {
    return this.dispatchPages(service, operation, loose(input), opts) as AsyncGenerator<OperationOutput<S, O>>;
  }

  /** The items of the paginator's (first) result list across all pages. */
  all<S extends ServiceName, O extends PaginatedOperationName<S>>(
    service: S, operation: O, input: OperationInput<S, O>, opts?: CallOptions,
  ): Promise<Array<OperationItem<S, O>>> {
    return this.dispatchAll(service, operation, loose(input), opts) as Promise<Array<OperationItem<S, O>>>;
  }

  /** call() for an operation named at run time (a wire request, a CLI argument, a kinds table). */
  async dispatch(service: ServiceName, operation: string, input: Input, opts: CallOptions = {}): Promise<Output> {
    definition(service, operation);
    if (!opts.trusted) checkInput(service, operation, input, opts.origins);
    try {
      return await this.backend.invoke(service, operation, input, { region: opts.region ?? this.region, requestId: opts.requestId, caller: opts.caller });
    } catch (e) {
      if (isServiceError(e)) {
        e.operation ??= operation;
        e.service ??= service;
      }
      throw e;
    }
  }

  /** pages() for an operation named at run time. */
  async *dispatchPages(service: ServiceName, operation: string, input: Input, opts: CallOptions = {}): AsyncGenerator<Output> {
    const pag = paginatorOf(service, operation);
    const request: Input = { ...input };
    for (;;) {
      const page = await this.dispatch(service, operation, request, opts);
      yield page;
      if (!hasMore(page, pag)) return;
      request[pag.inputToken] = page[pag.outputToken];
    }
  }

  /** all() for an operation named at run time. */
  async dispatchAll(service: ServiceName, operation: string, input: Input, opts: CallOptions = {}): Promise<unknown[]> {
    const key = resultKeys(paginatorOf(service, operation))[0];
    const items: unknown[] = [];
    for await (const page of this.dispatchPages(service, operation, input, opts)) items.push(...((page[key] as unknown[] | undefined) ?? []));
    return items;
  }

  /**
   * The AWS CLI's automatic pagination (botocore's PageIterator): every page, cut at --max-items
   * with a NextToken to resume (the base64 JSON the AWS CLI prints), merged as build_full_result
   * merges them; one plain call for operations without a paginator, with --no-paginate, or when
   * the input sets the raw paging members itself.
   */
  async paginate(service: ServiceName, operation: string, input: Input, paging: PagingOptions, opts: CallOptions = {}): Promise<CallResult> {
    const pag = definition(service, operation).paginator;
    const userPages = pag && (input[pag.inputToken] !== undefined || input[pag.limitKey] !== undefined);
    if (!pag || !paging.paginate || userPages) {
      const output = await this.dispatch(service, operation, input, opts);
      return { output, pages: [output] };
    }
    const keys = resultKeys(pag);
    const start = decodeStartingToken(paging.startingToken, pag);
    const request: Input = { ...input };
    if (start.token !== undefined) request[pag.inputToken] = start.token;
    if (paging.pageSize !== undefined) request[pag.limitKey] = paging.pageSize;

    const pages: Output[] = [];
    const collected: Record<string, unknown[]> = Object.fromEntries(keys.map((k) => [k, []]));
    let skip = start.truncate;
    let pageToken = start.token;
    let resume: ResumeToken | undefined;
    let total = 0;
    for await (const raw of this.dispatchPages(service, operation, request, opts)) {
      const listed = raw[keys[0]] as unknown[] | undefined;
      let primary = (listed ?? []).slice(skip);
      const pageSkip = skip;
      skip = 0;
      let done = false;
      if (paging.maxItems !== undefined && total + primary.length >= paging.maxItems) {
        const take = paging.maxItems - total;
        if (take < primary.length) resume = { token: pageToken, truncate: pageSkip + take };
        else if (hasMore(raw, pag)) resume = { token: raw[pag.outputToken] as string, truncate: 0 };
        primary = primary.slice(0, take);
        done = true;
      }
      // The page as the AWS CLI's page iterator yields it: its result list cut to what is printed.
      const page = listed !== undefined && primary.length !== listed.length ? { ...raw, [keys[0]]: primary } : raw;
      pages.push(page);
      collected[keys[0]].push(...primary);
      for (const k of keys.slice(1)) collected[k].push(...((page[k] as unknown[]) ?? []));
      if (done) break;
      total += primary.length;
      pageToken = raw[pag.outputToken] as string | undefined;
    }
    // build_full_result: the result lists (those any page had) and the resume token, nothing else.
    const output: Output = {};
    for (const k of keys) {
      if (collected[k].length || pages.some((p) => p[k] !== undefined)) output[k] = collected[k];
    }
    const nextToken = resume ? encodeResumeToken(pag, resume) : undefined;
    if (nextToken) output.NextToken = nextToken;
    return { output, pages, paged: { resultKeys: keys, nextToken } };
  }
}

/**
 * The dispatcher's schema check with the AWS CLI's report (the validators load on first use). The
 * CLI runs it before opening a backend, so bad input changes nothing, then calls with `trusted`.
 */
export function checkInput(service: ServiceName, operation: string, input: Input, origins?: Record<string, string>): void {
  definition(service, operation);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { validateInput, formatProblems } = require('../validation/validate') as typeof import('../validation/validate');
  const problems = validateInput(service, operation, input);
  if (problems.length) throw new InputValidationError(formatProblems(problems, origins));
}

/** Rejects --no-paginate combined with paging arguments, as the AWS CLI does. */
export function checkPagingArgs(paging: PagingOptions, given: string[]): void {
  if (!paging.paginate && given.length) {
    throw new ParamError(`Cannot specify --no-paginate along with pagination arguments: ${given.join(', ')}`);
  }
}
