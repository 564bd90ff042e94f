// google.protobuf.Struct in protobufjs object form (its bundled well-known types use lowerCamel
// member names: { fields: { k: { stringValue } } }) to and from plain JSON — node metadata on the
// wire, in both directions, and Struct/Value fields of configs the validator encodes.

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function toValue(v: unknown): Json {
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  if (v && typeof v === 'object') return { structValue: toStruct(v as Json) };
  return { nullValue: 0 };
}

export function toStruct(o: Record<string, unknown>): Json {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

function fromValue(v: Json | undefined): unknown {
  const has = (k: string) => v?.[k] !== undefined && v?.[k] !== null;
  if (!v) return null;
  if (has('structValue')) return fromStruct(v.structValue);
  if (has('listValue')) return ((v.listValue.values ?? []) as Json[]).map(fromValue);
  if (has('stringValue')) return v.stringValue;
  if (has('numberValue')) return v.numberValue;
  if (has('boolValue')) return v.boolValue;
  return null;
}

export function fromStruct(s: Json | undefined): Json {
  return Object.fromEntries(Object.entries((s?.fields ?? {}) as Json).map(([k, v]) => [k, fromValue(v as Json)]));
}
