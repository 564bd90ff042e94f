// Every virtual node and gateway of the EC2 walkthrough and of the corpus of real App Mesh specs,
// loaded into a local mesh: the static bootstrap (`awsmesh envoy config`, TLS secrets inline), the
// ADS bootstrap and each xDS resource (Envoy and proxyless gRPC flavours, Secrets from a local CA)
// decode strictly against Envoy's protos. Golden checks pin App Mesh's names and the walkthrough's weights.

import { dynamicBootstrap, staticBootstrap } from '../../src/xds/bootstrap';
import { encodeEnvoyResource, errorsOnly, formatIssues, validateEnvoyJson } from '../../src/envoy/validate';
import type { TranslationResult } from '../../src/envoy/translate';
import { apiEndpointResolver } from '../../src/xds/endpoints';
import { MeshConfigSource } from '../../src/xds/mesh-source';
import { proxylessResources } from '../../src/xds/proxyless';
import { XDS_TYPES, type XdsResources } from '../../src/xds/resource-types';
import { adsSecretRefs, resolveStaticSecrets } from '../../src/xds/secrets';
import type { NodeIdentity } from '../../src/xds/node-id';
import { CaStore } from '../../src/tls/ca/store';
import { loadCorpusMeshes, loadWalkthrough, openLocalMeshes, REGION, type LoadedMesh, type LocalMeshes } from './helpers/corpus-mesh';

let m: LocalMeshes;
let source: MeshConfigSource;
let walkthrough: LoadedMesh;
let corpus: { meshes: LoadedMesh[]; failures: string[] };
let ca: CaStore;
/** Secrets resolved across the corpus, by kind (the TLS walkthroughs must contribute some). */
const secretKinds = { certificate: 0, validation: 0 };

beforeAll(async () => {
  m = openLocalMeshes();
  walkthrough = await loadWalkthrough(m);
  corpus = await loadCorpusMeshes(m);
  source = new MeshConfigSource({ backend: m.backend, region: REGION, endpoints: apiEndpointResolver(m.backend) });
  ca = CaStore.forHome(m.home);
}, 60_000);

afterAll(async () => {
  await m?.close();
});

async function translate(mesh: string, kind: 'virtualNode' | 'virtualGateway', name: string): Promise<TranslationResult> {
  const r = await source.resources({ mesh, kind, name });
  if (!r) throw new Error(`${kind} ${name} not found in ${mesh}`);
  return r;
}

/**
 * The proxy's resources with the secrets it fetches over ADS (SDS ones too, as `envoy bootstrap`
 * sets it up), from the test's local CA: ACM certificates are issued on demand, SDS secrets are
 * issued here first as `awsmesh local ca issue --secret-name` would.
 */
async function withSecrets(r: TranslationResult): Promise<XdsResources> {
  const [, mesh, kind, name] = r.node.id.split('/');
  const node: NodeIdentity = { mesh, kind: kind as NodeIdentity['kind'], name, region: REGION };
  for (const [secret, use] of adsSecretRefs(r, { sdsOverAds: true }).refs) {
    if (use !== 'certificate' || secret.startsWith('arn:') || ca.bySecretName(secret)) continue;
    await ca.issue({
      commonName: name, dns: [], uris: [`spiffe://${mesh}/${kind}/${name}`], days: 1,
      describe: { secretNames: [secret], acmArns: [], certificateChainPaths: [], privateKeyPaths: [], trustChainPaths: [] },
    });
  }
  const resolved = await resolveStaticSecrets(r, node, { ca, sdsOverAds: true, acmSans: (arn) => source.acmSans(node, arn) });
  for (const s of (resolved.secrets ?? []) as any[]) secretKinds[s.tls_certificate ? 'certificate' : 'validation']++;
  return resolved;
}

/** Problems (errors only) of everything we would hand an Envoy or a gRPC client for this proxy. */
async function problems(label: string, translated: TranslationResult): Promise<string[]> {
  const out: string[] = [];
  const r = { ...translated, ...(await withSecrets(translated)) };
  const boot = validateEnvoyJson(staticBootstrap(r, { node: r.node }));
  if (errorsOnly(boot).length) out.push(`${label} static bootstrap:\n${formatIssues(errorsOnly(boot))}`);
  const dyn = errorsOnly(validateEnvoyJson(dynamicBootstrap({ node: r.node, xdsAddress: '127.0.0.1:15010' })));
  if (dyn.length) out.push(`${label} ADS bootstrap:\n${formatIssues(dyn)}`);
  const flavours: Array<[string, XdsResources]> = [['envoy', r], ['grpc', proxylessResources(r)]];
  for (const [flavour, resources] of flavours) {
    for (const type of XDS_TYPES) {
      for (const resource of resources[type.key] ?? []) {
        try {
          encodeEnvoyResource(type.message, resource);
        } catch (e) {
          out.push(`${label} ${flavour} ${type.short} ${type.nameOf(resource)}: ${(e as Error).message}`);
        }
      }
    }
  }
  return out;
}

test('the corpus loads into local meshes without errors', () => {
  expect(corpus.failures).toEqual([]);
  expect(corpus.meshes.length).toBeGreaterThanOrEqual(15);
});

test('every walkthrough and corpus virtual node and gateway yields config Envoy accepts', async () => {
  const found: string[] = [];
  let proxies = 0;
  for (const mesh of [walkthrough, ...corpus.meshes]) {
    for (const [kind, names] of [['virtualNode', mesh.nodes], ['virtualGateway', mesh.gateways]] as const) {
      for (const name of names) {
        proxies++;
        found.push(...(await problems(`${mesh.mesh}/${kind}/${name}`, await translate(mesh.mesh, kind, name))));
      }
    }
  }
  expect(found).toEqual([]);
  expect(proxies).toBeGreaterThanOrEqual(60);
  // The TLS walkthroughs' ACM, SDS and PCA references all resolved (11 certificates, 4 trust bundles today).
  expect(secretKinds.certificate).toBeGreaterThanOrEqual(8);
  expect(secretKinds.validation).toBeGreaterThanOrEqual(3);
}, 60_000);

describe('golden: the EC2 walkthrough after update-route (75/25)', () => {
  let a: TranslationResult;
  let boot: any;
  beforeAll(async () => {
    a = await translate('apps', 'virtualNode', 'serviceA');
    boot = staticBootstrap(a, { node: a.node });
  });

  test('node identity and App Mesh listener names', () => {
    expect(boot.node).toEqual({ id: 'mesh/apps/virtualNode/serviceA', cluster: 'mesh/apps/virtualNode/serviceA' });
    expect(boot.admin.address.socket_address).toEqual({ address: '0.0.0.0', port_value: 9901 });
    expect(boot.static_resources.listeners.map((l: any) => [l.name, l.address.socket_address.port_value, l.traffic_direction])).toEqual([
      ['lds_ingress_0.0.0.0_15000', 15000, 'INBOUND'],
      ['lds_egress_0.0.0.0_15001', 15001, 'OUTBOUND'],
    ]);
  });

  test('the egress route sends serviceb.apps.local 75/25 to serviceB/serviceBv2 with App Mesh defaults', () => {
    const egress = boot.static_resources.listeners[1].filter_chains[0].filters[0].typed_config;
    expect(egress.stat_prefix).toBe('egress');
    expect(egress.route_config.name).toBe('rds_egress_http_15001');
    const vh = egress.route_config.virtual_hosts.find((v: any) => v.name === 'serviceb.apps.local');
    expect(vh.domains).toEqual(['serviceb.apps.local', 'serviceb.apps.local:80']);
    expect(vh.routes).toHaveLength(1);
    const action = vh.routes[0].route;
    expect(action.weighted_clusters.clusters.map((c: any) => [c.name, c.weight])).toEqual([
      ['cds_egress_apps_serviceB_http2_80', 75],
      ['cds_egress_apps_serviceBv2_http2_80', 25],
    ]);
    expect(action.timeout).toBe('15s');
    expect(action.retry_policy).toMatchObject({
      retry_on: 'unavailable,connect-failure,refused-stream,retriable-status-codes',
      num_retries: 2,
      retriable_status_codes: [503],
      retry_host_predicate: [expect.objectContaining({ name: 'envoy.retry_host_predicates.previous_hosts' })],
    });
  });

  test('clusters: App Mesh names, open circuit breakers, the local app behind the ingress', () => {
    const clusters = boot.static_resources.clusters;
    expect(clusters.map((c: any) => c.name).sort()).toEqual([
      'cds_egress_apps_serviceB_http2_80', 'cds_egress_apps_serviceBv2_http2_80', 'cds_ingress_apps_serviceA_http2_80',
    ]);
    for (const c of clusters) expect(c.circuit_breakers.thresholds[0].max_requests).toBe(2147483647);
    const ingress = clusters.find((c: any) => c.name === 'cds_ingress_apps_serviceA_http2_80');
    expect(ingress.connect_timeout).toBe('0.250s');
    expect(ingress.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 80 });
    // DNS service discovery (the walkthrough's serviceB.apps.local) is a DNS cluster of that host name.
    const b = clusters.find((c: any) => c.name === 'cds_egress_apps_serviceB_http2_80');
    expect(b.type).toBe('LOGICAL_DNS');
    expect(b.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: 'serviceB.apps.local', port_value: 80 });
  });

  test('proxyless gRPC clients get an api_listener for the virtual service and EDS clusters', () => {
    const g = proxylessResources(a, { locality: REGION }) as any;
    expect(g.listeners.map((l: any) => l.name)).toEqual(['serviceb.apps.local', 'serviceb.apps.local:80']);
    expect(g.listeners[0].api_listener.api_listener.rds.route_config_name).toBe('serviceb.apps.local');
    expect(g.routeConfigs[0].virtual_hosts[0].routes[0].route.weighted_clusters.clusters.map((c: any) => c.weight)).toEqual([75, 25]);
    expect(g.clusters.map((c: any) => [c.name, c.type])).toEqual([
      ['cds_egress_apps_serviceB_http2_80', 'EDS'], ['cds_egress_apps_serviceBv2_http2_80', 'EDS'],
    ]);
  });
});

test('golden: a virtual gateway (howto-ingress-gateway) routes through its self-redirect cluster', async () => {
  const mesh = corpus.meshes.find((x) => x.mesh === 'howto-ingress-gateway')!;
  const gw = mesh.gateways.find((g) => g === 'colorgateway-vg')!;
  const r = await translate(mesh.mesh, 'virtualGateway', gw);
  const boot = staticBootstrap({ ...r, ...(await withSecrets(r)) }, { node: r.node });
  expect(boot.node.id).toBe(`mesh/howto-ingress-gateway/virtualGateway/${gw}`);
  const names = boot.static_resources.listeners.map((l: any) => l.name);
  expect(names.sort()).toEqual(['lds_egress_0.0.0.0_15001', 'lds_ingress_0.0.0.0_9080']);
  expect(boot.static_resources.clusters.map((c: any) => c.name)).toContain(`cds_ingress_howto-ingress-gateway_${gw}_self_redirect_http_15001`);
  // Its listener's ACM certificate is inline, referenced as a static secret (no ADS without a control plane).
  const tls = boot.static_resources.listeners.find((l: any) => l.name === 'lds_ingress_0.0.0.0_9080').filter_chains[0].transport_socket.typed_config;
  const [ref] = tls.common_tls_context.tls_certificate_sds_secret_configs;
  expect(ref.name).toMatch(/^arn:aws:acm:/);
  expect(ref.sds_config).toBeUndefined();
  const secret = boot.static_resources.secrets.find((s: any) => s.name === ref.name);
  expect(secret.tls_certificate.certificate_chain.inline_string).toContain('-----BEGIN CERTIFICATE-----');
  expect(secret.tls_certificate.private_key.inline_string).toContain('PRIVATE KEY-----');
});
