// The vocabulary shared by the wire codecs and the HTTP listener: a request as the codecs see it
// (already read into memory, size-limited), the response they produce, and the protocol-neutral
// error kinds each codec names in its own dialect.

import type { IncomingHttpHeaders } from 'http';
import type { Input, Output } from '../backends/backend';
import { getService, type ServiceName } from '../model/services';

export interface WireRequest {
  method: string;
  /** Path exactly as sent (still percent-encoded), without the query string. */
  rawPath: string;
  /** Query string exactly as sent, without the leading '?'. */
  rawQuery: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body encoded (UTF-8), when it was kept that way (the read cache's answers). */
  bytes?: Buffer;
}

export interface DecodedCall {
  operation: string;
  input: Input;
}

/** Errors that happen before or around a provider call; each codec maps them to its protocol's names. */
export type WireErrorKind =
  | 'serialization' // body or query cannot be parsed
  | 'unknownOperation' // no operation matches the request
  | 'validation' // input fails the operation's schema
  | 'tooLarge' // body over --max-body-bytes
  | 'missingAuth' // --verify-signatures and no signature
  | 'incompleteSignature' // Authorization header present but malformed
  | 'badSignature' // signature does not match
  | 'unknownAccessKey' // signed with a key the server does not know
  | 'expired' // request time outside the allowed window
  | 'internal'; // a bug or an unimplemented operation

/**
 * An operation the service model has but awsmesh does not implement: decoded with no input, so the
 * dispatcher answers NotImplemented (501) instead of the protocol's "unknown operation".
 */
export function modelOnly(service: ServiceName, operation: string): DecodedCall | undefined {
  return getService(service).unimplemented?.includes(operation) ? { operation, input: {} } : undefined;
}

/** A failure the server detects itself (not a provider's ServiceError). */
export class WireError extends Error {
  constructor(
    readonly kind: WireErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

/** An error as the codecs encode it; `code` is what clients see (x-amzn-errortype, <Code>, __type). */
export interface WireErrorBody {
  code: string;
  message: string;
  status: number;
  /** Other members of the error shape (e.g. Cloud Map's NamespaceId). */
  fields?: Record<string, unknown>;
}

/** One AWS protocol (App Mesh rest-json, IAM query, Cloud Map json-1.1) for one service. */
export interface Codec {
  readonly service: ServiceName;
  /** Works out the operation and its input from the request; throws WireError. */
  decode(req: WireRequest): DecodedCall;
  encodeOutput(operation: string, output: Output, requestId: string): WireResponse;
  encodeError(err: WireErrorBody, requestId: string): WireResponse;
  /** This protocol's code and status for a server-side failure. */
  wireError(kind: WireErrorKind): { code: string; status: number };
}
