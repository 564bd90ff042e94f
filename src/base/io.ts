// Everything a command touches in the outside world comes through here, so tests can run the
// real CLI in-process with fake streams (see test/helpers/run-cli.ts). Only processIo() names the
// process's own streams; progress display is base/progress.ts, over these streams.

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

export function processIo(): Io {
  // Getters: Node creates each of process.stdout/stderr/stdin on first access, loading its stream
  // machinery (a tenth of a short command's start-up); stdin is rarely read, stderr rarely written. (No
  // require('tty') for isatty either: it loads node:net.)
  return {
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    get stdin() {
      return process.stdin;
    },
    get stdoutIsTTY() {
      return Boolean(process.stdout.isTTY);
    },
    get stderrIsTTY() {
      return Boolean(process.stderr.isTTY);
    },
    get stdoutColumns() {
      return process.stdout.columns;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}
