// What /clusters shows of each upstream cluster, as plain data: read from a proxy's cluster
// runtimes (clusterViews), or merged from several worker processes' views (mergeClusterViews:
// host counters summed, health flags united — a host one worker ejected shows as ejected).

import type { ClusterRuntime } from '../cluster/cluster';
import type { CircuitBreakerThresholds } from '../../envoy/translate/envoy-types';

export interface HostView {
  address: string;
  port: number;
  /** Envoy's health_flags text: `healthy` or `/failed_eds_health/failed_outlier_check…`. */
  flags: string;
  stats: Record<string, number>;
}

export interface ClusterView {
  name: string;
  defaults: { max_connections: number; max_pending_requests: number; max_requests: number; max_retries: number };
  hosts: HostView[];
  ejectionsActive: number;
}

function hostFlags(h: { edsHealthy: boolean; activeHealthy: boolean | undefined; ejected: boolean }): string {
  const flags = [
    !h.edsHealthy ? '/failed_eds_health' : '',
    h.activeHealthy === false ? '/failed_active_hc' : h.activeHealthy === undefined ? '/pending_active_hc' : '',
    h.ejected ? '/failed_outlier_check' : '',
  ].join('');
  return flags || 'healthy';
}

export function clusterViews(runtimes: Iterable<ClusterRuntime>): ClusterView[] {
  return [...runtimes].map((c) => {
    const t: Partial<CircuitBreakerThresholds> = c.config?.circuit_breakers?.thresholds?.[0] ?? {};
    const defaults = {
      max_connections: t.max_connections ?? 1024,
      max_pending_requests: t.max_pending_requests ?? 1024,
      max_requests: t.max_requests ?? 1024,
      max_retries: t.max_retries ?? 3,
    };
    const hosts: HostView[] = c.hosts.map((h) => ({
      address: h.address,
      port: h.port,
      flags: hostFlags(h),
      stats: {
        cx_active: h.activeConnections,
        rq_active: h.activeRequests,
        rq_error: h.rqError,
        rq_success: Math.max(0, h.rqTotal - h.rqError),
        rq_total: h.rqTotal,
        outlier_ejections: h.ejectionCount,
        consecutive_5xx: h.consecutive5xx,
      },
    }));
    return { name: c.name, defaults, hosts, ejectionsActive: c.stats['outlier_detection.ejections_active'] };
  });
}

/** Host stats that hold one worker's streak, not a share of a total: merged by maximum. */
const STREAKS = new Set(['consecutive_5xx']);

/** Several workers' views as one (clusters and hosts in the order they first appear). */
export function mergeClusterViews(workers: ReadonlyArray<readonly ClusterView[]>): ClusterView[] {
  const clusters = new Map<string, { view: ClusterView; hosts: Map<string, HostView> }>();
  for (const views of workers) {
    for (const v of views) {
      let c = clusters.get(v.name);
      if (!c) {
        c = { view: { ...v, hosts: [] }, hosts: new Map() };
        clusters.set(v.name, c);
      } else {
        c.view.ejectionsActive = Math.max(c.view.ejectionsActive, v.ejectionsActive);
      }
      for (const h of v.hosts) {
        const key = `${h.address}:${h.port}`;
        const have = c.hosts.get(key);
        if (!have) {
          const copy = { ...h, stats: { ...h.stats } };
          c.hosts.set(key, copy);
          c.view.hosts.push(copy);
          continue;
        }
        for (const [k, n] of Object.entries(h.stats)) have.stats[k] = STREAKS.has(k) ? Math.max(have.stats[k] ?? 0, n) : (have.stats[k] ?? 0) + n;
        have.flags = unionFlags(have.flags, h.flags);
      }
    }
  }
  return [...clusters.values()].map((c) => c.view);
}

function unionFlags(a: string, b: string): string {
  const set = new Set([...a.split('/'), ...b.split('/')].filter((f) => f && f !== 'healthy'));
  const order = ['failed_eds_health', 'failed_active_hc', 'pending_active_hc', 'failed_outlier_check'];
  const flags = order.filter((f) => set.has(f)).map((f) => `/${f}`).join('');
  return flags || 'healthy';
}
