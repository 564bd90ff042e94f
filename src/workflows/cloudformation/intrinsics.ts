// CloudFormation's intrinsic functions, one handler per function, as far as their value can be
// known without a deployed stack. A handler gets the raw argument and evaluates what it needs
// through the resolver (IntrinsicContext); an Unresolved anywhere is returned as is, so it
// propagates to the value that contains it. A function not in the table is unsupported.

import { isObject, paramFix, Unresolved } from './unresolved';

/** What the handlers need from the resolver (resolver.ts implements it). */
export interface IntrinsicContext {
  /** Evaluates every intrinsic inside a value. */
  value(v: unknown): unknown;
  /** Ref NAME: a parameter, pseudo parameter, or the Arn of an App Mesh resource of the template. */
  ref(name: string): unknown;
  /** GetAtt LOGICAL.ATTR; `text` is how the expression reads in findings. */
  attribute(logical: string, attr: string, text: string): unknown;
  condition(name: string): boolean | Unresolved;
  /** --parameter values (also export names for ImportValue). */
  readonly params: Record<string, string>;
  readonly mappings: Record<string, unknown>;
}

type Handler = (r: IntrinsicContext, arg: unknown, fn: string) => unknown;

function show(v: unknown): string {
  return JSON.stringify(v);
}

/** The argument evaluated, which must be a list. */
function list(r: IntrinsicContext, fn: string, x: unknown): unknown[] | Unresolved {
  const v = r.value(x);
  if (v instanceof Unresolved) return v;
  return Array.isArray(v) ? v : new Unresolved(fn, `${fn} expects a list, got ${show(v)}`, 'Fix the arguments');
}

const args = (arg: unknown): unknown[] => (Array.isArray(arg) ? arg : []);
const truthy = (x: unknown): boolean => x === true || x === 'true';

function sub(r: IntrinsicContext, arg: unknown): unknown {
  let template: unknown = arg;
  const vars: Record<string, unknown> = {};
  if (Array.isArray(arg)) {
    template = arg[0];
    for (const [k, v] of Object.entries(isObject(arg[1]) ? arg[1] : {})) {
      const x = r.value(v);
      if (x instanceof Unresolved) return x;
      vars[k] = x;
    }
  }
  if (typeof template !== 'string') return new Unresolved('Fn::Sub', 'Fn::Sub needs a string', 'Write Fn::Sub as a string or [string, {variables}]');
  let failure: Unresolved | undefined;
  const text = template.replace(/\$\{([^}]*)\}/g, (_whole, inner: string) => {
    if (inner.startsWith('!')) return `\${${inner.slice(1)}}`;
    const name = inner.trim();
    let v: unknown;
    if (name in vars) v = vars[name];
    else if (name.includes('.') && !name.startsWith('AWS::')) {
      const dot = name.indexOf('.');
      v = r.attribute(name.slice(0, dot), name.slice(dot + 1), `\${${name}}`);
    } else v = r.ref(name);
    if (v instanceof Unresolved) {
      failure ??= v;
      return v.placeholder;
    }
    return Array.isArray(v) ? v.join(',') : String(v);
  });
  return failure ? failure.within(text) : text;
}

function join(r: IntrinsicContext, arg: unknown, fn: string): unknown {
  const a = args(arg);
  const delimiter = String(r.value(a[0]) ?? '');
  if (Array.isArray(a[1])) { // item by item, so an unresolved item keeps the others in its placeholder
    let failure: Unresolved | undefined;
    const parts = a[1].map((x) => {
      const v = r.value(x);
      if (v instanceof Unresolved) {
        failure ??= v;
        return v.placeholder;
      }
      return String(v);
    });
    return failure ? failure.within(parts.join(delimiter)) : parts.join(delimiter);
  }
  const items = list(r, fn, a[1]);
  if (items instanceof Unresolved) return items;
  return items.map((x) => String(x)).join(delimiter);
}

function andOr(r: IntrinsicContext, arg: unknown, fn: string): unknown {
  const a = list(r, fn, arg);
  if (a instanceof Unresolved) return a;
  const bools = a.map(truthy);
  return fn === 'Fn::And' ? bools.every(Boolean) : bools.some(Boolean);
}

const INTRINSICS: Record<string, Handler> = {
  Ref: (r, arg) => {
    const name = r.value(arg);
    return name instanceof Unresolved ? name : r.ref(String(name));
  },
  Condition: (r, arg) => r.condition(String(arg)),
  'Fn::GetAtt': (r, arg) => {
    const a = r.value(typeof arg === 'string' ? [arg.slice(0, arg.indexOf('.')), arg.slice(arg.indexOf('.') + 1)] : arg);
    if (a instanceof Unresolved) return a;
    if (!Array.isArray(a) || a.length !== 2) return new Unresolved('Fn::GetAtt', `Fn::GetAtt expects [resource, attribute], got ${show(a)}`, 'Fix the arguments');
    return r.attribute(String(a[0]), String(a[1]), `!GetAtt ${String(a[0])}.${String(a[1])}`);
  },
  'Fn::Sub': sub,
  'Fn::Join': join,
  'Fn::Select': (r, arg, fn) => {
    const a = args(arg);
    const index = r.value(a[0]);
    if (index instanceof Unresolved) return index;
    const items = list(r, fn, a[1]);
    if (items instanceof Unresolved) return items;
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= items.length) {
      return new Unresolved('Fn::Select', `Fn::Select index ${show(index)} is outside the list of ${items.length}`, 'Fix the index');
    }
    return items[i];
  },
  'Fn::Split': (r, arg) => {
    const a = args(arg);
    const s = r.value(a[1]);
    if (s instanceof Unresolved) return s;
    return String(s).split(String(a[0]));
  },
  'Fn::If': (r, arg) => {
    const a = args(arg);
    const c = r.condition(String(a[0]));
    if (c instanceof Unresolved) return c;
    return r.value(c ? a[1] : a[2]);
  },
  'Fn::Equals': (r, arg, fn) => {
    const a = list(r, fn, arg);
    if (a instanceof Unresolved) return a;
    return JSON.stringify(a[0]) === JSON.stringify(a[1]) || String(a[0]) === String(a[1]);
  },
  'Fn::Not': (r, arg, fn) => {
    const a = list(r, fn, arg);
    if (a instanceof Unresolved) return a;
    return !truthy(a[0]);
  },
  'Fn::And': andOr,
  'Fn::Or': andOr,
  'Fn::FindInMap': (r, arg, fn) => {
    const a = list(r, fn, arg);
    if (a instanceof Unresolved) return a;
    const [m, k1, k2] = a.map(String);
    const top = r.mappings[m];
    const second = isObject(top) ? top[k1] : undefined;
    const found = isObject(second) ? second[k2] : undefined;
    if (found === undefined) return new Unresolved(`!FindInMap [${m}, ${k1}, ${k2}]`, `Mappings has no ${m}.${k1}.${k2}`, 'Add the entry under Mappings or fix the keys');
    return r.value(found);
  },
  'Fn::Base64': (r, arg) => {
    const s = r.value(arg);
    return s instanceof Unresolved ? s : Buffer.from(String(s)).toString('base64');
  },
  'Fn::ImportValue': (r, arg) => {
    const name = r.value(arg);
    if (name instanceof Unresolved) return name;
    if (String(name) in r.params) return r.params[String(name)];
    return new Unresolved(`!ImportValue ${String(name)}`, `Fn::ImportValue reads the export ${show(name)} of another stack, which awsmesh cannot know`, paramFix(String(name)));
  },
};

/** Evaluates one intrinsic function call (`fn` is `Ref`, `Condition` or `Fn::…`). */
export function evaluateIntrinsic(r: IntrinsicContext, fn: string, arg: unknown): unknown {
  const handler = Object.hasOwn(INTRINSICS, fn) ? INTRINSICS[fn] : undefined;
  if (handler) return handler(r, arg, fn);
  return new Unresolved(fn, `${fn} is not supported in App Mesh resources by awsmesh`, 'Replace the expression in the template with its value');
}
