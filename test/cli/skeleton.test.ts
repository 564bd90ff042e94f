// --generate-cli-skeleton for every operation of every service: the input skeleton, filled with
// valid values, passes our validation; yaml-input mirrors it with [REQUIRED] marks; the output
// skeleton respects every constraint of the output shape (the AWS CLI's fails for App Mesh).

import YAML from 'yaml';
import { getService, SERVICE_NAMES, type ServiceName } from '../../src/model/services';
import type { Shape } from '../../src/model/types';
import { validateInput } from '../../src/validation/validate';
import { cleanupHomes, runCli } from '../helpers/run-cli';

afterAll(cleanupHomes);

const cases = SERVICE_NAMES.flatMap((svc) =>
  Object.values(getService(svc).operations).map((op) => [svc, op.cli, op.name] as [ServiceName, string, string]));

/** Values a person would type, tried in order until one fits the member's constraints. */
const SAMPLE_STRINGS = ['a', '/', 'v1', 'apps.local', 'arn:aws:iam::111122223333:policy/a', '111122223333', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'];

function fits(s: string, shape: Shape): boolean {
  if (shape.min !== undefined && s.length < shape.min) return false;
  if (shape.max !== undefined && s.length > shape.max) return false;
  return !shape.pattern || new RegExp(shape.pattern, 'u').test(s);
}

/** Replaces the skeleton's placeholders with values that satisfy the shape's constraints. */
function fill(value: unknown, shapeName: string, shapes: Record<string, Shape>): unknown {
  const shape = shapes[shapeName];
  switch (shape.type) {
    case 'structure': {
      const obj = value as Record<string, unknown>;
      let keys = Object.keys(obj);
      if (shape.union) keys = keys.slice(0, 1);
      const rule = shape.awsmesh;
      if (rule?.exactlyOne) keys = keys.filter((k) => !rule.exactlyOne!.includes(k) || k === rule.exactlyOne![0]);
      if (rule?.atMostOne) keys = keys.filter((k) => !rule.atMostOne!.includes(k) || k === rule.atMostOne![0]);
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = fill(obj[k], shape.members![k].shape, shapes);
      return out;
    }
    case 'list': {
      const items = value as unknown[];
      const min = Math.max(shape.min ?? 0, items.length);
      return Array.from({ length: min }, () => fill(items[0], shape.member!.shape, shapes));
    }
    case 'map':
      return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, fill(v, shape.value!.shape, shapes)]));
    case 'string': {
      if (shape.enum) return value;
      return SAMPLE_STRINGS.find((c) => fits(c, shape)) ?? 'a'.repeat(Math.max(1, shape.min ?? 1));
    }
    case 'integer':
    case 'long':
      return Math.max(shape.min ?? 1, 1);
    default:
      return value;
  }
}

/** Every constraint of the model, checked on an output value. */
function constraintViolations(value: unknown, shapeName: string, shapes: Record<string, Shape>, path: string): string[] {
  const shape = shapes[shapeName];
  const out: string[] = [];
  if (shape.type === 'structure') {
    const obj = value as Record<string, unknown>;
    for (const r of shape.required ?? []) if (obj[r] === undefined) out.push(`${path}.${r} missing`);
    if (shape.union && Object.keys(obj).length !== 1) out.push(`${path} union has ${Object.keys(obj).length} members`);
    for (const [k, v] of Object.entries(obj)) out.push(...constraintViolations(v, shape.members![k].shape, shapes, `${path}.${k}`));
  } else if (shape.type === 'list') {
    const items = value as unknown[];
    if (shape.min !== undefined && items.length < shape.min) out.push(`${path} too short`);
    items.forEach((v, i) => out.push(...constraintViolations(v, shape.member!.shape, shapes, `${path}[${i}]`)));
  } else if (shape.type === 'string') {
    const s = value as string;
    if (shape.min !== undefined && s.length < shape.min) out.push(`${path} shorter than ${shape.min}`);
    if (shape.max !== undefined && s.length > shape.max) out.push(`${path} longer than ${shape.max}`);
    if (shape.enum && !shape.enum.includes(s)) out.push(`${path} not in enum`);
    if (shape.pattern && !new RegExp(shape.pattern, 'u').test(s)) out.push(`${path} does not match ${shape.pattern}`);
  } else if (shape.type === 'integer' || shape.type === 'long') {
    const n = value as number;
    if (shape.min !== undefined && n < shape.min) out.push(`${path} below ${shape.min}`);
    if (shape.max !== undefined && n > shape.max) out.push(`${path} above ${shape.max}`);
  }
  return out;
}

describe.each(cases)('%s %s', (service, cli, opName) => {
  const def = getService(service);
  const op = def.operations[opName];

  test('input skeleton has every member and, filled in, validates', async () => {
    const r = await runCli([service, cli, '--generate-cli-skeleton']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const skeleton = JSON.parse(r.stdout);
    const members = op.input ? Object.keys(def.shapes[op.input].members ?? {}) : [];
    expect(Object.keys(skeleton)).toEqual(members);
    const filled = op.input ? fill(skeleton, op.input, def.shapes) : {};
    expect(validateInput(service, opName, filled)).toEqual([]);
  });

  test('yaml-input skeleton parses to the same keys and marks required members', async () => {
    const r = await runCli([service, cli, '--generate-cli-skeleton', 'yaml-input']);
    expect(r.code).toBe(0);
    const doc = YAML.parse(r.stdout) ?? {};
    const members = op.input ? Object.keys(def.shapes[op.input].members ?? {}) : [];
    expect(Object.keys(doc)).toEqual(members);
    for (const req of op.input ? def.shapes[op.input].required ?? [] : []) {
      expect(r.stdout).toMatch(new RegExp(`^${req}:.*# \\[REQUIRED\\]`, 'm'));
    }
  });

  test('output skeleton prints and satisfies the output constraints', async () => {
    const r = await runCli([service, cli, '--generate-cli-skeleton', 'output', '--output', 'json']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    if (!op.output || !Object.keys(def.shapes[op.output].members ?? {}).length) {
      expect(r.stdout).toBe('');
      return;
    }
    const sample = JSON.parse(r.stdout);
    // Timestamps print as ISO strings; compare constraints on everything else.
    expect(constraintViolations(sample, op.output, def.shapes, 'output').filter((v) => !/timestamp/.test(v))).toEqual([]);
  });
});
