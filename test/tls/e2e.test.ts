// End to end with real processes: certificates from `awsmesh local ca issue`, one `awsmesh proxy`
// process per virtual node, a sample app, TLS between the sidecars on loopback. STRICT refuses
// plaintext, PERMISSIVE takes both, a wrong SAN and a missing client certificate are refused,
// and a re-issued certificate rolls out under load without a failed request. Needs `npm run build`.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { startCliProxy, type RunningProxy } from '../dataplane/cli';
import { startApp, type RunningApp } from '../dataplane/helpers';
import { destroyAgent, plainGet, tempHome, viaEgress } from './helpers';
import { waitUntil } from '../helpers/wait';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'awsmesh');
const MESH = 'tlse2e';
const home = tempHome('awsmesh-tls-e2e-');
const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: 'us-west-2' };
const proxies: Record<string, RunningProxy> = {};
let app: RunningApp;
let backend: LocalBackend;

function awsmesh(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function issue(...args: string[]): string {
  const r = awsmesh('local', 'ca', 'issue', '--mesh', MESH, ...args);
  if (r.status !== 0) throw new Error(`ca issue ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout).certificate.serialNumber as string;
}

function admin(p: RunningProxy, page: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: p.admin, path: page, agent: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function stat(p: RunningProxy, name: string): Promise<number> {
  const text = await admin(p, `/stats?filter=${encodeURIComponent(`^${name.replace(/[.]/g, '\\.')}$`)}`);
  const m = new RegExp(`^${name.replace(/[.]/g, '\\.')}: (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

const ingressStat = (p: RunningProxy, field: string) => stat(p, `listener.127.0.0.1_${p.ingress}.${field}`);
const serverSerials = async (p: RunningProxy) => (JSON.parse(await admin(p, '/certs')) as { certificates: Array<{ cert_chain: Array<{ serial_number: string }> }> })
  .certificates.flatMap((c) => c.cert_chain.map((x) => x.serial_number));

async function create(op: string, input: Record<string, unknown>): Promise<void> {
  await backend.invoke('appmesh', op, { meshName: MESH, ...input }, { region: 'us-west-2' });
}

const listener = (tls: Record<string, unknown>) => [{ portMapping: { port: 9080, protocol: 'http' }, tls }];
const sds = (secretName: string) => ({ sds: { secretName } });
const caller = (service: string, tls: Record<string, unknown>) => ({
  backends: [{ virtualService: { virtualServiceName: service } }], backendDefaults: { clientPolicy: { tls } },
});

beforeAll(async () => {
  backend = openLocalBackend(env);
  await backend.invoke('appmesh', 'CreateMesh', { meshName: MESH }, { region: 'us-west-2' });
  await create('CreateVirtualNode', {
    virtualNodeName: 'server',
    spec: {
      listeners: listener({
        mode: 'STRICT', certificate: sds('server-cert'),
        validation: { trust: sds('bundle'), subjectAlternativeNames: { match: { exact: [`spiffe://${MESH}/virtualNode/front`] } } },
      }),
      serviceDiscovery: { dns: { hostname: 'server.tlse2e.local' } },
    },
  });
  await create('CreateVirtualNode', {
    virtualNodeName: 'perm',
    spec: {
      listeners: listener({ mode: 'PERMISSIVE', certificate: { file: { certificateChain: '/keys/perm_cert_chain.pem', privateKey: '/keys/perm_key.pem' } } }),
      serviceDiscovery: { dns: { hostname: 'perm.tlse2e.local' } },
    },
  });
  await create('CreateVirtualService', { virtualServiceName: 'server.svc', spec: { provider: { virtualNode: { virtualNodeName: 'server' } } } });
  await create('CreateVirtualService', { virtualServiceName: 'perm.svc', spec: { provider: { virtualNode: { virtualNodeName: 'perm' } } } });
  await create('CreateVirtualNode', {
    virtualNodeName: 'front',
    spec: {
      backends: [
        { virtualService: { virtualServiceName: 'server.svc', clientPolicy: { tls: { certificate: sds('front-cert'), validation: { trust: sds('bundle') } } } } },
        { virtualService: { virtualServiceName: 'perm.svc', clientPolicy: { tls: { validation: { trust: { file: { certificateChain: '/keys/ca_cert.pem' } } } } } } },
      ],
    },
  });
  await create('CreateVirtualNode', {
    virtualNodeName: 'rogue',
    spec: caller('server.svc', { certificate: sds('front-cert'), validation: { trust: sds('bundle'), subjectAlternativeNames: { match: { exact: ['wrong.tlse2e.local'] } } } }),
  });
  await create('CreateVirtualNode', { virtualNodeName: 'anon', spec: caller('server.svc', { validation: { trust: sds('bundle') } }) });

  expect(awsmesh('local', 'ca', 'init').status).toBe(0);
  issue('--virtual-node', 'server', '--secret-name', 'server-cert');
  issue('--virtual-node', 'front', '--secret-name', 'front-cert');
  issue('--virtual-node', 'perm', '--certificate-chain-path', '/keys/perm_cert_chain.pem', '--private-key-path', '/keys/perm_key.pem',
    '--trust-chain-path', '/keys/ca_cert.pem');

  app = await startApp('tls-app');
  const ports = ['--ingress-port', '0', '--egress-port', '0', '--admin-port', '0'];
  const [server, perm] = await Promise.all(['server', 'perm'].map((n) =>
    startCliProxy(['--mesh', MESH, '--virtual-node', n, '--app-port', String(app.port), ...ports], env)));
  Object.assign(proxies, { server, perm });
  const clients = await Promise.all(['front', 'rogue', 'anon'].map((n) => startCliProxy(['--mesh', MESH, '--virtual-node', n, ...ports], env)));
  Object.assign(proxies, { front: clients[0], rogue: clients[1], anon: clients[2] });
  // The callers learn the servers' registrations through the store's change feed.
  for (const p of clients) {
    await waitUntil(async () => (await admin(p, '/config_dump?include_eds')).includes(`"port_value": ${proxies.server.ingress}`), { describe: 'the server\'s endpoint in the caller\'s config', timeoutMs: 5000 });
  }
}, 60_000);

afterAll(async () => {
  destroyAgent();
  await Promise.all(Object.values(proxies).map((p) => p.stop()));
  await app?.stop();
  await backend?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

test('mTLS between sidecar processes; /certs and /stats show it', async () => {
  const r = await viaEgress(proxies.front.egress, 'http://server.svc:9080/');
  expect(r.status).toBe(200);
  expect(JSON.parse(r.body).service).toBe('tls-app');
  expect(await ingressStat(proxies.server, 'ssl.handshake')).toBeGreaterThanOrEqual(1);
  expect(await stat(proxies.front, `cluster.cds_egress_${MESH}_server_http_9080.ssl.handshake`)).toBeGreaterThanOrEqual(1);
  const certs = JSON.parse(await admin(proxies.server, '/certs')).certificates;
  expect(certs[0].ca_cert[0].path).toBe(path.join(home, 'ca', 'root', 'ca.pem'));
  expect(certs[0].cert_chain[0].subject_alt_names).toEqual([{ dns: 'server.tlse2e.local' }, { uri: `spiffe://${MESH}/virtualNode/server` }]);
  expect(proxies.server.stderr()).not.toContain('serving plaintext');
});

test('STRICT: 100 plaintext requests to the listener all fail', async () => {
  const replies = [];
  for (let i = 0; i < 100; i += 20) replies.push(...await Promise.all(Array.from({ length: 20 }, () => plainGet(proxies.server.ingress!))));
  expect(replies).toHaveLength(100);
  expect(replies.filter((r) => r.status !== 0)).toEqual([]);
  expect(await ingressStat(proxies.server, 'no_filter_chain_match')).toBe(100);
});

test('PERMISSIVE: TLS from a caller (certificate answered by the local CA for /keys paths) and plaintext', async () => {
  const viaTls = await viaEgress(proxies.front.egress, 'http://perm.svc:9080/');
  expect(viaTls.status).toBe(200);
  expect(await ingressStat(proxies.perm, 'ssl.handshake')).toBeGreaterThanOrEqual(1);
  const plain = await plainGet(proxies.perm.ingress!);
  expect(plain.status).toBe(200);
  expect(proxies.perm.stderr()).toContain('certificate file /keys/perm_cert_chain.pem does not exist: using the local CA');
});

test('a server certificate without the SAN the client policy requires: the caller refuses', async () => {
  const r = await viaEgress(proxies.rogue.egress, 'http://server.svc:9080/');
  expect(r.status).toBe(503);
  expect(await stat(proxies.rogue, `cluster.cds_egress_${MESH}_server_http_9080.ssl.fail_verify_san`)).toBeGreaterThanOrEqual(1);
});

test('mTLS listener: a caller without a client certificate is refused', async () => {
  const before = await ingressStat(proxies.server, 'ssl.fail_verify_no_cert');
  const r = await viaEgress(proxies.anon.egress, 'http://server.svc:9080/');
  expect(r.status).toBe(503);
  expect(await ingressStat(proxies.server, 'ssl.fail_verify_no_cert')).toBeGreaterThan(before);
});

test('re-issuing the server certificate under continuous load: running proxies switch, no request fails', async () => {
  const before = await serverSerials(proxies.server);
  let stop = false;
  const statuses: number[] = [];
  const worker = async (w: number) => {
    for (let i = 0; !stop; i++) {
      statuses.push((await viaEgress(proxies.front.egress, 'http://server.svc:9080/', (i + w) % 3 !== 0)).status);
    }
  };
  const workers = [0, 1, 2, 3].map(worker);
  // Requests before the re-issue and after the switch are counted, not timed (a busy machine serves fewer per second).
  let serial = '';
  let switched = false;
  let after = false;
  try {
    await waitUntil(() => statuses.length >= 25, { describe: '25 requests before the re-issue', timeoutMs: 10_000 });
    serial = issue('--virtual-node', 'server', '--secret-name', 'server-cert').toLowerCase();
    switched = await waitUntil(async () => (await serverSerials(proxies.server)).includes(serial), { describe: 'the server to serve the new certificate', timeoutMs: 10_000 });
    const atSwitch = statuses.length;
    after = await waitUntil(() => statuses.length >= atSwitch + 30, { describe: '30 requests after the switch', timeoutMs: 10_000 });
  } finally {
    stop = true;
    await Promise.all(workers);
  }
  expect(before).not.toContain(serial);
  expect(switched).toBe(true);
  expect(after).toBe(true);
  expect(statuses.length).toBeGreaterThan(50);
  expect(statuses.filter((s) => s !== 200)).toEqual([]);
  // The log line comes on the proxy's stderr pipe, read on its own schedule.
  await waitUntil(() => proxies.server.stderr().includes(`new certificates loaded (serial ${serial.toUpperCase()})`), { describe: 'the "new certificates loaded" log line', timeoutMs: 5000 });
  expect(proxies.server.stderr()).toContain(`new certificates loaded (serial ${serial.toUpperCase()})`);
});
