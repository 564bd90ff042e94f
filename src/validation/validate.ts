// Validates an operation's input against its generated JSON Schema (schemas/<service>/<Op>.json)
// and reports every problem at once in the AWS CLI's words, with a path and a suggested fix.
// The CLI (before sending anything) and `local serve` (before calling a provider) share this.

import { existsSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import type { ServiceName } from '../model/services';
import { inputTextProblems } from './input-text';
import { describeErrors, type AjvError, type Problem } from './messages';

export type { Problem } from './messages';

type ValidateFn = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

const PACKAGE_ROOT = resolve(__dirname, '..', '..');
const cache = new Map<string, ValidateFn>();

/**
 * Loads the precompiled validator from dist/validators (built by scripts/build-validators.js);
 * falls back to compiling the schema, e.g. when running from sources under ts-jest.
 */
function validatorFor(service: ServiceName, operation: string): ValidateFn {
  const key = `${service}/${operation}`;
  let fn = cache.get(key);
  if (fn) return fn;
  const compiled = join(PACKAGE_ROOT, 'dist', 'validators', service, `${operation}.js`);
  if (existsSync(compiled)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(compiled);
    fn = (mod.default ?? mod) as ValidateFn;
  } else {
    const schemaFile = join(PACKAGE_ROOT, 'schemas', service, `${operation}.json`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createAjv } = require(join(PACKAGE_ROOT, 'scripts', 'ajv-options.js'));
    fn = createAjv().compile(JSON.parse(readFileSync(schemaFile, 'utf8'))) as ValidateFn;
  }
  cache.set(key, fn);
  return fn;
}

/** Schema's "unknown parameter" for a key inputTextProblems already reports as reserved. */
const UNKNOWN_RESERVED_KEY = /^Unknown parameter in [^:]*: "(__proto__|constructor|prototype)"/;

/** All problems with `input` for the operation (its strings and keys, then the schema's); empty when valid. */
export function validateInput(service: ServiceName, operation: string, input: unknown): Problem[] {
  const text = inputTextProblems(input);
  const validate = validatorFor(service, operation);
  if (validate(input)) return text;
  const schema = describeErrors(validate.errors ?? [], input);
  return [...text, ...(text.length ? schema.filter((p) => !UNKNOWN_RESERVED_KEY.test(p.message)) : schema)];
}

/**
 * The AWS CLI's report: `Parameter validation failed:` then one line per problem. `origins` maps
 * top-level keys to where they came from (a file:// path), which is appended to their lines.
 */
export function formatProblems(problems: Problem[], origins: Record<string, string> = {}): string {
  const lines = problems.map((p) => {
    let line = p.message;
    if (p.fix) line += `${line.endsWith('.') ? '' : '.'} ${p.fix}`;
    const origin = origins[p.topLevelKey ?? ''];
    if (origin) line += ` (in ${origin})`;
    return line;
  });
  return `Parameter validation failed:\n${lines.join('\n')}`;
}
