// Merging worker processes' stats and cluster views (`proxy --concurrency N`): counters summed,
// histograms merged bucket by bucket, cluster-wide gauges by maximum, host flags united.

import { mergeClusterViews, type ClusterView } from '../../src/dataplane/admin/cluster-views';
import { Histogram } from '../../src/dataplane/telemetry/histogram';
import { ClusterStats, HttpStats } from '../../src/dataplane/telemetry/stats';
import { flattenStats } from '../../src/dataplane/telemetry/stats-format';
import { cumulativeOnly, mergeStatGroups, serializeStatGroups } from '../../src/dataplane/telemetry/stats-merge';
import type { StatGroup } from '../../src/dataplane/telemetry/stats';

function worker(requests: number[], healthy: number, active: number): StatGroup[] {
  const http = new HttpStats();
  for (const ms of requests) {
    http.downstream_rq_total++;
    http.countStatus(ms > 10 ? 503 : 200, ms);
  }
  http.downstream_rq_active = active;
  const cluster = new ClusterStats();
  cluster.membership_healthy = healthy;
  cluster.membership_total = 2;
  cluster.upstream_rq_total = requests.length;
  return [['http.egress', http], ['cluster.c', cluster, { family: 'cluster', labels: { envoy_cluster_name: 'c' } }]];
}

test('counters and per-share gauges are summed, cluster-wide gauges taken once, histograms merged', () => {
  const w1 = [1, 2, 20];
  const w2 = [3, 4, 5, 6];
  const shipped = [worker(w1, 2, 1), worker(w2, 1, 2)].map((g) => JSON.parse(JSON.stringify(serializeStatGroups(g))));
  const merged = mergeStatGroups(shipped);
  const flat = new Map(flattenStats(merged).map((s) => [s.name, s]));
  expect(flat.get('http.egress.downstream_rq_total')!.value).toBe(7);
  expect(flat.get('http.egress.downstream_rq_2xx')!.value).toBe(6);
  expect(flat.get('http.egress.downstream_rq_200')!.value).toBe(6);
  expect(flat.get('http.egress.downstream_rq_503')!.value).toBe(1);
  expect(flat.get('http.egress.downstream_rq_active')!.value).toBe(3);
  expect(flat.get('cluster.c.membership_healthy')!.value).toBe(2);
  expect(flat.get('cluster.c.membership_total')!.value).toBe(2);
  expect(flat.get('cluster.c.upstream_rq_total')!.value).toBe(7);
  expect(flat.get('cluster.c.upstream_rq_total')!.labels).toEqual({ envoy_cluster_name: 'c' });
  // The merged histogram is the histogram of all seven samples.
  const all = new Histogram();
  for (const ms of [...w1, ...w2]) all.record(ms);
  const h = flat.get('http.egress.downstream_rq_time')!.histogram!;
  expect(h.count).toBe(7);
  expect(h.sum).toBe(all.sum);
  expect(h.detailedBuckets()).toEqual(all.detailedBuckets());
  expect(h.quantile(0.5)).toBe(all.quantile(0.5));
});

test('cluster views: host counters summed, streaks by maximum, an ejection in one worker shows', () => {
  const view = (rq: number, c5xx: number, flags: string): ClusterView[] => [{
    name: 'c', defaults: { max_connections: 1, max_pending_requests: 2, max_requests: 3, max_retries: 4 }, ejectionsActive: flags === 'healthy' ? 0 : 1,
    hosts: [{ address: '127.0.0.1', port: 1, flags, stats: { rq_total: rq, consecutive_5xx: c5xx, cx_active: 1 } },
      { address: '127.0.0.1', port: 2, flags: 'healthy', stats: { rq_total: 1, consecutive_5xx: 0, cx_active: 0 } }],
  }];
  const [c] = mergeClusterViews([view(5, 1, 'healthy'), view(7, 3, '/failed_outlier_check')]);
  expect(c.ejectionsActive).toBe(1);
  expect(c.hosts).toEqual([
    { address: '127.0.0.1', port: 1, flags: '/failed_outlier_check', stats: { rq_total: 12, consecutive_5xx: 3, cx_active: 2 } },
    { address: '127.0.0.1', port: 2, flags: 'healthy', stats: { rq_total: 2, consecutive_5xx: 0, cx_active: 0 } },
  ]);
});

test("a dead worker's counters and histograms outlive it, its gauges do not", () => {
  const live = serializeStatGroups(worker([1, 2], 2, 1));
  const dead = cumulativeOnly(serializeStatGroups(worker([3, 30, 4], 1, 5)));
  const flat = new Map(flattenStats(mergeStatGroups([live, dead])).map((s) => [s.name, s]));
  expect(flat.get('http.egress.downstream_rq_total')?.value).toBe(5);
  expect(flat.get('http.egress.downstream_rq_5xx')?.value).toBe(1);
  expect(flat.get('cluster.c.upstream_rq_total')?.value).toBe(5);
  // Gauges are the live worker's alone: the connections and requests the dead one held are gone.
  expect(flat.get('http.egress.downstream_rq_active')?.value).toBe(1);
  expect(flat.get('cluster.c.membership_healthy')?.value).toBe(2);
});
