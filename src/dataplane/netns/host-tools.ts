// The Linux tools `local up --netns` drives (iproute2's `ip`, iptables through the vendored
// envoy-networking.sh, procps' `sysctl`), and the privilege check that comes before any of
// them: refusing early with a clear message beats failing half-way through the set-up.

import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { GeneralError } from '../../base/errors';

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat('/usr/sbin', '/sbin')
    .some((d) => d && fs.existsSync(path.join(d, tool)));
}

function effectiveCaps(): bigint {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? BigInt(`0x${m[1]}`) : 0n;
  } catch {
    return 0n;
  }
}

/** Why network namespaces cannot be used here, or undefined when they can. */
export function netnsUnsupported(): string | undefined {
  if (process.platform !== 'linux') return `--netns needs Linux network namespaces (this is ${process.platform})`;
  const caps = effectiveCaps();
  // `ip netns add` bind-mounts the namespace under /run/netns (CAP_SYS_ADMIN); links, addresses and
  // iptables rules need CAP_NET_ADMIN. Root has both.
  const missing = [[CAP_NET_ADMIN, 'CAP_NET_ADMIN'], [CAP_SYS_ADMIN, 'CAP_SYS_ADMIN']]
    .filter(([bit]) => !(caps & (1n << BigInt(bit)))).map(([, name]) => name);
  if (missing.length) {
    return `--netns creates network namespaces and iptables rules: run as root (sudo) or with ${missing.join(' and ')} (missing here)`;
  }
  const tools = ['ip', 'iptables', 'sysctl', 'bash'].filter((t) => !onPath(t));
  if (tools.length) return `--netns needs ${tools.join(', ')} on PATH (Debian: apt-get install iproute2 iptables procps)`;
  return undefined;
}

export function requireNetns(): void {
  const why = netnsUnsupported();
  if (why) throw new GeneralError(why);
}

/** Runs a tool to completion; a failure throws with its stderr (the useful part of the message). */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: opts.env ?? process.env, timeout: 30_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err && !opts.allowFail) {
        reject(new GeneralError(`${cmd} ${args.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      } else resolve(String(stdout));
    });
    child.stdin?.end();
  });
}

export const ip = (...args: string[]): Promise<string> => run('ip', args);

/** Every network namespace name `ip netns` knows (ours or not). */
export async function listNamespaces(): Promise<string[]> {
  const out = await run('ip', ['netns', 'list'], { allowFail: true });
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
}

/** The inode naming a namespace (as /proc/<pid>/ns/net shows it), or undefined when it is gone. */
export function namespaceInode(name: string): number | undefined {
  try {
    return fs.statSync(path.join('/run/netns', name)).ino;
  } catch {
    return undefined;
  }
}

/** Whether `pid` currently lives in the network namespace `name`. */
export function inNamespace(pid: number, name: string): boolean {
  const ino = namespaceInode(name);
  try {
    return ino !== undefined && fs.readlinkSync(`/proc/${pid}/ns/net`) === `net:[${ino}]`;
  } catch {
    return false;
  }
}

/** The awsmesh namespace (`awsmesh-…` under /run/netns) this process runs in, if it runs in one of ours. */
export function ownNamespace(): string | undefined {
  try {
    const self = fs.readlinkSync('/proc/self/ns/net');
    return fs.readdirSync('/run/netns').find((n) => n.startsWith('awsmesh-') && `net:[${namespaceInode(n)}]` === self);
  } catch {
    return undefined;
  }
}

/** Whether something listens on TCP `port` in the namespace `pid` lives in (its /proc/<pid>/net/tcp*). */
export function listeningIn(pid: number, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const f of ['tcp', 'tcp6']) {
    try {
      const lines = fs.readFileSync(`/proc/${pid}/net/${f}`, 'utf8').split('\n').slice(1);
      // "sl local_address rem_address st …": state 0A is LISTEN.
      if (lines.some((l) => { const c = l.trim().split(/\s+/); return c[1]?.endsWith(`:${hex}`) && c[3] === '0A'; })) return true;
    } catch {
      /* the process is gone */
    }
  }
  return false;
}
