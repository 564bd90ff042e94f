// The Aggregated Discovery Service: state-of-the-world xDS over one gRPC stream per proxy
// (envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources).
//
// Per stream and resource type we remember what the client subscribed to, the nonce and content
// of the last response, and what it ACKed or NACKed. The protocol rules that matter:
//   - a request whose response_nonce is not the latest one sent is stale and ignored;
//   - a request carrying the latest nonce ACKs it (no error_detail) or NACKs it (error_detail);
//   - a NACKed update is logged, counted and not sent again until the content changes;
//   - every mesh change rebuilds each connected node's resources once and pushes only the types
//     whose content changed for that stream.
// Versions are per node and type: a counter that moves whenever that type's content changes.
// Secrets (SDS over ADS) are one more type: those the node's own listeners and clusters reference,
// from the local CA (secrets.ts), which is watched so re-issued certificates are pushed.

import * as grpc from '@grpc/grpc-js';
import type { AdsCounters, AdsServerOptions, AdsStream, Flavor, NodeConfig, StreamView, TypeState } from './ads-types';
import { formatNodeId, parseNodeId, sdsModeOf, type NodeIdentity, type SdsMode } from './node-id';
import { adsService, csdsService, type ClientStatusRequest, type DiscoveryRequest } from './protocol';
import { isProxylessClient, proxylessResources } from './proxyless';
import { EnvoyConfigError, ResourceEncoder, type EncodedResource } from './resource-encoder';
import { XDS_TYPES, xdsType, type XdsResources, type XdsType } from './resource-types';
import { adsSecretRefs } from './secrets';
import { clientStatus } from './status';
import { StreamRefused, TokenBucket, type AdmittedStream } from './stream-guard';

const MAX_REQUEST_BYTES = 1024 * 1024;

export class AdsServer {
  readonly streams = new Set<AdsStream>();
  readonly counters: AdsCounters = { connections: 0, responses: 0, acks: 0, nacks: 0, rebuilds: 0 };
  private readonly configs = new Map<string, NodeConfig>();
  private readonly building = new Map<string, Promise<NodeConfig>>();
  private readonly versionCounters = new Map<string, { hash: string; version: number }>();
  private readonly encoder = new ResourceEncoder();
  private server?: grpc.Server;
  private unwatch?: () => void;
  private unwatchSecrets?: () => void;
  /** Log lines said once (a missing secret would otherwise be logged on every rebuild). */
  private readonly said = new Set<string>();
  private nextStreamId = 1;
  /** Streams opened and not yet closed, served or still being admitted (for maxStreams). */
  private open = 0;
  /** When the oldest change not yet pushed was noticed. */
  private pendingChangeAt?: number;
  private quietTimer?: NodeJS.Timeout;
  private maxTimer?: NodeJS.Timeout;
  /** The change notice the push in progress answers (convergence time starts there). */
  private pushChangeAt?: number;
  private nonceSeq = 0;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  private closed = false;
  /** Resolves after the next completed rebuild-and-push (tests and benchmarks wait on it). */
  private pushWaiters: Array<() => void> = [];
  port = 0;

  constructor(private readonly opts: AdsServerOptions) {}

  private log(line: string): void {
    this.opts.log?.(line);
  }

  private logOnce(line: string): void {
    if (this.said.has(line)) return;
    this.said.add(line);
    this.log(line);
  }

  async start(): Promise<this> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES, ...this.opts.grpcOptions });
    server.addService(adsService(), { StreamAggregatedResources: (call: AdsStream['call']) => this.onStream(call) });
    server.addService(csdsService(), {
      FetchClientStatus: (call: grpc.ServerUnaryCall<ClientStatusRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        cb(null, clientStatus(this, !call.request.exclude_resource_contents));
      },
    });
    const host = this.opts.host ?? '127.0.0.1';
    const target = host.includes(':') && !host.startsWith('[') ? `[${host}]:${this.opts.port ?? 0}` : `${host}:${this.opts.port ?? 0}`;
    this.port = this.opts.attach
      ? await this.opts.attach(server)
      : await new Promise<number>((resolve, reject) => {
        server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
      });
    this.server = server;
    this.unwatch = this.opts.source.watch(() => this.changed());
    this.unwatchSecrets = this.opts.secrets?.onChange(() => this.changed());
    return this;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatch?.();
    this.unwatchSecrets?.();
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.opts.secrets?.close();
    for (const s of this.streams) s.call.end();
    this.streams.clear();
    // Every stream is ended already; proxies reconnect to the next server, so nothing is left to drain.
    this.server?.forceShutdown();
    await this.opts.source.close?.();
  }

  /**
   * A change notice (store write, re-issued certificate). With debouncing, a burst becomes one
   * push: after `quietMs` without further notices, at most `maxDelayMs` after the first.
   */
  private changed(): void {
    this.pendingChangeAt ??= Date.now();
    const d = this.opts.debounce;
    if (!d) {
      void this.refresh();
      return;
    }
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.flushChanges(), d.quietMs);
    this.maxTimer ??= setTimeout(() => this.flushChanges(), d.maxDelayMs);
  }

  private flushChanges(): void {
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    this.quietTimer = this.maxTimer = undefined;
    void this.refresh();
  }

  /** Resolves once the next rebuild (triggered by a change or by refresh()) has been pushed. */
  nextPush(): Promise<void> {
    return new Promise((resolve) => this.pushWaiters.push(resolve));
  }

  /** The configuration last built for a stream's node (and client flavour). */
  nodeConfig(stream: AdsStream): NodeConfig | undefined {
    return this.configs.get(this.configKey(stream));
  }

  // ---- streams ------------------------------------------------------------------------------

  /** Refuses a stream before anything of the mesh was sent: status, log line and the refusal event. */
  private refuse(call: AdsStream['call'], r: StreamRefused, nodeId?: string): void {
    this.log(`xDS: refused a stream from ${call.getPeer()}${nodeId ? ` for ${nodeId}` : ''} (${r.reason}): ${r.message}`);
    this.opts.onRefused?.({ reason: r.reason, code: r.code, message: r.message, peer: call.getPeer(), nodeId });
    call.emit('error', { code: r.code, details: r.message, metadata: new grpc.Metadata() });
  }

  private onStream(call: AdsStream['call']): void {
    let stream: AdsStream | undefined;
    let refused = false;
    let counted = true;
    this.open++;
    const limits = this.opts.limits ?? {};
    const bucket = limits.requestsPerSecond ? new TokenBucket(limits.requestsPerSecond, limits.burst ?? limits.requestsPerSecond * 4) : undefined;
    const refuse = (r: StreamRefused, nodeId?: string) => {
      if (refused) return;
      refused = true;
      this.refuse(call, r, nodeId);
    };
    // Authentication runs once, when the stream opens; requests wait for it.
    let admitted: Promise<AdmittedStream | undefined> = Promise.resolve(undefined);
    if (limits.maxStreams !== undefined && this.open > limits.maxStreams) {
      refuse(new StreamRefused(grpc.status.RESOURCE_EXHAUSTED, `this server serves at most ${limits.maxStreams} streams`, 'stream_limit'));
    } else if (this.opts.guard) {
      admitted = this.opts.guard.admit(call as unknown as grpc.ServerDuplexStream<unknown, unknown>).catch((e: unknown) => {
        if (e instanceof StreamRefused) refuse(e);
        else refuse(new StreamRefused(grpc.status.INTERNAL, `authentication failed: ${(e as Error).message}`, 'internal'));
        return undefined;
      });
    }
    let queue = Promise.resolve();
    call.on('data', (req: DiscoveryRequest) => {
      if (refused) return;
      if (bucket && !bucket.take()) {
        refuse(new StreamRefused(grpc.status.RESOURCE_EXHAUSTED, `more than ${limits.requestsPerSecond} requests per second on one stream`, 'rate_limited'), stream?.nodeId);
        return;
      }
      const maxNames = limits.maxResourceNames ?? 10_000;
      if ((req.resource_names?.length ?? 0) > maxNames) {
        refuse(new StreamRefused(grpc.status.INVALID_ARGUMENT, `a request may name at most ${maxNames} resources`, 'too_many_names'), stream?.nodeId);
        return;
      }
      // Requests of one stream are handled in order; building a node's config is async.
      queue = queue.then(async () => {
        const admission = await admitted;
        if (this.closed || refused) return;
        if (!stream) {
          const id = req.node?.id ?? '';
          const identity = parseNodeId(id);
          if (!identity) {
            refuse(new StreamRefused(grpc.status.INVALID_ARGUMENT, `node id "${id.slice(0, 200)}" must be mesh/<mesh>/virtualNode/<name>, mesh/<mesh>/virtualGateway/<name> or its ARN`, 'invalid_node'));
            return;
          }
          // A proxy that names no region in its node id is in the region it signs for.
          if (!identity.region && admission?.region) identity.region = admission.region;
          if (this.opts.guard && admission) {
            try {
              await this.opts.guard.authorize(admission, identity);
            } catch (e) {
              if (!(e instanceof StreamRefused)) throw e;
              refuse(e, formatNodeId(identity));
              return;
            }
          }
          if (this.closed || refused) return;
          const flavor: Flavor = isProxylessClient(req.node) ? 'grpc' : 'envoy';
          stream = {
            id: this.nextStreamId++, peer: call.getPeer(), node: req.node ?? {}, nodeId: formatNodeId(identity), identity,
            flavor, sds: flavor === 'envoy' ? sdsModeOf(req.node?.metadata) : 'socket', connectedAt: Date.now(), types: new Map(), call,
          };
          this.streams.add(stream);
          this.counters.connections++;
          this.log(`xDS: ${stream.nodeId} connected from ${stream.peer} (${req.node?.user_agent_name || 'unknown client'}${admission?.describe ? `, ${admission.describe}` : ''}, stream ${stream.id})`);
        }
        await this.onRequest(stream, req);
      }).catch((e: unknown) => this.log(`xDS: error handling a request: ${(e as Error).stack ?? e}`));
    });
    const done = () => {
      if (counted) {
        counted = false;
        this.open--;
      }
      if (stream && this.streams.delete(stream)) this.log(`xDS: ${stream.nodeId} disconnected (stream ${stream.id})`);
    };
    call.on('end', () => {
      done();
      call.end();
    });
    call.on('cancelled', done);
    call.on('error', done);
    call.on('close', done);
  }

  private async onRequest(stream: AdsStream, req: DiscoveryRequest): Promise<void> {
    const type = xdsType(req.type_url);
    if (!type) {
      // Answer (empty) rather than stay silent, so the client does not wait for it; ACKs need nothing.
      if (!req.response_nonce) {
        this.log(`xDS: ${stream.nodeId} asked for ${req.type_url}, which this server does not serve; answered with no resources`);
        stream.call.write({ version_info: '0', resources: [], type_url: req.type_url, nonce: String(++this.nonceSeq) });
      }
      return;
    }
    let st = stream.types.get(type.url);
    if (!st) {
      st = { sentNames: [], nacks: 0 };
      stream.types.set(type.url, st);
    }
    if (req.response_nonce && req.response_nonce !== st.nonce) return; // stale: superseded by a newer response
    if (req.response_nonce) {
      if (req.error_detail && (req.error_detail.message || req.error_detail.code)) {
        st.nacks++;
        this.counters.nacks++;
        st.nack = { version: st.sentVersion ?? '', hash: st.sentHash ?? '', message: req.error_detail.message ?? '', at: Date.now() };
        this.log(`xDS: NACK from ${stream.nodeId} for ${type.short} version ${st.sentVersion}: ${req.error_detail.message}`);
        this.opts.observe?.({ kind: 'nack', nodeId: stream.nodeId, stream: stream.id, type: type.short, version: st.sentVersion ?? '' });
      } else {
        this.counters.acks++;
        st.ackedVersion = req.version_info;
        st.nack = undefined;
        const sinceChangeMs = st.changeAt === undefined ? undefined : Date.now() - st.changeAt;
        st.changeAt = undefined;
        this.opts.observe?.({ kind: 'ack', nodeId: stream.nodeId, stream: stream.id, type: type.short, version: req.version_info, sinceChangeMs });
      }
    }
    const names = req.resource_names.length === 0 || req.resource_names.includes('*') ? undefined : new Set(req.resource_names);
    const subscriptionChanged = !sameNames(st.names, names) || st.nonce === undefined;
    st.names = names;
    const config = await this.configFor(stream);
    if (names && subscriptionChanged && type.sensitive) this.refuseForeign(stream, type, names, config);
    this.send(stream, type, st, config, subscriptionChanged);
  }

  /** Secrets go only to the node whose listeners and clusters use them; asking for others is logged. */
  private refuseForeign(stream: AdsStream, type: XdsType, names: Set<string>, config: NodeConfig): void {
    const own = config.byType.get(type.url);
    const foreign = [...names].filter((n) => !own?.has(n) && !config.pendingSecrets.has(n) && !config.invalid.includes(`${type.short} ${n}`));
    if (foreign.length) {
      // Names come from the client: a few, without control characters, are enough for the log.
      const shown = foreign.slice(0, 10).map((n) => n.slice(0, 200).replace(/[\x00-\x1f\x7f]/g, '?'));
      const more = foreign.length > shown.length ? ` and ${foreign.length - shown.length} more` : '';
      this.log(`xDS: ${stream.nodeId} asked for ${type.short} ${shown.join(', ')}${more}, which its listeners and clusters do not use; not served`);
    }
  }

  /** Sends the type's current resources unless the client already has (or rejected) exactly them. */
  private send(stream: AdsStream, type: XdsType, st: TypeState, config: NodeConfig, force: boolean): void {
    if (this.closed || !this.streams.has(stream)) return;
    const all = config.byType.get(type.url) ?? new Map<string, EncodedResource>();
    const chosen: EncodedResource[] = [];
    if (st.names) {
      for (const n of st.names) {
        const r = all.get(n);
        if (r) chosen.push(r);
      }
    } else {
      chosen.push(...all.values());
    }
    const hash = chosen.map((r) => `${r.name}=${r.hash}`).sort().join(',');
    if (!force && (hash === st.sentHash || hash === st.nack?.hash)) return;
    const version = String(config.versions.get(type.url)?.version ?? 0);
    st.nonce = String(++this.nonceSeq);
    st.sentVersion = version;
    st.sentHash = hash;
    st.sentNames = chosen.map((r) => r.name);
    st.sentAt = Date.now();
    // Pushes answer a change; responses to a request do not count towards convergence time.
    st.changeAt = force ? undefined : this.pushChangeAt;
    this.counters.responses++;
    stream.call.write({
      version_info: version,
      resources: chosen.map((r) => r.any),
      type_url: type.url,
      nonce: st.nonce,
      control_plane: { identifier: 'awsmesh' },
    });
    this.opts.observe?.({ kind: 'response', nodeId: stream.nodeId, stream: stream.id, type: type.short, version });
  }

  // ---- node configurations ------------------------------------------------------------------

  private configKey(stream: AdsStream): string {
    return `${stream.flavor}|${stream.sds}|${stream.identity.region ?? ''}|${stream.nodeId}`;
  }

  private async configFor(stream: AdsStream): Promise<NodeConfig> {
    const key = this.configKey(stream);
    return this.configs.get(key) ?? this.build(key, stream.identity, stream);
  }

  private build(key: string, identity: NodeIdentity, view: StreamView): Promise<NodeConfig> {
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.buildNow(key, identity, view).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
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
    if (!refs.size || !this.opts.secrets) return { resources: served, pending: new Set() };
    const source = this.opts.source;
    const acmSans = source.acmSans ? (arn: string) => source.acmSans!(identity, arn) : undefined;
    const { secrets, missing } = await this.opts.secrets.resolve(identity, refs, acmSans);
    for (const m of missing) {
      this.logOnce(`xDS: secret ${m.name} of ${formatNodeId(identity)} is not served yet (Envoy keeps what uses it warming): ${m.reason}`);
    }
    return { resources: { ...served, secrets: [...supplied, ...secrets] }, pending: new Set(missing.map((m) => m.name)) };
  }

  private async buildNow(key: string, identity: NodeIdentity, view: StreamView): Promise<NodeConfig> {
    const { flavor, sds } = view;
    const withRegion = identity.region || !this.opts.region ? identity : { ...identity, region: this.opts.region };
    let envoy: XdsResources | undefined;
    try {
      envoy = await this.opts.source.resources(withRegion);
    } catch (e) {
      const previous = this.configs.get(key);
      this.log(`xDS: cannot build the configuration of ${formatNodeId(identity)}: ${(e as Error).message}${previous ? ' (keeping the previous one)' : ''}`);
      if (previous) return previous;
    }
    let served = envoy && flavor === 'grpc' ? proxylessResources(envoy, { locality: withRegion.region }) : envoy;
    let pendingSecrets = new Set<string>();
    if (served && flavor === 'envoy') ({ resources: served, pending: pendingSecrets } = await this.withSecrets(withRegion, served, sds));
    const config: NodeConfig = {
      key, identity, flavor, sds, exists: envoy !== undefined, byType: new Map(), versions: new Map(), invalid: [], pendingSecrets,
      builtAt: Date.now(),
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
          this.log(`xDS: not serving ${type.short} ${name} of ${formatNodeId(identity)}: ${why}`);
        }
      }
      config.byType.set(type.url, encoded);
      const hash = [...encoded.values()].map((r) => `${r.name}=${r.hash}`).sort().join(',');
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

  /** Rebuilds every connected node's resources and pushes what changed. Coalesces bursts. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        this.pushChangeAt = this.pendingChangeAt;
        this.pendingChangeAt = undefined;
        await this.rebuildAndPush();
      } while (this.refreshAgain && !this.closed);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async rebuildAndPush(): Promise<void> {
    if (this.closed) return;
    this.counters.rebuilds++;
    const wanted = new Map<string, AdsStream>();
    for (const s of this.streams) wanted.set(this.configKey(s), s);
    // Configs of nodes nobody is connected as are dropped; they are rebuilt on the next connect.
    for (const key of this.configs.keys()) if (!wanted.has(key)) this.configs.delete(key);
    await Promise.all([...wanted].map(([key, s]) => this.buildNow(key, s.identity, s)));
    this.encoder.sweep();
    for (const stream of this.streams) {
      const config = this.configs.get(this.configKey(stream));
      if (!config) continue;
      for (const type of XDS_TYPES) {
        const st = stream.types.get(type.url);
        if (st && st.nonce !== undefined) this.send(stream, type, st, config, false);
      }
    }
    const waiters = this.pushWaiters;
    this.pushWaiters = [];
    for (const w of waiters) w();
  }
}

function sameNames(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.size !== b.size) return false;
  for (const n of a) if (!b.has(n)) return false;
  return true;
}
