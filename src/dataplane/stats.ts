// Envoy-style counters and gauges, named as Envoy names them (`cluster.<name>.upstream_rq_2xx`,
// `listener.<address>_<port>.downstream_cx_total`, …). Kept as plain numbers on small objects so
// the request path only increments fields; /stats renders them on demand.

export class ClusterStats {
  upstream_rq_total = 0;
  upstream_rq_1xx = 0;
  upstream_rq_2xx = 0;
  upstream_rq_3xx = 0;
  upstream_rq_4xx = 0;
  upstream_rq_5xx = 0;
  upstream_rq_retry = 0;
  upstream_rq_retry_success = 0;
  upstream_rq_retry_overflow = 0;
  upstream_rq_timeout = 0;
  upstream_rq_per_try_timeout = 0;
  upstream_rq_pending_overflow = 0;
  upstream_rq_active = 0;
  upstream_rq_pending_active = 0;
  upstream_cx_connect_fail = 0;
  upstream_cx_destroy_remote_with_active_rq = 0;
  upstream_rq_time_sum_ms = 0;
  'outlier_detection.ejections_active' = 0;
  'outlier_detection.ejections_total' = 0;
  'outlier_detection.ejections_enforced_consecutive_5xx' = 0;
  'health_check.attempt' = 0;
  'health_check.success' = 0;
  'health_check.failure' = 0;
  membership_healthy = 0;
  membership_total = 0;

  countStatus(status: number): void {
    if (status < 200) this.upstream_rq_1xx++;
    else if (status < 300) this.upstream_rq_2xx++;
    else if (status < 400) this.upstream_rq_3xx++;
    else if (status < 500) this.upstream_rq_4xx++;
    else this.upstream_rq_5xx++;
  }
}

export class ListenerStats {
  downstream_cx_total = 0;
  downstream_cx_active = 0;
  downstream_rq_total = 0;
  downstream_rq_active = 0;
  downstream_rq_1xx = 0;
  downstream_rq_2xx = 0;
  downstream_rq_3xx = 0;
  downstream_rq_4xx = 0;
  downstream_rq_5xx = 0;

  countStatus(status: number): void {
    if (status < 200) this.downstream_rq_1xx++;
    else if (status < 300) this.downstream_rq_2xx++;
    else if (status < 400) this.downstream_rq_3xx++;
    else if (status < 500) this.downstream_rq_4xx++;
    else this.downstream_rq_5xx++;
  }
}

/** `prefix.field: value` lines, sorted, as Envoy's /stats prints them. */
export function renderStats(groups: Array<[string, object]>): string {
  const lines: string[] = [];
  for (const [prefix, stats] of groups) {
    for (const [k, v] of Object.entries(stats)) if (typeof v === 'number') lines.push(`${prefix}.${k}: ${v}`);
  }
  return lines.sort().join('\n') + '\n';
}
