// The local Envoy stand-in: runs a set of Envoy resources (from the translator) and swaps to a
// new set atomically. Requests capture the generation they started on, clusters keep their
// connection pools and health state across updates, and sockets are only opened or closed when
// the listener set itself changes.

import type { EnvoyResources } from '../envoy/translate/envoy-types';
import { ClusterRuntime } from './cluster/cluster';
import type { HealthRelay } from './cluster/health-check';
import { clusterViews, type ClusterView } from './admin/cluster-views';
import { compileRouteTables, planSockets, type SocketPlan } from './config/compile';
import type { ChainState, Generation } from './config/runtime';
import { ListeningSocket } from './http/server';
import { ListenerStats, type StatGroup } from './telemetry/stats';
import { clusterStatTags, ProxyTelemetry } from './telemetry/proxy-telemetry';
import type { DownstreamTls } from '../tls/downstream';
import type { ProxyTls } from './proxy-tls';
import type { UpstreamTls } from '../tls/upstream';

/** How long a removed cluster keeps serving requests that started before the change. */
const DRAIN_MS = 30_000;

interface SocketSlot {
  plan: SocketPlan;
  socket: ListeningSocket;
  state: ChainState;
}

export interface BoundListener {
  name: string;
  direction: 'INBOUND' | 'OUTBOUND';
  address: string;
  port: number;
  destinationPort?: number;
  /** Listener TLS mode of the socket, if it terminates TLS. */
  tls?: 'STRICT' | 'PERMISSIVE';
}

export interface ProxyOptions {
  /** The local CA (SDS secrets, emulated ACM, certificates for spec paths); default $AWSMESH_HOME/ca. */
  caDir?: string;
  /** A worker of `awsmesh proxy --concurrency N`: whether it probes, where its results go. */
  health?: HealthRelay;
}

export class Proxy {
  private generation?: Generation;
  private readonly clusters = new Map<string, ClusterRuntime>();
  private readonly slots = new Map<string, SocketSlot>();
  private readonly listenerStats = new Map<string, ListenerStats>();
  private version = 0;
  private closed = false;
  readonly startedAt = Date.now();
  /** Number of successful applies and of rejected ones (Envoy's update_success / update_rejected). */
  updates = { success: 0, rejected: 0, lastError: '' };
  /** HTTP and route stats, span export and the proxy's App Mesh identity (telemetry/proxy-telemetry.ts). */
  readonly telemetry = new ProxyTelemetry();

  private tlsRuntime?: ProxyTls;

  constructor(
    readonly log: (line: string) => void = () => undefined,
    private readonly options: ProxyOptions = {},
  ) {}

  /** Certificates, TLS contexts and ssl stats; created when a configuration first uses TLS. */
  get tls(): ProxyTls | undefined {
    return this.tlsRuntime;
  }

  private tlsFor(resources: EnvoyResources, plans: SocketPlan[]): ProxyTls | undefined {
    if (!this.tlsRuntime && (plans.some((p) => p.tls) || resources.clusters.some((c) => c.transport_socket))) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { ProxyTls: Runtime, defaultCaDir } = require('./proxy-tls') as typeof import('./proxy-tls');
      this.tlsRuntime = new Runtime(this.options.caDir ?? defaultCaDir(), this.log);
    }
    return this.tlsRuntime;
  }

  get current(): Generation | undefined {
    return this.generation;
  }

  get ready(): boolean {
    return this.generation !== undefined && !this.closed;
  }

  clusterRuntimes(): ClusterRuntime[] {
    return [...this.clusters.values()];
  }

  /** A host's health as the probing worker found it (a cluster not known here yet: dropped, replayed later). */
  relayHealth(cluster: string, hostKey: string, healthy: boolean | null): void {
    this.clusters.get(cluster)?.relayHealth(hostKey, healthy);
  }

  /** What /clusters shows (admin/cluster-views.ts). */
  clusterViews(): ClusterView[] {
    return clusterViews(this.clusters.values());
  }

  /** This process serves the listeners itself (a WorkerPool stands in for N processes). */
  readonly concurrency = 1;

  listeners(): BoundListener[] {
    return [...this.slots.values()].map((s) => ({
      name: s.plan.listener,
      direction: s.plan.direction,
      address: s.plan.address,
      port: s.socket.port,
      destinationPort: s.plan.destinationPort,
      tls: s.plan.tls ? (s.plan.tls.permissive ? 'PERMISSIVE' : 'STRICT') : undefined,
    }));
  }

  statsGroups(): StatGroup[] {
    const groups: StatGroup[] = [];
    for (const [name, c] of this.clusters) groups.push([`cluster.${name}`, c.stats, clusterStatTags(c)]);
    for (const [name, s] of this.listenerStats) groups.push([`listener.${name}`, s]);
    groups.push(...this.telemetry.groups());
    if (this.tlsRuntime) groups.push(...this.tlsRuntime.statsGroups());
    groups.push(['listener_manager.lds', { update_success: this.updates.success, update_rejected: this.updates.rejected }]);
    groups.push(['server', { live: this.ready ? 1 : 0, uptime: Math.floor((Date.now() - this.startedAt) / 1000), concurrency: 1 }]);
    return groups;
  }

  /**
   * Runs `resources` from now on. Compile errors and unusable ports throw and leave the running
   * configuration untouched.
   */
  async apply(resources: EnvoyResources): Promise<Generation> {
    if (this.closed) throw new Error('proxy is closed');
    let routeTables;
    let plans: SocketPlan[];
    try {
      routeTables = compileRouteTables(resources);
      plans = planSockets(resources);
    } catch (e) {
      this.updates.rejected++;
      this.updates.lastError = (e as Error).message;
      throw e;
    }

    // TLS contexts of the clusters first: a certificate file that cannot be read rejects the update.
    const tls = this.tlsFor(resources, plans);
    const clusterTls = new Map<string, UpstreamTls | undefined>();
    try {
      for (const c of resources.clusters) clusterTls.set(c.name, tls?.cluster(c.name, c.transport_socket));
    } catch (e) {
      tls?.rollback();
      this.updates.rejected++;
      this.updates.lastError = (e as Error).message;
      throw e;
    }

    // Clusters: same name → same runtime (pools, ejections and health checks carry over).
    const assignments = new Map(resources.endpoints.map((e) => [e.cluster_name, e]));
    const clusters = new Map<string, ClusterRuntime>();
    for (const c of resources.clusters) {
      let rt = this.clusters.get(c.name);
      if (!rt) {
        rt = new ClusterRuntime(c.name, this.options.health);
        this.clusters.set(c.name, rt);
      }
      rt.apply(c, assignments.get(c.name), clusterTls.get(c.name));
      clusters.set(c.name, rt);
    }
    const generation: Generation = { version: ++this.version, resources, routeTables, clusters };
    this.telemetry.attach(generation, plans.flatMap((p) => (p.hcm ? [p.hcm] : [])));

    // Sockets: open what is new before retiring what is gone, so a moving listener never gaps.
    const wanted = new Map(plans.map((p) => [p.key, p]));
    const opened: SocketSlot[] = [];
    const listenerTls = new Map<string, DownstreamTls>();
    // Listener TLS is prepared once the socket's port is known (its ssl stats are named after it).
    const prepareTls = (plan: SocketPlan, socket: ListeningSocket): DownstreamTls | undefined => {
      if (!plan.tls || !tls) return undefined;
      const key = plan.key;
      const d = tls.listener(
        { key, listener: plan.listener, statName: `${plan.address}_${socket.port}`, ...plan.tls },
        // The slot's current socket serves (an unchanged context outlives a moved socket).
        (s) => (this.slots.get(key)?.socket ?? socket).serve(s),
      );
      listenerTls.set(key, d);
      return d;
    };
    try {
      for (const plan of plans) {
        const slot = this.slots.get(plan.key);
        const reusable = slot && slot.plan.address === plan.address && (plan.port === 0 || plan.port === slot.socket.port);
        if (reusable) {
          prepareTls(plan, slot.socket);
          continue;
        }
        const stats = this.statsFor(plan);
        const holder: { slot?: SocketSlot } = {};
        const socket = new ListeningSocket(plan.listener, plan.address, plan.port, () => holder.slot?.state, stats);
        holder.slot = { plan, socket, state: { generation, hcm: plan.hcm, tcp: plan.tcp } };
        await socket.listen();
        opened.push(holder.slot);
        // Before any other await: a TLS socket never serves a connection without its TLS.
        holder.slot.state.tls = prepareTls(plan, socket);
        if (plan.port === 0) this.listenerStats.set(`${plan.address}_${socket.port}`, stats);
      }
    } catch (e) {
      tls?.rollback();
      for (const s of opened) await s.socket.close();
      this.updates.rejected++;
      this.updates.lastError = (e as Error).message;
      throw e;
    }
    for (const s of opened) {
      const old = this.slots.get(s.plan.key);
      if (old) void old.socket.close(DRAIN_MS);
      this.slots.set(s.plan.key, s);
    }
    // The swap: every socket's state points at the new generation in one synchronous pass.
    for (const [key, slot] of this.slots) {
      const plan = wanted.get(key);
      if (!plan) {
        this.slots.delete(key);
        void slot.socket.close(DRAIN_MS);
        continue;
      }
      // Plaintext allowed before, TLS only now: plaintext connections must not linger.
      const wasPlain = !slot.plan.tls || slot.plan.tls.permissive;
      if (wasPlain && plan.tls && !plan.tls.permissive) slot.socket.drainPlaintext();
      slot.plan = { ...plan, port: slot.socket.port };
      slot.state = { generation, hcm: plan.hcm, tcp: plan.tcp, tls: listenerTls.get(key) };
    }
    tls?.commit();
    this.generation = generation;
    for (const [name, rt] of this.clusters) {
      if (!clusters.has(name)) {
        this.clusters.delete(name);
        setTimeout(() => void rt.close(), DRAIN_MS).unref();
      }
    }
    this.updates.success++;
    return generation;
  }

  private statsFor(plan: SocketPlan): ListenerStats {
    // An ephemeral port is known after listen(): its stats are filed under it then.
    if (plan.port === 0) return new ListenerStats();
    const name = `${plan.address}_${plan.port}`;
    let s = this.listenerStats.get(name);
    if (!s) {
      s = new ListenerStats();
      this.listenerStats.set(name, s);
    }
    return s;
  }

  /** Stops listening; in-flight requests get `graceMs` to finish. */
  async close(graceMs = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.slots.values()].map((s) => s.socket.close(graceMs)));
    this.slots.clear();
    await Promise.all([...this.clusters.values()].map((c) => c.close()));
    this.clusters.clear();
    this.tlsRuntime?.close();
    await this.telemetry.close();
  }
}
