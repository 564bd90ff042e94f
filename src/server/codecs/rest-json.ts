// AWS restJson1 (App Mesh): operations are found by HTTP method + the model's requestUri
// template; input members come from uri labels, the query string, headers and the JSON body as
// each member's `location` says; outputs with a `payload` member send that member's value bare.

import type { Input, Output } from '../../backends/backend';
import { NestingError, parseJson } from '../../base/structured-text';
import { getService, type ServiceName } from '../../model/services';
import type { OperationDefinition } from '../../model/types';
import { scalarFromText, toJsonWire, wireName, type Shapes } from '../shapes';
import { WireError, type Codec, type DecodedCall, type WireErrorBody, type WireErrorKind, type WireRequest, type WireResponse } from '../wire';

type Segment = { literal: string } | { label: string; greedy: boolean };

interface Route {
  op: OperationDefinition;
  segments: Segment[];
  literals: number;
  greedy: boolean;
}

/** AWS's JSON error names; also used for requests no service claims. */
export const REST_JSON_WIRE_ERRORS: Record<WireErrorKind, { code: string; status: number }> = {
  serialization: { code: 'SerializationException', status: 400 },
  unknownOperation: { code: 'UnknownOperationException', status: 404 },
  validation: { code: 'BadRequestException', status: 400 },
  tooLarge: { code: 'RequestEntityTooLargeException', status: 413 },
  missingAuth: { code: 'MissingAuthenticationTokenException', status: 403 },
  incompleteSignature: { code: 'IncompleteSignatureException', status: 403 },
  badSignature: { code: 'InvalidSignatureException', status: 403 },
  unknownAccessKey: { code: 'UnrecognizedClientException', status: 403 },
  expired: { code: 'InvalidSignatureException', status: 403 },
  internal: { code: 'InternalServerErrorException', status: 500 },
};

function parseTemplate(requestUri: string): Segment[] {
  const path = requestUri.split('?')[0];
  return path.split('/').slice(1).map((part) => {
    const m = /^\{([^}+]+)(\+?)\}$/.exec(part);
    return m ? { label: m[1], greedy: m[2] === '+' } : { literal: part };
  });
}

/** Most specific first: more literal segments win, greedy labels come last. */
function buildRoutes(operations: OperationDefinition[]): Map<string, Route[]> {
  const byMethod = new Map<string, Route[]>();
  for (const op of operations) {
    const segments = parseTemplate(op.http.requestUri);
    const route: Route = {
      op,
      segments,
      literals: segments.filter((s) => 'literal' in s).length,
      greedy: segments.some((s) => 'greedy' in s && s.greedy),
    };
    const list = byMethod.get(op.http.method) ?? [];
    list.push(route);
    byMethod.set(op.http.method, list);
  }
  for (const list of byMethod.values()) {
    list.sort((a, b) => Number(a.greedy) - Number(b.greedy) || b.literals - a.literals);
  }
  return byMethod;
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new WireError('serialization', `Invalid percent-encoding in the request path: ${raw}`);
  }
}

/** Labels of the matching route, or undefined. Segments are compared still encoded, decoded once matched. */
function matchRoute(route: Route, parts: string[]): Record<string, string> | undefined {
  const { segments } = route;
  if (!route.greedy && parts.length !== segments.length) return undefined;
  const labels: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    const part = parts[i];
    if (part === undefined) return undefined;
    if ('literal' in seg) {
      if (part !== seg.literal) return undefined;
    } else if (seg.greedy) {
      const rest = parts.slice(i).join('/');
      if (!rest) return undefined;
      labels[seg.label] = rest.split('/').map(decodeSegment).join('/');
      return labels;
    } else {
      if (!part) return undefined;
      labels[seg.label] = decodeSegment(part);
    }
  }
  return labels;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Request text as sent: bytes that are not UTF-8 are refused, never replaced by U+FFFD. */
export function utf8Text(bytes: Buffer | Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new WireError('serialization', `${what} is not valid UTF-8.`);
  }
}

/** A JSON object request body ({} when empty); anything else is a SerializationException. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const text = utf8Text(body, 'The request body');
  let parsed: unknown;
  try {
    parsed = parseJson(text);
  } catch (e) {
    if (e instanceof NestingError) throw new WireError('serialization', `The request body is ${e.message}.`);
    throw new WireError('serialization', `The request body is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new WireError('serialization', 'The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

/** restJson1 errors: the status, `x-amzn-errortype: <Code>` and `{"message": …}`. */
export function restJsonError(err: WireErrorBody, requestId: string): WireResponse {
  return {
    status: err.status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': err.code },
    body: JSON.stringify({ ...err.fields, message: err.message }),
  };
}

export class RestJsonCodec implements Codec {
  private routes?: Map<string, Route[]>;
  private readonly shapes: Shapes;

  constructor(readonly service: ServiceName) {
    this.shapes = getService(service).shapes;
  }

  private routeTable(): Map<string, Route[]> {
    this.routes ??= buildRoutes(Object.values(getService(this.service).operations));
    return this.routes;
  }

  decode(req: WireRequest): DecodedCall {
    const parts = req.rawPath.split('/').slice(1);
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // tolerate one trailing slash
    let found: { route: Route; labels: Record<string, string> } | undefined;
    for (const route of this.routeTable().get(req.method) ?? []) {
      const labels = matchRoute(route, parts);
      if (labels) {
        found = { route, labels };
        break;
      }
    }
    if (!found) throw new WireError('unknownOperation', `No ${this.service} operation matches ${req.method} ${req.rawPath}.`);
    const { op } = found.route;
    return { operation: op.name, input: this.readInput(op, found.labels, req) };
  }

  private readInput(op: OperationDefinition, labels: Record<string, string>, req: WireRequest): Input {
    const input: Input = {};
    const shape = op.input ? this.shapes[op.input] : undefined;
    if (!shape?.members) return input;
    let body: Record<string, unknown> | undefined;
    for (const [name, ref] of Object.entries(shape.members)) {
      const key = wireName(name, ref);
      const memberShape = this.shapes[ref.shape];
      let value: unknown;
      switch (ref.location) {
        case 'uri':
          value = labels[key];
          break;
        case 'querystring':
          if (memberShape?.type === 'list') {
            const all = req.query.getAll(key);
            value = all.length ? all.map((t) => scalarFromText(this.shapes[memberShape.member!.shape], t)) : undefined;
          } else {
            const text = req.query.get(key);
            value = text === null ? undefined : scalarFromText(memberShape, text);
          }
          break;
        case 'header': {
          const text = req.headers[key.toLowerCase()];
          value = typeof text === 'string' ? scalarFromText(memberShape, text) : undefined;
          break;
        }
        case undefined:
          if (shape.payload === name) {
            value = req.body.length ? parseJsonBody(req.body) : undefined;
          } else {
            body ??= parseJsonBody(req.body);
            value = body[key];
          }
          break;
        default:
          value = undefined;
      }
      if (value !== undefined) input[name] = value;
    }
    // A body that does not parse is an error even when the operation reads nothing from it.
    if (body === undefined && req.body.length && req.method !== 'GET') parseJsonBody(req.body);
    return input;
  }

  encodeOutput(operation: string, output: Output, requestId: string): WireResponse {
    const op = getService(this.service).operations[operation];
    const shape = op.output ? this.shapes[op.output] : undefined;
    let body: unknown = {};
    if (shape?.payload) {
      const ref = shape.members![shape.payload];
      body = toJsonWire(this.shapes, ref.shape, output[shape.payload], 'unixTimestamp') ?? {};
    } else if (op.output) {
      body = toJsonWire(this.shapes, op.output, output, 'unixTimestamp') ?? {};
    }
    return {
      status: op.http.responseCode ?? 200,
      headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
      body: JSON.stringify(body),
    };
  }

  encodeError(err: WireErrorBody, requestId: string): WireResponse {
    return restJsonError(err, requestId);
  }

  wireError(kind: WireErrorKind): { code: string; status: number } {
    return REST_JSON_WIRE_ERRORS[kind];
  }
}
