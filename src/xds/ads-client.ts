// A minimal ADS client that behaves like Envoy on the wire: it subscribes to LDS and CDS, follows
// the route configurations and EDS clusters they name and the secrets their TLS contexts fetch
// over ADS, and ACKs (or, when told to, NACKs) each response. Used by the xDS benchmark and tests
// to stand in for many proxies at once.

import * as grpc from '@grpc/grpc-js';
import { decodeEnvoyResource } from '../envoy/validate';
import { adsService, type DiscoveryRequest, type DiscoveryResponse, type NodeInfo } from './protocol';
import { TYPE_URLS, xdsType } from './resource-types';
import { fetchedOverAds, visitSdsSecretConfigs } from './secrets';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface AdsClientOptions {
  /** ACK every response and follow RDS/EDS names like Envoy (default true). */
  envoyLike?: boolean;
  /** Decide to reject a response: return an error message to NACK it. */
  reject?: (response: DiscoveryResponse) => string | undefined;
  /** Default: plaintext. `awsmesh serve` wants TLS, usually composed with aws_iam call credentials. */
  credentials?: grpc.ChannelCredentials;
  channelOptions?: grpc.ChannelOptions;
}

export interface ReceivedResponse extends DiscoveryResponse {
  receivedAt: number;
}

export class AdsClient {
  readonly responses: ReceivedResponse[] = [];
  /** Last version ACKed per type URL. */
  readonly acked = new Map<string, string>();
  private readonly names = new Map<string, string[]>();
  /** Secret names the latest LDS and CDS responses reference over ADS, by type URL. */
  private readonly secretRefs = new Map<string, string[]>();
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<DiscoveryRequest, DiscoveryResponse>;
  private waiters: Array<{ test: (r: ReceivedResponse) => boolean; resolve: (r: ReceivedResponse) => void; fail: (e: grpc.ServiceError) => void }> = [];
  private first = true;
  private closed = false;
  error?: grpc.ServiceError;
  ended = false;

  constructor(address: string, private readonly node: NodeInfo, private readonly opts: AdsClientOptions = {}) {
    const Client = grpc.makeGenericClientConstructor(adsService(), 'AggregatedDiscoveryService');
    this.client = new Client(address, opts.credentials ?? grpc.credentials.createInsecure(), opts.channelOptions);
    this.call = (this.client as unknown as Json).StreamAggregatedResources();
    this.call.on('data', (r: DiscoveryResponse) => this.onResponse(r));
    this.call.on('error', (e: grpc.ServiceError) => {
      this.error = e;
      // Nothing more will come: waiters fail now rather than at their timeout.
      for (const w of this.waiters.splice(0)) w.fail(e);
    });
    this.call.on('end', () => {
      this.ended = true;
    });
  }

  /** Sends a request; the node goes with the first one only (set_node_on_first_message_only). */
  send(req: Partial<DiscoveryRequest> & { type_url: string }): void {
    if (this.closed) return;
    const full: DiscoveryRequest = {
      version_info: '', resource_names: [], response_nonce: '', ...req,
      ...(this.first ? { node: this.node } : {}),
    };
    this.first = false;
    this.names.set(req.type_url, full.resource_names);
    this.call.write(full);
  }

  /** Envoy's opening: LDS and CDS, wildcard. */
  start(): this {
    this.send({ type_url: TYPE_URLS.listener });
    this.send({ type_url: TYPE_URLS.cluster });
    return this;
  }

  subscribe(typeUrl: string, names: string[] = []): void {
    this.send({ type_url: typeUrl, resource_names: names, version_info: this.acked.get(typeUrl) ?? '' });
  }

  ack(r: DiscoveryResponse): void {
    this.acked.set(r.type_url, r.version_info);
    this.send({ type_url: r.type_url, version_info: r.version_info, response_nonce: r.nonce, resource_names: this.names.get(r.type_url) ?? [] });
  }

  nack(r: DiscoveryResponse, message: string): void {
    this.send({
      type_url: r.type_url, version_info: this.acked.get(r.type_url) ?? '', response_nonce: r.nonce,
      resource_names: this.names.get(r.type_url) ?? [], error_detail: { code: 3, message },
    });
  }

  /** Resolves with the first response (already received or coming) that passes `test`. The default
   *  deadline leaves room for a busy 2-core machine (a first push there can take seconds) while staying
   *  inside jest's 30 s test timeout. */
  waitFor(test: (r: ReceivedResponse) => boolean, timeoutMs = 25_000, since = 0): Promise<ReceivedResponse> {
    const seen = this.responses.slice(since).find(test);
    if (seen) return Promise.resolve(seen);
    if (this.error) return Promise.reject(new Error(`the xDS stream failed: ${this.error.code} ${this.error.details}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (r: ReceivedResponse) => { clearTimeout(timer); resolve(r); },
        fail: (e: grpc.ServiceError) => { clearTimeout(timer); reject(new Error(`the xDS stream failed: ${e.code} ${e.details}`)); },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching xDS response within ${timeoutMs} ms${this.error ? ` (stream error: ${this.error.details})` : ''}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The resources of a response, decoded (protobufjs object form). */
  static decode(r: DiscoveryResponse): Json[] {
    const type = xdsType(r.type_url);
    if (!type) return [];
    return r.resources.map((a) => decodeEnvoyResource(type.message, a.value));
  }

  private onResponse(r: DiscoveryResponse): void {
    if (this.closed) return;
    const received: ReceivedResponse = { ...r, receivedAt: Date.now() };
    this.responses.push(received);
    const problem = this.opts.reject?.(r);
    if (problem !== undefined) this.nack(r, problem);
    else if (this.opts.envoyLike !== false) {
      this.ack(r);
      this.follow(r);
    }
    for (const w of [...this.waiters]) {
      if (w.test(received)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(received);
      }
    }
  }

  /** Secret names fetched over ADS by the TLS contexts (transport sockets) of decoded resources. */
  static secretNames(resources: Json[]): string[] {
    const names = new Set<string>();
    const walk = (v: unknown): void => {
      if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) return;
      if (Array.isArray(v)) return v.forEach(walk);
      const o = v as Json;
      if (typeof o.type_url === 'string' && /TlsContext$/.test(o.type_url) && o.value) {
        const context = decodeEnvoyResource(o.type_url.slice(o.type_url.lastIndexOf('/') + 1), o.value);
        visitSdsSecretConfigs(context, (c) => {
          if (fetchedOverAds(c)) names.add(String(c.name));
        });
        return;
      }
      Object.values(o).forEach(walk);
    };
    walk(resources);
    return [...names].sort();
  }

  /** Like Envoy: RDS for the route configurations listeners name, EDS for EDS clusters, SDS for their secrets. */
  private follow(r: DiscoveryResponse): void {
    if (r.type_url === TYPE_URLS.listener || r.type_url === TYPE_URLS.cluster) {
      this.secretRefs.set(r.type_url, AdsClient.secretNames(AdsClient.decode(r)));
      this.want(TYPE_URLS.secret, [...new Set([...this.secretRefs.values()].flat())].sort());
    }
    let wanted: { type: string; names: string[] } | undefined;
    if (r.type_url === TYPE_URLS.listener) {
      const names = new Set<string>();
      for (const l of AdsClient.decode(r)) {
        const hcms = [l.api_listener?.api_listener, ...((l.filter_chains ?? []) as Json[]).flatMap((c) => (c.filters ?? []).map((f: Json) => f.typed_config))];
        for (const any of hcms) {
          if (!any?.type_url?.endsWith('HttpConnectionManager')) continue;
          const hcm = decodeEnvoyResource('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', any.value) as Json;
          if (hcm.rds?.route_config_name) names.add(hcm.rds.route_config_name);
        }
      }
      wanted = { type: TYPE_URLS.routeConfiguration, names: [...names].sort() };
    } else if (r.type_url === TYPE_URLS.cluster) {
      const names = AdsClient.decode(r).filter((c) => c.type === 'EDS').map((c) => c.eds_cluster_config?.service_name || c.name);
      wanted = { type: TYPE_URLS.clusterLoadAssignment, names: names.sort() };
    }
    if (wanted) this.want(wanted.type, wanted.names);
  }

  /** (Re)subscribes to `names` of a type unless that is the subscription already. */
  private want(type: string, names: string[]): void {
    const current = this.names.get(type);
    if (current && current.join(',') === names.join(',')) return;
    if (!current && !names.length) return;
    this.subscribe(type, names);
  }

  close(): void {
    this.closed = true;
    this.call.end();
    this.client.close();
  }
}
