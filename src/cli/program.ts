// The root commander program with the global options: main.ts adds the command group named on the
// command line to it, completion.ts every group.

import type { Command } from 'commander';
import type { Io } from '../base/io';
import { checkChoice, commanderFlags, GLOBAL_OPTIONS } from './global-options';

/** The root program with the global options. */
export function buildProgram(io: Io): Command {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Command: CommandClass } = require('commander') as typeof import('commander');
  const program = new CommandClass('awsmesh')
    .exitOverride()
    .allowExcessArguments()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => undefined });
  for (const o of GLOBAL_OPTIONS) {
    if (o.choices) program.option(commanderFlags(o), '', (v: string) => checkChoice(o, v));
    else program.option(commanderFlags(o));
  }
  return program;
}
