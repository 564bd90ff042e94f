// The contract between one request attempt (http/exchange.ts) and an upstream host's connections
// (upstream.ts, http1-client.ts): the request sent, the callbacks its response comes back
// through, the handle to abort or resume it, and how a failure before headers is classified.

import type { IncomingHttpHeaders } from 'http';
import type { Socket } from 'net';
import type { Readable } from 'stream';

export type FailureKind = 'connect-failure' | 'reset' | 'refused-stream';

export interface UpstreamRequest {
  method: string;
  path: string;
  authority: string;
  /** Lower-case names, hop-by-hop headers removed, no `host` and no pseudo-headers. */
  headers: Record<string, string | string[]>;
  body: Readable | null;
  /**
   * An HTTP/1.1 Upgrade request (WebSocket): a 101 answer hands the connection over to
   * UpstreamHandler.onUpgrade instead of being read as an interim response.
   */
  upgrade?: boolean;
}

export interface UpstreamHandler {
  onHeaders(status: number, headers: IncomingHttpHeaders): void;
  /** Return false to apply back-pressure (call resume() on the call later). */
  onData(chunk: Buffer): boolean;
  onEnd(trailers: IncomingHttpHeaders | undefined): void;
  onFailure(kind: FailureKind, error: Error): void;
  /**
   * 101 Switching Protocols to an upgrade request: the connection now belongs to the handler
   * (paused, out of the pool); `head` holds bytes the upstream sent after the 101.
   */
  onUpgrade?(headers: IncomingHttpHeaders, socket: Socket, head: Buffer): void;
}

export interface UpstreamCall {
  abort(): void;
  resume(): void;
}

export interface Upstream {
  send(req: UpstreamRequest, handler: UpstreamHandler): UpstreamCall;
  close(): Promise<void>;
  /** Open connections to the host (admin /clusters cx_active). */
  activeConnections?(): number;
}
