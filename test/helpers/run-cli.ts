// Shared test helpers: run the CLI in-process with fake IO, or as a real child process.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli as runCliInProcess } from '../../src/cli/main';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'awsmesh');
export const WALKTHROUGH = path.join(ROOT, 'examples', 'walkthrough-ec2');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** AWSMESH_HOME for this run (a fresh temp dir when omitted). */
  home?: string;
  stdoutIsTTY?: boolean;
  timeoutMs?: number;
}

/** A fresh, empty directory for AWSMESH_HOME (removed by cleanupHomes). */
const homes: string[] = [];
export function tempHome(prefix = 'awsmesh-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  homes.push(dir);
  return dir;
}
export function cleanupHomes(): void {
  for (const d of homes.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** Environment without the developer's AWS settings leaking into tests. */
export function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS') && !k.startsWith('AWSMESH') && k !== 'NO_COLOR') env[k] = v;
  }
  return {
    ...env,
    AWSMESH_HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** The CLI in this process with captured output (fast; used for most CLI tests). */
export async function runCli(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const home = opts.home ?? tempHome();
  let stdout = '';
  let stderr = '';
  const code = await runCliInProcess(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdoutIsTTY: opts.stdoutIsTTY ?? false,
    stderrIsTTY: false,
    env: cleanEnv(home, opts.env),
    cwd: opts.cwd ?? ROOT,
  });
  return { code, stdout, stderr };
}

/** `node bin/awsmesh …` as a real child process (needs `npm run build`). */
export function runBin(args: string[], opts: RunOptions = {}): Promise<CliResult> {
  const home = opts.home ?? tempHome();
  return runProcess(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: cleanEnv(home, opts.env), timeoutMs: opts.timeoutMs });
}

/** Any program as a child process, its output collected; SIGKILLed at the deadline (30 s by default). */
export function runProcess(
  command: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd ?? ROOT,
      env: opts.env,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + 15 : 255), stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}
