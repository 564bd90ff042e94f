// The namespaces of a `local up --netns` run: a hub namespace holding a bridge, and one namespace
// per proxy (its "instance") joined to the bridge by a veth pair. Every link is created inside a
// namespace of ours (`ip -n <ours> link add … peer … netns <ours>`), so the host's own namespace never
// holds, even for a moment, an interface, address, route or rule of ours. Names resolve through
// /etc/netns/<namespace>/hosts, which `ip netns exec` bind-mounts over /etc/hosts for what it starts.

import * as fs from 'fs';
import * as path from 'path';
import { alive, cmdlineOf } from '../local/runfile';
import { inNamespace, ip, listNamespaces, requireNetns, run } from './host-tools';
import { NETNS_PREFIX, NODE_PREFIX_LEN, ownerPid, runOf, type RunNames } from './names';

export const ETC_NETNS = '/etc/netns';

export interface NodeNamespace {
  /** `virtualNode/serviceB` or `virtualGateway/gw`. */
  label: string;
  namespace: string;
  address: string;
  /** The interface on the bridge side, inside the hub namespace. */
  hubLink: string;
}

/** hosts-file lines for every namespace: virtual services first (first match wins), then nodes. */
export function hostsFile(entries: Array<{ address: string; names: string[] }>): string {
  const lines = ['# Written by awsmesh local up --netns; removed by local down.', '127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  for (const e of entries) if (e.names.length) lines.push(`${e.address}\t${e.names.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

function writeNamespaceFile(namespace: string, file: string, text: string): void {
  const dir = path.join(ETC_NETNS, namespace);
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  // World-readable like /etc/hosts (the sidecar runs as uid 1337); created exclusively.
  fs.writeFileSync(path.join(dir, file), text, { flag: 'wx', mode: 0o644 });
}

export async function createHub(names: RunNames): Promise<void> {
  await ip('netns', 'add', names.hub);
  await ip('-n', names.hub, 'link', 'set', 'lo', 'up');
  await ip('-n', names.hub, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', names.hub, 'link', 'set', 'br0', 'up');
}

/** One proxy's namespace: loopback, a veth to the hub's bridge (eth0 inside), its address, a default route. */
export async function createNodeNamespace(names: RunNames, node: NodeNamespace, hosts: string): Promise<void> {
  const ns = node.namespace;
  await ip('netns', 'add', ns);
  await ip('-n', ns, 'link', 'set', 'lo', 'up');
  await ip('-n', names.hub, 'link', 'add', node.hubLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
  await ip('-n', names.hub, 'link', 'set', node.hubLink, 'master', 'br0', 'up');
  await ip('-n', ns, 'addr', 'add', `${node.address}/${NODE_PREFIX_LEN}`, 'dev', 'eth0');
  await ip('-n', ns, 'link', 'set', 'eth0', 'up');
  // An on-link default route: virtual service addresses must be routable for the OUTPUT chain's
  // REDIRECT to see the connection at all.
  await ip('-n', ns, 'route', 'add', 'default', 'dev', 'eth0');
  // The sidecar runs as uid 1337 without capabilities: let it bind a gateway's port 80 (this namespace only).
  await run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_unprivileged_port_start=0']);
  writeNamespaceFile(ns, 'hosts', hosts);
  // No DNS inside: names come from the hosts file, anything else fails at once (no resolver to time out on).
  writeNamespaceFile(ns, 'resolv.conf', '# Written by awsmesh local up --netns: names resolve through /etc/hosts only.\noptions attempts:1 timeout:1\n');
}

/** Process ids living in the namespace (as `ip netns pids` reports them). */
async function pidsIn(namespace: string): Promise<number[]> {
  const out = await run('ip', ['netns', 'pids', namespace], { allowFail: true });
  return out.split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 0);
}

/**
 * Removes namespaces of ours: every process still inside is killed, the namespace deleted (its
 * veths, bridge, addresses, routes and iptables rules go with it) and its /etc/netns directory
 * removed. Only names with our prefix are ever touched.
 */
export async function removeNamespaces(namespaces: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const ns of namespaces.filter((n) => runOf(n))) {
    for (const pid of await pidsIn(ns)) {
      // The pid lists are read from the namespace itself; re-check right before the signal.
      if (inNamespace(pid, ns)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    await run('ip', ['netns', 'del', ns], { allowFail: true });
    fs.rmSync(path.join(ETC_NETNS, ns), { recursive: true, force: true });
    removed.push(ns);
  }
  // /etc/netns itself, when ours were all it held (`ip netns exec` needs no directory at all).
  if (removed.length) {
    try {
      fs.rmdirSync(ETC_NETNS);
    } catch {
      /* not empty (someone else's namespaces), or already gone */
    }
  }
  return removed;
}

/** Our namespaces (and leftover /etc/netns directories) whose run is `run`, or all of ours. */
export async function namespacesOf(runPrefix?: string): Promise<string[]> {
  let dirs: string[] = [];
  try {
    dirs = fs.readdirSync(ETC_NETNS);
  } catch {
    /* no /etc/netns */
  }
  const all = new Set([...(await listNamespaces()), ...dirs].filter((n) => n.startsWith(NETNS_PREFIX) && runOf(n)));
  return [...all].filter((n) => !runPrefix || runOf(n) === runPrefix);
}

/** Whether the `local up` that made a namespace still runs (its pid alive and still awsmesh). */
function ownerRuns(namespace: string): boolean {
  const pid = ownerPid(namespace);
  if (pid === undefined || !alive(pid)) return false;
  const cmd = cmdlineOf(pid);
  return cmd === undefined || /awsmesh|node/.test(cmd);
}

/** Cleans up after `local up --netns` runs that died without cleaning up (crash, kill -9). */
export async function removeStaleNamespaces(): Promise<string[]> {
  return removeNamespaces((await namespacesOf()).filter((n) => !ownerRuns(n)));
}

/** `local down` for a run: whatever of it is left (the namespaces and what runs in them). */
export async function removeNetnsRun(runPrefix: string): Promise<string[]> {
  const left = await namespacesOf(runPrefix);
  if (!left.length) return [];
  requireNetns();
  return removeNamespaces(left);
}
