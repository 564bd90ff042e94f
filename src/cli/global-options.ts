// The global options, as data: the commander program is built from this table, and service
// commands (the hot path: one API call) parse it directly so they need not load commander.

import { UsageError } from '../base/errors';
import type { GlobalOptions } from '../core/app';

interface GlobalOptionSpec {
  flag: string;
  /** Key in GlobalOptions (commander's camel-case of the flag without `--no-`). */
  key: keyof GlobalOptions | 'cliBinaryFormat' | 'cliAutoPrompt';
  /** Placeholder when the option takes a value. */
  value?: string;
  /** `--no-x` options set x to false. */
  negate?: boolean;
  /** The only values accepted (checked when the option is parsed, before any command runs). */
  choices?: readonly string[];
}

export const GLOBAL_OPTIONS: GlobalOptionSpec[] = [
  { flag: '--backend', key: 'backend', value: 'backend' },
  { flag: '--region', key: 'region', value: 'region' },
  { flag: '--profile', key: 'profile', value: 'profile' },
  { flag: '--endpoint-url', key: 'endpointUrl', value: 'url' },
  { flag: '--output', key: 'output', value: 'format' },
  { flag: '--query', key: 'query', value: 'expression' },
  { flag: '--no-paginate', key: 'paginate', negate: true },
  { flag: '--debug', key: 'debug' },
  { flag: '--color', key: 'color', value: 'mode', choices: ['on', 'off', 'auto'] },
  { flag: '--no-cli-pager', key: 'cliPager', negate: true },
  { flag: '--no-verify-ssl', key: 'verifySsl', negate: true },
  { flag: '--no-sign-request', key: 'signRequest', negate: true },
  { flag: '--ca-bundle', key: 'caBundle', value: 'path' },
  { flag: '--cli-read-timeout', key: 'cliReadTimeout', value: 'seconds' },
  { flag: '--cli-connect-timeout', key: 'cliConnectTimeout', value: 'seconds' },
  { flag: '--cli-binary-format', key: 'cliBinaryFormat', value: 'format' },
  { flag: '--store', key: 'store', value: 'url' },
  { flag: '--cli-auto-prompt', key: 'cliAutoPrompt' },
  { flag: '--no-cli-auto-prompt', key: 'cliAutoPrompt', negate: true },
];

const BY_FLAG = new Map(GLOBAL_OPTIONS.map((o) => [o.flag, o]));

/** `value` when the option accepts it; otherwise the AWS CLI's (argparse's) invalid-choice error. */
export function checkChoice(o: GlobalOptionSpec, value: string): string {
  if (o.choices && !o.choices.includes(value)) {
    throw new UsageError(`argument ${o.flag}: Invalid choice, valid choices are: ${o.choices.join(' | ')} (got '${value}')`);
  }
  return value;
}

/** The commander spelling of an option (`--output <format>`). */
export function commanderFlags(o: GlobalOptionSpec): string {
  return o.value ? `${o.flag} <${o.value}>` : o.flag;
}

/** The first argument that is not a global option or its value: the command group's name. */
export function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('-')) return a;
    if (BY_FLAG.get(a)?.value) i++;
  }
  return undefined;
}

/**
 * Takes the global options out of argv wherever they stand (as commander does) and returns them
 * with the remaining arguments in their order.
 */
export function splitGlobalOptions(argv: string[]): { globals: GlobalOptions; rest: string[] } {
  const globals: Record<string, unknown> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const spec = BY_FLAG.get(eq > 0 ? a.slice(0, eq) : a);
    if (!spec || (eq > 0 && !spec.value)) {
      rest.push(a);
      continue;
    }
    if (!spec.value) {
      globals[spec.key] = !spec.negate;
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`argument ${spec.flag}: expected one argument`);
    globals[spec.key] = checkChoice(spec, value);
  }
  return { globals: globals as GlobalOptions, rest };
}
