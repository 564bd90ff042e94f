// A strict proto3-JSON decoder over protobufjs reflection. protobufjs's own fromObject is lenient
// (it ignores unknown keys and coerces types), and Envoy is not: it rejects unknown fields, wrong
// types, unknown enum names, malformed durations, unknown Any types and protoc-gen-validate rule
// violations. This walker reports each of those with a JSON path, and at the same time produces
// the object protobufjs needs to encode the message (durations as {seconds, nanos}, Any as bytes),
// so the xDS server encodes exactly what was validated.

import * as protobuf from 'protobufjs';
import { toStruct, toValue } from './struct';
import { checkMessagePresence, checkValueRules, fieldRules, isRequiredOneof, type RuleSink } from './pgv-rules';

export interface Issue {
  /** JSON path of the offending value, e.g. `static_resources.clusters[0].connect_timeout`. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export type TypeResolver = (fullName: string) => protobuf.Type | protobuf.Enum | undefined;

export interface DecodeOptions {
  resolve: TypeResolver;
  /** Encode nested Any payloads to bytes (needed to encode the result; validation alone can skip it). */
  encodeAny?: boolean;
}

export interface DecodeResult {
  /** Plain object in protobufjs `fromObject` form; meaningful only when there are no errors. */
  value: Record<string, unknown>;
  issues: Issue[];
}

const MAX_DURATION_SECONDS = 315576000000n;
const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};
const WRAPPERS: Record<string, string> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};
/** Envoy unpacks these into the type their type_url names, so their `value` is checked against it. */
const TYPED_STRUCTS = new Set(['.xds.type.v3.TypedStruct', '.udpa.type.v1.TypedStruct']);

/** proto3's JSON name: snake_case with each letter after an underscore upper-cased. */
export function jsonName(field: protobuf.Field): string {
  const explicit = (field.options as Record<string, unknown> | undefined)?.json_name;
  if (typeof explicit === 'string') return explicit;
  return field.name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

class Decoder implements RuleSink {
  readonly issues: Issue[] = [];

  constructor(private readonly opts: DecodeOptions) {}

  private errors = 0;

  error(path: string, message: string): void {
    this.errors++;
    this.issues.push({ path, message, severity: 'error' });
  }

  warn(path: string, message: string): void {
    this.issues.push({ path, message, severity: 'warning' });
  }

  message(type: protobuf.Type, json: unknown, path: string, pgv = true): Record<string, unknown> | undefined {
    const wkt = this.wellKnown(type, json, path);
    if (wkt !== undefined) return wkt;
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      this.error(path, `expected an object for ${type.fullName.slice(1)}, got ${describe(json)}`);
      return undefined;
    }
    const byKey = fieldIndex(type);
    const out: Record<string, unknown> = {};
    const seen = new Map<string, string>();
    const given = new Set<string>();
    for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
      const field = byKey.get(key);
      const at = join(path, key);
      if (!field) {
        this.error(at, `unknown field "${key}" in ${type.fullName.slice(1)}`);
        continue;
      }
      const earlier = seen.get(field.name);
      if (earlier !== undefined) {
        this.error(at, `field ${field.name} is set twice (also as "${earlier}")`);
        continue;
      }
      seen.set(field.name, key);
      if (value === null && field.resolve().resolvedType?.fullName !== '.google.protobuf.Value') continue;
      given.add(field.name);
      const oneof = field.partOf;
      if (oneof && !oneof.name.startsWith('_')) {
        const other = oneof.fieldsArray.find((f) => f !== field && given.has(f.name));
        if (other) {
          this.error(at, `only one of ${oneof.name} may be set, but ${other.name} is set too`);
          continue;
        }
      }
      if (isDeprecated(field)) this.warn(at, `field ${field.name} is deprecated`);
      const decoded = this.field(field, value, at, pgv);
      if (decoded !== undefined) out[field.name] = decoded;
    }
    if (pgv) this.checkAbsentAndOneofs(type, given, path);
    return out;
  }

  /**
   * protoc-gen-validate rules that concern what is missing: required fields and oneofs, min sizes.
   * `given`: fields present with a non-null value (decoded or not: a failed one already has its error). */
  private checkAbsentAndOneofs(type: protobuf.Type, given: Set<string>, path: string): void {
    if (messageRulesDisabled(type)) return;
    for (const field of type.fieldsArray) {
      if (given.has(field.name)) continue;
      if (field.partOf) continue; // only the member that is set is validated
      const rules = fieldRules(field);
      if (!rules) continue;
      field.resolve();
      const at = join(path, field.name);
      if (field.map) checkValueRules(this, rules, 'map', {}, at);
      else if (field.repeated) checkValueRules(this, rules, 'repeated', [], at);
      else if (field.resolvedType instanceof protobuf.Type) checkMessagePresence(this, rules, at);
      else checkValueRules(this, rules, scalarKind(field), defaultOf(field), at);
    }
    for (const oneof of type.oneofsArray) {
      if (!isRequiredOneof(oneof)) continue;
      if (!oneof.fieldsArray.some((f) => given.has(f.name))) {
        this.error(path, `one of ${oneof.fieldsArray.map((f) => f.name).join(', ')} is required`);
      }
    }
  }

  private field(field: protobuf.Field, value: unknown, path: string, pgv: boolean): unknown {
    field.resolve();
    const rules = pgv ? fieldRules(field) : undefined;
    if (field.map) {
      if (typeof value !== 'object' || Array.isArray(value)) {
        this.error(path, `expected an object (map) for ${field.name}, got ${describe(value)}`);
        return undefined;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const keyOk = this.mapKey((field as unknown as protobuf.MapField).keyType, k, `${path}["${k}"]`);
        const decoded = this.single(field, v, `${path}["${k}"]`, rules?.map?.values, pgv);
        if (keyOk && decoded !== undefined) out[k] = decoded;
      }
      if (rules) checkValueRules(this, rules, 'map', out, path);
      return out;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.error(path, `expected an array for ${field.name}, got ${describe(value)}`);
        return undefined;
      }
      const items = value.map((v, i) => this.single(field, v, `${path}[${i}]`, rules?.repeated?.items, pgv));
      if (rules) checkValueRules(this, rules, 'repeated', value, path);
      return items.filter((v) => v !== undefined);
    }
    return this.single(field, value, path, rules, pgv);
  }

  /** One value of a field (an element, for repeated and map fields) plus its rules. */
  private single(field: protobuf.Field, value: unknown, path: string, rules: Record<string, any> | undefined, pgv: boolean): unknown {
    const t = field.resolvedType;
    if (t instanceof protobuf.Type) {
      if (value === null && t.fullName !== '.google.protobuf.Value') {
        this.error(path, 'null is not allowed here');
        return undefined;
      }
      const skipNested = rules?.message?.skip === true;
      const before = this.errorCount();
      const decoded = this.message(t, value, path, pgv && !skipNested);
      // Rules on a value that did not even decode would only repeat the error.
      if (decoded !== undefined && rules && this.errorCount() === before) {
        checkValueRules(this, rules, messageKind(t), { json: value, decoded }, path);
      }
      return decoded;
    }
    if (t instanceof protobuf.Enum) {
      const n = this.enumValue(t, value, path);
      if (n !== undefined && rules) checkValueRules(this, rules, 'enum', { number: n, enum: t }, path);
      return n;
    }
    const decoded = this.scalar(field.type, value, path);
    if (decoded !== undefined && rules) checkValueRules(this, rules, field.type, decoded, path);
    return decoded;
  }

  private mapKey(keyType: string, key: string, path: string): boolean {
    if (keyType === 'string') return true;
    if (keyType === 'bool') {
      if (key === 'true' || key === 'false') return true;
      this.error(path, `map key must be "true" or "false", got "${key}"`);
      return false;
    }
    return this.scalar(keyType, key, path) !== undefined;
  }

  enumValue(e: protobuf.Enum, value: unknown, path: string): number | undefined {
    if (e.fullName === '.google.protobuf.NullValue' && value === null) return 0;
    if (typeof value === 'string') {
      if (Object.prototype.hasOwnProperty.call(e.values, value)) return e.values[value];
      this.error(path, `unknown value "${value}" for enum ${e.fullName.slice(1)} (one of ${Object.keys(e.values).join(', ')})`);
      return undefined;
    }
    if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return value;
    this.error(path, `expected an enum name of ${e.fullName.slice(1)}, got ${describe(value)}`);
    return undefined;
  }

  scalar(type: string, value: unknown, path: string): unknown {
    const range = INT_RANGES[type];
    if (range) {
      let n: bigint | undefined;
      if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
      else if (typeof value === 'string' && /^-?\d+$/.test(value)) n = BigInt(value);
      if (n === undefined) {
        this.error(path, `expected an integer (${type}), got ${describe(value)}`);
        return undefined;
      }
      if (n < range[0] || n > range[1]) {
        this.error(path, `${n} is out of range for ${type}`);
        return undefined;
      }
      return type.endsWith('64') ? n.toString() : Number(n);
    }
    switch (type) {
      case 'double':
      case 'float': {
        let n: number | undefined;
        if (typeof value === 'number') n = value;
        else if (value === 'NaN') n = NaN;
        else if (value === 'Infinity') n = Infinity;
        else if (value === '-Infinity') n = -Infinity;
        else if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) n = Number(value);
        if (n === undefined) {
          this.error(path, `expected a number (${type}), got ${describe(value)}`);
          return undefined;
        }
        if (type === 'float' && Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38) {
          this.error(path, `${n} is out of range for float`);
          return undefined;
        }
        return n;
      }
      case 'bool':
        if (typeof value === 'boolean') return value;
        this.error(path, `expected true or false, got ${describe(value)}`);
        return undefined;
      case 'string':
        if (typeof value === 'string') return value;
        this.error(path, `expected a string, got ${describe(value)}`);
        return undefined;
      case 'bytes':
        if (typeof value === 'string' && /^[A-Za-z0-9+/\-_]*={0,2}$/.test(value)) return Buffer.from(value, 'base64');
        this.error(path, `expected base64 bytes, got ${describe(value)}`);
        return undefined;
      default:
        this.error(path, `unsupported scalar type ${type}`);
        return undefined;
    }
  }

  /** The well-known types have their own JSON forms; undefined means "not a WKT". */
  private wellKnown(type: protobuf.Type, json: unknown, path: string): Record<string, unknown> | undefined {
    const name = type.fullName;
    const wrapped = WRAPPERS[name];
    if (wrapped) {
      const v = this.scalar(wrapped, json, path);
      return v === undefined ? {} : { value: v };
    }
    switch (name) {
      case '.google.protobuf.Duration':
        return this.duration(json, path) ?? {};
      case '.google.protobuf.Timestamp':
        return this.timestamp(json, path) ?? {};
      case '.google.protobuf.Any':
        return this.any(json, path) ?? {};
      case '.google.protobuf.FieldMask':
        if (typeof json !== 'string') {
          this.error(path, `expected a comma-separated field mask string, got ${describe(json)}`);
          return {};
        }
        return { paths: json === '' ? [] : json.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)) };
      case '.google.protobuf.Struct':
        if (json === null || typeof json !== 'object' || Array.isArray(json)) {
          this.error(path, `expected an object (Struct), got ${describe(json)}`);
          return {};
        }
        return toStruct(json as Record<string, unknown>);
      case '.google.protobuf.ListValue':
        if (!Array.isArray(json)) {
          this.error(path, `expected an array (ListValue), got ${describe(json)}`);
          return {};
        }
        return { values: json.map(toValue) };
      case '.google.protobuf.Value':
        return toValue(json);
      default:
        return undefined;
    }
  }

  duration(json: unknown, path: string): { seconds: string; nanos: number } | undefined {
    const m = typeof json === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(json) : null;
    if (!m) {
      this.error(path, `expected a duration such as "1.5s", got ${describe(json)}`);
      return undefined;
    }
    const seconds = BigInt(m[2]);
    if (seconds > MAX_DURATION_SECONDS) {
      this.error(path, `duration ${json} is out of range`);
      return undefined;
    }
    const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
    const sign = m[1] ? -1 : 1;
    return { seconds: (BigInt(sign) * seconds).toString(), nanos: sign * nanos };
  }

  private timestamp(json: unknown, path: string): { seconds: string; nanos: number } | undefined {
    const m = typeof json === 'string'
      ? /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(json)
      : null;
    const ms = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
    if (!m || Number.isNaN(ms)) {
      this.error(path, `expected an RFC 3339 timestamp, got ${describe(json)}`);
      return undefined;
    }
    return { seconds: String(Math.floor(ms / 1000)), nanos: m[2] ? Number(m[2].padEnd(9, '0')) : 0 };
  }

  private any(json: unknown, path: string): { type_url: string; value: Uint8Array } | undefined {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      this.error(path, `expected an object with "@type" (Any), got ${describe(json)}`);
      return undefined;
    }
    const { '@type': typeUrl, ...rest } = json as Record<string, unknown>;
    if (typeof typeUrl !== 'string' || !typeUrl.includes('/')) {
      this.error(path, 'an Any needs "@type": "type.googleapis.com/<message name>"');
      return undefined;
    }
    const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
    const inner = this.opts.resolve(typeName);
    if (!(inner instanceof protobuf.Type)) {
      this.error(join(path, '@type'), `unknown type ${typeName}`);
      return undefined;
    }
    // WKTs with a special JSON form are wrapped as {"@type": …, "value": <json>}.
    const isSpecial = this.wellKnownHasSpecialJson(inner);
    const payload = isSpecial ? rest.value : rest;
    if (isSpecial) {
      for (const k of Object.keys(rest)) if (k !== 'value') this.error(join(path, k), `unknown field "${k}" in ${typeName}`);
    }
    const before = this.errorCount();
    const decoded = this.message(inner, payload, path);
    if (decoded && TYPED_STRUCTS.has(inner.fullName)) this.typedStruct(rest, path);
    if (!decoded || this.errorCount() > before || !this.opts.encodeAny) return { type_url: typeUrl, value: new Uint8Array() };
    return { type_url: typeUrl, value: inner.encode(inner.fromObject(decoded)).finish() };
  }

  private typedStruct(json: Record<string, unknown>, path: string): void {
    const url = json.type_url ?? json.typeUrl;
    if (typeof url !== 'string' || !url) return;
    const name = url.slice(url.lastIndexOf('/') + 1);
    const target = this.opts.resolve(name);
    if (!(target instanceof protobuf.Type)) {
      this.error(join(path, 'type_url'), `unknown type ${name}`);
      return;
    }
    this.message(target, json.value ?? {}, join(path, 'value'));
  }

  private wellKnownHasSpecialJson(t: protobuf.Type): boolean {
    return t.fullName in WRAPPERS || [
      '.google.protobuf.Duration', '.google.protobuf.Timestamp', '.google.protobuf.Any', '.google.protobuf.FieldMask',
      '.google.protobuf.Struct', '.google.protobuf.ListValue', '.google.protobuf.Value',
    ].includes(t.fullName);
  }

  errorCount(): number {
    return this.errors;
  }
}

const indexCache = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();

/** Accepts both the proto name and the JSON (lowerCamel) name of every field. */
function fieldIndex(type: protobuf.Type): Map<string, protobuf.Field> {
  let idx = indexCache.get(type);
  if (!idx) {
    idx = new Map();
    for (const f of type.fieldsArray) {
      idx.set(f.name, f);
      idx.set(jsonName(f), f);
    }
    indexCache.set(type, idx);
  }
  return idx;
}

function isDeprecated(field: protobuf.Field): boolean {
  return (field.options as Record<string, unknown> | undefined)?.deprecated === true;
}

function messageRulesDisabled(type: protobuf.Type): boolean {
  const o = type.options as Record<string, unknown> | undefined;
  return o?.['(validate.disabled)'] === true || o?.['(validate.ignored)'] === true;
}

function scalarKind(field: protobuf.Field): string {
  return field.resolvedType instanceof protobuf.Enum ? 'enum' : field.type;
}

function defaultOf(field: protobuf.Field): unknown {
  if (field.resolvedType instanceof protobuf.Enum) return { number: 0, enum: field.resolvedType };
  switch (field.type) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bytes':
      return Buffer.alloc(0);
    default:
      return field.type.endsWith('64') ? '0' : 0;
  }
}

function messageKind(t: protobuf.Type): string {
  switch (t.fullName) {
    case '.google.protobuf.Duration':
      return 'duration';
    case '.google.protobuf.Timestamp':
      return 'timestamp';
    case '.google.protobuf.Any':
      return 'any';
    default:
      return WRAPPERS[t.fullName] ? `wrapper:${WRAPPERS[t.fullName]}` : 'message';
  }
}

/** Decodes `json` as message `type`, collecting every problem instead of stopping at the first. */
export function decodeProtoJson(type: protobuf.Type, json: unknown, opts: DecodeOptions, path = ''): DecodeResult {
  const d = new Decoder(opts);
  const value = d.message(type, json, path) ?? {};
  return { value, issues: d.issues };
}
