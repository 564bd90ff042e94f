// The root commander program with the global options: main.ts adds the command group named on the
// command line to it, completion.ts every group.
//
// Every command under it is an AwsmeshCommand, so the conventions of the AWS CLI hold for each
// command added later without it doing anything: `X help` and `X --help` print X's help (and run
// nothing), an unexpected positional argument is a usage error (252), and the help looks like
// `awsmesh help`. A command that passes its arguments through (the service commands) opts out
// with `.helpOption(false)` and `.allowExcessArguments()`.

import type { Argument, Command, Help } from 'commander';
import type { Io } from '../base/io';
import { checkChoice, commanderFlags, GLOBAL_OPTIONS } from './global-options';

/** One section of help: `Title:` then `  term<pad>description` rows, as `awsmesh help` prints them. */
function section(title: string, rows: [string, string][]): string {
  if (!rows.length) return '';
  const width = Math.max(...rows.map(([term]) => term.length)) + 2;
  return `\n${title}:\n${rows.map(([term, text]) => (text ? `  ${term.padEnd(width)}${text}` : `  ${term}`)).join('\n')}\n`;
}

/** The command's path from the root, e.g. `awsmesh local serve`. */
function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** A command's name and declared arguments, e.g. `import <file>`. */
function commandTerm(cmd: Command, helper: Help): string {
  return [cmd.name(), ...helper.visibleArguments(cmd).map(argumentTerm)].join(' ');
}

function argumentTerm(a: Argument): string {
  const name = `${a.name()}${a.variadic ? '...' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
}

/** Help for a command group or command in the layout of GLOBAL_HELP (help.ts). */
function formatHelp(cmd: Command, helper: Help): string {
  const path = commandPath(cmd);
  const title = helper.commandDescription(cmd);
  const commands = helper.visibleCommands(cmd).map((c): [string, string] => [commandTerm(c, helper), helper.subcommandDescription(c)]);
  const args = helper.visibleArguments(cmd).map((a): [string, string] => [argumentTerm(a), helper.argumentDescription(a)]);
  const options = helper.visibleOptions(cmd).map((o): [string, string] => [helper.optionTerm(o), helper.optionDescription(o)]);
  const usage = `awsmesh [options] ${path.replace(/^awsmesh /, '')}${commands.length ? ' <command>' : ''}`
    + args.map(([term]) => ` ${term}`).join('') + ' [parameters]';
  const more = commands.length ? `\nRun \`${path} <command> help\` for a command's parameters.\n` : '';
  return `${path}${title ? ` — ${title}` : ''}\n\nusage: ${usage}\n`
    + section('Commands', commands) + section('Arguments', args) + section('Options', options) + more
    + '\nGlobal options (--output, --query, --region, --profile, --endpoint-url, --store, …): see `awsmesh help`.\n';
}

function commandClass(): typeof import('commander').Command {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Command: CommandClass } = require('commander') as typeof import('commander');

  class AwsmeshCommand extends CommandClass {
    passThrough = false;

    constructor(name?: string) {
      super(name);
      // `X help` before any option (`local serve help`): the operands reach X from its parent,
      // not through X's own parseOptions, so the parent answers before running X.
      this.hook('preSubcommand', (parent, sub) => {
        if (sub.commands.length || (sub as AwsmeshCommand).passThrough) return;
        const tail = parent.args.slice(parent.args.indexOf(sub.name()) + 1);
        const end = tail.findIndex((a) => a.startsWith('-'));
        if ((end < 0 ? tail : tail.slice(0, end)).includes('help')) sub.help();
      });
    }

    override createCommand(name?: string): Command {
      return new AwsmeshCommand(name);
    }

    override copyInheritedSettings(source: Command): this {
      super.copyInheritedSettings(source);
      // The root accepts anything (main.ts picks the command); below it, only declared arguments.
      return this.allowExcessArguments(false).helpOption('-h, --help', 'show this help');
    }

    override helpOption(flags?: string | boolean, description?: string): this {
      this.passThrough = flags === false;
      return super.helpOption(flags, description);
    }

    /** `X … help` anywhere among a command's operands asks for its help, as in the AWS CLI (an
     *  option's value, `--mesh help`, is not an operand). Groups get this from commander's help command. */
    override parseOptions(argv: string[]): { operands: string[]; unknown: string[] } {
      const parsed = super.parseOptions(argv);
      if (!this.passThrough && this.commands.length === 0 && parsed.operands.includes('help')) {
        return { operands: [], unknown: ['--help'] };
      }
      return parsed;
    }
  }
  return AwsmeshCommand;
}

/** The root program with the global options. */
export function buildProgram(io: Io): Command {
  const CommandClass = commandClass();
  const program = new CommandClass('awsmesh')
    .exitOverride()
    .allowExcessArguments()
    .configureHelp({ formatHelp })
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => undefined });
  for (const o of GLOBAL_OPTIONS) {
    if (o.choices) program.option(commanderFlags(o), '', (v: string) => checkChoice(o, v));
    else program.option(commanderFlags(o));
  }
  return program;
}
