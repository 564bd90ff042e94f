#!/usr/bin/env node
'use strict';
// npm run bench:serve — throughput of `awsmesh local serve` on SQLite and on PostgreSQL (a
// throwaway cluster, or BENCH_PG_URL) against moto_server, on loopback:
//   1. wrk, 10 connections, GET describe-virtual-node (targets: >= 10x moto; PostgreSQL >= 0.5x SQLite)
//   2. the JS SDK, one client, create-virtual-node + describe-virtual-node (+ delete, to stay under
//      App Mesh's 200-nodes-per-mesh quota) in a loop; p99 latency of the creates
//   3. a bare Node `http` server answering the same describe JSON body (Node's own ceiling), its wrk
//      runs alternating with awsmesh's (target: awsmesh >= 0.4x the bare server)
// Every wrk figure comes with the CPU time of the server process (/proc/<pid>/stat) per request
// (CPU ms per request = CPU s per 1,000 requests): on a busy machine req/s moves, CPU per request
// much less. Needs `npm run build`. wrk: `apt-get install wrk`; moto: `pip install 'moto[server]'`.
// Env: BENCH_SECONDS (default 5) per measurement, BENCH_WARMUP_SECONDS (default 3) of uncounted
// wrk load before each wrk measurement. BENCH_PG_URL: a PostgreSQL database to use instead of a
// throwaway cluster (its password in the URL; the awsmesh schema is created there). BENCH_SECTIONS=3: only
// the SQLite wrk runs against the bare Node server (and their system calls), for quick before/after runs.

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS || 5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS || 3);
const REGION = 'us-west-2';
// The SDK's Node 20 end-of-support notice is not part of the figures.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const { freePort } = require('./pg-cluster');
const { machine, loadWarning, withCpu, perThousand, median } = require('./bench-cpu');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const ONLY_BARE = process.env.BENCH_SECTIONS === '3';

/** The URL a child prints as `listening on http://…` on stdout; rejects if it exits first. */
function listeningUrl(child, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

/** A bare Node http server answering every request with `body` (JSON): what Node itself can do. */
async function startBareNode(body) {
  const code = `const b=Buffer.from(process.env.BODY);require('http').createServer((q,r)=>{r.writeHead(200,{'content-type':'application/json','content-length':b.length});r.end(b)}).listen(0,'127.0.0.1',function(){console.log('listening on http://127.0.0.1:'+this.address().port)})`;
  const child = spawn(process.execPath, ['-e', code], { env: { ...process.env, BODY: body }, stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await listeningUrl(child, 'bare node server');
  return { name: 'bare node', url, child };
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

/** `awsmesh local serve` as users run it, in a throwaway AWSMESH_HOME (on `storeUrl` when given). */
async function startAwsmesh(home, name = 'awsmesh', storeUrl) {
  const bin = path.join(ROOT, 'bin', 'awsmesh');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'server', 'http-server.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
  const child = spawn(process.execPath, [bin, 'local', 'serve', '--port', '0'], {
    env: { ...process.env, AWSMESH_HOME: home, ...(storeUrl ? { AWSMESH_STORE_URL: storeUrl } : {}) },
    stdio: ['ignore', 'pipe', 'ignore'], // per-request log lines go to /dev/null, as for moto
  });
  const url = await listeningUrl(child, 'awsmesh local serve');
  return { name, url, child, account: '111122223333' };
}

async function startMoto() {
  const moto = which('moto_server');
  if (!moto || spawnSync('python3', ['-c', 'import moto'], { stdio: 'ignore' }).status !== 0) return undefined;
  const port = await freePort();
  const child = spawn(moto, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/moto-api/`, 30_000);
  return { name: 'moto', url, child, account: '123456789012' };
}

function meshClient(url) {
  const { AppMeshClient } = require('@aws-sdk/client-app-mesh');
  return new AppMeshClient({ endpoint: url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
}

const NODE_SPEC = { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: 'web.bench.local' } } };

/**
 * Sends a command; a 2xx answer the SDK cannot parse still counts as served (moto's App Mesh
 * timestamps, "25/11/2026, 17:35:11", are not epoch seconds) but is tallied in target.unparseable.
 */
async function send(target, client, command) {
  try {
    return await client.send(command);
  } catch (err) {
    const status = err.$response?.statusCode ?? err.$metadata?.httpStatusCode;
    if (status >= 200 && status < 300 && /Deserialization|Expected/.test(err.message)) {
      target.unparseable = (target.unparseable ?? 0) + 1;
      return undefined;
    }
    throw err;
  }
}

async function seed(target) {
  const { CreateMeshCommand, CreateVirtualNodeCommand, DescribeVirtualNodeCommand } = require('@aws-sdk/client-app-mesh');
  const client = meshClient(target.url);
  await send(target, client, new CreateMeshCommand({ meshName: 'bench' }));
  await send(target, client, new CreateVirtualNodeCommand({ meshName: 'bench', virtualNodeName: 'web', spec: NODE_SPEC }));
  const check = await send(target, client, new DescribeVirtualNodeCommand({ meshName: 'bench', virtualNodeName: 'web' }));
  if (check && check.virtualNode?.virtualNodeName !== 'web') throw new Error(`${target.name}: seeding failed`);
}

/**
 * wrk's Requests/sec for GET describe-virtual-node; non-2xx answers make the figure invalid. The
 * request carries a SigV4-shaped Authorization header (not a valid signature: neither server
 * checks it here) because moto picks the service from its credential scope.
 */
function describeAuth() {
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  return `Authorization: AWS4-HMAC-SHA256 Credential=bench/${date}/${REGION}/appmesh/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`;
}

function wrkDescribe(target, warm = true) {
  const url = `${target.url}/v20190125/meshes/bench/virtualNodes/web`;
  const auth = describeAuth();
  // Warm-up run, not counted: both servers get to their steady state (JIT, caches) first.
  if (warm) spawnSync('wrk', ['-t', '2', '-c', '10', '-d', `${WARMUP_SECONDS}s`, '-H', auth, url], { encoding: 'utf8' });
  // On PostgreSQL (throwaway cluster) also the CPU of its server processes.
  const r = withCpu({ server: [target.child.pid, true], ...(target.pgPid ? { pg: [target.pgPid, true] } : {}) }, () => spawnSync('wrk', ['-t', '2', '-c', '10', '-d', `${SECONDS}s`, '--latency', '-H', auth, url], { encoding: 'utf8' }));
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr || r.stdout}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  // Anchored: the Thread Stats lines end in a percentage (e.g. 89.99%) too.
  const p99 = /^\s*99%\s+(\S+)/m.exec(r.stdout)?.[1];
  const bad = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout);
  const errors = /Socket errors:[^\n]*/.exec(r.stdout)?.[0];
  if (bad) throw new Error(`${target.name}: ${bad[1]} non-2xx responses under wrk`);
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  return { rps, p99, errors, cpuPerRequest: perThousand(r.cpu.server, requests), pgCpuPerRequest: r.cpu.pg === undefined ? undefined : perThousand(r.cpu.pg, requests) };
}

/**
 * System calls per request of `target`'s server process during one short wrk run, from `strace -c`
 * (when installed and allowed to attach): how many reads, writes and lock calls a describe costs
 * beside the bare server's. futex (the runtime's threads waking each other) is left out.
 */
async function syscallsPerRequest(target) {
  if (!which('strace')) return { why: 'strace not installed (apt-get install strace)' };
  const out = path.join(os.tmpdir(), `awsmesh-bench-strace-${process.pid}-${target.child.pid}.txt`);
  const tracer = spawn('strace', ['-f', '-c', '-o', out, '-p', String(target.child.pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise((resolve) => tracer.once('exit', resolve));
  let said = '';
  // strace says "Process N attached" once it traces (or why it cannot).
  const attached = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    tracer.stderr.on('data', (d) => {
      said += d;
      if (/attached/.test(said)) resolve(true);
    });
    exited.then(() => resolve(false));
  }).finally(() => tracer.stderr.removeAllListeners('data'));
  if (!attached) {
    tracer.kill('SIGKILL');
    await exited;
    return { why: `strace could not attach: ${said.trim().split('\n').pop() || 'no answer'}` };
  }
  tracer.stderr.resume();
  const url = `${target.url}/v20190125/meshes/bench/virtualNodes/web`;
  const r = spawnSync('wrk', ['-t', '2', '-c', '10', '-d', '3s', '-H', describeAuth(), url], { encoding: 'utf8' });
  tracer.kill('SIGINT');
  await exited; // the table is written when strace detaches
  const table = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  fs.rmSync(out, { force: true });
  const requests = Number(/(\d+) requests in/.exec(r.stdout)?.[1]);
  const calls = {};
  for (const line of table.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t.length < 5 || !/^\d/.test(t[0]) || t[t.length - 1] === 'total' || t[t.length - 1] === 'futex') continue;
    calls[t[t.length - 1]] = Number(t[3]) / requests;
  }
  const total = Object.values(calls).reduce((a, b) => a + b, 0);
  if (!requests || !total) return { why: 'strace counted nothing' };
  return { total, calls };
}

function syscallText(s) {
  if (s.why) return `not counted (${s.why})`;
  const top = Object.entries(s.calls).sort((a, b) => b[1] - a[1]).filter(([, n]) => n >= 0.05);
  return `${s.total.toFixed(2)} (${top.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')})`;
}

/** ROUNDS wrk runs on `target`, alternating with runs on `peer` when given; medians. */
function wrkRounds(target, peer) {
  const runs = { target: [], peer: [] };
  for (let i = 0; i < ROUNDS; i++) {
    runs.target.push(wrkDescribe(target, i === 0));
    if (peer) runs.peer.push(wrkDescribe(peer, i === 0));
  }
  const med = (rs) => rs.length ? { rps: median(rs.map((r) => r.rps)), p99: rs[0].p99, errors: rs.find((r) => r.errors)?.errors, cpuPerRequest: median(rs.map((r) => r.cpuPerRequest)), pgCpuPerRequest: median(rs.map((r) => r.pgCpuPerRequest)) } : undefined;
  return { wrk: med(runs.target), peer: med(runs.peer) };
}

/** Sequential create + describe + delete of a virtual node with one SDK client; requests per second. */
async function sdkLoop(target) {
  const { CreateVirtualNodeCommand, DeleteVirtualNodeCommand, DescribeVirtualNodeCommand } = require('@aws-sdk/client-app-mesh');
  const client = meshClient(target.url);
  const deadline = Date.now() + SECONDS * 1000;
  const t0 = process.hrtime.bigint();
  let requests = 0;
  const creates = [];
  for (let i = 0; Date.now() < deadline; i++) {
    const virtualNodeName = `node-${i}`;
    const c0 = process.hrtime.bigint();
    await send(target, client, new CreateVirtualNodeCommand({ meshName: 'bench', virtualNodeName, spec: NODE_SPEC }));
    creates.push(Number(process.hrtime.bigint() - c0) / 1e6);
    const d = await send(target, client, new DescribeVirtualNodeCommand({ meshName: 'bench', virtualNodeName }));
    if (d && d.virtualNode?.virtualNodeName !== virtualNodeName) throw new Error(`${target.name}: describe returned the wrong node`);
    await send(target, client, new DeleteVirtualNodeCommand({ meshName: 'bench', virtualNodeName }));
    requests += 3;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  creates.sort((a, b) => a - b);
  const createP99 = creates[Math.min(creates.length - 1, Math.ceil(creates.length * 0.99) - 1)];
  return { rps: requests / seconds, requests, createP99 };
}

async function measure(target, haveWrk, withBare = false) {
  await seed(target);
  let bare;
  if (withBare && haveWrk) {
    const body = await (await fetch(`${target.url}/v20190125/meshes/bench/virtualNodes/web`)).text();
    bare = await startBareNode(body);
  }
  try {
    const rounds = haveWrk ? wrkRounds(target, bare) : {};
    const syscalls = bare ? { target: await syscallsPerRequest(target), bare: await syscallsPerRequest(bare) } : undefined;
    const sdk = ONLY_BARE ? undefined : await sdkLoop(target);
    return { wrk: rounds.wrk, bare: rounds.peer, syscalls, sdk, unparseable: target.unparseable ?? 0 };
  } finally {
    if (bare) await stop(bare.child);
  }
}

const fmt = (n) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(0).padStart(8));

/** A PostgreSQL database for the PostgreSQL run: BENCH_PG_URL, else a throwaway cluster. */
async function postgresTarget(started) {
  if (process.env.BENCH_PG_URL) return { url: process.env.BENCH_PG_URL };
  const { postgresUnavailable, startCluster } = require('./pg-cluster');
  const why = postgresUnavailable();
  if (why) return { why };
  const cluster = await startCluster({ settings: { shared_preload_libraries: 'pg_stat_statements' } });
  started.push({ child: { exitCode: 0 }, cleanup: () => cluster.destroy() });
  await cluster.sql('CREATE DATABASE bench');
  await cluster.sql('CREATE EXTENSION pg_stat_statements', 'bench');
  return { url: cluster.url('bench'), cluster };
}

/** CPU seconds (user + system) of a process so far, from /proc (Linux; USER_HZ 100). */
function procCpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0; // exited meanwhile
  }
}

/** CPU seconds of PostgreSQL: the postmaster and its children (backends, writers). */
function postgresCpuSeconds(postmaster) {
  let total = procCpuSeconds(postmaster);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1]) === postmaster) total += procCpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * What one describe-virtual-node costs on PostgreSQL (throwaway cluster only), over sequential
 * requests: statements the server ran (pg_stat_statements; BEGIN and COMMIT included if there are
 * any — a describe is one statement outside a transaction, one round trip), transactions, and CPU
 * ms of the awsmesh process and of PostgreSQL.
 */
async function pgCosts(pg, target, requests = 1000) {
  if (!pg.cluster) return undefined;
  const { cluster } = pg;
  const url = `${target.url}/v20190125/meshes/bench/virtualNodes/web`;
  const counters = async () => {
    const [row] = await cluster.sql(`SELECT
      (SELECT sum(calls) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = 'bench') AS statements,
      (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = 'bench') AS xacts`, 'bench');
    return { statements: Number(row.statements), xacts: Number(row.xacts), serve: procCpuSeconds(target.child.pid), pg: postgresCpuSeconds(cluster.pid()) };
  };
  await cluster.sql('SELECT pg_stat_statements_reset()', 'bench');
  await sleep(600); // pg_stat_database is updated at most every 500 ms
  const before = await counters();
  for (let i = 0; i < requests; i++) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${target.name}: describe answered ${res.status}`);
    await res.arrayBuffer();
  }
  await sleep(600);
  const after = await counters();
  const per = (k, scale = 1) => ((after[k] - before[k]) * scale) / requests;
  return { statements: per('statements'), xacts: per('xacts'), serveCpuMs: per('serve', 1000), pgCpuMs: per('pg', 1000) };
}

async function main() {
  const haveWrk = Boolean(which('wrk'));
  console.log(`bench:serve — ${machine()}; ${SECONDS}s per measurement, ${ROUNDS} rounds (awsmesh and the bare Node server alternate)`);
  const warning = loadWarning();
  if (warning) console.log(warning);
  if (!haveWrk) console.log('wrk not installed (apt-get install wrk): skipping the wrk figure');

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bench-serve-'));
  const results = {};
  const started = [];
  try {
    const ours = await startAwsmesh(home);
    started.push(ours);
    results.sqlite = await measure(ours, haveWrk, true);
    await stop(ours.child);

    const pg = ONLY_BARE ? { why: 'BENCH_SECTIONS=3' } : await postgresTarget(started);
    if (pg.why) {
      console.log(`PostgreSQL: not measured (${pg.why})`);
    } else {
      const onPg = await startAwsmesh(fs.mkdtempSync(path.join(home, 'pg-')), 'awsmesh-postgres', pg.url);
      started.push(onPg);
      onPg.pgPid = pg.cluster?.pid();
      results.postgres = await measure(onPg, haveWrk);
      results.postgres.costs = await pgCosts(pg, onPg);
      await stop(onPg.child);
    }

    const moto = ONLY_BARE ? undefined : await startMoto();
    if (ONLY_BARE) {
      // section 3 only: no moto comparison
    } else if (!moto) {
      console.log('moto not installed (pip install "moto[server]"): no comparison');
    } else {
      started.push(moto);
      results.moto = await measure(moto, haveWrk);
    }
  } finally {
    for (const s of started) {
      if (s.cleanup) await s.cleanup();
      else await stop(s.child);
    }
    fs.rmSync(home, { recursive: true, force: true });
  }

  const { sqlite, postgres, moto } = results;
  console.log('');
  console.log('                                        SQLite  PostgreSQL       moto   PG/SQLite   SQLite/moto');
  const ratio = (a, b) => (a !== undefined && b !== undefined ? `${(a / b).toFixed(2)}x` : 'n/a');
  const row = (label, pick) => {
    const [a, p, m] = [sqlite, postgres, moto].map((r) => (r ? pick(r) : undefined));
    console.log(`${label.padEnd(36)} ${fmt(a)}    ${fmt(p)}   ${fmt(m)}   ${ratio(p, a).padStart(9)}   ${ratio(a, m).padStart(11)}`);
  };
  row('wrk describe-virtual-node (req/s)', (r) => r.wrk?.rps);
  const cpuRow = (label, pick) => {
    const [a, p, m] = [sqlite, postgres, moto].map((r) => (r ? pick(r) : undefined));
    const f = (n) => (n === undefined || Number.isNaN(n) ? 'n/a' : n.toFixed(3)).padStart(8);
    console.log(`${label.padEnd(36)} ${f(a)}    ${f(p)}   ${f(m)}   ${ratio(a, p).padStart(9)}   ${ratio(m, a).padStart(11)}`);
  };
  cpuRow('server CPU ms/request (= s/1k req)', (r) => r.wrk?.cpuPerRequest);
  if (sqlite.sdk) {
    row('SDK create+describe+delete (req/s)', (r) => r.sdk.rps);
    row('SDK create-virtual-node p99 (ms)', (r) => r.sdk.createP99);
  }
  if (sqlite.wrk) {
    console.log(`\nwrk p99 latency: SQLite ${sqlite.wrk.p99}${postgres?.wrk ? `, PostgreSQL ${postgres.wrk.p99}` : ''}${moto?.wrk ? `, moto ${moto.wrk.p99}` : ''}`);
    for (const [name, r] of Object.entries(results)) if (r.wrk?.errors) console.log(`${name} wrk ${r.wrk.errors}`);
  }
  const costs = postgres?.costs;
  if (costs) {
    console.log(`PostgreSQL, per describe-virtual-node (sequential): ${costs.statements.toFixed(2)} statements (BEGIN/COMMIT included if any), ` +
      `${costs.xacts.toFixed(2)} transactions, CPU ${costs.serveCpuMs.toFixed(2)} ms awsmesh + ${costs.pgCpuMs.toFixed(2)} ms PostgreSQL`);
    const w = postgres.wrk;
    if (w && Number.isFinite(w.pgCpuPerRequest)) {
      console.log(`PostgreSQL, per describe-virtual-node under wrk: CPU ${w.cpuPerRequest.toFixed(3)} ms awsmesh + ${w.pgCpuPerRequest.toFixed(3)} ms PostgreSQL`);
    }
  }
  for (const [name, r] of Object.entries(results)) {
    if (r.unparseable) console.log(`${name}: ${r.unparseable} successful responses the JS SDK could not parse (counted as served)`);
  }
  if (sqlite.wrk && sqlite.bare) {
    const b = sqlite.bare;
    console.log(`\nbare Node http server, same JSON body: ${b.rps.toFixed(0)} req/s, CPU ${b.cpuPerRequest.toFixed(3)} ms/request`);
    const r = sqlite.wrk.rps / b.rps;
    const c = b.cpuPerRequest / sqlite.wrk.cpuPerRequest;
    console.log(`target: awsmesh describe >= 0.4x the bare Node server — throughput ${r.toFixed(2)}x ${r >= 0.4 ? 'met' : 'NOT met'}; per CPU-second ${c.toFixed(2)}x ${c >= 0.4 ? 'met' : 'NOT met'}`);
    if (sqlite.syscalls) {
      console.log(`system calls per describe (strace -c, futex left out): awsmesh ${syscallText(sqlite.syscalls.target)}`);
      console.log(`                                                      bare Node ${syscallText(sqlite.syscalls.bare)}`);
    }
  }
  if (sqlite.wrk && moto?.wrk) {
    const r = sqlite.wrk.rps / moto.wrk.rps;
    console.log(`target: wrk describe >= 10x moto — ${r >= 10 ? 'met' : 'NOT met'} (${r.toFixed(1)}x)`);
  }
  if (sqlite.wrk && postgres?.wrk) {
    const r = postgres.wrk.rps / sqlite.wrk.rps;
    console.log(`target: PostgreSQL wrk describe >= 0.5x SQLite — ${r >= 0.5 ? 'met' : 'NOT met'} (${r.toFixed(2)}x)`);
  }
}

main().catch((err) => {
  console.error(`bench:serve failed: ${err.message}`);
  process.exitCode = 1;
});
