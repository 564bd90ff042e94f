// `local demo` ends with a command line to run the same mesh yourself (issue 16 item 5). The demo
// deletes its own mesh, so the hint must recreate one; the test runs the printed line in a shell,
// from another directory, and stops it with Ctrl-C (SIGINT to its process group) as a user would.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { waitUntil } from '../helpers/wait';
import { BIN, cleanEnv, cleanupHomes, ROOT, runBin, tempHome } from '../helpers/run-cli';

jest.setTimeout(240_000);
afterAll(() => cleanupHomes());

/** The last non-empty line of the demo's stdout: the command to run. */
function hintOf(stdout: string): string {
  const lines = stdout.trimEnd().split('\n');
  expect(lines.at(-2)).toMatch(/^Run it yourself \(mesh apps/);
  return lines.at(-1)!.trim();
}

/** Runs `line` in bash (its own process group) until `local up` shows its table, then Ctrl-C. */
async function runHint(line: string, env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  const sh = spawn('bash', ['-c', line], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  sh.stdout.on('data', (d) => (out += d));
  sh.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => sh.once('exit', (code) => resolve(code)));
  await waitUntil(() => /Ctrl-C/.test(err) || sh.exitCode !== null, { describe: "`local up` running the hint's mesh", timeoutMs: 60_000, observe: () => ({ out, err }) });
  expect(err).toContain('Mesh apps is up: 3 proxies, 3 apps');
  process.kill(-sh.pid!, 'SIGINT');
  return { code: await exited, out, err };
}

test('the hint recreates the walkthrough mesh and runs it with its apps, from any directory', async () => {
  const home = tempHome();
  const demo = await runBin(['local', 'demo', '--requests', '20', '--concurrency', '4', '--quiet'], { home, timeoutMs: 120_000 });
  expect(demo).toMatchObject({ code: 0 });
  const hint = hintOf(demo.stdout);
  // awsmesh is not on this PATH: the hint names the launcher itself.
  expect(hint).toContain(`${BIN} apply -f ${path.join(ROOT, 'examples', 'ci', 'apps')} --yes && ${BIN} local up --config `);
  const r = await runHint(hint, cleanEnv(home), tempHome('awsmesh-elsewhere-'));
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/virtualNode\/serviceA/);
});

test('--mesh-name with an unrelated mesh `apps` present: the hint uses a fresh state directory and leaves it alone', async () => {
  const home = tempHome();
  const tmp = tempHome('awsmesh-hint-tmp-');
  // `awsmesh` on PATH is this installation: the hint says plain `awsmesh`.
  const binDir = tempHome('awsmesh-path-');
  fs.symlinkSync(BIN, path.join(binDir, 'awsmesh'));
  const env = { PATH: `${binDir}${path.delimiter}${process.env.PATH}`, TMPDIR: tmp };
  expect((await runBin(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home, env })).code).toBe(0);
  const demo = await runBin(['local', 'demo', '--mesh-name', 'hint-demo', '--requests', '20', '--concurrency', '4', '--quiet'], { home, env, timeoutMs: 120_000 });
  expect(demo).toMatchObject({ code: 0 });
  const hint = hintOf(demo.stdout);
  expect(hint).toMatch(/^export AWSMESH_HOME="\$\(mktemp -d\)"; unset AWSMESH_STORE_URL; awsmesh apply -f \S+ --yes && awsmesh local up --config /);
  const r = await runHint(hint, cleanEnv(home, env), binDir);
  expect(r.code).toBe(0);
  // The user's own `apps` is untouched: still empty.
  const nodes = await runBin(['appmesh', 'list-virtual-nodes', '--mesh-name', 'apps', '--output', 'json'], { home, env });
  expect(JSON.parse(nodes.stdout)).toEqual({ virtualNodes: [] });
});
