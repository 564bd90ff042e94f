// The foreground part of `awsmesh local up --netns`: start the namespaces (netns-mesh.ts), record
// them for `local down`, print where everything is, and on Ctrl-C / SIGTERM remove it all.

import type { OutputStream } from '../../base/io';
import type { Progress } from '../../base/progress';
import type { MeshSnapshot } from '../../mesh/types';
import type { ProxyEntry } from '../local/config';
import { removeRunRecord, writeRunRecord, type RunRecord } from '../local/runfile';
import { ADMIN_PORT, EGRESS_PORT, INGRESS_PORT } from './names';
import { startNetnsMesh, type NetnsMesh } from './netns-mesh';

export interface NetnsUpOptions {
  mesh: string;
  region: string;
  entries: ProxyEntry[];
  snapshot: MeshSnapshot;
  dir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  quiet?: boolean;
  progress: Progress;
  stdout: OutputStream;
  stderr: OutputStream;
  color: boolean;
}

export async function runNetnsUp(o: NetnsUpOptions, stop: Promise<unknown>): Promise<void> {
  let running: NetnsMesh | undefined;
  let runFile: string | undefined;
  try {
    running = await startNetnsMesh({
      mesh: o.mesh, region: o.region, entries: o.entries, snapshot: o.snapshot, dir: o.dir, env: o.env, quiet: o.quiet,
      step: (t) => o.progress.step(t), stderr: o.stderr,
    });
    const record: RunRecord = {
      pid: process.pid, mesh: o.mesh, region: o.region, startedAt: new Date().toISOString(),
      apps: running.nodes.flatMap((n) => (n.app ? [{ name: n.name, pid: n.app.child.pid!, cmdline: n.app.cmdline }] : [])),
      proxies: running.nodes.map((n) => ({ name: n.label, ingress: n.kind === 'virtualNode' ? INGRESS_PORT : undefined, egress: EGRESS_PORT, admin: ADMIN_PORT })),
      netns: {
        run: running.run.run,
        namespaces: running.namespaces,
        nodes: running.nodes.map((n) => ({ name: n.label, namespace: n.namespace, address: n.address })),
      },
    };
    runFile = writeRunRecord(o.home, record);
    const apps = record.apps.length;
    o.progress.done(`Mesh ${o.mesh} is up in ${running.nodes.length} network namespace(s): ${running.nodes.length} prox${running.nodes.length === 1 ? 'y' : 'ies'}, ${apps} app${apps === 1 ? '' : 's'}`);
    o.stdout.write(table(running, o.color));
    o.stderr.write(
      `Apps call services by name (e.g. http://${o.snapshot.virtualServices[0]?.virtualServiceName ?? 'service.local'}/), with no proxy settings: ` +
      `envoy-networking.sh sends their connections to the sidecar. Enter a namespace with: ip netns exec ${running.nodes[0]?.namespace ?? '<namespace>'} <command>. ` +
      `Ctrl-C or \`awsmesh local down --mesh ${o.mesh}\` stops everything and removes the namespaces.\n`,
    );
    const sig = await stop;
    o.stderr.write(`${typeof sig === 'string' ? `${sig}: ` : ''}stopping mesh ${o.mesh} and removing its namespaces\n`);
  } catch (e) {
    o.progress.fail(`Could not start mesh ${o.mesh} in network namespaces`);
    throw e;
  } finally {
    await running?.stop();
    if (runFile) removeRunRecord(runFile);
  }
}

function table(m: NetnsMesh, color: boolean): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Table = require('cli-table3') as typeof import('cli-table3');
  const t = new Table({ head: ['Proxy', 'Namespace', 'Address', 'App', 'Ingress', 'Egress', 'Admin'], style: color ? undefined : { head: [], border: [] } });
  for (const n of m.nodes) {
    const ports = Object.entries(n.appPorts).map(([l, a]) => (l === String(a) ? l : `${l}→${a}`)).join(', ');
    t.push([
      n.label, n.namespace, n.address,
      n.app ? `pid ${n.app.child.pid}, port ${ports}` : '-',
      n.kind === 'virtualNode' ? `${INGRESS_PORT}${ports ? ` (redirected from ${ports})` : ''}` : '-',
      `127.0.0.1:${EGRESS_PORT} (all outbound TCP)`,
      `127.0.0.1:${ADMIN_PORT}`,
    ]);
  }
  return `${t.toString()}\n`;
}
