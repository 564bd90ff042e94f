import { ParamError } from '../base/errors';
import { MAX_NESTING_DEPTH } from '../base/structured-text';

type Jmespath = { search(data: unknown, expr: string): unknown; compile(expr: string): unknown };

function jmespath(): Jmespath {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('jmespath') as Jmespath;
}

/** How the expression is shown in messages: a runaway one is cut short. */
function shown(expr: string): string {
  return expr.length > 200 ? `${expr.slice(0, 200)}… (${expr.length} characters)` : expr;
}

function tooDeep(expr: string): ParamError {
  return new ParamError(`Bad value for --query ${shown(expr)}: Invalid jmespath expression: nested more than ${MAX_NESTING_DEPTH} levels deep (the limit for any input)`);
}

/**
 * How deeply jmespath's recursive-descent parser will recurse on `expr`: brackets, braces and
 * parentheses (also inside `literal` JSON) plus runs of the prefix operators ! and &, which each
 * parse their operand one level down. Quoted text does not count.
 */
export function queryNesting(expr: string): number {
  const levels: number[] = [0];
  let prefixes = 0;
  let max = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === "'" || c === '"') {
      for (i++; i < expr.length && expr[i] !== c; i++) if (expr[i] === '\\') i++;
      prefixes = 0;
      continue;
    }
    if (c === '`') {
      let inString = false;
      for (i++; i < expr.length && (inString || expr[i] !== '`'); i++) {
        const d = expr[i];
        if (d === '\\') i++;
        else if (d === '"') inString = !inString;
        else if (!inString && (d === '[' || d === '{')) {
          levels.push(levels[levels.length - 1] + 1);
          max = Math.max(max, levels[levels.length - 1]);
        } else if (!inString && (d === ']' || d === '}') && levels.length > 1) levels.pop();
      }
      prefixes = 0;
      continue;
    }
    const top = levels[levels.length - 1];
    if ((c === '!' && expr[i + 1] !== '=') || (c === '&' && expr[i + 1] !== '&')) {
      prefixes++;
      max = Math.max(max, top + prefixes);
    } else if (c === '(' || c === '[' || c === '{') {
      levels.push(top + prefixes + 1);
      max = Math.max(max, top + prefixes + 1);
      prefixes = 0;
    } else if (c === ')' || c === ']' || c === '}') {
      if (levels.length > 1) levels.pop();
      prefixes = 0;
    } else if (c === '&' || c === '!') {
      i++; // && and !=: binary operators
      prefixes = 0;
    } else if (!/\s/.test(c)) {
      prefixes = 0;
    }
  }
  return max;
}

/** Checks a --query expression before anything is sent (exit 252 when it doesn't parse). */
export function checkQuery(expr: string | undefined): void {
  if (expr === undefined) return;
  if (queryNesting(expr) > MAX_NESTING_DEPTH) throw tooDeep(expr);
  try {
    jmespath().compile(expr);
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(expr); // a recursion the scan above did not foresee
    throw new ParamError(`Bad value for --query ${shown(expr)}: Invalid jmespath expression: ${(e as Error).message}`);
  }
}

export function applyQuery(data: unknown, expr: string | undefined): unknown {
  if (expr === undefined) return data;
  checkQuery(expr);
  try {
    return jmespath().search(data, expr);
  } catch (e) {
    if (e instanceof RangeError) throw tooDeep(expr);
    throw e;
  }
}
