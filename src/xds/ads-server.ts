// The Aggregated Discovery Service: xDS over one gRPC stream per proxy, in both variants — state
// of the world (StreamAggregatedResources, sotw.ts) and incremental (DeltaAggregatedResources,
// delta.ts) — for every resource type served (listeners, routes, clusters, endpoints, secrets).
//
// This file admits streams (authentication and proxy authorization through the guard, limits, the
// node id on the first request), hands their requests to the variant's handler in order, and
// pushes after changes: a change notice (debounced when asked) rebuilds the configurations of the
// connected nodes it touched (node-configs.ts) and pushes to their streams what changed for each.
// Versions are per node and type: a counter that moves whenever that type's content changes.
// Secrets (SDS over ADS) are one more type: those the node's own listeners and clusters reference,
// from the local CA (secrets.ts), which is watched so re-issued certificates are pushed.

import * as grpc from '@grpc/grpc-js';
import { ListenerGuard } from '../base/listener-guard';
import type { AdsContext, AdsCounters, AdsServerOptions, AdsStream, Flavor, NodeConfig, XdsEvent, XdsProtocol } from './ads-types';
import { onDeltaRequest, sendDelta } from './delta';
import { formatNodeId, parseNodeId, sdsModeOf } from './node-id';
import { configKey, NodeConfigs, type NodeView } from './node-configs';
import { adsService, csdsService, type ClientStatusRequest, type DeltaDiscoveryRequest, type DiscoveryRequest, type NodeInfo } from './protocol';
import { isProxylessClient } from './proxyless';
import { XDS_TYPES } from './resource-types';
import { onSotwRequest, sendSotw } from './sotw';
import { clientStatus } from './status';
import { StreamRefused, TokenBucket, type AdmittedStream } from './stream-guard';

const MAX_REQUEST_BYTES = 1024 * 1024;

type AnyRequest = DiscoveryRequest | DeltaDiscoveryRequest;

/** Resource names one request carries: what the per-request cap counts. */
function namesIn(req: AnyRequest): number {
  if ('resource_names' in req) return req.resource_names?.length ?? 0;
  return (req.resource_names_subscribe?.length ?? 0) + (req.resource_names_unsubscribe?.length ?? 0)
    + Object.keys(req.initial_resource_versions ?? {}).length;
}

export class AdsServer implements AdsContext {
  readonly streams = new Set<AdsStream>();
  readonly counters: AdsCounters = { connections: 0, responses: 0, acks: 0, nacks: 0, rebuilds: 0, configBuilds: 0, configsUnchanged: 0 };
  private readonly configs: NodeConfigs;
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
  private changeAt?: number;
  private nonceSeq = 0;
  private refreshing?: Promise<void>;
  private refreshAgain = false;
  private closed = false;
  /** Resolves after the next completed rebuild-and-push (tests and benchmarks wait on it). */
  private pushWaiters: Array<() => void> = [];
  port = 0;

  private readonly peers: ListenerGuard;

  constructor(private readonly opts: AdsServerOptions) {
    this.peers = opts.peers ?? new ListenerGuard();
    this.configs = new NodeConfigs({
      source: opts.source, secrets: opts.secrets, region: opts.region, counters: this.counters,
      log: (line) => this.log(line), logOnce: (line) => this.logOnce(line),
    });
  }

  /** Why the process behind a call may not use this server (base/listener-guard), or undefined. */
  private async refusePeer(call: { getPeer(): string }): Promise<string | undefined> {
    const peer = call.getPeer();
    const colon = peer.lastIndexOf(':');
    const port = Number(peer.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port)) return `cannot tell who connected (peer '${peer}')`;
    const refusal = await this.peers.checkPeer({ address: peer.slice(0, colon), port }, { address: this.opts.host ?? '127.0.0.1', port: this.port });
    return refusal?.message;
  }

  log(line: string): void {
    this.opts.log?.(line);
  }

  private logOnce(line: string): void {
    if (this.said.has(line)) return;
    this.said.add(line);
    this.log(line);
  }

  // ---- what the protocol handlers use (AdsContext) -----------------------------------------

  nextNonce(): string {
    return String(++this.nonceSeq);
  }

  pushChangeAt(): number | undefined {
    return this.changeAt;
  }

  configFor(stream: AdsStream): Promise<NodeConfig> {
    return this.configs.for(stream);
  }

  serving(stream: AdsStream): boolean {
    return !this.closed && this.streams.has(stream);
  }

  observe(event: XdsEvent): void {
    this.opts.observe?.(event);
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  async start(): Promise<this> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES, ...this.opts.grpcOptions });
    // Nothing is read from a stream before its peer is admitted (its requests wait, buffered).
    const admit = (call: AdsStream['call'], protocol: XdsProtocol): void => void this.refusePeer(call).then((why) => {
      if (why) this.refuse(call, new StreamRefused(grpc.status.PERMISSION_DENIED, why, 'other_user'));
      else this.onStream(call, protocol);
    });
    server.addService(adsService(), {
      StreamAggregatedResources: (call: AdsStream['call']) => admit(call, 'sotw'),
      DeltaAggregatedResources: (call: AdsStream['call']) => admit(call, 'delta'),
    });
    server.addService(csdsService(), {
      FetchClientStatus: (call: grpc.ServerUnaryCall<ClientStatusRequest, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        void this.refusePeer(call).then((why) => {
          if (why) cb({ code: grpc.status.PERMISSION_DENIED, details: why });
          else cb(null, clientStatus(this, !call.request.exclude_resource_contents));
        });
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
    this.unwatchSecrets = this.opts.secrets?.onChange(() => {
      this.configs.secretsChanged();
      this.changed();
    });
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
    return this.configs.get(stream);
  }

  // ---- streams ------------------------------------------------------------------------------

  /** Refuses a stream before anything of the mesh was sent: status, log line and the refusal event. */
  private refuse(call: AdsStream['call'], r: StreamRefused, nodeId?: string): void {
    this.log(`xDS: refused a stream from ${call.getPeer()}${nodeId ? ` for ${nodeId}` : ''} (${r.reason}): ${r.message}`);
    this.opts.onRefused?.({ reason: r.reason, code: r.code, message: r.message, peer: call.getPeer(), nodeId });
    call.emit('error', { code: r.code, details: r.message, metadata: new grpc.Metadata() });
  }

  private onStream(call: AdsStream['call'], protocol: XdsProtocol): void {
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
    call.on('data', (req: AnyRequest) => {
      if (refused) return;
      if (bucket && !bucket.take()) {
        refuse(new StreamRefused(grpc.status.RESOURCE_EXHAUSTED, `more than ${limits.requestsPerSecond} requests per second on one stream`, 'rate_limited'), stream?.nodeId);
        return;
      }
      const maxNames = limits.maxResourceNames ?? 10_000;
      if (namesIn(req) > maxNames) {
        refuse(new StreamRefused(grpc.status.INVALID_ARGUMENT, `a request may name at most ${maxNames} resources`, 'too_many_names'), stream?.nodeId);
        return;
      }
      // Requests of one stream are handled in order; building a node's config is async.
      queue = queue.then(async () => {
        const admission = await admitted;
        if (this.closed || refused) return;
        stream ??= await this.identify(call, protocol, req.node, admission, refuse);
        if (!stream || this.closed || refused) return;
        if (protocol === 'delta') await onDeltaRequest(this, stream, req as DeltaDiscoveryRequest);
        else await onSotwRequest(this, stream, req as DiscoveryRequest);
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

  /** The first request names the node: checked, authorized for this stream's principal, registered. */
  private async identify(
    call: AdsStream['call'], protocol: XdsProtocol, node: NodeInfo | undefined, admission: AdmittedStream | undefined,
    refuse: (r: StreamRefused, nodeId?: string) => void,
  ): Promise<AdsStream | undefined> {
    const id = node?.id ?? '';
    const identity = parseNodeId(id);
    if (!identity) {
      refuse(new StreamRefused(grpc.status.INVALID_ARGUMENT, `node id "${id.slice(0, 200)}" must be mesh/<mesh>/virtualNode/<name>, mesh/<mesh>/virtualGateway/<name> or its ARN`, 'invalid_node'));
      return undefined;
    }
    // A proxy that names no region in its node id is in the region it signs for.
    if (!identity.region && admission?.region) identity.region = admission.region;
    if (this.opts.guard && admission) {
      try {
        await this.opts.guard.authorize(admission, identity);
      } catch (e) {
        if (!(e instanceof StreamRefused)) throw e;
        refuse(e, formatNodeId(identity));
        return undefined;
      }
    }
    if (this.closed) return undefined;
    const flavor: Flavor = isProxylessClient(node) ? 'grpc' : 'envoy';
    const stream: AdsStream = {
      id: this.nextStreamId++, protocol, peer: call.getPeer(), node: node ?? {}, nodeId: formatNodeId(identity), identity,
      flavor, sds: flavor === 'envoy' ? sdsModeOf(node?.metadata) : 'socket', connectedAt: Date.now(), types: new Map(), call,
    };
    this.streams.add(stream);
    this.counters.connections++;
    this.log(`xDS: ${stream.nodeId} connected from ${stream.peer} (${node?.user_agent_name || 'unknown client'}${admission?.describe ? `, ${admission.describe}` : ''}, ${protocol === 'delta' ? 'incremental' : 'state of the world'}, stream ${stream.id})`);
    return stream;
  }

  // ---- pushes ---------------------------------------------------------------------------------

  /** Rebuilds the connected nodes a change touched and pushes what changed. Coalesces bursts. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        this.changeAt = this.pendingChangeAt;
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
    const wanted = new Map<string, NodeView>();
    for (const s of this.streams) wanted.set(configKey(s), s);
    const rebuilt = await this.configs.refresh(wanted);
    for (const stream of this.streams) {
      if (!rebuilt.has(configKey(stream))) continue;
      const config = this.configs.get(stream);
      if (!config) continue;
      for (const type of XDS_TYPES) {
        const st = stream.types.get(type.url);
        if (!st || st.nonce === undefined) continue;
        if (stream.protocol === 'delta') sendDelta(this, stream, type, st, config, false);
        else sendSotw(this, stream, type, st, config, false);
      }
    }
    const waiters = this.pushWaiters;
    this.pushWaiters = [];
    for (const w of waiters) w();
  }
}
