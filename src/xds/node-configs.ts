// What the ADS server serves each connected node: its resources from the source, with the TLS
// secrets they fetch over ADS, validated and encoded once (shared by every proxy serving the same
// bytes), versioned per node and type. A change notice rebuilds only the nodes it touched: those
// whose source fingerprint moved, or that use secrets when the CA changed.

import type { AdsCounters, NodeConfig, StreamView, XdsConfigSource } from './ads-types';
import { formatNodeId, type NodeIdentity, type SdsMode } from './node-id';
import { proxylessResources } from './proxyless';
import { EnvoyConfigError, ResourceEncoder, type EncodedResource } from './resource-encoder';
import { TYPE_URLS, XDS_TYPES, type XdsResources } from './resource-types';
import { adsSecretRefs, type SecretResolver } from './secrets';
import { contentHash } from './subscriptions';

export interface NodeConfigsOptions {
  source: XdsConfigSource;
  secrets?: SecretResolver;
  /** Region for node ids without one. */
  region?: string;
  counters: AdsCounters;
  log(line: string): void;
  /** Logs a line once per server (a missing secret would otherwise be logged on every rebuild). */
  logOnce(line: string): void;
}

/** The node a stream is served as (id, region, client flavour, SDS source). */
export type NodeView = StreamView & { identity: NodeIdentity; nodeId: string };

export function configKey(view: NodeView): string {
  return `${view.flavor}|${view.sds}|${view.identity.region ?? ''}|${view.nodeId}`;
}

function usesSecrets(config: NodeConfig): boolean {
  return (config.byType.get(TYPE_URLS.secret)?.size ?? 0) > 0 || config.pendingSecrets.size > 0;
}

export class NodeConfigs {
  private readonly configs = new Map<string, NodeConfig>();
  private readonly building = new Map<string, Promise<NodeConfig>>();
  private readonly versionCounters = new Map<string, { hash: string; version: number }>();
  private readonly encoder = new ResourceEncoder();
  private secretsGeneration = 0;

  constructor(private readonly o: NodeConfigsOptions) {}

  get(view: NodeView): NodeConfig | undefined {
    return this.configs.get(configKey(view));
  }

  /** The node's configuration, built on first use (concurrent callers share one build). */
  for(view: NodeView): Promise<NodeConfig> {
    const key = configKey(view);
    const built = this.configs.get(key);
    if (built) return Promise.resolve(built);
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(key, view).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  /** The CA changed: nodes whose resources use secrets are rebuilt by the next refresh. */
  secretsChanged(): void {
    this.secretsGeneration++;
  }

  /**
   * After a change notice: rebuilds the configurations of the connected nodes (`wanted`, one
   * stream each) whose inputs changed and forgets those of nodes nobody is connected as (they are
   * rebuilt on the next connect). Resolves to the keys rebuilt.
   */
  async refresh(wanted: Map<string, NodeView>): Promise<Set<string>> {
    for (const key of this.configs.keys()) if (!wanted.has(key)) this.configs.delete(key);
    const rebuilt = new Set<string>();
    await Promise.all([...wanted].map(async ([key, view]) => {
      const current = this.configs.get(key);
      const fingerprint = await this.fingerprint(view);
      if (current && fingerprint !== undefined && fingerprint === current.fingerprint
        && !(usesSecrets(current) && current.secretsGeneration !== this.secretsGeneration)) {
        this.o.counters.configsUnchanged++;
        return;
      }
      const fresh = await this.build(key, view, fingerprint);
      if (fresh !== current) rebuilt.add(key);
    }));
    // Unchanged configurations keep their encoded resources; everything else not used is dropped.
    this.encoder.sweep([...this.configs.values()].flatMap((c) => [...c.byType.values()].map((m) => m.values())));
    return rebuilt;
  }

  private served(identity: NodeIdentity): NodeIdentity {
    return identity.region || !this.o.region ? identity : { ...identity, region: this.o.region };
  }

  private async fingerprint(view: NodeView): Promise<string | undefined> {
    if (!this.o.source.fingerprint) return undefined;
    // A failed look is no fingerprint: the node is rebuilt (and a failing source keeps its last config).
    return this.o.source.fingerprint(this.served(view.identity)).catch(() => undefined);
  }

  /**
   * The secrets a node's listeners and clusters fetch over ADS (App Mesh SDS ones too when its
   * bootstrap says so) and its source does not supply itself, resolved and added to its resources.
   * Unresolvable ones are logged once and left out.
   */
  private async withSecrets(identity: NodeIdentity, resources: XdsResources, sds: SdsMode): Promise<{ resources: XdsResources; pending: Set<string> }> {
    const { resources: served, refs } = adsSecretRefs(resources, { sdsOverAds: sds === 'ads' });
    const supplied = served.secrets ?? [];
    for (const s of supplied) refs.delete((s as { name?: string }).name ?? '');
    if (!refs.size || !this.o.secrets) return { resources: served, pending: new Set() };
    const source = this.o.source;
    const acmSans = source.acmSans ? (arn: string) => source.acmSans!(identity, arn) : undefined;
    const { secrets, missing } = await this.o.secrets.resolve(identity, refs, acmSans);
    for (const m of missing) {
      this.o.logOnce(`xDS: secret ${m.name} of ${formatNodeId(identity)} is not served yet (Envoy keeps what uses it warming): ${m.reason}`);
    }
    return { resources: { ...served, secrets: [...supplied, ...secrets] }, pending: new Set(missing.map((m) => m.name)) };
  }

  /** `fingerprint`: taken before reading the source, so a change landing meanwhile still counts as one. */
  private async build(key: string, view: NodeView, fingerprint?: string): Promise<NodeConfig> {
    const { flavor, sds } = view;
    const identity = this.served(view.identity);
    fingerprint ??= await this.fingerprint(view);
    const secretsGeneration = this.secretsGeneration;
    let envoy: XdsResources | undefined;
    try {
      envoy = await this.o.source.resources(identity);
    } catch (e) {
      const previous = this.configs.get(key);
      this.o.log(`xDS: cannot build the configuration of ${formatNodeId(identity)}: ${(e as Error).message}${previous ? ' (keeping the previous one)' : ''}`);
      if (previous) return previous;
    }
    this.o.counters.configBuilds++;
    let served = envoy && flavor === 'grpc' ? proxylessResources(envoy, { locality: identity.region }) : envoy;
    let pendingSecrets = new Set<string>();
    if (served && flavor === 'envoy') ({ resources: served, pending: pendingSecrets } = await this.withSecrets(identity, served, sds));
    const config: NodeConfig = {
      key, identity: view.identity, flavor, sds, exists: envoy !== undefined, byType: new Map(), versions: new Map(), invalid: [], pendingSecrets,
      builtAt: Date.now(), fingerprint, secretsGeneration,
    };
    for (const type of XDS_TYPES) {
      const encoded = new Map<string, EncodedResource>();
      for (const resource of served?.[type.key] ?? []) {
        try {
          const r = this.encoder.encode(type, resource);
          encoded.set(r.name, r);
        } catch (e) {
          if (!(e instanceof EnvoyConfigError)) throw e;
          const name = type.nameOf(resource);
          config.invalid.push(`${type.short} ${name}`);
          // Issue messages may quote values, and a secret's values are keys: only its paths are logged.
          const why = type.sensitive ? `invalid at ${e.issues.map((i) => i.path || '(top)').join(', ')}` : e.message;
          this.o.log(`xDS: not serving ${type.short} ${name} of ${formatNodeId(identity)}: ${why}`);
        }
      }
      config.byType.set(type.url, encoded);
      const hash = contentHash(encoded.values());
      const counterKey = `${key}|${type.url}`;
      let v = this.versionCounters.get(counterKey);
      if (!v) v = { hash, version: 1 };
      else if (v.hash !== hash) v = { hash, version: v.version + 1 };
      this.versionCounters.set(counterKey, v);
      config.versions.set(type.url, v);
    }
    this.configs.set(key, config);
    return config;
  }
}

