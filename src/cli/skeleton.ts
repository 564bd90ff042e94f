// --generate-cli-skeleton: `input` (JSON, as the AWS CLI prints it: every member, "" / 0 / true,
// enums at their first value), `yaml-input` (the same as commented YAML that marks required
// members, unions and valid values) and `output` (a sample result whose placeholders satisfy the
// model's constraints — the AWS CLI's own `output` skeleton fails validation for App Mesh).

import { getService, type ServiceName } from '../model/services';
import type { OperationDefinition, Shape } from '../model/types';

type Shapes = Record<string, Shape>;

export function inputSkeleton(service: ServiceName, op: OperationDefinition): Record<string, unknown> {
  if (!op.input) return {};
  const shapes = getService(service).shapes;
  return inputValue(op.input, shapes, []) as Record<string, unknown>;
}

function inputValue(name: string, shapes: Shapes, stack: string[]): unknown {
  const shape = shapes[name];
  if (stack.includes(name)) return shape.type === 'list' ? [] : {};
  const next = [...stack, name];
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      for (const [m, ref] of Object.entries(shape.members ?? {})) out[m] = inputValue(ref.shape, shapes, next);
      return out;
    }
    case 'list':
      return [inputValue(shape.member!.shape, shapes, next)];
    case 'map':
      return { KeyName: inputValue(shape.value!.shape, shapes, next) };
    case 'string':
      return shape.enum ? shape.enum[0] : '';
    case 'integer':
    case 'long':
      return 0;
    case 'float':
    case 'double':
      return 0.0;
    case 'boolean':
      return true;
    case 'timestamp':
      return '1970-01-01T00:00:00';
    default:
      return '';
  }
}

/** Commented YAML version of the input skeleton. */
export function yamlInputSkeleton(service: ServiceName, op: OperationDefinition): string {
  if (!op.input) return '{}\n';
  const shapes = getService(service).shapes;
  const described = new Map(op.params.map((p) => [p.member, p.description ?? '']));
  const lines: string[] = [];
  emitStructure(op.input, shapes, 0, [], lines, described);
  return `${lines.join('\n')}\n`;
}

function comment(parent: Shape, member: string, shape: Shape, description = ''): string {
  const parts: string[] = [];
  if (parent.required?.includes(member)) parts.push('[REQUIRED]');
  if (description) parts.push(description);
  if (shape.enum) parts.push(`Valid values are: ${shape.enum.join(', ')}.`);
  if (shape.union) parts.push(`Set exactly one of: ${Object.keys(shape.members ?? {}).join(', ')}.`);
  const rule = shape.awsmesh;
  if (rule?.exactlyOne) parts.push(`Set exactly one of: ${rule.exactlyOne.join(', ')}.`);
  if (rule?.atMostOne) parts.push(`Set at most one of: ${rule.atMostOne.join(', ')}.`);
  return parts.length ? `  # ${parts.join(' ')}` : '';
}

function scalarYaml(v: unknown): string {
  if (typeof v === 'string') return v === '' ? "''" : /^[\w.\-/]+$/.test(v) ? v : JSON.stringify(v);
  return String(v);
}

function emitStructure(name: string, shapes: Shapes, indent: number, stack: string[], lines: string[], described?: Map<string, string>): void {
  const shape = shapes[name];
  const pad = ' '.repeat(indent);
  for (const [m, ref] of Object.entries(shape.members ?? {})) {
    const child = shapes[ref.shape];
    const note = comment(shape, m, child, described?.get(m));
    emitValue(m, ref.shape, child, shapes, indent, pad, note, [...stack, name], lines);
  }
}

function emitValue(key: string, name: string, shape: Shape, shapes: Shapes, indent: number, pad: string, note: string, stack: string[], lines: string[]): void {
  const recursive = stack.includes(name);
  if (shape.type === 'structure') {
    if (recursive || !Object.keys(shape.members ?? {}).length) {
      lines.push(`${pad}${key}: {}${note}`);
      return;
    }
    lines.push(`${pad}${key}:${note}`);
    emitStructure(name, shapes, indent + 2, stack, lines);
    return;
  }
  if (shape.type === 'list') {
    const item = shapes[shape.member!.shape];
    if (recursive) {
      lines.push(`${pad}${key}: []${note}`);
      return;
    }
    lines.push(`${pad}${key}:${note}`);
    if (item.type === 'structure' && Object.keys(item.members ?? {}).length) {
      const sub: string[] = [];
      emitStructure(shape.member!.shape, shapes, indent + 2, [...stack, name], sub);
      sub[0] = `${pad}- ${sub[0].slice(indent + 2)}`;
      lines.push(...sub);
    } else {
      lines.push(`${pad}- ${scalarYaml(inputValue(shape.member!.shape, shapes, stack))}`);
    }
    return;
  }
  if (shape.type === 'map') {
    lines.push(`${pad}${key}:${note}`);
    lines.push(`${pad}  KeyName: ${scalarYaml(inputValue(shape.value!.shape, shapes, stack))}`);
    return;
  }
  lines.push(`${pad}${key}: ${scalarYaml(inputValue(name, shapes, stack))}${note}`);
}

/** A sample output that passes the model's own constraints (lengths, ranges, unions, enums). */
export function outputSkeleton(service: ServiceName, op: OperationDefinition): Record<string, unknown> {
  if (!op.output) return {};
  return sampleValue(op.output, getService(service).shapes, [], 'output') as Record<string, unknown>;
}

function sampleValue(name: string, shapes: Shapes, stack: string[], member: string): unknown {
  const shape = shapes[name];
  if (stack.includes(name)) return shape.type === 'list' ? [] : {};
  const next = [...stack, name];
  switch (shape.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      const entries = Object.entries(shape.members ?? {});
      const chosen = shape.union ? entries.slice(0, 1) : entries;
      for (const [m, ref] of chosen) out[m] = sampleValue(ref.shape, shapes, next, m);
      return out;
    }
    case 'list': {
      const count = Math.max(1, shape.min ?? 0);
      return Array.from({ length: count }, () => sampleValue(shape.member!.shape, shapes, next, member));
    }
    case 'map':
      return { KeyName: sampleValue(shape.value!.shape, shapes, next, member) };
    case 'string':
      return sampleString(shape, member);
    case 'integer':
    case 'long':
      return Math.max(shape.min ?? 0, Math.min(1, shape.max ?? 1));
    case 'float':
    case 'double':
      return shape.min ?? 0;
    case 'boolean':
      return true;
    case 'timestamp':
      return 0;
    default:
      return '';
  }
}

/** Readable placeholders for patterned strings (ARNs, paths, DNS names, account ids). */
const PATTERN_SAMPLES = ['/', 'v1', 'example.apps.local', 'arn:aws:iam::111122223333:policy/example', '111122223333'];

function sampleString(shape: Shape, member: string): string {
  if (shape.enum) return shape.enum[0];
  const min = shape.min ?? 0;
  const max = shape.max ?? Infinity;
  const fits = (s: string) => s.length >= min && s.length <= max && (!shape.pattern || safeTest(shape.pattern, s));
  if (min === 12 && max === 12) return '111122223333'; // account ids
  let s = member;
  if (s.length > max) s = s.slice(0, max);
  if (s.length < min) s = s.padEnd(min, 'x');
  return fits(s) ? s : PATTERN_SAMPLES.find(fits) ?? s;
}

function safeTest(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(s);
  } catch {
    return true;
  }
}
