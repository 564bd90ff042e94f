// Secrets over ADS, seen from Envoy-like clients on real loopback gRPC streams: ACM certificates
// (issued on demand by the local CA) and ACM PCA trust for the node that uses them, pushed again
// when the CA re-issues; nothing for nodes that do not use them; App Mesh SDS secrets over ADS when
// the bootstrap's node metadata asks for it (the agent's socket otherwise); a name used both as
// certificate and as trust split in two; and no key material in logs or CSDS.

import { createPrivateKey, createPublicKey, X509Certificate } from 'crypto';
import * as grpc from '@grpc/grpc-js';
import { startAdsServer, TYPE_URLS, type AdsServerHandle } from '../../src/xds';
import { AdsClient } from '../../src/xds/ads-client';
import { sdsMetadata } from '../../src/xds/node-id';
import { csdsService, type ClientStatusResponse, type DiscoveryResponse } from '../../src/xds/protocol';
import { toStruct } from '../../src/envoy/validate/struct';
import { SDS_CLUSTER } from '../../src/envoy/translate/tls';
import { decodeEnvoyResource } from '../../src/envoy/validate';
import { CaStore } from '../../src/tls/ca/store';
import { runCli } from '../helpers/run-cli';
import { serviceAResources, StaticSource } from './helpers/static-source';
import { ARN_BACK, ARN_FRONT, ARN_SHARED, createTlsMesh, PCA_ARN, type TlsMesh } from './helpers/tls-mesh';
import { waitUntil } from '../helpers/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let mesh: TlsMesh;
let ca: CaStore;
let ads: AdsServerHandle;
const logs: string[] = [];
const clients: AdsClient[] = [];

beforeAll(async () => {
  mesh = await createTlsMesh();
  ca = CaStore.forHome(mesh.home);
  ads = await startAdsServer({ backend: mesh.backend, caDir: ca.dir, secretPollMs: 50, log: (l) => logs.push(l) });
});

afterAll(async () => {
  for (const c of clients.splice(0)) c.close();
  await ads?.close();
  await mesh?.close();
});

function client(name: string, opts: { sds?: 'ads' | 'socket'; envoyLike?: boolean; kind?: string } = {}): AdsClient {
  const node: Json = { id: `mesh/apps/${opts.kind ?? 'virtualNode'}/${name}` };
  if (opts.sds) node.metadata = toStruct(sdsMetadata(opts.sds));
  const c = new AdsClient(ads.address, node, { envoyLike: opts.envoyLike });
  clients.push(c);
  return c;
}

const isSecrets = (r: { type_url: string }) => r.type_url === TYPE_URLS.secret;

function sdsStatus(nodeId: string) {
  return ads.status().clients.find((c) => c.nodeId === nodeId)?.types.find((t) => t.type === 'SDS');
}

/** The certificate's public key is the private key's. */
function keyMatches(chainPem: string, keyPem: string): boolean {
  const fromCert = new X509Certificate(chainPem).publicKey.export({ format: 'der', type: 'spki' });
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ format: 'der', type: 'spki' });
  return Buffer.compare(fromCert, fromKey) === 0;
}

test('a node with ACM listener TLS and an ACM PCA client policy gets both Secrets, ACKs them, and a re-issue pushes a new version', async () => {
  expect(ca.initialised()).toBe(false);
  const c = client('front').start();
  // Like Envoy, the client names the listener's secret first, then the cluster's too.
  const first = await c.waitFor((r) => isSecrets(r) && r.resources.length === 2);
  const secrets = AdsClient.decode(first);
  expect(secrets.map((s) => s.name)).toEqual([PCA_ARN, ARN_FRONT]);
  expect(first.version_info).toBe('1');

  // The ACM certificate: issued on first use by the local CA, for front's App Mesh names, with its key.
  const [trust, cert] = secrets;
  const chain = cert.tls_certificate.certificate_chain.inline_string as string;
  const key = cert.tls_certificate.private_key.inline_string as string;
  const x509 = new X509Certificate(chain);
  expect(x509.subjectAltName).toContain('DNS:front.apps.local');
  expect(x509.subjectAltName).toContain('URI:spiffe://apps/virtualNode/front');
  expect(x509.verify(new X509Certificate(ca.rootPem()).publicKey)).toBe(true);
  expect(keyMatches(chain, key)).toBe(true);
  expect(ca.byAcmArn(ARN_FRONT)).toMatchObject({ virtualNode: 'front', mesh: 'apps', serialNumber: x509.serialNumber });
  // The PCA trust: the local CA's root as a validation context, nothing else.
  expect(trust).toEqual({ name: PCA_ARN, validation_context: { trusted_ca: { inline_string: ca.rootPem() } } });
  expect(logs).toContainEqual(expect.stringMatching(new RegExp(`ACM is emulated: the local CA issued certificate ${x509.serialNumber} for ${ARN_FRONT}`)));

  // What the client asked for is what front's listener and cluster TLS contexts name over ADS.
  const lds = await c.waitFor((r) => r.type_url === TYPE_URLS.listener);
  const cds = await c.waitFor((r) => r.type_url === TYPE_URLS.cluster);
  expect(AdsClient.secretNames(AdsClient.decode(lds))).toEqual([ARN_FRONT]);
  expect(AdsClient.secretNames(AdsClient.decode(cds))).toEqual([PCA_ARN]);
  await waitUntil(() => sdsStatus('mesh/apps/virtualNode/front')?.state === 'SYNCED', { describe: 'SDS SYNCED for front' });
  expect(sdsStatus('mesh/apps/virtualNode/front')).toMatchObject({ sentVersion: '1', ackedVersion: '1', subscribed: [PCA_ARN, ARN_FRONT] });

  // Re-issue through the CLI, as a user rotating the certificate would: only SDS moves, to version 2.
  const before = c.responses.length;
  const reissue = await runCli(['local', 'ca', 'issue', '--mesh', 'apps', '--virtual-node', 'front', '--acm-arn', ARN_FRONT], { home: mesh.home });
  expect(reissue.code).toBe(0);
  const second = await c.waitFor((r) => isSecrets(r) && r.version_info === '2', 10_000, before);
  const rotated = AdsClient.decode(second).find((s) => s.name === ARN_FRONT)!;
  const newChain = rotated.tls_certificate.certificate_chain.inline_string as string;
  expect(new X509Certificate(newChain).serialNumber).toBe(JSON.parse(reissue.stdout).certificate.serialNumber);
  expect(new X509Certificate(newChain).serialNumber).not.toBe(x509.serialNumber);
  expect(keyMatches(newChain, rotated.tls_certificate.private_key.inline_string)).toBe(true);
  await waitUntil(() => sdsStatus('mesh/apps/virtualNode/front')?.ackedVersion === '2', { describe: 'SDS version 2 ACKed by front' });
  expect(c.responses.slice(before).map((r) => r.type_url)).toEqual([TYPE_URLS.secret]);
});

test('a node asking for another node\'s secrets gets nothing, and each node gets only its own', async () => {
  const nosy = client('plain', { envoyLike: false });
  nosy.subscribe(TYPE_URLS.secret, [ARN_FRONT, PCA_ARN, ARN_BACK]);
  const r = await nosy.waitFor(isSecrets);
  expect(r.resources).toEqual([]);
  expect(logs).toContainEqual(expect.stringContaining(`mesh/apps/virtualNode/plain asked for SDS ${ARN_FRONT}, ${PCA_ARN}, ${ARN_BACK}, which its listeners and clusters do not use; not served`));
  // A wildcard request is no way around it either.
  const wildcard = client('plain', { envoyLike: false });
  wildcard.subscribe(TYPE_URLS.secret);
  expect((await wildcard.waitFor(isSecrets)).resources).toEqual([]);

  // back gets its own certificate, never front's, even when it names it.
  const back = client('back', { envoyLike: false });
  back.subscribe(TYPE_URLS.secret, [ARN_BACK, ARN_FRONT]);
  const own = await back.waitFor(isSecrets);
  expect(AdsClient.decode(own).map((s) => s.name)).toEqual([ARN_BACK]);
  expect(new X509Certificate(AdsClient.decode(own)[0].tls_certificate.certificate_chain.inline_string).subjectAltName).toContain('DNS:back.apps.local');
});

test('App Mesh SDS secrets come over ADS when the bootstrap says so (served once issued), from the agent socket otherwise', async () => {
  await ca.init();
  const viaAds = client('sdsnode', { sds: 'ads' }).start();
  const viaSocket = client('sdsnode').start();
  const adsLds = await viaAds.waitFor((r) => r.type_url === TYPE_URLS.listener);
  const socketLds = await viaSocket.waitFor((r) => r.type_url === TYPE_URLS.listener);
  expect(AdsClient.secretNames(AdsClient.decode(adsLds))).toEqual(['mesh-bundle', 'sdsnode-cert']);
  expect(AdsClient.secretNames(AdsClient.decode(socketLds))).toEqual([]);
  expect(tlsContext(socketLds).common_tls_context.tls_certificate_sds_secret_configs[0].sds_config.api_config_source.grpc_services[0].envoy_grpc.cluster_name).toBe(SDS_CLUSTER);

  // Not issued yet: the trust bundle is served, the certificate is not (Envoy keeps the listener warming).
  const partial = await viaAds.waitFor(isSecrets);
  expect(AdsClient.decode(partial).map((s) => s.name)).toEqual(['mesh-bundle']);
  expect(AdsClient.decode(partial)[0].validation_context.trusted_ca.inline_string).toBe(ca.rootPem());
  expect(logs).toContainEqual(expect.stringContaining('secret sdsnode-cert of mesh/apps/virtualNode/sdsnode is not served yet'));

  const before = viaAds.responses.length;
  const issued = await runCli(['local', 'ca', 'issue', '--mesh', 'apps', '--virtual-node', 'sdsnode', '--secret-name', 'sdsnode-cert'], { home: mesh.home });
  expect(issued.code).toBe(0);
  const full = await viaAds.waitFor((r) => isSecrets(r) && r.resources.length === 2, 10_000, before);
  const cert = AdsClient.decode(full).find((s) => s.name === 'sdsnode-cert')!;
  expect(new X509Certificate(cert.tls_certificate.certificate_chain.inline_string).serialNumber).toBe(JSON.parse(issued.stdout).certificate.serialNumber);
  // The socket-SDS stream of the same node never subscribed to Secrets.
  expect(viaSocket.responses.some(isSecrets)).toBe(false);
});

test('a gateway whose certificate ARN also names the trust for its STRICT ACM target gets two Secrets', async () => {
  const c = client('gw', { kind: 'virtualGateway' }).start();
  const r = await c.waitFor((x) => isSecrets(x) && x.resources.length === 2);
  const [cert, trust] = AdsClient.decode(r);
  expect([cert.name, trust.name]).toEqual([ARN_SHARED, `${ARN_SHARED}#validation`]);
  expect(trust.validation_context.trusted_ca.inline_string).toBe(ca.rootPem());
  // Issued on demand with the names of every proxy using the ARN: the gateway's first.
  const sans = new X509Certificate(cert.tls_certificate.certificate_chain.inline_string).subjectAltName;
  expect(sans).toContain('URI:spiffe://apps/virtualGateway/gw');
  expect(sans).toContain('DNS:shared.apps.local');
  expect(sans).toContain('URI:spiffe://apps/virtualNode/shared');
  const cds = await c.waitFor((x) => x.type_url === TYPE_URLS.cluster);
  expect(AdsClient.secretNames(AdsClient.decode(cds))).toEqual([`${ARN_SHARED}#validation`]);
});

test('CSDS and `envoy status` show Secret versions but never their contents; logs hold no key material', async () => {
  await waitUntil(() => sdsStatus('mesh/apps/virtualNode/front')?.state === 'SYNCED', { describe: 'SDS SYNCED for front' });
  const Client = grpc.makeGenericClientConstructor(csdsService(), 'ClientStatusDiscoveryService');
  const raw = new Client(ads.address, grpc.credentials.createInsecure()) as unknown as Json;
  let response: ClientStatusResponse;
  try {
    response = await new Promise<ClientStatusResponse>((resolve, reject) => {
      raw.FetchClientStatus({ exclude_resource_contents: false }, (err: Error | null, res: ClientStatusResponse) => (err ? reject(err) : resolve(res)));
    });
  } finally {
    raw.close();
  }
  const front = response.config.find((c) => c.node.id === 'mesh/apps/virtualNode/front')!;
  const sds = front.generic_xds_configs.filter((g) => g.type_url === TYPE_URLS.secret);
  expect(sds.map((g) => [g.name, g.config_status])).toEqual([[PCA_ARN, 'SYNCED'], [ARN_FRONT, 'SYNCED']]);
  for (const g of sds) expect(g.xds_config).toBeFalsy();
  // Other types' contents are there (this is not a blanket omission).
  expect(front.generic_xds_configs.find((g) => g.type_url === TYPE_URLS.listener)?.xds_config?.value.length).toBeGreaterThan(0);
  const dumped = Buffer.concat(response.config.flatMap((c) => c.generic_xds_configs).map((g) => Buffer.from(g.xds_config?.value ?? [])));
  expect(dumped.includes('PRIVATE KEY')).toBe(false);

  const table = await runCli(['envoy', 'status', '--xds-address', ads.address]);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^NODE\s+CLIENT\s+LDS\s+RDS\s+CDS\s+EDS\s+SDS\s+NACKS/);
  expect(table.stdout).toMatch(/mesh\/apps\/virtualNode\/front\s+envoy\s+SYNCED v\d+\s+SYNCED v\d+\s+SYNCED v\d+\s+-\s+SYNCED v2\s+0/);
  expect(table.stdout).not.toContain('PRIVATE KEY');

  expect(logs.length).toBeGreaterThan(0);
  expect(logs.filter((l) => /PRIVATE KEY|BEGIN CERTIFICATE/.test(l))).toEqual([]);
});

test('every Secret is validated strictly before it is sent; an invalid one is logged by field path only', async () => {
  const node = 'mesh/apps/virtualNode/custom';
  const resources = serviceAResources({ serviceB: 1, serviceBv2: 1 }, { serviceB: 1, serviceBv2: 2 });
  (resources.listeners[0] as Json).filter_chains[0].transport_socket = {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
      common_tls_context: {
        tls_certificate_sds_secret_configs: [{ name: 'broken', sds_config: { ads: {}, resource_api_version: 'V3' } }],
        validation_context_sds_secret_config: { name: 'bundle', sds_config: { ads: {}, resource_api_version: 'V3' } },
      },
    },
  };
  resources.secrets = [
    // Not base64: the validator's message would quote the value, which must not reach the log.
    { name: 'broken', tls_certificate: { certificate_chain: { inline_string: 'chain' }, private_key: { inline_bytes: 'SUPERSECRETKEY!!' } } },
    { name: 'bundle', validation_context: { trusted_ca: { inline_string: 'ca' } } },
  ];
  const own: string[] = [];
  const server = await startAdsServer({ source: new StaticSource({ [node]: resources }), caDir: ca.dir, log: (l) => own.push(l) });
  const c = new AdsClient(server.address, { id: node });
  try {
    c.start();
    const r = await c.waitFor((x) => isSecrets(x) && x.resources.length > 0);
    expect(AdsClient.decode(r).map((s) => s.name)).toEqual(['bundle']);
    expect(own).toContainEqual(`xDS: not serving SDS broken of ${node}: invalid at tls_certificate.private_key.inline_bytes`);
    expect(own.join('\n')).not.toContain('SUPERSECRETKEY');
    expect(server.status().clients[0].invalid).toEqual(['SDS broken']);
  } finally {
    c.close();
    await server.close();
  }
});

/** The TLS context of a listener response's first filter chain, decoded. */
function tlsContext(lds: DiscoveryResponse): Json {
  const any = AdsClient.decode(lds)[0].filter_chains[0].transport_socket.typed_config;
  return decodeEnvoyResource(any.type_url.split('/').pop(), any.value);
}
