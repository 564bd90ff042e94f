// The corpus figures, computed one way for test/migrate/corpus.test.ts (which checks them against
// README.md and docs/migrate.md) and for scripts/migrate-corpus.js (which prints and writes them).

import { migrate, type Migration, type TargetName } from '../../src/migrate';
import type { ReportCounts } from '../../src/migrate/report';
import { validateDocument } from '../../src/migrate/schemas';
import type { NamedSource } from './sources';

export type Totals = ReportCounts & { documents: number };

export interface Converted {
  name: string;
  m: Migration;
}

export function convertAll(sources: NamedSource[], target: TargetName): Converted[] {
  return sources.map(({ name, source }) => ({ name, m: migrate(source, target) }));
}

/** Report counts summed over the meshes, and the number of documents. */
export function totalsOf(converted: Converted[]): Totals {
  const total: Totals = { mapped: 0, approximated: 0, lost: 0, manual: 0, differences: 0, documents: 0 };
  for (const { m } of converted) {
    const c = m.report.counts();
    for (const k of ['mapped', 'approximated', 'lost', 'manual', 'differences'] as const) total[k] += c[k];
    total.documents += m.docs.length;
  }
  return total;
}

/** Settings no target code classified (MG0001), documents their schema rejects, and documents no plan step names. */
export function problemsOf(converted: Converted[]): { unclassified: string[]; invalid: string[]; unplanned: string[] } {
  const unclassified: string[] = [];
  const invalid: string[] = [];
  const unplanned: string[] = [];
  for (const { name, m } of converted) {
    for (const e of m.report.entries) if (e.code === 'MG0001') unclassified.push(`${name}: ${e.resource} ${e.setting}`);
    for (const d of m.docs) {
      if (!m.target.steps.some((s) => s.id === d.step)) unplanned.push(`${name}: ${d.path} (step ${d.step})`);
      const problems = validateDocument(d);
      if (problems.length) invalid.push(`${name}: ${d.path}: ${JSON.stringify(problems)}`);
    }
  }
  return { unclassified, invalid, unplanned };
}

/** The columns of the counts table in README.md and docs/migrate.md. */
export const TABLE_HEADER = '| Target | mapped | approximated | lost | manual | routing differences | documents |';

export function tableRow(target: TargetName, t: Totals): string {
  return `| ${target} | ${[t.mapped, t.approximated, t.lost, t.manual, t.differences, t.documents].join(' | ')} |`;
}
