// The HTTP/1.1 request side of the lean servers (h1-connection.ts: the sidecar's downstream
// listeners and `local serve`'s API listener): a request head parsed once from the bytes, with the strictness of Node's llhttp where it matters (what Node
// answers with 400 is rejected here too) and the headers object Node's IncomingMessage would
// build (lower-case names, duplicates joined by Node's rules: routing and header matches read
// it), and a chunked body decoder that takes input split at any byte.

import { METHODS, type IncomingHttpHeaders } from 'http';

/** Node's default --max-http-header-size: a longer head is a bad request. */
export const MAX_HEAD_BYTES = 16 * 1024;

const KNOWN_METHODS = new Set(METHODS);
/** A header field name (RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Control characters other than HTAB, CR and LF: never valid in a head. */
const BAD_HEAD_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
/** A CR not followed by LF, or an LF not preceded by CR (Node rejects bare line ends and obs-fold runs with them). */
const BARE_LINE_END = /\r(?!\n)|(?<!\r)\n/;
/** A request target: visible ASCII only (Node rejects spaces, controls and bytes ≥ 0x80). */
const BAD_TARGET_CHAR = /[^\x21-\x7e]/;
const DIGITS = /^[0-9]+$/;
/** An absolute-form target's scheme (llhttp accepts origin-form `/…`, `*`, or `scheme://…`). */
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

// How Node's IncomingMessage merges a repeated header (lib/_http_incoming.js matchKnownFields).
const JOIN = 0;
const ARRAY = 1;
const COOKIE = 2;
const FIRST = 3;
const DUPLICATES: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, {
  'set-cookie': ARRAY,
  cookie: COOKIE,
  age: FIRST, host: FIRST, from: FIRST, etag: FIRST, server: FIRST, referer: FIRST, expires: FIRST, location: FIRST,
  'user-agent': FIRST, 'retry-after': FIRST, 'content-type': FIRST, 'max-forwards': FIRST, authorization: FIRST,
  'last-modified': FIRST, 'content-length': FIRST, 'if-modified-since': FIRST, 'proxy-authorization': FIRST,
  'if-unmodified-since': FIRST,
});

/** Adds a header (lower-case name) to an IncomingMessage-style object, merging a repeat by Node's rules. */
export function addHeader(headers: IncomingHttpHeaders, name: string, value: string): void {
  const prev = headers[name];
  if (prev === undefined) {
    headers[name] = name === 'set-cookie' ? [value] : value;
    return;
  }
  const mode = DUPLICATES[name] ?? JOIN;
  if (mode === JOIN) headers[name] = `${prev as string}, ${value}`;
  else if (mode === ARRAY) (prev as string[]).push(value);
  else if (mode === COOKIE) headers[name] = `${prev as string}; ${value}`;
}

export interface RequestHead {
  method: string;
  url: string;
  /** "1.1", "1.0". */
  httpVersion: string;
  headers: IncomingHttpHeaders;
  /** Whether the connection stays open after this exchange (HTTP/1.1 without `close`, HTTP/1.0 with `keep-alive`). */
  keepAlive: boolean;
  /** Body framing: bytes of a content-length body, or -1 for chunked (0: no body). */
  bodyLength: number;
  /** CONNECT, or `Connection: upgrade` with an Upgrade header: served by Node's http.Server. */
  upgrade: boolean;
  /** The value of Expect, lower case ('' when absent). */
  expect: string;
}

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/** Whether a connection's first bytes start the HTTP/2 preface (three bytes are enough to tell). */
export function looksLikeH2(first: Buffer): boolean {
  const n = Math.min(first.length, H2_PREFACE.length);
  return n >= 3 && first.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
}

/**
 * The header lines of a head (as parseRequestHead takes it) as Node's rawHeaders list: names as
 * sent, values without optional whitespace, repeats kept apart. Only signature checks need it.
 */
export function rawHeaderList(text: string): string[] {
  const out: string[] = [];
  let pos = text.indexOf('\r\n');
  if (pos < 0) return out;
  pos += 2;
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', pos);
    out.push(text.slice(pos, colon), ows(text, colon + 1, end));
    pos = end + 2;
  }
  return out;
}

/** Strips HTTP's optional whitespace (SP, HTAB) — not String.trim(), which also eats NBSP. */
function ows(s: string, from: number, to: number): string {
  while (from < to && (s.charCodeAt(from) === 32 || s.charCodeAt(from) === 9)) from++;
  while (to > from && (s.charCodeAt(to - 1) === 32 || s.charCodeAt(to - 1) === 9)) to--;
  return s.slice(from, to);
}

function hasToken(list: string, token: string): boolean {
  for (const t of list.split(',')) if (t.trim().toLowerCase() === token) return true;
  return false;
}

/**
 * Parses a request head: `text` is the head up to, not including, its final CRLF CRLF (latin1).
 * Returns undefined for a request Node would answer with 400.
 */
export function parseRequestHead(text: string): RequestHead | undefined {
  if (BAD_HEAD_CHAR.test(text) || BARE_LINE_END.test(text)) return undefined;
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  // Request line: method SP target SP HTTP/d.d (Node tolerates repeated spaces).
  const sp1 = text.indexOf(' ');
  if (sp1 <= 0 || sp1 > eol) return undefined;
  const method = text.slice(0, sp1);
  if (!KNOWN_METHODS.has(method)) return undefined;
  let t = sp1;
  while (text.charCodeAt(t) === 32) t++;
  const sp2 = text.indexOf(' ', t);
  if (sp2 < 0 || sp2 > eol) return undefined;
  const url = text.slice(t, sp2);
  if (url.length === 0 || BAD_TARGET_CHAR.test(url)) return undefined;
  const c0 = url.charCodeAt(0);
  // CONNECT's authority-form target is checked by Node's server, which takes CONNECT requests.
  if (c0 !== 47 /* / */ && c0 !== 42 /* * */ && method !== 'CONNECT' && !ABSOLUTE_FORM.test(url)) return undefined;
  let v = sp2;
  while (text.charCodeAt(v) === 32) v++;
  if (eol - v !== 8 || !text.startsWith('HTTP/', v)) return undefined;
  const major = text.charCodeAt(v + 5) - 48;
  const minor = text.charCodeAt(v + 7) - 48;
  if (major < 0 || major > 9 || minor < 0 || minor > 9 || text.charCodeAt(v + 6) !== 46) return undefined;

  const headers: IncomingHttpHeaders = {};
  let contentLength = -1;
  let transferEncoding: string | undefined;
  let connection = '';
  let pos = eol + 2;
  while (pos < text.length) {
    let end = text.indexOf('\r\n', pos);
    if (end < 0) end = text.length;
    const colon = text.indexOf(':', pos);
    if (colon <= pos || colon > end) return undefined;
    const rawName = text.slice(pos, colon);
    if (!TOKEN.test(rawName)) return undefined;
    const name = rawName.toLowerCase();
    const value = ows(text, colon + 1, end);
    pos = end + 2;
    if (name === 'content-length') {
      // Node rejects any second Content-Length, even an equal one.
      if (contentLength >= 0 || !DIGITS.test(value)) return undefined;
      contentLength = Number(value);
      if (!Number.isSafeInteger(contentLength)) return undefined;
    } else if (name === 'transfer-encoding') {
      transferEncoding = transferEncoding === undefined ? value : `${transferEncoding}, ${value}`;
    } else if (name === 'connection') {
      connection = connection ? `${connection}, ${value}` : value;
    }
    addHeader(headers, name, value);
  }

  let bodyLength = contentLength > 0 ? contentLength : 0;
  if (transferEncoding !== undefined) {
    // A request's last transfer coding must be chunked, and never beside Content-Length (smuggling).
    if (contentLength >= 0) return undefined;
    const codings = transferEncoding.split(',');
    if (codings[codings.length - 1].trim().toLowerCase() !== 'chunked') return undefined;
    for (let i = 0; i < codings.length - 1; i++) if (codings[i].trim().toLowerCase() === 'chunked') return undefined;
    bodyLength = -1;
  }
  const http11 = major === 1 && minor === 1;
  // Node's http.Server answers an HTTP/1.1 request without Host with 400.
  if (http11 && headers.host === undefined) return undefined;
  const conn = connection.toLowerCase();
  const keepAlive = conn === '' ? http11 : http11 ? !hasToken(conn, 'close') : major === 1 && hasToken(conn, 'keep-alive') && !hasToken(conn, 'close');
  const upgrade = method === 'CONNECT' || (headers.upgrade !== undefined && conn !== '' && hasToken(conn, 'upgrade'));
  const expect = headers.expect;
  return {
    method, url, httpVersion: `${major}.${minor}`, headers, keepAlive, bodyLength, upgrade,
    expect: expect === undefined ? '' : (expect as string).toLowerCase(),
  };
}

// Chunked decoder states.
const SIZE = 0;
const EXT = 1;
const SIZE_LF = 2;
const DATA = 3;
const DATA_CR = 4;
const DATA_LF = 5;
const LINE_START = 6;
const TRAILER = 7;
const TRAILER_LF = 8;
const LAST_LF = 9;
const DONE = 10;
const EXT_START = 11;
const TRAILER_VALUE = 12;

/** RFC 9110 token characters (header names, chunk extension names). */
const TOKEN_CHAR = new Uint8Array(256);
for (const ch of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TOKEN_CHAR[ch.charCodeAt(0)] = 1;

/** A byte that may not appear in a chunk extension or trailer value (CTLs but HTAB; CR ends the line). */
function badLineByte(c: number): boolean {
  return (c < 32 && c !== 9) || c === 127;
}

/** Largest chunk size accepted (llhttp's limit is 2^64; ours keeps the arithmetic exact). */
const MAX_CHUNK = 2 ** 48;

/** Decodes a chunked request body fed in pieces split anywhere; chunk extensions and trailers are skipped. */
export class ChunkedDecoder {
  private state = SIZE;
  private size = 0;
  private digits = 0;
  /** Bytes of extensions and trailers so far (bounded like a head). */
  private meta = 0;

  get done(): boolean {
    return this.state === DONE;
  }

  /**
   * Consumes `buf` from `start`, handing data to `onData`; returns where it stopped (the end of
   * the buffer, or just past the body's last byte), or -1 when the framing is invalid.
   */
  feed(buf: Buffer, start: number, onData: (piece: Buffer) => void): number {
    let i = start;
    const n = buf.length;
    while (i < n) {
      const c = buf[i];
      switch (this.state) {
        case SIZE: {
          const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (d >= 0) {
            this.size = this.size * 16 + d;
            this.digits++;
            if (this.size > MAX_CHUNK) return -1;
          } else if (this.digits === 0) return -1;
          else if (c === 59 /* ; */) this.state = EXT_START;
          else if (c === 13) this.state = SIZE_LF;
          else return -1;
          i++;
          break;
        }
        case EXT_START:
          // As llhttp: something follows a ';' before the line ends.
          if (c === 13 || badLineByte(c)) return -1;
          this.state = EXT;
          i++;
          break;
        case EXT:
          if (c === 13) this.state = SIZE_LF;
          else if (c === 59) this.state = EXT_START;
          else if (badLineByte(c) || ++this.meta > MAX_HEAD_BYTES) return -1;
          i++;
          break;
        case SIZE_LF:
          if (c !== 10) return -1;
          i++;
          this.digits = 0;
          if (this.size === 0) this.state = LINE_START;
          else this.state = DATA;
          break;
        case DATA: {
          const take = Math.min(this.size, n - i);
          onData(take === n - i && i === 0 ? buf : buf.subarray(i, i + take));
          this.size -= take;
          i += take;
          if (this.size === 0) this.state = DATA_CR;
          break;
        }
        case DATA_CR:
          if (c !== 13) return -1;
          this.state = DATA_LF;
          i++;
          break;
        case DATA_LF:
          if (c !== 10) return -1;
          this.state = SIZE;
          i++;
          break;
        case LINE_START:
          // A trailer field starts with its name (a token); CR starts the final CRLF.
          if (c === 13) this.state = LAST_LF;
          else if (TOKEN_CHAR[c]) this.state = TRAILER;
          else return -1;
          if (++this.meta > MAX_HEAD_BYTES) return -1;
          i++;
          break;
        case TRAILER:
          if (c === 58 /* : */) this.state = TRAILER_VALUE;
          else if (!TOKEN_CHAR[c]) return -1;
          if (++this.meta > MAX_HEAD_BYTES) return -1;
          i++;
          break;
        case TRAILER_VALUE:
          if (c === 13) this.state = TRAILER_LF;
          else if (badLineByte(c) || ++this.meta > MAX_HEAD_BYTES) return -1;
          i++;
          break;
        case TRAILER_LF:
          if (c !== 10) return -1;
          this.state = LINE_START;
          i++;
          break;
        case LAST_LF:
          if (c !== 10) return -1;
          this.state = DONE;
          return i + 1;
        default:
          return i;
      }
    }
    return i;
  }
}
