// Sending one request attempt to one upstream host, over HTTP/1.1 (a lean keep-alive client,
// http1-client.ts) or HTTP/2 cleartext (one multiplexed node:http2 session per host). Failures
// are classified the way Envoy's router sees them: retry_on and outlier detection depend on it.

import * as http2 from 'http2';
import type { IncomingHttpHeaders } from 'http';
import { plainConnector, type Connector } from '../../tls/connector';
import { Http1Pool } from './http1-client';
import type { FailureKind, Upstream, UpstreamCall, UpstreamHandler, UpstreamRequest } from './upstream-call';

const CONNECT_ERRORS = new Set([
  'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT',
  'ERR_HTTP2_SESSION_ERROR_CONNECT',
]);

export function classify(err: Error & { code?: string }): FailureKind {
  return err.code && CONNECT_ERRORS.has(err.code) ? 'connect-failure' : 'reset';
}

/** HTTP/1.1 with keep-alive connections (see http1-client.ts). */
export class Http1Upstream implements Upstream {
  private readonly pool: Http1Pool;

  constructor(host: string, port: number, opts: { connectTimeoutMs: number; maxConnections?: number; connect?: Connector }) {
    this.pool = new Http1Pool(host, port, { connectTimeoutMs: opts.connectTimeoutMs, connect: opts.connect });
  }

  send(req: UpstreamRequest, h: UpstreamHandler): UpstreamCall {
    return this.pool.send(req, h);
  }

  activeConnections(): number {
    return this.pool.connections;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

const { NGHTTP2_REFUSED_STREAM } = http2.constants;
const H2_RESPONSE_DROP = new Set([':status']);

/** HTTP/2 cleartext with prior knowledge, one session per host, re-created when it dies. */
export class Http2Upstream implements Upstream {
  private session?: http2.ClientHttp2Session;
  private connected = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly connectTimeoutMs: number,
    /** Plain TCP by default; the cluster's TLS when it has a transport socket. */
    private readonly connect: Connector = plainConnector,
  ) {}

  private getSession(): http2.ClientHttp2Session {
    const s = this.session;
    if (s && !s.closed && !s.destroyed) return s;
    const session = http2.connect(`http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`, {
      // node:http2 waits for 'secureConnect' itself when this is a TLS socket.
      createConnection: () => this.connect(this.host, this.port),
    });
    this.connected = false;
    session.on('connect', () => {
      this.connected = true;
      clearTimeout(timer);
    });
    const timer = setTimeout(() => {
      if (!this.connected) session.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }, this.connectTimeoutMs);
    timer.unref();
    session.on('error', () => undefined); // streams report their own failure
    session.on('close', () => {
      clearTimeout(timer);
      if (this.session === session) this.session = undefined;
    });
    session.unref();
    this.session = session;
    return session;
  }

  activeConnections(): number {
    const s = this.session;
    return s && !s.closed && !s.destroyed ? 1 : 0;
  }

  send(req: UpstreamRequest, h: UpstreamHandler): UpstreamCall {
    const session = this.getSession();
    const wasConnected = this.connected;
    let done = false;
    let gotHeaders = false;
    const fail = (kind: FailureKind, err: Error) => {
      if (done) return;
      done = true;
      h.onFailure(kind, err);
    };
    let stream: http2.ClientHttp2Stream;
    try {
      stream = session.request(
        { ...req.headers, ':method': req.method, ':path': req.path, ':authority': req.authority, ':scheme': 'http' },
        { endStream: !req.body },
      );
    } catch (e) {
      queueMicrotask(() => fail(wasConnected ? 'reset' : 'connect-failure', e as Error));
      return { abort() {}, resume() {} };
    }
    stream.on('response', (headers) => {
      const status = Number(headers[':status']);
      if (status < 200) return;
      gotHeaders = true;
      const out: IncomingHttpHeaders = {};
      for (const k in headers) if (!H2_RESPONSE_DROP.has(k)) out[k] = headers[k] as string;
      h.onHeaders(status, out);
    });
    let trailers: IncomingHttpHeaders | undefined;
    stream.on('trailers', (t) => {
      trailers = { ...t } as IncomingHttpHeaders;
    });
    stream.on('data', (chunk: Buffer) => {
      if (!h.onData(chunk)) stream.pause();
    });
    stream.on('end', () => {
      if (done) return;
      done = true;
      h.onEnd(trailers);
    });
    stream.on('error', (err: Error & { code?: string }) => {
      if (!this.connected && !gotHeaders) fail('connect-failure', err);
      else if (stream.rstCode === NGHTTP2_REFUSED_STREAM) fail('refused-stream', err);
      else fail(classify(err) === 'connect-failure' && !wasConnected ? 'connect-failure' : 'reset', err);
    });
    stream.on('close', () => {
      if (done) return;
      if (stream.rstCode === NGHTTP2_REFUSED_STREAM) fail('refused-stream', new Error('refused stream'));
      else fail(this.connected || wasConnected ? 'reset' : 'connect-failure', new Error(`stream closed (code ${stream.rstCode})`));
    });
    if (req.body) req.body.pipe(stream);
    return {
      abort() {
        done = true;
        if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
      },
      resume() {
        stream.resume();
      },
    };
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s && !s.destroyed) s.destroy();
  }
}
