// Start-up progress on stderr: an ora spinner on a terminal, plain lines otherwise (CI logs).

import type { Io } from '../../core/io';

export interface Progress {
  step(text: string): void;
  done(text: string): void;
  fail(text: string): void;
}

export function progress(io: Io, quiet = false): Progress {
  if (quiet) return { step() {}, done() {}, fail() {} };
  if (io.stderrIsTTY && !io.env.CI) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ora = require('ora') as typeof import('ora');
    const spinner = ora({ stream: process.stderr });
    return {
      step: (text) => {
        if (spinner.isSpinning) spinner.succeed();
        spinner.start(text);
      },
      done: (text) => (spinner.isSpinning ? spinner.succeed(text) : spinner.info(text)),
      fail: (text) => (spinner.isSpinning ? spinner.fail(text) : spinner.warn(text)),
    };
  }
  return {
    step: (text) => io.stderr.write(`${text}...\n`),
    done: (text) => io.stderr.write(`${text}\n`),
    fail: (text) => io.stderr.write(`${text}\n`),
  };
}
