// The translator's TLS output (dataplane.md §1.11), checked against Envoy's protos: ACM and SDS
// sources, SANs with every trust kind, App Mesh's negotiation rules without a client policy,
// virtual gateway listeners, and what the local proxy reads back from it.

import { translateVirtualGateway, translateVirtualNode, type TranslationResult } from '../../src/envoy/translate';
import { errorsOnly, formatIssues, RESOURCE_TYPES, validateEnvoyJson } from '../../src/envoy/validate';
import type { ClientPolicy, ListenerTls } from '../../src/mesh/types';
import { downstreamSettings, upstreamSettings } from '../../src/tls/envoy-tls';
import { SnapshotBuilder } from '../envoy-translate/snapshot-builder';

const ARN = 'arn:aws:acm:us-west-2:111122223333:certificate/abc';
const PCA = 'arn:aws:acm-pca:us-west-2:111122223333:certificate-authority/root';

function valid(r: TranslationResult): void {
  for (const [items, type] of [[r.listeners, RESOURCE_TYPES.listener], [r.clusters, RESOURCE_TYPES.cluster]] as const) {
    for (const item of items) {
      const errors = errorsOnly(validateEnvoyJson(item, type));
      if (errors.length) throw new Error(`${type}:\n${formatIssues(errors)}\n${JSON.stringify(item, null, 1)}`);
    }
  }
}

/** caller → svc.local → node `srv` (listener 8443 with `tls`), caller's backend policy `policy`. */
function pair(tls: ListenerTls | undefined, policy?: ClientPolicy) {
  const snap = new SnapshotBuilder()
    .node('caller', { backends: [{ virtualService: { virtualServiceName: 'svc.local', ...(policy ? { clientPolicy: policy } : {}) } }] })
    .node('srv', { listeners: [{ portMapping: { port: 8443, protocol: 'http' }, ...(tls ? { tls } : {}) }], serviceDiscovery: { awsCloudMap: { namespaceName: 'apps.local', serviceName: 'srv' } } })
    .service('svc.local', { node: 'srv' })
    .build();
  const caller = translateVirtualNode(snap, 'caller');
  const srv = translateVirtualNode(snap, 'srv');
  valid(caller);
  valid(srv);
  const upstream = caller.clusters.find((c) => c.name === 'cds_egress_apps_srv_http_8443')!.transport_socket;
  return { caller, srv, upstream };
}

const FILE_CERT = { file: { certificateChain: '/keys/srv.pem', privateKey: '/keys/srv.key' } };

describe('listener TLS', () => {
  test('ACM certificate: an ADS secret named by the ARN (no longer plaintext), with a note that it is emulated', () => {
    const { srv } = pair({ mode: 'STRICT', certificate: { acm: { certificateArn: ARN } } });
    const chains = srv.listeners[0].filter_chains;
    expect(chains).toHaveLength(1);
    expect(chains[0].filter_chain_match).toEqual({ destination_port: 8443, transport_protocol: 'tls' });
    expect((chains[0].transport_socket!.typed_config as any).common_tls_context).toEqual({
      tls_certificate_sds_secret_configs: [{ name: ARN, sds_config: { ads: {}, resource_api_version: 'V3' } }],
    });
    expect(srv.warnings.join('\n')).toContain('awsmesh proxies emulate it with the local CA');
    expect(downstreamSettings(chains[0].transport_socket!)).toMatchObject({ certificate: { kind: 'secret', name: ARN }, requireClientCertificate: false });
  });

  test('mTLS with SDS trust and SANs: a combined validation context; the proxy reads trust, SANs and the client-certificate requirement', () => {
    const { srv } = pair({
      mode: 'STRICT', certificate: { sds: { secretName: 'srv' } },
      validation: { trust: { sds: { secretName: 'bundle' } }, subjectAlternativeNames: { match: { exact: ['spiffe://apps/virtualNode/caller', 'caller.apps.local'] } } },
    });
    const ts = srv.listeners[0].filter_chains[0].transport_socket!;
    expect((ts.typed_config as any).common_tls_context.combined_validation_context.default_validation_context).toEqual({
      match_typed_subject_alt_names: [
        { san_type: 'URI', matcher: { exact: 'spiffe://apps/virtualNode/caller' } },
        { san_type: 'DNS', matcher: { exact: 'caller.apps.local' } },
      ],
    });
    expect(downstreamSettings(ts)).toMatchObject({
      certificate: { kind: 'secret', name: 'srv' }, trust: { kind: 'secret', name: 'bundle' }, requireClientCertificate: true,
      sans: [{ type: 'URI', exact: 'spiffe://apps/virtualNode/caller' }, { type: 'DNS', exact: 'caller.apps.local' }],
    });
  });

  test('DISABLED: one plaintext chain; PERMISSIVE: TLS and plaintext chains', () => {
    expect(pair({ mode: 'DISABLED', certificate: FILE_CERT }).srv.listeners[0].filter_chains).toEqual([expect.not.objectContaining({ transport_socket: expect.anything() })]);
    const chains = pair({ mode: 'PERMISSIVE', certificate: FILE_CERT }).srv.listeners[0].filter_chains;
    expect(chains.map((c) => Boolean(c.transport_socket))).toEqual([true, false]);
  });

  test('virtual gateway listeners get TLS chains too (they were served plaintext before)', () => {
    const snap = new SnapshotBuilder()
      .gateway('gw', { listeners: [{ portMapping: { port: 9080, protocol: 'http' }, tls: { mode: 'STRICT', certificate: { acm: { certificateArn: ARN } } } }] })
      .build();
    const r = translateVirtualGateway(snap, 'gw');
    valid(r);
    const ingress = r.listeners.find((l) => l.traffic_direction === 'INBOUND')!;
    expect(ingress.filter_chains).toHaveLength(1);
    expect(ingress.filter_chains[0].filter_chain_match).toEqual({ transport_protocol: 'tls' });
    expect(downstreamSettings(ingress.filter_chains[0].transport_socket!).certificate).toEqual({ kind: 'secret', name: ARN });
  });
});

describe('client policies and negotiation', () => {
  test('a policy without SANs checks the target\'s discovery name (Cloud Map: service.namespace), for every trust kind', () => {
    for (const trust of [{ file: { certificateChain: '/keys/ca.pem' } }, { sds: { secretName: 'bundle' } }, { acm: { certificateAuthorityArns: [PCA] } }]) {
      const { upstream } = pair({ mode: 'STRICT', certificate: FILE_CERT }, { tls: { validation: { trust } } });
      const s = upstreamSettings(upstream!);
      expect(s.sans).toEqual([{ type: 'DNS', exact: 'srv.apps.local' }]);
      expect(s.sni).toBe('srv.apps.local');
      expect(s.trust).toEqual(trust.file ? { kind: 'file', path: '/keys/ca.pem' } : { kind: 'secret', name: trust.sds ? 'bundle' : PCA });
    }
  });

  test('client certificate for mTLS (file or SDS)', () => {
    const { upstream } = pair({ mode: 'STRICT', certificate: FILE_CERT }, {
      tls: { certificate: { sds: { secretName: 'caller' } }, validation: { trust: { sds: { secretName: 'bundle' } } } },
    });
    expect(upstreamSettings(upstream!).certificate).toEqual({ kind: 'secret', name: 'caller' });
  });

  test('no policy (or enforce false, or other ports): a STRICT file/SDS server means TLS without validation', () => {
    const policies: Array<ClientPolicy | undefined> = [
      undefined,
      { tls: { enforce: false, validation: { trust: { file: { certificateChain: '/keys/ca.pem' } } } } },
      { tls: { ports: [9999], validation: { trust: { file: { certificateChain: '/keys/ca.pem' } } } } },
    ];
    for (const policy of policies) {
      const { upstream } = pair({ mode: 'STRICT', certificate: FILE_CERT }, policy);
      expect(upstream).toBeDefined();
      expect(upstreamSettings(upstream!)).toMatchObject({ trust: undefined, certificate: undefined, sans: [] });
    }
  });

  test('no policy and an ACM server: validation against the issuing CA (named by the certificate ARN) and the discovery name', () => {
    const { upstream } = pair({ mode: 'STRICT', certificate: { acm: { certificateArn: ARN } } });
    expect(upstreamSettings(upstream!)).toMatchObject({ trust: { kind: 'secret', name: ARN }, sans: [{ type: 'DNS', exact: 'srv.apps.local' }] });
  });

  test('no policy and a PERMISSIVE or plaintext server: plaintext', () => {
    expect(pair({ mode: 'PERMISSIVE', certificate: FILE_CERT }).upstream).toBeUndefined();
    expect(pair(undefined).upstream).toBeUndefined();
  });

  test('the policy\'s ports decide: a matching port enforces TLS even towards a plaintext listener', () => {
    const { upstream } = pair(undefined, { tls: { ports: [8443], validation: { trust: { sds: { secretName: 'bundle' } } } } });
    expect(upstreamSettings(upstream!).trust).toEqual({ kind: 'secret', name: 'bundle' });
  });
});
