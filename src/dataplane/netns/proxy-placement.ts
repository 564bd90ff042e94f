// How an `awsmesh proxy` behaves when `local up --netns` started it inside one of its namespaces
// (AWSMESH_NETNS_ADDRESS = the namespace's address, AWSMESH_NETNS_UID = 1337):
// - its listeners bind all of the namespace's addresses (traffic arrives over its veth, or is
//   redirected to it by envoy-networking.sh) and peers reach this node at the namespace address;
// - it starts as root, opens the state database (and its WAL) while it still may — the home stays
//   the invoking user's, 0700, untouched — and then becomes uid 1337 for good, before it opens any
//   socket: envoy-networking.sh's owner rule lets uid 1337's connections out un-redirected, so the
//   sidecar's own upstream traffic is never looped back to its egress port. After the switch it
//   holds no capability at all.
// - TCP virtual services are routed by original destination (tcp/intercepted.ts).
// Honoured only inside a namespace of ours (never in the host's own).

import { UsageError } from '../../base/errors';
import { enableInterceptedTcp } from '../tcp/intercepted';
import { ownNamespace } from './host-tools';

export interface NetnsPlacement {
  listenAddress: string;
  advertiseHost: string;
  uid?: number;
}

export function netnsPlacement(env: NodeJS.ProcessEnv): NetnsPlacement | undefined {
  const address = env.AWSMESH_NETNS_ADDRESS;
  if (!address) return undefined;
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) throw new UsageError(`AWSMESH_NETNS_ADDRESS '${address}' is not an IPv4 address`);
  if (!ownNamespace()) {
    throw new UsageError('AWSMESH_NETNS_ADDRESS is set by `awsmesh local up --netns` for proxies inside its network namespaces only');
  }
  const uid = env.AWSMESH_NETNS_UID === undefined ? undefined : Number(env.AWSMESH_NETNS_UID);
  if (uid !== undefined && !(Number.isInteger(uid) && uid > 0)) throw new UsageError(`AWSMESH_NETNS_UID '${env.AWSMESH_NETNS_UID}' is not a user id`);
  return { listenAddress: '0.0.0.0', advertiseHost: address, uid };
}

/** Becomes `uid` (and its group, no supplementary groups) for the rest of the process's life. */
export function becomeProxyUser(uid: number): void {
  if (process.getuid?.() === uid) return;
  process.setgroups?.([]);
  process.setgid?.(uid);
  process.setuid?.(uid);
}

/** Routes redirected connections to TCP virtual services by their original destination (tcp/intercepted.ts). */
export function interceptTcp(log: (line: string) => void): void {
  const why = enableInterceptedTcp();
  if (why) log(`TCP virtual services are not reachable by address in this namespace (HTTP by name is): ${why}`);
}
