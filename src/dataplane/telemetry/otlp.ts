// OTLP/HTTP JSON span export (the OpenTelemetry collector's /v1/traces). Spans are queued and
// sent in batches off the request path: at most one request in flight, a flush every second or
// as soon as a batch is full, a bounded queue (spans beyond it are dropped and counted). Only
// loopback collectors are accepted: a local mesh sends nothing off the machine.

import * as http from 'http';
import { UsageError } from '../../base/errors';
import { isLoopback } from '../../base/loopback';

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 2 SERVER (ingress), 3 CLIENT (egress). */
  kind: 2 | 3;
  /** Epoch milliseconds (fractions allowed). */
  startMs: number;
  durationMs: number;
  attributes: Record<string, string | number | boolean | undefined>;
  error: boolean;
}

export interface SpanSink {
  add(span: SpanRecord): void;
}

export interface ExporterOptions {
  batchSize?: number;
  flushMs?: number;
  maxQueue?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * Checks an OTLP/HTTP traces endpoint (`http://127.0.0.1:4318/v1/traces`; a bare
 * `http://host:port` gets `/v1/traces`). Throws a usage error naming `option` otherwise.
 */
export function parseOtlpEndpoint(value: string, option = '--otlp-endpoint'): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`argument ${option}: expected an http:// URL such as http://127.0.0.1:4318/v1/traces, got '${value}'`);
  }
  if (url.protocol !== 'http:') {
    throw new UsageError(`argument ${option}: only plain http:// collectors are supported (OTLP/HTTP JSON), got '${value}'`);
  }
  if (!isLoopback(url.hostname)) {
    throw new UsageError(`argument ${option}: the collector must be on this machine (127.0.0.1, ::1 or localhost), got '${url.hostname}'`);
  }
  if (url.pathname === '' || url.pathname === '/') url.pathname = '/v1/traces';
  return url;
}

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number } | { boolValue: boolean };

function anyValue(v: string | number | boolean): AnyValue {
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: v };
}

function attributes(attrs: Record<string, string | number | boolean | undefined>): Array<{ key: string; value: AnyValue }> {
  const out = [];
  for (const [key, v] of Object.entries(attrs)) if (v !== undefined && v !== '') out.push({ key, value: anyValue(v) });
  return out;
}

/** Epoch milliseconds → decimal nanoseconds (a string: the value does not fit a double exactly). */
export function unixNanos(ms: number): string {
  const whole = Math.floor(ms);
  const frac = Math.min(999_999, Math.round((ms - whole) * 1e6));
  return `${whole}${String(frac).padStart(6, '0')}`;
}

/** The OTLP JSON request body for `spans` of one resource. */
export function otlpBody(resource: Record<string, string>, spans: SpanRecord[]): unknown {
  return {
    resourceSpans: [{
      resource: { attributes: attributes(resource) },
      scopeSpans: [{
        scope: { name: 'awsmesh-proxy' },
        spans: spans.map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          name: s.name,
          kind: s.kind,
          startTimeUnixNano: unixNanos(s.startMs),
          endTimeUnixNano: unixNanos(s.startMs + s.durationMs),
          attributes: attributes(s.attributes),
          status: s.error ? { code: 2 } : { code: 0 },
        })),
      }],
    }],
  };
}

export class OtlpExporter implements SpanSink {
  private queue: SpanRecord[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<unknown>;
  private closed = false;
  private warned = false;
  private readonly batchSize: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  /** Rendered under `tracing.otlp.*` in /stats. */
  readonly stats = { spans_exported: 0, spans_dropped: 0, export_success: 0, export_failed: 0 };

  constructor(
    readonly endpoint: URL,
    private readonly resource: Record<string, string>,
    private readonly opts: ExporterOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 512;
    this.maxQueue = opts.maxQueue ?? 8192;
    this.timeoutMs = opts.timeoutMs ?? 5000;
  }

  add(span: SpanRecord): void {
    if (this.closed || this.queue.length >= this.maxQueue) {
      this.stats.spans_dropped++;
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.batchSize) {
      if (!this.inFlight) void this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.opts.flushMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Sends everything queued (one batch at a time); resolves when the queue is empty or sending failed. */
  async flush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.batchSize);
      this.inFlight = this.send(batch).finally(() => {
        this.inFlight = undefined;
      });
      const ok = await this.inFlight;
      if (!ok) break;
    }
  }

  private send(batch: SpanRecord[]): Promise<boolean> {
    const body = JSON.stringify(otlpBody(this.resource, batch));
    return new Promise((resolve) => {
      const done = (ok: boolean, why?: string) => {
        if (ok) {
          this.stats.export_success++;
          this.stats.spans_exported += batch.length;
        } else {
          this.stats.export_failed++;
          this.stats.spans_dropped += batch.length;
          if (!this.warned) {
            this.warned = true;
            this.opts.log?.(`trace export to ${this.endpoint.href} failed (${why}); spans are dropped while it fails`);
          }
        }
        resolve(ok);
      };
      const req = http.request(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: this.timeoutMs,
      }, (res) => {
        res.resume();
        res.on('end', () => {
          const ok = (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;
          if (ok) this.warned = false;
          done(ok, `HTTP ${res.statusCode}`);
        });
        res.on('error', (e) => done(false, e.message));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => done(false, e.message));
      req.end(body);
    });
  }

  /** Flushes what is queued and stops accepting spans. */
  async shutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
    this.closed = true;
  }
}
