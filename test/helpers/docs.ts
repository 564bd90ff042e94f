// The project's Markdown as tests see it: README.md, SECURITY.md when it exists, and every page under
// docs/ — found by listing, so a page someone adds later is checked without touching the tests.

import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './run-cli';

/** Every published Markdown file, relative to the repository root (README.md first). */
export function markdownFiles(): string[] {
  const pages: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.posix.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) pages.push(rel);
    }
  };
  if (fs.existsSync(path.join(ROOT, 'docs'))) walk('docs');
  const top = ['README.md', 'SECURITY.md'].filter((f) => fs.existsSync(path.join(ROOT, f)));
  return [...top, ...pages.sort()];
}

export function readMarkdown(rel: string): string {
  return fs.readFileSync(path.join(ROOT, rel), 'utf8');
}

/** All published Markdown in one string: for tests that check what the documentation says, wherever it says it. */
export function allDocs(): string {
  return markdownFiles().map(readMarkdown).join('\n\n');
}

export interface CodeBlock {
  file: string;
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** The fenced code blocks of a Markdown text. */
export function codeBlocks(file: string, text = readMarkdown(file)): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+)\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim().startsWith(open[2]) && l.trim().replace(/`/g, '') === '');
    const stop = end === -1 ? lines.length : end;
    blocks.push({ file, lang: open[3], body: lines.slice(i + 1, stop).map((l) => l.slice(open[1].length)).join('\n'), line: i + 1 });
    i = stop;
  }
  return blocks;
}

/** The text outside code blocks and HTML comments (where links and prose live). */
export function prose(text: string): string {
  return text.replace(/<!--[\s\S]*?-->/g, '').replace(/^([ \t]*)```[\s\S]*?^\1```/gm, '').replace(/`[^`\n]*`/g, '``');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes. */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of text.replace(/^([ \t]*)```[\s\S]*?^\1```/gm, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const base = m[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}
