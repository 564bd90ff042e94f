// The ADS server's view of App Mesh: mesh snapshots read through a Backend (the local backend or
// any App Mesh API endpoint), translated per proxy by the data plane's translator, with endpoints
// from an endpoint resolver. Changes are noticed through the local control plane's watch() when the
// backend has one, or by polling the API fingerprint (resource versions) otherwise.
// Per change, each mesh is loaded once and each node's endpoints resolved once, however many
// proxies share them; a proxy's fingerprint (what its translation reads) tells the server whether
// the change touched it at all.

import { createHash } from 'crypto';
import type { Backend } from '../backends/backend';
import { Dispatcher } from '../core/dispatcher';
import { isServiceError } from '../base/errors';
import type { ProxyRef, ResolvedEndpoint, TranslateOptions, TranslationInputs, TranslationResult } from '../envoy/translate';
import type { ListenerTls, MeshSnapshot } from '../mesh/types';
import type { XdsConfigSource } from './ads-types';
import type { NodeIdentity } from './node-id';

/** Endpoints per virtual node name for the nodes a proxy calls (the local resolver supplies these). */
export type EndpointResolver = (
  snapshot: MeshSnapshot, nodeNames: string[], ctx: { region: string },
) => Promise<Record<string, ResolvedEndpoint[]>>;

export interface MeshSourceOptions {
  /** Read through the dispatcher; watched for changes when it has the local control plane, else polled. */
  backend: Backend;
  region: string;
  endpoints?: EndpointResolver;
  /** Listener ports and the like, passed to the translator. */
  translate?: Omit<TranslateOptions, 'endpoints'>;
  /** Poll interval without change watching (default 5 s). */
  pollIntervalMs?: number;
  /** With change watching: how often to rebuild anyway, for registrations that expired (default 15 s). */
  expiryCheckMs?: number;
}

interface CachedSnapshot {
  generation: number;
  snapshot: Promise<MeshSnapshot | undefined>;
  last?: MeshSnapshot;
  /** Endpoints resolved during this generation, per virtual node name. */
  endpoints: Map<string, Promise<ResolvedEndpoint[]>>;
}

/** Content hashes of snapshot objects; unchanged resources keep their object across loads (mesh/load). */
const contentHashes = new WeakMap<object, string>();

function contentHash(o: object): string {
  let h = contentHashes.get(o);
  if (h === undefined) {
    h = createHash('sha1').update(JSON.stringify(o)).digest('base64');
    contentHashes.set(o, h);
  }
  return h;
}

function translateModule(): typeof import('../envoy/translate') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../envoy/translate') as typeof import('../envoy/translate');
}

function proxyOf(node: NodeIdentity): ProxyRef {
  return node.kind === 'virtualNode' ? { virtualNode: node.name } : { virtualGateway: node.name };
}

export class MeshConfigSource implements XdsConfigSource {
  private generation = 0;
  private readonly snapshots = new Map<string, CachedSnapshot>();
  private readonly api: Dispatcher;

  constructor(private readonly opts: MeshSourceOptions) {
    this.api = new Dispatcher(opts.backend, opts.region);
  }

  async resources(node: NodeIdentity): Promise<TranslationResult | undefined> {
    const p = await this.prepare(node);
    if (typeof p === 'string') return undefined;
    const t = translateModule();
    const options: TranslateOptions = { ...this.opts.translate, endpoints: p.endpoints };
    return node.kind === 'virtualNode'
      ? t.translateVirtualNode(p.snapshot, node.name, options)
      : t.translateVirtualGateway(p.snapshot, node.name, options);
  }

  /**
   * Changes whenever `resources(node)` may: a hash of everything its translation reads (the mesh,
   * the node, its backends' services, routers, routes and targets, what it looks for and misses,
   * and the endpoints of the nodes it calls).
   */
  async fingerprint(node: NodeIdentity): Promise<string> {
    const p = await this.prepare(node);
    if (typeof p === 'string') return p;
    const h = createHash('sha1');
    for (const r of p.inputs.resources) h.update(contentHash(r));
    h.update(`\n${p.inputs.missing.join('\n')}\n${JSON.stringify(p.endpoints)}`);
    return h.digest('base64');
  }

  /** The node's snapshot, what its translation reads, and the endpoints it needs; or why there is nothing. */
  private async prepare(node: NodeIdentity): Promise<{ snapshot: MeshSnapshot; inputs: TranslationInputs; endpoints: Record<string, ResolvedEndpoint[]> } | 'no mesh' | 'no such proxy'> {
    const region = node.region ?? this.opts.region;
    const entry = this.entry(region, node.mesh);
    const snapshot = await entry.snapshot;
    if (!snapshot) return 'no mesh';
    const inputs = translateModule().translationInputs(snapshot, proxyOf(node));
    if (!inputs) return 'no such proxy';
    return { snapshot, inputs, endpoints: await this.endpoints(entry, snapshot, inputs.endpointNodes, region) };
  }

  /** Endpoints of `names`, each resolved once per change however many proxies ask. */
  private async endpoints(entry: CachedSnapshot, snapshot: MeshSnapshot, names: string[], region: string): Promise<Record<string, ResolvedEndpoint[]>> {
    const resolve = this.opts.endpoints;
    if (!resolve || !names.length) return {};
    const memo = entry.endpoints;
    const unresolved = names.filter((n) => !memo.has(n));
    if (unresolved.length) {
      const batch = resolve(snapshot, unresolved, { region });
      for (const n of unresolved) {
        const one = batch.then((r) => r[n] ?? []);
        one.catch(() => memo.delete(n)); // a failed lookup is not remembered: the next proxy asks again
        memo.set(n, one);
      }
    }
    const resolved = await Promise.all(names.map((n) => memo.get(n)!));
    return Object.fromEntries(names.map((n, i) => [n, resolved[i]]));
  }

  /**
   * SANs for a certificate standing in for ACM certificate `arn`: those App Mesh checks (src/tls/ca/sans.ts)
   * for every virtual node and gateway of the mesh whose listeners use it, `node`'s first.
   */
  async acmSans(node: NodeIdentity, arn: string): Promise<{ dns: string[]; uris: string[] } | undefined> {
    const snapshot = await this.snapshot(node.region ?? this.opts.region, node.mesh);
    if (!snapshot) return undefined;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { meshSans } = require('../tls/ca/sans') as typeof import('../tls/ca/sans');
    const mesh = node.mesh;
    const usesArn = (listeners: Array<{ tls?: ListenerTls }> | undefined) =>
      (listeners ?? []).some((l) => l.tls?.certificate?.acm?.certificateArn === arn);
    const users = [
      ...snapshot.virtualNodes.filter((n) => usesArn(n.spec.listeners))
        .map((n) => ({ kind: 'virtualNode' as const, name: n.virtualNodeName, sans: meshSans(mesh, 'virtualNode', n.virtualNodeName, n.spec) })),
      ...snapshot.virtualGateways.filter((g) => usesArn(g.spec.listeners))
        .map((g) => ({ kind: 'virtualGateway' as const, name: g.virtualGatewayName, sans: meshSans(mesh, 'virtualGateway', g.virtualGatewayName, undefined) })),
    ];
    const self = users.find((u) => u.kind === node.kind && u.name === node.name);
    const ordered = [self?.sans ?? meshSans(mesh, node.kind, node.name, undefined), ...users.filter((u) => u !== self).map((u) => u.sans)];
    return { dns: [...new Set(ordered.flatMap((s) => s.dns))], uris: [...new Set(ordered.flatMap((s) => s.uris))] };
  }

  /** One load per mesh and change, shared by every proxy of the mesh. */
  private snapshot(region: string, mesh: string): Promise<MeshSnapshot | undefined> {
    return this.entry(region, mesh).snapshot;
  }

  private entry(region: string, mesh: string): CachedSnapshot {
    const key = `${region}|${mesh}`;
    const cached = this.snapshots.get(key);
    if (cached && cached.generation === this.generation) return cached;
    const entry: CachedSnapshot = { generation: this.generation, snapshot: Promise.resolve(undefined), last: cached?.last, endpoints: new Map() };
    entry.snapshot = this.load(region, mesh, cached?.last).then((s) => {
      entry.last = s;
      return s;
    });
    this.snapshots.set(key, entry);
    return entry;
  }

  private async load(region: string, mesh: string, previous?: MeshSnapshot): Promise<MeshSnapshot | undefined> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadMeshSnapshot } = require('../mesh/load') as typeof import('../mesh/load');
    try {
      return await loadMeshSnapshot(this.api, mesh, { region }, previous);
    } catch (e) {
      if (isServiceError(e) && e.code === 'NotFoundException') return undefined;
      throw e;
    }
  }

  watch(onChange: () => void): () => void {
    const changed = () => {
      this.generation++;
      onChange();
    };
    const local = this.api.local;
    if (!local) return this.poll(changed);
    const unwatch = local.watch(changed);
    // Proxy registrations also end by expiring, which writes nothing: look again now and then.
    const timer = setInterval(changed, this.opts.expiryCheckMs ?? 15_000);
    timer.unref();
    return () => {
      unwatch();
      clearInterval(timer);
    };
  }

  /** Without change watching: compare each mesh's resource versions every interval. */
  private poll(changed: () => void): () => void {
    let running = false;
    const timer = setInterval(async () => {
      if (running) return;
      running = true;
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { snapshotFingerprint } = require('../mesh/load') as typeof import('../mesh/load');
        for (const [key, entry] of this.snapshots) {
          const [region, mesh] = key.split('|');
          const before = entry.last ? snapshotFingerprint(entry.last) : '';
          const now = await this.load(region, mesh, entry.last);
          if ((now ? snapshotFingerprint(now) : '') !== before) {
            changed();
            return;
          }
        }
      } catch {
        // The next tick retries; the server keeps serving the last good configuration.
      } finally {
        running = false;
      }
    }, this.opts.pollIntervalMs ?? 5000);
    timer.unref();
    return () => clearInterval(timer);
  }
}
