#!/usr/bin/env node
'use strict';
// npm run bench:cp — the control plane at fleet scale: BENCH_PROXIES simulated App Mesh Envoys
// (real gRPC ADS streams, each on its own TLS connection, SigV4-signed like Envoy's aws_iam call
// credentials, the agent's node id, metadata and keepalive) connected to one `awsmesh serve` child
// process. Every proxy's virtual node calls one virtual service behind a router, so an
// `update-route` (through the API, signed by an operator) touches all of them. Per change: the
// time from sending the UpdateRoute to each proxy's ACK of the new route configuration, p50/p99/max
// over every proxy and change; the server's RSS and CPU seconds (connecting the fleet, per push, idle).
//
// The peer: istiod and Kuma cannot run here (no binaries), so their published figures are printed
// beside ours; and the same fleet is run against the same server without TLS and authentication
// (`serve --auth none`, plaintext on loopback) to show what TLS + SigV4 + proxy authorization cost.
// Proxies run in worker processes (BENCH_PER_PROCESS each) and share the machine's CPUs with the
// server: on a 2-CPU machine the figures include that contention.
//
//   BENCH_PROXIES (1000)  BENCH_PER_PROCESS (250)  BENCH_RAMP (50: proxies a worker connects at once)
//   BENCH_CHANGES (5)  BENCH_BASELINE (1; 0 skips it)
// Needs `npm run build`. Take figures on a quiet machine.

const { fork, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { machine, loadWarning, cpuSeconds } = require('./bench-cpu');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const REGION = 'us-west-2';
const ACCOUNT = '111122223333';
const MESH = 'bench';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RAMP = Number(process.env.BENCH_RAMP || 50);

// ---- worker: a slice of the fleet ----------------------------------------------------------------

if (process.argv[2] === '--proxies') {
  const grpc = require('@grpc/grpc-js');
  const { AdsClient } = require(path.join(DIST, 'xds', 'ads-client'));
  const { awsIamCallCredentials } = require(path.join(DIST, 'xds', 'aws-iam-credentials'));
  const { AGENT_CHANNEL_ARGS, appmeshImageBootstrap } = require(path.join(DIST, 'envoy', 'appmesh-image'));
  const clients = [];
  let armedAt = [];
  process.on('message', async (m) => {
    if (m.kind === 'connect') {
      // Secrets come over IPC, never in argv.
      const { authority, ca, key, from, count, tls } = m;
      const credentials = tls
        ? grpc.credentials.combineChannelCredentials(grpc.credentials.createSsl(Buffer.from(ca)), awsIamCallCredentials({
          accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey, region: REGION, authority,
        }))
        : grpc.credentials.createInsecure();
      const started = Date.now();
      const proxy = (i) => {
        const boot = appmeshImageBootstrap({
          env: { AWS_REGION: REGION, APPMESH_RESOURCE_ARN: `mesh/${MESH}/virtualNode/proxy-${i}`, APPMESH_XDS_ENDPOINT: authority, AWS_EXECUTION_ENV: 'AWS_ECS_FARGATE' },
          readFile: () => '', parseYaml: JSON.parse,
        });
        const node = { ...boot.node, user_agent_name: 'envoy', user_agent_version: '1.29.12' };
        // Each proxy has its own connection, as separate Envoys would (no shared subchannel).
        return new AdsClient(authority, node, { credentials, channelOptions: { ...AGENT_CHANNEL_ARGS, 'grpc.use_local_subchannel_pool': 1 } }).start();
      };
      // Synced: LDS, CDS and RDS received and ACKed (an ACK is written as its response is handled).
      const synced = (c) => Promise.all([LDS, CDS, RDS].map((t) => c.waitFor((r) => r.type_url === t, 600_000)));
      try {
        // The fleet arrives in waves of RAMP proxies per worker, as a rolling deployment would.
        for (let i = from; i < from + count; i += RAMP) {
          const wave = [];
          for (let j = i; j < Math.min(i + RAMP, from + count); j++) wave.push(proxy(j));
          clients.push(...wave);
          await Promise.all(wave.map(synced));
        }
      } catch (e) {
        process.send({ kind: 'failed', message: `${e.message} (${clients.filter((c) => c.error).length} of ${clients.length} streams of this worker failed)` });
        return;
      }
      process.send({ kind: 'ready', ms: Date.now() - started });
    } else if (m.kind === 'arm') {
      // The next RDS response of every proxy: when it arrived (its ACK is sent at once).
      armedAt = clients.map((c) => c.responses.length);
      process.send({ kind: 'armed' });
      const times = await Promise.all(clients.map((c, i) => c.waitFor((r) => r.type_url === RDS, 600_000, armedAt[i]).then((r) => r.receivedAt, () => NaN)));
      process.send({ kind: 'acked', times });
    } else if (m.kind === 'stop') {
      for (const c of clients) c.close();
      process.exit(0);
    }
  });
  process.send({ kind: 'started' });
  return;
}

// ---- the bench ---------------------------------------------------------------------------------------

const PROXIES = Number(process.env.BENCH_PROXIES || 1000);
const PER_PROCESS = Number(process.env.BENCH_PER_PROCESS || 250);
const CHANGES = Number(process.env.BENCH_CHANGES || 5);
const BASELINE = process.env.BENCH_BASELINE !== '0';

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The mesh (one router-backed service, PROXIES client nodes calling it) and the IAM users, written before the server starts. */
async function prepare(home) {
  const { LocalBackend } = require(path.join(DIST, 'backends', 'local', 'local-backend'));
  const { openSqliteStore } = require(path.join(DIST, 'backends', 'local', 'store', 'sqlite-store'));
  const backend = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: ACCOUNT, env: quotaEnv() });
  const call = (op, input) => backend.invoke('appmesh', op, input, { region: REGION });
  const iam = (op, input) => backend.invoke('iam', op, input, { region: REGION });
  const listener = { portMapping: { port: 8080, protocol: 'http' } };
  await call('CreateMesh', { meshName: MESH });
  for (const v of ['v1', 'v2']) {
    await call('CreateVirtualNode', { meshName: MESH, virtualNodeName: v, spec: { listeners: [listener], serviceDiscovery: { dns: { hostname: `${v}.bench.local` } } } });
  }
  await call('CreateVirtualRouter', { meshName: MESH, virtualRouterName: 'svc', spec: { listeners: [listener] } });
  await call('CreateRoute', routeInput(90));
  await call('CreateVirtualService', { meshName: MESH, virtualServiceName: 'svc.bench.local', spec: { provider: { virtualRouter: { virtualRouterName: 'svc' } } } });
  for (let i = 0; i < PROXIES; i++) {
    await call('CreateVirtualNode', {
      meshName: MESH, virtualNodeName: `proxy-${i}`,
      spec: { listeners: [listener], backends: [{ virtualService: { virtualServiceName: 'svc.bench.local' } }], serviceDiscovery: { dns: { hostname: `proxy-${i}.bench.local` } } },
    });
  }
  // The fleet's identity: allowed to stream the configuration of this mesh's virtual nodes only.
  await iam('CreateUser', { UserName: 'fleet' });
  await iam('PutUserPolicy', {
    UserName: 'fleet', PolicyName: 'xds',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'appmesh:StreamAggregatedResources', Resource: `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/${MESH}/virtualNode/*` }] }),
  });
  const fleet = (await iam('CreateAccessKey', { UserName: 'fleet' })).AccessKey;
  await iam('CreateUser', { UserName: 'operator' });
  await iam('AttachUserPolicy', { UserName: 'operator', PolicyArn: 'arn:aws:iam::aws:policy/AWSAppMeshFullAccess' });
  const operator = (await iam('CreateAccessKey', { UserName: 'operator' })).AccessKey;
  await backend.close();
  return { fleet, operator };
}

function quotaEnv() {
  return { AWSMESH_QUOTA_VIRTUAL_NODES_PER_MESH: String(PROXIES + 10) };
}

function routeInput(weight) {
  return {
    meshName: MESH, virtualRouterName: 'svc', routeName: 'split',
    spec: { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'v1', weight }, { virtualNode: 'v2', weight: 100 - weight }] } } },
  };
}

function startServe(home, secure) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS')) env[k] = v;
  Object.assign(env, quotaEnv(), {
    AWSMESH_HOME: home, AWS_REGION: REGION, AWS_CONFIG_FILE: path.join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'aws-credentials'), AWS_EC2_METADATA_DISABLED: 'true',
  });
  const args = [path.join(ROOT, 'bin', 'awsmesh'), 'serve', '--port', '0', '--xds-port', '0', '--admin-port', '0', '--quiet',
    '--max-streams', String(PROXIES * 2 + 100), '--max-connections', String(PROXIES * 2 + 100)];
  if (secure) args.push('--tls-hostname', 'localhost');
  else args.push('--auth', 'none');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-20_000); // connection lines, one per proxy: keep the tail for errors
  });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const api = /^listening on (\S+)\n/m.exec(out);
      const xds = /^xds listening on \S+:(\d+)/m.exec(out);
      const admin = /^admin listening on (\S+)\n/m.exec(out);
      if (api && xds && admin) resolve({ child, apiUrl: api[1], xdsPort: Number(xds[1]), adminUrl: admin[1], stderr: () => err });
    });
    child.once('exit', (code) => reject(new Error(`awsmesh serve exited with ${code}:\n${err}`)));
  });
}

/** An App Mesh SDK client: signed by the operator, trusting the local CA (secure), or plain. */
function appMeshClient(serve, home, key, secure) {
  const { AppMeshClient } = require('@aws-sdk/client-app-mesh');
  const { NodeHttpHandler } = require('@smithy/node-http-handler');
  const https = require('https');
  return new AppMeshClient({
    endpoint: secure ? serve.apiUrl.replace('127.0.0.1', 'localhost') : serve.apiUrl, region: REGION, maxAttempts: 1,
    credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
    requestHandler: secure ? new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: fs.readFileSync(path.join(home, 'ca', 'root', 'ca.pem')) }) }) : undefined,
  });
}

function onMessage(workers, kind) {
  return Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    const l = (m) => {
      if (m.kind === 'failed') {
        w.off('message', l);
        reject(new Error(`a proxy failed: ${m.message}`));
      } else if (m.kind === kind) {
        w.off('message', l);
        resolve(m);
      }
    };
    w.on('message', l);
  })));
}

async function runFleet(secure) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bench-cp-'));
  const workers = [];
  let serve;
  try {
    const keys = await prepare(home);
    serve = await startServe(home, secure);
    const pid = serve.child.pid;
    const idle = { rss: rssMb(pid), cpu: cpuSeconds(pid) };

    const authority = `${secure ? 'localhost' : '127.0.0.1'}:${serve.xdsPort}`;
    const ca = secure ? fs.readFileSync(path.join(home, 'ca', 'root', 'ca.pem'), 'utf8') : '';
    const connectStart = Date.now();
    for (let from = 0; from < PROXIES; from += PER_PROCESS) {
      const w = fork(__filename, ['--proxies'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      await new Promise((r) => w.once('message', r));
      workers.push(w);
      w.send({ kind: 'connect', authority, ca, key: keys.fleet, from, count: Math.min(PER_PROCESS, PROXIES - from), tls: secure });
    }
    await onMessage(workers, 'ready');
    const connectMs = Date.now() - connectStart;
    const connected = { rss: rssMb(pid), cpu: cpuSeconds(pid) };

    const api = appMeshClient(serve, home, keys.operator, secure);
    const latencies = [];
    const perChange = [];
    let pushCpu = 0;
    for (let k = 1; k <= CHANGES; k++) {
      const armed = onMessage(workers, 'armed');
      workers.forEach((w) => w.send({ kind: 'arm' }));
      await armed;
      const acked = onMessage(workers, 'acked');
      const cpu0 = cpuSeconds(pid);
      const t0 = Date.now();
      const { UpdateRouteCommand } = require('@aws-sdk/client-app-mesh');
      await api.send(new UpdateRouteCommand(routeInput(k % 2 ? 50 : 90)));
      const times = (await acked).flatMap((m) => m.times);
      pushCpu += cpuSeconds(pid) - cpu0;
      const lat = times.map((t) => t - t0);
      if (lat.some((x) => !Number.isFinite(x))) throw new Error(`change ${k}: some proxies never received the new route`);
      const sorted = [...lat].sort((a, b) => a - b);
      perChange.push({ p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] });
      latencies.push(...lat);
    }
    const after = { rss: rssMb(pid), cpu: cpuSeconds(pid) };
    api.destroy();
    const sorted = latencies.sort((a, b) => a - b);
    return {
      secure, connectMs, idle, connected, after, pushCpu, perChange,
      p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1],
    };
  } catch (e) {
    if (serve) e.message += `\nlast lines of awsmesh serve's log:\n${serve.stderr().trim().split('\n').slice(-10).join('\n')}`;
    throw e;
  } finally {
    for (const w of workers) if (w.connected) w.send({ kind: 'stop' });
    await Promise.all(workers.map((w) => (w.exitCode === null ? new Promise((r) => w.once('exit', r)) : undefined)));
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await new Promise((r) => serve.child.once('exit', r));
    }
    fs.rmSync(home, { recursive: true, force: true });
  }
}

function report(r) {
  const per1k = 1000 / PROXIES;
  const ms = (v) => `${v.toFixed(0)} ms`;
  console.log(`\n${r.secure ? 'awsmesh serve — TLS (local CA) + SigV4 (awsmesh IAM) + proxy authorization' : 'baseline — the same server, plaintext, --auth none'}`);
  console.log(`  ${PROXIES} proxies connected and synced (LDS, CDS, RDS ACKed) in ${ms(r.connectMs)}; server CPU ${(r.connected.cpu - r.idle.cpu).toFixed(2)} s (${((r.connected.cpu - r.idle.cpu) * per1k).toFixed(2)} s per 1,000 proxies)`);
  console.log(`  server RSS: ${r.idle.rss.toFixed(0)} MB idle, ${r.connected.rss.toFixed(0)} MB with ${PROXIES} proxies (${((r.connected.rss - r.idle.rss) * per1k).toFixed(0)} MB per 1,000), ${r.after.rss.toFixed(0)} MB after ${CHANGES} pushes`);
  console.log(`  update-route → ACK by every proxy, over ${CHANGES} changes × ${PROXIES} proxies: p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}`);
  console.log(`    per change (p50/p99/max): ${r.perChange.map((c) => `${c.p50.toFixed(0)}/${c.p99.toFixed(0)}/${c.max.toFixed(0)}`).join(', ')} ms`);
  console.log(`  server CPU per push to all ${PROXIES}: ${(r.pushCpu / CHANGES).toFixed(2)} s (${((r.pushCpu / CHANGES) * per1k).toFixed(2)} s per 1,000 proxies)`);
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'server', 'serve', 'production-serve-command.js'))) {
    console.error('bench:cp needs the compiled code: run `npm run build` first.');
    process.exit(1);
  }
  console.log(`bench:cp — ${PROXIES} simulated App Mesh Envoys (${Math.ceil(PROXIES / PER_PROCESS)} worker processes) against one \`awsmesh serve\`, ${CHANGES} route changes`);
  console.log(`  ${machine()}`);
  const warning = loadWarning();
  if (warning) console.log(`  ${warning}`);
  const secure = await runFleet(true);
  report(secure);
  if (BASELINE) report(await runFleet(false));
  console.log('\nreference (published, not run here): istiod — ~2,000 sidecars per 1 vCPU / 1.5 GB; pilot_proxy_convergence_time "less than 1 second in most cases".');
  const rss = Math.max(secure.connected.rss, secure.after.rss);
  const goals = [
    `p99 ${secure.p99 <= 1000 ? '≤' : '>'} 1 s at ${PROXIES} proxies (${secure.p99.toFixed(0)} ms)`,
    `RSS ${rss <= 400 ? '≤' : '>'} 400 MB (${rss.toFixed(0)} MB)`,
  ];
  console.log(`goals: ${goals.join('; ')}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
