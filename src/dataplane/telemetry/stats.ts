// Envoy-style counters, gauges and histograms, named as Envoy names them
// (`cluster.<name>.upstream_rq_2xx`, `listener.<address>_<port>.downstream_cx_total`,
// `http.<stat_prefix>.downstream_rq_total`, `vhost.<host>.route.<route>.upstream_rq_time`, …).
// They are plain fields on small objects resolved once per configuration, so the request path
// only increments numbers; the admin pages render them on demand (stats-format.ts renders every
// numeric field, CodeCounts and Histogram of a group, so a new field needs no renderer change).

import { Histogram } from './histogram';

/** Per-status-code counters (`<stem>_200`, `<stem>_503`, …), rendered for the codes seen. */
export class CodeCounts {
  readonly counts = new Float64Array(600);

  constructor(readonly stem: string) {}

  add(status: number): void {
    if (status > 0 && status < 600) this.counts[status]++;
  }
}

const CLASS_SUFFIXES = ['1xx', '2xx', '3xx', '4xx', '5xx'];
const classKeys = (stem: string) => CLASS_SUFFIXES.map((c) => `${stem}_${c}`);
const UPSTREAM_CLASSES = classKeys('upstream_rq');
const DOWNSTREAM_CLASSES = classKeys('downstream_rq');

/** Counts one response in its class counter (`<stem>_5xx`) and its per-code series. */
function countResponse(stats: object, classes: string[], codes: CodeCounts, status: number): void {
  const i = status < 200 ? 0 : status < 300 ? 1 : status < 400 ? 2 : status < 500 ? 3 : 4;
  (stats as Record<string, number>)[classes[i]]++;
  codes.add(status);
}

/**
 * How a group of stats is named in Prometheus (Envoy's tag extraction): the family prefix
 * (`cluster` → envoy_cluster_upstream_rq_total) and the tags taken out of the name.
 */
export interface StatTags {
  family: string;
  labels: Record<string, string>;
}

/** `[text prefix, stats object, tags]`; without tags they are derived from the prefix. */
export type StatGroup = [prefix: string, stats: object, tags?: StatTags];

/** The upstream request counters clusters and routes share (`<prefix>.upstream_rq_*`). */
class UpstreamRequestStats {
  upstream_rq_total = 0;
  upstream_rq_completed = 0;
  upstream_rq_1xx = 0;
  upstream_rq_2xx = 0;
  upstream_rq_3xx = 0;
  upstream_rq_4xx = 0;
  upstream_rq_5xx = 0;
  readonly upstream_rq = new CodeCounts('upstream_rq');
  upstream_rq_retry = 0;
  upstream_rq_timeout = 0;
  readonly upstream_rq_time = new Histogram();

  /** Counts one response in its class (`upstream_rq_5xx`) and per-code series. */
  countStatus(status: number): void {
    countResponse(this, UPSTREAM_CLASSES, this.upstream_rq, status);
  }
}

export class ClusterStats extends UpstreamRequestStats {
  upstream_rq_retry_success = 0;
  upstream_rq_retry_overflow = 0;
  upstream_rq_per_try_timeout = 0;
  upstream_rq_pending_overflow = 0;
  upstream_rq_active = 0;
  upstream_rq_pending_active = 0;
  /** Connections opened to the cluster's hosts for traffic (health checks have their own). */
  upstream_cx_total = 0;
  upstream_cx_active = 0;
  upstream_cx_connect_fail = 0;
  upstream_cx_destroy_remote_with_active_rq = 0;
  'outlier_detection.ejections_active' = 0;
  'outlier_detection.ejections_total' = 0;
  'outlier_detection.ejections_enforced_total' = 0;
  'outlier_detection.ejections_consecutive_5xx' = 0;
  'outlier_detection.ejections_enforced_consecutive_5xx' = 0;
  'health_check.attempt' = 0;
  'health_check.success' = 0;
  'health_check.failure' = 0;
  membership_healthy = 0;
  membership_total = 0;
}

/** Listener stats: connections (Envoy's `listener.<address>_<port>.*`). */
export class ListenerStats {
  downstream_cx_total = 0;
  downstream_cx_active = 0;
}

/** HTTP connection manager stats (`http.<stat_prefix>.*`): requests as the downstream saw them. */
export class HttpStats {
  downstream_rq_total = 0;
  downstream_rq_active = 0;
  downstream_rq_completed = 0;
  downstream_rq_1xx = 0;
  downstream_rq_2xx = 0;
  downstream_rq_3xx = 0;
  downstream_rq_4xx = 0;
  downstream_rq_5xx = 0;
  readonly downstream_rq = new CodeCounts('downstream_rq');
  /** Requests the proxy answered itself (no route, no healthy upstream, overflow, timeout). */
  rq_direct_response = 0;
  no_route = 0;
  /** Connections that switched protocols (WebSocket upgrades), and those still open. */
  downstream_cx_upgrades_total = 0;
  downstream_cx_upgrades_active = 0;
  /** Upgrade requests of a type the connection manager does not allow (answered 403). */
  downstream_rq_ws_on_non_ws_route = 0;
  readonly downstream_rq_time = new Histogram();

  countStatus(status: number, ms: number): void {
    this.downstream_rq_completed++;
    countResponse(this, DOWNSTREAM_CLASSES, this.downstream_rq, status);
    this.downstream_rq_time.record(ms);
  }
}

/** Per-target counts of a route (which weighted cluster got the request, and how it ended). */
export class RouteTargetStats {
  upstream_rq_total = 0;
  upstream_rq_2xx = 0;
  upstream_rq_4xx = 0;
  upstream_rq_5xx = 0;
}

/** Route stats (`vhost.<virtual host>.route.<route>.*`), one object per route across updates. */
export class RouteStats extends UpstreamRequestStats {
  /** By cluster name (the weighted targets). */
  readonly targets = new Map<string, RouteTargetStats>();

  constructor(readonly virtualHost: string, readonly route: string, readonly virtualService?: string) {
    super();
  }

  target(cluster: string): RouteTargetStats {
    let t = this.targets.get(cluster);
    if (!t) {
      t = new RouteTargetStats();
      this.targets.set(cluster, t);
    }
    return t;
  }

  /** One finished request: its final status (0 when none was sent), duration and retries. */
  complete(status: number, ms: number, retries: number, timedOut: boolean, target: RouteTargetStats | undefined): void {
    this.upstream_rq_retry += retries;
    if (timedOut) this.upstream_rq_timeout++;
    if (status === 0) return;
    this.upstream_rq_completed++;
    this.countStatus(status);
    this.upstream_rq_time.record(ms);
    if (target) {
      if (status >= 500) target.upstream_rq_5xx++;
      else if (status >= 400) target.upstream_rq_4xx++;
      else if (status >= 200 && status < 300) target.upstream_rq_2xx++;
    }
  }
}
