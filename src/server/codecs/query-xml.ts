// AWS query protocol (IAM): `Action=Op&Version=…` form fields (POST body or query string), nested
// members as dotted names (`Tags.member.1.Key`), and XML responses wrapped in
// <OpResponse><OpResult>…</OpResult><ResponseMetadata/></OpResponse>.

import type { Input, Output } from '../../backends/backend';
import { setOwn } from '../../base/own-keys';
import { getService, type ServiceName } from '../../model/services';
import type { MemberRef } from '../../model/types';
import { scalarFromText, toIso8601, wireName, type Shapes } from '../shapes';
import { utf8Text } from './rest-json';
import { modelOnly, WireError, type Codec, type DecodedCall, type WireErrorBody, type WireErrorKind, type WireRequest, type WireResponse } from '../wire';

const WIRE_ERRORS: Record<WireErrorKind, { code: string; status: number }> = {
  serialization: { code: 'MalformedQueryString', status: 400 },
  unknownOperation: { code: 'InvalidAction', status: 400 },
  validation: { code: 'ValidationError', status: 400 },
  tooLarge: { code: 'RequestEntityTooLarge', status: 413 },
  missingAuth: { code: 'MissingAuthenticationToken', status: 403 },
  incompleteSignature: { code: 'IncompleteSignature', status: 403 },
  badSignature: { code: 'SignatureDoesNotMatch', status: 403 },
  unknownAccessKey: { code: 'InvalidClientTokenId', status: 403 },
  expired: { code: 'RequestExpired', status: 403 },
  internal: { code: 'ServiceFailure', status: 500 },
};

/** A malformed %-escape, which URLSearchParams would silently keep as text. */
const BAD_ESCAPE = /%(?![0-9a-fA-F]{2})/;

/** Form fields by name, plus every dotted prefix of a name, so nested lookups are O(1). */
class Params {
  private readonly values = new Map<string, string>();
  private readonly prefixes = new Set<string>();

  add(key: string, value: string): void {
    this.values.set(key, value);
    for (let i = key.indexOf('.'); i !== -1; i = key.indexOf('.', i + 1)) this.prefixes.add(key.slice(0, i));
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** Whether `key` is set itself or has nested fields. */
  has(key: string): boolean {
    return this.values.has(key) || this.prefixes.has(key);
  }
}

/** A form field's name or value: `+` is a space, %-escapes must spell UTF-8 (URLSearchParams would put U+FFFD). */
function formText(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    throw new WireError('serialization', 'The request contains %-escapes that are not valid UTF-8.');
  }
}

function readForm(text: string, into: Params): void {
  if (!text) return;
  if (BAD_ESCAPE.test(text)) throw new WireError('serialization', 'The request contains a malformed %-escape.');
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    into.add(formText(eq === -1 ? pair : pair.slice(0, eq)), eq === -1 ? '' : formText(pair.slice(eq + 1)));
  }
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export class QueryXmlCodec implements Codec {
  private readonly shapes: Shapes;
  private readonly namespace: string;

  constructor(readonly service: ServiceName) {
    const def = getService(service);
    this.shapes = def.shapes;
    this.namespace = def.metadata.xmlNamespace ?? '';
  }

  decode(req: WireRequest): DecodedCall {
    const params = new Params();
    readForm(req.rawQuery, params);
    if (req.method === 'POST') readForm(utf8Text(req.body, 'The request body'), params);
    const action = params.get('Action');
    if (!action) throw new WireError('unknownOperation', 'The request must contain the parameter Action.');
    const op = Object.hasOwn(getService(this.service).operations, action) ? getService(this.service).operations[action] : undefined;
    const notImplemented = op ? undefined : modelOnly(this.service, action);
    if (notImplemented && (req.method === 'POST' || req.method === 'GET')) return notImplemented;
    if (!op || (req.method !== 'POST' && req.method !== 'GET')) {
      throw new WireError('unknownOperation', `Could not find operation ${action} for version ${getService(this.service).metadata.apiVersion}.`);
    }
    const input = op.input ? (this.readValue(op.input, '', params) as Input | undefined) : undefined;
    return { operation: op.name, input: input ?? {} };
  }

  /** Reads the value of `shapeName` found under the dotted `prefix` ('' for the top level). */
  private readValue(shapeName: string, prefix: string, params: Params, ref?: MemberRef): unknown {
    const shape = this.shapes[shapeName];
    const at = (suffix: string) => (prefix ? `${prefix}.${suffix}` : suffix);
    switch (shape?.type) {
      case 'structure': {
        const out: Record<string, unknown> = {};
        for (const [name, member] of Object.entries(shape.members ?? {})) {
          const key = at(wireName(name, member));
          if (!params.has(key)) continue;
          const v = this.readValue(member.shape, key, params, member);
          if (v !== undefined) out[name] = v;
        }
        return out;
      }
      case 'list': {
        const flat = shape.flattened || ref?.flattened;
        const itemPrefix = flat ? prefix : `${prefix}.${shape.member?.locationName ?? 'member'}`;
        const items: unknown[] = [];
        for (let i = 1; params.has(`${itemPrefix}.${i}`); i++) {
          items.push(this.readValue(shape.member!.shape, `${itemPrefix}.${i}`, params));
        }
        // `Name=` with nothing under it is how the query protocol sends an empty list.
        return items.length || params.get(prefix) === '' ? items : params.get(prefix);
      }
      case 'map': {
        const flat = shape.flattened || ref?.flattened;
        const entryPrefix = flat ? prefix : `${prefix}.entry`;
        const keyName = shape.key?.locationName ?? 'key';
        const valueName = shape.value?.locationName ?? 'value';
        const out: Record<string, unknown> = {};
        for (let i = 1; params.has(`${entryPrefix}.${i}`); i++) {
          const k = params.get(`${entryPrefix}.${i}.${keyName}`);
          if (k !== undefined) setOwn(out, k, this.readValue(shape.value!.shape, `${entryPrefix}.${i}.${valueName}`, params));
        }
        return out;
      }
      default: {
        const text = params.get(prefix);
        return text === undefined ? undefined : scalarFromText(shape, text);
      }
    }
  }

  encodeOutput(operation: string, output: Output, requestId: string): WireResponse {
    const op = getService(this.service).operations[operation];
    let result = '';
    if (op.resultWrapper && op.output) {
      result = `<${op.resultWrapper}>${this.xmlMembers(op.output, output)}</${op.resultWrapper}>`;
    }
    const body =
      `<${operation}Response xmlns="${this.namespace}">${result}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>\n`;
    return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
  }

  /** The child elements of a structure, in model order. */
  private xmlMembers(shapeName: string, value: unknown): string {
    const shape = this.shapes[shapeName];
    if (!shape?.members || typeof value !== 'object' || value === null) return '';
    const src = value as Record<string, unknown>;
    let xml = '';
    for (const [name, ref] of Object.entries(shape.members)) {
      xml += this.xmlValue(ref.shape, src[name], wireName(name, ref), ref);
    }
    return xml;
  }

  private xmlValue(shapeName: string, value: unknown, element: string, ref?: MemberRef): string {
    if (value === null || value === undefined) return '';
    const shape = this.shapes[shapeName];
    switch (shape?.type) {
      case 'structure':
        return `<${element}>${this.xmlMembers(shapeName, value)}</${element}>`;
      case 'list': {
        if (!Array.isArray(value)) return '';
        if (shape.flattened || ref?.flattened) return value.map((v) => this.xmlValue(shape.member!.shape, v, element)).join('');
        const item = shape.member?.locationName ?? 'member';
        return `<${element}>${value.map((v) => this.xmlValue(shape.member!.shape, v, item)).join('')}</${element}>`;
      }
      case 'map': {
        if (typeof value !== 'object') return '';
        const entries = Object.entries(value as Record<string, unknown>).map(
          ([k, v]) =>
            `<entry>${this.xmlValue(shape.key!.shape, k, shape.key?.locationName ?? 'key')}` +
            `${this.xmlValue(shape.value!.shape, v, shape.value?.locationName ?? 'value')}</entry>`,
        );
        return `<${element}>${entries.join('')}</${element}>`;
      }
      case 'timestamp':
        return `<${element}>${escapeXml(toIso8601(value) ?? String(value))}</${element}>`;
      case 'blob':
        return `<${element}>${Buffer.isBuffer(value) ? value.toString('base64') : escapeXml(String(value))}</${element}>`;
      default:
        // Policy documents arrive URL-encoded from the IAM provider, as IAM sends them.
        return `<${element}>${escapeXml(String(value))}</${element}>`;
    }
  }

  encodeError(err: WireErrorBody, requestId: string): WireResponse {
    const type = err.status >= 500 ? 'Receiver' : 'Sender';
    const body =
      `<ErrorResponse xmlns="${this.namespace}"><Error><Type>${type}</Type><Code>${escapeXml(err.code)}</Code>` +
      `<Message>${escapeXml(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`;
    return { status: err.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
  }

  wireError(kind: WireErrorKind): { code: string; status: number } {
    return WIRE_ERRORS[kind];
  }
}
