// `awsmesh local up --netns`: the walkthrough's EC2 instances, one network namespace each. For
// every proxy entry: a namespace joined to the run's bridge, envoy-networking.sh run in it with
// the node's ports, the app (if the config names one) started in it with no proxy settings, and
// the sidecar started in it as uid 1337. Apps call virtual services by name (the namespace's hosts
// file maps them to 198.19.x.y); iptables hands the connection to the sidecar's egress listener,
// which routes it by Host / :authority as App Mesh's Envoy does.

import type { OutputStream } from '../../base/io';
import { findVirtualGateway, findVirtualNode } from '../../mesh/lookup';
import type { MeshSnapshot } from '../../mesh/types';
import { startApp, type RunningApp } from '../local/apps';
import type { ProxyEntry } from '../local/config';
import { parseAppPorts } from '../proxy-command';
import { applyEnvoyNetworking } from './envoy-networking';
import { inNamespace, listeningIn, requireNetns } from './host-tools';
import { newRun, nodeAddress, nodeNamespace, serviceAddress, type RunNames } from './names';
import { startSidecarProcess, type SidecarProcess } from './sidecar-process';
import { createHub, createNodeNamespace, hostsFile, namespacesOf, removeNamespaces, removeStaleNamespaces, type NodeNamespace } from './topology';

export interface NetnsNode extends NodeNamespace {
  entry: ProxyEntry;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
  /** Listener port → app port (same numbers unless the config maps them). */
  appPorts: Record<number, number>;
  app?: RunningApp;
  sidecar?: SidecarProcess;
}

export interface NetnsMesh {
  run: RunNames;
  nodes: NetnsNode[];
  /** Every namespace of the run (hub included), for the run record and cleanup. */
  namespaces: string[];
  stop(): Promise<void>;
}

export interface NetnsStartOptions {
  mesh: string;
  region: string;
  entries: ProxyEntry[];
  snapshot: MeshSnapshot;
  dir: string;
  env: NodeJS.ProcessEnv;
  quiet?: boolean;
  step: (text: string) => void;
  /** Where app output (prefixed with the app's name) and proxy logs go. */
  stderr: OutputStream;
}

/** Name → address lines of every namespace's hosts file: virtual services, then node discovery names. */
export function meshHosts(snapshot: MeshSnapshot, nodes: Array<{ kind: string; name: string; address: string }>): string {
  const services = snapshot.virtualServices.map((vs, i) => ({ address: serviceAddress(i), names: [vs.virtualServiceName] }));
  const discovery = nodes.filter((n) => n.kind === 'virtualNode').map((n) => {
    const sd = findVirtualNode(snapshot, n.name)?.spec.serviceDiscovery;
    const names = [sd?.dns?.hostname, sd?.awsCloudMap ? `${sd.awsCloudMap.serviceName}.${sd.awsCloudMap.namespaceName}` : undefined];
    return { address: n.address, names: names.filter((x): x is string => !!x && !services.some((s) => s.names[0].toLowerCase() === x.toLowerCase())) };
  });
  return hostsFile([...services, ...discovery]);
}

function waitListening(namespace: string, port: number, timeoutMs: number) {
  return (child: import('child_process').ChildProcess) => new Promise<void>((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const poll = () => {
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`exited (${child.signalCode ?? `code ${child.exitCode}`}) before listening on port ${port}`));
      // Only once the process has entered the namespace does its /proc/<pid>/net describe it.
      if (inNamespace(child.pid!, namespace) && listeningIn(child.pid!, port)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`nothing listens on port ${port} in namespace ${namespace} after ${timeoutMs} ms`));
      setTimeout(poll, 50);
    };
    poll();
  });
}

export async function startNetnsMesh(o: NetnsStartOptions): Promise<NetnsMesh> {
  requireNetns();
  const stale = await removeStaleNamespaces();
  if (stale.length) o.stderr.write(`Removed ${stale.length} namespace(s) left by an earlier local up --netns that did not stop cleanly\n`);
  const run = newRun();
  const nodes: NetnsNode[] = o.entries.map((entry, i) => {
    const kind = entry.virtualNode ? 'virtualNode' as const : 'virtualGateway' as const;
    const name = (entry.virtualNode ?? entry.virtualGateway)!;
    const listeners = kind === 'virtualNode'
      ? (findVirtualNode(o.snapshot, name)?.spec.listeners ?? []).map((l) => l.portMapping.port)
      : (findVirtualGateway(o.snapshot, name)?.spec.listeners ?? []).map((l) => l.portMapping.port);
    const appPorts = kind === 'virtualNode' ? (parseAppPorts(entry.appPort, listeners) ?? Object.fromEntries(listeners.map((p) => [p, p]))) : {};
    return { entry, kind, name, label: `${kind}/${name}`, namespace: nodeNamespace(run, i, name), address: nodeAddress(i), hubLink: `v${i}`, appPorts };
  });
  const mesh: NetnsMesh = {
    run,
    nodes,
    namespaces: [run.hub, ...nodes.map((n) => n.namespace)],
    stop: async () => {
      // Sidecars first (they deregister), then apps, then the namespaces with everything in them.
      await Promise.all(nodes.map((n) => n.sidecar?.stop()));
      await Promise.all(nodes.map((n) => n.app?.stop()));
      await removeNamespaces(await namespacesOf(run.run));
    },
  };
  try {
    o.step(`Creating network namespaces ${run.run}-* (bridge in ${run.hub})`);
    await createHub(run);
    const hosts = meshHosts(o.snapshot, nodes);
    await all(nodes.map(async (n) => {
      await createNodeNamespace(run, n, hosts);
      // The walkthrough's script, unchanged: the app ports are what traffic for this node arrives on.
      await applyEnvoyNetworking(n.namespace, { appPorts: n.kind === 'virtualNode' ? [...new Set(Object.values(n.appPorts))] : [] });
    }));
    await all(nodes.map(async (n) => {
      const command = n.entry.app?.command;
      if (!command || n.kind !== 'virtualNode') return;
      const port = Object.values(n.appPorts)[0];
      if (port === undefined) throw new Error(`virtual node ${n.name} has no listener, so its app has no port`);
      o.step(`Starting app for ${n.label} in ${n.namespace} on port ${port}`);
      n.app = await startApp(
        {
          name: n.name, command, port, cwd: o.dir, env: n.entry.app?.env,
          launcher: ['ip', 'netns', 'exec', n.namespace], ready: waitListening(n.namespace, port, 30_000),
        },
        o.stderr,
        // No HTTP_PROXY: the app calls services by name and iptables brings the call to its sidecar.
        { ...withoutProxyVars(o.env), APPMESH_RESOURCE_ARN: `mesh/${o.mesh}/virtualNode/${n.name}` },
      );
    }));
    o.step(`Starting ${nodes.length} prox${nodes.length === 1 ? 'y' : 'ies'} (uid 1337) in their namespaces`);
    await all(nodes.map(async (n) => {
      n.sidecar = await startSidecarProcess(
        { namespace: n.namespace, address: n.address, mesh: o.mesh, region: o.region, kind: n.kind, name: n.name, appPorts: n.appPorts, quiet: o.quiet, env: withoutProxyVars(o.env) },
        (line) => o.stderr.write(`${line}\n`),
      );
    }));
  } catch (e) {
    await mesh.stop().catch(() => undefined);
    throw e;
  }
  return mesh;
}

/** Like Promise.all, but waits for every task before failing, so cleanup never races a start. */
async function all(tasks: Array<Promise<void>>): Promise<void> {
  const failed = (await Promise.allSettled(tasks)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function withoutProxyVars(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of Object.keys(out)) if (/^(https?|no|all)_proxy$/i.test(k)) delete out[k];
  return out;
}
