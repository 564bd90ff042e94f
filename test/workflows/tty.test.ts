// `awsmesh apply` on a terminal: a spinner and colour, and the delete confirmation prompt. A real
// pseudo-terminal comes from util-linux `script`; without it the test says so and checks nothing.
// Needs `npm run build` (bin/awsmesh runs dist/).

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, cleanEnv, cleanupHomes, ROOT, runBin, tempHome } from '../helpers/run-cli';
import { cleanupDirs, tempDir } from './helpers';

afterAll(() => {
  cleanupDirs();
  cleanupHomes();
});

const EXAMPLE = path.join(ROOT, 'examples', 'ci', 'apps');
const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

/**
 * Runs awsmesh on a pseudo-terminal, typing `input`; returns everything the terminal showed and the
 * exit code. CI is unset unless `env` sets it (spinners are off under CI).
 */
function onTerminal(home: string, args: string[], input = '', env: NodeJS.ProcessEnv = {}): { screen: string; code: number | null } {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const { CI: _ci, ...base } = cleanEnv(home);
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: ROOT, env: { ...base, ...env }, input, encoding: 'utf8', timeout: 30_000 });
  return { screen: r.stdout, code: r.status };
}

test('a spinner and colours on a terminal; deletes wait for a "y"', async () => {
  if (!hasScript) {
    console.log('util-linux `script` is not installed: no pseudo-terminal, TTY behaviour not exercised');
    return;
  }
  const home = tempHome();
  const created = onTerminal(home, ['apply', '-f', EXAMPLE]);
  expect(created.code).toBe(0);
  expect(created.screen).toContain('creating Mesh apps…'); // the spinner's text
  expect(created.screen).toContain('\x1b[32m+ created Mesh apps\x1b[39m');
  expect(created.screen).toContain('Apply complete: 8 created, 0 updated, 0 deleted.');

  const meshOnly = tempDir();
  fs.copyFileSync(path.join(EXAMPLE, 'mesh.yaml'), path.join(meshOnly, 'mesh.yaml'));
  const declined = onTerminal(home, ['apply', '-f', meshOnly, '--prune'], 'n\n');
  expect(declined.screen).toContain('Delete 7 resources? [y/N]');
  expect(declined.screen).toContain('Nothing was applied: deletion not confirmed.');
  expect(declined.code).toBe(252);
  expect((await runBin(['apply', '-f', EXAMPLE], { home })).stdout).toBe('No changes.\n');

  const accepted = onTerminal(home, ['apply', '-f', meshOnly, '--prune'], 'y\n');
  expect(accepted.code).toBe(0);
  expect(accepted.screen).toContain('Apply complete: 0 created, 0 updated, 7 deleted.');
});

test('under CI=1 a terminal gets no spinner, only the result lines', () => {
  if (!hasScript) {
    console.log('util-linux `script` is not installed: no pseudo-terminal, TTY behaviour not exercised');
    return;
  }
  const created = onTerminal(tempHome(), ['apply', '-f', EXAMPLE], '', { CI: '1' });
  expect(created.code).toBe(0);
  expect(created.screen).not.toContain('creating Mesh apps…');
  expect(created.screen).toContain('+ created Mesh apps');
  expect(created.screen).toContain('Apply complete: 8 created, 0 updated, 0 deleted.');
});
