import { join, resolve } from 'path';
import { ParamError } from '../../base/errors';
import { InputFileError, readInputFile, type InputFileProblem } from '../../base/input-file';

/** The AWS CLI's (Python's) wording where it has one. */
function reasonText(problem: InputFileProblem, reason: string, rel: string): string {
  if (problem === 'ENOENT') return `[Errno 2] No such file or directory: '${rel}'`;
  if (problem === 'EISDIR') return `[Errno 21] Is a directory: '${rel}'`;
  if (problem === 'EACCES') return `[Errno 13] Permission denied: '${rel}'`;
  return reason;
}

/**
 * Resolves `file://path` (text) and `fileb://path` (bytes, as base64 for blob members) the way the
 * AWS CLI does for every parameter value, relative to the working directory — through the one
 * size-limited reader (regular files and /dev/stdin only; see base/input-file).
 */
export function loadParamValue(flag: string, value: string, cwd: string): { value: string; file?: string } {
  const m = /^(fileb?):\/\/(.*)$/s.exec(value);
  if (!m) return { value };
  const [, scheme, rel] = m;
  const expanded = rel.startsWith('~/') ? join(process.env.HOME ?? '', rel.slice(2)) : rel;
  const abs = resolve(cwd, expanded);
  try {
    const data = readInputFile(abs);
    return { value: scheme === 'fileb' ? data.toString('base64') : data.toString('utf8'), file: value };
  } catch (e) {
    if (!(e instanceof InputFileError)) throw e;
    throw new ParamError(`Error parsing parameter '${flag}': Unable to load paramfile ${value}: ${reasonText(e.problem, e.reason, rel)}`);
  }
}
