// The HTTP listener of `awsmesh local serve`: reads each request (size-limited) into a
// WireRequest, hands it to the RequestHandler, writes the answer, logs one line, and shuts down
// cleanly (stop accepting, let in-flight requests finish).

import { randomUUID } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import type { SecureContextOptions } from 'tls';
import type { AddressInfo } from 'net';
import { ListenerGuard, type Refusal } from '../base/listener-guard';
import { RequestHandler, type HandlerOptions } from './handler';
import { verifySignature } from './sigv4';
import type { WireRequest, WireResponse } from './wire';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const HEALTH_PATH = '/_awsmesh/health';
export const RESET_PATH = '/_awsmesh/reset';
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
  readonly http: http.Server;
  /** HTTPS only: replace the certificate and key for new connections (open ones keep theirs). */
  setSecureContext?(options: SecureContextOptions): void;
  /** Stops accepting, waits for in-flight requests, then resolves. Does not close the backend. */
  close(): Promise<void>;
}

function splitUrl(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q === -1 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
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

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const handler = new RequestHandler(opts);
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const startedAt = Date.now();
  const guard = opts.guard ?? new ListenerGuard({ allowCrossSite: opts.allowBrowserOrigins });
  let closing = false;

  const send = (res: http.ServerResponse, response: WireResponse, extra?: Record<string, string>) => {
    if (res.headersSent) return;
    const headers: Record<string, string | number> = { ...response.headers, ...extra, 'content-length': Buffer.byteLength(response.body) };
    headers['x-amzn-requestid'] ??= randomUUID(); // health, reset and last-resort answers have none yet
    if (closing) headers.connection = 'close';
    res.writeHead(response.status, headers);
    res.end(response.body);
  };

  const logLine = (req: http.IncomingMessage, rawPath: string, op: string, status: number, t0: number) => {
    if (!opts.log) return;
    const ms = performance.now() - t0;
    opts.log(`${logTime()} ${req.method} ${rawPath} ${op} ${status} ${ms.toFixed(1)}ms`);
  };

  const refuse = (req: http.IncomingMessage, res: http.ServerResponse, refusal: Refusal, rawPath: string, t0: number, label = 'refused') => {
    req.resume();
    send(res, { status: refusal.status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: refusal.message }) });
    logLine(req, rawPath, label, res.statusCode, t0);
  };

  const browserPath = opts.browserPath?.replace(/\/+$/, '');
  const underBrowserPath = (p: string) => browserPath !== undefined && (p === browserPath || p.startsWith(`${browserPath}/`));

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const t0 = performance.now();
    const { rawPath, rawQuery } = splitUrl(req.url ?? '/');
    const wire: WireRequest = {
      method: req.method ?? 'GET',
      rawPath,
      rawQuery,
      query: new URLSearchParams(rawQuery),
      headers: req.headers,
      body: Buffer.alloc(0),
    };

    // Browsers send Origin on cross-site requests; SDKs and the AWS CLI never do. Refusing them
    // keeps a web page from driving the local control plane with simple form POSTs (IAM, reset).
    // Pages under browserPath (the console) send Origin with their own requests and guard themselves.
    if (req.headers.origin !== undefined && !opts.allowBrowserOrigins && !underBrowserPath(rawPath)) {
      const message = 'Requests from web pages (with an Origin header) are refused; start the server with --allow-browser-origins to accept them.';
      return refuse(req, res, { status: 403, message }, rawPath, t0, 'refused-origin');
    }
    // Other users' processes, rebound DNS names and other sites' pages stop here (base/listener-guard).
    const refusal = await guard.checkRequest(req);
    if (refusal) return refuse(req, res, refusal, rawPath, t0);
    if (rawPath === HEALTH_PATH && wire.method === 'GET') {
      const doc = {
        status: closing ? 'stopping' : 'ok',
        version: opts.version,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        services: [...handler.router.services],
        ...opts.health?.(),
      };
      send(res, { status: closing ? 503 : 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
      logLine(req, rawPath, 'health', res.statusCode, t0);
      return;
    }
    if (opts.extraRoutes && (await opts.extraRoutes(req, res))) {
      logLine(req, rawPath, 'extra', res.statusCode, t0);
      return;
    }

    const tooLarge = () => {
      const handled = handler.wireErrorResponse(wire, 'tooLarge', `Request body exceeds the server's limit of ${maxBody} bytes (--max-body-bytes).`);
      // Answer now and discard the rest of the upload; a client that keeps sending far more loses the connection.
      send(res, handled.response, { connection: 'close' });
      let discarded = 0;
      req.removeAllListeners('data');
      req.on('data', (chunk: Buffer) => {
        discarded += chunk.length;
        if (discarded > 16 * maxBody) req.socket.destroy();
      });
      req.resume();
      logLine(req, rawPath, handled.service ?? '-', 413, t0);
    };

    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxBody) return tooLarge();

    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = false;
    // A request without a body (a GET) has usually been parsed to its end by now: nothing to wait for.
    const bodiless = req.complete && req.readableLength === 0;
    const complete = bodiless || await new Promise<boolean>((resolve) => {
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) {
          overflow = true;
          resolve(false);
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => resolve(true));
      req.on('error', () => resolve(false));
      req.on('aborted', () => resolve(false));
    });
    if (overflow) return tooLarge();
    if (!complete) return; // client went away
    if (chunks.length) wire.body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);

    if (rawPath === RESET_PATH && wire.method === 'POST' && opts.reset) {
      // With --verify-signatures, wiping the state needs a signed request like any other change.
      if (opts.credentials) {
        try {
          verifySignature(wire, req.rawHeaders, opts.credentials, opts.now?.() ?? Date.now());
        } catch (e) {
          return refuse(req, res, { status: 403, message: `Reset refused: ${(e as Error).message}` }, rawPath, t0);
        }
      }
      await opts.reset();
      send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'reset' }) });
      logLine(req, rawPath, 'reset', res.statusCode, t0);
      return;
    }

    const handled = await handler.handle(wire, req.rawHeaders, { address: req.socket.remoteAddress, secure: Boolean(opts.tls) });
    send(res, handled.response);
    const name = handled.service ? `${handled.service}.${handled.operation ?? '?'}` : '-';
    logLine(req, rawPath, name, handled.response.status, t0);
  };

  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    onRequest(req, res).catch((err) => {
      opts.onInternalError?.(err);
      send(res, { status: 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'Internal server error' }) });
    });
  };
  const server: http.Server = opts.tls ? https.createServer({ ...opts.tls, minVersion: 'TLSv1.2' }, listener) : http.createServer(listener);
  server.keepAliveTimeout = 5_000;

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
      server.closeIdleConnections();
      // Keep-alive connections become idle as their in-flight requests finish.
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
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
    http: server,
    setSecureContext: opts.tls ? (o) => (server as unknown as https.Server).setSecureContext({ ...o, minVersion: 'TLSv1.2' }) : undefined,
    close,
  };
}
