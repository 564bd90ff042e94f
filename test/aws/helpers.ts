// Shared test fixtures for the aws backend: a scripted HTTP server on 127.0.0.1 standing in for
// AWS, temp directories for AWS config files, and backend options with no ambient configuration.

import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import type { AwsBackendOptions } from '../../src/backends/aws';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Reply = (req: RecordedRequest, res: http.ServerResponse) => void;

/** A server that records every request and answers with the current `reply`. */
export class FakeAws {
  readonly requests: RecordedRequest[] = [];
  reply: Reply = (_req, res) => json(res, 200, {});
  private server?: http.Server;

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rec = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.requests.push(rec);
        this.reply(rec, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1', ...headers });
  res.end(JSON.stringify(body));
}

const heldPorts: Array<{ server: net.Server; sockets: net.Socket[] }> = [];

/**
 * A port nothing listens on, and nothing else can take while the test uses it: the local port of
 * an open loopback connection. The kernel refuses connections to it and never hands it to a
 * listener (a port bound once and released could be reused by any process before the test
 * connects). Free them with releaseClosedPorts().
 */
export async function closedPort(): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  sockets.push(client);
  await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
  heldPorts.push({ server, sockets });
  return client.localPort!;
}

export async function releaseClosedPorts(): Promise<void> {
  for (const { server, sockets } of heldPorts.splice(0)) {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `awsmesh-aws-${prefix}-`));
}

/** An environment with no ambient AWS configuration: empty HOME, no keys, no IMDS. */
export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWSMESH_HOME: path.join(home, 'awsmesh'),
    ...extra,
  };
}

/** Options as the CLI passes them for `--backend aws` with env keys and a region. */
export function backendOptions(over: Partial<AwsBackendOptions> = {}): AwsBackendOptions {
  return {
    env: { AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret-test-key', AWS_EC2_METADATA_DISABLED: 'true' },
    region: 'us-east-1',
    profile: { name: 'default', exists: true, values: {} },
    verifySsl: true,
    signRequest: true,
    ...over,
  };
}

/** The access key id a request was signed with (from the SigV4 Credential scope). */
export function signedWith(req: RecordedRequest): string | undefined {
  return /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1];
}
