// One request through the server, independent of node:http: route to a service, check the
// signature, decode, hand the operation to the dispatcher (the CLI's own path: schema check,
// backend call), encode — every failure becomes the protocol's own error response, never an exception.

import { randomUUID } from 'crypto';
import type { Backend, Input } from '../backends/backend';
import { isStoreUnavailable } from '../backends/local/store/errors';
import { Dispatcher } from '../core/dispatcher';
import { InputValidationError, isServiceError } from '../base/errors';
import { getService, type ServiceName } from '../model/services';
import { REST_JSON_WIRE_ERRORS, restJsonError } from './codecs/rest-json';
import { ReadCache } from './read-cache';
import { ServiceRouter } from './router';
import { verifySignature, type Credentials } from './sigv4';
import { AuthError, type Authenticated, type IamAuthenticator, type RefusalReason } from './auth/iam-auth';
import { requiredPermission } from './auth/permissions';
import { WireError, type Codec, type WireErrorKind, type WireRequest, type WireResponse } from './wire';

export interface HandlerOptions {
  backend: Backend;
  /** Region for requests whose credential scope does not name one (unsigned requests). */
  defaultRegion: string;
  /** When given, every request must carry a valid SigV4 signature by one of these. */
  credentials?: Credentials[];
  /**
   * `awsmesh serve`: every request is signed by an awsmesh IAM user's key and allowed by that
   * user's policies (AccessDenied otherwise, before anything is changed).
   */
  iam?: { auth: IamAuthenticator; account: string; onRefused?: (reason: RefusalReason, service: ServiceName, operation?: string) => void };
  /** Epoch milliseconds; injectable for signature-expiry tests. */
  now?: () => number;
  /** Told about failures that are the server's fault (with stack), for the log. */
  onInternalError?: (err: unknown) => void;
  /** Told when a request failed because the state store is unreachable (answered 503). */
  onStoreUnavailable?: (err: Error) => void;
}

export interface Handled {
  response: WireResponse;
  requestId: string;
  service?: ServiceName;
  operation?: string;
}

/** A provider's error code as the wire names it, and the status the model gives it. */
function modelledError(service: ServiceName, code: string): { code: string; status?: number } {
  const shapes = getService(service).shapes;
  const byName = shapes[code];
  if (byName?.exception) return { code: byName.error?.code ?? code, status: byName.error?.httpStatusCode ?? 400 };
  const byCode = Object.values(shapes).find((s) => s.exception && s.error?.code === code);
  return byCode ? { code, status: byCode.error?.httpStatusCode ?? 400 } : { code };
}

/** A request head that was a cacheable read: what routing and decoding it gave. */
interface RepeatedRead {
  method: string;
  rawPath: string;
  rawQuery: string;
  service: ServiceName;
  operation: string;
  /** Its read cache key. */
  key: string;
}

export class RequestHandler {
  readonly router: ServiceRouter;
  private readonly api: Dispatcher;
  private readonly cache?: ReadCache;
  /**
   * Cacheable reads by their request's headers object. The lean listener hands a repeated head
   * (byte for byte the same, on the same connection) the same frozen headers object, so a repeat
   * is known by identity: routing, decoding and the cache key are not worked out again.
   */
  private readonly repeats = new WeakMap<object, RepeatedRead>();

  constructor(private readonly opts: HandlerOptions) {
    this.router = new ServiceRouter();
    this.api = new Dispatcher(opts.backend, opts.defaultRegion);
    const local = opts.backend.local;
    if (local?.readVersion) this.cache = new ReadCache(() => local.readVersion!());
  }

  /**
   * handle(), answered in this turn when it can be: a bodiless repeat of a cacheable read whose
   * answer is still kept. The store's readVersion is still read for it (another process's commit
   * that returned before this request is seen); only the request's routing and decoding are reused.
   */
  handleNow(req: WireRequest, rawHeaderList: string[] | (() => string[]), peer: { address?: string; secure?: boolean } = {}): Handled | Promise<Handled> {
    const repeat = req.body.length === 0 ? this.repeats.get(req.headers) : undefined;
    if (repeat !== undefined && repeat.method === req.method && repeat.rawPath === req.rawPath && repeat.rawQuery === req.rawQuery) {
      const slot = this.cache!.slotNow(repeat.key);
      const requestId = randomUUID();
      const kept = slot && this.cache!.get(slot, requestId);
      if (kept) return { requestId, service: repeat.service, operation: repeat.operation, response: kept };
    }
    return this.handle(req, rawHeaderList, peer);
  }

  /** `rawHeaderList` may be a function: the lean listener builds the list only when a signature is checked. */
  async handle(req: WireRequest, rawHeaderList: string[] | (() => string[]), peer: { address?: string; secure?: boolean } = {}): Promise<Handled> {
    const requestId = randomUUID();
    let raw = typeof rawHeaderList === 'function' ? undefined : rawHeaderList;
    const rawHeaders = () => (raw ??= (rawHeaderList as () => string[])());
    const routed = this.router.route(req);
    if (!routed) return { requestId, response: unroutable(req, 'unknownOperation', requestId) };
    const { codec } = routed;
    let operation: string | undefined;
    let response: WireResponse;
    try {
      if (this.opts.credentials) verifySignature(req, rawHeaders(), this.opts.credentials, this.opts.now?.() ?? Date.now());
      const auth = this.opts.iam ? await this.authenticate(req, rawHeaders(), codec.service) : undefined;
      const decoded = codec.decode(req);
      operation = decoded.operation;
      const region = routed.region ?? this.opts.defaultRegion;
      if (auth) {
        const denied = this.authorize(auth, codec, operation, decoded.input, region, peer, requestId);
        if (denied) return { requestId, service: codec.service, operation, response: denied };
      }
      refuseUnsignedGetChange(req, codec.service, operation, Boolean(this.opts.credentials || auth));
      // A read answered before and nothing committed since: the same bytes (the input was validated then).
      const pending = this.cache?.slot(codec.service, operation, region, decoded.input);
      const slot = pending instanceof Promise ? await pending : pending; // no turn of the microtask queue on SQLite
      // Signed requests (verified each time: their clock) and IAM callers are never repeats.
      if (slot && req.body.length === 0 && Object.isFrozen(req.headers) && !this.opts.credentials && !this.opts.iam) {
        this.repeats.set(req.headers, { method: req.method, rawPath: req.rawPath, rawQuery: req.rawQuery, service: codec.service, operation, key: slot.key });
      }
      const kept = slot && this.cache!.get(slot, requestId);
      if (kept) return { requestId, service: codec.service, operation, response: kept };
      const output = await this.api.dispatch(codec.service, operation, decoded.input, { region: routed.region, requestId, caller: auth?.caller });
      response = codec.encodeOutput(operation, output ?? {}, requestId);
      if (slot) this.cache!.put(slot, response);
    } catch (err) {
      response = this.errorResponse(codec, err, requestId);
    }
    return { requestId, service: codec.service, operation, response };
  }

  private async authenticate(req: WireRequest, rawHeaders: string[], service: ServiceName): Promise<Authenticated> {
    try {
      return await this.opts.iam!.auth.authenticate(req, rawHeaders);
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      this.opts.iam!.onRefused?.(e.reason, service);
      throw new WireError(e.kind, e.message);
    }
  }

  /** AccessDenied (403, in the protocol's dialect) unless the caller's policies allow the call. */
  private authorize(
    auth: Authenticated, codec: Codec, operation: string, input: Input, region: string, peer: { address?: string; secure?: boolean }, requestId: string,
  ): WireResponse | undefined {
    const { iam } = this.opts;
    const need = requiredPermission(codec.service, operation, input, { region, account: iam!.account, callerUser: auth.caller.userName });
    if (!need) return undefined;
    try {
      iam!.auth.authorize(auth, need.action, need.resource, {
        ...(peer.address ? { 'aws:SourceIp': peer.address.replace(/^::ffff:/, '') } : {}),
        'aws:SecureTransport': String(Boolean(peer.secure)),
      });
      return undefined;
    } catch (e) {
      if (!(e instanceof AuthError)) throw e;
      iam!.onRefused?.(e.reason, codec.service, operation);
      const code = getService(codec.service).metadata.protocol === 'query' ? 'AccessDenied' : 'AccessDeniedException';
      return codec.encodeError({ code, status: 403, message: e.message }, requestId);
    }
  }

  /** The protocol's error for a failure found outside a provider (e.g. a body over the limit). */
  wireErrorResponse(req: WireRequest, kind: WireErrorKind, message: string): Handled {
    const requestId = randomUUID();
    const routed = this.router.route(req);
    if (!routed) return { requestId, response: unroutable(req, kind, requestId, message) };
    return { requestId, service: routed.codec.service, response: this.errorResponse(routed.codec, new WireError(kind, message), requestId) };
  }

  private errorResponse(codec: Codec, err: unknown, requestId: string): WireResponse {
    if (err instanceof InputValidationError) err = new WireError('validation', err.message);
    if (err instanceof WireError) {
      return codec.encodeError({ ...codec.wireError(err.kind), message: err.message }, requestId);
    }
    if (isServiceError(err)) {
      const modelled = modelledError(codec.service, err.code);
      return codec.encodeError({ code: modelled.code, status: modelled.status ?? err.status, message: err.message, fields: err.fields }, requestId);
    }
    if (isStoreUnavailable(err)) {
      // Retryable (SDKs and the AWS CLI retry 503); the details name the database, so they go to the log only.
      this.opts.onStoreUnavailable?.(err);
      return codec.encodeError({ code: 'ServiceUnavailableException', status: 503, message: 'The control plane\'s state store is unavailable; retry later.' }, requestId);
    }
    this.opts.onInternalError?.(err);
    // The first line only: details (stacks, require chains) go to the server log.
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return codec.encodeError({ ...codec.wireError('internal'), message: `Internal error: ${message}` }, requestId);
  }
}

/**
 * The query protocol (IAM) takes any action as a GET with ?Action=…, and a web page can make a
 * browser send a GET anywhere (an <img>) without an Origin header. So over GET only the Get… and List…
 * actions run, unless the request is signed: verified (--verify-signatures), or carrying an
 * Authorization header, which no page can add to a cross-site request.
 */
function refuseUnsignedGetChange(req: WireRequest, service: ServiceName, operation: string, verified: boolean): void {
  if (req.method !== 'GET' || getService(service).metadata.protocol !== 'query' || /^(Get|List)[A-Z]/.test(operation)) return;
  if (verified || typeof req.headers.authorization === 'string') return;
  throw new WireError('missingAuth', `${operation} changes state, so it is not accepted as an unsigned GET request (a web page could make a browser send one): POST it, or sign it.`);
}

/** No service claims the request: AWS's generic JSON error. */
function unroutable(req: WireRequest, kind: WireErrorKind, requestId: string, message?: string): WireResponse {
  const text =
    message ??
    `No service matches ${req.method} ${req.rawPath}: sign the request (SigV4 scope appmesh, iam or servicediscovery), ` +
      'send X-Amz-Target, or use an App Mesh path under /v20190125/.';
  return restJsonError({ ...REST_JSON_WIRE_ERRORS[kind], message: text }, requestId);
}
