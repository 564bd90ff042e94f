// IAM's server-side input constraints. The model's patterns are unanchored, so a client-side
// schema check lets "bad name" through (it contains a match); IAM itself matches whole values and
// answers ValidationError listing every violation. This applies the same check to any input.

import { ServiceError } from '../../../base/errors';
import { errorInfo, getOperation, getShape } from '../../../model/services';
import type { Input } from '../../backend';

const compiled = new Map<string, RegExp>();

function wholeMatch(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(`^(?:${pattern})$`, 'u');
    compiled.set(pattern, re);
  }
  return re;
}

const lcfirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

function collect(shapeName: string, value: unknown, where: string, problems: string[]): void {
  const shape = getShape('iam', shapeName);
  if (shape.type === 'structure' && value && typeof value === 'object') {
    for (const [member, ref] of Object.entries(shape.members ?? {})) {
      const v = (value as Record<string, unknown>)[member];
      if (v !== undefined) collect(ref.shape, v, where ? `${where}.${lcfirst(member)}` : lcfirst(member), problems);
    }
  } else if (shape.type === 'list' && Array.isArray(value) && shape.member) {
    value.forEach((item, i) => collect(shape.member!.shape, item, `${where}.${i + 1}.member`, problems));
  } else if (shape.type === 'string' && typeof value === 'string' && shape.pattern && !wholeMatch(shape.pattern).test(value)) {
    problems.push(`Value '${value}' at '${where}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`);
  }
}

/** Throws IAM's ValidationError when any input value does not wholly match its pattern. */
export function checkConstraints(operation: string, input: Input): void {
  const op = getOperation('iam', operation);
  if (!op.input) return;
  const problems: string[] = [];
  collect(op.input, input, '', problems);
  if (problems.length === 0) return;
  const count = `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: `;
  throw new ServiceError('ValidationError', count + problems.join('; '), errorInfo('iam', 'ValidationError'));
}
