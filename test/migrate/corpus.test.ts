// The whole corpus on every target: the 123 App Mesh specs of aws/aws-app-mesh-examples (each a
// mesh of its own), the 44 CloudFormation templates and the 18 App Mesh Controller manifests
// (test/migrate/sources.ts says how each is read). Every generated document validates against
// the target's vendored schema, every setting is classified (no MG0001), and the counts the README
// and docs/migrate.md print are the ones computed here.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { migrate, TARGET_NAMES, type TargetName } from '../../src/migrate';
import type { ReportCounts } from '../../src/migrate/report';
import { validateDocument } from '../../src/migrate/schemas';
import { ROOT } from '../helpers/run-cli';
import { cfnSources, jsonSources, k8sSources, type NamedSource } from './sources';

// Converting and validating ~190 meshes takes seconds per target; a loaded 2-core machine is slower.
jest.setTimeout(240_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-migrate-corpus-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let sources: NamedSource[] = [];
let unresolved = 0;
const counts = new Map<TargetName, ReportCounts & { documents: number }>();

beforeAll(() => {
  const k8s = k8sSources(tmp);
  unresolved = k8s.unresolved;
  sources = [...jsonSources(), ...cfnSources(), ...k8s.sources];
});

test('the three corpora are all read', () => {
  expect(sources.filter((s) => s.name.startsWith('json:'))).toHaveLength(123);
  expect(new Set(sources.filter((s) => s.name.startsWith('cfn:')).map((s) => s.name.split('#')[0])).size).toBe(44);
  expect(new Set(sources.filter((s) => s.name.startsWith('k8s:')).map((s) => s.name.split('#')[0])).size).toBe(18);
});

describe.each(TARGET_NAMES.map((t) => [t]))('%s', (target) => {
  test('every mesh converts, every document is valid, every setting is classified', () => {
    const total: ReportCounts & { documents: number } = { mapped: 0, approximated: 0, lost: 0, manual: 0, differences: 0, documents: 0 };
    const invalid: string[] = [];
    const unclassified: string[] = [];
    for (const { name, source } of sources) {
      const m = migrate(source, target);
      const c = m.report.counts();
      for (const k of ['mapped', 'approximated', 'lost', 'manual', 'differences'] as const) total[k] += c[k];
      total.documents += m.docs.length;
      for (const e of m.report.entries) if (e.code === 'MG0001') unclassified.push(`${name}: ${e.resource} ${e.setting}`);
      for (const d of m.docs) {
        const problems = validateDocument(d);
        if (problems.length) invalid.push(`${name}: ${d.path}: ${JSON.stringify(problems)}`);
      }
    }
    expect(invalid).toEqual([]);
    expect(unclassified).toEqual([]);
    expect(total.documents).toBeGreaterThan(sources.length);
    counts.set(target, total);
  });
});

/** `| service-connect | 906 | 786 | …` rows of a counts table. */
function table(file: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const m of fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^\| `?(service-connect|lattice|gateway-api|istio)`? \|([^\n]*)\|$/gm)) {
    out.set(m[1], m[2].split('|').map((x) => Number(x.replace(/[^0-9]/g, ''))));
  }
  return out;
}

test.each(['README.md', 'docs/migrate.md'])('%s prints the counts computed above', (file) => {
  expect(counts.size).toBe(TARGET_NAMES.length);
  const rows = table(file);
  for (const [target, c] of counts) {
    expect({ target, row: rows.get(target) }).toEqual({ target, row: [c.mapped, c.approximated, c.lost, c.manual, c.differences, c.documents] });
  }
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8').replace(/\s+/g, ' ');
  expect(text).toContain(`${sources.length} meshes`);
  if (file === 'docs/migrate.md') expect(text).toContain(`${unresolved} references`);
});
