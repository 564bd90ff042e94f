// ajv errors → the AWS CLI's validation messages (botocore's ParamValidator wording), plus what
// the AWS CLI never checks (enums, unions the model doesn't mark) and a suggested fix per problem.

export interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
  schema?: unknown;
  parentSchema?: Record<string, unknown>;
  data?: unknown;
}

export interface Problem {
  /** AWS-style path: `spec.listeners[0].portMapping` ('' for the input itself). */
  path: string;
  keyword: string;
  message: string;
  fix?: string;
  /** First path segment, to tell which flag or file the value came from. */
  topLevelKey?: string;
}

export function describeErrors(errors: AjvError[], input: unknown): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // Branch errors of a oneOf/not only explain why the branch failed; the parent error says it all.
    if (/\/(oneOf|not)\//.test(e.schemaPath)) continue;
    const p = describe(e, input);
    if (!p) continue;
    const key = `${p.path}|${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return problems;
}

function describe(e: AjvError, input: unknown): Problem | undefined {
  const { path, top } = awsPath(e.instancePath, input);
  const where = path || 'input';
  const ps = e.parentSchema ?? {};
  const base = { path, keyword: e.keyword, topLevelKey: top };
  switch (e.keyword) {
    case 'required': {
      const missing = String(e.params.missingProperty);
      return { ...base, message: `Missing required parameter in ${where}: "${missing}"` };
    }
    case 'additionalProperties': {
      const extra = String(e.params.additionalProperty);
      const allowed = Object.keys((ps.properties as object) ?? {});
      const guess = closest(extra, allowed);
      return {
        ...base,
        topLevelKey: top ?? extra,
        message: `Unknown parameter in ${where}: "${extra}", must be one of: ${allowed.join(', ')}`,
        fix: guess ? `Did you mean "${guess}"?` : undefined,
      };
    }
    case 'type':
      return { ...base, message: typeMessage(path, e.data, ps.type), fix: typeFix(e.data, ps.type) };
    case 'minLength':
    case 'maxLength':
    case 'minItems':
    case 'maxItems': {
      const min = e.keyword.startsWith('min');
      const len = typeof e.data === 'string' ? [...e.data].length : Array.isArray(e.data) ? e.data.length : 0;
      return {
        ...base,
        message: `Invalid length for parameter ${where}, value: ${len}, valid ${min ? 'min' : 'max'} length: ${e.params.limit}`,
      };
    }
    case 'minimum':
    case 'maximum':
      return {
        ...base,
        message: `Invalid value for parameter ${where}, value: ${pyValue(e.data)}, valid ${e.keyword === 'minimum' ? 'min' : 'max'} value: ${e.params.limit}`,
      };
    case 'enum': {
      const allowed = (e.params.allowedValues as string[]) ?? [];
      const guess = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      return {
        ...base,
        message: `Invalid value for parameter ${where}, value: ${pyValue(e.data)}, valid values: ${allowed.join(', ')}`,
        fix: guess ? `Did you mean "${guess}"?` : undefined,
      };
    }
    case 'pattern':
      return { ...base, message: `Invalid value for parameter ${where}, value: ${pyValue(e.data)}, valid pattern: ${e.params.pattern}` };
    case 'minProperties':
    case 'maxProperties': {
      const keys = Object.keys((ps.properties as object) ?? {});
      if (ps['x-aws-union']) {
        return {
          ...base,
          message: `Invalid number of parameters set for tagged union structure ${where}. Can only set one of the following keys: ${keys.join('. ')}.`,
          fix: e.keyword === 'maxProperties' ? 'Keep exactly one of them' : 'Set exactly one of them',
        };
      }
      const size = e.data && typeof e.data === 'object' ? Object.keys(e.data).length : 0;
      return {
        ...base,
        message: `Invalid length for parameter ${where}, value: ${size}, valid ${e.keyword === 'minProperties' ? 'min' : 'max'} length: ${e.params.limit}`,
      };
    }
    case 'oneOf': {
      const keys = (ps['x-exactly-one'] as string[]) ?? [];
      const set = keys.filter((k) => e.data && typeof e.data === 'object' && k in (e.data as object));
      return {
        ...base,
        message: `Invalid number of parameters set for ${where}. Must set exactly one of the following keys: ${keys.join(', ')}`,
        fix: set.length ? `Found ${set.length}: ${set.join(', ')}` : 'None was set',
      };
    }
    case 'not': {
      const keys = (ps['x-at-most-one'] as string[]) ?? [];
      return { ...base, message: `Invalid combination of parameters in ${where}: set only one of ${keys.join(', ')}` };
    }
    case 'dependencies': {
      return {
        ...base,
        message: `Missing required parameter in ${where}: "${e.params.missingProperty}" (required when "${e.params.property}" is set)`,
      };
    }
    case 'propertyNames':
      return { ...base, message: `Invalid key for parameter ${where}, key: ${pyValue(e.params.propertyName)}` };
    default:
      return { ...base, message: `Invalid parameter ${where}: ${e.message ?? e.keyword}` };
  }
}

/** JSON pointer → `spec.listeners[0].portMapping`, using the data to tell list indexes from keys. */
function awsPath(pointer: string, input: unknown): { path: string; top?: string } {
  if (!pointer) return { path: '' };
  const parts = pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let out = '';
  let cur: unknown = input;
  for (const part of parts) {
    if (Array.isArray(cur)) {
      out += `[${part}]`;
      cur = cur[Number(part)];
    } else {
      out += out ? `.${part}` : part;
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined;
    }
  }
  return { path: out, top: parts[0] };
}

const PY_TYPES: Record<string, string> = {
  string: "<class 'str'>",
  integer: "<class 'int'>",
  number: "<class 'float'>, <class 'decimal.Decimal'>, <class 'int'>",
  boolean: "<class 'bool'>",
  array: "<class 'list'>, <class 'tuple'>",
  object: "<class 'dict'>",
};

function typeMessage(path: string, value: unknown, expected: unknown): string {
  const types = Array.isArray(expected) ? expected : [expected];
  const valid = types.includes('string') && types.includes('number')
    ? "<class 'datetime.datetime'>, timestamp-string"
    : types.map((t) => PY_TYPES[String(t)] ?? String(t)).join(', ');
  return `Invalid type for parameter ${path || 'input'}, value: ${pyValue(value)}, type: ${pyType(value)}, valid types: ${valid}`;
}

function typeFix(value: unknown, expected: unknown): string | undefined {
  if (expected === 'integer' && typeof value === 'string' && /^-?\d+$/.test(value)) return `Write it as a number without quotes: ${value}`;
  if (expected === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value)) return `Write it without quotes: ${value.toLowerCase()}`;
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return `Quote it: "${value}"`;
  if (expected === 'array' && value && typeof value === 'object') return 'Wrap it in a list: [ … ]';
  if (value === null) return 'Remove the key or give it a value';
  return undefined;
}

function pyValue(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

function pyType(v: unknown): string {
  if (v === null || v === undefined) return "<class 'NoneType'>";
  if (typeof v === 'string') return "<class 'str'>";
  if (typeof v === 'boolean') return "<class 'bool'>";
  if (typeof v === 'number') return Number.isInteger(v) ? "<class 'int'>" : "<class 'float'>";
  if (Array.isArray(v)) return "<class 'list'>";
  return "<class 'dict'>";
}

/** The most similar candidate by edit distance (case-insensitive), when reasonably close. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  if (best === undefined) return undefined;
  return bestScore <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
