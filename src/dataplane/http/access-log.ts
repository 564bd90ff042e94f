// Envoy file access logs (App Mesh spec.logging.accessLog.file): the default format, `text`
// format strings and `json` formats, with the command operators App Mesh users write. Writes
// are asynchronous (a write stream per path; /dev/stdout and /dev/stderr use the process's own).

import * as fs from 'fs';
import type { TypedExtension } from '../../envoy/translate/envoy-types';

export interface AccessLogEntry {
  startTime: number;
  method: string;
  path: string;
  protocol: string;
  status: number;
  flags: string;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  upstreamHost?: string;
  upstreamCluster?: string;
  routeName?: string;
  upstreamServiceTimeMs?: number;
  downstreamRemote?: string;
  reqHeader(name: string): string | undefined;
  resHeader(name: string): string | undefined;
}

export type AccessLogger = (e: AccessLogEntry) => void;

export const DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% '
  + '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" '
  + '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

type Piece = string | ((e: AccessLogEntry) => string | number | undefined);

function headerGetter(spec: string, response: boolean): (e: AccessLogEntry) => string | undefined {
  // `NAME`, `NAME?ALT`, either optionally followed by `:maxLength`; names may be pseudo-headers.
  const m = /^(.*?)(?::(\d+))?$/.exec(spec)!;
  const [main, alt] = m[1].split('?').map((n) => n.toLowerCase());
  const limit = m[2] ? Number(m[2]) : undefined;
  const get = (e: AccessLogEntry, n: string): string | undefined => {
    if (response) return e.resHeader(n);
    if (n === ':method') return e.method;
    if (n === ':path') return e.path;
    return e.reqHeader(n);
  };
  return (e) => {
    let v = get(e, main);
    if (v === undefined && alt) v = get(e, alt);
    return v !== undefined && limit ? v.slice(0, limit) : v;
  };
}

function operator(op: string, arg: string | undefined): Piece {
  switch (op) {
    case 'START_TIME': return (e) => new Date(e.startTime).toISOString();
    case 'REQ': return headerGetter(arg ?? '', false);
    case 'RESP': return headerGetter(arg ?? '', true);
    case 'RESPONSE_CODE': return (e) => e.status;
    case 'RESPONSE_FLAGS': return (e) => e.flags || '-';
    case 'BYTES_RECEIVED': return (e) => e.bytesReceived;
    case 'BYTES_SENT': return (e) => e.bytesSent;
    case 'DURATION': return (e) => e.durationMs;
    case 'UPSTREAM_HOST': return (e) => e.upstreamHost;
    case 'UPSTREAM_CLUSTER': return (e) => e.upstreamCluster;
    case 'ROUTE_NAME': return (e) => e.routeName;
    case 'PROTOCOL': return (e) => e.protocol;
    case 'DOWNSTREAM_REMOTE_ADDRESS': return (e) => e.downstreamRemote;
    default: return () => undefined;
  }
}

export function compileFormat(format: string): (e: AccessLogEntry) => string {
  const pieces: Piece[] = [];
  const re = /%([A-Z_0-9]+)(?:\(([^)]*)\))?(?::\d+)?%/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    if (m.index > last) pieces.push(format.slice(last, m.index));
    pieces.push(operator(m[1], m[2]));
    last = re.lastIndex;
  }
  if (last < format.length) pieces.push(format.slice(last));
  return (e) => {
    let out = '';
    for (const p of pieces) {
      if (typeof p === 'string') out += p;
      else {
        const v = p(e);
        out += v === undefined || v === '' ? '-' : String(v);
      }
    }
    return out;
  };
}

const writers = new Map<string, (line: string) => void>();

function writerFor(path: string): (line: string) => void {
  let w = writers.get(path);
  if (!w) {
    if (path === '/dev/stdout') w = (l) => void process.stdout.write(l);
    else if (path === '/dev/stderr') w = (l) => void process.stderr.write(l);
    else {
      const stream = fs.createWriteStream(path, { flags: 'a' });
      stream.on('error', (e) => process.stderr.write(`access log ${path}: ${e.message}\n`));
      w = (l) => void stream.write(l);
    }
    writers.set(path, w);
  }
  return w;
}

/** An access logger for the HCM's / tcp_proxy's access_log list, or undefined when there is none. */
export function accessLogger(logs: TypedExtension[] | undefined): AccessLogger | undefined {
  if (!logs?.length) return undefined;
  const sinks = logs.map((l) => {
    const c = l.typed_config as { path?: string; log_format?: { text_format_source?: { inline_string?: string }; json_format?: Record<string, string> } };
    const write = writerFor(c.path ?? '/dev/stdout');
    const json = c.log_format?.json_format;
    if (json) {
      const fields = Object.entries(json).map(([k, f]) => [k, compileFormat(String(f))] as const);
      return (e: AccessLogEntry) => write(`${JSON.stringify(Object.fromEntries(fields.map(([k, f]) => [k, f(e)])))}\n`);
    }
    const text = c.log_format?.text_format_source?.inline_string ?? DEFAULT_FORMAT;
    const render = compileFormat(text);
    return (e: AccessLogEntry) => write(render(e));
  });
  return sinks.length === 1 ? sinks[0] : (e) => sinks.forEach((s) => s(e));
}
