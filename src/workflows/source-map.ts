// Where each value of a manifest document is in its file, so findings can say `file:line`. Paths
// use the validator's notation (`spec.listeners[0].portMapping`); a path that is not in the
// source (a member filled in by --mesh, say) falls back to its nearest written ancestor.

import type { Document, LineCounter, Node } from 'yaml';
import { intrinsicOfTag } from './cloudformation/yaml-tags';

/** Path → 1-based line of the key (object members) or of the value (list items). */
export type LineMap = Map<string, number>;

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** The line of `path`, or of its closest ancestor present in the map. */
export function lineOf(map: LineMap, path: string): number | undefined {
  let p = path;
  for (;;) {
    const line = map.get(p);
    if (line !== undefined) return line;
    if (!p) return undefined;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut > 0 ? p.slice(0, cut) : '';
  }
}

/** Lines of every value in a JSON text that JSON.parse accepted. */
export function jsonLineMap(text: string): LineMap {
  return scanJson(text).lines;
}

/** Lines of every node of one parsed YAML document. */
export function yamlLineMap(doc: Document, counter: LineCounter): LineMap {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isMap, isSeq, isScalar } = require('yaml') as typeof import('yaml');
  const map: LineMap = new Map();
  const lineAt = (offset: number) => counter.linePos(offset).line;
  const walk = (node: Node | null | undefined, path: string): void => {
    if (!node) return;
    if (node.range && !map.has(path)) map.set(path, lineAt(node.range[0]));
    // A CloudFormation short form on a collection (`!If [c, a, b]`): its value is {"Fn::If": [...]}
    const intrinsic = (isMap(node) || isSeq(node)) ? intrinsicOfTag(node.tag) : undefined;
    if (intrinsic) {
      const inner = childPath(path, intrinsic);
      if (node.range) map.set(inner, lineAt(node.range[0]));
      path = inner;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const name = isScalar(key) ? String(key.value) : String(key);
        const p = childPath(path, name);
        if (key?.range) map.set(p, lineAt(key.range[0]));
        walk(pair.value as Node | null, p);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, n) => walk(item as Node, childPath(path, n)));
    }
  };
  walk(doc.contents as Node | null, '');
  return map;
}

/**
 * Where a JSON text stops being JSON (JSON.parse does not always say): the offset of the first
 * offending character, or -1 when the text is valid.
 */
export function jsonErrorOffset(text: string): number {
  return scanJson(text).errorOffset;
}

/**
 * One strict pass over a JSON text: the line of every key and list item (by path), and where the
 * text stops being JSON. The BOM is already stripped by the caller (JSON.parse refuses it too).
 */
function scanJson(text: string): { lines: LineMap; errorOffset: number } {
  const lines: LineMap = new Map();
  let i = 0;
  let line = 1;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) {
      if (text[i] === '\n') line++;
      i++;
    }
  };
  const expect = (c: string) => (text[i] === c ? i++ : fail());
  const literal = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const string = (): string => {
    const start = i;
    expect('"');
    while (text[i] !== '"') {
      if (i >= text.length || text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 5;
        } else if ('"\\/bfnrt'.includes(text[i] ?? 'x')) i++;
        else fail();
      } else i++;
    }
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (path: string): void => {
    ws();
    if (!lines.has(path)) lines.set(path, line);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const keyLine = line;
        const key = childPath(path, string());
        lines.set(key, keyLine);
        ws();
        expect(':');
        value(key);
        ws();
        if (text[i] === ',') i++;
        else return void expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        ws();
        lines.set(childPath(path, n), line);
        value(childPath(path, n));
        ws();
        if (text[i] === ',') i++;
        else return void expect(']');
      }
    }
    if (c === '"') return void string();
    if (c === 't') return void literal('true');
    if (c === 'f') return void literal('false');
    if (c === 'n') return void literal('null');
    number();
  };
  try {
    value('');
    ws();
    return { lines, errorOffset: i < text.length ? i : -1 };
  } catch (at) {
    return { lines, errorOffset: typeof at === 'number' ? at : -1 };
  }
}
