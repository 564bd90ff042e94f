// Progress belongs to the IO context: a spinner only when stderr is a terminal and CI is unset;
// off a terminal or under CI the transient part is silent and only permanent lines are written.

import type { Io } from '../../src/base/io';
import { animates, startProgress } from '../../src/base/progress';

/** Fake streams; `tty` makes stderr look like a terminal (with the cursor calls a spinner makes). */
function fakeIo(opts: { tty: boolean; env?: NodeJS.ProcessEnv }): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const stderr = {
    isTTY: opts.tty,
    columns: 80,
    write: (s: string | Uint8Array) => (err += String(s)),
    clearLine: () => true,
    cursorTo: () => true,
    moveCursor: () => true,
  };
  const io: Io = {
    stdout: { write: (s) => (out += String(s)) },
    stderr,
    stdoutIsTTY: false,
    stderrIsTTY: opts.tty,
    env: opts.env ?? {},
    cwd: '/',
  };
  return { io, out: () => out, err: () => err };
}

function run(io: Io, outToStdout = false): void {
  const p = startProgress(io, outToStdout ? { out: io.stdout } : {});
  p.step('creating Mesh apps…');
  p.done('+ created Mesh apps');
  p.step('deleting Mesh old…');
  p.fail('could not delete Mesh old');
  p.stop();
}

test('not a terminal: steps are silent, done/fail lines are written', () => {
  const f = fakeIo({ tty: false });
  expect(animates(f.io)).toBe(false);
  run(f.io, true);
  expect(f.out()).toBe('+ created Mesh apps\n');
  expect(f.err()).toBe('could not delete Mesh old\n');
});

test('a terminal under CI=1: no spinner either', () => {
  const f = fakeIo({ tty: true, env: { CI: '1' } });
  expect(animates(f.io)).toBe(false);
  run(f.io);
  expect(f.err()).toBe('+ created Mesh apps\ncould not delete Mesh old\n');
});

test('quiet: nothing at all', () => {
  const f = fakeIo({ tty: true });
  const p = startProgress(f.io, { quiet: true });
  p.step('x');
  p.done('y');
  p.fail('z');
  expect(f.err()).toBe('');
  expect(f.out()).toBe('');
});

test('a terminal outside CI: the spinner draws the step on stderr, then the permanent line', () => {
  const f = fakeIo({ tty: true });
  expect(animates(f.io)).toBe(true);
  const p = startProgress(f.io);
  p.step('creating Mesh apps…');
  expect(f.err()).toContain('creating Mesh apps…');
  p.done('+ created Mesh apps');
  expect(f.err().endsWith('+ created Mesh apps\n')).toBe(true);
});
