// Shared by the server tests: raw HTTP requests on loopback, a backend that records calls (for
// codec tests that need no provider), and temp AWSMESH_HOME handling.

import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { Backend, CallContext, Input, Output } from '../../src/backends/backend';
import type { ServiceName } from '../../src/model/services';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function rawRequest(
  url: string,
  opts: { method?: string; path: string; headers?: Record<string, string | number>; body?: string | Buffer },
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface RecordedCall {
  service: ServiceName;
  operation: string;
  input: Input;
  ctx: CallContext;
}

/** A Backend that answers from a script, for testing the codecs without provider semantics. */
export class RecordingBackend implements Backend {
  readonly kind = 'local' as const;
  readonly calls: RecordedCall[] = [];
  constructor(private readonly answer: (call: RecordedCall) => Output | Promise<Output> = () => ({})) {}

  async invoke(service: ServiceName, operation: string, input: Input, ctx: CallContext): Promise<Output> {
    const call = { service, operation, input, ctx };
    this.calls.push(call);
    return this.answer(call);
  }

  async close(): Promise<void> {}
}

export function tempHome(prefix = 'awsmesh-serve-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
