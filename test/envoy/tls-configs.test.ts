// `awsmesh envoy config` and `envoy bootstrap` for proxies with TLS: the static config inlines the
// certificates a real Envoy would otherwise fetch over ADS or SDS (as static_resources.secrets, from
// the local CA), the ADS bootstrap sends SDS to ADS unless an agent socket is given, and both pass
// the strict validator.

import * as fs from 'fs';
import * as path from 'path';
import { X509Certificate } from 'crypto';
import { errorsOnly, validateEnvoyJson } from '../../src/envoy/validate';
import { SDS_CLUSTER } from '../../src/envoy/translate/tls';
import { CaStore } from '../../src/tls/ca/store';
import { runCli } from '../helpers/run-cli';
import { ARN_FRONT, ARN_SHARED, createTlsMesh, PCA_ARN, type TlsMesh } from '../xds/helpers/tls-mesh';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let mesh: TlsMesh;
let ca: CaStore;

beforeAll(async () => {
  mesh = await createTlsMesh('awsmesh-envoy-tls-');
  ca = CaStore.forHome(mesh.home);
});

afterAll(async () => {
  await mesh?.close();
});

const run = (...args: string[]) => runCli(args, { home: mesh.home });

/** Every SdsSecretConfig of the listeners and clusters, as [name, where it comes from]. */
function secretRefs(doc: Json): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Json)) {
      const configs = k === 'tls_certificate_sds_secret_configs' ? x : k === 'validation_context_sds_secret_config' ? [x] : undefined;
      if (configs) {
        for (const c of configs as Json[]) {
          out.push([c.name, !c.sds_config ? 'static' : c.sds_config.ads ? 'ads' : c.sds_config.api_config_source.grpc_services[0].envoy_grpc.cluster_name]);
        }
      } else walk(x);
    }
  };
  walk([doc.static_resources.listeners, doc.static_resources.clusters]);
  return out.sort(([a], [b]) => (a < b ? -1 : 1));
}

describe('envoy config (static): certificates inline', () => {
  test('ACM certificate and ACM PCA trust become static secrets; the config validates and has no ADS left', async () => {
    const r = await run('envoy', 'config', '--mesh', 'apps', '--virtual-node', 'front', '--validate');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`ACM is emulated: the local CA issued certificate`);
    expect(r.stderr).not.toMatch(/PRIVATE KEY|^error:/m);
    const doc = JSON.parse(r.stdout);
    expect(errorsOnly(validateEnvoyJson(doc))).toEqual([]);
    expect(secretRefs(doc)).toEqual([[PCA_ARN, 'static'], [ARN_FRONT, 'static']]);
    expect(JSON.stringify(doc)).not.toContain('"ads"');
    const secrets = new Map((doc.static_resources.secrets as Json[]).map((s) => [s.name, s]));
    expect([...secrets.keys()]).toEqual([PCA_ARN, ARN_FRONT]);
    const chain = secrets.get(ARN_FRONT)!.tls_certificate.certificate_chain.inline_string;
    expect(new X509Certificate(chain).serialNumber).toBe(ca.byAcmArn(ARN_FRONT)!.serialNumber);
    expect(secrets.get(ARN_FRONT)!.tls_certificate.private_key.inline_string).toBe(fs.readFileSync(ca.byAcmArn(ARN_FRONT)!.privateKeyPath, 'utf8'));
    expect(secrets.get(PCA_ARN)).toEqual({ name: PCA_ARN, validation_context: { trusted_ca: { inline_string: ca.rootPem() } } });
    // Running it again uses the certificate issued the first time.
    const again = JSON.parse((await run('envoy', 'config', '--mesh', 'apps', '--virtual-node', 'front')).stdout);
    expect(again.static_resources.secrets).toEqual(doc.static_resources.secrets);

    // `envoy validate` reads the written file the same way.
    const file = path.join(mesh.home, 'front-envoy.json');
    fs.writeFileSync(file, r.stdout);
    expect((await run('envoy', 'validate', file)).code).toBe(0);
  });

  test('a gateway sharing its ACM ARN with its STRICT target: certificate and trust are two secrets', async () => {
    const r = await run('envoy', 'config', '--mesh', 'apps', '--virtual-gateway', 'gw', '--validate');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(secretRefs(doc)).toEqual([[ARN_SHARED, 'static'], [`${ARN_SHARED}#validation`, 'static']]);
    expect(doc.static_resources.secrets.map((s: Json) => [s.name, Object.keys(s)[1]])).toEqual([
      [ARN_SHARED, 'tls_certificate'], [`${ARN_SHARED}#validation`, 'validation_context'],
    ]);
  });

  test('an SDS secret not issued yet fails clearly (exit 255, nothing printed); --sds-socket-path leaves it to the agent', async () => {
    const missing = await run('envoy', 'config', '--mesh', 'apps', '--virtual-node', 'sdsnode');
    expect(missing.code).toBe(255);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('SDS secret sdsnode-cert is not in the local CA yet (awsmesh local ca issue … --secret-name sdsnode-cert)');
    expect(missing.stderr).toContain('--sds-socket-path');
    expect(missing.stderr).not.toMatch(/\n\s+at /);

    const agent = await run('envoy', 'config', '--mesh', 'apps', '--virtual-node', 'sdsnode', '--sds-socket-path', '/run/spire/agent.sock', '--validate');
    expect(agent.code).toBe(0);
    const doc = JSON.parse(agent.stdout);
    expect(secretRefs(doc)).toEqual([['mesh-bundle', SDS_CLUSTER], ['sdsnode-cert', SDS_CLUSTER]]);
    expect(doc.static_resources.secrets).toBeUndefined();
    const sds = doc.static_resources.clusters.find((c: Json) => c.name === SDS_CLUSTER);
    expect(sds.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({ pipe: { path: '/run/spire/agent.sock' } });

    // Once issued, the default inlines it too.
    expect((await run('local', 'ca', 'issue', '--mesh', 'apps', '--virtual-node', 'sdsnode', '--secret-name', 'sdsnode-cert')).code).toBe(0);
    const inline = await run('envoy', 'config', '--mesh', 'apps', '--virtual-node', 'sdsnode', '--validate');
    expect(inline.code).toBe(0);
    const inlined = JSON.parse(inline.stdout);
    expect(secretRefs(inlined)).toEqual([['mesh-bundle', 'static'], ['sdsnode-cert', 'static']]);
    expect(inlined.static_resources.clusters.map((c: Json) => c.name)).not.toContain(SDS_CLUSTER);
    expect(inlined.static_resources.secrets.map((s: Json) => s.name)).toEqual(['mesh-bundle', 'sdsnode-cert']);
  });
});

describe('envoy bootstrap (ADS) for TLS nodes', () => {
  test('SDS over ADS by default (node metadata), valid; --sds-socket-path keeps the agent socket', async () => {
    for (const node of ['front', 'sdsnode']) {
      const r = await run('envoy', 'bootstrap', '--mesh', 'apps', '--virtual-node', node, '--validate');
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      const doc = JSON.parse(r.stdout);
      expect(doc.node.metadata).toEqual({ awsmesh: { sds: 'ads' } });
      expect(doc.static_resources.clusters.map((c: Json) => c.name)).toEqual(['xds_cluster']);
      expect(errorsOnly(validateEnvoyJson(doc))).toEqual([]);
    }
    const socket = await run('envoy', 'bootstrap', '--mesh', 'apps', '--virtual-node', 'sdsnode', '--sds-socket-path', '/run/spire/agent.sock', '--validate');
    expect(socket.code).toBe(0);
    const doc = JSON.parse(socket.stdout);
    expect(doc.node.metadata).toEqual({ awsmesh: { sds: 'socket' } });
    expect(doc.static_resources.clusters.map((c: Json) => c.name)).toEqual(['xds_cluster', SDS_CLUSTER]);
  });
});
