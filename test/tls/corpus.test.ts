// The corpus' TLS set-ups, loaded into a local mesh and run: App Mesh's own walkthrough specs
// (howto-mutual-tls-file-provided and howto-ingress-gateway's *-tls.json, jq templates rendered
// with test/helpers/corpus.ts; howto-tls-file-provided and tls-with-acm, CloudFormation rendered
// with ./cfn.ts). Certificates come from `awsmesh local ca issue` for the /keys paths, ACM ARNs
// and names the specs reference; sidecars (in this process, real sockets, real local control
// plane) serve and call with them, and follow the walkthroughs' updates as they are applied.

import * as fs from 'fs';
import * as https from 'https';
import * as path from 'path';
import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { Sidecar } from '../../src/dataplane/sidecar';
import { caDir } from '../../src/tls/ca/store';
import { CORPUS, renderTemplate } from '../helpers/corpus';
import { runCli } from '../helpers/run-cli';
import { CREATE_ORDER, renderCfn } from './cfn';
import { destroyAgent, plainGet, startEcho, statsMap, tempHome } from './helpers';
import { waitUntil } from '../helpers/wait';

const REGION = 'us-west-2';
const WALKTHROUGHS = path.join(CORPUS, 'aws-app-mesh-examples', 'walkthroughs');
const home = tempHome('awsmesh-tls-corpus-');
const env = { ...process.env, AWSMESH_HOME: home, AWSMESH_REGION: REGION };
const logs: string[] = [];
const sidecars: Sidecar[] = [];
let backend: LocalBackend;
let echo: Awaited<ReturnType<typeof startEcho>>;

/** A jq template with some variables set here; the rest from the shared placeholder values. */
function template(file: string, vars: Record<string, string> = {}): { spec: Record<string, unknown> } {
  let text = fs.readFileSync(file, 'utf8');
  for (const [k, v] of Object.entries(vars)) text = text.split(`$${k}`).join(JSON.stringify(v));
  return JSON.parse(renderTemplate(text));
}

async function call(op: string, input: Record<string, unknown>): Promise<void> {
  await backend.invoke('appmesh', op, input, { region: REGION });
}

async function issue(...args: string[]): Promise<void> {
  const r = await runCli(['local', 'ca', 'issue', ...args], { home });
  if (r.code !== 0) throw new Error(`ca issue ${args.join(' ')}: ${r.stderr}`);
}

async function sidecar(mesh: string, kind: 'virtualNode' | 'virtualGateway', name: string, appPort?: number): Promise<Sidecar> {
  const s = new Sidecar({
    backend, region: REGION, mesh, kind, name,
    ingressPort: 0, egressPort: 0, adminPort: 0, caDir: caDir(home),
    appPorts: appPort ? { [appPort]: echo.port } : undefined,
    log: (l) => logs.push(`${name}: ${l}`),
  });
  sidecars.push(s);
  await s.start();
  return s;
}

const ingress = (s: Sidecar) => s.proxy.listeners().find((l) => l.direction === 'INBOUND')!;
const stats = (s: Sidecar) => statsMap(s.proxy.statsGroups());
const ingressSsl = (s: Sidecar, field: string) => stats(s)[`listener.127.0.0.1_${ingress(s).port}.ssl.${field}`] ?? 0;

/** GET through a gateway listener: plaintext, or TLS trusting the local CA's root. */
function viaGateway(gw: Sidecar, p: string, secure = false): Promise<{ status: number; body: string }> {
  if (!secure) return plainGet(ingress(gw).port, p);
  return new Promise((resolve) => {
    const req = https.get({
      host: '127.0.0.1', port: ingress(gw).port, path: p, agent: false,
      ca: fs.readFileSync(path.join(caDir(home), 'root', 'ca.pem')), checkServerIdentity: () => undefined,
    }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e) => resolve({ status: 0, body: String(e) }));
  });
}

const eventually = (gw: Sidecar, p: string, status: number, secure = false) =>
  waitUntil(async () => (await viaGateway(gw, p, secure)).status === status, { describe: `${p} through the gateway to answer ${status}`, timeoutMs: 5000 });

beforeAll(async () => {
  backend = openLocalBackend(env);
  echo = await startEcho('colorteller');
  const r = await runCli(['local', 'ca', 'init'], { home });
  if (r.code !== 0) throw new Error(r.stderr);
});

afterAll(async () => {
  destroyAgent();
  await Promise.all(sidecars.map((s) => s.stop()));
  await echo?.close();
  await backend?.close();
  fs.rmSync(home, { recursive: true, force: true });
});

test('howto-mutual-tls-file-provided: plaintext → STRICT TLS → client policy → mTLS, step by step on running sidecars', async () => {
  const dir = path.join(WALKTHROUGHS, 'howto-mutual-tls-file-provided', 'mesh');
  const mesh = 'howto-mutual-tls';
  const vars = { SERVICES_DOMAIN: 'mesh.local', VIRTUAL_SERVICE: 'colorteller.mesh.local', COLOR_TELLER_SAN: 'colorteller.mesh.local', GATEWAY_SAN: 'gateway.mesh.local' };
  const f = (name: string) => template(path.join(dir, name), vars);
  await call('CreateMesh', { meshName: mesh, ...f('mesh.json') });
  await call('CreateVirtualNode', { meshName: mesh, virtualNodeName: 'colorteller-vn', ...f('colorteller-vn.json') });
  await call('CreateVirtualService', { meshName: mesh, virtualServiceName: 'colorteller.mesh.local', ...f('colorteller-vs.json') });
  await call('CreateVirtualGateway', { meshName: mesh, virtualGatewayName: 'gateway-vgw', ...f('gateway-vgw.json') });
  await call('CreateGatewayRoute', { meshName: mesh, virtualGatewayName: 'gateway-vgw', gatewayRouteName: 'colorteller-route', ...f('colorteller-gwroute.json') });
  // The walkthrough's keys, issued by the local CA for the paths its specs name.
  await issue('--mesh', mesh, '--virtual-node', 'colorteller-vn', '--certificate-chain-path', '/keys/colorteller_cert_chain.pem',
    '--private-key-path', '/keys/colorteller_key.pem', '--trust-chain-path', '/keys/ca_cert.pem');
  await issue('--mesh', mesh, '--virtual-gateway', 'gateway-vgw', '--san', 'gateway.mesh.local',
    '--certificate-chain-path', '/keys/gateway_cert_chain.pem', '--private-key-path', '/keys/gateway_key.pem');
  const teller = await sidecar(mesh, 'virtualNode', 'colorteller-vn', 9080);
  const gw = await sidecar(mesh, 'virtualGateway', 'gateway-vgw');
  await eventually(gw, '/', 200);

  // 1. The colorteller listener goes STRICT with a file certificate: the gateway (no client policy) uses TLS anyway.
  await call('UpdateVirtualNode', { meshName: mesh, virtualNodeName: 'colorteller-vn', ...f('updates/colorteller-vn-strict-tls.json') });
  await waitUntil(() => ingress(teller).tls === 'STRICT', { describe: 'colorteller\'s ingress to be STRICT', timeoutMs: 5000 });
  await eventually(gw, '/', 200);
  expect(ingressSsl(teller, 'handshake')).toBeGreaterThanOrEqual(1);
  expect((await plainGet(ingress(teller).port)).status).toBe(0);

  // 2. The gateway validates the colorteller's certificate (trust file + SAN).
  await call('UpdateVirtualGateway', { meshName: mesh, virtualGatewayName: 'gateway-vgw', ...f('updates/gateway-vgw-client-policy.json') });
  await waitUntil(() => (gw.proxy.tls?.certs().certificates ?? []).some((c) => c.ca_cert.length > 0), { describe: 'the gateway to load a trust bundle', timeoutMs: 5000 });
  expect((await viaGateway(gw, '/')).status).toBe(200);

  // 3. The colorteller requires a client certificate naming the gateway: refused until the gateway presents one.
  await call('UpdateVirtualNode', { meshName: mesh, virtualNodeName: 'colorteller-vn', ...f('updates/colorteller-vn-strict-validation.json') });
  await eventually(gw, '/', 503);
  expect(ingressSsl(teller, 'fail_verify_no_cert')).toBeGreaterThanOrEqual(1);

  // 4. The gateway's client certificate: mutual TLS works.
  await call('UpdateVirtualGateway', { meshName: mesh, virtualGatewayName: 'gateway-vgw', ...f('updates/gateway-vgw-client-cert.json') });
  await eventually(gw, '/', 200);
  expect(logs.some((l) => l.includes('certificate file /keys/gateway_cert_chain.pem does not exist: using the local CA'))).toBe(true);
}, 30_000);

test('howto-ingress-gateway (*-tls.json): a STRICT ACM gateway listener and ACM nodes behind it, emulated by the local CA', async () => {
  const dir = path.join(WALKTHROUGHS, 'howto-ingress-gateway', 'mesh');
  const mesh = 'howto-ingress-gateway';
  const arn = 'arn:aws:acm:us-west-2:111122223333:certificate/ingress-gateway';
  const base = { CERTIFICATE_ARN: arn, ROOT_CA_ARN: 'arn:aws:acm-pca:us-west-2:111122223333:certificate-authority/root', VIRTUALSERVICE_NAME: 'colorteller.mesh.local' };
  const f = (name: string, vars: Record<string, string> = {}) => template(path.join(dir, name), { ...base, ...vars });
  await call('CreateMesh', { meshName: mesh, ...f('mesh.json') });
  for (const color of ['white', 'blue']) {
    await call('CreateVirtualNode', { meshName: mesh, virtualNodeName: `colorteller-${color}-vn`, ...f(`colorteller-${color}-vn-tls.json`, { DNS_HOSTNAME: `colorteller-${color}.mesh.local` }) });
  }
  await call('CreateVirtualRouter', { meshName: mesh, virtualRouterName: 'colorteller-vr-1', ...f('colorteller-vr-1.json') });
  await call('CreateRoute', { meshName: mesh, virtualRouterName: 'colorteller-vr-1', routeName: 'colorteller-route-1', ...f('colorteller-route-1.json') });
  await call('CreateVirtualService', { meshName: mesh, virtualServiceName: 'colorteller.mesh.local', ...f('colorteller-vs-1.json') });
  await call('CreateVirtualGateway', { meshName: mesh, virtualGatewayName: 'colorgateway-vg', ...f('colorgateway-vg-backendDefaults.json') });
  await call('CreateGatewayRoute', { meshName: mesh, virtualGatewayName: 'colorgateway-vg', gatewayRouteName: 'colorgateway-route-1', ...f('colorgateway-route-1.json') });
  // One ACM certificate serves the gateway and both nodes (its SANs cover the nodes' DNS names).
  await issue('--mesh', mesh, '--virtual-gateway', 'colorgateway-vg', '--acm-arn', arn,
    '--san', 'colorteller-white.mesh.local', '--san', 'colorteller-blue.mesh.local');
  const nodes = [await sidecar(mesh, 'virtualNode', 'colorteller-white-vn', 9080), await sidecar(mesh, 'virtualNode', 'colorteller-blue-vn', 9080)];
  const gw = await sidecar(mesh, 'virtualGateway', 'colorgateway-vg');
  expect(ingress(gw).tls).toBe('STRICT');
  await eventually(gw, '/color1/tell', 200, true);
  const replies = await Promise.all(Array.from({ length: 20 }, () => viaGateway(gw, '/color1/tell', true)));
  expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
  expect(JSON.parse(replies[0].body).path).toBe('/tell');
  expect(ingressSsl(gw, 'handshake')).toBeGreaterThanOrEqual(21);
  for (const n of nodes) expect(ingressSsl(n, 'handshake')).toBeGreaterThanOrEqual(1);
  // Health checks (/ping) reach the nodes through the same TLS as requests (on their own schedule: waited for).
  const whiteCluster = 'cluster.cds_egress_howto-ingress-gateway_colorteller-white-vn_http_9080';
  await waitUntil(() => (stats(gw)[`${whiteCluster}.health_check.success`] ?? 0) >= 1, { describe: 'a health check of the white cluster over TLS', timeoutMs: 5000 });
  const g = stats(gw);
  expect(g[`${whiteCluster}.health_check.success`]).toBeGreaterThanOrEqual(1);
  expect(g['cluster.cds_egress_howto-ingress-gateway_colorteller-white-vn_http_9080.ssl.fail_verify_san']).toBe(0);
  expect((await viaGateway(gw, '/color1/tell')).status).toBe(0);
  expect(logs.some((l) => l.includes(`ACM is emulated: certificate ${arn} is the local CA's certificate issued for that ARN`))).toBe(true);
}, 30_000);

async function loadCfn(file: string, params: Record<string, string>): Promise<void> {
  const items = renderCfn(path.join(__dirname, 'fixtures', 'cfn', file), params);
  items.sort((a, b) => CREATE_ORDER.indexOf(a.type) - CREATE_ORDER.indexOf(b.type));
  for (const it of items) await call(`Create${it.type}`, it.input);
}

test('CloudFormation howto-tls-file-provided (client validation on): the gateway validates the STRICT file certificate', async () => {
  const mesh = 'howto-tls-file-provided';
  await loadCfn('howto-tls-file-provided.mesh.yaml', {
    MeshName: mesh, ServicesDomain: 'mesh.local', ColorGatewayTlsValidationPath: '/keys/ca_cert.pem', EnableClientValidationFlag: 'true',
  });
  await issue('--mesh', mesh, '--virtual-node', 'ColorTellerWhite', '--certificate-chain-path', '/keys/colorteller_white_cert_chain.pem',
    '--private-key-path', '/keys/colorteller_white_key.pem', '--trust-chain-path', '/keys/ca_cert.pem');
  const white = await sidecar(mesh, 'virtualNode', 'ColorTellerWhite', 80);
  const gw = await sidecar(mesh, 'virtualGateway', 'ColorGateway');
  await eventually(gw, '/', 200);
  expect(ingressSsl(white, 'handshake')).toBeGreaterThanOrEqual(1);
  const cluster = `cluster.cds_egress_${mesh}_ColorTellerWhite_http_80`;
  expect(stats(gw)[`${cluster}.ssl.handshake`]).toBeGreaterThanOrEqual(1);
  // The gateway's client policy: trust the CA behind /keys/ca_cert.pem, SAN = the node's DNS name.
  const tlsCtx = gw.proxy.current!.resources.clusters.find((c) => c.name === `cds_egress_${mesh}_ColorTellerWhite_http_80`)!.transport_socket!;
  expect(JSON.stringify(tlsCtx)).toContain('"trusted_ca":{"filename":"/keys/ca_cert.pem"}');
  expect(JSON.stringify(tlsCtx)).toContain('"exact":"colorteller.mesh.local"');
}, 30_000);

test('CloudFormation tls-with-acm: ACM certificate on the node, ACM PCA trust on the gateway', async () => {
  const mesh = 'tls-with-acm';
  const arn = 'arn:aws:acm:us-west-2:111122223333:certificate/tls-with-acm';
  await loadCfn('tls-with-acm.mesh.yaml', {
    MeshName: mesh, ServicesDomain: 'acm.local', CertificateArn: arn,
    CertificateAuthorityArn: 'arn:aws:acm-pca:us-west-2:111122223333:certificate-authority/tls-with-acm',
  });
  await issue('--mesh', mesh, '--virtual-node', 'ColorTellerWhite', '--acm-arn', arn);
  const white = await sidecar(mesh, 'virtualNode', 'ColorTellerWhite', 80);
  const gw = await sidecar(mesh, 'virtualGateway', 'ColorGateway');
  await eventually(gw, '/', 200);
  expect(ingressSsl(white, 'handshake')).toBeGreaterThanOrEqual(1);
  expect(stats(gw)[`cluster.cds_egress_${mesh}_ColorTellerWhite_http_80.ssl.handshake`]).toBeGreaterThanOrEqual(1);
  expect(logs.some((l) => l.startsWith('ColorTellerWhite: ') && l.includes(`ACM is emulated: certificate ${arn}`))).toBe(true);
  expect(logs.some((l) => l.startsWith('ColorGateway: ') && l.includes('ACM is emulated: arn:aws:acm-pca:'))).toBe(true);
}, 30_000);
