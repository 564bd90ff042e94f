// The HTTP listener of `awsmesh local serve` (and `awsmesh serve`): reads each request
// (size-limited) into a WireRequest, hands it to the RequestHandler, writes the answer, logs one
// line, and shuts down cleanly (stop accepting, let in-flight requests finish).
//
// Connections are served by the lean HTTP/1.1 server of base/h1-connection.ts (a head parsed once
// in JS, no IncomingMessage/ServerResponse streams, head and body in one write): Node's
// http.Server made about half of a cached describe's CPU. A connection whose request needs Node's
// req/res (extraRoutes: the console's pages), an upgrade request or an HTTP/2 preface is handed,
// with its bytes, to a Node http.Server that serves the rest of that connection the same way.

import { randomUUID } from 'crypto';
import * as http from 'http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'http';
import * as net from 'net';
import type { AddressInfo } from 'net';
import type { Readable } from 'stream';
import * as tls from 'tls';
import type { SecureContextOptions } from 'tls';
import { serveHttp1, type H1Handlers } from '../base/h1-connection';
import { ListenerGuard, type Refusal } from '../base/listener-guard';
import { RequestHandler, type HandlerOptions } from './handler';
import { verifySignature } from './sigv4';
import type { WireRequest, WireResponse } from './wire';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const HEALTH_PATH = '/_awsmesh/health';
export const RESET_PATH = '/_awsmesh/reset';
const EMPTY = Buffer.alloc(0);
/** How long shutdown waits for in-flight requests before cutting connections. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface ServerOptions extends HandlerOptions {
  host: string;
  port: number;
  maxBodyBytes?: number;
  version: string;
  /** One line per request (no trailing newline); omit to log nothing. */
  log?: (line: string) => void;
  /** Extra fields for the health document (e.g. the xDS port). */
  health?: () => Record<string, unknown>;
  /** Enables POST /_awsmesh/reset (deletes all local state); off unless --allow-reset. */
  reset?: () => Promise<void>;
  /** Accept requests that carry an Origin header (browser pages). */
  allowBrowserOrigins?: boolean;
  /** Serve HTTPS (TLS 1.2+) with this certificate and key instead of plain HTTP. */
  tls?: SecureContextOptions;
  /** Extra routes answered before the AWS protocols (e.g. the console); true when handled. */
  extraRoutes?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>;
  /**
   * A path prefix of extraRoutes served to browser pages (the console at /console): its requests
   * with an Origin header are not refused as the API's are; the listener guard still refuses other
   * sites' origins, and the pages check their own (console/guard.ts).
   */
  browserPath?: string;
  /** Who may connect and which Host names requests may use (default: this user's processes, loopback names and IPs). */
  guard?: ListenerGuard;
}

export interface RunningServer {
  readonly host: string;
  readonly port: number;
  /** Base URL to give SDKs as their endpoint. */
  readonly url: string;
  /** HTTPS only: replace the certificate and key for new connections (open ones keep theirs). */
  setSecureContext?(options: SecureContextOptions): void;
  /** Stops accepting, waits for in-flight requests, then resolves. Does not close the backend. */
  close(): Promise<void>;
}

/** A request as both listeners hand it over: the lean one's H1Request, or Node's IncomingMessage. */
interface Incoming {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly socket: net.Socket;
  readonly rawHeaders: string[];
}

/** A response of either listener (H1Response, ServerResponse): the head and the whole body at once. */
interface Outgoing {
  readonly headersSent: boolean;
  writeHead(status: number, headers: OutgoingHttpHeaders): unknown;
  end(body: string | Buffer): unknown;
}

/** Reads a request body up to `max` bytes: the bytes, 'tooLarge' (reading stopped), or undefined when the client went away. */
function readBody(body: Readable, max: number): Promise<Buffer | 'tooLarge' | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (v: Buffer | 'tooLarge' | undefined) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      resolve(v);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) return settle('tooLarge');
      chunks.push(chunk);
    };
    body.on('data', onData);
    body.on('end', () => settle(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    body.on('error', () => settle(undefined));
    body.on('close', () => settle(undefined));
    body.on('aborted', () => settle(undefined));
  });
}

/** The path of a request target, without its query string. */
function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** A request as the handler reads it (a class: one shape, the query parsed on first use). */
class Wire implements WireRequest {
  readonly method: string;
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly headers: IncomingHttpHeaders;
  body: Buffer = EMPTY;
  private parsed: URLSearchParams | undefined = undefined;

  constructor(req: Incoming) {
    const url = req.url ?? '/';
    this.method = req.method ?? 'GET';
    this.rawPath = pathOf(url);
    this.rawQuery = this.rawPath.length < url.length ? url.slice(this.rawPath.length + 1) : '';
    this.headers = req.headers;
  }

  /** Parsed when a codec reads it (most App Mesh calls have no query string). */
  get query(): URLSearchParams {
    return (this.parsed ??= new URLSearchParams(this.rawQuery));
  }
}

let loggedMs = 0;
let loggedIso = '';
/** The log lines' ISO time; a busy server logs several requests per millisecond, formatted once. */
function logTime(): string {
  const now = Date.now();
  if (now !== loggedMs) {
    loggedMs = now;
    loggedIso = new Date(now).toISOString();
  }
  return loggedIso;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Node's headersTimeout: the whole head within this of its first byte. */
const HEADERS_TIMEOUT_MS = 60_000;
const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** Node's default requestTimeout: a request's body must be in within 5 minutes of its first byte. */
const REQUEST_TIMEOUT_MS = 300_000;

/** Whether a connection has no request in flight (both listeners keep the current response in socket._httpMessage). */
function idle(socket: net.Socket): boolean {
  return !(socket as net.Socket & { _httpMessage?: unknown })._httpMessage;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const handler = new RequestHandler(opts);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const startedAt = Date.now();
  const guard = opts.guard ?? new ListenerGuard({ allowCrossSite: opts.allowBrowserOrigins });
  const secure = Boolean(opts.tls);
  let closing = false;

  /** Writes the answer (head and body together); returns its status. */
  const send = (res: Outgoing, response: WireResponse, extra?: Record<string, string>): number => {
    if (res.headersSent) return response.status;
    // A copy (a cached answer's object stays as it is), made key by key from an empty object: a
    // spread's clone would take a new hidden class at every added key and every for-in below.
    const headers: OutgoingHttpHeaders = {};
    for (const name in response.headers) headers[name] = response.headers[name];
    if (extra) for (const name in extra) headers[name] = extra[name];
    headers['content-length'] = response.bytes ? response.bytes.length : Buffer.byteLength(response.body);
    headers['x-amzn-requestid'] ??= randomUUID(); // health, reset and last-resort answers have none yet
    if (closing) headers.connection = 'close';
    res.writeHead(response.status, headers);
    res.end(response.bytes ?? response.body);
    return response.status;
  };

  const logLine = (req: Incoming, rawPath: string, op: string, status: number, t0: number) => {
    if (!opts.log) return;
    const ms = performance.now() - t0;
    opts.log(`${logTime()} ${req.method} ${rawPath} ${op} ${status} ${ms.toFixed(1)}ms`);
  };

  const refuse = (req: Incoming, body: Readable | null, res: Outgoing, refusal: Refusal, rawPath: string, t0: number, label = 'refused') => {
    body?.resume();
    const status = send(res, { status: refusal.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: refusal.message }) });
    logLine(req, rawPath, label, status, t0);
  };

  const browserPath = opts.browserPath?.replace(/\/+$/, '');
  const underBrowserPath = (p: string) => browserPath !== undefined && (p === browserPath || p.startsWith(`${browserPath}/`));

  /**
   * One request of either listener; `body` is its body stream (null: none). Node's listener also
   * offers it to extraRoutes (the lean one hands such requests' connections to Node's: handOffWhen).
   */
  const onRequest = async (req: Incoming, res: Outgoing, body: Readable | null, node?: { req: http.IncomingMessage; res: http.ServerResponse }) => {
    const t0 = performance.now();
    const wire = new Wire(req);
    const rawPath = wire.rawPath;

    // Browsers send Origin on cross-site requests; SDKs and the AWS CLI never do. Refusing them
    // keeps a web page from driving the local control plane with simple form POSTs (IAM, reset).
    // Pages under browserPath (the console) send Origin with their own requests and guard themselves.
    if (req.headers.origin !== undefined && !opts.allowBrowserOrigins && !underBrowserPath(rawPath)) {
      const message = 'Requests from web pages (with an Origin header) are refused; start the server with --allow-browser-origins to accept them.';
      return refuse(req, body, res, { status: 403, message }, rawPath, t0, 'refused-origin');
    }
    // Other users' processes, rebound DNS names and other sites' pages stop here (base/listener-guard).
    // A connection's later requests find its verdict known: no wait for a settled promise.
    const refusal = guard.checkHeaders(req.headers) ?? (guard.knownVerdict(req.socket) ?? { refusal: await guard.checkConnection(req.socket) }).refusal;
    if (refusal) return refuse(req, body, res, refusal, rawPath, t0);
    if (rawPath === HEALTH_PATH && wire.method === 'GET') {
      const doc = {
        status: closing ? 'stopping' : 'ok',
        version: opts.version,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        services: [...handler.router.services],
        ...opts.health?.(),
      };
      logLine(req, rawPath, 'health', send(res, { status: closing ? 503 : 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) }), t0);
      return;
    }
    if (node && opts.extraRoutes && (await opts.extraRoutes(node.req, node.res))) {
      logLine(req, rawPath, 'extra', node.res.statusCode, t0);
      return;
    }

    const tooLarge = () => {
      const handled = handler.wireErrorResponse(wire, 'tooLarge', `Request body exceeds the server's limit of ${maxBody} bytes (--max-body-bytes).`);
      // Answer now and discard the rest of the upload; a client that keeps sending far more loses the connection.
      send(res, handled.response, { connection: 'close' });
      if (body) {
        let discarded = 0;
        body.removeAllListeners('data');
        body.on('data', (chunk: Buffer) => {
          discarded += chunk.length;
          if (discarded > 16 * maxBody) req.socket.destroy();
        });
        body.resume();
      }
      logLine(req, rawPath, handled.service ?? '-', 413, t0);
    };

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) return tooLarge();
    if (body) {
      const read = await readBody(body, maxBody);
      if (read === 'tooLarge') return tooLarge();
      if (read === undefined) return; // client went away
      wire.body = read;
    }

    if (rawPath === RESET_PATH && wire.method === 'POST' && opts.reset) {
      // With --verify-signatures, wiping the state needs a signed request like any other change.
      if (opts.credentials) {
        try {
          verifySignature(wire, req.rawHeaders, opts.credentials, opts.now?.() ?? Date.now());
        } catch (e) {
          return refuse(req, null, res, { status: 403, message: `Reset refused: ${(e as Error).message}` }, rawPath, t0);
        }
      }
      await opts.reset();
      logLine(req, rawPath, 'reset', send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'reset' }) }), t0);
      return;
    }

    const answer = handler.handleNow(wire, () => req.rawHeaders, { address: req.socket.remoteAddress, secure });
    const handled = answer instanceof Promise ? await answer : answer;
    send(res, handled.response);
    const name = handled.service ? `${handled.service}.${handled.operation ?? '?'}` : '-';
    logLine(req, rawPath, name, handled.response.status, t0);
  };

  const failed = (req: Incoming, res: Outgoing) => (err: unknown) => {
    opts.onInternalError?.(err);
    try {
      send(res, { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal server error' }) });
    } catch {
      req.socket.destroy(); // not even a 500 could be written
    }
  };

  // Connections handed over by the lean listener (the console's pages, upgrade requests, an
  // HTTP/2 preface) are served by Node's http.Server, which answers what it cannot parse with 400.
  const nodeServer = http.createServer((req, res) => {
    // A GET has usually been parsed to its end by now: no body stream to read.
    const body = req.complete && req.readableLength === 0 ? null : req;
    onRequest(req, res, body, { req, res }).catch(failed(req, res));
  });
  nodeServer.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;

  const lean: H1Handlers = {
    onRequest: (req, res) => {
      onRequest(req, res, req.bodySource).catch(failed(req, res));
    },
    handOff: (socket) => nodeServer.emit('connection', socket),
    // Requests extraRoutes may answer (all of them without a browserPath) need Node's req/res.
    handOffWhen: opts.extraRoutes ? (head) => browserPath === undefined || underBrowserPath(pathOf(head.url)) : undefined,
  };

  /** Connections being served (TLS ones once their handshake is done). */
  const sockets = new Set<net.Socket>();
  const serve = (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    // As Node's http.Server: a response leaves at once, not after the client's delayed ACK.
    socket.setNoDelay(true);
    serveHttp1(socket, lean, { headersTimeoutMs: HEADERS_TIMEOUT_MS, keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  };
  const server: net.Server = opts.tls
    ? tls.createServer({ ...opts.tls, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'] }, serve)
    : net.createServer(serve);
  // Raw connections, for the forced close (TLS ones may still be in their handshake).
  const raw = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    raw.add(socket);
    socket.once('close', () => raw.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= new Promise<void>((resolve) => {
      closing = true;
      server.close(() => resolve());
      // Keep-alive connections close as their in-flight requests finish (answers say `connection: close`).
      const closeIdle = () => {
        for (const s of sockets) if (idle(s)) s.destroy();
      };
      closeIdle();
      const sweep = setInterval(closeIdle, 50);
      const force = setTimeout(() => {
        for (const s of sockets) s.destroy();
        for (const s of raw) s.destroy();
      }, SHUTDOWN_GRACE_MS);
      server.once('close', () => {
        clearInterval(sweep);
        clearTimeout(force);
      });
    });
    return closed;
  };

  return {
    host: address.address,
    port: address.port,
    url: `${opts.tls ? 'https' : 'http'}://${hostForUrl(address.address)}:${address.port}`,
    setSecureContext: opts.tls ? (o) => (server as tls.Server).setSecureContext({ ...o, minVersion: 'TLSv1.2' }) : undefined,
    close,
  };
}
