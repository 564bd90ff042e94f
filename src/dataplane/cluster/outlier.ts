// Passive outlier detection (Envoy's consecutive_5xx detector, the one App Mesh configures).
// A host that returns maxServerErrors 5xx in a row — connect failures and resets count as 5xx —
// is ejected at once, unless that would take the ejected share to max_ejection_percent or more.
// Every interval, ejected hosts whose time is up (base_ejection_time × times ejected, capped at
// 300 s) come back, and hosts that stayed healthy have their ejection multiplier decreased.

import type { OutlierDetection } from '../../envoy/translate/envoy-types';
import { parseEnvoyDuration } from '../../envoy/translate/durations';
import type { ClusterStats } from '../telemetry/stats';
import type { Host } from './host';

const MAX_EJECTION_MS = 300_000;

export class OutlierDetector {
  readonly consecutive5xx: number;
  readonly intervalMs: number;
  readonly baseEjectionMs: number;
  readonly maxEjectionPercent: number;
  private timer?: NodeJS.Timeout;

  constructor(
    cfg: OutlierDetection,
    private readonly hosts: () => Host[],
    private readonly stats: ClusterStats,
    private readonly onChange: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.consecutive5xx = cfg.consecutive_5xx ?? 5;
    this.intervalMs = parseEnvoyDuration(cfg.interval) ?? 10_000;
    this.baseEjectionMs = parseEnvoyDuration(cfg.base_ejection_time) ?? 30_000;
    this.maxEjectionPercent = cfg.max_ejection_percent ?? 10;
    this.timer = setInterval(() => this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  /** Called with the outcome of every upstream attempt. */
  record(host: Host, serverError: boolean): void {
    if (!serverError) {
      host.consecutive5xx = 0;
      return;
    }
    host.consecutive5xx++;
    if (host.consecutive5xx >= this.consecutive5xx && !host.ejected) this.eject(host);
  }

  private eject(host: Host): void {
    const all = this.hosts();
    const ejected = all.filter((h) => h.ejected).length;
    if ((ejected * 100) / all.length >= this.maxEjectionPercent) return;
    host.ejected = true;
    host.ejectedAt = this.now();
    host.ejectionCount++;
    host.consecutive5xx = 0;
    this.stats['outlier_detection.ejections_active']++;
    this.stats['outlier_detection.ejections_total']++;
    this.stats['outlier_detection.ejections_enforced_consecutive_5xx']++;
    this.stats['outlier_detection.ejections_enforced_total']++;
    this.stats['outlier_detection.ejections_consecutive_5xx']++;
    this.onChange();
  }

  sweep(): void {
    const now = this.now();
    let changed = false;
    for (const h of this.hosts()) {
      if (h.ejected) {
        const duration = Math.min(this.baseEjectionMs * h.ejectionCount, Math.max(MAX_EJECTION_MS, this.baseEjectionMs));
        if (now - h.ejectedAt >= duration) {
          h.ejected = false;
          h.consecutive5xx = 0;
          this.stats['outlier_detection.ejections_active']--;
          changed = true;
        }
      } else if (h.ejectionCount > 0 && now - h.ejectedAt >= this.baseEjectionMs * h.ejectionCount + this.intervalMs) {
        h.ejectionCount--;
      }
    }
    if (changed) this.onChange();
  }

  /** A host left the cluster: forget it. */
  forget(host: Host): void {
    if (host.ejected) this.stats['outlier_detection.ejections_active']--;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
