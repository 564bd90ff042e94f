// The whole corpus on every target: the 123 App Mesh specs of aws/aws-app-mesh-examples (each a
// mesh of its own), the 44 CloudFormation templates and the 18 App Mesh Controller manifests
// (test/migrate/sources.ts says how each is read). Every generated document validates against
// the target's vendored schema and is named by a step of --plan, every setting is classified (no
// MG0001), and the counts README.md and docs/migrate.md print are the ones computed here
// (`npm run migrate:corpus -- --write` puts them there).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TARGET_NAMES, type TargetName } from '../../src/migrate';
import { ROOT } from '../helpers/run-cli';
import { convertAll, problemsOf, TABLE_HEADER, tableRow, totalsOf, type Totals } from './corpus-figures';
import { corpusSources, type NamedSource } from './sources';

// Converting and validating ~190 meshes takes seconds per target; a loaded 2-core machine is slower.
jest.setTimeout(240_000);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-migrate-corpus-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let sources: NamedSource[] = [];
let unresolved = 0;
const counts = new Map<TargetName, Totals>();

beforeAll(() => {
  ({ sources, unresolved } = corpusSources(tmp));
});

test('the three corpora are all read', () => {
  expect(sources.filter((s) => s.name.startsWith('json:'))).toHaveLength(123);
  expect(new Set(sources.filter((s) => s.name.startsWith('cfn:')).map((s) => s.name.split('#')[0])).size).toBe(44);
  expect(new Set(sources.filter((s) => s.name.startsWith('k8s:')).map((s) => s.name.split('#')[0])).size).toBe(18);
});

describe.each(TARGET_NAMES.map((t) => [t]))('%s', (target) => {
  test('every mesh converts, every document is valid and named by a plan step, every setting is classified', () => {
    const converted = convertAll(sources, target);
    expect(problemsOf(converted)).toEqual({ unclassified: [], invalid: [], unplanned: [] });
    const total = totalsOf(converted);
    expect(total.documents).toBeGreaterThan(sources.length);
    counts.set(target, total);
  });
});

test.each(['README.md', 'docs/migrate.md'])('%s prints the counts computed above', (file) => {
  expect(counts.size).toBe(TARGET_NAMES.length);
  const raw = fs.readFileSync(path.join(ROOT, file), 'utf8');
  expect(raw).toContain(`${TABLE_HEADER}\n|---|---|---|---|---|---|---|\n${TARGET_NAMES.map((t) => tableRow(t, counts.get(t)!)).join('\n')}\n`);
  const text = raw.replace(/\s+/g, ' ');
  expect(text).toContain(`${sources.length} meshes`);
  if (file === 'docs/migrate.md') expect(text).toContain(`${unresolved} references`);
});
