// What JSON Schema cannot say about an input: every string and key must be well-formed Unicode
// (a lone UTF-16 surrogate, which JSON's \ud800 escapes can produce, has no UTF-8 form — stored, it
// becomes a name that can never be matched, deleted or exported), and no key may be one of the
// names JavaScript objects give meaning to (__proto__ would change an object's prototype when a
// provider copies the input; constructor/prototype would be found on every object).

import { RESERVED_KEYS } from '../base/own-keys';
import type { Problem } from './messages';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function loneSurrogate(s: string): string | undefined {
  const m = LONE_SURROGATE.exec(s);
  return m ? `\\u${m[0].charCodeAt(0).toString(16)}` : undefined;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** Problems with the strings and keys of `input`, in AWS CLI wording. Walks iteratively. */
export function inputTextProblems(input: unknown): Problem[] {
  const problems: Problem[] = [];
  const stack: Array<{ value: unknown; path: string; top?: string }> = [{ value: input, path: '' }];
  while (stack.length) {
    const { value, path, top } = stack.pop()!;
    const where = path || 'input';
    if (typeof value === 'string') {
      const bad = loneSurrogate(value);
      if (bad) {
        problems.push({
          path, keyword: 'unicode', topLevelKey: top,
          message: `Invalid value for parameter ${where}: it contains an unpaired UTF-16 surrogate (${bad}), which is not valid Unicode`,
          fix: 'Remove the character or give the complete surrogate pair',
        });
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: childPath(path, i), top });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i];
      const keyTop = top ?? key;
      if (RESERVED_KEYS.has(key)) {
        problems.push({
          path, keyword: 'reservedKey', topLevelKey: keyTop,
          message: `Invalid key for parameter ${where}, key: ${key} (__proto__, constructor and prototype are not accepted as keys)`,
        });
        continue;
      }
      const bad = loneSurrogate(key);
      if (bad) {
        problems.push({
          path, keyword: 'unicode', topLevelKey: keyTop,
          message: `Invalid key for parameter ${where}: it contains an unpaired UTF-16 surrogate (${bad}), which is not valid Unicode`,
        });
        continue;
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: childPath(path, key), top: keyTop });
    }
  }
  return problems;
}
