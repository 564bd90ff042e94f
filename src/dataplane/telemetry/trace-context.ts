// Trace propagation through the proxy, as App Mesh's Envoy does it with tracing on: each hop is a
// span, W3C `traceparent` (and `tracestate`, passed through) and AWS X-Ray's `X-Amzn-Trace-Id`
// carry the trace id and this hop's span id onwards, with the incoming span as parent. A request
// without either header starts a trace; both headers always name the same trace (an X-Ray id
// `1-<8 hex time>-<24 hex>` is the W3C id `<8 hex time><24 hex>`).

import { randomFillSync } from 'crypto';

export interface TraceContext {
  traceId: string;
  /** This hop's span. */
  spanId: string;
  /** The caller's span, when the request carried one. */
  parentSpanId?: string;
  sampled: boolean;
}

// Random ids from a pool of random bytes, hex-encoded once: an id is a slice of that string (one
// randomFillSync and one encoding per 2,048 hex digits, instead of an encoding per id).
const pool = Buffer.alloc(4096);
let hexPool = '';
let offset = 0;

function randomHex(bytes: number): string {
  const digits = bytes * 2;
  if (offset + digits > hexPool.length) {
    randomFillSync(pool);
    hexPool = pool.toString('hex');
    offset = 0;
  }
  const s = hexPool.slice(offset, offset + digits);
  offset += digits;
  return s;
}

const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;

/** The epoch second of the last trace id, and its 8 hex digits. */
let second = -1;
let secondHex = '';

/** A new W3C trace id whose first 8 hex digits are the epoch seconds (valid as an X-Ray id). */
export function newTraceId(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    secondHex = s.toString(16).padStart(8, '0').slice(-8);
  }
  return secondHex + randomHex(12);
}

export function newSpanId(): string {
  let id = randomHex(8);
  while (id === ZERO_SPAN) id = randomHex(8);
  return id;
}

/** Parses `traceparent` (version 00, or a later version's first four fields). */
export function parseTraceparent(v: string | undefined): { traceId: string; spanId: string; sampled: boolean } | undefined {
  if (!v) return undefined;
  const m = TRACEPARENT.exec(v.trim().toLowerCase());
  if (!m || m[1] === 'ff' || m[2] === ZERO_TRACE || m[3] === ZERO_SPAN) return undefined;
  if (m[1] === '00' && v.trim().length !== 55) return undefined;
  return { traceId: m[2], spanId: m[3], sampled: (parseInt(m[4], 16) & 1) === 1 };
}

/** Parses `X-Amzn-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`. */
export function parseAmznTraceId(v: string | undefined): { traceId: string; spanId?: string; sampled?: boolean } | undefined {
  if (!v) return undefined;
  let root: string | undefined;
  let parent: string | undefined;
  let sampled: boolean | undefined;
  for (const part of v.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim().toLowerCase();
    const val = part.slice(eq + 1).trim().toLowerCase();
    if (k === 'root') root = val;
    else if (k === 'parent') parent = val;
    else if (k === 'sampled') sampled = val === '1' ? true : val === '0' ? false : undefined;
  }
  const m = root ? /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(root) : null;
  if (!m) return undefined;
  return { traceId: m[1] + m[2], spanId: parent && /^[0-9a-f]{16}$/.test(parent) && parent !== ZERO_SPAN ? parent : undefined, sampled };
}

export function formatTraceparent(c: TraceContext): string {
  return `00-${c.traceId}-${c.spanId}-${c.sampled ? '01' : '00'}`;
}

export function formatAmznTraceId(c: TraceContext): string {
  return `Root=1-${c.traceId.slice(0, 8)}-${c.traceId.slice(8)};Parent=${c.spanId};Sampled=${c.sampled ? '1' : '0'}`;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * This hop's context from the incoming headers: continues the caller's trace or starts one (whose
 * id begins with the second of `now`, the request's epoch ms).
 */
export function continueTrace(incoming: HeaderBag, now = Date.now()): TraceContext {
  const w3c = parseTraceparent(first(incoming.traceparent));
  if (w3c) return { traceId: w3c.traceId, spanId: newSpanId(), parentSpanId: w3c.spanId, sampled: w3c.sampled };
  const xray = parseAmznTraceId(first(incoming['x-amzn-trace-id']));
  if (xray) return { traceId: xray.traceId, spanId: newSpanId(), parentSpanId: xray.spanId, sampled: xray.sampled ?? true };
  return { traceId: newTraceId(now), spanId: newSpanId(), sampled: true };
}

/** Sets the outgoing trace headers for `c` (replacing the incoming ones). */
export function injectTrace(headers: Record<string, string | string[]>, c: TraceContext): void {
  headers.traceparent = formatTraceparent(c);
  headers['x-amzn-trace-id'] = formatAmznTraceId(c);
}
