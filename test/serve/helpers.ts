// `awsmesh serve` as a child process on ephemeral loopback ports (needs `npm run build`), and the
// pieces a test needs to talk to it as App Mesh's Envoy image does.

import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, ROOT, cleanEnv } from '../helpers/run-cli';

export interface ServeChild {
  child: ChildProcess;
  apiUrl: string;
  xdsPort: number;
  adminPort: number;
  stderr(): string;
  stop(): Promise<void>;
}

const live = new Set<() => Promise<void>>();
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((s) => s()));
}

export function startProductionServe(home: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeChild> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--xds-port', '0', '--admin-port', '0', ...args], {
    cwd: ROOT, env: cleanEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    live.delete(stop);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  live.add(stop);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const api = /^listening on (\S+)\n/m.exec(out);
      const xds = /^xds listening on \S+:(\d+)/m.exec(out);
      const admin = /^admin listening on http:\/\/\S+:(\d+)\n/m.exec(out);
      if (api && xds && admin) resolve({ child, apiUrl: api[1], xdsPort: Number(xds[1]), adminPort: Number(admin[1]), stderr: () => err, stop });
    });
    exited.then((code) => reject(new Error(`awsmesh serve exited with ${code} before listening:\n${err}`)));
  });
}

export function caRoot(home: string): Buffer {
  return fs.readFileSync(path.join(home, 'ca', 'root', 'ca.pem'));
}

/** GET on the admin port. */
export async function admin(port: number, p: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`);
  return { status: res.status, body: await res.text() };
}

/** One sample of a Prometheus text exposition, 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}
