// TLS secrets for Envoy over ADS (SDS on the aggregated stream). A proxy's listeners and clusters
// name secrets in their TLS contexts; the ones whose source is `sds_config: {ads: {}}` come from
// the control plane, resolved from the local CA exactly as awsmesh's own proxies resolve them
// (src/tls/secrets.ts):
//
//   ACM certificate ARN    the CA's certificate issued for that ARN; issued on first use, with the
//                          App Mesh SANs of every node and gateway whose listeners use the ARN
//                          (ACM is emulated, and said so in the log)
//   ACM PCA ARN (trust)    the CA's root, as a validation context
//   sds.secretName         when the bootstrap points SDS at ADS: the CA's certificate issued under
//                          that name (not issued yet: not served, Envoy keeps warming), or the root
//                          when used as validation
//
// A Secret is a certificate or a validation context, never both. When one proxy uses a name both
// ways (a gateway with ACM certificate X calling STRICT nodes with the same X, validated against
// "the issuing CA" named by X), the validation reference is renamed `X#validation`.

import { adsSdsConfig, usesSdsAgent } from '../envoy/translate/tls';
import { commonName, meshSans } from '../tls/ca/sans';
import type { CaStore } from '../tls/ca/store';
import { SecretStore, SecretUnavailableError } from '../tls/secrets';
import { formatNodeId, type NodeIdentity } from './node-id';
import type { EnvoyJson, XdsResources } from './resource-types';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export type SecretUse = 'certificate' | 'validation';

export const VALIDATION_SUFFIX = '#validation';

/** Certificates issued on demand for an ACM ARN live as long as `local ca issue`'s default. */
const ACM_DAYS = 365;

/** Calls `visit` for every SdsSecretConfig in `value` (proto3 JSON, or resources decoded from the wire). */
export function visitSdsSecretConfigs(value: unknown, visit: (config: Json, use: SecretUse) => void): void {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
  if (Array.isArray(value)) {
    for (const v of value) visitSdsSecretConfigs(v, visit);
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    if (key === 'tls_certificate_sds_secret_configs' && Array.isArray(v)) for (const c of v) visit(c as Json, 'certificate');
    else if (key === 'validation_context_sds_secret_config' && v && typeof v === 'object') visit(v as Json, 'validation');
    else visitSdsSecretConfigs(v, visit);
  }
}

/** Whether an SdsSecretConfig is fetched over ADS. */
export function fetchedOverAds(config: Json): boolean {
  return config.sds_config?.ads !== undefined && config.sds_config?.ads !== null;
}

export interface AdsSecretRefs {
  /** The resources as served: SDS agent references moved to ADS when asked, clashing names split. */
  resources: XdsResources;
  /** Every secret the resources fetch over ADS, and what it is used for. */
  refs: Map<string, SecretUse>;
}

/**
 * The secrets a proxy's listeners and clusters fetch over ADS. With `sdsOverAds`, references to
 * the SDS agent's socket (App Mesh `sds.secretName`) are first rewritten to ADS. The input is
 * never modified; it is returned as is when nothing needs rewriting.
 */
export function adsSecretRefs(resources: XdsResources, opts: { sdsOverAds: boolean }): AdsSecretRefs {
  const served = (c: Json) => fetchedOverAds(c) || (opts.sdsOverAds && usesSdsAgent(c.sds_config));
  const uses = new Map<string, Set<SecretUse>>();
  let moves = false;
  visitSdsSecretConfigs([resources.listeners, resources.clusters], (c, use) => {
    if (!served(c)) return;
    if (!fetchedOverAds(c)) moves = true;
    const name = String(c.name);
    let set = uses.get(name);
    if (!set) uses.set(name, (set = new Set()));
    set.add(use);
  });
  const split = new Set([...uses].filter(([, u]) => u.size > 1).map(([name]) => name));
  let out = resources;
  if (moves || split.size) {
    const copy = JSON.parse(JSON.stringify({ listeners: resources.listeners, clusters: resources.clusters })) as Json;
    visitSdsSecretConfigs(copy, (c, use) => {
      if (!served(c)) return;
      if (!fetchedOverAds(c)) c.sds_config = adsSdsConfig();
      if (use === 'validation' && split.has(c.name)) c.name = `${c.name}${VALIDATION_SUFFIX}`;
    });
    out = { ...resources, listeners: copy.listeners, clusters: copy.clusters };
  }
  const refs = new Map<string, SecretUse>();
  for (const [name, u] of uses) {
    if (u.has('certificate')) refs.set(name, 'certificate');
    if (u.has('validation')) refs.set(split.has(name) ? `${name}${VALIDATION_SUFFIX}` : name, 'validation');
  }
  return { resources: out, refs };
}

export interface ResolvedSecrets {
  /** Secret resources (proto3 JSON, inline PEM), sorted by name. */
  secrets: EnvoyJson[];
  /** Names that cannot be served (yet), with the reason; Envoy keeps what uses them warming. */
  missing: Array<{ name: string; reason: string }>;
}

/** The SANs a certificate for an ACM ARN gets (the asking proxy's first), when the mesh is known. */
export type AcmSans = (arn: string) => Promise<{ dns: string[]; uris: string[] } | undefined>;

const isAcmArn = (name: string) => name.startsWith('arn:');

/** Secrets from the local CA, with its directory watched so re-issued certificates are noticed. */
export class SecretResolver {
  private readonly store: SecretStore;
  private readonly issuing = new Map<string, Promise<void>>();

  constructor(
    readonly ca: CaStore,
    private readonly log: (line: string) => void = () => undefined,
    pollMs?: number,
  ) {
    this.store = new SecretStore(ca, log, pollMs);
  }

  /** Calls `fn` after the CA changes (a certificate issued or re-issued, the root created). */
  onChange(fn: () => void): () => void {
    const off = this.store.onChange(fn);
    return () => void off();
  }

  close(): void {
    this.store.close();
  }

  async resolve(node: NodeIdentity, refs: Map<string, SecretUse>, acmSans?: AcmSans): Promise<ResolvedSecrets> {
    const out: ResolvedSecrets = { secrets: [], missing: [] };
    for (const name of [...refs.keys()].sort()) {
      try {
        out.secrets.push(refs.get(name) === 'certificate' ? await this.certificate(node, name, acmSans) : await this.validation(name));
      } catch (e) {
        out.missing.push({ name, reason: (e as Error).message });
      }
    }
    return out;
  }

  private async certificate(node: NodeIdentity, name: string, acmSans: AcmSans | undefined): Promise<Json> {
    const ref = { kind: 'secret', name } as const;
    let resolved;
    try {
      resolved = this.store.certificate(ref);
    } catch (e) {
      if (!(e instanceof SecretUnavailableError && e.warming && isAcmArn(name))) throw e;
      await this.issueAcm(node, name, acmSans);
      resolved = this.store.certificate(ref);
    }
    return {
      name,
      tls_certificate: {
        certificate_chain: { inline_string: resolved.chainPem },
        private_key: { inline_string: resolved.keyPem },
      },
    };
  }

  private async validation(name: string): Promise<Json> {
    const base = name.endsWith(VALIDATION_SUFFIX) ? name.slice(0, -VALIDATION_SUFFIX.length) : name;
    // ACM PCA is emulated by the local CA, which exists as soon as something trusts it.
    if (isAcmArn(base) && !this.ca.initialised()) await this.ca.init();
    const trust = this.store.trust({ kind: 'secret', name: base });
    return { name, validation_context: { trusted_ca: { inline_string: trust.pem } } };
  }

  /** One issuance per ARN at a time (several proxies may ask at once). */
  private issueAcm(node: NodeIdentity, arn: string, acmSans: AcmSans | undefined): Promise<void> {
    let pending = this.issuing.get(arn);
    if (!pending) {
      pending = this.issueAcmNow(node, arn, acmSans).finally(() => this.issuing.delete(arn));
      this.issuing.set(arn, pending);
    }
    return pending;
  }

  private async issueAcmNow(node: NodeIdentity, arn: string, acmSans: AcmSans | undefined): Promise<void> {
    if (this.ca.byAcmArn(arn)) return; // issued meanwhile, by us or another process
    const sans = (await acmSans?.(arn)) ?? meshSans(node.mesh, node.kind, node.name, undefined);
    const record = await this.ca.issue({
      commonName: commonName(sans.dns, node.name), dns: sans.dns, uris: sans.uris, days: ACM_DAYS,
      describe: {
        mesh: node.mesh,
        ...(node.kind === 'virtualNode' ? { virtualNode: node.name } : { virtualGateway: node.name }),
        secretNames: [], acmArns: [arn], certificateChainPaths: [], privateKeyPaths: [], trustChainPaths: [],
      },
    });
    this.log(
      `ACM is emulated: the local CA issued certificate ${record.serialNumber} for ${arn} `
      + `(${record.subjectAlternativeNames.join(', ')}) on first use by ${formatNodeId(node)}; `
      + `re-issue it with awsmesh local ca issue … --acm-arn ${arn}`,
    );
  }
}

/** Some secrets of a static config cannot be resolved now. */
export class SecretsUnavailableError extends Error {
  constructor(readonly missing: ResolvedSecrets['missing']) {
    super(`cannot inline TLS secrets: ${missing.map((m) => `${m.name}: ${m.reason}`).join('; ')}`);
    this.name = 'SecretsUnavailableError';
  }
}

/**
 * A proxy's resources with every ADS secret resolved now, for a static bootstrap (no ADS there to
 * fetch them from; staticBootstrap inlines them). Throws SecretsUnavailableError if any is missing.
 */
export async function resolveStaticSecrets(
  resources: XdsResources, node: NodeIdentity,
  opts: { ca: CaStore; sdsOverAds: boolean; acmSans?: AcmSans; log?: (line: string) => void },
): Promise<XdsResources> {
  const { resources: served, refs } = adsSecretRefs(resources, { sdsOverAds: opts.sdsOverAds });
  if (!refs.size) return served;
  const resolver = new SecretResolver(opts.ca, opts.log);
  try {
    const { secrets, missing } = await resolver.resolve(node, refs, opts.acmSans);
    if (missing.length) throw new SecretsUnavailableError(missing);
    return { ...served, secrets };
  } finally {
    resolver.close();
  }
}
