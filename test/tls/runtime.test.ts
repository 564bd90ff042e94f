// TLS in the proxy runtime, in this process with real TLS sockets on loopback: listener modes,
// mTLS and SAN checks on both sides, the negotiation rule without a client policy, SDS warming,
// rotation (CA re-issue and changed files) and the ssl counters.

import * as fs from 'fs';
import * as http from 'http';
import * as http2 from 'http2';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import type { VirtualNodeSpec } from '../../src/mesh/types';
import { CaStore } from '../../src/tls/ca/store';
import { SnapshotBuilder } from '../envoy-translate/snapshot-builder';
import {
  destroyAgent, issue, plainGet, startEcho, startNodeProxy, statsMap, tempHome, viaEgress, type InProcessProxy,
} from './helpers';
import { waitUntil } from '../helpers/wait';

const MESH = 'tls';
const sds = (secretName: string) => ({ sds: { secretName } });
const http8080 = { port: 8080, protocol: 'http' as const };

let home: string;
let ca: CaStore;
let echo: Awaited<ReturnType<typeof startEcho>>;
const proxies: InProcessProxy[] = [];
const logs: string[] = [];
const log = (l: string) => logs.push(l);

function serverNode(name: string, tlsSpec: NonNullable<VirtualNodeSpec['listeners']>[number]['tls']): VirtualNodeSpec {
  return {
    listeners: [{ portMapping: http8080, tls: tlsSpec }],
    serviceDiscovery: { dns: { hostname: `${name}.tls.local` } },
  };
}

function clientNode(service: string, policy?: VirtualNodeSpec['backendDefaults']): VirtualNodeSpec {
  return { backends: [{ virtualService: { virtualServiceName: service } }], ...(policy ? { backendDefaults: policy } : {}) };
}

let files: { dir: string; chain: string; key: string; ca: string };

function mesh() {
  const trustSds = { trust: sds('bundle') };
  return new SnapshotBuilder(MESH)
    .node('server', serverNode('server', {
      mode: 'STRICT', certificate: sds('server-cert'),
      validation: { trust: sds('bundle'), subjectAlternativeNames: { match: { exact: ['spiffe://tls/virtualNode/client', 'spiffe://tls/virtualNode/anon'] } } },
    }))
    .service('server.svc', { node: 'server' })
    .node('client', clientNode('server.svc', { clientPolicy: { tls: { certificate: sds('client-cert'), validation: trustSds } } }))
    .node('anon', clientNode('server.svc', { clientPolicy: { tls: { validation: trustSds } } }))
    .node('impostor', clientNode('server.svc', { clientPolicy: { tls: { certificate: sds('impostor-cert'), validation: trustSds } } }))
    .node('rogue', clientNode('server.svc', {
      clientPolicy: { tls: { certificate: sds('client-cert'), validation: { ...trustSds, subjectAlternativeNames: { match: { exact: ['wrong.tls.local'] } } } } },
    }))
    .node('perm', serverNode('perm', { mode: 'PERMISSIVE', certificate: { file: { certificateChain: files.chain, privateKey: files.key } } }))
    .service('perm.svc', { node: 'perm' })
    .node('front', clientNode('perm.svc', { clientPolicy: { tls: { validation: { trust: { file: { certificateChain: files.ca } } } } } }))
    .node('strictfile', serverNode('strictfile', { mode: 'STRICT', certificate: { file: { certificateChain: files.chain, privateKey: files.key } } }))
    .service('strictfile.svc', { node: 'strictfile' })
    .node('nopolicy', clientNode('strictfile.svc'))
    .node('late', serverNode('late', { mode: 'STRICT', certificate: sds('late-cert') }))
    .service('late.svc', { node: 'late' })
    .node('latecaller', clientNode('late.svc', { clientPolicy: { tls: { validation: trustSds } } }))
    .build();
}

function writeFiles(pair: { chainPem: string; keyPem: string }): void {
  // Replaced atomically, the way a certificate manager writes them.
  for (const [p, text] of [[files.key, pair.keyPem], [files.chain, pair.chainPem]] as const) {
    fs.writeFileSync(`${p}.tmp`, text, { mode: 0o600 });
    fs.renameSync(`${p}.tmp`, p);
  }
}

const servers: Record<string, InProcessProxy> = {};
const clients: Record<string, InProcessProxy> = {};

async function startServer(name: string): Promise<void> {
  const p = await startNodeProxy(mesh(), name, ca.dir, { appPorts: { 8080: echo.port } }, log);
  servers[name] = p;
  proxies.push(p);
}

async function startClient(name: string, target: string): Promise<void> {
  const endpoints = { [target]: [{ host: '127.0.0.1', port: servers[target].ingressPort!, source: 'proxy' as const }] };
  const p = await startNodeProxy(mesh(), name, ca.dir, { endpoints }, log);
  clients[name] = p;
  proxies.push(p);
}

const stats = (p: InProcessProxy) => statsMap(p.proxy.statsGroups());
const ingressStat = (p: InProcessProxy, field: string) => stats(p)[`listener.127.0.0.1_${p.ingressPort}.${field}`] ?? 0;
const clusterStatOf = (p: InProcessProxy, cluster: string, field: string) => stats(p)[`cluster.${cluster}.${field}`] ?? 0;
const clusterStat = (p: InProcessProxy, target: string, field: string) => clusterStatOf(p, `cds_egress_${MESH}_${target}_http_8080`, field);
const serials = (p: InProcessProxy) => p.proxy.tls!.certs().certificates.flatMap((c) => c.cert_chain.map((x) => x.serial_number));

beforeAll(async () => {
  home = tempHome();
  ca = CaStore.forHome(home);
  await ca.init();
  const dir = path.join(home, 'certs');
  fs.mkdirSync(dir);
  files = { dir, chain: path.join(dir, 'cert_chain.pem'), key: path.join(dir, 'key.pem'), ca: ca.rootCertPath };
  const fileCert = await issue(ca, { dns: ['perm.tls.local', 'strictfile.tls.local'] });
  writeFiles(ca.readPair(fileCert));
  await issue(ca, { dns: ['server.tls.local'], uris: ['spiffe://tls/virtualNode/server'], secretNames: ['server-cert'] });
  await issue(ca, { uris: ['spiffe://tls/virtualNode/client'], secretNames: ['client-cert'] });
  await issue(ca, { uris: ['spiffe://tls/virtualNode/impostor'], secretNames: ['impostor-cert'] });
  echo = await startEcho('echo');
  for (const s of ['server', 'perm', 'strictfile', 'late']) await startServer(s);
  await startClient('client', 'server');
  await startClient('anon', 'server');
  await startClient('impostor', 'server');
  await startClient('rogue', 'server');
  await startClient('front', 'perm');
  await startClient('nopolicy', 'strictfile');
  await startClient('latecaller', 'late');
});

afterAll(async () => {
  destroyAgent();
  await Promise.all(proxies.map((p) => p.proxy.close()));
  await echo?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

test('mTLS: the client policy presents its certificate, checks the server SAN, and the request goes through', async () => {
  const r = await viaEgress(clients.client.egressPort, 'http://server.svc:8080/hello');
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body)).toMatchObject({ service: 'echo', path: '/hello', proto: 'https' });
  expect(ingressStat(servers.server, 'ssl.handshake')).toBeGreaterThanOrEqual(1);
  expect(clusterStat(clients.client, 'server', 'ssl.handshake')).toBeGreaterThanOrEqual(1);
  expect(servers.server.proxy.listeners().find((l) => l.direction === 'INBOUND')?.tls).toBe('STRICT');
});

test('mTLS: a new pooled connection resumes the session and the listener still checks its client certificate', async () => {
  const reused = () => [ingressStat(servers.server, 'ssl.session_reused'), clusterStat(clients.client, 'server', 'ssl.session_reused')];
  const [downBefore, upBefore] = reused();
  // The first connection leaves a ticket (TLS 1.3 sends it before the response); a burst then
  // needs more connections than the pool holds.
  expect((await viaEgress(clients.client.egressPort, 'http://server.svc:8080/first')).status).toBe(200);
  const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => viaEgress(clients.client.egressPort, `http://server.svc:8080/burst${i}`, false)));
  expect(burst.map((r) => r.status)).toEqual(Array(8).fill(200));
  const [downAfter, upAfter] = reused();
  expect(upAfter).toBeGreaterThan(upBefore);
  expect(downAfter - downBefore).toBe(upAfter - upBefore);
  // A caller whose certificate the listener refuses is refused again on a resumed session.
  const before = ingressStat(servers.server, 'ssl.fail_verify_san');
  for (let i = 0; i < 2; i++) expect((await viaEgress(clients.impostor.egressPort, 'http://server.svc:8080/', false)).status).toBe(503);
  expect(ingressStat(servers.server, 'ssl.fail_verify_san') - before).toBeGreaterThanOrEqual(2);
});

test('STRICT refuses every plaintext connection (100 of 100)', async () => {
  const before = ingressStat(servers.server, 'no_filter_chain_match');
  const replies = await Promise.all(Array.from({ length: 100 }, () => plainGet(servers.server.ingressPort!)));
  expect(replies.filter((r) => r.status !== 0)).toEqual([]);
  expect(ingressStat(servers.server, 'no_filter_chain_match') - before).toBe(100);
});

test('mTLS: a client without a certificate is refused (fail_verify_no_cert)', async () => {
  const before = ingressStat(servers.server, 'ssl.fail_verify_no_cert');
  const r = await viaEgress(clients.anon.egressPort, 'http://server.svc:8080/');
  expect(r.status).toBe(503);
  expect(ingressStat(servers.server, 'ssl.fail_verify_no_cert')).toBeGreaterThan(before);
});

test('mTLS: a client certificate without an allowed SAN is refused by the listener (fail_verify_san)', async () => {
  const before = ingressStat(servers.server, 'ssl.fail_verify_san');
  const r = await viaEgress(clients.impostor.egressPort, 'http://server.svc:8080/');
  expect(r.status).toBe(503);
  expect(ingressStat(servers.server, 'ssl.fail_verify_san')).toBeGreaterThan(before);
});

test('a server certificate without the SAN the client policy names is refused by the client (fail_verify_san)', async () => {
  const r = await viaEgress(clients.rogue.egressPort, 'http://server.svc:8080/');
  expect(r.status).toBe(503);
  expect(r.body).toContain('connection failure');
  expect(clusterStat(clients.rogue, 'server', 'ssl.fail_verify_san')).toBeGreaterThanOrEqual(1);
  expect(clusterStat(clients.rogue, 'server', 'ssl.handshake')).toBe(0);
});

test('PERMISSIVE serves TLS (client policy with file trust) and plaintext on one port', async () => {
  const viaTls = await viaEgress(clients.front.egressPort, 'http://perm.svc:8080/');
  expect(viaTls.status).toBe(200);
  expect(JSON.parse(viaTls.body).proto).toBe('https');
  const plain = await plainGet(servers.perm.ingressPort!, '/direct');
  expect(plain.status).toBe(200);
  expect(JSON.parse(plain.body)).toMatchObject({ path: '/direct', proto: 'http' });
  expect(ingressStat(servers.perm, 'ssl.handshake')).toBeGreaterThanOrEqual(1);
  expect(servers.perm.proxy.listeners().find((l) => l.direction === 'INBOUND')?.tls).toBe('PERMISSIVE');
});

test('no client policy and a STRICT file-certificate server: TLS without validation (App Mesh negotiation)', async () => {
  const r = await viaEgress(clients.nopolicy.egressPort, 'http://strictfile.svc:8080/');
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body).proto).toBe('https');
  expect(clusterStat(clients.nopolicy, 'strictfile', 'ssl.handshake')).toBeGreaterThanOrEqual(1);
});

test('an SDS secret issued after start is picked up without a restart (warming until then)', async () => {
  const first = await viaEgress(clients.latecaller.egressPort, 'http://late.svc:8080/', false);
  expect(first.status).toBe(503);
  expect(ingressStat(servers.late, 'ssl.no_certificate')).toBeGreaterThanOrEqual(1);
  expect(logs.some((l) => l.includes('SDS secret late-cert is not in the local CA yet'))).toBe(true);
  await issue(ca, { dns: ['late.tls.local'], secretNames: ['late-cert'] });
  const ok = await waitUntil(async () => (await viaEgress(clients.latecaller.egressPort, 'http://late.svc:8080/', false)).status === 200, { describe: 'late.svc to answer 200 once its certificate exists', timeoutMs: 5000 });
  expect(ok).toBe(true);
});

test('re-issuing a secret under continuous load: new connections use it, no request fails', async () => {
  const before = serials(servers.server);
  let stop = false;
  const results: number[] = [];
  const worker = async () => {
    // Fresh connections (no keep-alive) half of the time, so handshakes happen throughout.
    for (let i = 0; !stop; i++) results.push((await viaEgress(clients.client.egressPort, 'http://server.svc:8080/', i % 2 === 0)).status);
  };
  const workers = Array.from({ length: 4 }, worker);
  // Requests before the re-issue and after it are counted, not timed (a busy machine serves fewer per second).
  let fresh: Awaited<ReturnType<typeof issue>>;
  let rotated = false;
  let after = false;
  try {
    await waitUntil(() => results.length >= 10, { describe: '10 requests before the rotation', timeoutMs: 10_000 });
    fresh = await issue(ca, { dns: ['server.tls.local'], uris: ['spiffe://tls/virtualNode/server'], secretNames: ['server-cert'] });
    rotated = await waitUntil(() => serials(servers.server).includes(fresh.serialNumber.toLowerCase()), { describe: 'the server to load the rotated certificate', timeoutMs: 10_000 });
    const atRotation = results.length;
    after = await waitUntil(() => results.length >= atRotation + 20, { describe: '20 requests after the rotation', timeoutMs: 10_000 });
  } finally {
    stop = true;
    await Promise.all(workers);
  }
  expect(rotated).toBe(true);
  expect(after).toBe(true);
  expect(before).not.toContain(fresh.serialNumber.toLowerCase());
  expect(results.length).toBeGreaterThan(20);
  expect(results.filter((s) => s !== 200)).toEqual([]);
  // A new TLS connection now sees the new certificate.
  const seen = await new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port: servers.server.ingressPort!, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.destroy();
    });
    s.on('error', reject);
  });
  expect(seen.toUpperCase()).toBe(fresh.serialNumber);
  expect(logs.some((l) => l.includes('new certificates loaded') && l.includes(fresh.serialNumber))).toBe(true);
});

test('a changed certificate file is picked up; /certs describes what is loaded', async () => {
  const fresh = await issue(ca, { dns: ['perm.tls.local', 'strictfile.tls.local'] });
  writeFiles(ca.readPair(fresh));
  await waitUntil(() => serials(servers.perm).includes(fresh.serialNumber.toLowerCase()), { describe: 'the PERMISSIVE server to load the new certificate', timeoutMs: 5000 });
  const entry = servers.perm.proxy.tls!.certs().certificates[0];
  expect(entry.cert_chain[0]).toMatchObject({
    path: files.chain,
    serial_number: fresh.serialNumber.toLowerCase(),
    subject_alt_names: [{ dns: 'perm.tls.local' }, { dns: 'strictfile.tls.local' }],
  });
  expect(Number(entry.cert_chain[0].days_until_expiration)).toBeGreaterThanOrEqual(29);
  expect(entry.cert_chain[0].expiration_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect((await viaEgress(clients.front.egressPort, 'http://perm.svc:8080/')).status).toBe(200);
  // The caller's context: its trust bundle (the CA root) is listed as ca_cert.
  const front = clients.front.proxy.tls!.certs().certificates[0];
  expect(front.ca_cert[0].path).toBe(files.ca);
  expect(front.cert_chain).toEqual([]);
});

test('a half-written pair keeps the certificates loaded before', async () => {
  const loaded = serials(servers.perm);
  fs.writeFileSync(files.chain, '-----BEGIN CERTIFICATE-----\nnot a certificate\n');
  // The watcher has seen the broken file (not merely not looked yet) before the serials are compared.
  await waitUntil(() => logs.some((l) => l.includes('keeping the certificates loaded before')), { describe: 'the "keeping the certificates loaded before" log line', timeoutMs: 10_000 });
  expect(serials(servers.perm)).toEqual(loaded);
  expect((await viaEgress(clients.front.egressPort, 'http://perm.svc:8080/', false)).status).toBe(200);
  writeFiles(ca.readPair(await issue(ca, { dns: ['perm.tls.local', 'strictfile.tls.local'] })));
});

test('a certificate file that does not exist rejects the configuration with a clear message', async () => {
  const s = new SnapshotBuilder(MESH)
    .node('broken', serverNode('broken', { mode: 'STRICT', certificate: { file: { certificateChain: '/nonexistent/c.pem', privateKey: '/nonexistent/k.pem' } } }))
    .build();
  await expect(startNodeProxy(s, 'broken', ca.dir)).rejects.toThrow(
    /listener lds_ingress_127\.0\.0\.1_0: certificate file \/nonexistent\/c\.pem does not exist, and the local CA issued nothing for it \(awsmesh local ca issue … --certificate-chain-path/,
  );
});

test('turning a listener STRICT closes the plaintext keep-alive connections made before (once idle)', async () => {
  const plainMesh = (mode?: 'STRICT') => new SnapshotBuilder(MESH)
    .node('upgrade', serverNode('upgrade', mode ? { mode, certificate: { file: { certificateChain: files.chain, privateKey: files.key } } } : undefined))
    .build();
  const p = await startNodeProxy(plainMesh(), 'upgrade', ca.dir, { appPorts: { 8080: echo.port } }, log);
  proxies.push(p);
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets: net.Socket[] = [];
  const get = () => new Promise<number>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: p.ingressPort, path: '/', agent: keepAlive }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('socket', (s) => sockets.push(s));
    req.on('error', () => resolve(0));
  });
  expect(await get()).toBe(200);
  const open = sockets[0];
  let closed = false;
  open.once('close', () => (closed = true));
  await p.update(plainMesh('STRICT'));
  await waitUntil(() => closed, { describe: 'the STRICT switch to close the plaintext connection', timeoutMs: 5000 });
  expect((await plainGet(p.ingressPort!)).status).toBe(0);
  keepAlive.destroy();
});

describe('HTTP/2 and TCP over mTLS, health checks through TLS', () => {
  const apps: Array<{ close(): void }> = [];
  let dbClient: InProcessProxy;
  let h2Client: InProcessProxy;
  let db: InProcessProxy;
  let h2srv: InProcessProxy;

  const mtls = (secret: string): NonNullable<VirtualNodeSpec['listeners']>[number]['tls'] => ({
    mode: 'STRICT', certificate: sds(secret), validation: { trust: sds('bundle') },
  });
  const policy = { clientPolicy: { tls: { certificate: sds('client-cert'), validation: { trust: sds('bundle') } } } };
  const snapshot = () => new SnapshotBuilder(MESH)
    .node('db', {
      listeners: [{
        portMapping: { port: 5432, protocol: 'tcp' }, tls: mtls('db-cert'),
        healthCheck: { protocol: 'tcp', intervalMillis: 5000, timeoutMillis: 2000, healthyThreshold: 2, unhealthyThreshold: 2 },
      }],
      serviceDiscovery: { dns: { hostname: 'db.tls.local' } },
    })
    .router('dbr', [[5432, 'tcp']])
    .route('dbr', 'tcp', { tcpRoute: { action: { weightedTargets: [{ virtualNode: 'db', weight: 1 }] } } })
    .service('db.local', { router: 'dbr' })
    .node('dbclient', clientNode('db.local', policy))
    .node('h2srv', {
      listeners: [{
        portMapping: { port: 8080, protocol: 'http2' }, tls: mtls('h2-cert'),
        healthCheck: { protocol: 'http2', path: '/ping', intervalMillis: 5000, timeoutMillis: 2000, healthyThreshold: 2, unhealthyThreshold: 2 },
      }],
      serviceDiscovery: { dns: { hostname: 'h2srv.tls.local' } },
    })
    .service('h2.local', { node: 'h2srv' })
    .node('h2client', clientNode('h2.local', policy))
    .build();

  beforeAll(async () => {
    await issue(ca, { dns: ['db.tls.local'], secretNames: ['db-cert'] });
    await issue(ca, { dns: ['h2srv.tls.local'], secretNames: ['h2-cert'] });
    const tcpEcho = net.createServer((s) => s.pipe(s));
    const h2c = http2.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ service: 'h2app', httpVersion: req.httpVersion, path: req.url }));
    });
    for (const server of [tcpEcho, h2c] as net.Server[]) {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
      apps.push({ close: () => server.close() });
    }
    const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
    db = await startNodeProxy(snapshot(), 'db', ca.dir, { appPorts: { 5432: port(tcpEcho) } }, log);
    h2srv = await startNodeProxy(snapshot(), 'h2srv', ca.dir, { appPorts: { 8080: port(h2c as unknown as net.Server) } }, log);
    dbClient = await startNodeProxy(snapshot(), 'dbclient', ca.dir, { endpoints: { db: [{ host: '127.0.0.1', port: db.ingressPort!, source: 'proxy' }] } }, log);
    h2Client = await startNodeProxy(snapshot(), 'h2client', ca.dir, { endpoints: { h2srv: [{ host: '127.0.0.1', port: h2srv.ingressPort!, source: 'proxy' }] } }, log);
    proxies.push(db, h2srv, dbClient, h2Client);
  });

  afterAll(() => {
    for (const a of apps) a.close();
  });

  test('a TCP virtual service through a CONNECT tunnel, TLS between the sidecars', async () => {
    const sock = net.connect({ host: '127.0.0.1', port: dbClient.egressPort });
    await new Promise((r) => sock.once('connect', r));
    sock.write('CONNECT db.local:5432 HTTP/1.1\r\nHost: db.local:5432\r\n\r\n');
    let buf = '';
    sock.on('data', (d) => (buf += d));
    await waitUntil(() => buf.includes('\r\n\r\n'), { describe: 'the response head' });
    expect(buf.split('\r\n')[0]).toBe('HTTP/1.1 200 Connection Established');
    buf = '';
    sock.write('ping over mtls');
    await waitUntil(() => buf === 'ping over mtls', { describe: 'the echo over mTLS' });
    sock.destroy();
    expect(ingressStat(db, 'ssl.handshake')).toBeGreaterThanOrEqual(1);
    expect(clusterStatOf(dbClient, 'cds_egress_tls_db_tcp_5432', 'ssl.handshake')).toBeGreaterThanOrEqual(1);
    expect((await plainGet(db.ingressPort!)).status).toBe(0);
  });

  test('HTTP/2 upstream over TLS (ALPN h2), and health checks that pass only through TLS', async () => {
    const r = await viaEgress(h2Client.egressPort, 'http://h2.local:8080/h2');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ service: 'h2app', httpVersion: '2.0', path: '/h2' });
    const cluster = 'cds_egress_tls_h2srv_http2_8080';
    await waitUntil(() => clusterStatOf(h2Client, cluster, 'health_check.success') >= 1, { describe: 'a health check over TLS (h2)', timeoutMs: 5000 });
    expect(clusterStatOf(h2Client, cluster, 'health_check.failure')).toBe(0);
    // The TCP check runs on its own schedule (first at start-up, through TLS): wait for it too.
    await waitUntil(() => clusterStatOf(dbClient, 'cds_egress_tls_db_tcp_5432', 'health_check.success') >= 1, { describe: 'a health check over TLS (tcp)', timeoutMs: 5000 });
    expect(ingressStat(h2srv, 'ssl.fail_verify_no_cert')).toBe(0);
  });
});
