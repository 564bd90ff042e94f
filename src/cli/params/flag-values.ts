// Turns the raw text of one operation flag into the value of its model member, as the AWS CLI
// does: file:// contents, JSON for structures and lists, the shorthand syntax otherwise, and
// scalars coerced to the model's type. Type problems that survive are left for schema validation.

import { ParamError } from '../../base/errors';
import { ownValue, setOwn } from '../../base/own-keys';
import { NestingError, parseJson as parseJsonText } from '../../base/structured-text';
import { getShape, type ServiceName } from '../../model/services';
import type { OperationParam, Shape } from '../../model/types';
import { loadParamValue } from './param-file';
import { parseShorthand, ShorthandError, type ShorthandValue } from './shorthand';

export type RawFlag = string | string[] | boolean;

export function parseFlagValue(service: ServiceName, inputShape: string, param: OperationParam, raw: RawFlag, cwd: string): unknown {
  // By name, not through the whole definition: a service command has only its operation's slice.
  const shapes: ShapeLookup = (name) => getShape(service, name);
  const memberShape = shapes(shapes(inputShape).members![param.member].shape);
  const flag = `--${param.flag}`;
  if (typeof raw === 'boolean') return raw;
  const tokens = Array.isArray(raw) ? raw : [raw];
  const loaded = tokens.map((t) => loadParamValue(flag, t, cwd).value);

  if (memberShape.type === 'list') {
    if (loaded.length === 1 && loaded[0].trim().startsWith('[')) return parseJson(flag, loaded[0]);
    const itemShape = shapes(memberShape.member!.shape);
    return loaded.map((t) => parseScalarOrComplex(flag, t, itemShape, shapes, false));
  }
  return parseScalarOrComplex(flag, loaded.join(' '), memberShape, shapes, true);
}

type ShapeLookup = (name: string) => Shape;

function parseScalarOrComplex(flag: string, text: string, shape: Shape, shapes: ShapeLookup, topLevel: boolean): unknown {
  if (shape.type === 'structure' || shape.type === 'map' || shape.type === 'list') {
    const trimmed = text.trim();
    if (trimmed.startsWith('{') || (trimmed.startsWith('[') && topLevel)) return parseJson(flag, text);
    try {
      return coerce(parseShorthand(text), shape, shapes);
    } catch (e) {
      if (e instanceof NestingError) throw new ParamError(`Error parsing parameter '${flag}': the value is ${e.message}`);
      if (e instanceof ShorthandError) {
        throw new ParamError(`Error parsing parameter '${flag}': ${e.message} for input:\n${e.input}\n${' '.repeat(e.index)}^`);
      }
      throw e;
    }
  }
  return coerceScalar(flag, text, shape);
}

function parseJson(flag: string, text: string): unknown {
  try {
    return parseJsonText(text);
  } catch (e) {
    if (e instanceof NestingError) throw new ParamError(`Error parsing parameter '${flag}': the value is ${e.message}`);
    throw new ParamError(`Error parsing parameter '${flag}': Invalid JSON: ${(e as Error).message}\nJSON received: ${text}`);
  }
}

function coerceScalar(flag: string, text: string, shape: Shape): unknown {
  switch (shape.type) {
    case 'integer':
    case 'long': {
      if (!/^\s*[-+]?\d+\s*$/.test(text)) {
        throw new ParamError(`Error parsing parameter '${flag}': expected an integer, received '${text}'`);
      }
      return Number.parseInt(text, 10);
    }
    case 'float':
    case 'double': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) {
        throw new ParamError(`Error parsing parameter '${flag}': expected a number, received '${text}'`);
      }
      return n;
    }
    case 'boolean':
      if (/^(true|false)$/i.test(text)) return text.toLowerCase() === 'true';
      throw new ParamError(`Error parsing parameter '${flag}': expected true or false, received '${text}'`);
    default:
      return text;
  }
}

/** Shorthand yields strings; give them the model's types where they clearly fit. */
function coerce(value: ShorthandValue, shape: Shape, shapes: ShapeLookup): unknown {
  if (shape.type === 'structure' && value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const ref = ownValue(shape.members, k);
      setOwn(out, k, ref ? coerce(v, shapes(ref.shape), shapes) : v);
    }
    return out;
  }
  if (shape.type === 'map' && value && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    const valueShape = shapes(shape.value!.shape);
    for (const [k, v] of Object.entries(value)) setOwn(out, k, coerce(v, valueShape, shapes));
    return out;
  }
  if (shape.type === 'list') {
    const items = Array.isArray(value) ? value : [value];
    const itemShape = shapes(shape.member!.shape);
    return items.map((v) => coerce(v, itemShape, shapes));
  }
  if (typeof value !== 'string') return value;
  if ((shape.type === 'integer' || shape.type === 'long') && /^[-+]?\d+$/.test(value)) return Number.parseInt(value, 10);
  if ((shape.type === 'float' || shape.type === 'double') && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  if (shape.type === 'boolean' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return value;
}
