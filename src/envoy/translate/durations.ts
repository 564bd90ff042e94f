// App Mesh Duration ({value, unit: s|ms}) ↔ milliseconds ↔ proto3-JSON Duration strings.

import type { Duration } from '../../mesh/types';
import type { DurationString } from './envoy-types';

/** Milliseconds of an App Mesh Duration; `undefined` when it is absent or has no value. */
export function durationMs(d: Duration | undefined): number | undefined {
  if (!d || d.value === undefined || d.value === null) return undefined;
  return d.unit === 'ms' ? Number(d.value) : Number(d.value) * 1000;
}

/** 15000 → "15s", 250 → "0.250s" (proto3 JSON: seconds with up to 9 fractional digits). */
export function envoyDuration(ms: number): DurationString {
  const whole = Math.floor(ms / 1000);
  const frac = Math.round(ms % 1000);
  return frac === 0 ? `${whole}s` : `${whole}.${String(frac).padStart(3, '0')}s`;
}

/** Parses a proto3-JSON Duration back to milliseconds ("1.5s" → 1500). */
export function parseEnvoyDuration(text: DurationString | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(-?\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) throw new Error(`invalid duration '${text}'`);
  const frac = m[2] ? Number(`0.${m[2]}`) : 0;
  return Number(m[1]) * 1000 + frac * 1000;
}
