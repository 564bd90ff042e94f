#!/usr/bin/env node
'use strict';
// npm run bench:store — the local App Mesh control plane on its SQLite store (built code in dist/):
// describe and create latency (median, p95) and the time of a full paginated ListVirtualNodes,
// with 10,000 virtual nodes in one mesh beside the same on an empty mesh (separate stores).
// Targets: describe at 10k ≤ 1.2× empty; full list of 10k < 2 s.
//
//   BENCH_NODES=10000 BENCH_SAMPLES=3000 npm run bench:store

const fs = require('fs');
const os = require('os');
const path = require('path');

const DIST = path.resolve(__dirname, '..', 'dist', 'backends', 'local');
if (!fs.existsSync(path.join(DIST, 'store', 'sqlite-store.js'))) {
  process.stderr.write('bench:store needs the built code: run `npm run build` first.\n');
  process.exit(1);
}
const { LocalBackend } = require(path.join(DIST, 'local-backend.js'));
const { openSqliteStore } = require(path.join(DIST, 'store', 'sqlite-store.js'));

const NODES = Number(process.env.BENCH_NODES || 10000);
const SAMPLES = Number(process.env.BENCH_SAMPLES || 3000);
const CREATE_SAMPLES = Math.min(500, NODES);
const REGION = { region: 'us-west-2' };

function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { median: at(0.5), p95: at(0.95) };
}

const ms = (x) => `${x.toFixed(3)} ms`;

/** A fresh store in its own AWSMESH_HOME, with the node quota raised for the bench. */
function openBench(label) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `awsmesh-bench-store-${label}-`));
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ quotas: { virtualNodesPerMesh: NODES + CREATE_SAMPLES + 10 } }));
  const backend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: '111122223333', env: {} });
  const call = (op, input) => backend.invoke('appmesh', op, input, REGION);
  return { home, backend, call };
}

const nodeSpec = (name) => ({
  listeners: [{ portMapping: { port: 8080, protocol: 'http' }, healthCheck: { protocol: 'http', path: '/ping', healthyThreshold: 2, unhealthyThreshold: 2, intervalMillis: 5000, timeoutMillis: 2000 } }],
  serviceDiscovery: { dns: { hostname: `${name}.apps.local` } },
  backends: [{ virtualService: { virtualServiceName: 'backend.apps.local' } }],
});

async function timed(fn) {
  const t0 = nowMs();
  await fn();
  return nowMs() - t0;
}

async function createMany(b, prefix, count, samples) {
  for (let i = 0; i < count; i++) {
    const name = `${prefix}${String(i).padStart(6, '0')}`;
    const t = await timed(() => b.call('CreateVirtualNode', { meshName: 'bench', virtualNodeName: name, spec: nodeSpec(name) }));
    if (samples) samples.push(t);
  }
}

async function fullList(b) {
  let token;
  let items = 0;
  let pages = 0;
  const t = await timed(async () => {
    do {
      const page = await b.call('ListVirtualNodes', { meshName: 'bench', nextToken: token });
      items += page.virtualNodes.length;
      pages++;
      token = page.nextToken;
    } while (token);
  });
  return { t, items, pages };
}

async function main() {
  const empty = openBench('empty');
  const big = openBench('10k');
  try {
    for (const b of [empty, big]) await b.call('CreateMesh', { meshName: 'bench' });

    process.stdout.write(`Populating a mesh with ${NODES} virtual nodes…\n`);
    const tPopulate = await timed(() => createMany(big, 'n', NODES));
    const listEmpty = await fullList(empty);
    const listBig = await fullList(big);

    // Create latency: the first creates into the empty mesh, the next ones into the full mesh.
    // The empty side's describes then read those first nodes (its mesh stays small).
    const createEmpty = [];
    const createBig = [];
    await createMany(empty, 'c', CREATE_SAMPLES, createEmpty);
    await createMany(big, 'c', CREATE_SAMPLES, createBig);

    // Describe latency, interleaved so that machine noise hits both sides alike.
    const names = Array.from({ length: SAMPLES }, () => `n${String(Math.floor(Math.random() * NODES)).padStart(6, '0')}`);
    const describeEmpty = [];
    const describeBig = [];
    for (let i = 0; i < 200; i++) { // warm-up
      await empty.call('DescribeVirtualNode', { meshName: 'bench', virtualNodeName: 'c000000' });
      await big.call('DescribeVirtualNode', { meshName: 'bench', virtualNodeName: names[i % names.length] });
    }
    for (let i = 0; i < SAMPLES; i++) {
      describeEmpty.push(await timed(() => empty.call('DescribeVirtualNode', { meshName: 'bench', virtualNodeName: `c${String(i % CREATE_SAMPLES).padStart(6, '0')}` })));
      describeBig.push(await timed(() => big.call('DescribeVirtualNode', { meshName: 'bench', virtualNodeName: names[i] })));
    }

    const dE = stats(describeEmpty);
    const dB = stats(describeBig);
    const cE = stats(createEmpty);
    const cB = stats(createBig);
    const ratio = dB.median / dE.median;
    const rows = [
      ['', 'empty mesh', `${NODES} nodes`],
      ['describe-virtual-node median', ms(dE.median), ms(dB.median)],
      ['describe-virtual-node p95', ms(dE.p95), ms(dB.p95)],
      ['create-virtual-node median', ms(cE.median), ms(cB.median)],
      ['create-virtual-node p95', ms(cE.p95), ms(cB.p95)],
      ['full list-virtual-nodes', `${ms(listEmpty.t)} (${listEmpty.items} items, ${listEmpty.pages} page${listEmpty.pages > 1 ? 's' : ''})`, `${ms(listBig.t)} (${listBig.items} items, ${listBig.pages} pages)`],
    ];
    const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    process.stdout.write(`\n${rows.map((r) => r.map((c, i) => c.padEnd(w[i])).join('   ')).join('\n')}\n\n`);
    process.stdout.write(`populate: ${NODES} creates in ${(tPopulate / 1000).toFixed(2)} s (${(NODES / (tPopulate / 1000)).toFixed(0)}/s)\n`);
    const describeOk = ratio <= 1.2;
    const listOk = listBig.t < 2000;
    process.stdout.write(`describe ratio (${NODES} / empty, medians): ${ratio.toFixed(2)}×  target ≤ 1.2×  ${describeOk ? 'OK' : 'MISSED'}\n`);
    process.stdout.write(`full list of ${listBig.items}: ${(listBig.t / 1000).toFixed(3)} s  target < 2 s  ${listOk ? 'OK' : 'MISSED'}\n`);
    process.exitCode = describeOk && listOk ? 0 : 1;
  } finally {
    for (const b of [empty, big]) {
      await b.backend.close();
      fs.rmSync(b.home, { recursive: true, force: true });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${e && e.stack ? e.stack : e}\n`);
  process.exitCode = 1;
});
