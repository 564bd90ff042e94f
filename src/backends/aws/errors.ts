// Turns whatever the SDK throws into the error the local backend would raise for the same
// situation, worded as the AWS CLI words it (reference/awscli.md §1.3): service errors become
// ServiceError (254), connection problems GeneralError (255), missing credentials ConfigError (253).

import { STATUS_CODES } from 'http';
import { CliError, ConfigError, GeneralError, ServiceError } from '../../base/errors';
import { errorInfo, getService, type ServiceName } from '../../model/services';
import { NO_CREDENTIALS_MESSAGE, isNoCredentialsError } from './credentials';
import { RAW_BODY, REQUEST_URL, headerValue } from './transport';

export interface ErrorContext {
  service: ServiceName;
  operation: string;
  maxAttempts: number;
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  /** awsQuery (IAM) errors carry the wire code, which differs from the SDK's class name. */
  Code?: string;
  RequestId?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $response?: { statusCode?: number; headers?: Record<string, string>; [RAW_BODY]?: Buffer };
  [REQUEST_URL]?: string;
}

const CONNECT_FAILURES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);
const CONNECTION_CLOSED = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
const TLS_FAILURES = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;
const THROTTLING = /^(Throttling|ThrottlingException|ThrottledException|RequestThrottled|TooManyRequestsException|ProvisionedThroughputExceededException|TransactionInProgressException|RequestLimitExceeded|BandwidthLimitExceeded|LimitExceededException|RequestThrottledException|SlowDown|PriorRequestNotComplete|EC2ThrottledException)$/;

/** Error code as the service sent it: the SDK names classes after shapes (IAM's EntityAlreadyExistsException is code EntityAlreadyExists). */
function wireCode(service: ServiceName, e: SdkError): string {
  if (e.Code) return e.Code;
  const name = e.name ?? 'Unknown';
  const shape = getService(service).shapes[name];
  return shape?.exception && shape.error?.code ? shape.error.code : name;
}

/** The message field of a JSON error body, if it has one (the SDK says "UnknownError" when it does not). */
function bodyMessage(raw: Buffer | undefined): string | undefined {
  if (!raw?.length) return undefined;
  try {
    const body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    const m = body.message ?? body.Message;
    return typeof m === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** The SDK could not parse the body (an HTML error page from a proxy, say). */
function isUnparsedBody(e: SdkError): boolean {
  return e.$fault === undefined && (e.name === 'SyntaxError' || /Deserialization error/.test(e.message ?? ''));
}

function serviceError(e: SdkError, ctx: ErrorContext, status: number): ServiceError {
  const raw = e.$response?.[RAW_BODY];
  let code: string;
  let message: string;
  if (isUnparsedBody(e)) {
    // botocore: the status code stands in for the code and the reason phrase for the message.
    code = String(status);
    message = STATUS_CODES[status] ?? '';
  } else {
    code = wireCode(ctx.service, e);
    message = e.message === 'UnknownError' ? bodyMessage(raw) ?? '' : e.message ?? '';
  }
  const retryable = status >= 500 || status === 429 || THROTTLING.test(code);
  const attempts = e.$metadata?.attempts ?? 1;
  const modelled = errorInfo(ctx.service, code);
  return new ServiceError(code, message, {
    status,
    senderFault: e.$fault ? e.$fault === 'client' : modelled.senderFault && status < 500,
    service: ctx.service,
    operation: ctx.operation,
    requestId: e.$metadata?.requestId ?? e.RequestId ?? headerValue(e.$response?.headers, 'x-amzn-requestid'),
    maxRetriesReached: retryable && ctx.maxAttempts > 1 && attempts >= ctx.maxAttempts ? attempts - 1 : undefined,
  });
}

function connectionError(e: SdkError): GeneralError | undefined {
  const url = e[REQUEST_URL];
  if (!url) return undefined;
  const code = e.code ?? '';
  if (e.name === 'TimeoutError' || code === 'ETIMEDOUT') {
    const connecting = /did not establish a connection/.test(e.message ?? '');
    return new GeneralError(`${connecting ? 'Connect' : 'Read'} timeout on endpoint URL: "${url}"`);
  }
  if (CONNECT_FAILURES.has(code)) return new GeneralError(`Could not connect to the endpoint URL: "${url}"`);
  if (CONNECTION_CLOSED.has(code)) {
    return new GeneralError(`Connection was closed before we received a valid response from endpoint URL: "${url}".`);
  }
  if (TLS_FAILURES.test(code)) return new GeneralError(`SSL validation failed for ${url} ${e.message ?? code}`);
  return new GeneralError(`Could not connect to the endpoint URL: "${url}": ${e.message ?? code}`);
}

export function normaliseError(err: unknown, ctx: ErrorContext): CliError | ServiceError {
  if (err instanceof ServiceError || err instanceof CliError) return err;
  const e = (err ?? {}) as SdkError;
  if (isNoCredentialsError(e)) return new ConfigError(NO_CREDENTIALS_MESSAGE);
  if (e.name === 'CredentialsProviderError') return new GeneralError(e.message ?? 'Unable to load credentials');
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (status !== undefined && status >= 300) return serviceError(e, ctx, status);
  const connection = connectionError(e);
  if (connection) return connection;
  return new GeneralError(e.message || String(err));
}

/** A 2xx the SDK could not parse: the AWS CLI treats it as an empty success. */
export function isUnparsedSuccess(err: unknown): boolean {
  const e = (err ?? {}) as SdkError;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 200 && status < 300 && isUnparsedBody(e);
}
