// `--output table`: the AWS CLI's boxed tables. The result is laid out as titled sections (one
// per nested dict or list, indented one level deeper with an extra `|` on each side); a dict's
// scalars form a header row plus a value row, or a key/value pair when there is just one. When
// the widest section does not fit the terminal, single-row sections turn vertical.

import { isScalar, pyStr } from './scalars';

export interface TableOptions {
  title: string;
  terminalWidth: number;
  color: boolean;
}

const RESET = '\x1b[0m';
const ROW_STYLE = '\x1b[1m\x1b[34m';
const INDENT_STYLE = '\x1b[2m\x1b[33m';

class Section {
  title = '';
  headers: string[] = [];
  rows: string[][] = [];
  maxWidths: number[] = [];
  constructor(readonly indent: number) {}

  setHeaders(headers: string[]): void {
    this.track(headers);
    this.headers = headers;
  }

  addRow(values: unknown[]): void {
    const row = values.map(pyStr);
    this.rows.push(row);
    this.track(row);
  }

  private track(cells: string[]): void {
    cells.forEach((c, i) => {
      this.maxWidths[i] = Math.max(textWidth(c), this.maxWidths[i] ?? 0);
    });
  }

  /** Widths of the columns (cell text + 4 padding), scaled to fill `maxWidth` exactly. */
  columnWidths(maxWidth?: number): number[] {
    const raw = this.maxWidths.map((w) => w + 4);
    if (maxWidth === undefined || !raw.length) return raw;
    const scale = maxWidth / raw.reduce((a, b) => a + b, 0);
    const scaled = raw.map((w) => roundHalfEven(scale * w));
    let off = scaled.reduce((a, b) => a + b, 0) - maxWidth;
    while (off !== 0) {
      const order = [...scaled.keys()];
      if (off < 0) order.reverse();
      for (const i of order) {
        if (off > 0) {
          scaled[i]--;
          off--;
        } else {
          scaled[i]++;
          off++;
        }
        if (off === 0) break;
      }
    }
    return scaled;
  }

  totalWidth(): number {
    const cols = this.maxWidths.reduce((a, w) => a + w + 4, 0) + 2 + 2 * this.indent;
    return Math.max(textWidth(this.title) + 2 + 2 * this.indent, cols);
  }
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Display width: East Asian wide and fullwidth characters take two columns. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const wide = (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3)
      || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60)
      || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

class TableBuilder {
  readonly sections: Section[] = [];
  private current?: Section;

  newSection(title: string, indent: number): void {
    this.current = new Section(indent);
    this.current.title = title;
    this.sections.push(this.current);
  }

  build(title: string | undefined, value: unknown, indent: number): boolean {
    if (isEmpty(value)) return false;
    if (title !== undefined) this.newSection(title, indent);
    if (!this.current) this.newSection('', indent);
    const cur = this.current!;
    if (Array.isArray(value)) {
      if (value[0] !== null && typeof value[0] === 'object' && !Array.isArray(value[0])) {
        this.fromList(value as Record<string, unknown>[], indent, title ?? '');
      } else {
        for (const item of value) {
          if (isScalar(item)) cur.addRow([item]);
          else if (Array.isArray(item) && item.every(isScalar)) cur.addRow(item);
          else this.build(undefined, item, indent);
        }
      }
    } else if (value !== null && typeof value === 'object') {
      this.fromDict(value as Record<string, unknown>, indent);
    } else {
      cur.addRow([value]);
    }
    return true;
  }

  private fromDict(d: Record<string, unknown>, indent: number): void {
    const { headers, nested } = splitKeys([d]);
    const cur = this.current!;
    if (headers.length === 1) cur.addRow([headers[0], d[headers[0]]]);
    else if (headers.length) {
      cur.setHeaders(headers);
      cur.addRow(headers.map((h) => d[h]));
    }
    for (const k of nested) this.build(k, d[k], indent + 1);
  }

  private fromList(items: Record<string, unknown>[], indent: number, title: string): void {
    const { headers, nested } = splitKeys(items);
    this.current!.setHeaders(headers);
    items.forEach((el, i) => {
      if (i > 0 && nested.length) {
        this.newSection(title, indent);
        this.current!.setHeaders(headers);
      }
      this.current!.addRow(headers.map((h) => (el[h] === undefined ? '' : el[h])));
      for (const k of nested) if (k in el) this.build(k, el[k], indent + 1);
    });
  }
}

function isEmpty(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function splitKeys(items: Record<string, unknown>[]): { headers: string[]; nested: string[] } {
  const headers = new Set<string>();
  const nested = new Set<string>();
  for (const d of items) {
    if (!d || typeof d !== 'object') continue;
    for (const [k, v] of Object.entries(d)) (isScalar(v) ? headers : nested).add(k);
  }
  return { headers: [...headers].sort(), nested: [...nested].sort() };
}

export function formatTable(data: unknown, opts: TableOptions): string {
  const builder = new TableBuilder();
  if (!builder.build(opts.title, data, 0)) return '';
  const sections = builder.sections;
  let width = Math.max(...sections.map((s) => s.totalWidth()));
  if (width > opts.terminalWidth) {
    for (let i = 0; i < sections.length; i++) {
      const s = sections[i];
      if (s.rows.length === 1 && s.headers.length) {
        const vertical = new Section(s.indent);
        vertical.title = s.title;
        s.headers.forEach((h, j) => vertical.addRow([h, s.rows[0][j]]));
        sections[i] = vertical;
      }
    }
    width = Math.max(...sections.map((s) => s.totalWidth()));
  }
  const out: string[] = [`${'-'.repeat(width)}\n`];
  for (const s of sections) renderSection(s, width, opts.color, out);
  return out.join('');
}

function renderSection(s: Section, totalWidth: number, color: boolean, out: string[]): void {
  const bar = color ? `${INDENT_STYLE}|${RESET}` : '|';
  const edge = bar.repeat(s.indent);
  const line = (text: string) => out.push(`${edge}${text}${edge}\n`);
  const width = totalWidth - 2 * s.indent;
  if (s.title) {
    line(center(s.title, width, '|', '|'));
    if (!s.headers.length && !s.rows.length) line(`+${'-'.repeat(width - 2)}+`);
  }
  const widths = s.columnWidths(width);
  if (s.headers.length) {
    line(separator(widths));
    line(s.headers.map((h, i) => center(h, widths[i], i === 0 ? '|' : '', '|')).join(''));
  }
  if (s.rows.length && widths.length) {
    line(separator(widths));
    for (const row of s.rows) {
      line(row.map((cell, i) => alignLeft(cell, widths[i], i === 0 ? '|' : '', '|', color)).join(''));
    }
    line(separator(widths));
  }
}

function separator(widths: number[]): string {
  return widths.map((w, i) => (i === 0 ? `+${'-'.repeat(w - 2)}+` : `${'-'.repeat(w - 1)}+`)).join('');
}

function center(text: string, length: number, left: string, right: string): string {
  const len = textWidth(text);
  const start = Math.floor(length / 2) - Math.floor(len / 2) - 1;
  const soFar = left.length + start + len;
  return `${left}${' '.repeat(Math.max(0, start))}${text}${' '.repeat(Math.max(0, length - right.length - soFar))}${right}`;
}

function alignLeft(text: string, length: number, left: string, right: string, color: boolean): string {
  const len = textWidth(text);
  const padding = length - (len + 2 + left.length + right.length) >= 0 ? 2 : 0;
  const styled = color ? `${ROW_STYLE}${text}${RESET}` : text;
  const fill = Math.max(0, length - left.length - padding - len - right.length);
  return `${left}${' '.repeat(padding)}${styled}${' '.repeat(fill)}${right}`;
}
