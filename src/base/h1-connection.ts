// A lean HTTP/1.1 server connection, for the sidecar's downstream listeners (dataplane/http) and
// `local serve`'s API listener (server/http-server.ts). Node's http.Server costs, per request, an
// llhttp pass, an IncomingMessage and a ServerResponse (both streams), a keep-alive timer and the
// write path of OutgoingMessage; on the proxy's hot path that was about a quarter of its CPU.
// Here a request head is parsed once in JS (h1-parser.ts), the request and response are small
// objects with just what their users read (the proxy's Exchange: dataplane/http/downstream.ts),
// a body stream exists only for requests that have a body, and a response's head goes out with
// its body in one write.
// Timeouts (headers, keep-alive) are swept by one shared coarse timer, not armed per request.
//
// Requests on a connection are served one at a time, in order: pipelined requests wait in the
// buffer until the response before them has ended. Rare protocols are not re-implemented: an
// upgrade request (WebSocket, h2c) or CONNECT hands the connection, with the bytes read so far,
// to Node's http.Server (as does a request the user's handOffWhen picks); the HTTP/2 preface
// hands it to the HTTP/2 server (or, without one, to Node's http.Server, which refuses it).

import { STATUS_CODES, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'http';
import type * as net from 'net';
import { Readable } from 'stream';
import { readDirect, streamOn } from './direct-read';
import { writeDirect } from './direct-write';
import { ChunkedDecoder, MAX_HEAD_BYTES, looksLikeH2, parseRequestHead, rawHeaderList, type RequestHead } from './h1-parser';

/** What Node's http.Server (with our clientError handler) answers to a malformed request. */
export const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';
const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const EXPECTATION_FAILED = 'HTTP/1.1 417 Expectation Failed\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n';
/** How long a closing connection still reads (and drops) a request body the client is sending. */
const DELAYED_CLOSE_MS = 1_000;
/** Pipelined bytes buffered behind a response in flight before the socket is paused. */
const PIPELINE_BUFFER = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
/** Request heads up to this size are kept to recognise a repeat (see H1Connection.parseHead). */
const REPEAT_HEAD_MAX = 1024;

/** A request head and its text (H1Request builds rawHeaders from the text only when asked). */
interface ParsedHead {
  head: RequestHead;
  text: string;
}
/** A header name or value Node's writeHead would refuse (response splitting). */
const BAD_NAME = /[^!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

export interface H1Options {
  /** Node's headersTimeout: the whole head within this (ms) of its first byte (or of the connection). */
  headersTimeoutMs: number;
  /** Node's keepAliveTimeout: an idle kept-alive connection is closed after this (ms). */
  keepAliveTimeoutMs: number;
  /**
   * Node's requestTimeout: the whole request, body included, within this (ms) of its head's first
   * byte, else 408 and close (a client trickling a body cannot hold a connection for ever).
   * Absent or 0: none (the sidecar streams bodies, as Envoy, without a limit).
   */
  requestTimeoutMs?: number;
}

export interface H1Handlers {
  onRequest(req: H1Request, res: H1Response): void;
  /** An upgrade or CONNECT request: Node's http.Server takes the connection (its bytes unshifted). */
  handOff(socket: net.Socket): void;
  /** The HTTP/2 connection preface (prior knowledge): the HTTP/2 server takes the connection (absent: handOff). */
  http2?(socket: net.Socket): void;
  /** A request that Node's http.Server should serve (with the rest of its connection): handOff takes it. */
  handOffWhen?(head: RequestHead): boolean;
}

// ---- the shared sweep: headers timeout, keep-alive timeout, the cached Date -------------------

const SWEEP_MS = 1_000;
const live = new Set<H1Connection>();
let sweeper: NodeJS.Timeout | undefined;
/** Epoch ms, refreshed by the sweep (exact enough for timeouts counted in seconds). */
let coarseNow = Date.now();

function track(c: H1Connection): void {
  live.add(c);
  if (!sweeper) {
    coarseNow = Date.now();
    sweeper = setInterval(sweep, SWEEP_MS).unref();
  }
}

function untrack(c: H1Connection): void {
  live.delete(c);
  if (live.size === 0 && sweeper) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

function sweep(): void {
  coarseNow = Date.now();
  for (const c of live) c.checkTimeouts(coarseNow);
}

let dateValue = '';
let dateUntil = 0;
/** The Date header value, recomputed at most once a second (as Node's utcDate does). */
function httpDate(): string {
  const now = Date.now();
  if (now >= dateUntil) {
    dateValue = new Date(now).toUTCString();
    dateUntil = now - (now % 1000) + 1000;
  }
  return dateValue;
}

// ---- request and response --------------------------------------------------------------------

/** A request: what the proxy's Exchange and the API server read (method, target, headers, socket, body). */
export class H1Request {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly headers: IncomingHttpHeaders;
  /** The body, for a request that has one (content-length > 0 or chunked). */
  bodySource: Readable | null = null;

  constructor(head: RequestHead, readonly socket: net.Socket, private readonly headText: string) {
    this.method = head.method;
    this.url = head.url;
    this.httpVersion = head.httpVersion;
    this.headers = head.headers;
  }

  /** As IncomingMessage.rawHeaders (built on demand: only signature checks read it). */
  get rawHeaders(): string[] {
    return rawHeaderList(this.headText);
  }
}

/**
 * A downstream response with ServerResponse's semantics where the Exchange relies on them: the
 * head is held until the first body bytes (or end) and leaves with them in one write; no length
 * → chunked (HTTP/1.1) or until close (HTTP/1.0); HEAD, 204 and 304 carry no body; trailers go
 * out with a chunked end; 'close' is told when the connection closes before the response ended.
 */
export class H1Response {
  headersSent = false;
  writableFinished = false;
  private head = '';
  private hasBody = true;
  private chunked = false;
  /** Trailer lines, sent with the last chunk of a chunked response. */
  private trailers = '';
  private closeListener?: () => void;

  constructor(
    private readonly conn: H1Connection,
    readonly socket: net.Socket,
    private readonly isHead: boolean,
    private readonly http10: boolean,
    /** Cleared when this response must close the connection. */
    public keepAlive: boolean,
  ) {}

  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    if (this.headersSent) throw new Error('ERR_HTTP_HEADERS_SENT');
    return this.sendHead(status, headers ? headerBlock(headers) : NO_BLOCK, NO_BLOCK);
  }

  /**
   * writeHead(status, {...base, ...extra}) where `base` is a frozen object handed in again and
   * again (the proxy's forwarded upstream headers while the upstream repeats its head): its lines
   * are checked and serialised once, and only `extra` (whose names must not be in `base`) per
   * response.
   */
  writeHeadWith(status: number, base: Readonly<OutgoingHttpHeaders>, extra: OutgoingHttpHeaders): this {
    if (this.headersSent) throw new Error('ERR_HTTP_HEADERS_SENT');
    let block = Object.isFrozen(base) ? blockCache.get(base) : undefined;
    if (!block) {
      block = headerBlock(base);
      if (Object.isFrozen(base)) blockCache.set(base, block);
    }
    return this.sendHead(status, block, headerBlock(extra));
  }

  private sendHead(status: number, a: HeaderBlock, b: HeaderBlock): this {
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'unknown'}\r\n${a.lines}${b.lines}`;
    // As ServerResponse: the caller's `connection: close` ends the connection after this response.
    const connection = b.connection ?? a.connection;
    let keepAlive = this.keepAlive;
    if (connection !== undefined && connection.toLowerCase() === 'close') keepAlive = false;
    if (connection !== undefined && keepAlive) head += `connection: ${connection}\r\n`;
    this.keepAlive = keepAlive;
    this.hasBody = !(this.isHead || status === 204 || status === 304 || (status >= 100 && status < 200));
    if (this.hasBody && !a.length && !b.length) {
      if (a.te || b.te) this.chunked = true;
      else if (this.http10) this.keepAlive = false;
      else {
        this.chunked = true;
        head += 'transfer-encoding: chunked\r\n';
      }
    }
    if (!a.date && !b.date) head += `date: ${httpDate()}\r\n`;
    if (!this.keepAlive) head += 'connection: close\r\n';
    else if (this.http10) head += 'connection: keep-alive\r\n';
    this.head = `${head}\r\n`;
    this.headersSent = true;
    return this;
  }

  write(chunk: Buffer): boolean {
    if (this.writableFinished) return false;
    if (!this.headersSent) this.writeHead(200);
    if (!this.hasBody || chunk.length === 0) {
      if (this.head) return this.flushHead();
      return true;
    }
    return writeDirect(this.socket, this.frame(chunk, false));
  }

  end(chunk?: Buffer | string): this {
    if (this.writableFinished) return this;
    if (!this.headersSent) this.writeHead(200);
    this.writableFinished = true;
    // A string body is encoded straight into the buffer that carries the head.
    if (this.hasBody && ((chunk && chunk.length) || this.chunked)) writeDirect(this.socket, this.frame(chunk, true));
    else if (this.head) this.flushHead();
    this.conn.responseEnded(this);
    return this;
  }

  /** As ServerResponse: invalid names or values throw here; trailers only go out on a chunked response. */
  addTrailers(trailers: OutgoingHttpHeaders): void {
    let lines = '';
    for (const name in trailers) {
      const v = trailers[name];
      if (v === undefined) continue;
      if (BAD_NAME.test(name)) throw new Error(`ERR_INVALID_HTTP_TOKEN: ${name}`);
      if (Array.isArray(v)) for (const x of v) lines += headerLine(name, x);
      else lines += headerLine(name, v);
    }
    this.trailers = lines;
  }

  on(event: 'close', listener: () => void): this {
    if (event === 'close') this.closeListener = listener;
    return this;
  }

  once(event: 'drain', listener: () => void): this {
    this.socket.once(event, listener);
    return this;
  }

  /** The connection closed before this response ended. */
  closed(): void {
    this.closeListener?.();
  }

  private flushHead(): boolean {
    const head = this.head;
    this.head = '';
    return writeDirect(this.socket, head);
  }

  /** The pending head, then `body` (chunk-framed when chunked, with the last chunk and trailers on `last`). */
  private frame(body: Buffer | string | undefined, last: boolean): Buffer {
    const head = this.head;
    this.head = '';
    let prefix = head;
    let suffix = '';
    const n = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (this.chunked) {
      if (n > 0) {
        prefix += `${n.toString(16)}\r\n`;
        suffix = '\r\n';
      }
      if (last) {
        suffix += `0\r\n${this.trailers}\r\n`;
      }
    }
    const out = Buffer.allocUnsafe(prefix.length + n + suffix.length);
    let at = out.write(prefix, 0, 'latin1');
    if (typeof body === 'string') at += out.write(body, at, 'utf8');
    else if (body) at += body.copy(out, at);
    if (suffix) out.write(suffix, at, 'latin1');
    return out;
  }
}

/** Ends a body stream that will get no more bytes; an error only reaches a reader that listens for one. */
function abort(body: Readable, err: Error): void {
  if (body.listenerCount('error') > 0) body.destroy(err);
  else body.destroy();
}

/** Header lines checked and serialised (Connection kept aside), with what the head's framing needs to know. */
interface HeaderBlock {
  readonly lines: string;
  readonly length: boolean;
  readonly date: boolean;
  readonly te: boolean;
  /** The last Connection value given (written, or not, by sendHead). */
  readonly connection: string | undefined;
}

const NO_BLOCK: HeaderBlock = { lines: '', length: false, date: false, te: false, connection: undefined };
/** Blocks of frozen header objects that come back (writeHeadWith). */
const blockCache = new WeakMap<object, HeaderBlock>();

/** Throws, as writeHead does, on a name or value that would split the response. */
function headerBlock(headers: Readonly<OutgoingHttpHeaders>): HeaderBlock {
  let lines = '';
  let length = false;
  let date = false;
  let te = false;
  let connection: string | undefined;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    if (BAD_NAME.test(name)) throw new Error(`ERR_INVALID_HTTP_TOKEN: ${name}`);
    if (name === 'content-length') length = true;
    else if (name === 'date') date = true;
    else if (name === 'transfer-encoding') te = true;
    else if (name === 'connection') {
      connection = String(v);
      continue;
    }
    if (Array.isArray(v)) {
      for (const x of v) lines += headerLine(name, x);
    } else lines += headerLine(name, v as string | number);
  }
  return { lines, length, date, te, connection };
}

function headerLine(name: string, value: string | number | readonly string[]): string {
  const s = typeof value === 'string' ? value : String(value);
  if (BAD_VALUE.test(s)) throw new Error(`ERR_INVALID_CHAR: header ${name}`);
  return `${name}: ${s}\r\n`;
}

// ---- the connection --------------------------------------------------------------------------

export class H1Connection {
  /** Bytes read and not parsed yet. */
  private buf: Buffer | null = null;
  private res: H1Response | null = null;
  /** Body framing of the current request: bytes left (content-length), or a chunked decoder. */
  private bodyLeft = 0;
  private chunks: ChunkedDecoder | null = null;
  /** Where body bytes go; null once nobody reads them (the response ended first). */
  private body: Readable | null = null;
  private busy = false;
  private done = false;
  private first = true;
  /** We paused the socket (body back-pressure, or pipelined bytes piling up). */
  private paused = false;
  /** When the head being awaited started (0: none awaited), and since when the connection idles. */
  private headSince: number;
  private idleSince = 0;
  /** When the request whose body is still coming began (0: none). */
  private requestSince = 0;
  /** The last request head parsed on this connection, and its bytes (see parseHead). */
  private lastHead: (ParsedHead & { bytes: Buffer }) | null = null;

  constructor(
    readonly socket: net.Socket,
    private readonly h: H1Handlers,
    private readonly opts: H1Options,
  ) {
    track(this);
    this.headSince = coarseNow;
    // Bytes a socket already holds (unshifted by a previous owner) arrive as 'data'; a fresh
    // plain socket then reads directly (direct-read.ts).
    socket.on('data', this.onData);
    socket.on('close', this.onClose);
    readDirect(socket, this.onDirectRead);
  }

  /** Set while onData works on the shared direct-read buffer: what outlives the call is copied. */
  private ephemeral = false;
  /** Handed to another server: direct reads go to the socket's stream for it. */
  private handedOff = false;

  private readonly onDirectRead = (n: number, shared: Buffer): boolean => {
    if (this.handedOff) return streamOn(this.socket, n, shared);
    this.ephemeral = true;
    try {
      this.onData(shared.subarray(0, n));
    } finally {
      this.ephemeral = false;
    }
    // Unparsed bytes (a partial head, pipelined requests) wait for the next read: keep a copy.
    const rest = this.buf;
    if (rest !== null && rest.buffer === shared.buffer) this.buf = Buffer.from(rest);
    return true;
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.done) return;
    if (this.first) {
      this.first = false;
      if (looksLikeH2(chunk)) return this.h.http2 ? this.detach(chunk, this.h.http2, false) : this.detach(chunk, this.h.handOff, true);
    }
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    this.process();
    if (this.res !== null && !this.paused && this.buf !== null && this.buf.length > PIPELINE_BUFFER && !this.bodyPending()) {
      this.pause();
    }
  };

  private readonly onClose = (): void => {
    this.done = true;
    untrack(this);
    const res = this.res;
    this.res = null;
    if (res && !res.writableFinished) res.closed();
    const body = this.body;
    if (body) {
      this.body = null;
      abort(body, Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    }
  };

  private bodyPending(): boolean {
    return this.bodyLeft > 0 || this.chunks !== null;
  }

  /** Parses what is buffered: body bytes of the current request, then the next head when no response is in flight. */
  private process(): void {
    if (this.busy) return;
    this.busy = true;
    try {
      while (!this.done) {
        if (this.bodyPending()) {
          if (this.buf === null || !this.readBody(this.buf)) break;
          continue;
        }
        if (this.res !== null || this.buf === null) break;
        if (!this.readHead(this.buf)) break;
      }
    } finally {
      this.busy = false;
    }
  }

  /** Reads one request head from `buf` and starts the exchange; false when more bytes are needed. */
  private readHead(input: Buffer): boolean {
    let start = 0;
    // Node skips CR and LF bytes before a request line (an empty line after a body, say).
    while (start < input.length && (input[start] === 13 || input[start] === 10)) start++;
    const end = input.indexOf(HEAD_END, start);
    if (end < 0 || end - start > MAX_HEAD_BYTES) {
      if (input.length - start > MAX_HEAD_BYTES) this.badRequest();
      else {
        if (this.headSince === 0) this.headSince = coarseNow;
        if (start > 0) this.buf = start < input.length ? input.subarray(start) : null;
      }
      return false;
    }
    const parsed = this.parseHead(input, start, end);
    if (!parsed) {
      this.badRequest();
      return false;
    }
    const head = parsed.head;
    if (head.upgrade || this.h.handOffWhen?.(head)) {
      this.detach(start > 0 ? input.subarray(start) : input, this.h.handOff, true);
      return false;
    }
    const rest = end + 4;
    this.buf = rest < input.length ? input.subarray(rest) : null;
    this.requestSince = this.headSince || coarseNow;
    this.headSince = 0;
    this.idleSince = 0;
    // As Node's server (without a checkContinue listener): 100 Continue at once; other expectations → 417.
    if (head.expect && head.httpVersion === '1.1') {
      if (head.expect !== '100-continue') {
        this.finishWith(EXPECTATION_FAILED);
        return false;
      }
      this.socket.write(CONTINUE, 'latin1');
    }
    this.start(head, parsed.text);
    return true;
  }

  /**
   * A client on a kept-alive connection often sends the same head again (the same call in a
   * loop, a health check): the last one is kept and compared byte for byte (one memcmp), which
   * spares decoding and parsing it. Its headers object is frozen, as requests then share it.
   */
  private parseHead(input: Buffer, start: number, end: number): ParsedHead | undefined {
    const last = this.lastHead;
    const n = end - start;
    if (last !== null && last.bytes.length === n && input.compare(last.bytes, 0, n, start, end) === 0) return last;
    const text = input.toString('latin1', start, end);
    const head = parseRequestHead(text);
    if (!head) return undefined;
    if (head.upgrade || n > REPEAT_HEAD_MAX) return { head, text };
    Object.freeze(head.headers);
    this.lastHead = { bytes: Buffer.from(input.subarray(start, end)), head: Object.freeze(head), text };
    return this.lastHead;
  }

  private start(head: RequestHead, text: string): void {
    const req = new H1Request(head, this.socket, text);
    const res = new H1Response(this, this.socket, head.method === 'HEAD', head.httpVersion !== '1.1', head.keepAlive);
    if (head.bodyLength !== 0) {
      if (head.bodyLength > 0) this.bodyLeft = head.bodyLength;
      else this.chunks = new ChunkedDecoder();
      req.bodySource = this.body = this.bodyStream();
    }
    this.res = res;
    // drain.ts tells an idle HTTP/1.1 connection by node:http's current-response slot.
    (this.socket as net.Socket & { _httpMessage?: unknown })._httpMessage = res;
    this.h.onRequest(req, res);
  }

  private bodyStream(): Readable {
    const body: Readable = new Readable({
      autoDestroy: false,
      read: () => {
        if (this.paused && this.body === body) this.resume();
      },
      destroy: (err, cb) => {
        // Destroyed by its reader before the end (over the size limit): the connection goes, as
        // IncomingMessage.destroy() takes its socket down.
        if (this.body === body) {
          this.body = null;
          this.socket.destroy();
        }
        cb(err);
      },
    });
    return body;
  }

  /** Feeds buffered body bytes to the current request; false when more bytes are needed. */
  private readBody(input: Buffer): boolean {
    let used: number;
    if (this.chunks !== null) {
      used = this.chunks.feed(input, 0, this.deliver);
      if (used < 0) {
        this.badRequest();
        return false;
      }
      if (this.chunks.done) this.chunks = null;
    } else {
      used = Math.min(this.bodyLeft, input.length);
      this.deliver(used === input.length ? input : input.subarray(0, used));
      this.bodyLeft -= used;
    }
    this.buf = used < input.length ? input.subarray(used) : null;
    if (!this.bodyPending()) {
      this.requestSince = 0;
      const body = this.body;
      this.body = null;
      body?.push(null);
      return true;
    }
    return this.buf !== null;
  }

  private readonly deliver = (piece: Buffer): void => {
    if (this.body !== null && !this.body.push(this.ephemeral ? Buffer.from(piece) : piece) && !this.paused) this.pause();
  };

  /** The response ended: the next request is read once this one's body is in (or discarded). */
  responseEnded(res: H1Response): void {
    if (this.res !== res) return;
    this.res = null;
    (this.socket as net.Socket & { _httpMessage?: unknown })._httpMessage = null;
    if (!res.keepAlive) {
      this.done = true;
      this.socket.end();
      if (this.bodyPending()) this.dropRestOfBody();
      return;
    }
    // Nobody reads the rest of the body now: it is read and dropped (as Node dumps it).
    if (this.body !== null) this.body = null;
    this.idleSince = coarseNow;
    if (this.paused) this.resume();
    // A pipelined request starts after the caller's stack unwinds (its exchange finishes first).
    if (this.buf !== null || this.bodyPending()) process.nextTick(this.processLater);
  }

  private readonly processLater = (): void => this.process();

  /**
   * The connection closes with a request body still coming (a 413 before it was read): what
   * arrives is read and dropped, so that closing does not reset the connection under the answer
   * before the client read it; for at most DELAYED_CLOSE_MS (Envoy's delayed_close_timeout).
   */
  private dropRestOfBody(): void {
    this.body = null;
    this.buf = null;
    if (this.paused) this.resume();
    setTimeout(() => this.socket.destroy(), DELAYED_CLOSE_MS).unref();
  }

  private pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  private resume(): void {
    this.paused = false;
    this.socket.resume();
  }

  /** A malformed request (or body framing): 400 and close, as our clientError handler answers Node's parser. */
  private badRequest(): void {
    const res = this.res;
    if (res && res.headersSent) {
      this.done = true;
      this.socket.destroy();
      return;
    }
    this.finishWith(BAD_REQUEST);
  }

  private finishWith(answer: string): void {
    this.done = true;
    this.buf = null;
    const body = this.body;
    this.body = null;
    if (body) abort(body, new Error('bad request body framing'));
    if (this.socket.writable) this.socket.end(answer, 'latin1');
    else this.socket.destroy();
  }

  /** Another server takes the connection, `bytes` first. */
  private detach(bytes: Buffer, to: (socket: net.Socket) => void, resume: boolean): void {
    this.done = true;
    this.buf = null;
    this.handedOff = true;
    untrack(this);
    const s = this.socket;
    s.off('data', this.onData);
    s.off('close', this.onClose);
    s.pause();
    s.unshift(this.ephemeral ? Buffer.from(bytes) : bytes);
    to(s);
    // An HTTP/2 session drains the socket's buffered bytes itself.
    if (resume) s.resume();
  }

  /**
   * The shared sweep: a head that takes too long gets 400, a body that takes too long 408 (or the
   * connection closes, when the answer has begun); a kept-alive connection idle too long closes.
   */
  checkTimeouts(now: number): void {
    if (this.done) return;
    const requestTimeout = this.opts.requestTimeoutMs;
    if (this.headSince !== 0 && this.res === null && now - this.headSince >= this.opts.headersTimeoutMs) this.finishWith(BAD_REQUEST);
    else if (requestTimeout && this.requestSince !== 0 && this.bodyPending() && now - this.requestSince >= requestTimeout) {
      // An answer begun (or already sent, the rest of the body being dropped) cannot become a 408.
      if (this.res === null || this.res.headersSent) {
        this.done = true;
        this.socket.destroy();
      } else this.finishWith(REQUEST_TIMEOUT);
    }
    else if (this.idleSince !== 0 && this.res === null && this.buf === null && now - this.idleSince >= this.opts.keepAliveTimeoutMs) {
      this.done = true;
      this.socket.destroy();
    }
  }
}

/** Serves an HTTP/1.1 connection (HTTP/2 by its preface, upgrades and CONNECT handed off). */
export function serveHttp1(socket: net.Socket, h: H1Handlers, opts: H1Options): void {
  new H1Connection(socket, h, opts);
}
