// App Mesh TLS settings → Envoy transport sockets (dataplane.md §1.11). File and SDS sources
// translate; ACM certificates cannot exist outside AWS, so they are reported and left out.

import type { ClientPolicy, ListenerTls, TlsCertificate, TlsValidation, VirtualNodeData } from '../../mesh/types';
import { TYPE } from './defaults';
import type { TypedExtension } from './envoy-types';

/** The SDS cluster App Mesh's bootstrap defines for APPMESH_SDS_SOCKET_PATH. */
export const SDS_CLUSTER = 'static_cluster_sds_unix_socket';

function sdsSecret(name: string): Record<string, unknown> {
  return {
    name,
    sds_config: {
      api_config_source: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        grpc_services: [{ envoy_grpc: { cluster_name: SDS_CLUSTER } }],
      },
      resource_api_version: 'V3',
    },
  };
}

function certificates(cert: TlsCertificate | undefined): Record<string, unknown> {
  if (cert?.file) {
    return {
      tls_certificates: [{
        certificate_chain: { filename: cert.file.certificateChain },
        private_key: { filename: cert.file.privateKey },
      }],
    };
  }
  if (cert?.sds) return { tls_certificate_sds_secret_configs: [sdsSecret(cert.sds.secretName)] };
  return {};
}

function sanMatchers(names: string[]): Array<Record<string, unknown>> {
  return names.map((n) => ({ san_type: n.includes('://') ? 'URI' : 'DNS', matcher: { exact: n } }));
}

function validationContext(v: TlsValidation | undefined, defaultSans: string[]): Record<string, unknown> {
  if (!v) return {};
  const sans = v.subjectAlternativeNames?.match.exact ?? defaultSans;
  if (v.trust.sds) return { validation_context_sds_secret_config: sdsSecret(v.trust.sds.secretName) };
  if (v.trust.file) {
    return {
      validation_context: {
        trusted_ca: { filename: v.trust.file.certificateChain },
        ...(sans.length ? { match_typed_subject_alt_names: sanMatchers(sans) } : {}),
      },
    };
  }
  return {};
}

export function usesAcm(tls: { certificate?: TlsCertificate; validation?: TlsValidation } | undefined): boolean {
  return Boolean(tls?.certificate?.acm || tls?.validation?.trust.acm);
}

/** DownstreamTlsContext for a listener in STRICT or PERMISSIVE mode. */
export function downstreamTlsSocket(tls: ListenerTls): TypedExtension {
  const common = { ...certificates(tls.certificate), ...validationContext(tls.validation, []) };
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE.downstreamTls,
      common_tls_context: common,
      ...(tls.validation ? { require_client_certificate: true } : {}),
    },
  };
}

/** The name a server's certificate must carry when the client names no SAN: its discovery name. */
function discoveryName(node: VirtualNodeData): string[] {
  const sd = node.spec.serviceDiscovery;
  if (sd?.dns) return [sd.dns.hostname];
  if (sd?.awsCloudMap) return [`${sd.awsCloudMap.serviceName}.${sd.awsCloudMap.namespaceName}`];
  return [];
}

/** UpstreamTlsContext when the caller's client policy enforces TLS on the target port. */
export function upstreamTlsSocket(
  policy: ClientPolicy | undefined, port: number, target: VirtualNodeData,
): TypedExtension | undefined {
  const tls = policy?.tls;
  if (!tls || tls.enforce === false) return undefined;
  if (tls.ports?.length && !tls.ports.includes(port)) return undefined;
  if (usesAcm(tls)) return undefined;
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE.upstreamTls,
      common_tls_context: { ...certificates(tls.certificate), ...validationContext(tls.validation, discoveryName(target)) },
      ...(discoveryName(target)[0] ? { sni: discoveryName(target)[0] } : {}),
    },
  };
}
