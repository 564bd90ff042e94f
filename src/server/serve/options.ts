// `awsmesh serve` options: each one a flag, an environment variable (AWSMESH_SERVE_<NAME>) and a
// key of the --config YAML file. Precedence: flag > environment > file > default. Every value is
// checked here, so a bad one is a usage error (252) before anything listens.

import * as fs from 'fs';
import { UsageError } from '../../base/errors';

type Kind = 'string' | 'port' | 'int' | 'bool' | 'list';

interface Spec {
  /** Flag without dashes; also the YAML key. */
  flag: string;
  kind: Kind;
  default?: string | number | boolean | string[];
  help: string;
  min?: number;
  max?: number;
  choices?: string[];
}

export const SERVE_OPTIONS: Spec[] = [
  { flag: 'host', kind: 'string', default: '127.0.0.1', help: 'address the API and xDS ports listen on (non-loopback needs TLS and --auth iam, or --insecure)' },
  { flag: 'port', kind: 'port', default: 4566, help: 'API port (App Mesh, IAM, Cloud Map, STS wire protocols)' },
  { flag: 'xds-port', kind: 'port', default: 15010, help: 'ADS (xDS) gRPC port the Envoys connect to (APPMESH_XDS_ENDPOINT)' },
  { flag: 'admin-host', kind: 'string', default: '127.0.0.1', help: 'address of the admin port (/healthz, /readyz, /metrics)' },
  { flag: 'admin-port', kind: 'port', default: 9902, help: 'admin port' },
  { flag: 'tls-cert', kind: 'string', help: 'PEM certificate chain for the API and xDS ports (re-read when it changes)' },
  { flag: 'tls-key', kind: 'string', help: 'PEM private key of --tls-cert' },
  { flag: 'tls-hostname', kind: 'list', help: 'instead of --tls-cert/--tls-key: a certificate for these DNS names, issued by the local CA (awsmesh local ca)' },
  { flag: 'client-ca', kind: 'string', help: 'ask xDS clients for a certificate and trust this CA bundle ("local": the local CA); a proxy whose certificate names its virtual node or gateway needs no signature' },
  { flag: 'auth', kind: 'string', default: 'iam', choices: ['iam', 'none'], help: 'iam: every API call and xDS stream is SigV4-signed by an awsmesh IAM user and allowed by its policies; none: no checks (loopback only)' },
  { flag: 'insecure', kind: 'bool', default: false, help: 'allow a non-loopback address without TLS or authentication (warns on every start)' },
  { flag: 'signing-name', kind: 'list', default: ['appmesh'], help: 'SigV4 service names xDS streams may be signed for (APPMESH_SIGNING_NAME of the proxies)' },
  { flag: 'debounce-ms', kind: 'int', default: 100, min: 0, max: 60_000, help: 'push after changes have been quiet this long' },
  { flag: 'debounce-max-ms', kind: 'int', default: 1000, min: 0, max: 600_000, help: '…but no later than this after the first change' },
  { flag: 'max-connections', kind: 'int', default: 10_000, min: 1, max: 1_000_000, help: 'xDS connections accepted at once' },
  { flag: 'max-streams', kind: 'int', default: 20_000, min: 1, max: 1_000_000, help: 'xDS streams served at once' },
  { flag: 'stream-rps', kind: 'int', default: 100, min: 1, max: 100_000, help: 'requests per second one xDS stream may send (bursts of 4x)' },
  { flag: 'max-body-bytes', kind: 'int', default: 1_048_576, min: 1, max: 1 << 30, help: 'largest API request body' },
  { flag: 'quiet', kind: 'bool', default: false, help: 'no per-request log lines' },
];

export interface ServeOptions {
  host: string;
  port: number;
  xdsPort: number;
  adminHost: string;
  adminPort: number;
  tlsCert?: string;
  tlsKey?: string;
  tlsHostname?: string[];
  clientCa?: string;
  auth: 'iam' | 'none';
  insecure: boolean;
  signingName: string[];
  debounceMs: number;
  debounceMaxMs: number;
  maxConnections: number;
  maxStreams: number;
  streamRps: number;
  maxBodyBytes: number;
  quiet: boolean;
}

const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
export const envName = (flag: string): string => `AWSMESH_SERVE_${flag.toUpperCase().replace(/-/g, '_')}`;

function convert(spec: Spec, raw: unknown, source: string): unknown {
  const bad = (why: string) => new UsageError(`${source}: ${why}, got ${JSON.stringify(raw)}`);
  switch (spec.kind) {
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (/^(1|true|yes|on)$/i.test(String(raw))) return true;
      if (/^(0|false|no|off)$/i.test(String(raw))) return false;
      throw bad('expected true or false');
    case 'list': {
      const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(',');
      const list = items.map((s) => s.trim()).filter(Boolean);
      if (!list.length) throw bad('expected one or more values');
      return list;
    }
    case 'port':
    case 'int': {
      const text = String(raw);
      const min = spec.kind === 'port' ? 0 : spec.min ?? 0;
      const max = spec.kind === 'port' ? 65535 : spec.max ?? Number.MAX_SAFE_INTEGER;
      if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw bad(`expected an integer from ${min} to ${max}`);
      return Number(text);
    }
    default: {
      if (typeof raw !== 'string' || !raw) throw bad('expected a non-empty string');
      if (spec.choices && !spec.choices.includes(raw)) throw bad(`expected one of ${spec.choices.join(', ')}`);
      return raw;
    }
  }
}

function readConfigFile(file: string, parseYaml: (text: string) => unknown): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`argument --config: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new UsageError(`argument --config: ${file} is not YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`argument --config: ${file} must be a mapping of option names to values`);
  const known = new Set(SERVE_OPTIONS.map((s) => s.flag));
  const unknown = Object.keys(doc).filter((k) => !known.has(k));
  if (unknown.length) throw new UsageError(`argument --config: ${file}: unknown option(s) ${unknown.join(', ')} (known: ${[...known].join(', ')})`);
  return doc as Record<string, unknown>;
}

/** Flags as commander hands them (camelCase, strings), the environment and the optional --config file. */
export function resolveServeOptions(
  flags: Record<string, unknown>, env: NodeJS.ProcessEnv, parseYaml: (text: string) => unknown,
): ServeOptions {
  const file = typeof flags.config === 'string' ? readConfigFile(flags.config, parseYaml) : {};
  const out: Record<string, unknown> = {};
  for (const spec of SERVE_OPTIONS) {
    const key = camel(spec.flag);
    const fromFlag = flags[key];
    const fromEnv = env[envName(spec.flag)];
    if (fromFlag !== undefined) out[key] = convert(spec, fromFlag, `argument --${spec.flag}`);
    else if (fromEnv !== undefined && fromEnv !== '') out[key] = convert(spec, fromEnv, envName(spec.flag));
    else if (file[spec.flag] !== undefined) out[key] = convert(spec, file[spec.flag], `--config ${flags.config}: ${spec.flag}`);
    else if (spec.default !== undefined) out[key] = spec.default;
  }
  const o = out as unknown as ServeOptions;
  if (Boolean(o.tlsCert) !== Boolean(o.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
  if (o.tlsCert && o.tlsHostname) throw new UsageError('give either --tls-cert/--tls-key or --tls-hostname, not both');
  if (o.clientCa && !o.tlsCert && !o.tlsHostname) throw new UsageError('--client-ca needs TLS (--tls-cert/--tls-key or --tls-hostname)');
  if (o.debounceMaxMs < o.debounceMs) throw new UsageError('--debounce-max-ms must be at least --debounce-ms');
  return o;
}
