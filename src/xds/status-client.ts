// `awsmesh envoy status`: asks an xDS server's CSDS endpoint what each connected proxy has, and
// prints it like `istioctl proxy-status` (one row per proxy, one column per xDS type).

import * as grpc from '@grpc/grpc-js';
import { GeneralError } from '../base/errors';
import { csdsService, type ClientStatusResponse } from './protocol';
import { XDS_TYPES } from './resource-types';
import type { SyncState } from './status';
import { fromStruct } from '../envoy/validate/struct';

export interface ProxyTypeStatus {
  state: SyncState;
  sentVersion: string;
  ackedVersion: string;
  nacks: number;
  subscribed: string[] | '*';
  resources: number;
  lastNack?: { version: string; message: string; at: string };
}

export interface ProxyStatus {
  nodeId: string;
  client: string;
  flavor: string;
  peer: string;
  stream: number;
  connectedAt: string;
  invalid: string[];
  types: Record<string, ProxyTypeStatus>;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function toProxyStatus(config: Json): ProxyStatus {
  const meta = (fromStruct(config.node?.metadata).awsmesh ?? {}) as Json;
  const types: Record<string, ProxyTypeStatus> = {};
  for (const [type, t] of Object.entries((meta.types ?? {}) as Json)) {
    types[type] = {
      state: t.state, sentVersion: t.sent_version, ackedVersion: t.acked_version, nacks: t.nacks,
      subscribed: t.subscribed, resources: t.resources, ...(t.last_nack ? { lastNack: t.last_nack } : {}),
    };
  }
  return {
    nodeId: config.node?.id ?? '',
    client: config.node?.user_agent_name ?? '',
    flavor: meta.flavor ?? '',
    peer: meta.peer ?? '',
    stream: meta.stream ?? 0,
    connectedAt: meta.connected_at ?? '',
    invalid: meta.invalid ?? [],
    types,
  };
}

export async function fetchXdsStatus(address: string, timeoutMs = 5000): Promise<ProxyStatus[]> {
  const Client = grpc.makeGenericClientConstructor(csdsService(), 'ClientStatusDiscoveryService');
  const client = new Client(address, grpc.credentials.createInsecure());
  try {
    const response = await new Promise<ClientStatusResponse>((resolve, reject) => {
      (client as unknown as Json).FetchClientStatus(
        { exclude_resource_contents: true }, { deadline: Date.now() + timeoutMs },
        (err: grpc.ServiceError | null, res: ClientStatusResponse) => (err ? reject(err) : resolve(res)),
      );
    });
    return (response.config ?? []).map((c) => toProxyStatus(c as Json));
  } catch (e) {
    const err = e as grpc.ServiceError;
    throw new GeneralError(`Could not get the status of the xDS server at ${address}: ${err.details || err.message}`);
  } finally {
    client.close();
  }
}

const TYPES = XDS_TYPES.map((t) => t.short);

function cell(t: ProxyTypeStatus | undefined): string {
  if (!t) return '-';
  if (t.state === 'NACKED') return `NACKED v${t.lastNack?.version ?? t.sentVersion} (ACKed v${t.ackedVersion || '-'})`;
  if (t.state === 'NOT_SENT') return 'NOT SENT';
  return `${t.state} v${t.state === 'SYNCED' ? t.ackedVersion : t.sentVersion}`;
}

export function formatStatusTable(proxies: ProxyStatus[]): string {
  if (!proxies.length) return 'No proxies are connected.\n';
  const header = ['NODE', 'CLIENT', ...TYPES, 'NACKS', 'PEER'];
  const rows = proxies.map((p) => [
    p.nodeId, p.flavor, ...TYPES.map((t) => cell(p.types[t])),
    String(TYPES.reduce((n, t) => n + (p.types[t]?.nacks ?? 0), 0)), p.peer,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `${r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`;
  let out = line(header) + rows.map(line).join('');
  for (const p of proxies) {
    for (const t of TYPES) {
      const n = p.types[t]?.lastNack;
      if (n && p.types[t].state === 'NACKED') out += `\n${p.nodeId} rejected ${t} v${n.version} at ${n.at}:\n  ${n.message}\n`;
    }
    if (p.invalid.length) out += `\n${p.nodeId}: not served (invalid for Envoy): ${p.invalid.join(', ')}\n`;
  }
  return out;
}
