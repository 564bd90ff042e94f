// The suite's net for child processes (test/jest/child-processes.js): a process a test file leaves
// running is stopped when the file ends, so jest exits instead of waiting on it.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, tempHome } from '../helpers/run-cli';
import { withDeadline } from '../helpers/wait';
import { alive } from '../../src/dataplane/local/runfile';

const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

test('a child a test file leaves running is stopped when the file ends, and jest exits', async () => {
  const pidFile = path.join(tempHome('awsmesh-leak-'), 'pid');
  const config = { rootDir: ROOT, roots: ['<rootDir>/test/jest/fixtures'], testMatch: ['**/leaks-a-child.js'], testEnvironment: '<rootDir>/test/jest/environment.js', transform: {} };
  const child = spawn(process.execPath, [JEST, '--config', JSON.stringify(config), '--ci'], { cwd: ROOT, env: { ...process.env, LEAK_PID_FILE: pidFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  // Without the net, jest would wait for `sleep 600`.
  const code = await withDeadline(new Promise((resolve) => child.once('exit', resolve)), { describe: 'the inner jest to exit', timeoutMs: 60_000, observe: () => output });
  expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('stopping 1 child process(es) the test file left running: sleep 600') });
  expect(output).not.toContain('did not exit');
  expect(alive(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(false);
}, 90_000);
