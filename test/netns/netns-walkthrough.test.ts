// `awsmesh local up --netns` with the EC2 walkthrough's mesh, as the walkthrough's last steps read:
// every service in its own network namespace behind the walkthrough's own envoy-networking.sh,
// serviceA's app calling http://serviceb.apps.local/ with no proxy settings. Needs Linux and root
// (CI runs as root); elsewhere the namespace tests log why they did nothing.

import { execFile, execFileSync, spawn, type ChildProcess } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyWalkthrough, BIN, cli, writeWalkthroughConfig } from '../dataplane/cli';
import { waitUntil } from '../helpers/wait';
import { SCRIPT, SCRIPT_SHA256 } from '../../src/dataplane/netns/envoy-networking';
import { netnsUnsupported } from '../../src/dataplane/netns/host-tools';
import { namespacesOf, removeNamespaces } from '../../src/dataplane/netns/topology';
import { loadOriginalDst } from '../../src/dataplane/tcp/original-dst';
import type { RunRecord } from '../../src/dataplane/local/runfile';

const IN_NS = path.join(__dirname, 'fixtures', 'in-namespace.js');
const unsupported = netnsUnsupported() ?? probeNamespaces();

/** Capabilities can be present while the kernel or a container still refuses namespaces or nat rules
 *  (e.g. no /run/netns mount, no nat table): try once, so such a machine says why instead of failing. */
function probeNamespaces(): string | undefined {
  const ns = `awsmesh-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'exec', ns, 'iptables', '-t', 'nat', '-S'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `this machine refuses network namespaces or their nat table: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`;
  } finally {
    try { execFileSync('ip', ['netns', 'del', ns], { stdio: 'pipe' }); } catch { /* never created */ }
  }
}
const netnsTest = unsupported
  ? (name: string, _fn: () => Promise<void>, _timeoutMs?: number) => test(name, () => console.log(`not run: ${unsupported}`))
  : (name: string, fn: () => Promise<void>, timeoutMs = 120_000) => test(name, fn, timeoutMs);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-netns-'));
const ups: ChildProcess[] = [];
const runs: string[] = [];

afterAll(async () => {
  // Even when a test failed half-way: stop what it started and remove every namespace of its runs.
  for (const up of ups) if (up.exitCode === null && up.signalCode === null) up.kill('SIGKILL');
  for (const r of runs) await removeNamespaces(await namespacesOf(r));
  for (const up of ups) {
    const pid = up.pid;
    if (pid !== undefined) for (const ns of await namespacesOf(`awsmesh-${pid}`).catch(() => [])) await removeNamespaces([ns]);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

function sh(cmd: string, args: string[], allowFail = false): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 90_000, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
      if (err && !allowFail) reject(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** The host namespace's interfaces, addresses, routes and firewall rules (packet counters removed). */
async function hostNetwork(): Promise<Record<string, string>> {
  const counters = (s: string) => s.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '')).join('\n');
  return {
    links: await sh('ip', ['-o', 'link', 'show']),
    addresses: await sh('ip', ['-o', 'addr', 'show']),
    routes: await sh('ip', ['route', 'show', 'table', 'all'], true),
    rules: await sh('ip', ['rule', 'show'], true),
    iptables: counters(await sh('iptables-save', [], true)),
    ip6tables: counters(await sh('ip6tables-save', [], true)),
  };
}

function inNamespace(ns: string, ...args: string[]): Promise<string> {
  return sh('ip', ['netns', 'exec', ns, process.execPath, IN_NS, ...args]);
}

async function adminStats(ns: string): Promise<Record<string, number>> {
  const r = JSON.parse(await inNamespace(ns, 'get', 'http://127.0.0.1:9901/stats')) as { status: number; body: string };
  expect(r.status).toBe(200);
  return Object.fromEntries(r.body.split('\n').filter(Boolean).map((l) => {
    const i = l.lastIndexOf(': ');
    return [l.slice(0, i), Number(l.slice(i + 2))];
  }));
}

function startUp(env: NodeJS.ProcessEnv, args: string[]) {
  const up = spawn(process.execPath, [BIN, 'local', 'up', '--netns', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  ups.push(up);
  const out = { stdout: '', stderr: '' };
  up.stdout!.on('data', (d) => (out.stdout += d));
  up.stderr!.on('data', (d) => (out.stderr += d));
  const exited = new Promise<number | null>((r) => up.once('exit', (c) => r(c)));
  return { up, out, exited };
}

function runRecord(home: string): RunRecord {
  const rec = JSON.parse(fs.readFileSync(path.join(home, 'run', 'local-up-apps.json'), 'utf8')) as RunRecord;
  runs.push(rec.netns!.run);
  return rec;
}

function freshEnv(name: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWSMESH_HOME: path.join(tmp, name), AWSMESH_REGION: 'us-west-2', CI: '1' };
  for (const k of Object.keys(env)) if (/^(https?|no|all)_proxy$/i.test(k)) delete env[k];
  return env;
}

test('envoy-networking.sh is the walkthrough\'s, byte for byte', () => {
  const text = fs.readFileSync(SCRIPT);
  expect(createHash('sha256').update(text).digest('hex')).toBe(SCRIPT_SHA256);
  expect(text.toString().startsWith('#!/bin/bash -e\n')).toBe(true);
});

test('local up --netns and local demo --netns without the privileges they need are refused with exit 255 before anything is created', async () => {
  const env = freshEnv('refused');
  const commands = [['local', 'up', '--netns', '--mesh', 'apps'], ['local', 'demo', '--netns', '--mesh-name', 'apps-demo']];
  if (unsupported) {
    for (const c of commands) {
      const r = cli(c, env);
      expect(r.status).toBe(255);
      expect(r.stderr).toContain(unsupported);
    }
    expect(cli(['appmesh', 'list-meshes'], env).stdout).not.toContain('apps-demo');
    return;
  }
  // As root: the same commands as an unprivileged user (uid 1337, its own home) are refused.
  // Under /tmp itself: the suite's own temp directory may be private to root.
  const outer = fs.mkdtempSync(path.join('/tmp', 'awsmesh-netns-refused-'));
  fs.chmodSync(outer, 0o711);
  const home = path.join(outer, 'home');
  fs.mkdirSync(home, { mode: 0o700 });
  fs.chownSync(home, 1337, 1337);
  const asUser = (args: string[]) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn('setpriv', ['--reuid=1337', '--regid=1337', '--clear-groups', process.execPath, BIN, ...args], {
      env: { ...env, AWSMESH_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
  for (const c of commands) {
    const r = await asUser(c);
    expect(r.stderr).toContain('--netns creates network namespaces and iptables rules: run as root (sudo) or with CAP_NET_ADMIN and CAP_SYS_ADMIN');
    expect(r.code).toBe(255);
  }
  // The demo created no mesh before refusing.
  const meshes = await asUser(['appmesh', 'list-meshes']);
  expect(meshes.code).toBe(0);
  expect(meshes.stdout).not.toContain('apps-demo');
  fs.rmSync(outer, { recursive: true, force: true });
});

netnsTest('the walkthrough in namespaces: a 75/25 split by name with no proxy settings, ingress interception, no loop, and nothing left after local down', async () => {
  const env = freshEnv('walkthrough');
  applyWalkthrough(env);
  const config = path.join(tmp, 'mesh.local.yaml');
  // The walkthrough's serviceA calls serviceB by its virtual service name; no HTTP_PROXY anywhere.
  writeWalkthroughConfig(config);
  const before = await hostNetwork();
  const { up, out, exited } = startUp(env, ['--config', config]);
  await waitUntil(() => out.stdout.includes('virtualNode/serviceA') || up.exitCode !== null, {
    describe: '`local up --netns` to print its table', timeoutMs: 90_000, observe: () => out,
  });
  expect(up.exitCode).toBeNull();
  expect(out.stderr).toContain('Mesh apps is up in 3 network namespace(s): 3 proxies, 3 apps');
  const rec = runRecord(env.AWSMESH_HOME!);
  const ns = Object.fromEntries(rec.netns!.nodes.map((n) => [n.name.split('/')[1], n]));
  expect(Object.keys(ns).sort()).toEqual(['serviceA', 'serviceB', 'serviceBv2']);
  expect(out.stdout).toContain(ns.serviceA.namespace);
  // The namespaces' addresses exist only inside them.
  expect(JSON.stringify(await hostNetwork())).not.toContain('198.18.');

  // 4,000 calls into serviceA's app, which calls http://serviceb.apps.local/ for each: 75/25.
  const N = 4000;
  const tally = JSON.parse(await inNamespace(ns.serviceA.namespace, 'calls', 'http://127.0.0.1:80/', String(N), '16')) as {
    statuses: Record<string, number>; services: Record<string, number>;
  };
  expect(tally.statuses).toEqual({ 200: N });
  expect((tally.services.serviceB ?? 0) + (tally.services.serviceBv2 ?? 0)).toBe(N);
  const shareB = (100 * tally.services.serviceB) / N;
  expect(shareB).toBeGreaterThanOrEqual(72);
  expect(shareB).toBeLessThanOrEqual(78);

  // HTTP/2 (h2c, as gRPC clients speak it) is routed by :authority the same way.
  const h2 = JSON.parse(await inNamespace(ns.serviceA.namespace, 'h2', 'http://serviceb.apps.local/h2')) as { status: number; body: string };
  expect(h2.status).toBe(200);
  expect(JSON.parse(h2.body)).toMatchObject({ service: expect.stringMatching(/^serviceBv?2?$/), path: '/h2', host: expect.stringMatching(/^serviceb\.apps\.local(:80)?$/) });

  // uid 1337: the sidecar's own upstream connections leave un-redirected (the owner rule matched
  // them), the app's were redirected to the egress port, and each call crossed serviceA's egress
  // listener exactly once (a looped-back upstream request would have been counted again).
  const rules = await sh('ip', ['netns', 'exec', ns.serviceA.namespace, 'iptables', '-t', 'nat', '-L', 'APPMESH_EGRESS', '-v', '-n', '-x']);
  const packets = (re: RegExp) => Number(rules.split('\n').find((l) => re.test(l))?.trim().split(/\s+/)[0] ?? -1);
  expect(packets(/owner UID match 1337/)).toBeGreaterThan(0);
  expect(packets(/REDIRECT .*redir ports 15001/)).toBeGreaterThan(0);
  const statsA = await adminStats(ns.serviceA.namespace);
  expect(statsA['http.egress.downstream_rq_total']).toBe(N + 1); // the 4,000 calls and the HTTP/2 one

  // Ingress: a request for serviceB's app port (80) from serviceA's namespace reaches serviceB's
  // sidecar (its app listens on 127.0.0.1 only, so only the ingress redirect can answer it). Sent as
  // uid 1337 so serviceA's own egress redirect lets it pass, as the sidecar's connections do.
  const ingressBefore = (await adminStats(ns.serviceB.namespace))['http.ingress.downstream_rq_total'] ?? 0;
  const direct = JSON.parse(await inNamespace(ns.serviceA.namespace, 'get', `http://${ns.serviceB.address}:80/direct`, '1337')) as { status: number; body: string };
  expect(direct.status).toBe(200);
  expect(JSON.parse(direct.body)).toMatchObject({ service: 'serviceB', path: '/direct' });
  expect((await adminStats(ns.serviceB.namespace))['http.ingress.downstream_rq_total']).toBe(ingressBefore + 1);

  // local down: everything goes, the host's network is as it was.
  const down = cli(['local', 'down', '--mesh', 'apps'], env);
  expect(down.status).toBe(0);
  expect(await exited).toBe(0);
  expect(await namespacesOf(rec.netns!.run)).toEqual([]);
  for (const n of rec.netns!.namespaces) expect(fs.existsSync(path.join('/etc/netns', n))).toBe(false);
  expect(await hostNetwork()).toEqual(before);
});

netnsTest('after local up --netns is killed outright, the next up and local down remove its namespaces and the proxies in them', async () => {
  const env = freshEnv('killed');
  applyWalkthrough(env);
  const config = path.join(tmp, 'one.local.yaml');
  fs.writeFileSync(config, 'mesh: apps\nproxies:\n  - virtualNode: serviceB\n');
  const before = await hostNetwork();
  const upAndKill = async () => {
    const { up, out, exited } = startUp(env, ['--config', config]);
    await waitUntil(() => out.stdout.includes('virtualNode/serviceB') || up.exitCode !== null, {
      describe: '`local up --netns` to print its table', timeoutMs: 90_000, observe: () => out,
    });
    const rec = runRecord(env.AWSMESH_HOME!);
    up.kill('SIGKILL');
    await exited;
    expect((await namespacesOf(rec.netns!.run)).sort()).toEqual([...rec.netns!.namespaces].sort());
    return { rec, out };
  };
  // The next up cleans up after the killed one (its run record stays; down handles the second).
  const first = await upAndKill();
  const second = await upAndKill();
  expect(second.out.stderr).toContain('Removed 2 namespace(s) left by an earlier local up --netns');
  expect(await namespacesOf(first.rec.netns!.run)).toEqual([]);
  const down = cli(['local', 'down', '--mesh', 'apps'], env);
  expect(down.status).toBe(0);
  expect(down.stderr).toContain(`Removed 2 network namespace(s) of ${second.rec.netns!.run}`);
  expect(await namespacesOf(second.rec.netns!.run)).toEqual([]);
  expect(await hostNetwork()).toEqual(before);
});

netnsTest('a TCP virtual service, called by name or address with no proxy settings, is routed by original destination through both sidecars', async () => {
  const noAddon = loadOriginalDst();
  if (noAddon) return void console.log(`not run: ${noAddon}`);
  const env = freshEnv('tcp');
  const spec = (o: object) => JSON.stringify(o);
  for (const s of [
    ['appmesh', 'create-mesh', '--mesh-name', 'apps'],
    ['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'echo', '--spec',
      spec({ listeners: [{ portMapping: { port: 7000, protocol: 'tcp' } }], serviceDiscovery: { dns: { hostname: 'echo-node.apps.local' } } })],
    ['appmesh', 'create-virtual-service', '--mesh-name', 'apps', '--virtual-service-name', 'echo.apps.local', '--spec',
      spec({ provider: { virtualNode: { virtualNodeName: 'echo' } } })],
    ['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'client', '--spec',
      spec({ listeners: [{ portMapping: { port: 80, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: 'client.apps.local' } },
        backends: [{ virtualService: { virtualServiceName: 'echo.apps.local' } }] })],
  ]) {
    const r = cli(s, env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
  const config = path.join(tmp, 'tcp.local.yaml');
  const echoApp = `{ command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(path.join(__dirname, 'fixtures', 'tcp-echo.js'))}] }`;
  fs.writeFileSync(config, `mesh: apps\nproxies:\n  - virtualNode: echo\n    app: ${echoApp}\n  - virtualNode: client\n`);
  const { up, out, exited } = startUp(env, ['--config', config]);
  await waitUntil(() => out.stdout.includes('virtualNode/client') || up.exitCode !== null, {
    describe: '`local up --netns` to print its table', timeoutMs: 90_000, observe: () => out,
  });
  expect(up.exitCode).toBeNull();
  const rec = runRecord(env.AWSMESH_HOME!);
  const ns = Object.fromEntries(rec.netns!.nodes.map((n) => [n.name.split('/')[1], n.namespace]));
  const hosts = fs.readFileSync(path.join('/etc/netns', ns.client, 'hosts'), 'utf8');
  const vsAddress = /^(198\.19\.\d+\.\d+)\s+echo\.apps\.local$/m.exec(hosts)?.[1];
  expect(vsAddress).toBeDefined();

  // The echo app listens on its namespace's 127.0.0.1 only: from the client's namespace it can be
  // reached only through the client's egress redirect and then echo's ingress redirect. It speaks
  // first, so nothing HTTP-like ever comes from the client before the tunnel exists.
  for (const target of ['echo.apps.local:7000', `${vsAddress}:7000`]) {
    const r = JSON.parse(await inNamespace(ns.client, 'tcp', target, 'ping over tcp')) as { greeting: string; reply: string; error?: string };
    expect(r).toEqual({ greeting: 'echo ready\n', reply: 'ping over tcp' });
  }
  const client = await adminStats(ns.client);
  const echo = await adminStats(ns.echo);
  const sum = (stats: Record<string, number>, re: RegExp) => Object.entries(stats).filter(([k]) => re.test(k)).reduce((a, [, v]) => a + v, 0);
  // Two connections out of the client's sidecar to echo's cluster, none of them seen as HTTP…
  expect(sum(client, /^cluster\..*echo.*\.upstream_cx_total$/)).toBe(2);
  expect(client['http.egress.downstream_rq_total'] ?? 0).toBe(0);
  // …and two into echo's sidecar, on to its app.
  expect(sum(echo, /^cluster\..*ingress.*\.upstream_cx_total$/)).toBe(2);

  const down = cli(['local', 'down', '--mesh', 'apps'], env);
  expect(down.status).toBe(0);
  expect(await exited).toBe(0);
  expect(await namespacesOf(rec.netns!.run)).toEqual([]);
});

netnsTest('the README\'s `sudo npm run walkthrough -- --netns` runs the walkthrough in namespaces, shows the 75/25 split by name, and leaves nothing behind', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const line = /^sudo (npm run walkthrough -- --netns)\b.*$/m.exec(readme);
  expect(line).not.toBeNull();
  const before = await hostNetwork();
  // As the README has it, minus `sudo` (this test runs as root), in a fresh state directory.
  const env = freshEnv('readme');
  const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', ['-c', line![1]], { cwd: path.join(__dirname, '..', '..'), env, timeout: 280_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
  if (r.code !== 0) throw new Error(`exit ${r.code}:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`);
  expect(r.stderr).toContain('==> Done: mesh apps is set up as in the walkthrough');
  const namespaces = [...r.stdout.matchAll(/namespace (awsmesh-\d+-[0-9a-f]{6}-\d+-\w+), address 198\.18\.\d+\.\d+/g)].map((m) => m[1]);
  expect(namespaces).toHaveLength(3);
  runs.push(namespaces[0].replace(/-\d+-\w+$/, ''));
  expect(r.stdout).toContain('serviceA\'s app calls http://serviceb.apps.local/ by name with no proxy settings');
  // 1,000 calls at 75/25 (the weighted pick is random: σ ≈ 1.4 points, so ±5 is 3.6σ; the 4,000-call
  // test above holds ±3), then all to serviceBv2 after update-route, none failed.
  const share = Number(/serviceB\s+[█░]+\s+([\d.]+)%/.exec(r.stdout)?.[1]);
  expect(share).toBeGreaterThanOrEqual(70);
  expect(share).toBeLessThanOrEqual(80);
  expect(r.stdout).toMatch(/serviceBv2\s+█+\s+100\.0%\s+\(1000\)/);
  expect(r.stdout).toMatch(/2000 requests through 3 sidecars in 3 network namespaces in [\d.]+ s; 0 failed\./);
  // Nothing left: no namespace of the run, no /etc/netns directory, the host's network as it was.
  const left = new Set(await namespacesOf());
  for (const ns of namespaces) {
    expect(left.has(ns)).toBe(false);
    expect(fs.existsSync(path.join('/etc/netns', ns))).toBe(false);
  }
  expect(await hostNetwork()).toEqual(before);
}, 300_000);

netnsTest('a virtual gateway gets its own namespace: calls to its listener are routed by its gateway routes across the mesh, 75/25', async () => {
  const env = freshEnv('gateway');
  applyWalkthrough(env);
  const spec = (o: object) => JSON.stringify(o);
  for (const s of [
    ['appmesh', 'create-virtual-gateway', '--mesh-name', 'apps', '--virtual-gateway-name', 'gw', '--spec',
      spec({ listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] })],
    ['appmesh', 'create-gateway-route', '--mesh-name', 'apps', '--virtual-gateway-name', 'gw', '--gateway-route-name', 'to-b', '--spec',
      spec({ httpRoute: { match: { prefix: '/' }, action: { target: { virtualService: { virtualServiceName: 'serviceb.apps.local' } } } } })],
  ]) {
    const r = cli(s, env);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }
  const config = path.join(tmp, 'gateway.local.yaml');
  writeWalkthroughConfig(config);
  fs.appendFileSync(config, '  - virtualGateway: gw\n');
  const before = await hostNetwork();
  const { up, out, exited } = startUp(env, ['--config', config]);
  await waitUntil(() => out.stdout.includes('virtualGateway/gw') || up.exitCode !== null, {
    describe: '`local up --netns` to print its table', timeoutMs: 90_000, observe: () => out,
  });
  expect(up.exitCode).toBeNull();
  expect(out.stderr).toContain('Mesh apps is up in 4 network namespace(s): 4 proxies, 3 apps');
  const rec = runRecord(env.AWSMESH_HOME!);
  const ns = Object.fromEntries(rec.netns!.nodes.map((n) => [n.name.split('/')[1], n]));
  expect(Object.keys(ns).sort()).toEqual(['gw', 'serviceA', 'serviceB', 'serviceBv2']);

  // A client of the gateway, as a load balancer in front of it would be: from serviceA's namespace
  // as uid 1337 (so serviceA's own egress redirect lets it pass) to the gateway's address and
  // listener port. The gateway route sends every call to serviceb.apps.local, whose router splits
  // 75/25 (400 calls: σ ≈ 2.2 points, so ±8 is 3.6σ).
  const N = 400;
  const tally = JSON.parse(await inNamespace(ns.serviceA.namespace, 'calls', `http://${ns.gw.address}:8080/`, String(N), '8', '1337')) as {
    statuses: Record<string, number>; services: Record<string, number>;
  };
  expect(tally.statuses).toEqual({ 200: N });
  expect((tally.services.serviceB ?? 0) + (tally.services.serviceBv2 ?? 0)).toBe(N);
  const shareB = (100 * tally.services.serviceB) / N;
  expect(shareB).toBeGreaterThanOrEqual(67);
  expect(shareB).toBeLessThanOrEqual(83);
  // Every call entered through a backend's sidecar ingress (the apps listen on their namespaces'
  // loopback only), none through serviceA's sidecar.
  const ingress = async (n: string) => (await adminStats(ns[n].namespace))['http.ingress.downstream_rq_total'] ?? 0;
  expect((await ingress('serviceB')) + (await ingress('serviceBv2'))).toBe(N);
  expect((await adminStats(ns.serviceA.namespace))['http.egress.downstream_rq_total'] ?? 0).toBe(0);

  const down = cli(['local', 'down', '--mesh', 'apps'], env);
  expect(down.status).toBe(0);
  expect(await exited).toBe(0);
  expect(await namespacesOf(rec.netns!.run)).toEqual([]);
  expect(await hostNetwork()).toEqual(before);
});
