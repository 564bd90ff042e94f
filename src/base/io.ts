// Everything a command touches in the outside world comes through here, so tests can run the
// real CLI in-process with fake streams (see test/helpers/run-cli.ts). Only processIo() names the
// process's own streams; progress display is base/progress.ts, over these streams.

import { fstatSync, statSync, writeSync } from 'fs';

export interface OutputStream {
  /** Text, or bytes for binary results (a PNG on stdout). */
  write(chunk: string | Uint8Array): unknown;
}

export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin?: NodeJS.ReadableStream;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The terminal's width when stdout is one. */
  stdoutColumns?: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * Whether `fd` is certainly no terminal, told by fstat alone (require('tty') would load node:net):
 * a terminal is a character device, and /dev/null, where scripts and benchmarks send output, is
 * one that is not a terminal. Any other character device is left to Node's own check.
 */
function surelyNoTerminal(fd: number): boolean {
  if (process.platform === 'win32') return false;
  try {
    const st = fstatSync(fd);
    return !st.isCharacterDevice() || st.rdev === statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/**
 * Writes to a file descriptor that is no terminal (a file, a pipe, /dev/null) with write(2)
 * directly: creating process.stdout loads Node's stream machinery, a tenth of a short command's
 * start-up. It is as synchronous as process.stdout on a file or pipe (Linux), so the order of
 * output is kept with anything else that writes there. Partial writes are continued; EAGAIN (a
 * non-blocking pipe that is full) hands the rest, and all later output, to the stream, which
 * waits for the reader; EPIPE (the reader is gone, `… | head`) drops the rest quietly, as the AWS
 * CLI does.
 */
export function fdOutput(fd: number, stream: () => OutputStream): OutputStream {
  let fallback: OutputStream | undefined;
  let readerGone = false;
  return {
    write(chunk) {
      if (fallback) return fallback.write(chunk);
      if (readerGone) return false;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      for (let done = 0; done < bytes.length; ) {
        try {
          done += writeSync(fd, bytes, done);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') {
            fallback = stream();
            return fallback.write(bytes.subarray(done));
          }
          if (code === 'EPIPE') {
            readerGone = true;
            return false;
          }
          throw e;
        }
      }
      return true;
    },
  };
}

export function processIo(): Io {
  // Getters: Node creates each of process.stdout/stderr/stdin on first access, loading its stream
  // machinery; stdin is rarely read, stderr rarely written, and stdout is only created when it is
  // (or may be) a terminal (see fdOutput).
  let direct: boolean | undefined;
  const stdoutDirect = () => (direct ??= surelyNoTerminal(1));
  let stdout: OutputStream | undefined;
  return {
    get stdout() {
      return (stdout ??= stdoutDirect() ? fdOutput(1, () => process.stdout) : process.stdout);
    },
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    get stdoutIsTTY() {
      return !stdoutDirect() && Boolean(process.stdout.isTTY);
    },
    get stderrIsTTY() {
      return Boolean(process.stderr.isTTY);
    },
    get stdoutColumns() {
      return stdoutDirect() ? undefined : process.stdout.columns;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}
