import { ParamError } from '../core/errors';

type Jmespath = { search(data: unknown, expr: string): unknown; compile(expr: string): unknown };

function jmespath(): Jmespath {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('jmespath') as Jmespath;
}

/** Checks a --query expression before anything is sent (exit 252 when it doesn't parse). */
export function checkQuery(expr: string | undefined): void {
  if (expr === undefined) return;
  try {
    jmespath().compile(expr);
  } catch (e) {
    throw new ParamError(`Bad value for --query ${expr}: Invalid jmespath expression: ${(e as Error).message}`);
  }
}

export function applyQuery(data: unknown, expr: string | undefined): unknown {
  if (expr === undefined) return data;
  return jmespath().search(data, expr);
}
