// Helpers for the TLS tests: a temp AWSMESH_HOME with a local CA, proxies in this process on
// ephemeral loopback ports, a tiny upstream app, and HTTP/TLS clients.

import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { translateVirtualNode, type ResolvedEndpoint, type TranslateOptions } from '../../src/envoy/translate';
import type { MeshSnapshot } from '../../src/mesh/types';
import { Proxy } from '../../src/dataplane/proxy';
import { CaStore, type CertificateRecord } from '../../src/tls/ca/store';

export function tempHome(prefix = 'awsmesh-tls-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface IssueOptions {
  dns?: string[];
  uris?: string[];
  secretNames?: string[];
  acmArns?: string[];
  chainPath?: string;
  keyPath?: string;
  trustPaths?: string[];
  days?: number;
}

/** Issues straight through the CA store (the CLI's `ca issue` is tested on its own). */
export function issue(ca: CaStore, o: IssueOptions): Promise<CertificateRecord> {
  return ca.issue({
    commonName: o.dns?.[0] ?? o.uris?.[0] ?? 'test',
    dns: o.dns ?? [], uris: o.uris ?? [], days: o.days ?? 30,
    describe: {
      secretNames: o.secretNames ?? [], acmArns: o.acmArns ?? [],
      certificateChainPaths: o.chainPath ? [o.chainPath] : [], privateKeyPaths: o.keyPath ? [o.keyPath] : [],
      trustChainPaths: o.trustPaths ?? [],
    },
  });
}

/** An HTTP/1.1 app answering `ok <name>` (and 200 on /ping) on an ephemeral port. */
export async function startEcho(name: string): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const body = JSON.stringify({ service: name, path: req.url, proto: req.headers['x-forwarded-proto'] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    }),
  };
}

export interface InProcessProxy {
  proxy: Proxy;
  ingressPort?: number;
  egressPort: number;
  update(snapshot: MeshSnapshot, endpoints?: Record<string, ResolvedEndpoint[]>): Promise<void>;
}

/** A sidecar for `node` in this process, using the CA in `caDir`. */
export async function startNodeProxy(
  snapshot: MeshSnapshot, node: string, caDir: string, opts: TranslateOptions = {}, log?: (line: string) => void,
): Promise<InProcessProxy> {
  const proxy = new Proxy(log, { caDir });
  const base: TranslateOptions = { listenAddress: '127.0.0.1', ingressPort: 0, egressPort: 0, ...opts };
  await proxy.apply(translateVirtualNode(snapshot, node, base));
  const find = (dir: string) => proxy.listeners().find((l) => l.direction === dir)?.port;
  const fixed: TranslateOptions = { ...base, ingressPort: find('INBOUND') ?? 0, egressPort: find('OUTBOUND')! };
  await proxy.apply(translateVirtualNode(snapshot, node, fixed));
  let endpoints = opts.endpoints;
  return {
    proxy, ingressPort: find('INBOUND'), egressPort: find('OUTBOUND')!,
    update: async (s, eps) => {
      if (eps) endpoints = eps;
      await proxy.apply(translateVirtualNode(s, node, { ...fixed, endpoints }));
    },
  };
}

export interface Reply {
  status: number;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

/** A request through an egress listener, as an app with HTTP_PROXY sends it. Errors → status 0. */
export function viaEgress(egressPort: number, url: string, keepAlive = true): Promise<Reply> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = http.request(
      { host: '127.0.0.1', port: egressPort, path: url, headers: { host: u.host }, agent: keepAlive ? agent : false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', (e) => resolve({ status: 0, body: String(e) }));
      },
    );
    req.on('error', (e) => resolve({ status: 0, body: String(e) }));
    req.end();
  });
}

/** A plain GET to host:port (no proxy). Errors → status 0 with the error text. */
export function plainGet(port: number, p = '/'): Promise<Reply> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: String(e) }));
  });
}

export function destroyAgent(): void {
  agent.destroy();
}

/** `prefix.field: value` of /stats-like groups → map. */
export function statsMap(groups: Array<[string, object, unknown?]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [prefix, obj] of groups) {
    for (const [k, v] of Object.entries(obj)) if (typeof v === 'number') out[`${prefix}.${k}`] = v;
  }
  return out;
}

