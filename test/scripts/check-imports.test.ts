// scripts/check-imports.js (run by `npm test` before jest): the source tree passes, and a new circle
// between folders or files — through a static import, a lazy require() or a type-only import() —
// or an import against the layering fails it, on small trees written to a temp dir.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from '../helpers/run-cli';

const SCRIPT = path.join(ROOT, 'scripts', 'check-imports.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { check } = require(SCRIPT) as { check(root: string): { problems: string[] } };

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A src/ tree of the given files (path → source). */
function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'check-imports-'));
  dirs.push(root);
  for (const [p, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), text);
  }
  return root;
}

test('a layered tree passes: lower folders imported statically, lazily and for types', () => {
  const root = tree({
    'base/errors.ts': 'export class E {}\n',
    'core/app.ts': "import { E } from '../base/errors';\nexport const f = () => require('../backends/x') as typeof import('../backends/x');\nexport { E };\n",
    'backends/x.ts': "import type { E } from '../base/errors';\nexport type T = E;\n",
    'cli/main.ts': "export async function g() { return import('../core/app'); }\n",
  });
  expect(check(root).problems).toEqual([]);
});

test('a lazy require() up the layering closes a circle between folders: both are reported', () => {
  const root = tree({
    'base/errors.ts': "export function later() { return require('../core/app'); }\n",
    'core/app.ts': "import '../base/errors';\n",
  });
  const problems = check(root).problems;
  expect(problems).toEqual([
    expect.stringMatching(/^layering: base\/ must not import core\/ \(a higher layer\): base\/errors\.ts:1 → core\/app\.ts$/),
    expect.stringMatching(/^folders import each other in a circle: base → core → base\n {4}base\/errors\.ts:1 → core\/app\.ts\n {4}core\/app\.ts:1 → base\/errors\.ts$/),
    'files import each other in a circle: base/errors.ts → core/app.ts → base/errors.ts',
  ]);
});

test('a type-only import() closing a circle between files of one folder is reported', () => {
  const root = tree({
    'xds/a.ts': "import { b } from './b';\nexport const a = b;\n",
    'xds/b.ts': "export const b = 1;\nexport type A = typeof import('./a');\n",
  });
  expect(check(root).problems).toEqual(['files import each other in a circle: xds/a.ts → xds/b.ts → xds/a.ts']);
});

test('a folder the layering does not know is reported', () => {
  const root = tree({ 'newroom/x.ts': 'export const x = 1;\n' });
  expect(check(root).problems).toEqual([
    'src/newroom/ has no place in the layering: add it to LAYERS in scripts/check-imports.js',
  ]);
});

test('a command implementation outside a <command>-command.ts module is reported', () => {
  const root = tree({
    'core/app.ts': 'export class App {}\n',
    'migrate/run.ts': "import type { App } from '../core/app';\nexport async function runMigrate(app: App): Promise<void> { void app; }\n",
    'migrate/plan-command.ts': "import type { App } from '../core/app';\nexport async function runPlan(app: App): Promise<void> { void app; }\n",
  });
  expect(check(root).problems).toEqual([
    'naming: migrate/run.ts exports runMigrate(app, …): a command\'s implementation is named <command>-command.ts',
  ]);
});

test('the script exits 1 and names the circle, so `npm test` stops before jest; the source tree passes', () => {
  const root = tree({
    'dataplane/proxy.ts': "export { pages } from '../observability/pages';\n",
    'observability/pages.ts': "import type { Proxy } from '../dataplane/proxy';\nexport const pages = (p?: Proxy) => p;\n",
  });
  const r = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('folders import each other in a circle: dataplane → observability → dataplane');
  const ok = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', cwd: ROOT });
  expect(ok.status).toBe(0);
  expect(ok.stdout).toMatch(/^check-imports: \d+ files, no import cycles, layering holds\n$/);
}, 120_000); // two Node processes that load TypeScript: seconds on a quiet machine, more on a loaded 2-core one
