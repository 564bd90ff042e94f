// Issue 14, item 8: files named as input are read by one size-limited reader that accepts only
// regular files and standard input, so /dev/zero and a FIFO nobody writes to fail at once (exit
// 252, a clear message) instead of growing to gigabytes or blocking forever.

import * as fs from 'fs';
import * as path from 'path';
import { MAX_INPUT_BYTES, readInputFile } from '../../src/base/input-file';
import { cleanupHomes, runBin, runCli, tempHome } from '../helpers/run-cli';
import { makeFifo, runBinWithInput, writeFile } from './helpers';

afterAll(cleanupHomes);

// A real process for the inputs that would hang or exhaust memory without the fix: a timeout
// kills it (and fails the test) instead of taking the test runner down with it.
const HANG_GUARD_MS = 20_000;

test('file:///dev/zero is refused at once as a character device', async () => {
  const r = await runBin(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', 'file:///dev/zero'], { timeoutMs: HANG_GUARD_MS });
  expect(r.stderr).toContain("Error parsing parameter '--spec': Unable to load paramfile file:///dev/zero: not a regular file but a character device");
  expect(r.code).toBe(252);
});

test('a FIFO without a writer is refused at once, for file://, --cli-input-json and apply -f', async () => {
  const dir = tempHome('awsmesh-fifo-');
  const fifo = makeFifo(dir);
  const spec = await runBin(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', `file://${fifo}`], { timeoutMs: HANG_GUARD_MS });
  expect(spec.stderr).toContain('not a regular file but a FIFO (named pipe)');
  expect(spec.code).toBe(252);
  const input = await runBin(['appmesh', 'create-mesh', '--cli-input-json', `fileb://${fifo}`], { timeoutMs: HANG_GUARD_MS });
  expect(input.stderr).toContain('not a regular file but a FIFO');
  expect(input.code).toBe(252);
  const apply = await runBin(['apply', '-f', fifo, '--yes'], { timeoutMs: HANG_GUARD_MS });
  expect(apply.stderr).toContain('cannot read: not a regular file but a FIFO');
  expect(apply.code).toBe(252);
});

test('a file over the 10 MiB input limit is refused without being read', async () => {
  const dir = tempHome('awsmesh-big-');
  const big = path.join(dir, 'big.json');
  fs.writeFileSync(big, '{}');
  fs.truncateSync(big, MAX_INPUT_BYTES + 1); // sparse: nothing real is written
  const r = await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', `file://${big}`]);
  expect(r.stderr).toContain('larger than the 10 MiB input limit');
  expect(r.code).toBe(252);
  const imported = await runCli(['local', 'import', big]);
  expect(imported.stderr).toContain('larger than the 10 MiB input limit');
  expect(imported.code).toBe(252);
});

test('a file of exactly the limit is read', () => {
  const dir = tempHome('awsmesh-limit-');
  const file = path.join(dir, 'limit.txt');
  fs.writeFileSync(file, '');
  fs.truncateSync(file, MAX_INPUT_BYTES);
  expect(readInputFile(file).length).toBe(MAX_INPUT_BYTES);
});

test('a directory keeps the AWS CLI wording', async () => {
  const dir = tempHome('awsmesh-dir-');
  const r = await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', `file://${dir}`]);
  expect(r.stderr).toContain(`[Errno 21] Is a directory: '${dir}'`);
  expect(r.code).toBe(252);
});

test('standard input still works: file:///dev/stdin', async () => {
  const home = tempHome();
  const r = await runBinWithInput(['appmesh', 'create-mesh', '--mesh-name', 'from-stdin', '--spec', 'file:///dev/stdin'], '{"egressFilter":{"type":"ALLOW_ALL"}}', home);
  expect(r.stderr).toBe('');
  expect(JSON.parse(r.stdout).mesh.spec.egressFilter.type).toBe('ALLOW_ALL');
  expect(r.code).toBe(0);
});

test('a regular file through a symlink is read', async () => {
  const dir = tempHome('awsmesh-link-');
  const target = writeFile(dir, 'spec.json', '{"egressFilter":{"type":"DROP_ALL"}}');
  fs.symlinkSync(target, path.join(dir, 'link.json'));
  const r = await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', 'file://link.json'], { cwd: dir });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).mesh.spec.egressFilter.type).toBe('DROP_ALL');
});
