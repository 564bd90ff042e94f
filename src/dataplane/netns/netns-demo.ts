// `awsmesh local demo --netns`: the demo's three services, each in its own network namespace
// behind the walkthrough's envoy-networking.sh (netns-mesh.ts, as `local up --netns` runs them):
// serviceA's app calls http://serviceb.apps.local/ with no proxy settings. The demo's requests go
// to serviceA's app from inside its namespace (demo-driver.ts), since nothing of the mesh is
// reachable from the host's own namespace.

import { execFile } from 'child_process';
import * as path from 'path';
import type { OutputStream } from '../../base/io';
import type { MeshSnapshot } from '../../mesh/types';
import type { ProxyEntry } from '../local/config';
import type { Tally } from '../local/traffic';
import { startNetnsMesh, type NetnsMesh } from './netns-mesh';

const DRIVER = path.join(__dirname, 'demo-driver.js');

export interface NetnsDemo {
  mesh: NetnsMesh;
  /** N requests into serviceA's app (C in flight), tallied by the service that answered. */
  drive(n: number, concurrency: number): Promise<Tally>;
  /** How many configurations serviceA's sidecar has applied. */
  updates(): Promise<number>;
}

export async function startNetnsDemo(o: {
  mesh: string; region: string; snapshot: MeshSnapshot; entries: ProxyEntry[]; dir: string; env: NodeJS.ProcessEnv;
  step: (text: string) => void; stderr: OutputStream;
}): Promise<NetnsDemo> {
  const mesh = await startNetnsMesh({ ...o, quiet: true });
  const a = mesh.nodes.find((n) => n.name === 'serviceA')!;
  const inA = (...args: string[]) => new Promise<unknown>((resolve, reject) => {
    execFile('ip', ['netns', 'exec', a.namespace, process.execPath, DRIVER, ...args], { timeout: 300_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`in namespace ${a.namespace}: ${String(stderr).trim() || err.message}`));
      else resolve(JSON.parse(String(stdout)));
    });
  });
  const port = Object.values(a.appPorts)[0];
  return {
    mesh,
    drive: async (n, c) => {
      const t = await inA('drive', String(port), 'servicea.apps.local', String(n), String(c)) as { counts: Record<string, number>; failures: number; statuses: Record<string, number>; ms: number };
      return { counts: new Map(Object.entries(t.counts)), failures: t.failures, statuses: new Map(Object.entries(t.statuses).map(([k, v]) => [Number(k), v])), ms: t.ms };
    },
    updates: async () => Number(await inA('updates')),
  };
}
