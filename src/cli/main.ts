// Entry point: runs the command named on the command line and maps every failure to the AWS
// CLI's message format and exit code. Service operations (`awsmesh appmesh …`), the calls scripts
// make most, take a direct path; every other command group runs through its commander program.

import { CliError, ExitCode, isServiceError, UsageError } from '../base/errors';
import { processIo, type Io } from '../base/io';
import { isServiceName } from '../model/services';
import { App, type GlobalOptions } from '../core/app';
import { COMMANDS } from './commands/registry';
import { commandName, splitGlobalOptions } from './global-options';
import { GLOBAL_HELP, invalidChoice, USAGE } from './help';

/** The package's version, read when asked for (not at start: a service command never needs it). */
function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return GLOBAL_HELP.replace('{commands}', COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n'));
}

function invalidCommand(name: string): UsageError {
  return invalidChoice('command', COMMANDS.map((c) => c.name).sort(), name);
}

/** Runs awsmesh with the given arguments (without `node awsmesh`) and returns the exit code. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  let app: App | undefined;
  try {
    if (argv.includes('--version') && commandName(argv) === undefined) {
      io.stdout.write(`awsmesh/${version()} Node.js/${process.version.slice(1)} ${process.platform}/${process.arch}\n`);
      return ExitCode.OK;
    }
    const name = commandName(argv);
    if (name === undefined || name === 'help') {
      if (name === undefined && !argv.some((a) => a === '--help' || a === '-h')) {
        throw new UsageError('the following arguments are required: command');
      }
      io.stdout.write(globalHelp());
      return ExitCode.OK;
    }
    const entry = COMMANDS.find((c) => c.name === name);
    if (!entry) throw invalidCommand(name);
    if (isServiceName(name)) {
      const { globals, rest } = splitGlobalOptions(argv);
      app = new App(io, globals);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runServiceCommand } = require('./commands/service') as typeof import('./commands/service');
      await runServiceCommand(app, name, rest[1], rest.slice(2));
      return ExitCode.OK;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { buildProgram } = require('./program') as typeof import('./program');
    const program = buildProgram(io);
    entry.load().register(program, () => (app ??= new App(io, program.opts<GlobalOptions>())));
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.OK;
  } catch (e) {
    return reportError(e, io, app?.globals.debug ?? argv.includes('--debug'));
  } finally {
    await app?.close().catch(() => undefined);
  }
}

/** Commander's errors carry a `commander.*` code (checked without loading commander). */
function isCommanderError(e: unknown): e is Error & { code: string } {
  const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('commander.');
}

function reportError(e: unknown, io: Io, debug: boolean): number {
  const write = (text: string) => io.stderr.write(text);
  if (debug && e instanceof Error && e.stack) write(`${e.stack}\n`);
  if (isCommanderError(e)) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return ExitCode.OK;
    // `X help` for a group exits 0; a group called without its subcommand: commander printed the
    // group's help to stderr (exit code 1 there), a usage error.
    if (e.code === 'commander.help') return (e as { exitCode?: number }).exitCode === 0 ? ExitCode.OK : ExitCode.PARAM;
    write(`${USAGE}\nawsmesh: error: ${e.message.replace(/^error: /, '')}\n`);
    return ExitCode.PARAM;
  }
  if (e instanceof UsageError) {
    write(`${USAGE}\nawsmesh: error: ${e.message}\n`);
    return e.exitCode;
  }
  if (isServiceError(e)) {
    write(`\n${e.describe()}\n`);
    return e.exitCode;
  }
  if (e instanceof CliError) {
    write(`\n${e.message}\n`);
    return e.exitCode;
  }
  const message = e instanceof Error ? e.message : String(e);
  write(`\n${message}\n`);
  return ExitCode.GENERAL;
}

/** Process entry used by bin/awsmesh. */
export function main(): void {
  // Ctrl-C: the AWS CLI prints a newline and exits 130. Long-running commands (serve, proxy, up)
  // install their own handler for a clean shutdown; this one then stands aside.
  const onInterrupt = () => {
    if (process.listenerCount('SIGINT') > 1) return;
    process.stdout.write('\n');
    process.exit(ExitCode.INTERRUPTED);
  };
  process.on('SIGINT', onInterrupt);
  runCli(process.argv.slice(2), processIo()).then(exitWhenIdle, (e) => {
    process.stderr.write(`\n${e instanceof Error ? e.message : String(e)}\n`);
    exitWhenIdle(ExitCode.GENERAL);
  });
}

/**
 * Exits with `code` once nothing is left to run. 'beforeExit' comes only when the event loop is
 * empty, so every write has been flushed and every child waited for; exiting there skips Node's
 * teardown of the whole heap at a natural exit (~2 ms of a short command on a 2-CPU VM).
 */
function exitWhenIdle(code: number): void {
  process.exitCode = code;
  process.once('beforeExit', () => process.exit());
}
