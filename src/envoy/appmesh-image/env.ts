// Environment variables read the way the App Mesh Envoy image's agent reads them: values are
// trimmed, booleans follow Go's strconv.ParseBool, integers Go's ParseInt, and a bad value is an
// error naming the variable (the agent refuses to start Envoy on one).

export class AgentEnvError extends Error {}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export class AgentEnv {
  constructor(private readonly env: NodeJS.ProcessEnv) {}

  get(key: string): string {
    return (this.env[key] ?? '').trim();
  }

  or(key: string, fallback: string): string {
    return this.get(key) || fallback;
  }

  int(key: string, fallback: number): number {
    const v = this.get(key);
    if (!v) return fallback;
    if (!/^[+-]?\d+$/.test(v)) throw new AgentEnvError(`${key} environment variable ("${v}") must be an integer value.`);
    return Number(v);
  }

  bool(key: string, fallback = false): boolean {
    const v = this.or(key, String(fallback));
    if (TRUE.has(v)) return true;
    if (FALSE.has(v)) return false;
    throw new AgentEnvError(`${key} environment variable ("${v}") must be a boolean value.`);
  }
}

const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration ("15s", "1m30s", "250ms") as a protobuf JSON Duration ("15s", "90s", "0.250s"). */
export function goDurationToProto(text: string): string {
  const parts = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.test(text) ? text.match(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g) : null;
  if (!parts && text !== '0') throw new AgentEnvError(`time: invalid duration "${text}"`);
  let nanos = 0n;
  for (const p of parts ?? []) {
    const [, num, unit] = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)$/.exec(p)!;
    nanos += BigInt(Math.round(Number(num) * UNITS[unit] * 1e9));
  }
  if (text.startsWith('-')) nanos = -nanos;
  const sign = nanos < 0n ? '-' : '';
  const abs = nanos < 0n ? -nanos : nanos;
  const seconds = abs / 1_000_000_000n;
  const frac = abs % 1_000_000_000n;
  if (frac === 0n) return `${sign}${seconds}s`;
  // protojson prints 3, 6 or 9 fractional digits.
  const digits = frac % 1_000_000n === 0n ? 3 : frac % 1000n === 0n ? 6 : 9;
  const fracText = frac.toString().padStart(9, '0').slice(0, digits);
  return `${sign}${seconds}.${fracText}s`;
}
