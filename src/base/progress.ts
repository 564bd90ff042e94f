// Progress belongs to the IO context, the GitHub CLI way (iostreams' StartProgressIndicator): a
// spinner on stderr only when stderr is a terminal and CI is not set; otherwise the transient part
// is a no-op, so logs and test output hold only the permanent lines. Every command that shows
// progress (apply, local up, local demo) uses this one mechanism.

import type { Io, OutputStream } from './io';

export interface Progress {
  /** What is happening now: the spinner's text (replaces the previous step). Nothing off a terminal. */
  step(text: string): void;
  /** A permanent line (a result, a finished phase): the spinner stops and the line is written. */
  done(line: string): void;
  /** A permanent line about a failure, always on stderr. */
  fail(line: string): void;
  /** Stops the spinner, writing nothing. */
  stop(): void;
}

export interface ProgressOptions {
  /** Nothing at all, not even the permanent lines (--quiet). */
  quiet?: boolean;
  /** Where done() lines go (default stderr; apply writes its results to stdout). */
  out?: OutputStream;
}

/** Whether transient decoration may be drawn: stderr is a terminal and this is not a CI run. */
export function animates(io: Io): boolean {
  return io.stderrIsTTY && !io.env.CI;
}

const SILENT: Progress = { step() {}, done() {}, fail() {}, stop() {} };

export function startProgress(io: Io, opts: ProgressOptions = {}): Progress {
  if (opts.quiet) return SILENT;
  const out = opts.out ?? io.stderr;
  let spinner: import('ora').Ora | undefined;
  const spin = (text: string) => {
    if (!spinner) {
      // Loaded only on a terminal, when something is shown.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const ora = require('ora') as typeof import('ora');
      spinner = ora({ stream: io.stderr as NodeJS.WritableStream, isEnabled: true });
    }
    spinner.start(text);
  };
  const stop = () => spinner?.stop();
  return {
    step: animates(io) ? spin : () => undefined,
    done: (line) => {
      stop();
      out.write(`${line}\n`);
    },
    fail: (line) => {
      stop();
      io.stderr.write(`${line}\n`);
    },
    stop,
  };
}
