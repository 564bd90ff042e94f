// --cli-input-json / --cli-input-yaml: a whole input document, inline or file://. Flags given on
// the command line replace whole top-level keys of it (the AWS CLI's shallow merge).

import { ParamError } from '../../base/errors';
import { setOwn } from '../../base/own-keys';
import { NestingError, parseJson, parseYaml } from '../../base/structured-text';
import { loadParamValue } from './param-file';

export interface CliInput {
  /** The parsed document. */
  document: Record<string, unknown>;
  /** `file://…` when it came from a file, else the flag name. */
  source: string;
}

export function loadCliInput(json: string | undefined, yaml: string | undefined, cwd: string): CliInput | undefined {
  if (json !== undefined && yaml !== undefined) throw new ParamError('Only one --cli-input- parameter may be specified.');
  if (json === undefined && yaml === undefined) return undefined;
  const isJson = json !== undefined;
  const flag = isJson ? '--cli-input-json' : '--cli-input-yaml';
  const { value, file } = loadParamValue(flag, (isJson ? json : yaml)!, cwd);
  let doc: unknown;
  try {
    if (!isJson && !value.trim()) throw new Error('empty');
    doc = isJson ? parseJson(value) : parseYaml(value);
  } catch (e) {
    if (e instanceof NestingError) throw new ParamError(`Error parsing parameter '${flag}': the document is ${e.message}.`);
    const detail = isJson ? '' : e instanceof Error && e.message !== 'empty' ? ` ${e.message}` : '';
    throw new ParamError(`Error parsing parameter '${flag.slice(2)}': Invalid ${isJson ? 'JSON' : 'YAML'} received.${detail}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    const kind = Array.isArray(doc) ? 'list' : doc === null ? 'NoneType' : typeof doc === 'string' ? 'str' : typeof doc;
    throw new ParamError(`Error parsing parameter '${flag}': Invalid type: expecting map, received <class '${kind}'>`);
  }
  return { document: doc as Record<string, unknown>, source: file ?? flag };
}

/** Flag values win per top-level key; returns the merged input and where each key came from. */
export function mergeInput(
  fromFlags: Record<string, unknown>,
  cliInput: CliInput | undefined,
): { input: Record<string, unknown>; origins: Record<string, string> } {
  const input: Record<string, unknown> = {};
  const origins: Record<string, string> = {};
  if (cliInput) {
    for (const [k, v] of Object.entries(cliInput.document)) {
      setOwn(input, k, v);
      setOwn(origins, k, cliInput.source);
    }
  }
  for (const [k, v] of Object.entries(fromFlags)) {
    setOwn(input, k, v);
    delete origins[k];
  }
  return { input, origins };
}
