// The proxies page: the sidecars `local up` and `awsmesh proxy` recorded (their admin /server_info:
// state, configuration version, applied and rejected updates), and the Envoys connected to the xDS
// server with each type's sync state (CSDS: SYNCED, NACKED with the reason, versions).

import { discoverProxies, type DiscoveredProxy } from '../observability/discovery';
import { fetchText } from '../observability/scrape';
import { parseNodeId } from '../xds/node-id';
import type { ProxyStatus } from '../xds/status-client';
import type { ProxiesView, ProxyRow, XdsClientView } from './api-types';
import type { ConsoleSource, ProxyResource } from './source';

async function sidecarRow(p: DiscoveredProxy): Promise<ProxyRow> {
  const row: ProxyRow = {
    mesh: p.mesh, kind: p.kind, name: p.name, pid: p.pid, admin: p.admin, source: p.source, running: p.running,
    state: p.running ? 'unreachable' : 'stopped',
  };
  if (!p.running) return row;
  try {
    const res = await fetchText(p.admin, '/server_info', 2000);
    const info = JSON.parse(res.body) as { state?: string; config?: { version?: number; updates?: ProxyRow['updates'] } };
    row.state = info.state ?? `HTTP ${res.status}`;
    row.configVersion = info.config?.version;
    row.updates = info.config?.updates;
  } catch (e) {
    row.error = (e as Error).message;
  }
  return row;
}

const RANK = ['NACKED', 'NOT_SENT', 'STALE', 'SYNCED'];

export function xdsClientView(p: ProxyStatus): XdsClientView {
  const types = Object.entries(p.types).map(([type, t]) => ({
    type, state: t.state, sentVersion: t.sentVersion, ackedVersion: t.ackedVersion, nacks: t.nacks, ...(t.lastNack ? { lastNack: t.lastNack } : {}),
  }));
  const state = types.length ? types.map((t) => t.state).sort((a, b) => RANK.indexOf(a) - RANK.indexOf(b))[0] : 'NOT_SENT';
  return { nodeId: p.nodeId, client: p.client || p.flavor, peer: p.peer, connectedAt: p.connectedAt, state, types, invalid: p.invalid };
}

/** Node ids name their mesh (`mesh/apps/virtualNode/serviceB`); others are shown for every mesh. */
function inMesh(nodeId: string, mesh: string | undefined): boolean {
  const m = /^mesh\/([^/]+)\//.exec(nodeId);
  return !mesh || !m || m[1] === mesh;
}

export async function proxiesView(source: ConsoleSource, mesh: string | undefined): Promise<ProxiesView> {
  let hidden = 0;
  const allowed = await source.proxyFilter?.();
  const visible = (proxy: ProxyResource | undefined) => {
    // A client whose node id names no resource is shown only where everyone may see every proxy.
    const ok = allowed ? !!proxy && allowed(proxy) : true;
    if (!ok) hidden++;
    return ok;
  };
  const found = discoverProxies(source.home, mesh).filter((p) => visible(p));
  const sidecars = await Promise.all(found.map(sidecarRow));
  const view: ProxiesView = { mesh, sidecars };
  if (source.xds) {
    try {
      const clients = (await source.xds.status()).filter((p) => inMesh(p.nodeId, mesh) && visible(parseNodeId(p.nodeId))).map(xdsClientView);
      view.xds = { address: source.xds.address, clients };
    } catch (e) {
      view.xds = { address: source.xds.address, clients: [], error: (e as Error).message };
    }
  }
  if (hidden) view.hidden = hidden;
  return view;
}
