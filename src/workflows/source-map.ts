// Where each value of a manifest document is in its file, so findings can say `file:line`. Paths
// use the validator's notation (`spec.listeners[0].portMapping`); a path that is not in the
// source (a member filled in by --mesh, say) falls back to its nearest written ancestor.

import type { Document, LineCounter, Node } from 'yaml';

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

/**
 * Lines of every value in a JSON text that JSON.parse accepted. A small scanner rather than a
 * second parser: it only tracks positions and trusts the text to be well-formed.
 */
export function jsonLineMap(text: string): LineMap {
  const map: LineMap = new Map();
  let i = 0;
  let line = 1;
  const ws = () => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\ufeff') return;
      i++;
    }
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    if (!map.has(path)) map.set(path, line);
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
        const key = str();
        map.set(childPath(path, key), keyLine);
        ws();
        i++; // ':'
        value(childPath(path, key));
        ws();
        if (text[i++] === '}') return;
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
        map.set(childPath(path, n), line);
        value(childPath(path, n));
        ws();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') {
      str();
      return;
    }
    while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
  };
  value('');
  return map;
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
 * Where a JSON text stops being JSON (JSON.parse does not always say): a strict recognizer that
 * returns the offset of the first offending character, or -1 when the text is valid.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const expect = (c: string) => (text[i] === c ? i++ : fail());
  const literal = (word: string) => (text.startsWith(word, i) ? (i += word.length) : fail());
  const string = () => {
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
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (): void => {
    ws();
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
        string();
        ws();
        expect(':');
        value();
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
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return void expect(']');
      }
    }
    if (c === '"') return string();
    if (c === 't') return void literal('true');
    if (c === 'f') return void literal('false');
    if (c === 'n') return void literal('null');
    number();
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    return typeof at === 'number' ? at : -1;
  }
}
