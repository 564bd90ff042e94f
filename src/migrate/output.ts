// How a migration is written: documents as one stream on stdout or one file each under --dir
// (stable paths; files of an earlier run of the same target that this run no longer makes are
// removed), and the fidelity report as a text table or JSON.

import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from '../base/private-file';
import { serializeOne, serializeStream, type ExportFormat } from '../workflows/export-command';
import { PLAIN, type Painter } from '../workflows/findings';
import { countsLine, type FidelityReport } from './report';
import type { GeneratedDoc } from './target';

export function docFile(doc: GeneratedDoc, format: ExportFormat): string {
  return `${doc.path}.${format}`;
}

/** YAML: one stream, each document under a comment naming its file. JSON: one list. */
export function docStream(docs: GeneratedDoc[], format: ExportFormat): string {
  if (format === 'json') return serializeStream(docs.map((d) => d.body), 'json');
  return docs.map((d) => `# ${docFile(d, format)}\n${serializeOne(d.body, format)}`).join('---\n');
}

/** Writes every document under dir; returns the files removed because this run no longer makes them. */
export function writeDocs(dir: string, docs: GeneratedDoc[], format: ExportFormat): string[] {
  const written = new Set(docs.map((d) => docFile(d, format)));
  const tops = new Set(docs.map((d) => d.path.split('/')[0]));
  for (const d of docs) {
    const abs = path.join(dir, docFile(d, format));
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    writeFileAtomic(abs, serializeOne(d.body, format), 0o666);
  }
  const removed: string[] = [];
  const walk = (rel: string) => {
    const abs = path.join(dir, rel);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) return;
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) {
        walk(r);
        if (fs.readdirSync(path.join(dir, r)).length === 0) fs.rmdirSync(path.join(dir, r));
      } else if (/\.(ya?ml|json)$/i.test(e.name) && !written.has(r)) {
        fs.rmSync(path.join(dir, r));
        removed.push(r);
      }
    }
  };
  for (const t of [...tops].sort()) walk(t);
  return removed.sort();
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The report as a table (fidelity, code, resource, setting) with each note on the line below. */
export function reportText(report: FidelityReport, paint: Painter = PLAIN): string {
  const rows = report.entries.map((e) => [e.fidelity, e.code, e.resource, e.setting || '(all)']);
  const widths = [12, 6, Math.min(48, Math.max(8, ...rows.map((r) => r[2].length))), 0];
  const color = (f: string, s: string) => (f === 'lost' ? paint.red(s) : f === 'manual' ? paint.yellow(s) : f === 'approximated' ? paint.cyan(s) : paint.green(s));
  const lines = [paint.bold(`${pad('FIDELITY', widths[0])}  ${pad('CODE', widths[1])}  ${pad('RESOURCE', widths[2])}  SETTING`)];
  report.entries.forEach((e, i) => {
    const r = rows[i];
    lines.push(`${color(e.fidelity, pad(r[0], widths[0]))}  ${pad(r[1], widths[1])}  ${pad(r[2], widths[2])}  ${r[3]}`);
    const where = e.file ? ` (${e.file}${e.line ? `:${e.line}` : ''})` : '';
    const target = e.target && !e.message.includes(e.target) ? `${e.target}: ` : '';
    lines.push(`  ${target}${e.message}${paint.dim(where)}`);
  });
  if (report.differences.length) {
    lines.push('', paint.bold('ROUTE EQUIVALENCE (sample requests routed differently)'));
    for (const d of report.differences) {
      const where = d.file ? ` (${d.file}${d.line ? `:${d.line}` : ''})` : '';
      lines.push(`${paint.red(d.code)}  ${d.resource}${paint.dim(where)}`, `  ${d.message}`);
    }
  }
  lines.push('', countsLine(report.target, report.counts()));
  return `${lines.join('\n')}\n`;
}

/** The machine-readable report: fixed member order, nulls for what is absent. */
export function reportJson(report: FidelityReport, source: string): string {
  const body = {
    target: report.target,
    source,
    counts: report.counts(),
    entries: report.entries.map((e) => ({
      code: e.code, fidelity: e.fidelity, resource: e.resource, setting: e.setting, target: e.target ?? null,
      message: e.message, file: e.file ?? null, line: e.line ?? null,
    })),
    differences: report.differences.map((d) => ({
      code: d.code, resource: d.resource, request: d.request, appMesh: d.appMesh, target: d.target, message: d.message,
      file: d.file ?? null, line: d.line ?? null,
    })),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}
