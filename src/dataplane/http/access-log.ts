// Envoy file access logs (App Mesh spec.logging.accessLog.file): the default format, `text`
// format strings and `json` formats, with Envoy's command operators. JSON formats are typed as
// Envoy types them (a value that is one numeric operator is a number, a missing one is null).
// Lines are buffered and written asynchronously, at least every 200 ms (Envoy flushes every
// second); what is still buffered when the process exits is written synchronously.

import * as fs from 'fs';
import * as os from 'os';
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
  /** Start to the first byte of the upstream response (RESPONSE_DURATION). */
  responseDurationMs?: number;
  upstreamHost?: string;
  upstreamCluster?: string;
  routeName?: string;
  upstreamServiceTimeMs?: number;
  /** Address, or address:port. */
  downstreamRemote?: string;
  downstreamRemotePort?: number;
  downstreamLocal?: string;
  traceId?: string;
  reqHeader(name: string): string | undefined;
  resHeader(name: string): string | undefined;
}

export type AccessLogger = (e: AccessLogEntry) => void;

export const DEFAULT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% '
  + '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" '
  + '"%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';

type Value = string | number | undefined;
type Getter = (e: AccessLogEntry) => Value;
type Piece = string | Getter;

/** Envoy's `:maxLength` suffix: truncates the value. */
function truncated(get: Getter, limit: number | undefined): Getter {
  if (!limit) return get;
  return (e) => {
    const v = get(e);
    return typeof v === 'string' ? v.slice(0, limit) : v;
  };
}

function headerGetter(spec: string, response: boolean, withoutQuery = false): Getter {
  // `NAME` or `NAME?ALT`; names may be pseudo-headers.
  const [main, alt] = spec.split('?').map((n) => n.trim().toLowerCase());
  const get = (e: AccessLogEntry, n: string): string | undefined => {
    if (response) return e.resHeader(n);
    if (n === ':method') return e.method;
    if (n === ':path') return e.path;
    if (n === ':scheme') return e.reqHeader(n) ?? 'http';
    return e.reqHeader(n);
  };
  return (e) => {
    let v = get(e, main);
    if (v === undefined && alt) v = get(e, alt);
    if (v !== undefined && withoutQuery) {
      const q = v.indexOf('?');
      if (q >= 0) v = v.slice(0, q);
    }
    return v;
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `%START_TIME(format)%`: strftime in UTC, with Envoy's `%f`/`%Nf` fractions and `%s`. */
export function strftime(format: string, ms: number): string {
  const d = new Date(ms);
  return format.replace(/%([1-9]?)([a-zA-Z%])/g, (whole, digits: string, c: string) => {
    switch (c) {
      case 'Y': return String(d.getUTCFullYear());
      case 'y': return pad(d.getUTCFullYear() % 100);
      case 'm': return pad(d.getUTCMonth() + 1);
      case 'd': return pad(d.getUTCDate());
      case 'e': return String(d.getUTCDate()).padStart(2, ' ');
      case 'H': return pad(d.getUTCHours());
      case 'M': return pad(d.getUTCMinutes());
      case 'S': return pad(d.getUTCSeconds());
      case 'j': return pad(Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, 3);
      case 'b': return MONTHS[d.getUTCMonth()];
      case 'a': return DAYS[d.getUTCDay()];
      case 'z': return '+0000';
      case 'Z': return 'UTC';
      case 's': return String(Math.floor(ms / 1000));
      case 'F': return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      case 'T': return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      case 'f': {
        const n = digits ? Number(digits) : 9;
        return `${pad(d.getUTCMilliseconds(), 3)}000000`.slice(0, n);
      }
      case '%': return '%';
      default: return whole;
    }
  });
}

function operator(op: string, arg: string | undefined, limit: number | undefined): Getter {
  const g = ((): Getter => {
    switch (op) {
      case 'START_TIME':
        return arg ? (e) => strftime(arg, e.startTime) : (e) => new Date(e.startTime).toISOString();
      case 'REQ':
      case 'REQUEST_HEADER':
        return headerGetter(arg ?? '', false);
      case 'RESP':
      case 'RESPONSE_HEADER':
      case 'TRAILER':
      case 'RESPONSE_TRAILER':
        return headerGetter(arg ?? '', true);
      case 'REQ_WITHOUT_QUERY':
        return headerGetter(arg ?? '', false, true);
      case 'RESPONSE_CODE': return (e) => e.status;
      case 'RESPONSE_CODE_DETAILS': return (e) => (e.status === 0 ? undefined : e.flags ? 'local_reply' : 'via_upstream');
      case 'RESPONSE_FLAGS': return (e) => e.flags || '-';
      case 'BYTES_RECEIVED': return (e) => e.bytesReceived;
      case 'BYTES_SENT': return (e) => e.bytesSent;
      case 'DURATION':
      case 'REQUEST_DURATION':
        return (e) => e.durationMs;
      case 'RESPONSE_DURATION': return (e) => e.responseDurationMs;
      case 'UPSTREAM_HOST':
      case 'UPSTREAM_REMOTE_ADDRESS':
        return (e) => e.upstreamHost;
      case 'UPSTREAM_CLUSTER': return (e) => e.upstreamCluster;
      case 'ROUTE_NAME': return (e) => e.routeName;
      case 'PROTOCOL': return (e) => e.protocol;
      case 'DOWNSTREAM_REMOTE_ADDRESS':
      case 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS':
        return (e) => (e.downstreamRemote === undefined ? undefined : e.downstreamRemotePort === undefined ? e.downstreamRemote : `${e.downstreamRemote}:${e.downstreamRemotePort}`);
      case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT':
      case 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT':
        return (e) => e.downstreamRemote;
      case 'DOWNSTREAM_LOCAL_ADDRESS': return (e) => e.downstreamLocal;
      case 'TRACE_ID': return (e) => e.traceId;
      case 'HOSTNAME': {
        const h = os.hostname();
        return () => h;
      }
      default: return () => undefined;
    }
  })();
  return truncated(g, limit);
}

const OPERATOR = /%([A-Z_0-9]+)(?:\(([^)]*)\))?(?::(\d+))?%/g;

function compilePieces(format: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  const re = new RegExp(OPERATOR.source, 'g');
  for (let m = re.exec(format); m; m = re.exec(format)) {
    if (m.index > last) pieces.push(format.slice(last, m.index).replace(/%%/g, '%'));
    pieces.push(operator(m[1], m[2], m[3] ? Number(m[3]) : undefined));
    last = re.lastIndex;
  }
  if (last < format.length) pieces.push(format.slice(last).replace(/%%/g, '%'));
  return pieces;
}

export function compileFormat(format: string): (e: AccessLogEntry) => string {
  const pieces = compilePieces(format);
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

/** A json_format value: one operator keeps its type (null when missing), anything else is text. */
function compileJsonValue(format: string): (e: AccessLogEntry) => string | number | null {
  const pieces = compilePieces(format);
  if (pieces.length === 1 && typeof pieces[0] !== 'string') {
    const get = pieces[0];
    return (e) => {
      const v = get(e);
      return v === undefined || v === '' ? null : v;
    };
  }
  const text = compileFormat(format);
  return (e) => text(e);
}

// ---- buffered sinks ----------------------------------------------------------------------------

const FLUSH_MS = 200;
const MAX_BUFFER = 64 * 1024;

/** One output: lines are appended to a buffer and written out in batches. */
class LogSink {
  private buffer = '';
  private timer?: NodeJS.Timeout;
  private fd?: number;
  private opening = false;
  private writing = false;
  private failed = false;

  constructor(private readonly path: string) {}

  write(line: string): void {
    if (this.failed) return;
    this.buffer += line;
    if (this.buffer.length >= MAX_BUFFER) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.buffer || this.writing || this.opening) return;
    if (this.path === '/dev/stdout' || this.path === '/dev/stderr') {
      const out = this.path === '/dev/stdout' ? process.stdout : process.stderr;
      const chunk = this.buffer;
      this.buffer = '';
      out.write(chunk);
      return;
    }
    if (this.fd === undefined) {
      this.opening = true;
      fs.open(this.path, 'a', 0o644, (err, fd) => {
        this.opening = false;
        if (err) return this.fail(err);
        this.fd = fd;
        this.flush();
      });
      return;
    }
    const chunk = Buffer.from(this.buffer);
    this.buffer = '';
    this.writing = true;
    fs.write(this.fd, chunk, (err) => {
      this.writing = false;
      if (err) return this.fail(err);
      if (this.buffer) this.flush();
    });
  }

  /** Exit: whatever is buffered goes out now. */
  flushSync(): void {
    if (!this.buffer || this.failed) return;
    try {
      if (this.path === '/dev/stdout') fs.writeSync(1, this.buffer);
      else if (this.path === '/dev/stderr') fs.writeSync(2, this.buffer);
      else fs.appendFileSync(this.path, this.buffer);
    } catch {
      /* exiting anyway */
    }
    this.buffer = '';
  }

  private fail(err: Error): void {
    this.failed = true;
    this.buffer = '';
    process.stderr.write(`access log ${this.path}: ${err.message}; access logging to it is off\n`);
  }
}

const sinks = new Map<string, LogSink>();
let exitHook = false;

function sinkFor(path: string): LogSink {
  let s = sinks.get(path);
  if (!s) {
    s = new LogSink(path);
    sinks.set(path, s);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const sink of sinks.values()) sink.flushSync();
      });
    }
  }
  return s;
}

/** An access logger for the HCM's / tcp_proxy's access_log list, or undefined when there is none. */
export function accessLogger(logs: TypedExtension[] | undefined): AccessLogger | undefined {
  if (!logs?.length) return undefined;
  const loggers = logs.map((l) => {
    const c = l.typed_config as { path?: string; log_format?: { text_format_source?: { inline_string?: string }; json_format?: Record<string, string> } };
    const sink = sinkFor(c.path ?? '/dev/stdout');
    const json = c.log_format?.json_format;
    if (json) {
      const fields = Object.entries(json).map(([k, f]) => [k, compileJsonValue(String(f))] as const);
      return (e: AccessLogEntry) => {
        const obj: Record<string, string | number | null> = {};
        for (const [k, f] of fields) obj[k] = f(e);
        sink.write(`${JSON.stringify(obj)}\n`);
      };
    }
    const render = compileFormat(c.log_format?.text_format_source?.inline_string ?? DEFAULT_FORMAT);
    return (e: AccessLogEntry) => sink.write(render(e));
  });
  return loggers.length === 1 ? loggers[0] : (e) => loggers.forEach((log) => log(e));
}
