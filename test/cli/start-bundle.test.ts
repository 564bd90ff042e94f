// The CLI's start bundle (scripts/build-start-bundle.js, written by `npm run build`): the real
// `node bin/awsmesh` answers the same with and without it, it really replaces loading dist/ file by
// file, and a module loaded the ordinary way afterwards is the same instance as the bundled one.
// Needs `npm run build`.

import * as fs from 'fs';
import * as path from 'path';
import { cleanEnv, cleanupHomes, runBin, runProcess, tempHome } from '../helpers/run-cli';

const ROOT = path.resolve(__dirname, '..', '..');
const BUNDLE = path.join(ROOT, 'dist', 'start-bundle.js');

afterAll(() => cleanupHomes());

it('npm run build wrote the bundle and its code cache', () => {
  expect(fs.existsSync(BUNDLE)).toBe(true);
  expect(fs.statSync(path.join(ROOT, 'dist', 'start-bundle.cache')).size).toBeGreaterThan(0);
});

it('service commands answer the same with the bundle and without it (AWSMESH_START_BUNDLE=off)', async () => {
  const home = tempHome();
  expect((await runBin(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home })).code).toBe(0);
  for (const args of [['appmesh', 'describe-mesh', '--mesh-name', 'apps'], ['appmesh', 'describe-mesh', '--mesh-name', 'nope'], ['appmesh', 'list-meshes', '--output', 'text']]) {
    const bundled = await runBin(args, { home });
    const plain = await runBin(args, { home, env: { AWSMESH_START_BUNDLE: 'off' } });
    expect(bundled).toEqual(plain);
  }
});

/** Runs `script` in a node process that loaded bin/awsmesh's start path as the launcher does (without running a command). */
function probe(script: string, env: NodeJS.ProcessEnv = {}) {
  const launcher = `
    const Module = require('module');
    let loads = 0;
    const load = Module._load;
    Module._load = function (...a) { if (!Module.isBuiltin(a[0])) loads++; return load.apply(this, a); };
    process.argv = [process.argv[0], ${JSON.stringify(path.join(ROOT, 'bin', 'awsmesh'))}, '--version'];
    require(${JSON.stringify(path.join(ROOT, 'bin', 'awsmesh'))});
    setImmediate(() => { ${script} });`;
  return runProcess(process.execPath, ['-e', launcher], { env: { ...process.env, ...env } });
}

it('the start path comes from the bundle, and later ordinary requires share its module instances', async () => {
  const errors = path.join(ROOT, 'dist', 'base', 'errors.js');
  const script = `
    const cached = require.cache[${JSON.stringify(errors)}];
    const before = loads;
    const again = require(${JSON.stringify(errors)});
    console.log(JSON.stringify({ cached: Boolean(cached), same: cached !== undefined && again === cached.exports, loads: before }));`;
  const bundled = await probe(script);
  const plain = await probe(script, { AWSMESH_START_BUNDLE: 'off' });
  expect(bundled.code).toBe(0);
  expect(plain.code).toBe(0);
  const b = JSON.parse(bundled.stdout.trim().split('\n').pop()!);
  const p = JSON.parse(plain.stdout.trim().split('\n').pop()!);
  expect(b).toMatchObject({ cached: true, same: true });
  expect(p).toMatchObject({ cached: true, same: true });
  // File by file, every module of the package goes through Module._load; from the bundle none does
  // (the one load counted is bin/awsmesh itself).
  expect(b.loads).toBe(1);
  expect(p.loads).toBeGreaterThan(10);
});

it('the bundle is ASCII (bin/awsmesh reads it as latin1), and non-ASCII text it escaped prints the same', async () => {
  expect(/^[\x00-\x7f]*$/.test(fs.readFileSync(BUNDLE, 'latin1'))).toBe(true);
  const bundled = await runBin(['--help']);
  const plain = await runBin(['--help'], { env: { AWSMESH_START_BUNDLE: 'off' } });
  expect(bundled.code).toBe(0);
  expect(bundled.stdout).toContain('awsmesh — AWS App Mesh');
  expect(bundled).toEqual(plain);
});

it("bundled modules take Node's built-in modules by named imports, not `import * as` (its __importStar copies every export behind a getter)", () => {
  // `import * as fs from 'fs'` compiles to __importStar(require("fs")): a fresh namespace object with
  // ~100 getter closures per importing module; on the start path those copies were a sixth of the
  // allocation and pushed a second scavenge into every command.
  const text = fs.readFileSync(BUNDLE, 'latin1');
  const starred = [...text.matchAll(/__importStar\(require\("([^".\/][^"]*)"\)\)/g)].map((m) => m[1]);
  expect(starred).toEqual([]);
});

it("from the bundle a service command resolves no package request: better-sqlite3's main module comes from the bundle's table and its addon loads by path with process.dlopen", async () => {
  const home = tempHome();
  const record = path.join(home, 'resolved.json');
  const preload = path.join(home, 'record-resolutions.js');
  // Every resolution Node's loader makes for a non-built-in request, written out at exit.
  fs.writeFileSync(preload, `
    const Module = require('module');
    const fs = require('fs');
    const seen = [];
    const resolve = Module._resolveFilename;
    Module._resolveFilename = function (request, ...rest) {
      if (!Module.isBuiltin(request)) seen.push(request);
      return resolve.call(this, request, ...rest);
    };
    process.on('exit', () => fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify(seen)));`);
  expect((await runBin(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home })).code).toBe(0);
  const run = (env: NodeJS.ProcessEnv) =>
    runProcess(process.execPath, ['-r', preload, path.join(ROOT, 'bin', 'awsmesh'), 'appmesh', 'describe-mesh', '--mesh-name', 'apps'], { env: cleanEnv(home, env) });
  const bundled = await run({});
  expect(bundled.code).toBe(0);
  expect(JSON.parse(bundled.stdout).mesh.meshName).toBe('apps');
  const requests: string[] = JSON.parse(fs.readFileSync(record, 'utf8'));
  expect(requests.filter((r) => r !== path.join(ROOT, 'bin', 'awsmesh'))).toEqual([]);
  // File by file the same command resolves better-sqlite3 the ordinary way, and answers the same.
  const plain = await run({ AWSMESH_START_BUNDLE: 'off' });
  expect(plain).toEqual(bundled);
  expect(JSON.parse(fs.readFileSync(record, 'utf8'))).toContain('better-sqlite3');
});
