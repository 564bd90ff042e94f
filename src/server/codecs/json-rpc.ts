// AWS JSON 1.0/1.1 (Cloud Map): POST / with `X-Amz-Target: <targetPrefix>.<Operation>` and the
// input as a JSON object; errors are `{"__type": Code, "Message": …}` with the model's status.

import type { Input, Output } from '../../backends/backend';
import { getService, type ServiceName } from '../../model/services';
import { toJsonWire, type Shapes } from '../shapes';
import { parseJsonBody, REST_JSON_WIRE_ERRORS } from './rest-json';
import { modelOnly, WireError, type Codec, type DecodedCall, type WireErrorBody, type WireErrorKind, type WireRequest, type WireResponse } from '../wire';

/** Like rest-json's, except where json-1.1 services name things differently. */
const WIRE_ERRORS: Record<WireErrorKind, { code: string; status: number }> = {
  ...REST_JSON_WIRE_ERRORS,
  unknownOperation: { code: 'UnknownOperationException', status: 400 },
  validation: { code: 'InvalidInput', status: 400 },
  internal: { code: 'InternalFailure', status: 500 },
};

export class JsonRpcCodec implements Codec {
  private readonly shapes: Shapes;
  private readonly targetPrefix: string;
  private readonly contentType: string;

  constructor(readonly service: ServiceName) {
    const def = getService(service);
    this.shapes = def.shapes;
    this.targetPrefix = def.metadata.targetPrefix ?? '';
    this.contentType = `application/x-amz-json-${def.metadata.jsonVersion ?? '1.0'}`;
  }

  /** Whether an X-Amz-Target header names this service. */
  ownsTarget(target: string): boolean {
    return target.startsWith(`${this.targetPrefix}.`);
  }

  decode(req: WireRequest): DecodedCall {
    const target = req.headers['x-amz-target'];
    if (typeof target !== 'string' || !this.ownsTarget(target)) {
      throw new WireError('unknownOperation', `Missing or foreign X-Amz-Target header (expected ${this.targetPrefix}.<Operation>).`);
    }
    const operation = target.slice(this.targetPrefix.length + 1);
    const notImplemented = req.method === 'POST' ? modelOnly(this.service, operation) : undefined;
    if (notImplemented) return notImplemented;
    if (req.method !== 'POST' || !Object.hasOwn(getService(this.service).operations, operation)) {
      throw new WireError('unknownOperation', `Unknown operation ${target}.`);
    }
    return { operation, input: this.modelledMembers(operation, parseJsonBody(req.body)) };
  }

  /** Like AWS, unknown top-level members are ignored rather than passed to the provider. */
  private modelledMembers(operation: string, body: Input): Input {
    const inputShape = getService(this.service).operations[operation].input;
    const members = inputShape ? this.shapes[inputShape]?.members : undefined;
    if (!members) return {};
    const input: Input = {};
    for (const name of Object.keys(members)) if (body[name] !== undefined) input[name] = body[name];
    return input;
  }

  encodeOutput(operation: string, output: Output, requestId: string): WireResponse {
    const op = getService(this.service).operations[operation];
    const body = op.output ? toJsonWire(this.shapes, op.output, output, 'unixTimestamp') : {};
    return {
      status: 200,
      headers: { 'content-type': this.contentType, 'x-amzn-requestid': requestId },
      body: JSON.stringify(body ?? {}),
    };
  }

  encodeError(err: WireErrorBody, requestId: string): WireResponse {
    return {
      status: err.status,
      headers: { 'content-type': this.contentType, 'x-amzn-requestid': requestId },
      body: JSON.stringify({ __type: err.code, ...err.fields, Message: err.message }),
    };
  }

  wireError(kind: WireErrorKind): { code: string; status: number } {
    return WIRE_ERRORS[kind];
  }
}
