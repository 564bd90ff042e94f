import * as fs from 'fs';
import * as path from 'path';
import { ParamError } from '../../core/errors';

/**
 * Resolves `file://path` (text) and `fileb://path` (bytes, as base64 for blob members) the way the
 * AWS CLI does for every parameter value, relative to the working directory.
 */
export function loadParamValue(flag: string, value: string, cwd: string): { value: string; file?: string } {
  const m = /^(fileb?):\/\/(.*)$/s.exec(value);
  if (!m) return { value };
  const [, scheme, rel] = m;
  const expanded = rel.startsWith('~/') ? path.join(process.env.HOME ?? '', rel.slice(2)) : rel;
  const abs = path.resolve(cwd, expanded);
  try {
    const data = fs.readFileSync(abs);
    return { value: scheme === 'fileb' ? data.toString('base64') : data.toString('utf8'), file: value };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT'
      ? `[Errno 2] No such file or directory: '${rel}'`
      : err.code === 'EISDIR' ? `[Errno 21] Is a directory: '${rel}'` : `${err.code ?? 'error'}: ${err.message}`;
    throw new ParamError(`Error parsing parameter '${flag}': Unable to load paramfile ${value}: ${reason}`);
  }
}
