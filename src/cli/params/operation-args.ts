// Parses the tokens after `awsmesh <service> <operation>` the way the AWS CLI's argparse setup
// does: `--flag value`, `--flag=value`, lists as several values, booleans as --flag/--no-flag,
// `help` anywhere, and every unknown token collected for one "Unknown options" error.

import { UsageError } from '../../base/errors';
import type { OperationDefinition, OperationParam } from '../../model/types';
import type { RawFlag } from './flag-values';

export interface ParsedOperationArgs {
  help: boolean;
  /** Raw values by member name. */
  values: Map<string, RawFlag>;
  cliInputJson?: string;
  cliInputYaml?: string;
  skeleton?: string;
  startingToken?: string;
  pageSize?: string;
  maxItems?: string;
  /** Paging flags given (for the --no-paginate conflict check). */
  pagingFlags: string[];
}

const SKELETON_CHOICES = ['input', 'output', 'yaml-input'];

export function parseOperationArgs(op: OperationDefinition, tokens: string[]): ParsedOperationArgs {
  const byFlag = new Map<string, OperationParam>(op.params.map((p) => [p.flag, p]));
  const result: ParsedOperationArgs = { help: false, values: new Map(), pagingFlags: [] };
  const unknown: string[] = [];
  const paging = op.paginator ? new Set(['starting-token', 'page-size', 'max-items']) : new Set<string>();

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === 'help' || tok === '--help' || tok === '-h') {
      result.help = true;
      continue;
    }
    if (!tok.startsWith('--')) {
      unknown.push(tok);
      continue;
    }
    const eq = tok.indexOf('=');
    const name = tok.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : tok.slice(eq + 1);
    const takeOne = (): string => {
      if (inline !== undefined) return inline;
      const next = tokens[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) {
        throw new UsageError(`argument --${name}: expected one argument`);
      }
      i++;
      return next;
    };

    if (name === 'cli-input-json') result.cliInputJson = takeOne();
    else if (name === 'cli-input-yaml') result.cliInputYaml = takeOne();
    else if (name === 'generate-cli-skeleton') {
      let kind = inline;
      if (kind === undefined && tokens[i + 1] !== undefined && !tokens[i + 1].startsWith('-')) kind = tokens[++i];
      kind ??= 'input';
      if (!SKELETON_CHOICES.includes(kind)) {
        throw new UsageError(`argument --generate-cli-skeleton: Invalid choice, valid choices are: ${SKELETON_CHOICES.join(' | ')}`);
      }
      result.skeleton = kind;
    } else if (paging.has(name)) {
      const v = takeOne();
      result.pagingFlags.push(`--${name}`);
      if (name === 'starting-token') result.startingToken = v;
      else if (name === 'page-size') result.pageSize = v;
      else result.maxItems = v;
    } else if (byFlag.has(name)) {
      const p = byFlag.get(name)!;
      if (p.type === 'boolean') result.values.set(p.member, inline === undefined ? true : inline.toLowerCase() !== 'false');
      else if (p.type === 'list') {
        const values: string[] = inline !== undefined ? [inline] : [];
        while (inline === undefined && tokens[i + 1] !== undefined && !(tokens[i + 1].startsWith('--') && tokens[i + 1].length > 2)) {
          values.push(tokens[++i]);
        }
        if (!values.length) throw new UsageError(`argument --${name}: expected at least one argument`);
        result.values.set(p.member, values);
      } else result.values.set(p.member, takeOne());
    } else if (name.startsWith('no-') && byFlag.get(name.slice(3))?.type === 'boolean') {
      result.values.set(byFlag.get(name.slice(3))!.member, false);
    } else {
      unknown.push(tok);
      // An unknown flag's value travels with it in the error, as in the AWS CLI.
      if (inline === undefined && tokens[i + 1] !== undefined && !tokens[i + 1].startsWith('--')) unknown.push(tokens[++i]);
    }
  }
  if (unknown.length && !result.help) throw new UsageError(`Unknown options: ${unknown.join(', ')}`);
  return result;
}

/** Flags of required members not given (only checked without --cli-input-*). */
export function missingRequired(op: OperationDefinition, values: Map<string, RawFlag>): string[] {
  return op.params.filter((p) => p.required && !values.has(p.member)).map((p) => `--${p.flag}`);
}
