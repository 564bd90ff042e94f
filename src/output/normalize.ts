// Shapes a service result the way the AWS CLI prints it: keys in the model's member order,
// timestamps as ISO 8601 (`2024-11-25T15:53:20.123000+00:00`), IAM policy documents decoded from
// their URL encoding into JSON (botocore does the same), undefined members dropped.

import { findShape, type ServiceName } from '../model/services';
import type { Shape } from '../model/types';

/** IAM shapes whose strings are URL-encoded JSON policy documents. */
const POLICY_DOCUMENT_SHAPES = new Set(['policyDocumentType']);

export function normalizeOutput(value: unknown, service: ServiceName | undefined, shapeName: string | undefined): unknown {
  if (!service || !shapeName) return plain(value);
  // By name, not through the whole definition: a service command has only its operation's slice.
  return walk(value, shapeName, (name) => findShape(service, name));
}

type ShapeLookup = (name: string) => Shape | undefined;

function walk(value: unknown, shapeName: string, shapes: ShapeLookup): unknown {
  if (value === undefined || value === null) return value;
  const shape = shapes(shapeName);
  if (!shape) return plain(value);
  if (POLICY_DOCUMENT_SHAPES.has(shapeName) && typeof value === 'string') return decodePolicy(value);
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) return plain(value);
      const src = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        if (src[name] !== undefined) out[name] = walk(src[name], ref.shape, shapes);
      }
      for (const [k, v] of Object.entries(src)) {
        if (!(k in out) && v !== undefined && k !== '$metadata') out[k] = plain(v);
      }
      return out;
    }
    case 'list':
      return Array.isArray(value) ? value.map((v) => walk(v, shape.member!.shape, shapes)) : plain(value);
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return plain(value);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as object)) out[k] = walk(v, shape.value!.shape, shapes);
      return out;
    }
    case 'timestamp':
      return isoTimestamp(value);
    default:
      return plain(value);
  }
}

/** Plain JSON data: Dates become ISO timestamps, undefined members disappear. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return isoTimestamp(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined && k !== '$metadata') out[k] = plain(v);
    return out;
  }
  return value;
}

function decodePolicy(text: string): unknown {
  let decoded = text;
  try {
    decoded = decodeURIComponent(text);
  } catch {
    /* not URL-encoded */
  }
  try {
    return JSON.parse(decoded);
  } catch {
    return decoded;
  }
}

/** Python's datetime.isoformat() of a UTC time, as the AWS CLI prints timestamps. */
export function isoTimestamp(value: unknown): unknown {
  let seconds: number;
  let micros: number;
  if (value instanceof Date) [seconds, micros] = splitMillis(value.getTime());
  else if (typeof value === 'number') [seconds, micros] = splitSeconds(value);
  else if (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) [seconds, micros] = splitSeconds(Number(value));
  else if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) [seconds, micros] = splitMillis(Date.parse(value));
  else return value;
  const base = utcSeconds(new Date(seconds * 1000));
  return micros ? `${base}.${String(micros).padStart(6, '0')}+00:00` : `${base}+00:00`;
}

function splitMillis(ms: number): [number, number] {
  const seconds = Math.floor(ms / 1000);
  return [seconds, (ms - seconds * 1000) * 1000];
}

/**
 * Epoch seconds as botocore's datetime.fromtimestamp splits them (CPython's modf, then the fraction
 * times 10^6 rounded half to even): scaling the whole value instead loses the microseconds of far
 * dates to the double's precision (9999-12-31T23:59:59.999 printed .999008, Python prints .998993).
 */
function splitSeconds(t: number): [number, number] {
  let seconds = Math.trunc(t);
  let micros = roundHalfEven((t - seconds) * 1e6);
  if (micros >= 1e6) [seconds, micros] = [seconds + 1, micros - 1e6];
  else if (micros < 0) [seconds, micros] = [seconds - 1, micros + 1e6];
  return [seconds, micros];
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * `toISOString().slice(0, 19)` from the UTC fields: V8's toISOString loads the local time zone on
 * first use (/etc/localtime, ICU's zone data), which a UTC timestamp never needs.
 */
function utcSeconds(d: Date): string {
  const year = d.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return d.toISOString().slice(0, 19); // expanded years; invalid dates throw
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(year).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}
