// One sidecar inside its namespace, as on the walkthrough's EC2 instance: an `awsmesh proxy`
// process started with `ip netns exec <ns>`, told the namespace's address and to become uid 1337
// once its state database is open (netns/proxy-placement.ts), so envoy-networking.sh's owner rule
// lets its own upstream connections out instead of looping them back to its egress port.

import { spawn, type ChildProcess } from 'child_process';
import * as path from 'path';
import { ADMIN_PORT, EGRESS_PORT, INGRESS_PORT, PROXY_UID } from './names';

const CLI = path.resolve(__dirname, '..', '..', '..', 'bin', 'awsmesh');

export interface SidecarProcessSpec {
  namespace: string;
  address: string;
  mesh: string;
  region: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
  /** Listener port → app port, for nodes with listeners. */
  appPorts?: Record<number, number>;
  quiet?: boolean;
  env: NodeJS.ProcessEnv;
}

export interface SidecarProcess {
  child: ChildProcess;
  cmdline: string;
  /** The proxy's `ready …` line. */
  ready: string;
  stop(graceMs?: number): Promise<void>;
}

export function sidecarArgv(s: SidecarProcessSpec): string[] {
  const proxy = [
    'proxy', '--region', s.region, '--mesh', s.mesh, s.kind === 'virtualNode' ? '--virtual-node' : '--virtual-gateway', s.name,
    '--egress-port', String(EGRESS_PORT), '--admin-port', String(ADMIN_PORT),
  ];
  if (s.kind === 'virtualNode') proxy.push('--ingress-port', String(INGRESS_PORT));
  if (s.appPorts && Object.keys(s.appPorts).length) proxy.push('--app-port', Object.entries(s.appPorts).map(([l, a]) => `${l}=${a}`).join(','));
  if (s.quiet) proxy.push('--quiet');
  // The admin port is the namespace's 127.0.0.1:9901, reachable only by what root starts in the
  // namespace (`ip netns exec`), while the sidecar itself runs as uid 1337: let root's tools in.
  proxy.push('--allow-other-users');
  return [
    'ip', 'netns', 'exec', s.namespace, process.execPath, CLI, ...proxy,
  ];
}

/** Starts the proxy and resolves once it printed its ready line (rejects if it exits first). */
export function startSidecarProcess(s: SidecarProcessSpec, log: (line: string) => void, timeoutMs = 60_000): Promise<SidecarProcess> {
  const argv = sidecarArgv(s);
  const child = spawn(argv[0], argv.slice(1), {
    env: { ...s.env, AWSMESH_NETNS_ADDRESS: s.address, AWSMESH_NETNS_UID: String(PROXY_UID) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const label = `proxy ${s.name}`;
  let stderr = '';
  let partial = '';
  child.stderr!.on('data', (c: Buffer) => {
    const text = partial + c.toString();
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) {
      stderr = `${stderr}${l}\n`.slice(-4000);
      log(`[${label}] ${l}`);
    }
  });
  const stop = (graceMs = 3000) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void stop(200);
      reject(new Error(`${label} in namespace ${s.namespace} did not become ready within ${timeoutMs / 1000} s\n${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('ready '));
      if (line) {
        clearTimeout(timer);
        resolve({ child, cmdline: argv.slice(argv.indexOf(process.execPath)).join(' '), ready: line, stop });
      }
    });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      reject(new Error(`${label} in namespace ${s.namespace} exited (${sig ?? `code ${code}`}) before it was ready\n${stderr.trim()}`));
    });
  });
}
