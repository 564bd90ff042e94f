// Sidecar proxies announce themselves to the local control plane: while a proxy for a virtual
// node runs, its ingress socket is an endpoint of that node. A registration lives for
// `ttlSeconds` after the last register/heartbeat, and not past the death of the registering
// process when it gave its pid; stale rows are ignored and pruned on the next registration.

import { isIP } from 'net';
import { hostname } from 'os';
import { ParamError } from '../../../base/errors';
import type { Partition, Store, StoredResource, StoreTx } from '../store/store';
import type { Endpoint, ProxyEndpointKey, ProxyRegistration, VirtualNodeRef } from '../../backend';

export const DATAPLANE = 'dataplane';
export const ENDPOINT = 'endpoint';

export type { ProxyEndpointKey, ProxyRegistration } from '../../backend';

export interface ProxyEndpointRecord extends ProxyRegistration {
  registeredAt: number;
  expiresAt: number;
  /** The machine `pid` runs on: with a shared (PostgreSQL) store, other machines judge by the TTL alone. */
  pidHost?: string;
}

const nowSeconds = (): number => Date.now() / 1000;
const parentOf = (n: VirtualNodeRef): string => `${n.mesh}/${n.virtualNode}`;
const socketName = (host: string, port: number): string => (isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`);

function checkKey(k: ProxyEndpointKey): void {
  if (!k.mesh || !k.virtualNode) throw new ParamError('A proxy endpoint needs a mesh and a virtual node name.');
  if (typeof k.host !== 'string' || !(isIP(k.host) || /^[A-Za-z0-9.-]{1,253}$/.test(k.host))) {
    throw new ParamError(`Proxy endpoint host ${JSON.stringify(k.host)} is not an IP address or host name.`);
  }
  if (!Number.isInteger(k.port) || k.port < 1 || k.port > 65535) {
    throw new ParamError(`Proxy endpoint port ${String(k.port)} is not a port number (1-65535).`);
  }
}

function checkTtl(ttl: number): void {
  if (!Number.isFinite(ttl) || ttl <= 0 || ttl > 86_400) throw new ParamError(`ttlSeconds must be between 0 and 86400, not ${ttl}.`);
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isLive(r: ProxyEndpointRecord, now: number): boolean {
  return r.expiresAt > now && (r.pid === undefined || (r.pidHost !== undefined && r.pidHost !== hostname()) || processAlive(r.pid));
}

const asRecord = (row: StoredResource): ProxyEndpointRecord => row.data as unknown as ProxyEndpointRecord;

async function putRecord(tx: StoreTx, rec: ProxyEndpointRecord, now: number): Promise<void> {
  const name = socketName(rec.host, rec.port);
  await tx.put({
    service: DATAPLANE, kind: ENDPOINT, parent: parentOf(rec), name,
    arn: `awsmesh:dataplane:endpoint/${parentOf(rec)}/${name}`,
    data: rec as unknown as Record<string, unknown>, createdAt: rec.registeredAt, updatedAt: now,
  });
}

/** Registers (or re-registers) a proxy's endpoint and drops the node's stale registrations. */
export async function registerProxyEndpoint(
  store: Store, partition: Partition, reg: ProxyRegistration, now = nowSeconds(),
): Promise<ProxyEndpointRecord> {
  checkKey(reg);
  checkTtl(reg.ttlSeconds);
  const rec: ProxyEndpointRecord = {
    mesh: reg.mesh, virtualNode: reg.virtualNode, host: reg.host, port: reg.port, ttlSeconds: reg.ttlSeconds,
    registeredAt: now, expiresAt: now + reg.ttlSeconds,
  };
  if (reg.pid !== undefined) {
    rec.pid = reg.pid;
    rec.pidHost = hostname();
  }
  await store.write(partition, async (tx) => {
    for (const row of await tx.list(DATAPLANE, ENDPOINT, parentOf(reg))) {
      if (!isLive(asRecord(row), now)) await tx.delete(DATAPLANE, ENDPOINT, row.parent, row.name);
    }
    await putRecord(tx, rec, now);
  });
  return rec;
}

/**
 * Extends a live registration by its TTL (or `ttlSeconds` when given). Returns false when there is
 * nothing live to extend — the proxy should register again.
 */
export async function heartbeatProxyEndpoint(
  store: Store, partition: Partition, key: ProxyEndpointKey, opts: { ttlSeconds?: number; now?: number } = {},
): Promise<boolean> {
  checkKey(key);
  if (opts.ttlSeconds !== undefined) checkTtl(opts.ttlSeconds);
  const now = opts.now ?? nowSeconds();
  return store.write(partition, async (tx) => {
    const row = await tx.get(DATAPLANE, ENDPOINT, parentOf(key), socketName(key.host, key.port));
    if (!row || !isLive(asRecord(row), now)) return false;
    const rec = asRecord(row);
    if (opts.ttlSeconds !== undefined) rec.ttlSeconds = opts.ttlSeconds;
    rec.expiresAt = now + rec.ttlSeconds;
    await putRecord(tx, rec, now);
    return true;
  });
}

/** Removes a registration; false when there was none. */
export async function deregisterProxyEndpoint(store: Store, partition: Partition, key: ProxyEndpointKey): Promise<boolean> {
  checkKey(key);
  return store.write(partition, (tx) => tx.delete(DATAPLANE, ENDPOINT, parentOf(key), socketName(key.host, key.port)));
}

/** The live registrations of a node, inside a caller's transaction. */
export async function liveProxyRecords(tx: StoreTx, node: VirtualNodeRef, now: number): Promise<ProxyEndpointRecord[]> {
  return (await tx.list(DATAPLANE, ENDPOINT, parentOf(node))).map(asRecord).filter((r) => isLive(r, now));
}

export function proxyEndpoint(r: ProxyEndpointRecord): Endpoint {
  return { host: r.host, port: r.port, healthy: true, source: 'proxy' };
}

/** The node's live proxies as endpoints. */
export async function listProxyEndpoints(
  store: Store, partition: Partition, node: VirtualNodeRef, now = nowSeconds(),
): Promise<Endpoint[]> {
  return store.read(partition, async (tx) => (await liveProxyRecords(tx, node, now)).map(proxyEndpoint));
}
