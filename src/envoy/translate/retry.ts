// App Mesh retryPolicy → Envoy RetryPolicy (dataplane.md §1.9; roadmap #284 for `reset`).

import type { HttpRetryPolicy } from '../../mesh/types';
import { HOST_SELECTION_RETRY_MAX_ATTEMPTS, PREVIOUS_HOSTS_PREDICATE, defaultRetryPolicy } from './defaults';
import { durationMs, envoyDuration } from './durations';
import type { RetryPolicy } from './envoy-types';

const HTTP_EVENTS: Record<string, { on: string[]; codes: number[] }> = {
  'server-error': { on: ['reset', 'retriable-status-codes'], codes: [500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511] },
  'gateway-error': { on: ['reset', 'retriable-status-codes'], codes: [502, 503, 504] },
  'client-error': { on: ['retriable-status-codes'], codes: [409] },
  'stream-error': { on: ['refused-stream'], codes: [] },
};

const TCP_EVENTS: Record<string, string> = { 'connection-error': 'connect-failure' };

/** gRPC status names App Mesh accepts are Envoy's retry_on names already. */
const GRPC_EVENTS = new Set(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);

/** The route's retry policy: the user's when given, otherwise App Mesh's hidden default. */
export function retryPolicy(policy: HttpRetryPolicy | undefined, useDefault = true): RetryPolicy | undefined {
  if (!policy) return useDefault ? defaultRetryPolicy() : undefined;
  const on: string[] = [];
  const codes: number[] = [];
  const add = (name: string) => {
    if (!on.includes(name)) on.push(name);
  };
  for (const e of policy.httpRetryEvents ?? []) {
    const m = HTTP_EVENTS[e];
    if (!m) continue;
    m.on.forEach(add);
    for (const c of m.codes) if (!codes.includes(c)) codes.push(c);
  }
  for (const e of policy.tcpRetryEvents ?? []) if (TCP_EVENTS[e]) add(TCP_EVENTS[e]);
  for (const e of policy.grpcRetryEvents ?? []) if (GRPC_EVENTS.has(e)) add(e);
  const out: RetryPolicy = {
    retry_on: on.join(','),
    num_retries: Number(policy.maxRetries),
  };
  const perTry = durationMs(policy.perRetryTimeout);
  if (perTry !== undefined && perTry > 0) out.per_try_timeout = envoyDuration(perTry);
  if (codes.length) out.retriable_status_codes = codes;
  out.retry_host_predicate = [PREVIOUS_HOSTS_PREDICATE];
  out.host_selection_retry_max_attempts = HOST_SELECTION_RETRY_MAX_ATTEMPTS;
  return out;
}
