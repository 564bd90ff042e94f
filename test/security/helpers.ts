// Shared by the security tests: hostile inputs (deeply nested documents), a child-process run
// with stdin, and the facts some tests depend on (running as root, another user to act as).

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, cleanEnv, ROOT, runProcess, tempHome, type CliResult } from '../helpers/run-cli';

/** `depth` nested JSON lists: [[[…]]]. */
export function deepList(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** `depth` nested shorthand hashes under key a: a={a={…a=x…}}. */
export function deepShorthand(depth: number): string {
  return `${'a={'.repeat(depth - 1)}a=x${'}'.repeat(depth - 1)}`;
}

/** `depth` nested YAML block mappings (a:\n  a:\n    …). */
export function deepYamlBlocks(depth: number): string {
  let out = '';
  for (let i = 0; i < depth - 1; i++) out += `${' '.repeat(i)}a:\n`;
  return `${out}${' '.repeat(depth - 1)}a: x\n`;
}

/** Root can act as another user (nobody) and own files for it. */
export const IS_ROOT = process.geteuid?.() === 0;

/** uid/gid of `nobody`, when this machine has one. */
export function nobody(): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Why a root-only test did nothing (printed so the run says so). */
export function skippedWithoutRoot(what: string): boolean {
  if (IS_ROOT && nobody()) return false;
  // eslint-disable-next-line no-console
  console.log(`${what}: not checked — needs root and a 'nobody' user to act as another user on this machine`);
  return true;
}

/** `awsmesh …` as a child process with `input` on stdin. */
export function runBinWithInput(args: string[], input: string, home = tempHome(), timeoutMs = 30_000): Promise<CliResult> {
  return runProcess(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(home), input, timeoutMs });
}

/** A FIFO nobody writes to, in `dir`. */
export function makeFifo(dir: string, name = 'fifo'): string {
  const file = path.join(dir, name);
  const r = spawnSync('mkfifo', [file]);
  if (r.status !== 0) throw new Error(`mkfifo failed: ${r.stderr}`);
  return file;
}

export function writeFile(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}
