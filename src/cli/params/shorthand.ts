// The AWS CLI shorthand syntax for structure, map and list parameters:
//   key=value,key2=value2          structure or map
//   key=a,b,c                      a list value written as comma-separated values
//   key=[a,b], key={k=v}           explicit lists and nested structures
//   'quoted, text' / "quoted"      values with special characters
// Values come out as strings; the caller coerces them to the model's scalar types. Keys are own
// properties whatever their name (also __proto__), and nesting stops at the one input limit.

import { setOwn } from '../../base/own-keys';
import { MAX_NESTING_DEPTH, NestingError } from '../../base/structured-text';

export type ShorthandValue = string | ShorthandValue[] | { [key: string]: ShorthandValue };

export class ShorthandError extends Error {
  constructor(
    message: string,
    readonly input: string,
    readonly index: number,
  ) {
    super(message);
  }
}

const KEY_CHAR = /[A-Za-z0-9\-_.#/:]/;

class Parser {
  private i = 0;
  /** Lists and hashes open around the current position (the top-level key=value list is one). */
  private depth = 1;
  constructor(private readonly s: string) {}

  parse(): Record<string, ShorthandValue> {
    const result = this.keyvals(false);
    if (this.i < this.s.length) this.fail(`Expected: ',', received: '${this.s[this.i]}'`);
    return result;
  }

  private fail(message: string): never {
    throw new ShorthandError(message, this.s, this.i);
  }

  private keyvals(nested: boolean): Record<string, ShorthandValue> {
    const out: Record<string, ShorthandValue> = {};
    for (;;) {
      this.ws();
      if (nested && this.peek() === '}') return out;
      const key = this.key();
      this.ws();
      if (this.peek() !== '=') this.fail(`Expected: '=', received: '${this.peek() ?? 'EOF'}'`);
      this.i++;
      this.ws();
      setOwn(out, key, this.values(nested));
      this.ws();
      if (this.peek() === ',') {
        this.i++;
        continue;
      }
      return out;
    }
  }

  private key(): string {
    const start = this.i;
    while (this.i < this.s.length && KEY_CHAR.test(this.s[this.i])) this.i++;
    if (start === this.i) this.fail(`Expected: key, received: '${this.peek() ?? 'EOF'}'`);
    return this.s.slice(start, this.i);
  }

  /** A value after `key=`: explicit list, hash, or a csv list of plain values. */
  private values(nested: boolean): ShorthandValue {
    const c = this.peek();
    if (c === '[') return this.explicitList();
    if (c === '{') return this.hash();
    const first = this.value(nested);
    const rest: string[] = [];
    // `a=b,c` continues a csv list as long as the next item is not itself `key=`.
    while (this.peek() === ',' && !this.nextIsKeyval()) {
      this.i++;
      rest.push(this.value(nested));
    }
    return rest.length ? [first, ...rest] : first;
  }

  private nextIsKeyval(): boolean {
    let j = this.i + 1;
    while (j < this.s.length && /\s/.test(this.s[j])) j++;
    const start = j;
    while (j < this.s.length && KEY_CHAR.test(this.s[j])) j++;
    if (j === start) return false;
    while (j < this.s.length && /\s/.test(this.s[j])) j++;
    return this.s[j] === '=';
  }

  /** Runs a nested list/hash parser one level deeper (the parser recurses, so depth is bounded). */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING_DEPTH) throw new NestingError();
    const value = parse();
    this.depth--;
    return value;
  }

  private explicitList(): ShorthandValue[] {
    return this.nested(() => this.explicitListBody());
  }

  private explicitListBody(): ShorthandValue[] {
    this.i++; // [
    const items: ShorthandValue[] = [];
    this.ws();
    if (this.peek() === ']') {
      this.i++;
      return items;
    }
    for (;;) {
      this.ws();
      const c = this.peek();
      if (c === '{') items.push(this.hash());
      else if (c === '[') items.push(this.explicitList());
      else items.push(this.value(true));
      this.ws();
      const next = this.peek();
      if (next === ',') {
        this.i++;
        continue;
      }
      if (next === ']') {
        this.i++;
        return items;
      }
      this.fail(`Expected: ',' or ']', received: '${next ?? 'EOF'}'`);
    }
  }

  private hash(): Record<string, ShorthandValue> {
    return this.nested(() => this.hashBody());
  }

  private hashBody(): Record<string, ShorthandValue> {
    this.i++; // {
    const out = this.keyvals(true);
    this.ws();
    if (this.peek() !== '}') this.fail(`Expected: '}', received: '${this.peek() ?? 'EOF'}'`);
    this.i++;
    return out;
  }

  /** A plain, single- or double-quoted value. Inside brackets/braces, `]` and `}` end it too. */
  private value(nested: boolean): string {
    const c = this.peek();
    if (c === '"' || c === "'") return this.quoted(c);
    const start = this.i;
    let out = '';
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if (ch === ',' || (nested && (ch === ']' || ch === '}'))) break;
      if (ch === '\\' && this.i + 1 < this.s.length) {
        out += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      out += ch;
      this.i++;
    }
    if (this.i === start && !nested) return '';
    return out.trim();
  }

  private quoted(q: string): string {
    this.i++;
    let out = '';
    while (this.i < this.s.length && this.s[this.i] !== q) {
      if (this.s[this.i] === '\\' && this.s[this.i + 1] === q) {
        out += q;
        this.i += 2;
        continue;
      }
      out += this.s[this.i++];
    }
    if (this.i >= this.s.length) this.fail(`Expected: '${q}', received: 'EOF'`);
    this.i++;
    return out;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private peek(): string | undefined {
    return this.s[this.i];
  }
}

export function parseShorthand(text: string): Record<string, ShorthandValue> {
  return new Parser(text).parse();
}
