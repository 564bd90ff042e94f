// The one seam between commands and the world: every service call goes through a Backend.
// Command code never asks which backend it has (architecture rule); only the dispatcher does.

import type { ServiceName } from '../model/services';

export type Input = Record<string, unknown>;
export type Output = Record<string, unknown>;

export interface CallContext {
  /** Region the call is made in (the local backend partitions state by it). */
  region: string;
  /** Set by `local serve` so providers can log/trace per request. */
  requestId?: string;
}

export interface Backend {
  readonly kind: 'local' | 'aws';
  /**
   * Run one API operation. Input and output use the service model's member names and shapes
   * (timestamps as Date or epoch seconds). Service failures throw ServiceError.
   */
  invoke(service: ServiceName, operation: string, input: Input, ctx: CallContext): Promise<Output>;
  close(): Promise<void>;
}
