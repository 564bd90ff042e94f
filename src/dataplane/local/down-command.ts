// `awsmesh local down`: stops what `local up` started (from its run records under AWSMESH_HOME).

import { localSettings } from '../../backends/local/settings';
import type { App } from '../../core/app';
import { GeneralError, UsageError } from '../../base/errors';
import { alive, readRunRecords, removeRunRecord, sameProcess } from './runfile';

export interface DownFlags {
  mesh?: string;
  timeout?: string;
}

async function waitExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

export async function runDown(app: App, flags: DownFlags): Promise<void> {
  const io = app.io;
  // Only the run records are needed: the state database stays closed (an open connection would
  // make the stopping `local up` wait on SQLite's busy timeout when it closes its own).
  const home = localSettings(app.env).home;
  if (flags.timeout !== undefined && !(/^\d+(\.\d+)?$/.test(flags.timeout) && Number(flags.timeout) > 0)) {
    throw new UsageError(`argument --timeout: expected seconds (a positive number), got '${flags.timeout}'`);
  }
  const timeoutMs = flags.timeout === undefined ? 10_000 : Number(flags.timeout) * 1000;
  const records = readRunRecords(home).filter((r) => !flags.mesh || r.record?.mesh === flags.mesh);
  if (!records.length) {
    io.stderr.write(flags.mesh ? `Mesh ${flags.mesh} is not up.\n` : 'Nothing is up.\n');
    return;
  }
  for (const { file, record } of records) {
    if (!record) {
      removeRunRecord(file);
      continue;
    }
    // Only signal the `local up` process if the pid still belongs to awsmesh.
    if (sameProcess(record.pid, /awsmesh|node/)) {
      process.kill(record.pid, 'SIGTERM');
      if (!(await waitExit(record.pid, timeoutMs))) {
        throw new GeneralError(`local up for mesh ${record.mesh} (pid ${record.pid}) did not stop within ${timeoutMs / 1000} s`);
      }
    }
    // Apps outlive an `up` that was killed outright: stop the ones still running what we started.
    for (const a of record.apps) {
      if (!sameProcess(a.pid, a.cmdline)) continue;
      try {
        process.kill(-a.pid, 'SIGTERM');
      } catch {
        process.kill(a.pid, 'SIGTERM');
      }
      if (!(await waitExit(a.pid, 2000))) {
        try {
          process.kill(-a.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    // `up --netns` removes its namespaces when it stops; after a crash or kill -9 they are still there.
    if (record.netns) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { removeNetnsRun } = require('../netns/topology') as typeof import('../netns/topology');
      const removed = await removeNetnsRun(record.netns.run);
      if (removed.length) io.stderr.write(`Removed ${removed.length} network namespace(s) of ${record.netns.run} left behind\n`);
    }
    removeRunRecord(file);
    io.stdout.write(`Stopped mesh ${record.mesh} (pid ${record.pid}, ${record.proxies.length} proxies, ${record.apps.length} apps)\n`);
  }
}
