// The local IAM policy engine: decides whether identity policies allow one action on one
// resource, the way IAM evaluates them for a principal in its own account — an explicit Deny
// wins, otherwise some Allow must match, otherwise the request is implicitly denied; a
// permissions boundary, when set, must allow it too.
//
// Supported: Action/NotAction, Resource/NotResource (wildcards * and ?, policy variables such
// as ${aws:username}), and Condition with the string, ARN, numeric, date, Bool, IP address and
// Null operators, the IfExists suffix and the ForAnyValue:/ForAllValues: prefixes. A condition
// operator this engine does not know never matches (so an Allow that depends on it does not apply).

export type ContextValue = string | string[];

export interface AuthorizationRequest {
  /** `service:Operation`, e.g. appmesh:CreateRoute. */
  action: string;
  /** The resource ARN, or '*' for operations that name none. */
  resource: string;
  /** Condition keys (aws:username, aws:SourceIp, …); names compare without case. */
  context: Record<string, ContextValue>;
}

export interface Decision {
  allowed: boolean;
  /** 'explicit' when a Deny statement matched; 'implicit' when no Allow did. */
  denied?: 'explicit' | 'implicit';
  /** True when the permissions boundary (not the policies) is what denies. */
  byBoundary?: boolean;
}

interface Statement {
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const globCache = new Map<string, RegExp>();
function glob(pattern: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = globCache.get(key);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    if (globCache.size > 4096) globCache.clear();
    globCache.set(key, re);
  }
  return re;
}

function lookup(context: Record<string, ContextValue>, key: string): string[] | undefined {
  const want = key.toLowerCase();
  for (const [k, v] of Object.entries(context)) if (k.toLowerCase() === want) return list(v);
  return undefined;
}

/** ${aws:username} and friends in Resource and condition values; unknown variables stay as written. */
function substitute(text: string, context: Record<string, ContextValue>): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === '*') return '*';
    if (name === '?') return '?';
    if (name === '$') return '$';
    const [key, fallback] = name.split(/,\s*/);
    const v = lookup(context, key);
    if (v && v.length === 1) return v[0];
    const m = fallback && /^'(.*)'$/.exec(fallback);
    return m ? m[1] : whole;
  });
}

function actionMatches(s: Statement, action: string): boolean {
  if (s.Action !== undefined) return list(s.Action).some((a) => glob(a, true).test(action));
  return !list(s.NotAction).some((a) => glob(a, true).test(action));
}

function resourceMatches(s: Statement, resource: string, context: Record<string, ContextValue>): boolean {
  const hit = (patterns: string[]) => patterns.some((p) => glob(substitute(p, context), false).test(resource));
  if (s.Resource !== undefined) return hit(list(s.Resource));
  return !hit(list(s.NotResource));
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipv4ToInt(ip.replace(/^::ffff:/, ''));
  const b = ipv4ToInt(base);
  if (a === undefined || b === undefined) return ip === base; // IPv6: exact addresses only
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (!(bits >= 0 && bits <= 32)) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

type Compare = (actual: string, expected: string) => boolean;

const dateOf = (s: string): number => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));

/** The positive form of each operator; negated ones (…Not…) are their complement. */
const OPERATORS: Record<string, { compare: Compare; negated?: boolean }> = {
  StringEquals: { compare: (a, e) => a === e },
  StringNotEquals: { compare: (a, e) => a === e, negated: true },
  StringEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase() },
  StringNotEqualsIgnoreCase: { compare: (a, e) => a.toLowerCase() === e.toLowerCase(), negated: true },
  StringLike: { compare: (a, e) => glob(e, false).test(a) },
  StringNotLike: { compare: (a, e) => glob(e, false).test(a), negated: true },
  ArnEquals: { compare: (a, e) => glob(e, false).test(a) },
  ArnLike: { compare: (a, e) => glob(e, false).test(a) },
  ArnNotEquals: { compare: (a, e) => glob(e, false).test(a), negated: true },
  ArnNotLike: { compare: (a, e) => glob(e, false).test(a), negated: true },
  NumericEquals: { compare: (a, e) => Number(a) === Number(e) },
  NumericNotEquals: { compare: (a, e) => Number(a) === Number(e), negated: true },
  NumericLessThan: { compare: (a, e) => Number(a) < Number(e) },
  NumericLessThanEquals: { compare: (a, e) => Number(a) <= Number(e) },
  NumericGreaterThan: { compare: (a, e) => Number(a) > Number(e) },
  NumericGreaterThanEquals: { compare: (a, e) => Number(a) >= Number(e) },
  DateEquals: { compare: (a, e) => dateOf(a) === dateOf(e) },
  DateNotEquals: { compare: (a, e) => dateOf(a) === dateOf(e), negated: true },
  DateLessThan: { compare: (a, e) => dateOf(a) < dateOf(e) },
  DateLessThanEquals: { compare: (a, e) => dateOf(a) <= dateOf(e) },
  DateGreaterThan: { compare: (a, e) => dateOf(a) > dateOf(e) },
  DateGreaterThanEquals: { compare: (a, e) => dateOf(a) >= dateOf(e) },
  Bool: { compare: (a, e) => a.toLowerCase() === e.toLowerCase() },
  IpAddress: { compare: (a, e) => inCidr(a, e) },
  NotIpAddress: { compare: (a, e) => inCidr(a, e), negated: true },
};

function conditionHolds(operatorName: string, key: string, expectedRaw: unknown, context: Record<string, ContextValue>): boolean {
  const m = /^(ForAnyValue:|ForAllValues:)?(.+?)(IfExists)?$/.exec(operatorName)!;
  const [, set, base, ifExists] = m;
  const expected = (Array.isArray(expectedRaw) ? expectedRaw : [expectedRaw]).map((v) => substitute(String(v), context));
  const actual = lookup(context, key);
  if (base === 'Null') {
    const wantsMissing = expected.some((e) => e.toLowerCase() === 'true');
    return wantsMissing ? actual === undefined : actual !== undefined;
  }
  const op = OPERATORS[base];
  if (!op) return false;
  if (actual === undefined || actual.length === 0) {
    if (ifExists) return true;
    if (set === 'ForAllValues:') return true; // vacuously true over no values
    return Boolean(op.negated);
  }
  const matchesOne = (a: string) => expected.some((e) => op.compare(a, e));
  let positive: boolean;
  if (set === 'ForAllValues:') positive = actual.every(matchesOne);
  else positive = actual.some(matchesOne);
  return op.negated ? !positive : positive;
}

function conditionsHold(s: Statement, context: Record<string, ContextValue>): boolean {
  if (!s.Condition) return true;
  for (const [operator, block] of Object.entries(s.Condition)) {
    for (const [key, value] of Object.entries(block ?? {})) {
      if (!conditionHolds(operator, key, value, context)) return false;
    }
  }
  return true;
}

function statementsOf(document: string): Statement[] {
  try {
    const doc = JSON.parse(document) as { Statement?: Statement | Statement[] };
    return doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  } catch {
    return []; // stored documents were validated on the way in; an unreadable one grants nothing
  }
}

function verdict(documents: readonly string[], req: AuthorizationRequest): 'deny' | 'allow' | 'none' {
  let allowed = false;
  for (const document of documents) {
    for (const s of statementsOf(document)) {
      if (!actionMatches(s, req.action) || !resourceMatches(s, req.resource, req.context) || !conditionsHold(s, req.context)) continue;
      if (s.Effect === 'Deny') return 'deny';
      if (s.Effect === 'Allow') allowed = true;
    }
  }
  return allowed ? 'allow' : 'none';
}

/** Evaluates identity policies (and an optional permissions boundary) for one request. */
export function evaluatePolicies(documents: readonly string[], req: AuthorizationRequest, boundary?: readonly string[]): Decision {
  const v = verdict(documents, req);
  if (v === 'deny') return { allowed: false, denied: 'explicit' };
  if (v === 'none') return { allowed: false, denied: 'implicit' };
  if (boundary) {
    const b = verdict(boundary, req);
    if (b !== 'allow') return { allowed: false, denied: b === 'deny' ? 'explicit' : 'implicit', byBoundary: true };
  }
  return { allowed: true };
}
