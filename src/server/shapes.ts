// Model-driven value conversion shared by the codecs: provider results are projected onto the
// output shape (only modelled members, in model order) with timestamps in the protocol's format.

import type { MemberRef, Shape } from '../model/types';

export type Shapes = Record<string, Shape>;
export type TimestampFormat = 'unixTimestamp' | 'iso8601';

/** Providers return timestamps as Date, epoch seconds or ISO strings; all become epoch seconds. */
export function toEpochSeconds(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime() / 1000;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}

/** ISO 8601 as AWS's XML services write it: no fractional part when there is none. */
export function toIso8601(value: unknown): string | undefined {
  const seconds = toEpochSeconds(value);
  if (seconds === undefined) return undefined;
  return new Date(Math.round(seconds * 1000)).toISOString().replace('.000Z', 'Z');
}

export function formatTimestamp(value: unknown, shape: Shape, fallback: TimestampFormat): string | number | undefined {
  const format = shape.timestampFormat ?? fallback;
  return format === 'iso8601' ? toIso8601(value) : toEpochSeconds(value);
}

/** Query strings, form fields and headers carry text; numbers and booleans are converted when they parse. */
export function scalarFromText(shape: Shape | undefined, text: string): unknown {
  switch (shape?.type) {
    case 'integer':
    case 'long':
      return /^-?\d+$/.test(text) ? Number(text) : text;
    case 'float':
    case 'double':
      return text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      return text;
  }
}

/** The name a member has on the wire (its locationName when the model gives one). */
export function wireName(name: string, ref: MemberRef): string {
  return ref.locationName ?? name;
}

/**
 * Converts `value` to what a JSON protocol sends for `shapeName`. Unknown shapes pass through
 * unchanged, so a gap in the model never loses data; null/undefined members are left out.
 */
export function toJsonWire(shapes: Shapes, shapeName: string, value: unknown, timestamps: TimestampFormat): unknown {
  if (value === null || value === undefined) return undefined;
  const shape = shapes[shapeName];
  if (!shape) return value;
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || !shape.members) return value;
      const src = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(shape.members)) {
        if (ref.location) continue; // headers/status travel outside the body
        const v = toJsonWire(shapes, ref.shape, src[name], timestamps);
        if (v !== undefined) out[wireName(name, ref)] = v;
      }
      return out;
    }
    case 'list':
      if (!Array.isArray(value) || !shape.member) return value;
      return value.map((item) => toJsonWire(shapes, shape.member!.shape, item, timestamps) ?? null);
    case 'map': {
      if (typeof value !== 'object' || !shape.value) return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const converted = toJsonWire(shapes, shape.value.shape, v, timestamps);
        if (converted !== undefined) out[k] = converted;
      }
      return out;
    }
    case 'timestamp':
      return formatTimestamp(value, shape, timestamps) ?? value;
    case 'blob':
      return Buffer.isBuffer(value) || value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
    default:
      return value;
  }
}
