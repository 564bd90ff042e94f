// A sidecar: the local equivalent of the App Mesh Envoy container for one virtual node or
// virtual gateway. It reads the mesh through the dispatcher, resolves endpoints, runs the translated
// config in a Proxy, registers its ingress socket as an endpoint of its node, and follows mesh
// changes: the local control plane's watch() (plus a slow sweep for expired registrations), or
// polling for a remote control plane. Each change is re-translated and swapped in atomically.

import type { Backend, LocalControlPlane } from '../backends/backend';
import { Dispatcher } from '../core/dispatcher';
import { ServiceError } from '../base/errors';
import { ListenerGuard } from '../base/listener-guard';
import {
  endpointNodes, translateVirtualGateway, translateVirtualNode, TranslationError,
  type ResolvedEndpoint, type TranslateOptions, type TranslationResult,
} from '../envoy/translate';
import { DEFAULT_ADMIN_PORT, DEFAULT_EGRESS_PORT, DEFAULT_INGRESS_PORT } from '../envoy/translate/defaults';
import { loadMeshSnapshot } from '../mesh/load';
import { findVirtualGateway, findVirtualNode } from '../mesh/lookup';
import type { MeshSnapshot } from '../mesh/types';
import { AdminServer } from './admin/admin-server';
import './admin/certs-page'; // registers the admin /certs page
import { choosePort } from './ports';
import { Proxy } from './proxy';
import { otlpSpanExporter, type ProxyTelemetry } from './telemetry/proxy-telemetry';
import type { AdminProxy } from './admin/admin-context';
import type { EnvoyResources } from '../envoy/translate/envoy-types';

export interface SidecarOptions {
  /**
   * Where the mesh is read (through the dispatcher). With the local control plane the sidecar also
   * registers its ingress, resolves peers through the local resolver and watches for changes;
   * without it (a remote control plane) peers are their DNS names and the mesh is polled.
   */
  backend: Backend;
  region: string;
  mesh: string;
  kind: 'virtualNode' | 'virtualGateway';
  name: string;
  ingressPort?: number;
  egressPort?: number;
  adminPort?: number;
  /** Let other users' processes read the admin pages (a Prometheus running as its own user); default: only this user's. */
  adminForOtherUsers?: boolean;
  /** App Mesh listener port → local app port. */
  appPorts?: Record<number, number>;
  /** How often to poll a remote control plane (ms). */
  pollMs?: number;
  /** OTLP/HTTP traces endpoint (loopback) to export each request's span to. */
  otlpEndpoint?: string;
  /** The local CA for SDS secrets, emulated ACM and spec certificate paths (default $AWSMESH_HOME/ca). */
  caDir?: string;
  /** What serves the listeners (default: a Proxy in this process; `proxy --concurrency N`: a WorkerPool). */
  proxy?: ProxyRunner;
  /** Where the listeners bind (default 127.0.0.1); `local up --netns` binds 0.0.0.0 inside its namespace. */
  listenAddress?: string;
  /** The host registered as this node's endpoint (default 127.0.0.1): the namespace's address with --netns. */
  advertiseHost?: string;
  log?: (line: string) => void;
}

/** How long a registration lives without a heartbeat (a killed sidecar stops counting at once by pid). */
const REGISTRATION_TTL_S = 30;
const HEARTBEAT_MS = 10_000;
/** Periodic re-resolution catches registrations that expired without a store write. */
const SWEEP_MS = 5_000;

/** What a sidecar drives: one in-process Proxy, or a pool of worker processes (workers/worker-pool.ts). */
export interface ProxyRunner extends AdminProxy {
  readonly telemetry: ProxyTelemetry;
  apply(resources: EnvoyResources): Promise<unknown>;
  close(graceMs?: number): Promise<void>;
}

export class Sidecar {
  readonly proxy: ProxyRunner;
  private admin?: AdminServer;
  private snapshot?: MeshSnapshot;
  private lastKey = '';
  private ports = { ingress: 0, egress: 0, admin: 0 };
  private stopWatch?: () => void;
  private timers: NodeJS.Timeout[] = [];
  private refreshing?: Promise<void>;
  private again = false;
  private stopped = false;
  private registered = false;
  /** When the running config last changed, and how long re-translation took (for status output). */
  lastChange = { at: 0, ms: 0 };
  readonly log: (line: string) => void;
  private readonly api: Dispatcher;
  private readonly local?: LocalControlPlane;

  constructor(private readonly opts: SidecarOptions) {
    this.log = opts.log ?? (() => undefined);
    this.api = new Dispatcher(opts.backend, opts.region);
    this.local = opts.backend.local;
    this.proxy = opts.proxy ?? new Proxy(this.log, { caDir: opts.caDir });
    const identity = { mesh: opts.mesh, kind: opts.kind, name: opts.name };
    this.proxy.telemetry.identity = identity;
    if (opts.otlpEndpoint) this.proxy.telemetry.spans = otlpSpanExporter(opts.otlpEndpoint, identity, this.log);
  }

  get nodeId(): string {
    return `mesh/${this.opts.mesh}/${this.opts.kind}/${this.opts.name}`;
  }

  get ingressPort(): number {
    return this.ports.ingress;
  }

  get egressPort(): number {
    return this.ports.egress;
  }

  get adminPort(): number {
    return this.ports.admin;
  }

  /** Loads the mesh, binds the listeners and the admin port, registers, and starts following changes. */
  async start(): Promise<void> {
    const snapshot = await this.load();
    await this.requireResource(snapshot);
    const taken = new Set<number>();
    const o = this.opts;
    const hasIngress = o.kind === 'virtualNode' && (findVirtualNode(snapshot, o.name)!.spec.listeners ?? []).length > 0;
    this.ports.egress = await choosePort(o.egressPort, DEFAULT_EGRESS_PORT, taken);
    if (o.kind === 'virtualNode') this.ports.ingress = await choosePort(o.ingressPort, DEFAULT_INGRESS_PORT, taken);
    this.ports.admin = await choosePort(o.adminPort, DEFAULT_ADMIN_PORT, taken);
    if (hasIngress && [this.ports.ingress, this.ports.egress].includes(this.ports.admin)) {
      throw new ServiceError('BadRequestException', 'The admin port must differ from the listener ports.');
    }
    await this.apply(snapshot, true);
    this.admin = new AdminServer(
      {
        proxy: this.proxy, nodeId: this.nodeId, cluster: this.nodeId, mesh: o.mesh, kind: o.kind, name: o.name,
        info: { pid: process.pid, ports: this.ports, control_plane: this.local ? 'local' : 'remote' },
      },
      '127.0.0.1',
      this.ports.admin,
      new ListenerGuard({ allowOtherUsers: o.adminForOtherUsers }),
    );
    await this.admin.listen();
    this.ports.admin = this.admin.port;
    await this.register();
    this.follow();
    // Changes that landed between the first load and the watch starting (a peer registering
    // at the same moment) are caught by one more look.
    void this.refresh();
  }

  private async load(): Promise<MeshSnapshot> {
    this.snapshot = await loadMeshSnapshot(this.api, this.opts.mesh, { region: this.opts.region }, this.snapshot);
    return this.snapshot;
  }

  private async requireResource(s: MeshSnapshot): Promise<void> {
    await requireProxyTarget(this.api, s, { kind: this.opts.kind, name: this.opts.name });
  }

  private async resolve(s: MeshSnapshot): Promise<Record<string, ResolvedEndpoint[]>> {
    const o = this.opts;
    const nodes = endpointNodes(s, o.kind === 'virtualNode' ? { virtualNode: o.name } : { virtualGateway: o.name });
    if (this.local) return this.local.endpoints(s, nodes, { region: o.region });
    // A remote control plane: nodes are reachable at their DNS service-discovery names.
    const out: Record<string, ResolvedEndpoint[]> = {};
    for (const n of nodes) {
      const node = findVirtualNode(s, n);
      const host = node?.spec.serviceDiscovery?.dns?.hostname;
      const port = node?.spec.listeners?.[0]?.portMapping.port;
      out[n] = host && port ? [{ host, port, source: 'dns' }] : [];
    }
    return out;
  }

  private translate(s: MeshSnapshot, endpoints: Record<string, ResolvedEndpoint[]>): TranslationResult {
    const o = this.opts;
    const topts: TranslateOptions = {
      listenAddress: o.listenAddress ?? '127.0.0.1',
      ingressPort: this.ports.ingress || DEFAULT_INGRESS_PORT,
      egressPort: this.ports.egress,
      appPorts: o.appPorts,
      endpoints,
    };
    if (o.kind === 'virtualGateway' && o.ingressPort !== undefined) {
      const first = findVirtualGateway(s, o.name)?.spec.listeners?.[0]?.portMapping.port;
      if (first !== undefined) topts.gatewayPorts = { [first]: o.ingressPort };
    }
    return o.kind === 'virtualNode' ? translateVirtualNode(s, o.name, topts) : translateVirtualGateway(s, o.name, topts);
  }

  /** Translates and, when anything changed, swaps the new config in. */
  private async apply(s: MeshSnapshot, first = false): Promise<void> {
    const t0 = performance.now();
    const endpoints = await this.resolve(s);
    let result: TranslationResult;
    try {
      result = this.translate(s, endpoints);
    } catch (e) {
      if (e instanceof TranslationError) {
        if (first) throw new ServiceError(e.code, e.message, { status: 404 });
        this.log(`${this.nodeId} is gone from the mesh; keeping the last configuration`);
        return;
      }
      throw e;
    }
    const key = JSON.stringify([result.listeners, result.routeConfigs, result.clusters, result.endpoints]);
    if (key === this.lastKey) return;
    for (const w of result.warnings) this.log(`warning: ${w}`);
    try {
      await this.proxy.apply(result);
    } catch (e) {
      if (first) throw e;
      this.log(`configuration rejected, keeping the previous one: ${(e as Error).message}`);
      this.lastKey = key;
      return;
    }
    this.lastKey = key;
    this.lastChange = { at: Date.now(), ms: performance.now() - t0 };
    if (!first) this.log(`configuration updated (version ${this.proxy.current?.version})`);
  }

  /** Coalesces change notifications: one refresh at a time, one more if something came in meanwhile. */
  refresh(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        try {
          await this.apply(await this.load());
        } catch (e) {
          if (!this.stopped) this.log(`mesh refresh failed: ${(e as Error).message}`);
        }
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private follow(): void {
    const o = this.opts;
    if (this.local) {
      this.stopWatch = this.local.watch(() => void this.refresh());
      this.timers.push(setInterval(() => void this.refresh(), SWEEP_MS));
    } else {
      this.timers.push(setInterval(() => void this.refresh(), o.pollMs ?? 1000));
    }
    for (const t of this.timers) t.unref();
  }

  private registration() {
    return { mesh: this.opts.mesh, virtualNode: this.opts.name, host: this.opts.advertiseHost ?? '127.0.0.1', port: this.ports.ingress };
  }

  private async register(): Promise<void> {
    const o = this.opts;
    const local = this.local;
    if (!local || o.kind !== 'virtualNode' || !this.proxy.listeners().some((l) => l.direction === 'INBOUND')) return;
    const announce = () => local.registerProxy(o.region, { ...this.registration(), pid: process.pid, ttlSeconds: REGISTRATION_TTL_S });
    await announce();
    this.registered = true;
    const beat = setInterval(() => {
      void local.heartbeatProxy(o.region, this.registration()).then(async (alive) => {
        if (!alive && !this.stopped) await announce();
      }).catch((e: Error) => this.log(`heartbeat failed: ${e.message}`));
    }, HEARTBEAT_MS);
    beat.unref();
    this.timers.push(beat);
  }

  /** Deregisters, stops following the mesh, and closes listeners after `graceMs` for in-flight requests. */
  async stop(graceMs = 0): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopWatch?.();
    for (const t of this.timers) clearInterval(t);
    const o = this.opts;
    if (this.registered && this.local) {
      await this.local.deregisterProxy(o.region, this.registration()).catch(() => false);
    }
    await this.refreshing?.catch(() => undefined);
    await Promise.all([this.proxy.close(graceMs), this.admin?.close()]);
  }
}

/**
 * A node or gateway the mesh lacks fails the way `describe-virtual-node|gateway` does: the control
 * plane's own NotFoundException (its wording, exit 254), for `proxy` and `local up` alike.
 */
export async function requireProxyTarget(
  api: Dispatcher,
  s: MeshSnapshot,
  target: { kind: 'virtualNode' | 'virtualGateway'; name: string },
  opts: { region?: string } = {},
): Promise<void> {
  const found = target.kind === 'virtualNode' ? findVirtualNode(s, target.name) : findVirtualGateway(s, target.name);
  if (found) return;
  const [op, member, kind] = target.kind === 'virtualNode'
    ? ['DescribeVirtualNode', 'virtualNodeName', 'VirtualNode']
    : ['DescribeVirtualGateway', 'virtualGatewayName', 'VirtualGateway'];
  const mesh = s.mesh.meshName;
  await api.dispatch('appmesh', op, { meshName: mesh, [member]: target.name }, { region: opts.region });
  // Created since the snapshot was read: still not one we can run from this snapshot.
  throw new ServiceError('NotFoundException', `${kind} with name ${target.name} is not present under mesh ${mesh}`, { status: 404, operation: op });
}
