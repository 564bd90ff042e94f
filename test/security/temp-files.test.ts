// Issue 14, item 6: files are written through exclusively created temp files (O_EXCL, random
// names, 0600 from the start) and renamed into place. The old predictable name
// `.key.pem.<pid>.tmp` let another user plant a file (they ended up owning a world-readable key)
// or a symlink (the key was written wherever it pointed).

import * as fs from 'fs';
import * as path from 'path';
import { PRIVATE_MODE, writeFileAtomic, writeNewFile } from '../../src/base/private-file';
import { cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { nobody, skippedWithoutRoot } from './helpers';

afterAll(cleanupHomes);

const ME = process.geteuid?.();

/** A symlink at each name the old code used for `file`, pointing at a victim file. */
function plantSymlinks(dir: string, names: string[]): string {
  const victim = path.join(tempHome('awsmesh-victim-'), 'victim.txt');
  fs.writeFileSync(victim, 'untouched');
  for (const n of names) fs.symlinkSync(victim, path.join(dir, `.${n}.${process.pid}.tmp`));
  return victim;
}

function expectPrivateRegularFile(file: string): void {
  const st = fs.lstatSync(file);
  expect(st.isFile()).toBe(true);
  expect(st.mode & 0o777).toBe(PRIVATE_MODE);
  if (ME !== undefined) expect(st.uid).toBe(ME);
}

test('local ca issue --out: a planted symlink at the old temp name is neither followed nor kept', async () => {
  const home = tempHome();
  const out = tempHome('awsmesh-out-');
  const victim = plantSymlinks(out, ['key.pem', 'cert.pem', 'ca.pem']);
  const r = await runCli(['local', 'ca', 'issue', '--san', 'app.local', '--out', out], { home });
  expect(r.stderr).toContain('Created the local CA');
  expect(r.code).toBe(0);
  expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
  expectPrivateRegularFile(path.join(out, 'key.pem'));
  expect(fs.readFileSync(path.join(out, 'key.pem'), 'utf8')).toContain('PRIVATE KEY');
  expect(fs.lstatSync(path.join(out, 'cert.pem')).isFile()).toBe(true);
});

test('local export --file: a planted symlink at the old temp name is not followed', async () => {
  const home = tempHome();
  expect((await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm'], { home })).code).toBe(0);
  const dir = tempHome('awsmesh-out-');
  const victim = plantSymlinks(dir, ['state.json']);
  const r = await runCli(['local', 'export', '--file', path.join(dir, 'state.json')], { home });
  expect(r.code).toBe(0);
  expect(fs.readFileSync(victim, 'utf8')).toBe('untouched');
  expectPrivateRegularFile(path.join(dir, 'state.json'));
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')).resources).toHaveLength(1);
});

test("local ca issue --out: a file another user planted at the old temp name does not become the key (root only)", async () => {
  if (skippedWithoutRoot('temp file planted by another user')) return;
  const other = nobody()!;
  const out = tempHome('awsmesh-out-');
  const planted = path.join(out, `.key.pem.${process.pid}.tmp`);
  fs.writeFileSync(planted, '', { mode: 0o644 });
  fs.chownSync(planted, other.uid, other.gid);
  const r = await runCli(['local', 'ca', 'issue', '--san', 'app.local', '--out', out]);
  expect(r.code).toBe(0);
  expectPrivateRegularFile(path.join(out, 'key.pem'));
  expect(fs.readFileSync(planted, 'utf8')).toBe(''); // theirs, untouched
});

describe('the helper', () => {
  test('temp names are random, creation is exclusive, and the mode is 0600 whatever the umask', () => {
    const dir = tempHome('awsmesh-atomic-');
    const target = path.join(dir, 'out.txt');
    const old = process.umask(0);
    try {
      writeFileAtomic(target, 'one');
      writeFileAtomic(target, 'two');
    } finally {
      process.umask(old);
    }
    expect(fs.readFileSync(target, 'utf8')).toBe('two');
    expectPrivateRegularFile(target);
    expect(fs.readdirSync(dir)).toEqual(['out.txt']); // no temp file left behind
    fs.symlinkSync(target, path.join(dir, 'link'));
    expect(() => writeNewFile(path.join(dir, 'link'), 'x')).toThrow(/EEXIST/);
    expect(fs.readFileSync(target, 'utf8')).toBe('two');
  });
});
