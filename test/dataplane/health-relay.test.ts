// Health results shared between the workers of `awsmesh proxy --concurrency N` (cluster.ts): the
// probing worker also reports a host that leaves its cluster, so the primary and the other workers
// forget that host's result instead of keeping one per endpoint that ever existed (and applying a
// stale one if the address comes back). Real TCP listeners on 127.0.0.1 answer the probes.

import * as net from 'net';
import { ClusterRuntime } from '../../src/dataplane/cluster/cluster';
import type { Cluster, ClusterLoadAssignment } from '../../src/envoy/translate/envoy-types';
import { waitUntil } from '../helpers/wait';

const servers: net.Server[] = [];
let ports: number[] = [];

beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const s = net.createServer((c) => c.destroy());
    await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
    servers.push(s);
  }
  ports = servers.map((s) => (s.address() as net.AddressInfo).port);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
});

function cluster(): Cluster {
  return {
    name: 'c', type: 'STATIC', connect_timeout: '1s', circuit_breakers: { thresholds: [] },
    health_checks: [{ timeout: '1s', interval: '60s', healthy_threshold: 1, unhealthy_threshold: 1, tcp_health_check: {} }],
  };
}

function endpoints(...use: number[]): ClusterLoadAssignment {
  return {
    cluster_name: 'c',
    endpoints: [{ lb_endpoints: use.map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } })) }],
  } as ClusterLoadAssignment;
}

test('the prober reports each result, and null for a host that leaves or a cluster that closes', async () => {
  const reports: Array<[string, string, boolean | null]> = [];
  const rt = new ClusterRuntime('c', { prober: true, report: (c, h, ok) => reports.push([c, h, ok]) });
  const [a, b] = ports.map((p) => `127.0.0.1:${p}`);
  rt.apply(cluster(), endpoints(...ports));
  await waitUntil(() => reports.length === 2, { describe: 'both hosts probed and reported', observe: () => reports });
  expect(reports).toEqual(expect.arrayContaining([['c', a, true], ['c', b, true]]));
  rt.apply(cluster(), endpoints(ports[0]));
  expect(reports[2]).toEqual(['c', b, null]);
  await rt.close();
  expect(reports[3]).toEqual(['c', a, null]);
  expect(reports).toHaveLength(4);
});

test('a worker that does not probe forgets a relayed result when the prober says the host left', async () => {
  const b = `127.0.0.1:${ports[1]}`;
  // What a worker shows for hosts the prober has not reported on yet (pending their first result).
  const fresh = new ClusterRuntime('c', { prober: false });
  fresh.apply(cluster(), endpoints(...ports));
  const pending = fresh.stats.membership_healthy;
  await fresh.close();

  const rt = new ClusterRuntime('c', { prober: false });
  rt.relayHealth(b, false);
  rt.relayHealth(b, null);
  // The address joins again: no stale "unhealthy" is applied; it waits for the prober's new result.
  rt.apply(cluster(), endpoints(...ports));
  expect(rt.stats.membership_healthy).toBe(pending);
  rt.relayHealth(`127.0.0.1:${ports[0]}`, true);
  rt.relayHealth(b, false);
  expect(rt.stats.membership_healthy).toBe(1);
  await rt.close();
});
