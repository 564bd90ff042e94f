// Many concurrent "CLI processes" (test/local/fixtures/store-cli-worker.js), all released at the
// same moment: each runs the worker's mix of awsmesh commands and reports one JSON line per command.

import { spawn } from 'child_process';
import * as path from 'path';
import { ROOT } from './run-cli';

const WORKER = path.join(ROOT, 'test', 'local', 'fixtures', 'store-cli-worker.js');

export interface WorkerLine { worker: number; args?: string[]; code?: number; stderr?: string; crash?: string }
export interface WorkerExit { code: number | null; stderr: string }

export async function runCliWorkers(workers: number, mutations: number, env: NodeJS.ProcessEnv): Promise<{ lines: WorkerLine[]; exits: WorkerExit[] }> {
  const lines: WorkerLine[] = [];
  const children = Array.from({ length: workers }, (_, id) => {
    const child = spawn(process.execPath, [WORKER, String(id), String(mutations)], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line === 'ready') resolve();
          else lines.push(JSON.parse(line) as WorkerLine);
        }
      });
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<WorkerExit>((resolve) => child.on('close', (code) => resolve({ code, stderr })));
    return { child, ready, exited };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.child.stdin.end('go\n');
  return { exits: await Promise.all(children.map((c) => c.exited)), lines };
}
