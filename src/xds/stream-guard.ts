// What `awsmesh serve` puts in front of each ADS stream: who may open one (authentication, when
// the stream starts), which node it may ask for (proxy authorization, on its first request), and
// how much a single stream may ask (limits). The xDS server knows nothing of IAM or TLS: it calls
// these hooks and refuses the stream, sending nothing, when one throws StreamRefused.

import type * as grpc from '@grpc/grpc-js';
import type { NodeIdentity } from './node-id';

export class StreamRefused extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
    /** Label of the rejection metric (e.g. bad_signature, permission_denied, rate_limited). */
    readonly reason: string,
  ) {
    super(message);
    this.name = 'StreamRefused';
  }
}

export interface AdmittedStream {
  /** Opaque to the xDS server; handed back to authorize(). */
  principal: unknown;
  /** Region for node ids that name none (a proxy signs with its own region). */
  region?: string;
  /** For logs: who opened the stream. */
  describe?: string;
}

export interface StreamGuard {
  /** Runs when a stream opens, before any request is read; throws StreamRefused. */
  admit(call: grpc.ServerDuplexStream<unknown, unknown>): Promise<AdmittedStream>;
  /** Runs on the first request, once the node is known; throws StreamRefused. */
  authorize(admitted: AdmittedStream, node: NodeIdentity): void | Promise<void>;
}

export interface StreamLimits {
  /** Streams served at once (default unlimited); more are refused with RESOURCE_EXHAUSTED. */
  maxStreams?: number;
  /** Requests per second one stream may send on average (default unlimited)… */
  requestsPerSecond?: number;
  /** …with bursts up to this many (default 4 × requestsPerSecond). */
  burst?: number;
  /** Resource names one request may list (default 10,000). */
  maxResourceNames?: number;
}

export interface Debounce {
  /** Push once changes have been quiet this long (ms)… */
  quietMs: number;
  /** …but no later than this after the first change of a burst (ms). */
  maxDelayMs: number;
}

/** A token bucket: `take()` is false once a stream has used up its burst and refill. */
export class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private readonly rate: number, private readonly burst: number) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
