// `awsmesh local serve` as a child process, the way users run it (needs `npm run build`), on an
// ephemeral loopback port. One helper for every suite that needs a server: it waits for the whole
// "listening on …" line (a pipe may split it mid-port) or the process's exit, never a fixed time.

import { spawn, type ChildProcess } from 'child_process';
import { BIN, ROOT } from './run-cli';

export interface ServeProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The ADS port, when started with --xds-port. */
  xdsPort?: number;
  stdout(): string;
  /** Everything written to stderr so far ('' when it is inherited). */
  stderr(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** The complete environment (e.g. cleanEnv(home, …)). */
  env: NodeJS.ProcessEnv;
  /** Options after `local serve --port 0`. */
  args?: string[];
  /** Pass the server's stderr through to the test output instead of collecting it. */
  inheritStderr?: boolean;
}

/** Every server started and not yet exited, with its stop() (stopServes() ends them all, e.g. in afterAll). */
const live = new Map<ChildProcess, () => Promise<void>>();

export async function stopServes(): Promise<void> {
  await Promise.all([...live.values()].map((stop) => stop()));
}

export function startServe(o: ServeOptions): Promise<ServeProcess> {
  const args = o.args ?? [];
  const child = spawn(process.execPath, [BIN, 'local', 'serve', '--port', '0', ...args], {
    cwd: ROOT, env: o.env, stdio: ['ignore', 'pipe', o.inheritStderr ? 'inherit' : 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    live.delete(child);
    resolve(code);
  }));
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const wantsXds = args.includes('--xds-port');
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  live.set(child, stop);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const http = /^listening on (http:\/\/\S+)\n/m.exec(stdout);
      const xds = /^xds listening on \S+:(\d+)\n/m.exec(stdout);
      if (http && (!wantsXds || xds)) {
        resolve({ child, url: http[1], xdsPort: xds ? Number(xds[1]) : undefined, stdout: () => stdout, stderr: () => stderr, exited, stop });
      }
    });
    exited.then((code) => reject(new Error(`local serve exited with ${code} before listening:\n${stderr}`)));
  });
}
