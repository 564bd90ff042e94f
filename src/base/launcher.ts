// How to name this installation's `awsmesh` in a command line we print for the user to run
// (hints, snippets): plain `awsmesh` only when that is what PATH finds, so the line works as
// printed whether awsmesh was `npm link`ed or is run as `node bin/awsmesh`.

import * as fs from 'fs';
import * as path from 'path';

/** This installation's launcher script (bin/awsmesh). */
export function awsmeshLauncher(): string {
  return path.resolve(__dirname, '..', '..', 'bin', 'awsmesh');
}

/** `awsmesh` if the first `awsmesh` on PATH is this installation, else the launcher's path (shell-quoted). */
export function awsmeshCommand(env: NodeJS.ProcessEnv): string {
  const launcher = awsmeshLauncher();
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return undefined;
    }
  };
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const found = real(path.join(dir, 'awsmesh'));
    if (found) return found === real(launcher) ? 'awsmesh' : shellWord(launcher);
  }
  return shellWord(launcher);
}

/** One shell word: as is when it has no special characters (Python's shlex.quote), else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
