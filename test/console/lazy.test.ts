// Start-up stays cheap: nothing of the console (its server, ELK, the page) loads for other commands,
// and `awsmesh console --help` loads only its option definitions.

import { spawnSync } from 'child_process';
import * as path from 'path';
import { cleanEnv, cleanupHomes, ROOT, tempHome } from '../helpers/run-cli';

afterAll(() => cleanupHomes());

/** The modules a CLI run loaded (of this package's dist/ and of node_modules), after it finished. */
function loadedBy(args: string[]): string[] {
  const script = `
    const { runCli } = require(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'main.js'))});
    const io = { stdout: { write() {} }, stderr: { write() {} }, stdoutIsTTY: false, stderrIsTTY: false, env: process.env, cwd: process.cwd() };
    runCli(${JSON.stringify(args)}, io).then((code) => process.stdout.write(JSON.stringify({ code, loaded: Object.keys(require.cache) })));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { env: cleanEnv(tempHome()), encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(r.stdout).loaded.map((f: string) => path.relative(ROOT, f));
}

const consoleModules = (files: string[]) => files.filter((f) => /^dist\/console\/|node_modules\/(elkjs|preact)\//.test(f));

test('other commands load nothing of the console', () => {
  for (const args of [['appmesh', 'list-meshes'], ['--version'], ['local', 'state', 'status'], ['validate', '--help']]) {
    expect([args, consoleModules(loadedBy(args))]).toEqual([args, []]);
  }
});

test('`console --help` registers its options without loading the console', () => {
  const loaded = loadedBy(['console', '--help']);
  expect(loaded).toContain('dist/cli/commands/console.js');
  expect(consoleModules(loaded)).toEqual([]);
});
