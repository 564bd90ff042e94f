#!/usr/bin/env node
'use strict';
// npm run bench:xds — config push latency of the ADS server: time from a mesh change (an
// UpdateRoute on the local backend) until every one of N connected xDS clients has ACKed the new
// route configuration. The clients behave like Envoy (LDS+CDS wildcard, then RDS/EDS, ACK all)
// and run in a separate process, as proxies would. Prints p50/p90/p99/max over the changes, and
// per-client ACK latency percentiles. Needs `npm run build`.
//
//   BENCH_CLIENTS (100)  BENCH_CHANGES (200)

const { fork } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { performance } = require('perf_hooks');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const CLIENTS = Number(process.env.BENCH_CLIENTS || 100);
const CHANGES = Number(process.env.BENCH_CHANGES || 200);
const REGION = 'us-west-2';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';

/** Child mode: N Envoy-like clients; reports when all are synced. */
if (process.argv[2] === '--clients') {
  const { AdsClient } = require(path.join(DIST, 'xds', 'ads-client'));
  const [address, count] = [process.argv[3], Number(process.argv[4])];
  const clients = [];
  for (let i = 0; i < count; i++) clients.push(new AdsClient(address, { id: `mesh/bench/virtualNode/client-${i}`, user_agent_name: 'envoy' }).start());
  process.on('message', (m) => {
    if (m === 'stop') {
      for (const c of clients) c.close();
      process.exit(0);
    }
  });
  process.send('started');
  return;
}

function wallNow() {
  return performance.timeOrigin + performance.now();
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  const f = (v) => `${v.toFixed(1)} ms`;
  return { p50: f(percentile(s, 50)), p90: f(percentile(s, 90)), p99: f(percentile(s, 99)), max: f(s[s.length - 1]) };
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'xds', 'index.js'))) {
    console.error('bench:xds needs the compiled code: run `npm run build` first.');
    process.exit(1);
  }
  const { LocalBackend } = require(path.join(DIST, 'backends', 'local', 'local-backend'));
  const { openSqliteStore } = require(path.join(DIST, 'backends', 'local', 'store', 'sqlite-store'));
  const { startAdsServer } = require(path.join(DIST, 'xds'));

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bench-xds-'));
  const env = { AWSMESH_QUOTA_VIRTUAL_NODES_PER_MESH: String(CLIENTS + 10) };
  const backend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: '111122223333', env });
  const call = (op, input) => backend.invoke('appmesh', op, input, { region: REGION });
  const listener = { portMapping: { port: 8080, protocol: 'http' } };

  // One service behind a router splitting between v1 and v2; every client node calls it.
  await call('CreateMesh', { meshName: 'bench' });
  for (const v of ['v1', 'v2']) {
    await call('CreateVirtualNode', { meshName: 'bench', virtualNodeName: v, spec: { listeners: [listener], serviceDiscovery: { dns: { hostname: `${v}.bench.local` } } } });
  }
  await call('CreateVirtualRouter', { meshName: 'bench', virtualRouterName: 'svc', spec: { listeners: [listener] } });
  const route = (w) => ({
    meshName: 'bench', virtualRouterName: 'svc', routeName: 'split',
    spec: { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'v1', weight: w }, { virtualNode: 'v2', weight: 100 - w }] } } },
  });
  await call('CreateRoute', route(90));
  await call('CreateVirtualService', { meshName: 'bench', virtualServiceName: 'svc.bench.local', spec: { provider: { virtualRouter: { virtualRouterName: 'svc' } } } });
  for (let i = 0; i < CLIENTS; i++) {
    await call('CreateVirtualNode', {
      meshName: 'bench', virtualNodeName: `client-${i}`,
      spec: { listeners: [listener], backends: [{ virtualService: { virtualServiceName: 'svc.bench.local' } }], serviceDiscovery: { dns: { hostname: `client-${i}.bench.local` } } },
    });
  }

  // ACKs of RDS per version: version → list of ACK times.
  const acks = new Map();
  let onAck = () => undefined;
  const ads = await startAdsServer({
    backend, region: REGION,
    observe: (e) => {
      if (e.kind !== 'ack' || e.type !== 'RDS') return;
      if (!acks.has(e.version)) acks.set(e.version, []);
      acks.get(e.version).push(wallNow());
      onAck(e.version);
    },
  });

  const child = fork(__filename, ['--clients', ads.address, String(CLIENTS)], { stdio: 'inherit' });
  await new Promise((r) => child.once('message', r));
  const allAcked = (version) => new Promise((resolve) => {
    const check = () => {
      if ((acks.get(version) ?? []).length >= CLIENTS) {
        onAck = () => undefined;
        resolve();
      }
    };
    onAck = check;
    check();
  });
  const t0 = wallNow();
  await allAcked('1');
  const connectMs = wallNow() - t0;

  const totals = [];
  const perClient = [];
  for (let k = 1; k <= CHANGES; k++) {
    const version = String(k + 1);
    const start = wallNow();
    await call('UpdateRoute', route(k % 2 ? 50 : 90));
    await allAcked(version);
    const times = acks.get(version).map((t) => t - start);
    totals.push(Math.max(...times));
    perClient.push(...times);
  }

  const status = ads.status();
  const mem = process.memoryUsage();
  console.log(`bench:xds — ${CLIENTS} Envoy-like ADS clients (separate process), ${CHANGES} route changes, Node ${process.version}, ${os.cpus().length} CPUs`);
  console.log(`  initial sync (connect → all ${CLIENTS} ACKed RDS v1): ${connectMs.toFixed(0)} ms`);
  console.log('  mesh change → ACK from all clients:', summary(totals));
  console.log('  mesh change → ACK, per client:     ', summary(perClient));
  console.log(`  responses sent ${status.counters.responses}, ACKs ${status.counters.acks}, NACKs ${status.counters.nacks}, rebuilds ${status.counters.rebuilds}`);
  console.log(`  server process RSS ${(mem.rss / 1048576).toFixed(0)} MB, heap ${(mem.heapUsed / 1048576).toFixed(0)} MB`);

  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  await ads.close();
  await backend.close();
  fs.rmSync(home, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
