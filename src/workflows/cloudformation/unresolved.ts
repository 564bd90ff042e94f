// What resolving a template value can yield besides a plain value: an Unresolved (cannot be known
// before the stack is deployed, or without more input: it becomes a finding and a placeholder) or
// AWS::NoValue (the member is dropped).

/** A value that cannot be known before the stack is deployed (or without more input). */
export class Unresolved {
  /** What stands in for the value (`${ProjectName}-mesh`), so the rest of the template still analyses. */
  readonly placeholder: string;
  constructor(readonly text: string, readonly reason: string, readonly fix: string, placeholder?: string) {
    this.placeholder = placeholder ?? `\${${text.replace(/^!(Ref |GetAtt )?/, '').replace(/^ImportValue /, 'ImportValue:')}}`;
  }

  /** The same cause, standing for a bigger value. */
  within(placeholder: string): Unresolved {
    const u = new Unresolved(this.text, this.reason, this.fix, placeholder);
    u.parameter = this.parameter;
    return u;
  }

  /** A parameter without a value (AM0007) rather than an unknowable value (AM0006). */
  parameter?: string;
}

export const NO_VALUE = Symbol('AWS::NoValue');

export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** `{Ref: …}`, `{Condition: …}` or `{"Fn::…": …}`: an object that is one intrinsic function call. */
export function intrinsicName(v: Record<string, unknown>): string | undefined {
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0] === 'Condition' || keys[0].startsWith('Fn::')) ? keys[0] : undefined;
}

/** The fix for a value only the user can supply. */
export function paramFix(key: string): string {
  return `Pass the value with --parameter ${key}=VALUE, or replace the expression in the template with the value`;
}
