#!/usr/bin/env node
// npm run bench:proxy — the local data plane's performance, beside a reference proxy.
//
//   1. Saturation (wrk, loopback): (a) the backend directly, (b) an awsmesh sidecar egress doing
//      the walkthrough's 75/25 weighted split, (c) nginx (1 worker, upstream weights 3:1, keepalive)
//      doing the same split. Prints req/s, p50, p99 and the ratios.
//   2. Fixed rate (1,000 req/s, open loop, Node client): latency direct vs through the sidecar,
//      and the latency the sidecar adds (p50, p99).
//   3. Config propagation: `update-route` on the local control plane → the change running in an
//      `awsmesh proxy` process (another process: it learns through the store's change watch).
//   4. TLS: two sidecars in separate processes (caller egress → server ingress → backend), once
//      plaintext and once with mTLS between them (certificates from the local CA, SDS secrets,
//      SAN checks on both sides). Prints req/s, p50 and p99 of each.
//   5. Worker processes (`awsmesh proxy --concurrency 2`) beside nginx with 2 worker processes, the
//      same split; the pool once with node:cluster's round-robin (the primary accepts and hands each
//      connection over) and once with NODE_CLUSTER_SCHED_POLICY=none (the workers accept on the shared
//      socket), each with kept-alive connections and with a new connection per request (`Connection:
//      close`, where the round-robin hop costs most). CPU is summed over the primary and its workers.
//
// Targets: sidecar rps ≥ 0.6× nginx; added latency at 1,000 req/s ≤ 0.5 ms p50 and ≤ 2 ms p99;
// propagation p99 ≤ 500 ms; sidecar ≥ 0.6× nginx per core (requests per CPU-second of the proxy
// process); mTLS p99 ≤ plaintext p99 + 5 ms. Figures are printed, never asserted. Every wrk run also
// reads the CPU time (/proc/<pid>/stat) the proxy, nginx (master + worker) and the backend used, and
// prints CPU ms per request (= CPU s per 1,000 requests): that figure holds on a busy machine, req/s
// does not. Needs `npm run build`, wrk and nginx (apt-get install -y wrk nginx). BENCH_SECONDS
// (default 8) sets each wrk run's length, BENCH_ROUNDS (default 3) how many times the sidecar and
// nginx runs alternate (medians are printed), BENCH_TLS_RATE (default 500) section 4's fixed rate,
// BENCH_UNIQUE_HEADS=1 gives every request its own header value (no head repeats on a connection).
// BENCH_STRACE=1 adds system calls per request of the sidecar and nginx to section 1 (needs strace).
// BENCH_PROXY_BASELINE=<another built checkout> adds that build's sidecar to section 1, beside this one
// (same backend, same nginx, wrk runs rotating between them): before/after at the same moment.

'use strict';
const { spawn, spawnSync, execFileSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS || 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
/** Section 4's fixed rate (req/s) for latency below saturation. */
const TLS_RATE = Number(process.env.BENCH_TLS_RATE || 500);
const { machine, loadWarning, withCpu, perThousand, median } = require('./bench-cpu');

// ---- roles run in child processes ---------------------------------------------------------------

// A clean exit on SIGINT/SIGTERM (so `node --cpu-prof` can write its profile when profiling a role).
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));

function roleBackend(ports) {
  const body = Buffer.from('hello from serviceB\n');
  for (const port of ports) {
    http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length, 'x-backend': String(port) });
      res.end(body);
    }).listen(port, '127.0.0.1');
  }
  process.stdout.write('ready\n');
}

async function roleProxy(egressPort, b1, b2, workers) {
  const { translateVirtualNode } = require(path.join(ROOT, 'dist', 'envoy', 'translate'));
  const { Proxy } = require(path.join(ROOT, 'dist', 'dataplane', 'proxy'));
  const http1 = { portMapping: { port: 80, protocol: 'http' } };
  const snapshot = {
    mesh: { meshName: 'apps', spec: {} },
    virtualNodes: [
      { meshName: 'apps', virtualNodeName: 'serviceA', spec: { backends: [{ virtualService: { virtualServiceName: 'serviceb.apps.local' } }] } },
      { meshName: 'apps', virtualNodeName: 'serviceB', spec: { listeners: [http1] } },
      { meshName: 'apps', virtualNodeName: 'serviceBv2', spec: { listeners: [http1] } },
    ],
    virtualRouters: [{ meshName: 'apps', virtualRouterName: 'serviceB', spec: { listeners: [http1] } }],
    routes: [{
      meshName: 'apps', virtualRouterName: 'serviceB', routeName: 'serviceB',
      spec: { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 75 }, { virtualNode: 'serviceBv2', weight: 25 }] } } },
    }],
    virtualServices: [{ meshName: 'apps', virtualServiceName: 'serviceb.apps.local', spec: { provider: { virtualRouter: { virtualRouterName: 'serviceB' } } } }],
    virtualGateways: [],
    gatewayRoutes: [],
  };
  const proxy = workers > 1 ? await startPool(workers) : new Proxy();
  await proxy.apply(translateVirtualNode(snapshot, 'serviceA', {
    listenAddress: '127.0.0.1', egressPort,
    // Instances without sidecars (Cloud Map style): one proxy hop, like nginx.
    endpoints: { serviceB: [{ host: '127.0.0.1', port: b1, source: 'cloudmap' }], serviceBv2: [{ host: '127.0.0.1', port: b2, source: 'cloudmap' }] },
  }));
  process.stdout.write('ready\n');
}

/** serviceA calls serviceB; with `mtls`, serviceB's listener is STRICT mTLS and serviceA's client policy presents its certificate. */
function tlsSnapshot(mtls) {
  const sds = (secretName) => ({ sds: { secretName } });
  const listener = { portMapping: { port: 80, protocol: 'http' } };
  if (mtls) {
    listener.tls = {
      mode: 'STRICT', certificate: sds('serviceb'),
      validation: { trust: sds('bundle'), subjectAlternativeNames: { match: { exact: ['spiffe://bench/virtualNode/serviceA'] } } },
    };
  }
  const backend = { virtualService: { virtualServiceName: 'serviceb.bench.local' } };
  if (mtls) backend.virtualService.clientPolicy = { tls: { certificate: sds('servicea'), validation: { trust: sds('bundle') } } };
  return {
    mesh: { meshName: 'bench', spec: {} },
    virtualNodes: [
      { meshName: 'bench', virtualNodeName: 'serviceA', spec: { backends: [backend] } },
      { meshName: 'bench', virtualNodeName: 'serviceB', spec: { listeners: [listener], serviceDiscovery: { dns: { hostname: 'serviceb.bench.local' } } } },
    ],
    virtualRouters: [], routes: [],
    virtualServices: [{ meshName: 'bench', virtualServiceName: 'serviceb.bench.local', spec: { provider: { virtualNode: { virtualNodeName: 'serviceB' } } } }],
    virtualGateways: [], gatewayRoutes: [],
  };
}

/** `tls-server <mtls> <ingress port> <backend port> <ca dir>` / `tls-client <mtls> <egress port> <server ingress port> <ca dir>`. */
async function roleTls(role, mtls, port, target, caDir) {
  const { translateVirtualNode } = require(path.join(ROOT, 'dist', 'envoy', 'translate'));
  const { Proxy } = require(path.join(ROOT, 'dist', 'dataplane', 'proxy'));
  if (role === 'tls-server') countConnections();
  const snapshot = tlsSnapshot(mtls === '1');
  const proxy = new Proxy(() => undefined, { caDir });
  const base = { listenAddress: '127.0.0.1' };
  if (role === 'tls-server') {
    await proxy.apply(translateVirtualNode(snapshot, 'serviceB', { ...base, ingressPort: Number(port), egressPort: 0, appPorts: { 80: Number(target) } }));
  } else {
    await proxy.apply(translateVirtualNode(snapshot, 'serviceA', {
      ...base, egressPort: Number(port), endpoints: { serviceB: [{ host: '127.0.0.1', port: Number(target), source: 'proxy' }] },
    }));
  }
  process.stdout.write('ready\n');
}

/**
 * Connections the server sidecar accepted so far, printed as `connections N` on SIGUSR2: with
 * mTLS each is a full handshake, which is what a p99 below saturation shows when the caller's
 * pool reconnects.
 */
function countConnections() {
  const net = require('net');
  const tls = require('tls');
  let n = 0;
  let resumed = 0;
  const emit = net.Server.prototype.emit;
  net.Server.prototype.emit = function (event, ...args) {
    // The TLS server is handed the accepted sockets again: count them once.
    if (event === 'connection' && !(this instanceof tls.Server)) n++;
    if (event === 'secureConnection' && args[0].isSessionReused()) resumed++;
    return emit.call(this, event, ...args);
  };
  process.on('SIGUSR2', () => process.stdout.write(`connections ${n} resumed ${resumed}\n`));
}

/** Asks a `tls-server` role how many connections it has accepted. */
function acceptedConnections(child) {
  return new Promise((resolve) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /connections (\d+) resumed (\d+)/.exec(out);
      if (!m) return;
      child.stdout.off('data', onData);
      resolve({ n: Number(m[1]), resumed: Number(m[2]) });
    };
    child.stdout.on('data', onData);
    child.kill('SIGUSR2');
  });
}

// ---- helpers -----------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve) => {
    const s = require('net').createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function startChild(args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], ...opts });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (/^(ready|listening)/m.test(out)) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

function toMs(v, unit) {
  return Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);
}

function wrk(url, host) {
  return wrkArgs(url, host, ['-t1']);
}

/**
 * BENCH_UNIQUE_HEADS=1: every request carries its own `x-bench-seq` value (a wrk Lua script), so no
 * request head repeats the one before it on a connection and the lean server's repeated-head reuse
 * never applies (an app sending trace ids, say). Not x-request-id: the sidecar would then skip
 * making one.
 */
let uniqueHeadsScript;
function uniqueHeadsArgs() {
  if (process.env.BENCH_UNIQUE_HEADS !== '1') return [];
  if (!uniqueHeadsScript) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bench-wrk-'));
    uniqueHeadsScript = path.join(dir, 'unique-heads.lua');
    fs.writeFileSync(uniqueHeadsScript, 'local n = 0\nrequest = function()\n  n = n + 1\n  wrk.headers["x-bench-seq"] = tostring(n)\n  return wrk.format()\nend\n', { flag: 'wx', mode: 0o600 });
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return ['-s', uniqueHeadsScript];
}

function wrkArgs(url, host, extra) {
  const args = [...extra, ...uniqueHeadsArgs(), `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency'];
  if (host) args.push('-H', `Host: ${host}`);
  const out = execFileSync('wrk', [...args, url], { encoding: 'utf8' });
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1]),
    requests: Number(/(\d+) requests in/.exec(out)[1]),
    p50: pct(50), p99: pct(99), non2xx: errors ? Number(errors[1]) : 0,
  };
}

/** Open-loop load at `rate` req/s for `seconds`; latency of every request (ms). */
async function fixedRate(port, host, rate, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const lat = [];
  let failed = 0;
  const total = rate * seconds;
  const start = process.hrtime.bigint();
  const interval = 1e9 / rate;
  let sent = 0;
  await new Promise((resolve) => {
    let done = 0;
    const tick = () => {
      const elapsed = Number(process.hrtime.bigint() - start);
      const due = Math.min(total, Math.floor(elapsed / interval) + 1);
      for (; sent < due; sent++) {
        const t0 = process.hrtime.bigint();
        http.get({ host: '127.0.0.1', port, path: '/', agent, headers: host ? { host } : {} }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
            else failed++;
            if (++done === total) resolve();
          });
        }).on('error', () => {
          failed++;
          if (++done === total) resolve();
        });
      }
      // A 1 ms timer, not a setImmediate spin: the client must not eat a CPU the proxy needs.
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))];
  return { p50: q(50), p99: q(99), n: lat.length, failed };
}

function nginxConf(dir, listen, b1, b2) {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream serviceb { server 127.0.0.1:${b1} weight=3; server 127.0.0.1:${b2} weight=1; keepalive 64; }
  server {
    listen 127.0.0.1:${listen};
    location / { proxy_pass http://serviceb; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
}

const fmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(2)} ms` : 'n/a');

// ---- config propagation through the local control plane ------------------------------------------

async function propagation(samples) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bench-proxy-'));
  const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2' };
  const bin = path.join(ROOT, 'bin', 'awsmesh');
  const cli = (...args) => {
    const r = spawnSync(process.execPath, [bin, ...args], { env, cwd: path.join(ROOT, 'examples', 'walkthrough-ec2'), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`awsmesh ${args.join(' ')}: ${r.stderr}`);
  };
  cli('appmesh', 'create-mesh', '--mesh-name', 'apps');
  cli('appmesh', 'create-virtual-node', '--cli-input-json', 'file://create-virtual-node-serviceb.json');
  cli('appmesh', 'create-virtual-node', '--cli-input-json', 'file://create-virtual-node-servicebv2.json');
  cli('appmesh', 'create-virtual-node', '--cli-input-json', 'file://create-virtual-node-servicea.json');
  cli('appmesh', 'create-virtual-router', '--cli-input-json', 'file://create-virtual-router.json');
  cli('appmesh', 'create-route', '--cli-input-json', 'file://create-route.json');
  cli('appmesh', 'create-virtual-service', '--cli-input-json', 'file://update-virtual-service.json');
  const proxy = spawn(process.execPath, [bin, 'proxy', '--mesh', 'apps', '--virtual-node', 'serviceA', '--ingress-port', '0', '--egress-port', '0', '--admin-port', '0', '--quiet'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const admin = await new Promise((resolve, reject) => {
    let out = '';
    proxy.stdout.on('data', (d) => {
      out += d;
      const m = /admin=127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proxy.once('exit', (c) => reject(new Error(`awsmesh proxy exited ${c}`)));
  });
  const version = () => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: admin, path: '/server_info' }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(JSON.parse(b).config.version));
    }).on('error', reject);
  });
  // The writer: the local backend in this process, as `awsmesh appmesh update-route` would use it.
  const { openLocalBackend } = require(path.join(ROOT, 'dist', 'backends', 'local'));
  const backend = openLocalBackend(env);
  const times = [];
  for (let i = 0; i < samples; i++) {
    const before = await version();
    const w = (i % 9) + 1;
    const t0 = performance.now();
    await backend.invoke('appmesh', 'UpdateRoute', {
      meshName: 'apps', virtualRouterName: 'serviceB', routeName: 'serviceB',
      spec: { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 10 - w }, { virtualNode: 'serviceBv2', weight: w }] } } },
    }, { region: 'us-west-2' });
    while ((await version()) === before) await new Promise((r) => setTimeout(r, 2));
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
  }
  await backend.close();
  proxy.kill('SIGTERM');
  await new Promise((r) => proxy.once('exit', r));
  fs.rmSync(home, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)], p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))], max: times[times.length - 1], n: times.length };
}

// ---- main ----------------------------------------------------------------------------------------

/** BENCH_SECTIONS=1,2,3,4 (default all) picks what to run. */
const SECTIONS = new Set((process.env.BENCH_SECTIONS || '1,2,3,4,5').split(',').map((x) => x.trim()));

async function main() {
  if (process.argv[2] === '--role') {
    const [role, ...ports] = process.argv.slice(3);
    if (role === 'backend') return roleBackend(ports.map(Number));
    if (role === 'proxy') return roleProxy(...ports.map(Number));
    if (role === 'tls-server' || role === 'tls-client') return roleTls(role, ...ports);
    throw new Error(`unknown role ${role}`);
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'dataplane', 'proxy.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  for (const tool of ['wrk', 'nginx']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is not installed: apt-get install -y wrk nginx`);
  }
  const [b1, b2, proxyPort, nginxPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bench-nginx-'));
  for (const d of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, d));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConf(dir, nginxPort, b1, b2));
  const children = [];
  const cleanup = () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  try {
    const backend = await startChild([__filename, '--role', 'backend', String(b1), String(b2)]);
    children.push(backend);
    // BENCH_PROXY_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the sidecar process.
    const proxyNodeArgs = (process.env.BENCH_PROXY_NODE_ARGS || '').split(' ').filter(Boolean);
    const proxy = await startChild([...proxyNodeArgs, __filename, '--role', 'proxy', String(proxyPort), String(b1), String(b2)]);
    children.push(proxy);
    // BENCH_PROXY_BASELINE: the same role run from another checkout (its own dist/).
    const baselineDir = process.env.BENCH_PROXY_BASELINE;
    let baseline;
    if (baselineDir && SECTIONS.has('1')) {
      const baselinePort = await freePort();
      baseline = { port: baselinePort, child: await startChild([...proxyNodeArgs, path.join(path.resolve(baselineDir), 'scripts', 'bench-proxy.js'), '--role', 'proxy', String(baselinePort), String(b1), String(b2)]) };
      children.push(baseline.child);
    }
    const nginx = spawn('nginx', ['-c', path.join(dir, 'nginx.conf'), '-p', dir], { stdio: 'inherit' });
    children.push(nginx);
    await new Promise((r) => setTimeout(r, 500));

    console.log(`awsmesh data plane benchmark — ${machine()}; wrk -t1 -c${CONNECTIONS} -d${SECONDS}s, loopback, ${ROUNDS} alternating rounds`);
    console.log('Everything (wrk, backend, proxy) shares this machine\'s CPUs; req/s varies with other load, CPU per request much less.');
    const warning = loadWarning();
    console.log(warning ? `${warning}\n` : '');
    // Warm-up (JIT, keep-alive pools) before measuring.
    const warm = [[`http://127.0.0.1:${proxyPort}/`, 'serviceb.apps.local'], [`http://127.0.0.1:${nginxPort}/`]];
    if (baseline) warm.push([`http://127.0.0.1:${baseline.port}/`, 'serviceb.apps.local']);
    for (const [url, host] of warm) {
      execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, '-d2s', ...(host ? ['-H', `Host: ${host}`] : []), url]);
    }
    if (SECTIONS.has('1')) saturation({ backend: backend.pid, proxy: proxy.pid, nginx: [nginx.pid, true], baseline: baseline?.child.pid }, b1, proxyPort, nginxPort, baseline?.port);
    if (SECTIONS.has('1') && process.env.BENCH_STRACE === '1') await syscallsPerRequest(proxy.pid, nginx.pid, proxyPort, nginxPort);
    if (SECTIONS.has('2')) await rate(b1, proxyPort, proxy.pid);
    if (SECTIONS.has('3')) {
      console.log('3. Config propagation: update-route → running in an `awsmesh proxy` process');
      const prop = await propagation(Number(process.env.BENCH_PROPAGATION_SAMPLES || 40));
      console.log(`   ${prop.n} changes: p50 ${fmt(prop.p50)}  p99 ${fmt(prop.p99)}  max ${fmt(prop.max)} (target p99 ≤ 500 ms) ${prop.p99 <= 500 ? 'MET' : 'NOT MET'}`);
    }
    if (SECTIONS.has('4')) await tlsSection(b1);
    if (SECTIONS.has('5')) await workersSection(b1, b2, dir, backend.pid);
  } finally {
    cleanup();
  }
}

/** Median of each figure over the rounds; `cpu` is CPU ms per request of each measured process. */
function summarise(runs) {
  const pick = (f) => median(runs.map(f));
  const cpu = {};
  for (const k of Object.keys(runs[0].cpu)) cpu[k] = pick((r) => perThousand(r.cpu[k], r.requests));
  return { rps: pick((r) => r.rps), p50: pick((r) => r.p50), p99: pick((r) => r.p99), non2xx: runs.reduce((n, r) => n + r.non2xx, 0), cpu };
}

const cpuFmt = (ms) => (Number.isFinite(ms) ? `${ms.toFixed(3)}` : 'n/a');
const perCore = (ms) => (Number.isFinite(ms) && ms > 0 ? Math.round(1000 / ms) : '-');

function saturation(pids, b1, proxyPort, nginxPort, baselinePort) {
  const runs = { direct: [], ours: [], ng: [], base: [] };
  // Alternating rounds: a burst of other load on the machine hits both sides, not one.
  for (let i = 0; i < ROUNDS; i++) {
    runs.direct.push(withCpu({ backend: pids.backend }, () => wrk(`http://127.0.0.1:${b1}/`)));
    const sidecars = [
      () => runs.ours.push(withCpu({ proxy: pids.proxy, backend: pids.backend }, () => wrk(`http://127.0.0.1:${proxyPort}/`, 'serviceb.apps.local'))),
    ];
    if (baselinePort) sidecars.push(() => runs.base.push(withCpu({ proxy: pids.baseline, backend: pids.backend }, () => wrk(`http://127.0.0.1:${baselinePort}/`, 'serviceb.apps.local'))));
    // With a baseline, which build runs first alternates from round to round.
    for (const run of i % 2 ? sidecars.reverse() : sidecars) run();
    runs.ng.push(withCpu({ proxy: pids.nginx, backend: pids.backend }, () => wrk(`http://127.0.0.1:${nginxPort}/`)));
  }
  const direct = summarise(runs.direct);
  const ours = summarise(runs.ours);
  const ng = summarise(runs.ng);
  console.log(`1. Saturation (medians of ${ROUNDS}; CPU = CPU ms per request = CPU s per 1,000 requests; per core = requests per CPU-second of the proxy)`);
  console.log(`   ${''.padEnd(38)} ${'req/s'.padStart(7)}         ${'p50'.padStart(9)}       ${'p99'.padStart(9)}   proxy CPU  backend CPU  per core`);
  const row = (name, r) => console.log(`   ${name.padEnd(38)} ${String(Math.round(r.rps)).padStart(7)} req/s   p50 ${fmt(r.p50).padStart(9)}   p99 ${fmt(r.p99).padStart(9)}   ${cpuFmt(r.cpu.proxy).padStart(9)}  ${cpuFmt(r.cpu.backend).padStart(11)}  ${String(perCore(r.cpu.proxy)).padStart(8)}${r.non2xx ? `   (${r.non2xx} non-2xx!)` : ''}`);
  row('(a) backend directly', direct);
  row('(b) awsmesh sidecar, 75/25 split', ours);
  row('(c) nginx 1 worker, weights 3:1', ng);
  if (baselinePort) {
    const base = summarise(runs.base);
    row(`(d) baseline sidecar (${path.basename(path.resolve(process.env.BENCH_PROXY_BASELINE))})`, base);
    const perRound = runs.ours.map((r, k) => perThousand(r.cpu.proxy, r.requests) / perThousand(runs.base[k].cpu.proxy, runs.base[k].requests));
    console.log(`   this build / baseline CPU per request: ${(ours.cpu.proxy / base.cpu.proxy).toFixed(3)}× of the medians, ${median(perRound).toFixed(3)}× median of the rounds (per round: ${perRound.map((x) => x.toFixed(2)).join(' ')}); baseline / nginx per core ${(ng.cpu.proxy / base.cpu.proxy).toFixed(2)}×`);
  }
  const ratio = ours.rps / ng.rps;
  const coreRatio = ng.cpu.proxy / ours.cpu.proxy;
  console.log(`   sidecar / nginx per core (requests per CPU-second): ${coreRatio.toFixed(2)}× (target ≥ 0.60×) ${coreRatio >= 0.6 ? 'MET' : 'NOT MET'}`);
  console.log(`   sidecar / nginx throughput (one worker each): ${ratio.toFixed(2)}×`);
  console.log(`   sidecar / direct throughput: ${(ours.rps / direct.rps).toFixed(2)}×; nginx / direct: ${(ng.rps / direct.rps).toFixed(2)}×\n`);
}

/**
 * BENCH_STRACE=1: system calls per request of the sidecar and of nginx's worker, by name (`strace -c`
 * attached during one wrk run each). A count, so it holds on a busy machine where CPU time does not;
 * strace slows both down, which changes how many requests one wake-up serves (epoll_wait/request).
 */
async function syscallsPerRequest(proxyPid, nginxPid, proxyPort, nginxPort) {
  if (spawnSync('sh', ['-c', 'command -v strace']).status !== 0) return console.log('   (BENCH_STRACE: strace is not installed)\n');
  const worker = Number(fs.readFileSync(`/proc/${nginxPid}/task/${nginxPid}/children`, 'utf8').trim().split(/\s+/)[0]);
  const count = async (pid, url, host) => {
    const out = path.join(os.tmpdir(), `awsmesh-bench-strace-${pid}-${Date.now()}`);
    const st = spawn('strace', ['-f', '-c', '-o', out, '-p', String(pid)], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500)); // attached
    const { requests } = wrk(url, host);
    st.kill('SIGINT');
    await new Promise((r) => st.once('exit', r));
    const rows = {};
    for (const line of fs.readFileSync(out, 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/);
      // % time, seconds, usecs/call, calls, [errors], syscall
      if (f.length >= 5 && /^[\d.]+$/.test(f[0]) && f[f.length - 1] !== 'total') rows[f[f.length - 1]] = Number(f[3]) / requests;
    }
    fs.rmSync(out, { force: true });
    return rows;
  };
  const ours = await count(proxyPid, `http://127.0.0.1:${proxyPort}/`, 'serviceb.apps.local');
  const ng = await count(worker, `http://127.0.0.1:${nginxPort}/`);
  const total = (r) => Object.values(r).reduce((a, b) => a + b, 0);
  const names = [...new Set([...Object.keys(ours), ...Object.keys(ng)])].filter((k) => (ours[k] ?? 0) + (ng[k] ?? 0) >= 0.01);
  names.sort((a, b) => (ours[b] ?? 0) + (ng[b] ?? 0) - (ours[a] ?? 0) - (ng[a] ?? 0));
  console.log('   System calls per request (strace -c during one wrk run each; ≥ 0.01 shown):');
  console.log(`   ${'syscall'.padEnd(16)} ${'sidecar'.padStart(8)} ${'nginx'.padStart(8)}`);
  for (const k of names) console.log(`   ${k.padEnd(16)} ${(ours[k] ?? 0).toFixed(2).padStart(8)} ${(ng[k] ?? 0).toFixed(2).padStart(8)}`);
  console.log(`   ${'total'.padEnd(16)} ${total(ours).toFixed(2).padStart(8)} ${total(ng).toFixed(2).padStart(8)}\n`);
}

/** Section 4: caller sidecar → server sidecar → backend, plaintext and mTLS between the sidecars. */
async function tlsSection(backendPort) {
  const caHome = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bench-tls-'));
  try {
    const { CaStore } = require(path.join(ROOT, 'dist', 'tls', 'ca', 'store'));
    const ca = CaStore.forHome(caHome);
    await ca.init();
    const describe = (secret) => ({ secretNames: [secret], acmArns: [], certificateChainPaths: [], privateKeyPaths: [], trustChainPaths: [] });
    await ca.issue({ commonName: 'serviceb.bench.local', dns: ['serviceb.bench.local'], uris: ['spiffe://bench/virtualNode/serviceB'], days: 1, describe: describe('serviceb') });
    await ca.issue({ commonName: 'serviceA', dns: [], uris: ['spiffe://bench/virtualNode/serviceA'], days: 1, describe: describe('servicea') });
    console.log('4. TLS between two sidecars (wrk → caller egress → server ingress → backend; keep-alive between the sidecars)');
    const results = {};
    for (const [label, mtls] of [['plaintext', '0'], ['mTLS', '1']]) {
      const [serverPort, clientPort] = [await freePort(), await freePort()];
      const children = [];
      try {
        const server = await startChild([__filename, '--role', 'tls-server', mtls, String(serverPort), String(backendPort), ca.dir]);
        children.push(server);
        const client = await startChild([__filename, '--role', 'tls-client', mtls, String(clientPort), String(serverPort), ca.dir]);
        children.push(client);
        execFileSync('wrk', ['-t1', `-c${CONNECTIONS}`, '-d2s', '-H', 'Host: serviceb.bench.local', `http://127.0.0.1:${clientPort}/`]);
        const runs = [];
        const c0 = await acceptedConnections(server);
        for (let i = 0; i < ROUNDS; i++) runs.push(withCpu({ client: client.pid, server: server.pid }, () => wrk(`http://127.0.0.1:${clientPort}/`, 'serviceb.bench.local')));
        results[label] = summarise(runs);
        const c1 = await acceptedConnections(server);
        // Saturation p99 is mostly queueing (mTLS costs more CPU per request); at a fixed rate well
        // below saturation a stall (Nagle, handshakes) shows on its own.
        results[label].fixed = await fixedRate(clientPort, 'serviceb.bench.local', TLS_RATE, 5);
        const c2 = await acceptedConnections(server);
        results[label].connections = { saturation: c1.n - c0.n, fixed: c2.n - c1.n, resumed: c2.resumed - c0.resumed };
      } finally {
        for (const c of children) c.kill('SIGTERM');
      }
      const r = results[label];
      console.log(`   ${`two sidecars, ${label}`.padEnd(38)} ${String(Math.round(r.rps)).padStart(7)} req/s   p50 ${fmt(r.p50).padStart(9)}   p99 ${fmt(r.p99).padStart(9)}   CPU ms/request: caller ${cpuFmt(r.cpu.client)}, server ${cpuFmt(r.cpu.server)}${r.non2xx ? `   (${r.non2xx} non-2xx!)` : ''}`);
    }
    for (const [label, r] of Object.entries(results)) {
      console.log(`   ${`${label} at ${TLS_RATE} req/s (open loop, 5 s)`.padEnd(38)} p50 ${fmt(r.fixed.p50).padStart(9)}   p99 ${fmt(r.fixed.p99).padStart(9)}   (${r.fixed.n} ok, ${r.fixed.failed} failed)`);
      console.log(`   ${''.padEnd(38)} new connections between the sidecars (TLS handshakes with mTLS): ${r.connections.saturation} at saturation, ${r.connections.fixed} at ${TLS_RATE} req/s; ${r.connections.resumed} of them resumed`);
    }
    console.log(`   p99 added by mTLS at ${TLS_RATE} req/s: ${fmt(results.mTLS.fixed.p99 - results.plaintext.fixed.p99)}`);
    const added = results.mTLS.p99 - results.plaintext.p99;
    console.log(`   mTLS / plaintext throughput: ${(results.mTLS.rps / results.plaintext.rps).toFixed(2)}×; p99 added by mTLS: ${fmt(added)} (target ≤ 5 ms) ${added <= 5 ? 'MET' : 'NOT MET'}\n`);
  } finally {
    fs.rmSync(caHome, { recursive: true, force: true });
  }
}

async function rate(b1, proxyPort, proxyPid) {
  console.log('2. Fixed rate: 1,000 req/s for 10 s (open loop)');
  const d = await fixedRate(b1, undefined, 1000, 10);
  const p = await withCpu({ proxy: proxyPid }, () => fixedRate(proxyPort, 'serviceb.apps.local', 1000, 10));
  console.log(`   direct:   p50 ${fmt(d.p50)}  p99 ${fmt(d.p99)}  (${d.n} ok, ${d.failed} failed)`);
  console.log(`   sidecar:  p50 ${fmt(p.p50)}  p99 ${fmt(p.p99)}  (${p.n} ok, ${p.failed} failed; proxy CPU ${cpuFmt(perThousand(p.cpu.proxy, p.n + p.failed))} ms/request)`);
  const addP50 = p.p50 - d.p50;
  const addP99 = p.p99 - d.p99;
  console.log(`   added by the sidecar: p50 ${fmt(addP50)} (target ≤ 0.5 ms) ${addP50 <= 0.5 ? 'MET' : 'NOT MET'}, p99 ${fmt(addP99)} (target ≤ 2 ms) ${addP99 <= 2 ? 'MET' : 'NOT MET'}\n`);
}

// ---- section 5: worker processes (`awsmesh proxy --concurrency 2`) ------------------------------

/** Section 5's `awsmesh proxy --concurrency N`: the sidecar's WorkerPool, in place of roleProxy's Proxy. */
async function startPool(workers) {
  const { WorkerPool } = require(path.join(ROOT, 'dist', 'dataplane', 'workers', 'worker-pool'));
  const pool = new WorkerPool({ concurrency: workers, quiet: true });
  pool.telemetry.identity = { mesh: 'apps', kind: 'virtualNode', name: 'serviceA' };
  await pool.start();
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.removeAllListeners(sig);
    process.on(sig, () => void pool.close().then(() => process.exit(0)));
  }
  return pool;
}

async function workersSection(b1, b2, dir, backendPid) {
  const WORKERS = 2;
  const nginxPort = await freePort();
  const conf = path.join(dir, 'nginx-workers.conf');
  fs.writeFileSync(conf, nginxConf(dir, nginxPort, b1, b2).replace('worker_processes 1;', `worker_processes ${WORKERS};`).replace(`pid ${dir}/nginx.pid;`, `pid ${dir}/nginx-workers.pid;`));
  const children = [];
  try {
    const nginx = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'inherit' });
    children.push(nginx);
    const pools = {};
    for (const [name, policy] of [['rr', 'rr'], ['shared', 'none']]) {
      const port = await freePort();
      const child = await startChild([__filename, '--role', 'proxy', String(port), String(b1), String(b2), String(WORKERS)], {
        env: { ...process.env, NODE_CLUSTER_SCHED_POLICY: policy },
      });
      children.push(child);
      pools[name] = { port, pid: child.pid };
    }
    await waitForPort(nginxPort);
    console.log(`5. Worker processes: awsmesh proxy --concurrency ${WORKERS} vs nginx worker_processes ${WORKERS} (wrk -t2; medians of ${ROUNDS}; CPU summed over the primary and its workers, or nginx's master and workers)`);
    const wrk2 = (url, host, close) => wrkArgs(url, host, ['-t2', ...(close ? ['-H', 'Connection: close'] : [])]);
    const targets = [
      ['awsmesh --concurrency 2, round-robin', pools.rr.port, pools.rr.pid, 'serviceb.apps.local'],
      ['awsmesh --concurrency 2, shared accept', pools.shared.port, pools.shared.pid, 'serviceb.apps.local'],
      [`nginx ${WORKERS} workers, weights 3:1`, nginxPort, nginx.pid, undefined],
    ];
    for (const [, port, , host] of targets) wrk2(`http://127.0.0.1:${port}/`, host, false); // warm-up
    const results = {};
    for (const close of [false, true]) {
      const runs = Object.fromEntries(targets.map(([name]) => [name, []]));
      for (let i = 0; i < ROUNDS; i++) {
        for (const [name, port, pid, host] of targets) {
          runs[name].push(withCpu({ proxy: [pid, true], primary: pid, backend: backendPid }, () => wrk2(`http://127.0.0.1:${port}/`, host, close)));
        }
      }
      console.log(`   ${close ? 'a new connection per request (Connection: close)' : `kept-alive connections (-c${CONNECTIONS})`}:`);
      for (const [name] of targets) {
        const r = summarise(runs[name]);
        results[`${name}/${close}`] = r;
        const primary = name.startsWith('awsmesh') ? `   primary alone ${cpuFmt(r.cpu.primary)}` : '';
        console.log(`     ${name.padEnd(38)} ${String(Math.round(r.rps)).padStart(7)} req/s   p50 ${fmt(r.p50).padStart(9)}   p99 ${fmt(r.p99).padStart(9)}   proxy CPU ${cpuFmt(r.cpu.proxy)}  per core ${String(perCore(r.cpu.proxy)).padStart(6)}${primary}${r.non2xx ? `   (${r.non2xx} non-2xx!)` : ''}`);
      }
      const ng = results[`${targets[2][0]}/${close}`];
      for (const [name] of targets.slice(0, 2)) {
        const r = results[`${name}/${close}`];
        console.log(`     ${name}: ${(r.rps / ng.rps).toFixed(2)}× nginx throughput, ${(ng.cpu.proxy / r.cpu.proxy).toFixed(2)}× nginx per core`);
      }
    }
    console.log('   (CPU = CPU ms per request; "primary alone" is the share of the `awsmesh proxy` process itself: the round-robin hand-over)\n');
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
  }
}

function waitForPort(port) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const attempt = () => {
      const s = require('net').connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve();
      });
      s.on('error', () => (Date.now() > deadline ? reject(new Error(`nothing listens on ${port}`)) : setTimeout(attempt, 50)));
    };
    attempt();
  });
}

main().catch((e) => {
  console.error(`bench:proxy failed: ${e.message}`);
  process.exit(1);
});
