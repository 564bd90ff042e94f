// Asking the person at the terminal: one line from stdin after a question on stderr. Callers
// decide first whether stdin is interactive (scripts must pass --yes instead).

import type { Io } from './io';

/** Writes `question` to stderr and resolves with the next line of stdin ('' if input ends first). */
export function askLine(io: Io, question: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const readline = require('readline') as typeof import('readline');
  const rl = readline.createInterface({ input: io.stdin!, output: io.stderr as NodeJS.WritableStream, terminal: false });
  io.stderr.write(question);
  return new Promise((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}
