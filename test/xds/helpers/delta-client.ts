// A hand-driven incremental ADS (DeltaAggregatedResources) client: it sends exactly the requests a
// test writes and records every response, so the test can check what the server chose to send.

import * as grpc from '@grpc/grpc-js';
import { decodeEnvoyResource } from '../../../src/envoy/validate';
import { adsService, type DeltaDiscoveryRequest, type DeltaDiscoveryResponse, type NodeInfo } from '../../../src/xds/protocol';
import { xdsType } from '../../../src/xds/resource-types';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export class DeltaClient {
  readonly responses: DeltaDiscoveryResponse[] = [];
  error?: grpc.ServiceError;
  private readonly client: grpc.Client;
  private readonly call: grpc.ClientDuplexStream<DeltaDiscoveryRequest, DeltaDiscoveryResponse>;
  private waiters: Array<() => void> = [];
  private first = true;

  constructor(address: string, private readonly node: NodeInfo) {
    const Client = grpc.makeGenericClientConstructor(adsService(), 'AggregatedDiscoveryService');
    this.client = new Client(address, grpc.credentials.createInsecure());
    this.call = (this.client as unknown as Json).DeltaAggregatedResources();
    this.call.on('data', (r: DeltaDiscoveryResponse) => {
      this.responses.push(r);
      for (const w of this.waiters.splice(0)) w();
    });
    this.call.on('error', (e: grpc.ServiceError) => {
      this.error = e;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(req: Partial<DeltaDiscoveryRequest> & { type_url: string }): void {
    this.call.write({
      resource_names_subscribe: [], resource_names_unsubscribe: [], initial_resource_versions: {}, response_nonce: '', ...req,
      ...(this.first ? { node: this.node } : {}),
    });
    this.first = false;
  }

  ack(r: DeltaDiscoveryResponse): void {
    this.send({ type_url: r.type_url, response_nonce: r.nonce });
  }

  /** The response number `index` (0-based, in arrival order), waiting up to `timeoutMs` for it. */
  async nth(index: number, timeoutMs = 10_000): Promise<DeltaDiscoveryResponse> {
    const deadline = Date.now() + timeoutMs;
    while (this.responses.length <= index) {
      if (this.error) throw new Error(`stream failed: ${this.error.details}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no delta response #${index} within ${timeoutMs} ms (have ${this.responses.length})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.responses[index];
  }

  /** name → decoded resource of a response. */
  static decode(r: DeltaDiscoveryResponse): Record<string, Json> {
    const type = xdsType(r.type_url)!;
    return Object.fromEntries(r.resources.map((x) => [x.name, decodeEnvoyResource(type.message, x.resource.value)]));
  }

  close(): void {
    this.call.end();
    this.client.close();
  }
}
