// Test helpers: sample apps as real child processes, in-process proxies on ephemeral loopback
// ports, and a small HTTP client that talks to an egress listener the way HTTP_PROXY clients do.

import { spawn, type ChildProcess } from 'child_process';
import * as http from 'http';
import * as path from 'path';
import { translateVirtualGateway, translateVirtualNode, type ResolvedEndpoint, type TranslateOptions } from '../../src/envoy/translate';
import type { MeshSnapshot } from '../../src/mesh/types';
import { Proxy, type ProxyOptions } from '../../src/dataplane/proxy';
import { ROOT } from '../helpers/run-cli';

export { ROOT };
export const APP = path.join(ROOT, 'examples', 'apps', 'app.js');

export interface RunningApp {
  name: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts examples/apps/app.js (or another script printing "listening <port>") on a free port. */
export function startApp(name: string, env: Record<string, string> = {}, script = APP): Promise<RunningApp> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, APP_NAME: name, PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) {
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({
          name, port: Number(m[1]), child,
          stop: () => new Promise<void>((r) => {
            if (child.exitCode !== null || child.signalCode) return r();
            child.once('exit', () => r());
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`app ${name} exited (${code}) before listening`)));
    child.once('error', reject);
  });
}

export interface LocalProxy {
  proxy: Proxy;
  ingressPort?: number;
  egressPort: number;
  /** Re-translates from a new snapshot/endpoints and applies (a mesh change). */
  update(snapshot: MeshSnapshot, endpoints?: Record<string, ResolvedEndpoint[]>): Promise<void>;
}

/** A sidecar for `node`, in this process, on ephemeral 127.0.0.1 ports. */
export async function startProxy(
  snapshot: MeshSnapshot, node: string, opts: TranslateOptions = {}, proxyOptions?: ProxyOptions,
): Promise<LocalProxy> {
  const proxy = new Proxy(undefined, proxyOptions);
  const base: TranslateOptions = { listenAddress: '127.0.0.1', ingressPort: 0, egressPort: 0, ...opts };
  await proxy.apply(translateVirtualNode(snapshot, node, base));
  const find = (dir: string) => proxy.listeners().find((l) => l.direction === dir)?.port;
  const ingressPort = find('INBOUND');
  const egressPort = find('OUTBOUND')!;
  // Re-translate with the real ports so names and the gateway self-redirect are right.
  const fixed: TranslateOptions = { ...base, ingressPort: ingressPort ?? 0, egressPort };
  await proxy.apply(translateVirtualNode(snapshot, node, fixed));
  return {
    proxy, ingressPort, egressPort,
    update: async (s, endpoints) => {
      await proxy.apply(translateVirtualNode(s, node, { ...fixed, ...(endpoints ? { endpoints } : {}) }));
    },
  };
}

/** A virtual gateway's proxy, in this process; its first listener on an ephemeral port. */
export async function startGateway(
  snapshot: MeshSnapshot, gateway: string, listenerPort: number, opts: TranslateOptions = {},
): Promise<LocalProxy & { gatewayPort: number }> {
  const proxy = new Proxy();
  const base: TranslateOptions = { listenAddress: '127.0.0.1', egressPort: 0, gatewayPorts: { [listenerPort]: 0 }, ...opts };
  await proxy.apply(translateVirtualGateway(snapshot, gateway, base));
  const egressPort = proxy.listeners().find((l) => l.direction === 'OUTBOUND')!.port;
  const gatewayPort = proxy.listeners().find((l) => l.direction === 'INBOUND')!.port;
  // The self-redirect cluster must point at the real egress port.
  const fixed: TranslateOptions = { ...base, egressPort, gatewayPorts: { [listenerPort]: gatewayPort } };
  await proxy.apply(translateVirtualGateway(snapshot, gateway, fixed));
  return {
    proxy, egressPort, gatewayPort,
    update: async (s, endpoints) => {
      await proxy.apply(translateVirtualGateway(s, gateway, { ...fixed, ...(endpoints ? { endpoints } : {}) }));
    },
  };
}

export const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET/POST through an HTTP proxy (absolute-form target), as an app with HTTP_PROXY would. */
export function viaProxy(
  proxyPort: number, url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: '127.0.0.1', port: proxyPort, path: url, method: opts.method ?? 'GET', agent: keepAlive,
      headers: { host: u.host, ...(opts.headers ?? {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Runs `n` requests with `concurrency` in flight; returns the replies (errors as status 0). */
export async function load(n: number, concurrency: number, one: (i: number) => Promise<Reply>): Promise<Reply[]> {
  const out: Reply[] = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      try {
        out[i] = await one(i);
      } catch (e) {
        out[i] = { status: 0, headers: {}, body: String(e) };
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** Counts replies by the `service` field of their JSON body (or by status when not 200). */
export function tally(replies: Reply[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const r of replies) {
    let key = `status ${r.status}`;
    if (r.status === 200) {
      try {
        key = JSON.parse(r.body).service;
      } catch {
        key = 'unparsable';
      }
    }
    t[key] = (t[key] ?? 0) + 1;
  }
  return t;
}

