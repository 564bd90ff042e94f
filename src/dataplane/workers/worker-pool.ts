// `awsmesh proxy --concurrency N`: N worker processes serve the listeners, like Envoy's worker
// threads. The primary (the `awsmesh proxy` process) keeps everything that must exist once: it
// follows the control plane and translates (the Sidecar drives this pool as it would drive a Proxy),
// validates each configuration, pushes it to every worker and counts it applied when all have it
// (so they run the same version; a replacement worker gets the current one before it counts),
// owns the single admin port and merges the workers' stats, clusters and certificates for it.
//
// Sockets: every worker listens on the same address and port through node:cluster. Node's default
// on Linux is round-robin — the primary accepts and hands each connection to the next worker,
// which spreads connections evenly and costs the primary one accept + one handle transfer per
// *connection* (nothing per request on a kept-alive connection). NODE_CLUSTER_SCHED_POLICY=none
// lets the workers accept on the shared socket themselves instead (no hop, but the kernel's
// wake-ups decide the spread); docs/dataplane.md has the comparison.
//
// Active health checks run once, as Envoy runs them on its main thread: worker 0 (and its
// replacement) probes and reports each host's change; the primary keeps the latest results and
// relays them to the other workers, which do not probe (a replacement gets them all once it runs
// the current configuration). Outlier detection stays per worker: it follows each one's traffic.
//
// A worker that exits unexpectedly is replaced (server.worker_restarts counts it) and the counters
// and histograms of its last stats snapshot stay in the merged view (what it served after the last
// admin read is lost with it); stopping the pool stops every worker and waits for each exit.

import cluster, { type Worker } from 'node:cluster';
import * as path from 'path';
import type { EnvoyResources } from '../../envoy/translate/envoy-types';
import { compileRouteTables, planSockets } from '../config/compile';
import type { CertsDump } from '../admin/admin-context';
import type { ClusterView } from '../admin/cluster-views';
import { mergeClusterViews } from '../admin/cluster-views';
import type { BoundListener } from '../proxy';
import type { ProxyRunner } from '../sidecar';
import { ProxyTelemetry } from '../telemetry/proxy-telemetry';
import type { StatGroup } from '../telemetry/stats';
import { cumulativeOnly, mergeStatGroups, serializeStatGroups, type ShippedGroup } from '../telemetry/stats-merge';
import { unshipError, type FromWorker, type HostHealth, type ToWorker, type WorkerSnapshot } from './protocol';

export interface WorkerPoolOptions {
  concurrency: number;
  caDir?: string;
  otlpEndpoint?: string;
  quiet?: boolean;
  log?: (line: string) => void;
}

/** How long an admin page waits for a worker's stats before leaving that worker out. */
const SNAPSHOT_MS = 2_000;
/** The worker that runs the active health checks. */
const PROBER = 0;
/** A worker that dies within this long of starting is restarted after a growing pause (a crash loop). */
const QUICK_DEATH_MS = 1_000;
const MAX_RESTART_DELAY_MS = 5_000;

interface Slot {
  index: number;
  worker: Worker;
  pid: number;
  startedAt: number;
  /** Initialised and running the pool's current configuration. */
  serving: boolean;
  version: number;
  pending: Map<number, { resolve: (m: FromWorker) => void; reject: (e: Error) => void }>;
  exited: Promise<void>;
}

export class WorkerPool implements ProxyRunner {
  readonly telemetry = new ProxyTelemetry();
  readonly startedAt = Date.now();
  readonly concurrency: number;
  updates = { success: 0, rejected: 0, lastError: '' };
  current?: { version: number; resources: EnvoyResources };
  /** Unexpected worker exits that were replaced. */
  restarts = 0;
  private readonly slots: Array<Slot | undefined> = [];
  private bound: BoundListener[] = [];
  private nextId = 1;
  private closing = false;
  private restartDelay = 0;
  private view: { groups: StatGroup[]; clusters: ClusterView[]; certs?: CertsDump; workers: WorkerSnapshot[] } = { groups: [], clusters: [], workers: [] };
  private refreshing?: Promise<void>;
  /** Counters and histograms of the workers that died, as last read from them, summed (cumulativeOnly). */
  private retired: ShippedGroup[] = [];
  private readonly log: (line: string) => void;
  /** The prober's latest result for each cluster's host, to relay to the other workers. */
  private readonly health = new Map<string, HostHealth>();

  constructor(private readonly opts: WorkerPoolOptions) {
    this.concurrency = opts.concurrency;
    this.log = opts.log ?? (() => undefined);
  }

  get ready(): boolean {
    return this.current !== undefined && !this.closing && this.slots.some((s) => s?.serving);
  }

  get tls(): { certs(): CertsDump } | undefined {
    const certs = this.view.certs;
    return certs ? { certs: () => certs } : undefined;
  }

  /** Forks the workers and waits until each has initialised. */
  async start(): Promise<void> {
    cluster.setupPrimary({ exec: path.join(__dirname, 'worker-main.js'), args: [], silent: false });
    await Promise.all(Array.from({ length: this.concurrency }, (_, i) => this.fork(i)));
  }

  private fork(index: number): Promise<Slot> {
    const worker = cluster.fork({ AWSMESH_PROXY_WORKER: String(index) });
    const slot: Slot = {
      index, worker, pid: worker.process.pid ?? 0, startedAt: Date.now(), serving: false, version: 0, pending: new Map(),
      exited: new Promise((resolve) => worker.once('exit', () => resolve())),
    };
    this.slots[index] = slot;
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'health') return this.onHealth(slot, m);
      if ('id' in m) {
        const p = slot.pending.get(m.id);
        slot.pending.delete(m.id);
        p?.resolve(m);
      }
    });
    worker.on('error', () => undefined); // a send to a worker that just died; its exit handles it
    worker.once('exit', (code, signal) => this.onExit(slot, code, signal));
    return new Promise((resolve, reject) => {
      const onReady = (m: FromWorker) => {
        if (m.type !== 'ready') return;
        worker.off('message', onReady);
        worker.off('exit', onEarlyExit);
        resolve(slot);
      };
      const onEarlyExit = (code: number | null) => reject(new Error(`proxy worker ${index} exited (${code}) while starting`));
      worker.on('message', onReady);
      worker.once('exit', onEarlyExit);
      const id = this.telemetry.identity;
      if (!id) throw new Error('the pool needs the proxy identity before it starts');
      this.post(slot, { type: 'init', index, prober: index === PROBER, identity: id, caDir: this.opts.caDir, otlpEndpoint: this.opts.otlpEndpoint, quiet: this.opts.quiet });
    });
  }

  /** The prober's result: kept, and relayed to the other workers. */
  private onHealth(from: Slot, m: HostHealth): void {
    if (from.index !== PROBER || this.slots[PROBER] !== from) return;
    const key = `${m.cluster}\0${m.host}`;
    if (m.healthy === null) this.health.delete(key);
    else this.health.set(key, m);
    for (const s of this.slots) if (s && s !== from) this.post(s, m);
  }

  private post(slot: Slot, msg: ToWorker): void {
    if (slot.worker.isConnected()) slot.worker.send(msg);
  }

  private request(slot: Slot, msg: ToWorker & { id: number }, timeoutMs?: number): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      const timer = timeoutMs ? setTimeout(() => {
        slot.pending.delete(msg.id);
        reject(new Error(`worker ${slot.index} did not answer within ${timeoutMs} ms`));
      }, timeoutMs) : undefined;
      slot.pending.set(msg.id, {
        resolve: (m) => {
          if (timer) clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          if (timer) clearTimeout(timer);
          reject(e);
        },
      });
      this.post(slot, msg);
    });
  }

  private onExit(slot: Slot, code: number | null, signal: string | null): void {
    for (const p of slot.pending.values()) p.reject(new Error(`worker ${slot.index} (pid ${slot.pid}) exited`));
    slot.pending.clear();
    slot.serving = false;
    if (this.closing || this.slots[slot.index] !== slot) return;
    this.restarts++;
    const last = this.view.workers.find((w) => w.pid === slot.pid);
    if (last) this.retired = serializeStatGroups(mergeStatGroups([this.retired, cumulativeOnly(last.groups)]));
    const lived = Date.now() - slot.startedAt;
    this.restartDelay = lived < QUICK_DEATH_MS ? Math.min(MAX_RESTART_DELAY_MS, Math.max(100, this.restartDelay * 2)) : 0;
    this.log(`worker ${slot.index} (pid ${slot.pid}) exited (${signal ?? `code ${code}`}); starting a replacement${this.restartDelay ? ` in ${this.restartDelay} ms` : ''}`);
    const restart = () => {
      if (this.closing) return;
      this.fork(slot.index).then((s) => this.sync(s)).catch((e: Error) => this.log(`could not replace worker ${slot.index}: ${e.message}`));
    };
    if (this.restartDelay) setTimeout(restart, this.restartDelay).unref();
    else restart();
  }

  /** Brings a (new) worker to the pool's current configuration. */
  private async sync(slot: Slot): Promise<void> {
    while (this.current && slot.version < this.current.version && this.slots[slot.index] === slot && !this.closing) {
      const { version, resources } = this.current;
      const reply = await this.request(slot, { type: 'apply', id: this.nextId++, version, resources });
      if (reply.type === 'failed') throw unshipError(reply.error);
      slot.version = version;
    }
    if (this.current && slot.version === this.current.version && !slot.serving) {
      slot.serving = true;
      if (slot.index !== PROBER) for (const m of this.health.values()) this.post(slot, m);
    }
  }

  /**
   * Runs `resources` in every worker. It is compiled here first, so a configuration the workers
   * would reject is rejected before any of them sees it; a worker's own failure (a port it cannot
   * bind) rejects the update too.
   */
  async apply(resources: EnvoyResources): Promise<{ version: number }> {
    if (this.closing) throw new Error('proxy is closed');
    try {
      compileRouteTables(resources);
      planSockets(resources);
    } catch (e) {
      this.reject(e as Error);
      throw e;
    }
    const version = (this.current?.version ?? 0) + 1;
    const live = this.slots.filter((s): s is Slot => s !== undefined && s.worker.isConnected());
    const replies = await Promise.all(live.map((s) =>
      this.request(s, { type: 'apply', id: this.nextId++, version, resources }).catch(() => undefined)));
    const failed = replies.find((r) => r?.type === 'failed');
    if (failed?.type === 'failed') {
      const err = unshipError(failed.error);
      this.reject(err);
      throw err;
    }
    const applied = replies.find((r) => r?.type === 'applied');
    if (applied?.type === 'applied') this.bound = applied.listeners;
    live.forEach((s, i) => {
      if (replies[i]?.type === 'applied') s.version = version;
    });
    this.current = { version, resources };
    // Version bookkeeping for /config_dump (the workers compile their own route tables).
    this.telemetry.attach({ version, resources, routeTables: new Map(), clusters: new Map() }, []);
    this.updates.success++;
    // A worker that was replaced meanwhile catches up.
    for (const s of this.slots) if (s) void this.sync(s).catch((e: Error) => this.log(`worker ${s.index}: ${e.message}`));
    return { version };
  }

  private reject(e: Error): void {
    this.updates.rejected++;
    this.updates.lastError = e.message;
  }

  listeners(): BoundListener[] {
    return this.bound;
  }

  /** Asks every serving worker for its stats (at most one round at a time; pages read the result). */
  refresh(): Promise<void> {
    if (!this.refreshing) {
      this.refreshing = this.collect().finally(() => {
        this.refreshing = undefined;
      });
    }
    return this.refreshing;
  }

  private async collect(): Promise<void> {
    const live = this.slots.filter((s): s is Slot => s !== undefined && s.worker.isConnected());
    const replies = await Promise.all(live.map((s) => this.request(s, { type: 'snapshot', id: this.nextId++ }, SNAPSHOT_MS).catch(() => undefined)));
    const snaps = replies.flatMap((r) => (r?.type === 'snapshot' ? [r.snapshot] : []));
    this.view = {
      groups: mergeStatGroups([...snaps.map((s) => s.groups), this.retired]),
      clusters: mergeClusterViews(snaps.map((s) => s.clusters)),
      certs: snaps.find((s) => s.certs)?.certs,
      workers: snaps,
    };
  }

  statsGroups(): StatGroup[] {
    const groups = [...this.view.groups, ...this.perWorkerListenerGroups()];
    groups.push(['listener_manager.lds', { update_success: this.updates.success, update_rejected: this.updates.rejected }]);
    groups.push(['server', {
      live: this.ready ? 1 : 0, uptime: Math.floor((Date.now() - this.startedAt) / 1000), concurrency: this.concurrency,
      worker_restarts: this.restarts,
    }]);
    return groups;
  }

  /** Envoy's per-worker connection stats: `listener.<address>.worker_<i>.downstream_cx_total|active`. */
  private perWorkerListenerGroups(): StatGroup[] {
    const out: StatGroup[] = [];
    for (const w of this.view.workers) {
      const index = this.slots.find((s) => s?.pid === w.pid)?.index;
      if (index === undefined) continue;
      for (const g of w.groups) {
        if (!g.prefix.startsWith('listener.')) continue;
        const address = g.prefix.slice('listener.'.length);
        out.push([`${g.prefix}.worker_${index}`, {
          downstream_cx_total: g.fields.downstream_cx_total ?? 0, downstream_cx_active: g.fields.downstream_cx_active ?? 0,
        }, { family: 'listener', labels: { envoy_listener_address: address, envoy_worker_id: String(index) } }]);
      }
    }
    return out;
  }

  clusterViews(): ClusterView[] {
    return this.view.clusters;
  }

  /** /server_info's `workers`: each worker's pid, configuration version and the traffic it served. */
  workerInfo(): unknown {
    return this.slots.map((s, index) => {
      const snap = s && this.view.workers.find((w) => w.pid === s.pid);
      const sum = (prefix: string, field: string) => (snap?.groups ?? [])
        .filter((g) => g.prefix.startsWith(prefix))
        .reduce((n, g) => n + (typeof g.fields[field] === 'number' ? g.fields[field] : 0), 0);
      return {
        index,
        pid: s?.pid,
        state: s?.serving ? 'LIVE' : 'STARTING',
        config_version: snap?.version ?? s?.version ?? 0,
        downstream_cx_total: sum('listener.', 'downstream_cx_total'),
        downstream_rq_total: sum('http.', 'downstream_rq_total'),
      };
    });
  }

  /** Stops every worker (in-flight requests get `graceMs`) and waits for each to exit. */
  async close(graceMs = 0): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const slots = this.slots.filter((s): s is Slot => s !== undefined);
    for (const s of slots) this.post(s, { type: 'stop', graceMs });
    // A worker that does not finish within its grace (plus room to exit) is killed.
    const kill = setTimeout(() => {
      for (const s of slots) if (!s.worker.isDead()) s.worker.process.kill('SIGKILL');
    }, graceMs + 5_000);
    await Promise.all(slots.map((s) => s.exited));
    clearTimeout(kill);
    await this.telemetry.close();
  }
}
