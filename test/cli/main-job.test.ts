// The README's main job (`npm run walkthrough`): the walkthrough script, then the live demo, in
// one AWSMESH_HOME — exactly as a new user runs it.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanEnv, cleanupHomes, ROOT, tempHome } from '../helpers/run-cli';

afterAll(cleanupHomes);

test('npm run walkthrough succeeds on a fresh home and again on the same home', () => {
  const script = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts.walkthrough as string;
  const home = tempHome();
  for (const round of [1, 2]) {
    const r = spawnSync('bash', ['-c', script], { cwd: ROOT, env: cleanEnv(home), encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) throw new Error(`round ${round} failed (${r.status}):\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    expect(r.stderr).toContain('==> Done: mesh apps is set up as in the walkthrough');
    expect(r.stdout).toMatch(/serviceB\s+█+░*\s+7\d\.\d%/);
    expect(r.stdout).toMatch(/2000 requests through 3 sidecars in [\d.]+ s; 0 failed\./);
  }
}, 240_000);
