// App Mesh TLS settings → Envoy transport sockets (dataplane.md §1.11). File certificates are
// read from their paths, SDS secrets come from the SDS agent (APPMESH_SDS_SOCKET_PATH), and ACM
// certificates — which App Mesh delivered to Envoy itself — are ADS secrets named by their ARN
// (awsmesh's proxies resolve them from the local CA, see src/tls/; the xDS server serves them to
// Envoy, see src/xds/secrets.ts).

import type {
  ClientPolicy, ListenerTls, NodeListener, TlsCertificate, TlsValidation, VirtualNodeData,
} from '../../mesh/types';
import { TYPE } from './defaults';
import type { FilterChain, TypedExtension } from './envoy-types';

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

/** The config source of secrets the control plane itself delivers (ACM certificates and their CAs). */
export function adsSdsConfig(): Record<string, unknown> {
  return { ads: {}, resource_api_version: 'V3' };
}

function adsSecret(name: string): Record<string, unknown> {
  return { name, sds_config: adsSdsConfig() };
}

/** Whether an SdsSecretConfig's source is the SDS agent's socket (`sds.secretName` secrets). */
export function usesSdsAgent(sdsConfig: { api_config_source?: { grpc_services?: Array<{ envoy_grpc?: { cluster_name?: string } }> } } | undefined): boolean {
  return sdsConfig?.api_config_source?.grpc_services?.some((g) => g.envoy_grpc?.cluster_name === SDS_CLUSTER) ?? false;
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
  if (cert?.acm) return { tls_certificate_sds_secret_configs: [adsSecret(cert.acm.certificateArn)] };
  return {};
}

function sanMatchers(names: string[]): Array<Record<string, unknown>> {
  return names.map((n) => ({ san_type: n.includes('://') ? 'URI' : 'DNS', matcher: { exact: n } }));
}

/** Trust from a secret plus SAN matchers: Envoy's combined validation context. */
function secretValidation(secret: Record<string, unknown>, sans: string[]): Record<string, unknown> {
  if (!sans.length) return { validation_context_sds_secret_config: secret };
  return {
    combined_validation_context: {
      default_validation_context: { match_typed_subject_alt_names: sanMatchers(sans) },
      validation_context_sds_secret_config: secret,
    },
  };
}

function validationContext(v: TlsValidation | undefined, defaultSans: string[]): Record<string, unknown> {
  if (!v) return {};
  const sans = v.subjectAlternativeNames?.match.exact ?? defaultSans;
  if (v.trust.file) {
    return {
      validation_context: {
        trusted_ca: { filename: v.trust.file.certificateChain },
        ...(sans.length ? { match_typed_subject_alt_names: sanMatchers(sans) } : {}),
      },
    };
  }
  if (v.trust.sds) return secretValidation(sdsSecret(v.trust.sds.secretName), sans);
  // Envoy takes one validation secret; every ACM PCA stands for the same local CA anyway.
  const arn = v.trust.acm?.certificateAuthorityArns[0];
  if (arn) return secretValidation(adsSecret(arn), sans);
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

/**
 * The filter chains of one listener: `base` alone without TLS; a TLS chain for STRICT; a TLS
 * chain plus the plaintext one for PERMISSIVE (tls_inspector tells them apart).
 */
export function listenerChains(base: FilterChain, tls: ListenerTls | undefined): FilterChain[] {
  if (!tls || tls.mode === 'DISABLED') return [base];
  const tlsChain: FilterChain = {
    ...base,
    filter_chain_match: { ...base.filter_chain_match, transport_protocol: 'tls' },
    transport_socket: downstreamTlsSocket(tls),
  };
  return tls.mode === 'PERMISSIVE' ? [tlsChain, base] : [tlsChain];
}

/** The name a server's certificate must carry when the client names no SAN: its discovery name. */
function discoveryName(node: VirtualNodeData): string[] {
  const sd = node.spec.serviceDiscovery;
  if (sd?.dns) return [sd.dns.hostname];
  if (sd?.awsCloudMap) return [`${sd.awsCloudMap.serviceName}.${sd.awsCloudMap.namespaceName}`];
  return [];
}

function upstreamSocket(common: Record<string, unknown>, sni: string | undefined): TypedExtension {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': TYPE.upstreamTls, common_tls_context: common, ...(sni ? { sni } : {}) },
  };
}

/**
 * UpstreamTlsContext for calls to `listener` of `target` (dataplane.md §1.11, negotiation): a
 * client policy that enforces TLS on the port decides; otherwise a STRICT server does — TLS
 * without validation for file/SDS certificates, validation against the issuing CA for ACM.
 */
export function upstreamTlsSocket(
  policy: ClientPolicy | undefined, listener: NodeListener, target: VirtualNodeData,
): TypedExtension | undefined {
  const port = listener.portMapping.port;
  const names = discoveryName(target);
  const tls = policy?.tls;
  if (tls && tls.enforce !== false && (!tls.ports?.length || tls.ports.includes(port))) {
    return upstreamSocket({ ...certificates(tls.certificate), ...validationContext(tls.validation, names) }, names[0]);
  }
  const server = listener.tls;
  if (server?.mode !== 'STRICT') return undefined;
  const acm = server.certificate.acm;
  return upstreamSocket(acm ? secretValidation(adsSecret(acm.certificateArn), names) : {}, names[0]);
}
