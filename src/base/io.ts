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
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutColumns: process.stdout.columns,
    env: process.env,
    cwd: process.cwd(),
  };
}
