// Reads the TLS transport sockets the translator emits (DownstreamTlsContext on listener filter
// chains, UpstreamTlsContext on clusters) into the few facts the local proxy acts on. Anything it
// cannot honour throws, so the proxy rejects the configuration the way Envoy NACKs it.

import type { TypedExtension } from '../envoy/translate/envoy-types';
import type { SanMatcher } from './san';

export type CertRef =
  | { kind: 'file'; chain: string; key: string }
  | { kind: 'inline'; chain: string; key: string }
  | { kind: 'secret'; name: string };

export type TrustRef = { kind: 'file'; path: string } | { kind: 'inline'; pem: string } | { kind: 'secret'; name: string };

export interface TlsSettings {
  certificate?: CertRef;
  trust?: TrustRef;
  /** Required peer SANs; empty: any (chain trust alone). */
  sans: SanMatcher[];
  /** Listener side: refuse peers without a certificate (mTLS). */
  requireClientCertificate: boolean;
  /** Upstream side: the server name sent (SNI). */
  sni?: string;
  /** Identity of the settings: equal keys mean an unchanged context across config updates. */
  key: string;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const TLS_SOCKET = 'envoy.transport_sockets.tls';
const SAN_TYPES = new Set(['DNS', 'URI', 'EMAIL', 'IP_ADDRESS']);

function dataSource(d: Json | undefined, what: string): { file?: string; inline?: string } {
  if (typeof d?.filename === 'string') return { file: d.filename };
  if (typeof d?.inline_string === 'string') return { inline: d.inline_string };
  throw new Error(`${what}: only filename and inline_string data sources are supported`);
}

function certificateOf(common: Json): CertRef | undefined {
  const certs = common.tls_certificates as Json[] | undefined;
  if (certs?.length) {
    const chain = dataSource(certs[0].certificate_chain, 'tls_certificates.certificate_chain');
    const key = dataSource(certs[0].private_key, 'tls_certificates.private_key');
    if (chain.file !== undefined && key.file !== undefined) return { kind: 'file', chain: chain.file, key: key.file };
    if (chain.inline !== undefined && key.inline !== undefined) return { kind: 'inline', chain: chain.inline, key: key.inline };
    throw new Error('tls_certificates: certificate_chain and private_key must both be files or both inline');
  }
  const sds = common.tls_certificate_sds_secret_configs as Json[] | undefined;
  if (sds?.length) return { kind: 'secret', name: String(sds[0].name) };
  return undefined;
}

function sansOf(v: Json | undefined): SanMatcher[] {
  const out: SanMatcher[] = [];
  for (const m of (v?.match_typed_subject_alt_names ?? []) as Json[]) {
    if (!SAN_TYPES.has(m.san_type)) throw new Error(`unsupported san_type ${m.san_type}`);
    if (typeof m.matcher?.exact !== 'string') throw new Error('only exact subject alternative name matchers are supported');
    out.push({ type: m.san_type, exact: m.matcher.exact });
  }
  return out;
}

function trustOf(common: Json): { trust?: TrustRef; sans: SanMatcher[] } {
  if (common.validation_context) {
    const v = common.validation_context as Json;
    const ca = v.trusted_ca ? dataSource(v.trusted_ca, 'validation_context.trusted_ca') : undefined;
    const trust: TrustRef | undefined = ca?.file !== undefined ? { kind: 'file', path: ca.file } : ca?.inline !== undefined ? { kind: 'inline', pem: ca.inline } : undefined;
    return { trust, sans: sansOf(v) };
  }
  if (common.validation_context_sds_secret_config) {
    return { trust: { kind: 'secret', name: String(common.validation_context_sds_secret_config.name) }, sans: [] };
  }
  const combined = common.combined_validation_context as Json | undefined;
  if (combined) {
    return {
      trust: { kind: 'secret', name: String(combined.validation_context_sds_secret_config?.name) },
      sans: sansOf(combined.default_validation_context),
    };
  }
  return { sans: [] };
}

function settings(ts: TypedExtension, side: 'downstream' | 'upstream'): TlsSettings {
  if (ts.name !== TLS_SOCKET) throw new Error(`unsupported transport socket ${ts.name}`);
  const cfg = ts.typed_config as Json;
  const common = (cfg.common_tls_context ?? {}) as Json;
  const { trust, sans } = trustOf(common);
  return {
    certificate: certificateOf(common),
    trust,
    sans,
    requireClientCertificate: side === 'downstream' && cfg.require_client_certificate === true,
    sni: side === 'upstream' && typeof cfg.sni === 'string' ? cfg.sni : undefined,
    key: JSON.stringify(cfg),
  };
}

/** A listener filter chain's DownstreamTlsContext. A server needs a certificate. */
export function downstreamSettings(ts: TypedExtension): TlsSettings {
  const s = settings(ts, 'downstream');
  if (!s.certificate) throw new Error('DownstreamTlsContext without a certificate');
  return s;
}

/** A cluster's UpstreamTlsContext. */
export function upstreamSettings(ts: TypedExtension): TlsSettings {
  return settings(ts, 'upstream');
}
