// JSON and YAML as every input is parsed: with one nesting limit (deeper values would overflow
// the stack of whatever walks them next — validation, formatting, a provider) and, for YAML, only
// the core schema's tags plus the ones a caller names (CloudFormation's !Ref…): `!!js/function`,
// `!!binary` and the like are refused rather than read as strings or Buffers with a raw warning.

import type { Document, LineCounter, Tags } from 'yaml';

/** Deepest nesting of lists/objects any input may have (App Mesh specs need about 12). */
export const MAX_NESTING_DEPTH = 100;

/** An input nested deeper than MAX_NESTING_DEPTH. */
export class NestingError extends Error {
  constructor() {
    super(`nested more than ${MAX_NESTING_DEPTH} levels deep (the limit for any input)`);
    this.name = 'NestingError';
  }
}

/** A YAML text that cannot be read; `line`/`col` when known (1-based). */
export class YamlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly col?: number,
  ) {
    super(message);
    this.name = 'YamlSyntaxError';
  }
}

/** Throws NestingError when `value` nests deeper than the limit (iteratively: it must not overflow itself). */
export function checkNesting(value: unknown, limit = MAX_NESTING_DEPTH): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= limit) throw new NestingError();
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}

/** JSON.parse (iterative in V8, so safe at any depth) plus the nesting limit. Throws SyntaxError or NestingError. */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  checkNesting(value);
  return value;
}

// ---- YAML ---------------------------------------------------------------------------------------

type YamlModule = typeof import('yaml');
type CstToken = import('yaml').CST.Token;

function yamlModule(): YamlModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml') as YamlModule;
}

/** Nesting of collections in the concrete syntax tree, walked before composing (which recurses). */
function checkCstNesting(tokens: CstToken[]): void {
  const stack: Array<[CstToken | undefined, number]> = tokens.map((t) => [t, 0]);
  while (stack.length) {
    const [t, depth] = stack.pop()!;
    if (!t) continue;
    if (t.type === 'document') {
      stack.push([t.value, depth]);
    } else if (t.type === 'block-map' || t.type === 'block-seq' || t.type === 'flow-collection') {
      if (depth >= MAX_NESTING_DEPTH) throw new NestingError();
      for (const item of t.items) {
        const it = item as { key?: CstToken | null; value?: CstToken };
        if (it.key) stack.push([it.key, depth + 1]);
        stack.push([it.value, depth + 1]);
      }
    }
  }
}

/** `!!js/function` for `tag:yaml.org,2002:js/function`, as the text wrote it. */
function shortTag(tag: string): string {
  return tag.replace(/^tag:yaml\.org,2002:/, '!!');
}

export interface YamlOptions {
  /** Tags read beyond the core schema (e.g. CloudFormation's short forms). */
  customTags?: Tags;
  /** Receives line starts, for callers that map values back to lines. */
  lineCounter?: LineCounter;
}

/**
 * Every document of a YAML stream. Syntax errors and tags outside the core schema (and
 * `customTags`) are in each document's `errors`, with positions; throws NestingError when too deep.
 */
export function parseYamlDocuments(text: string, opts: YamlOptions = {}): Document[] {
  const YAML = yamlModule();
  const lines = opts.lineCounter ?? new YAML.LineCounter();
  const tokens = [...new YAML.Parser(lines.addNewLine).parse(text)];
  checkCstNesting(tokens);
  // resolveKnownTags off: YAML 1.1's !!binary/!!timestamp/!!set… are not core tags either.
  const composer = new YAML.Composer({ customTags: opts.customTags, resolveKnownTags: false });
  const docs = [...composer.compose(tokens)] as Document[];
  for (const d of docs) {
    for (const e of [...d.errors, ...d.warnings]) e.linePos ??= [lines.linePos(e.pos[0])];
    for (const w of d.warnings) {
      if (w.code !== 'TAG_RESOLVE_FAILED') continue;
      const tag = /Unresolved tag: (\S+)/.exec(w.message)?.[1] ?? 'unknown';
      w.message = `unsupported tag ${shortTag(tag)} (only the YAML core schema is read: !!str, !!int, !!float, !!bool, !!null, !!seq, !!map)`;
      d.errors.push(w as unknown as (typeof d.errors)[number]);
    }
  }
  return docs;
}

/** The first error of a document as YamlSyntaxError: its message's first line and where it is. */
function syntaxError(d: Document): YamlSyntaxError | undefined {
  const e = d.errors[0];
  if (!e) return undefined;
  const pos = e.linePos?.[0];
  return new YamlSyntaxError(`${e.message.split('\n')[0]}${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}`, pos?.line, pos?.col);
}

/** One YAML document as plain data. Throws YamlSyntaxError or NestingError; empty text is null. */
export function parseYaml(text: string, opts: YamlOptions = {}): unknown {
  const docs = parseYamlDocuments(text, opts);
  if (docs.length > 1) throw new YamlSyntaxError('the text holds several YAML documents; one was expected');
  if (!docs.length) return null;
  const err = syntaxError(docs[0]);
  if (err) throw err;
  return docs[0].toJS({ maxAliasCount: 100 });
}

/** Plain data of a document parsed by parseYamlDocuments, or its first error. */
export function yamlDocumentValue(d: Document): unknown {
  const err = syntaxError(d);
  if (err) throw err;
  return d.toJS({ maxAliasCount: 100 });
}
