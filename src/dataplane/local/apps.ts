// Application processes started beside their sidecars (`local up` config entries, the demo's
// sample services): spawned with their sidecar's egress as HTTP_PROXY, output prefixed with the
// app's name on stderr, and stopped with SIGTERM (SIGKILL after a grace period).

import { spawn, type ChildProcess } from 'child_process';
import * as net from 'net';
import type { OutputStream } from '../../base/io';

export interface AppSpec {
  name: string;
  /** A shell command line, or an argv array (no shell). */
  command: string | string[];
  port: number;
  env?: Record<string, string>;
  cwd?: string;
  /** Argv prefix the command runs under (`ip netns exec <ns>` for `local up --netns`). */
  launcher?: string[];
  /** Resolves once the app serves (default: something accepts connections on 127.0.0.1:port). */
  ready?: (child: ChildProcess) => Promise<void>;
}

export interface RunningApp {
  name: string;
  port: number;
  child: ChildProcess;
  /** The command line as /proc shows it, to recognise the process later (`local down`). */
  cmdline: string;
  stop(graceMs?: number): Promise<void>;
}

function prefixLines(name: string, out: OutputStream): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    const text = partial + chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) out.write(`[${name}] ${l}\n`);
  };
}

/** Resolves once something accepts connections on 127.0.0.1:port (or rejects after `timeoutMs`). */
export function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child && child.exitCode !== null) return reject(new Error(`exited with code ${child.exitCode} before listening on port ${port}`));
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on port ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, sig);
  } catch {
    child.kill(sig);
  }
}

export async function startApp(spec: AppSpec, log: OutputStream, env: NodeJS.ProcessEnv): Promise<RunningApp> {
  const fullEnv = { ...env, PORT: String(spec.port), APP_PORT: String(spec.port), ...(spec.env ?? {}) };
  // Own process group, so stopping a shell command line also stops what it started.
  const argv = typeof spec.command === 'string' ? ['/bin/sh', '-c', spec.command] : spec.command;
  const [file, ...args] = [...(spec.launcher ?? []), ...argv];
  const child = spawn(file, args, { env: fullEnv, cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout!.on('data', prefixLines(spec.name, log));
  child.stderr!.on('data', prefixLines(spec.name, log));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  const app: RunningApp = {
    name: spec.name,
    port: spec.port,
    child,
    cmdline: typeof spec.command === 'string' ? `/bin/sh -c ${spec.command}` : spec.command.join(' '),
    stop: (graceMs = 2000) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      signalGroup(child, 'SIGTERM');
    }),
  };
  try {
    await (spec.ready ? spec.ready(child) : waitForPort(spec.port, 10_000, child));
  } catch (e) {
    await app.stop(200);
    throw new Error(`app ${spec.name}: ${(e as Error).message}`);
  }
  return app;
}
