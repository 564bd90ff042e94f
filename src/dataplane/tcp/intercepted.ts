// `local up --netns`: envoy-networking.sh redirects every outbound connection of the namespace to
// the egress listener. HTTP says where it goes (Host / :authority); a TCP virtual service is
// known only by where the app was connecting — its virtual service address (the namespace's
// /etc/hosts maps names to addresses) and port, as App Mesh's Envoy matches a TCP listener by
// original destination. Such a connection is tunnelled at once (server-first protocols included);
// anything else goes on to the HTTP codecs.

import * as fs from 'fs';
import type * as net from 'net';
import { pickTarget } from '../config/route-table';
import { RequestView } from '../config/request-view';
import type { ChainState } from '../config/runtime';
import { loadOriginalDst, originalDestination } from './original-dst';
import { proxyTcpConnection } from './tunnel';

/** Address → the host names /etc/hosts gives it; set when interception is on. */
let names: Map<string, string[]> | undefined;

/** Hosts-file text → address → names (comments and blank lines skipped). */
export function parseHosts(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const [address, ...hosts] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && hosts.length) out.set(address, [...(out.get(address) ?? []), ...hosts]);
  }
  return out;
}

/**
 * Turns on routing by original destination for this process's egress listeners (the namespace's
 * hosts file is read now: `local up --netns` writes it before the sidecar starts). Returns why it
 * cannot, if it cannot.
 */
export function enableInterceptedTcp(hostsFile = '/etc/hosts'): string | undefined {
  const why = loadOriginalDst();
  if (why) return why;
  names = parseHosts(fs.readFileSync(hostsFile, 'utf8'));
  return undefined;
}

/**
 * If `socket` was redirected here on its way to a TCP virtual service, tunnels it to that
 * service's cluster and returns true; false leaves it to the HTTP codecs.
 */
export function tunnelIntercepted(socket: net.Socket, state: ChainState): boolean {
  if (!names || !state.hcm?.connect) return false;
  const dst = originalDestination(socket);
  const hosts = dst && names.get(dst.address);
  const table = hosts && state.generation.routeTables.get(state.hcm.routeConfigName);
  if (!table) return false;
  for (const host of hosts) {
    const authority = `${host}:${dst.port}`;
    const { route } = table.route(new RequestView('CONNECT', authority, '', { host: authority }, 'http'), true);
    if (!route || route.direct) continue;
    proxyTcpConnection(socket, state.generation.clusters.get(pickTarget(route)), route.idleTimeoutMs, state.hcm.accessLog);
    return true;
  }
  return false;
}
