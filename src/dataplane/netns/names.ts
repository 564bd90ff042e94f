// Names and addresses of a `local up --netns` run. Everything awsmesh creates carries the prefix
// `awsmesh-<pid of local up>-<random>-`, so cleanup can tell its own namespaces from anyone
// else's and a stale run (its `local up` pid gone) from a live one.
//
// Addresses come from 198.18.0.0/15 (RFC 2544, reserved for benchmarking network interconnects):
// never routed on the internet and rarely used by real networks, so a packet capture or a log line
// shows at once that it is mesh-internal. They exist only inside our namespaces (the host's own
// namespace gets no address, route or interface), so they cannot clash with the host's networks:
// 198.18.0.0/16 holds the namespaces' own addresses (one bridge, one subnet), 198.19.0.0/16 one
// address per virtual service, which the namespaces' hosts files map the service names to.

import { randomBytes } from 'crypto';

export const NETNS_PREFIX = 'awsmesh-';
/** The walkthrough's (and ECS's) proxy settings: envoy-networking.sh defaults. */
export const PROXY_UID = 1337;
export const INGRESS_PORT = 15000;
export const EGRESS_PORT = 15001;
export const ADMIN_PORT = 9901;
/** The namespaces' subnet (on the bridge) and where virtual service addresses start. */
export const NODE_PREFIX_LEN = 16;

export interface RunNames {
  /** `awsmesh-<pid>-<random>`: every namespace of the run starts with this and a dash. */
  run: string;
  /** The namespace holding the bridge every node namespace is joined to. */
  hub: string;
}

export function newRun(pid = process.pid): RunNames {
  const run = `${NETNS_PREFIX}${pid}-${randomBytes(3).toString('hex')}`;
  return { run, hub: `${run}-hub` };
}

/** The `local up` pid a namespace name belongs to, or undefined for names that are not ours. */
export function ownerPid(namespace: string): number | undefined {
  const m = /^awsmesh-(\d+)-[0-9a-f]{6}-/.exec(namespace);
  return m ? Number(m[1]) : undefined;
}

/** The run prefix (`awsmesh-<pid>-<random>`) of one of our namespace names. */
export function runOf(namespace: string): string | undefined {
  return /^(awsmesh-\d+-[0-9a-f]{6})-/.exec(namespace)?.[1];
}

/** Namespace of the i-th proxy: index first (unique), the resource name after it for people. */
export function nodeNamespace(run: RunNames, i: number, resource: string): string {
  return `${run.run}-${i}-${resource.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 48)}`;
}

function address(second: number, n: number): string {
  if (n < 1 || n > 65_534) throw new Error(`address index ${n} is outside the /16`);
  return `198.${second}.${n >> 8}.${n & 255}`;
}

/** The i-th proxy namespace's address (198.18.0.2 onwards; .1 is left for a future gateway). */
export function nodeAddress(i: number): string {
  return address(18, i + 2);
}

/** The i-th virtual service's address (198.19.0.1 onwards). */
export function serviceAddress(i: number): string {
  return address(19, i + 1);
}
