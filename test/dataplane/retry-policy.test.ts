// The router's retry decisions without sockets: what a route's retry_on retries, and the
// jittered back-off with an injected random source (deterministic here).

import { compileRetry } from '../../src/dataplane/config/route-table';
import { retriesFailure, retriesPerTryTimeout, retriesResponse, retryBackoffMs } from '../../src/dataplane/http/retry-policy';

test('back-off: full jitter below min(25 ms × (2^n − 1), 250 ms), drawn from the injected source', () => {
  const half = () => 0.5;
  expect([1, 2, 3, 4, 10].map((n) => retryBackoffMs(n, half))).toEqual([12.5, 37.5, 87.5, 125, 125]);
  expect(retryBackoffMs(3, () => 0)).toBe(0);
  const draws: number[] = [];
  retryBackoffMs(1, () => (draws.push(1), 0.25));
  expect(draws).toEqual([1]);
});

test('responses: 5xx, gateway-error, retriable-4xx, retriable status codes and gRPC statuses', () => {
  const fiveXx = compileRetry({ retry_on: '5xx', num_retries: 2 });
  expect(retriesResponse(fiveXx, 500, {}, false)).toBe(true);
  expect(retriesResponse(fiveXx, 404, {}, false)).toBe(false);
  const gateway = compileRetry({ retry_on: 'gateway-error,retriable-4xx', num_retries: 2 });
  expect([500, 502, 503, 504, 409, 429].map((s) => retriesResponse(gateway, s, {}, false))).toEqual([false, true, true, true, true, false]);
  const codes = compileRetry({ retry_on: 'retriable-status-codes', num_retries: 1, retriable_status_codes: [418] });
  expect(retriesResponse(codes, 418, {}, false)).toBe(true);
  const grpc = compileRetry({ retry_on: 'unavailable', num_retries: 1 });
  expect(retriesResponse(grpc, 200, { 'grpc-status': '14' }, true)).toBe(true);
  expect(retriesResponse(grpc, 200, { 'grpc-status': '14' }, false)).toBe(false);
  expect(retriesResponse(grpc, 200, { 'grpc-status': '0' }, true)).toBe(false);
});

test('failures before headers and per-try timeouts', () => {
  const connect = compileRetry({ retry_on: 'connect-failure', num_retries: 1 });
  expect(retriesFailure(connect, 'connect-failure')).toBe(true);
  expect(retriesFailure(connect, 'reset')).toBe(false);
  expect(retriesPerTryTimeout(connect)).toBe(false);
  const refused = compileRetry({ retry_on: 'refused-stream', num_retries: 1 });
  expect(retriesFailure(refused, 'refused-stream')).toBe(true);
  expect(retriesFailure(refused, 'connect-failure')).toBe(false);
  const reset = compileRetry({ retry_on: 'reset', num_retries: 1 });
  expect(retriesFailure(reset, 'connect-failure')).toBe(true);
  expect(retriesPerTryTimeout(reset)).toBe(true);
});
