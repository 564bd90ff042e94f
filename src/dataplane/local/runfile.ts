// What runs, recorded under AWSMESH_HOME/run/: what `local up` started (local-up-<mesh>.json), so
// `local down` (another process) can stop it — the up process's pid, and each app's pid with its
// command line, so a recycled pid is never signalled — and each `awsmesh proxy` process's
// announcement (proxy-<pid>-<admin port>.json), so `local observe` finds proxies it did not start.

import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../../base/private-file';

export interface RunRecord {
  pid: number;
  mesh: string;
  region: string;
  startedAt: string;
  apps: Array<{ name: string; pid: number; cmdline: string }>;
  proxies: Array<{ name: string; ingress?: number; egress: number; admin: number }>;
  /** `local up --netns`: the run's namespaces (all named `<run>-…`), removed by `local down`. */
  netns?: { run: string; namespaces: string[]; nodes: Array<{ name: string; namespace: string; address: string }> };
}

export function runDir(home: string): string {
  return path.join(home, 'run');
}

export function runFile(home: string, mesh: string): string {
  return path.join(runDir(home), `local-up-${encodeURIComponent(mesh)}.json`);
}

export function writeRunRecord(home: string, rec: RunRecord): string {
  fs.mkdirSync(runDir(home), { recursive: true, mode: 0o700 });
  const file = runFile(home, rec.mesh);
  writeFileAtomic(file, `${JSON.stringify(rec, null, 2)}\n`);
  return file;
}

/** A running `awsmesh proxy`: its identity and ports. */
export interface ProxyAnnouncement {
  pid: number;
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
  admin: number;
  ingress?: number;
  egress?: number;
  startedAt: string;
}

export const ANNOUNCEMENT_PREFIX = 'proxy-';

/** Writes the announcement; the returned function removes it (call it when the proxy stops). */
export function announceProxy(home: string, rec: ProxyAnnouncement): () => void {
  const dir = runDir(home);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${ANNOUNCEMENT_PREFIX}${rec.pid}-${rec.admin}.json`);
  writeFileAtomic(file, `${JSON.stringify(rec, null, 2)}\n`);
  return () => fs.rmSync(file, { force: true });
}

export function readRunRecords(home: string): Array<{ file: string; record: RunRecord }> {
  let names: string[];
  try {
    names = fs.readdirSync(runDir(home));
  } catch {
    return [];
  }
  const out = [];
  for (const n of names.filter((x) => x.startsWith('local-up-') && x.endsWith('.json'))) {
    const file = path.join(runDir(home), n);
    try {
      out.push({ file, record: JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord });
    } catch {
      out.push({ file, record: undefined as unknown as RunRecord });
    }
  }
  return out;
}

export function removeRunRecord(file: string): void {
  fs.rmSync(file, { force: true });
}

/** Whether the process runs. A zombie (exited, not yet reaped by its parent) does not. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may contain spaces, so read after the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The process's command line (Linux /proc), or undefined where unavailable. */
export function cmdlineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}

/** True when `pid` still runs the command we started (or /proc cannot tell us otherwise). */
export function sameProcess(pid: number, expected: string | RegExp): boolean {
  if (!alive(pid)) return false;
  const actual = cmdlineOf(pid);
  if (actual === undefined) return true;
  return typeof expected === 'string' ? actual === expected || actual.includes(expected) : expected.test(actual);
}
