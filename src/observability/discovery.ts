// Finding the running proxies and their admin ports: `awsmesh local up` records its proxies in
// $AWSMESH_HOME/run/local-up-<mesh>.json, and each `awsmesh proxy` process announces itself in
// $AWSMESH_HOME/run/proxy-<pid>-<admin port>.json while it runs (virtual gateways and proxies
// against a remote control plane included, which the store's endpoint registrations do not cover).
// Both records are written by dataplane/local/runfile.ts.

import * as fs from 'fs';
import * as path from 'path';
import { alive, ANNOUNCEMENT_PREFIX, readRunRecords, runDir, type ProxyAnnouncement } from '../dataplane/local/runfile';

export interface DiscoveredProxy extends ProxyAnnouncement {
  /** Which record named it. */
  source: 'proxy' | 'local-up';
  file: string;
  /** Whether the recording process still runs. */
  running: boolean;
}

function isAnnouncement(x: unknown): x is ProxyAnnouncement {
  const r = x as ProxyAnnouncement;
  return !!r && typeof r === 'object' && Number.isInteger(r.pid) && typeof r.mesh === 'string' && typeof r.name === 'string'
    && (r.kind === 'virtualNode' || r.kind === 'virtualGateway') && Number.isInteger(r.admin);
}

/** Every proxy the run directory knows of (running or left behind by a killed process), optionally of one mesh. */
export function discoverProxies(home: string, mesh?: string): DiscoveredProxy[] {
  const out: DiscoveredProxy[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(runDir(home));
  } catch {
    return out;
  }
  for (const n of names.filter((x) => x.startsWith(ANNOUNCEMENT_PREFIX) && x.endsWith('.json'))) {
    const file = path.join(runDir(home), n);
    let rec: unknown;
    try {
      rec = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (isAnnouncement(rec)) out.push({ ...rec, source: 'proxy', file, running: alive(rec.pid) });
  }
  for (const { file, record } of readRunRecords(home)) {
    // A `local up --netns` run's admin ports live on its namespaces' loopbacks, not on this one:
    // 127.0.0.1:<port> here could be an unrelated process.
    if (!record?.proxies || record.netns) continue;
    const running = alive(record.pid);
    for (const p of record.proxies) {
      const [kind, name] = p.name.split('/') as [ProxyAnnouncement['kind'], string];
      if ((kind !== 'virtualNode' && kind !== 'virtualGateway') || !name) continue;
      out.push({
        pid: record.pid, mesh: record.mesh, kind, name, admin: p.admin, ingress: p.ingress, egress: p.egress,
        startedAt: record.startedAt, source: 'local-up', file, running,
      });
    }
  }
  return out
    .filter((p) => mesh === undefined || p.mesh === mesh)
    .sort((a, b) => a.mesh.localeCompare(b.mesh) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name) || a.admin - b.admin);
}
