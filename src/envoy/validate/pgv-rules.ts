// protoc-gen-validate rules, read from the `(validate.rules)` options Envoy's protos carry. Envoy
// runs these same checks when it loads a config (that is how it rejects an empty cluster name or a
// port above 65535), so enforcing them here catches what a purely structural check would miss.
// Covered: required messages and oneofs, string/bytes lengths, prefixes, patterns and header-name
// syntax, numeric and duration bounds, enum defined_only/in/not_in, repeated/map sizes and uniqueness.

import { isIPv4, isIPv6 } from 'net';
import * as protobuf from 'protobufjs';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Rules = Record<string, any>;

export interface RuleSink {
  error(path: string, message: string): void;
}

const rulesCache = new WeakMap<protobuf.Field, Rules | null>();

/** The field's `(validate.rules)`, merged from every option entry; undefined when it has none. */
export function fieldRules(field: protobuf.Field): Rules | undefined {
  let cached = rulesCache.get(field);
  if (cached === undefined) {
    cached = null;
    for (const entry of (field.parsedOptions ?? []) as Rules[]) {
      const r = entry['(validate.rules)'];
      if (r && typeof r === 'object') cached = deepMerge(cached ?? {}, r);
    }
    rulesCache.set(field, cached);
  }
  return cached ?? undefined;
}

function deepMerge(a: Rules, b: Rules): Rules {
  const out: Rules = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? deepMerge(out[k], v) : v;
  }
  return out;
}

export function isRequiredOneof(oneof: protobuf.OneOf): boolean {
  return (oneof.options as Rules | undefined)?.['(validate.required)'] === true;
}

/** A message-typed field is absent: only the `required` flags apply. */
export function checkMessagePresence(sink: RuleSink, rules: Rules, path: string): void {
  if (rules.message?.required || rules.duration?.required || rules.timestamp?.required || rules.any?.required) {
    sink.error(path, 'value is required');
  }
}

/**
 * Checks one value against its rules. `kind` is the proto scalar type, or 'enum', 'repeated', 'map',
 * 'duration', 'timestamp', 'any', 'wrapper:<scalar>' or 'message'.
 */
export function checkValueRules(sink: RuleSink, rules: Rules, kind: string, value: any, path: string): void {
  const fail = (msg: string) => sink.error(path, msg);
  if (kind === 'repeated') return checkSize(rules.repeated, (value as unknown[]).length, 'items', fail, value);
  if (kind === 'map') return checkSize(rules.map, Object.keys(value).length, 'pairs', fail);
  if (kind === 'enum') return checkEnum(rules.enum, value.number, value.enum, fail);
  if (kind === 'duration') return checkRange(rules.duration, durationNanos(value.decoded), fail, formatDuration, durationNanos);
  if (kind === 'any') {
    const url = value.json?.['@type'];
    if (rules.any?.in !== undefined && !list(rules.any.in)!.includes(url)) fail(`type must be one of ${list(rules.any.in)!.join(', ')}`);
    if (list(rules.any?.not_in)?.includes(url)) fail(`type ${url} is not allowed here`);
    return;
  }
  if (kind.startsWith('wrapper:')) {
    const inner = kind.slice('wrapper:'.length);
    if (value.decoded && 'value' in value.decoded) checkValueRules(sink, rules, inner, value.decoded.value, path);
    return;
  }
  if (kind === 'message' || kind === 'timestamp') return;
  if (kind === 'string') return checkString(rules.string, value as string, fail);
  if (kind === 'bytes') return checkBytes(rules.bytes, value as Buffer, fail);
  if (kind === 'bool') {
    if (rules.bool?.const !== undefined && rules.bool.const !== value) fail(`value must be ${rules.bool.const}`);
    return;
  }
  const numeric = rules[kind];
  if (!numeric) return;
  if (kind === 'double' || kind === 'float') checkRange(numeric, Number(value), fail, String, Number);
  else checkRange(numeric, BigInt(value), fail, String, (v: unknown) => BigInt(v as number));
}

/** A repeated rule option written once (`not_in: 0`) is parsed as a scalar. */
function list(x: unknown): unknown[] | undefined {
  return x === undefined || x === null ? undefined : Array.isArray(x) ? x : [x];
}

function checkSize(r: Rules | undefined, n: number, unit: string, fail: (m: string) => void, items?: unknown[]): void {
  if (!r || (r.ignore_empty && n === 0)) return;
  if (r[`min_${unit}`] !== undefined && n < Number(r[`min_${unit}`])) fail(`needs at least ${r[`min_${unit}`]} ${unit.replace(/s$/, '(s)')}, has ${n}`);
  if (r[`max_${unit}`] !== undefined && n > Number(r[`max_${unit}`])) fail(`allows at most ${r[`max_${unit}`]} ${unit.replace(/s$/, '(s)')}, has ${n}`);
  if (r.unique && items) {
    const keys = items.map((i) => JSON.stringify(i));
    if (new Set(keys).size !== keys.length) fail('items must be unique');
  }
}

function checkEnum(r: Rules | undefined, n: number, e: protobuf.Enum, fail: (m: string) => void): void {
  if (!r) return;
  if (r.defined_only && e.valuesById[n] === undefined) fail(`${n} is not a defined value of ${e.fullName.slice(1)}`);
  if (r.const !== undefined && n !== r.const) fail(`value must be ${e.valuesById[r.const] ?? r.const}`);
  if (r.in !== undefined && !list(r.in)!.includes(n)) fail(`value must be one of ${list(r.in)!.map((v) => e.valuesById[v as number] ?? v).join(', ')}`);
  if (list(r.not_in)?.includes(n)) fail(`value ${e.valuesById[n] ?? n} is not allowed here`);
}

/** Works for numbers, bigints and durations (as bigint nanoseconds) alike. */
function checkRange<T extends number | bigint>(
  r: Rules | undefined, v: T, fail: (m: string) => void, show: (v: T) => string, conv: (raw: unknown) => T,
): void {
  if (!r) return;
  const has = (k: string) => r[k] !== undefined && r[k] !== null;
  if (has('const') && v !== conv(r.const)) fail(`value must equal ${show(conv(r.const))}`);
  if (list(r.in)?.length && !list(r.in)!.some((x: unknown) => conv(x) === v)) fail(`value must be one of ${list(r.in)!.map((x: unknown) => show(conv(x))).join(', ')}`);
  if (list(r.not_in)?.some((x: unknown) => conv(x) === v)) fail(`value ${show(v)} is not allowed`);
  const lower = has('gt') ? { v: conv(r.gt), incl: false } : has('gte') ? { v: conv(r.gte), incl: true } : undefined;
  const upper = has('lt') ? { v: conv(r.lt), incl: false } : has('lte') ? { v: conv(r.lte), incl: true } : undefined;
  const above = (b: { v: T; incl: boolean }) => (b.incl ? v >= b.v : v > b.v);
  const below = (b: { v: T; incl: boolean }) => (b.incl ? v <= b.v : v < b.v);
  const say = (b: { v: T; incl: boolean }, dir: string) => `${dir}${b.incl ? ' or equal to' : ''} ${show(b.v)}`;
  if (lower && upper && upper.v < lower.v) {
    // PGV's exclusive form: the value must lie outside (upper, lower).
    if (!above(lower) && !below(upper)) fail(`value must be ${say(upper, 'less than')} or ${say(lower, 'greater than')}`);
    return;
  }
  if (lower && !above(lower)) fail(`value ${show(v)} must be ${say(lower, 'greater than')}`);
  if (upper && !below(upper)) fail(`value ${show(v)} must be ${say(upper, 'less than')}`);
}

function durationNanos(d: any): bigint {
  if (!d) return 0n;
  return BigInt(d.seconds ?? 0) * 1_000_000_000n + BigInt(d.nanos ?? 0);
}

function formatDuration(n: bigint): string {
  const s = Number(n) / 1e9;
  return `${s}s`;
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;

function checkString(r: Rules | undefined, s: string, fail: (m: string) => void): void {
  if (!r || (r.ignore_empty && s === '')) return;
  const chars = [...s].length;
  const bytes = Buffer.byteLength(s);
  if (r.const !== undefined && s !== r.const) fail(`value must be "${r.const}"`);
  if (r.len !== undefined && chars !== Number(r.len)) fail(`value must be exactly ${r.len} characters`);
  if (r.min_len !== undefined && chars < Number(r.min_len)) {
    fail(Number(r.min_len) === 1 ? 'value must not be empty' : `value must be at least ${r.min_len} characters`);
  }
  if (r.max_len !== undefined && chars > Number(r.max_len)) fail(`value must be at most ${r.max_len} characters`);
  if (r.min_bytes !== undefined && bytes < Number(r.min_bytes)) fail(`value must be at least ${r.min_bytes} bytes`);
  if (r.max_bytes !== undefined && bytes > Number(r.max_bytes)) fail(`value must be at most ${r.max_bytes} bytes`);
  if (r.prefix !== undefined && !s.startsWith(r.prefix)) fail(`value must start with "${r.prefix}"`);
  if (r.suffix !== undefined && !s.endsWith(r.suffix)) fail(`value must end with "${r.suffix}"`);
  if (r.contains !== undefined && !s.includes(r.contains)) fail(`value must contain "${r.contains}"`);
  if (r.not_contains !== undefined && s.includes(r.not_contains)) fail(`value must not contain "${r.not_contains}"`);
  if (r.in !== undefined && !list(r.in)!.includes(s)) fail(`value must be one of ${list(r.in)!.join(', ')}`);
  if (list(r.not_in)?.includes(s)) fail(`value "${s}" is not allowed`);
  if (r.pattern !== undefined) {
    const re = safeRegExp(r.pattern);
    if (re && !re.test(s)) fail(`value does not match ${r.pattern}`);
  }
  const strict = r.strict !== false;
  if (r.well_known_regex === 'HTTP_HEADER_NAME' && !(strict ? HEADER_NAME_STRICT : HEADER_LOOSE).test(s) && s !== '') {
    fail(`"${s}" is not a valid HTTP header name`);
  }
  if (r.well_known_regex === 'HTTP_HEADER_VALUE' && !(strict ? HEADER_VALUE_STRICT : HEADER_LOOSE).test(s)) {
    fail('value is not a valid HTTP header value');
  }
  if (r.ipv4 && !isIPv4(s)) fail(`"${s}" is not an IPv4 address`);
  if (r.ip && !isIPv4(s) && !isIPv6(s)) fail(`"${s}" is not an IP address`);
  if (r.ipv6 && !isIPv6(s)) fail(`"${s}" is not an IPv6 address`);
}

function checkBytes(r: Rules | undefined, b: Buffer, fail: (m: string) => void): void {
  if (!r || (r.ignore_empty && b.length === 0)) return;
  if (r.len !== undefined && b.length !== Number(r.len)) fail(`value must be exactly ${r.len} bytes`);
  if (r.min_len !== undefined && b.length < Number(r.min_len)) fail(`value must be at least ${r.min_len} bytes`);
  if (r.max_len !== undefined && b.length > Number(r.max_len)) fail(`value must be at most ${r.max_len} bytes`);
}

const regexCache = new Map<string, RegExp | null>();

/** PGV patterns are RE2; the ones Envoy uses are also valid JavaScript. Anything else is skipped. */
function safeRegExp(pattern: string): RegExp | null {
  if (!regexCache.has(pattern)) {
    try {
      regexCache.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      regexCache.set(pattern, null);
    }
  }
  return regexCache.get(pattern)!;
}
