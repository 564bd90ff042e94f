// A lean HTTP/1.1 client for upstream hosts: a keep-alive connection pool over net.Socket and an
// incremental response parser (status line, headers, content-length / chunked / until-close
// bodies, trailers). It exists for speed: on the proxy's hot path it costs about a third less CPU
// per request than a general-purpose client, which is most of the gap to a C proxy that can be
// closed in JavaScript. An upgrade request (WebSocket) is sent like any other; its 101 answer
// takes the connection out of the pool and hands the raw socket to the caller.

import type * as net from 'net';
import type { IncomingHttpHeaders } from 'http';
import { connectedEvent, NO_TLS_CERTIFICATES, plainConnector, type Connector } from '../../tls/connector';
import type { Readable } from 'stream';
import type { FailureKind, UpstreamCall, UpstreamHandler, UpstreamRequest } from './upstream-call';
import { readDirect, streamOn } from '../../base/direct-read';
import { writeDirect } from '../../base/direct-write';
import { addHeader } from '../../base/h1-parser';

const MAX_HEAD_BYTES = 64 * 1024;

/** Idle keep-alive connections are dropped before a typical server would (Node's default is 5 s). */
const DEFAULT_IDLE_MS = 4_000;
const CRLF = '\r\n';
const HEAD_END = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

type ConnectError = Error & { code?: string };

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN']);

/** The three status digits after "HTTP/1.x " (NaN unless all three are digits). */
function statusCode(text: string): number {
  let code = 0;
  for (let i = 9; i < 12; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return NaN;
    code = code * 10 + d;
  }
  return code;
}

/** A parsed response head, kept by the pool to recognise the next identical one. */
interface ParsedHead {
  /** The head's bytes, status line to the last header line. */
  readonly bytes: Buffer;
  readonly status: number;
  /** Frozen: shared by every response with this head. */
  readonly headers: IncomingHttpHeaders;
  /** content-length, or -1. */
  readonly length: number;
  readonly chunked: boolean;
  readonly keepAlive: boolean;
}

/** A header line's name (lower-case) and value, both trimmed; null for a line without a name. */
function headerField(line: string): [string, string] | null {
  const c = line.indexOf(':');
  if (c <= 0) return null;
  return [line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()];
}

/**
 * Upstreams answer with the same head over and over (only Date changes, once a second): a head
 * this small is kept by its pool and compared byte for byte with the next one (one memcmp), which
 * then costs no decoding, no header strings and no header object.
 */
const REPEAT_HEAD_MAX = 1024;

/** Status line and headers (repeats merged by Node's rules, as for requests), or what is wrong. */
function parseHead(text: string): Omit<ParsedHead, 'bytes'> | string {
  if (!text.startsWith('HTTP/1.')) return 'not an HTTP/1.x response';
  const http10 = text.charCodeAt(7) === 48; /* '0' */
  const status = statusCode(text);
  if (!(status >= 100 && status <= 999)) return 'bad status line';
  let length = -1;
  let chunked = false;
  let connection = '';
  const headers: IncomingHttpHeaders = {};
  let at = text.indexOf(CRLF);
  while (at >= 0) {
    const from = at + 2;
    at = text.indexOf(CRLF, from);
    const field = headerField(text.slice(from, at < 0 ? text.length : at));
    if (field === null) continue;
    const [name, value] = field;
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
    else if (name === 'connection') connection = value.toLowerCase();
    addHeader(headers, name, value);
  }
  if (headers['set-cookie']) Object.freeze(headers['set-cookie']);
  const keepAlive = http10 ? connection.includes('keep-alive') : !connection.includes('close');
  return { status, headers: Object.freeze(headers), length, chunked, keepAlive };
}

/** Headers of a response not parsed yet (set by parseHead before anyone sees them). */
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

/**
 * One upstream call: a request/response on one connection, and the caller's handle on it. A kept-alive
 * connection the server closed just as we reused it is retried once on a new one (`replay`),
 * when nothing of the request body has been consumed and no response byte came back.
 */
class Http1Call implements UpstreamCall {
  private head: Buffer | null = null;
  private status = 0;
  private headers: IncomingHttpHeaders = NO_HEADERS;
  /** Remaining body bytes (content-length), -1 chunked, -2 until close, 0 none. */
  private remaining = 0;
  private chunkLeft = -1;
  private trailerMode = false;
  private trailers?: IncomingHttpHeaders;
  private keepAlive = true;
  private gotBytes = false;
  done = false;
  /** The exchange on a new connection that replaced this one (stale connection). */
  private delegate?: UpstreamCall;

  constructor(
    readonly conn: Connection,
    private readonly req: UpstreamRequest,
    private readonly h: UpstreamHandler,
    private readonly replay: boolean,
  ) {}

  /**
   * Set while feed() reads the shared direct-read buffer (direct-read.ts): whatever outlives the
   * call (a partial head or chunk line, body pieces handed on, bytes after a 101) is copied.
   */
  private ephemeral = false;

  private keep(b: Buffer): Buffer {
    return this.ephemeral ? Buffer.from(b) : b;
  }

  /** Feeds bytes from the socket; returns false to pause the socket (back-pressure). */
  feed(data: Buffer, ephemeral = false): boolean {
    this.ephemeral = ephemeral;
    try {
      return this.parse(data);
    } finally {
      this.ephemeral = false;
    }
  }

  private parse(data: Buffer): boolean {
    this.gotBytes = true;
    let buf = data;
    while (buf.length > 0 && !this.done) {
      if (this.status === 0) {
        const joined: Buffer = this.head ? Buffer.concat([this.head, buf]) : buf;
        const end = joined.indexOf(HEAD_END);
        if (end < 0) {
          if (joined.length > MAX_HEAD_BYTES) return this.fail('reset', new Error('upstream response head too large'));
          this.head = joined === buf ? this.keep(joined) : joined;
          return true;
        }
        this.head = null;
        if (!this.readHead(joined, end)) return false;
        buf = joined.subarray(end + 4);
        if ((this.status as number) === 101 && this.req.upgrade && this.h.onUpgrade) {
          // The connection now speaks another protocol: nothing more of it is HTTP.
          this.done = true;
          this.h.onUpgrade(this.headers, this.conn.detach(), this.keep(buf));
          return true;
        }
        if (this.status < 200) {
          // 1xx (100 Continue, 103 Early Hints): skip and read the real response.
          this.status = 0;
          this.headers = NO_HEADERS;
          continue;
        }
        this.h.onHeaders(this.status, this.headers);
        if (this.remaining === 0) {
          this.complete();
          break;
        }
        continue;
      }
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, buf.length);
        const piece = take === buf.length ? buf : buf.subarray(0, take);
        this.remaining -= take;
        buf = buf.subarray(take);
        const more = this.h.onData(this.keep(piece));
        if (this.remaining === 0) {
          this.complete();
          break;
        }
        if (!more) return false;
        continue;
      }
      if (this.remaining === -2) {
        if (!this.h.onData(this.keep(buf))) return false;
        return true;
      }
      // chunked
      const r = this.chunked(buf);
      if (r === null) return false;
      buf = r;
    }
    if (buf.length > 0 && this.done) this.keepAlive = false; // bytes after the response: do not reuse
    return true;
  }

  private partial: Buffer | null = null;

  /** Chunked framing: returns what is left to parse, or null when paused or failed. */
  private chunked(input: Buffer): Buffer | null {
    let buf = this.partial ? Buffer.concat([this.partial, input]) : input;
    this.partial = null;
    for (;;) {
      if (this.chunkLeft > 0) {
        const take = Math.min(this.chunkLeft, buf.length);
        if (take === 0) return buf;
        const piece = buf.subarray(0, take);
        this.chunkLeft -= take;
        buf = buf.subarray(take);
        if (!this.h.onData(this.keep(piece))) {
          this.partial = buf.length ? this.keep(buf) : null;
          return this.done ? Buffer.alloc(0) : null;
        }
        continue;
      }
      const nl = buf.indexOf(CRLF);
      if (nl < 0) {
        if (buf.length > MAX_HEAD_BYTES) {
          this.fail('reset', new Error('bad chunk framing'));
          return null;
        }
        this.partial = buf.length ? this.keep(buf) : null;
        return Buffer.alloc(0);
      }
      const line = buf.toString('latin1', 0, nl);
      buf = buf.subarray(nl + 2);
      if (this.trailerMode) {
        if (line === '') {
          this.complete();
          return buf;
        }
        const c = line.indexOf(':');
        if (c > 0) (this.trailers ??= {})[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
        continue;
      }
      if (this.chunkLeft === 0) {
        // CRLF after a chunk's data
        if (line !== '') {
          this.fail('reset', new Error('bad chunk framing'));
          return null;
        }
        this.chunkLeft = -1;
        continue;
      }
      const size = parseInt(line, 16);
      if (!Number.isFinite(size) || size < 0) {
        this.fail('reset', new Error('bad chunk size'));
        return null;
      }
      if (size === 0) this.trailerMode = true;
      else this.chunkLeft = size;
    }
  }

  /** After back-pressure: parse what was held back when the handler paused us. */
  flush(): boolean {
    const p = this.partial;
    if (!p || this.done) return true;
    this.partial = null;
    return this.feed(p);
  }

  /** Parses the head in `buf` up to `end`; an upstream repeating its last head byte for byte is not parsed again. */
  private readHead(buf: Buffer, end: number): boolean {
    const pool = this.conn.pool;
    const last = pool.lastHead;
    let head: ParsedHead;
    if (last !== null && last.bytes.length === end && buf.compare(last.bytes, 0, end, 0, end) === 0) head = last;
    else {
      const parsed = parseHead(buf.toString('latin1', 0, end));
      if (typeof parsed === 'string') return this.fail('reset', new Error(parsed));
      // Worth keeping only when the next response may repeat it (a small head).
      const keep = end <= REPEAT_HEAD_MAX;
      head = { ...parsed, bytes: keep ? Buffer.from(buf.subarray(0, end)) : EMPTY };
      if (keep) pool.lastHead = head;
    }
    this.status = head.status;
    this.headers = head.headers;
    this.keepAlive = head.keepAlive;
    if (this.status < 200) return true;
    const noBody = this.req.method === 'HEAD' || this.status === 204 || this.status === 304;
    if (noBody) this.remaining = 0;
    else if (head.chunked) {
      this.remaining = -1;
      this.chunkLeft = -1;
    } else if (head.length >= 0) this.remaining = head.length;
    else {
      this.remaining = -2;
      this.keepAlive = false;
    }
    return true;
  }

  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.conn.pool.release(this.conn, this.keepAlive);
    this.h.onEnd(this.trailers);
  }

  /** The connection ended: the end of an until-close body, or a failure. */
  closed(err?: Error): void {
    if (this.done) return;
    if (this.remaining === -2 && this.status >= 200 && !err) {
      this.keepAlive = false;
      this.complete();
      return;
    }
    this.fail('reset', err ?? new Error('upstream connection closed'));
  }

  fail(kind: FailureKind, err: Error): false {
    if (!this.done) {
      this.done = true;
      this.keepAlive = false;
      this.conn.pool.release(this.conn, false);
      if (this.replay && kind === 'reset' && !this.gotBytes && !this.req.body) {
        this.delegate = this.conn.pool.dispatch(this.req, this.h, false);
      } else {
        this.h.onFailure(kind, err);
      }
    }
    return false;
  }

  abort(): void {
    if (this.delegate) return this.delegate.abort();
    if (!this.done) {
      this.done = true;
      this.conn.current = undefined;
      this.conn.socket.destroy();
    }
  }

  resume(): void {
    if (this.delegate) return this.delegate.resume();
    if (this.flush()) this.conn.socket.resume();
  }
}

class Connection {
  readonly socket: net.Socket;
  current?: Http1Call;
  used = 0;
  connected = false;
  idleSince = 0;

  /** After a 101 on a direct socket: what is read goes to the socket's own stream, for its new owner. */
  private streaming = false;

  constructor(host: string, port: number, connectTimeoutMs: number, readonly pool: Http1Pool, connect: Connector) {
    this.socket = connect(host, port);
    // A plain TCP socket reads into the shared buffer (direct-read.ts); TLS ones as streams ('data').
    readDirect(this.socket, this.onRead);
    const timer = setTimeout(() => this.socket.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT_CONNECT' })), connectTimeoutMs);
    timer.unref();
    // Over TLS the connection is up when the handshake is done: a failed one is a connect failure.
    const tls = connectedEvent(this.socket) === 'secureConnect';
    this.socket.once(connectedEvent(this.socket), () => {
      clearTimeout(timer);
      this.connected = true;
    });
    this.onError = (err: ConnectError) => {
      clearTimeout(timer);
      const ex = this.current;
      this.current = undefined;
      if (ex) {
        const connectFailure = !this.connected
          && (tls || CONNECT_CODES.has(err.code ?? '') || err.code === 'ETIMEDOUT_CONNECT' || err.code === NO_TLS_CERTIFICATES);
        ex.fail(connectFailure ? 'connect-failure' : 'reset', err);
      }
    };
    this.onClose = () => {
      clearTimeout(timer);
      this.pool.forget(this);
      const ex = this.current;
      this.current = undefined;
      ex?.closed();
    };
    this.socket.on('data', this.onData);
    this.socket.on('error', this.onError);
    this.socket.on('close', this.onClose);
  }

  private readonly onData = (d: Buffer): void => {
    const ex = this.current;
    if (!ex) {
      // Bytes while idle: the server is confused; this connection cannot be trusted.
      this.socket.destroy();
      return;
    }
    if (!ex.feed(d)) this.socket.pause();
  };

  /**
   * A direct read: `n` bytes in the shared read buffer, valid until this returns. No Readable
   * push, no 'data' event, no buffer allocated per read: on the proxy's hot path that stream
   * machinery cost more than parsing the response.
   */
  private readonly onRead = (n: number, buf: Buffer): boolean => {
    if (this.streaming) return streamOn(this.socket, n, buf);
    const ex = this.current;
    if (!ex) {
      this.socket.destroy();
      return false;
    }
    if (!ex.feed(buf.subarray(0, n), true)) {
      this.socket.pause();
      return false;
    }
    return true;
  };

  private readonly onError: (err: ConnectError) => void;
  private readonly onClose: () => void;

  /** After a 101: the socket leaves the pool, paused, with no listener of ours left on it. */
  detach(): net.Socket {
    this.socket.pause();
    this.streaming = true;
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    this.current = undefined;
    this.pool.forget(this);
    return this.socket;
  }
}

export interface Http1PoolOptions {
  connectTimeoutMs: number;
  /** Plain TCP by default; the cluster's TLS when it has a transport socket. */
  connect?: Connector;
  idleTimeoutMs?: number;
}

/** Keep-alive connections to one upstream host. */
export class Http1Pool {
  private readonly idle: Connection[] = [];
  /** The last response head read from this host (see REPEAT_HEAD_MAX). */
  lastHead: ParsedHead | null = null;
  private readonly all = new Set<Connection>();
  private closed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly opts: Http1PoolOptions,
  ) {}

  /** Open connections (idle or busy), for the admin /clusters page. */
  get connections(): number {
    return this.all.size;
  }

  forget(c: Connection): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** An exchange on `c` ended: the connection goes back to the idle list, or is closed. */
  release(c: Connection, reusable: boolean): void {
    c.current = undefined;
    if (!reusable || this.closed || c.socket.destroyed) {
      c.socket.destroy();
      return;
    }
    c.socket.resume();
    c.idleSince = Date.now();
    this.idle.push(c);
    this.sweeper ??= setInterval(() => this.sweep(), 1000).unref();
  }

  private sweeper?: NodeJS.Timeout;

  /** Drops connections idle for longer than the idle timeout (oldest are at the front). */
  private sweep(): void {
    const limit = Date.now() - (this.opts.idleTimeoutMs ?? DEFAULT_IDLE_MS);
    while (this.idle.length && this.idle[0].idleSince < limit) this.idle.shift()!.socket.destroy();
    if (!this.idle.length && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  private acquire(): Connection {
    while (this.idle.length) {
      const c = this.idle.pop()!;
      if (!c.socket.destroyed && c.socket.writable) return c;
    }
    const c = new Connection(this.host, this.port, this.opts.connectTimeoutMs, this, this.opts.connect ?? plainConnector);
    this.all.add(c);
    return c;
  }

  send(req: UpstreamRequest, h: UpstreamHandler): UpstreamCall {
    return this.dispatch(req, h, true);
  }

  /** Sends on an idle or new connection; `mayRetryStale`: a reused one may be replayed once. */
  dispatch(req: UpstreamRequest, h: UpstreamHandler, mayRetryStale: boolean): UpstreamCall {
    const conn = this.acquire();
    const ex = new Http1Call(conn, req, h, mayRetryStale && conn.used > 0);
    conn.used++;
    conn.current = ex;
    const socket = conn.socket;
    if (!req.body) {
      writeDirect(socket, serializeHead(req));
      return ex;
    }
    // Head and body leave in one writev rather than one write per piece: a buffered body is
    // emitted (and ended) over the next ticks, so the socket stays corked until the event loop's
    // check phase. A body still arriving is sent as it comes (see pipeBody).
    socket.cork();
    socket.write(serializeHead(req), 'latin1');
    pipeBody(req.body, socket, req.headers['content-length'] === undefined);
    setImmediate(uncork, socket);
    return ex;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const c of this.all) c.socket.destroy();
    this.all.clear();
    this.idle.length = 0;
  }
}

function serializeHead(req: UpstreamRequest): string {
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${req.authority}\r\n`;
  const h = req.headers;
  for (const k in h) {
    if (k === 'host') continue;
    const v = h[k];
    if (Array.isArray(v)) for (const x of v) head += `${k}: ${x}\r\n`;
    else head += `${k}: ${v}\r\n`;
  }
  if (req.body && h['content-length'] === undefined) head += 'transfer-encoding: chunked\r\n';
  return `${head}\r\n`;
}

/** Streams a request body, chunk-encoding it when its length is unknown. */
function pipeBody(body: Readable, socket: net.Socket, chunked: boolean): void {
  body.on('data', (c: Buffer) => {
    if (c.length === 0) return;
    if (!chunked) {
      if (!socket.write(c)) pauseUntilDrain(body, socket);
      return;
    }
    // Size line, data and CRLF in one writev (and with whatever else this tick writes).
    if (!socket.writableCorked) {
      socket.cork();
      process.nextTick(uncork, socket);
    }
    socket.write(`${c.length.toString(16)}\r\n`, 'latin1');
    socket.write(c);
    if (!socket.write(CRLF)) pauseUntilDrain(body, socket);
  });
  body.on('end', () => {
    if (chunked) socket.write('0\r\n\r\n');
  });
  body.on('error', () => socket.destroy());
}

function pauseUntilDrain(body: Readable, socket: net.Socket): void {
  body.pause();
  socket.once('drain', () => body.resume());
}

function uncork(socket: net.Socket): void {
  socket.uncork();
}
