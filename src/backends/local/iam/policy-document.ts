// IAM policy documents: how IAM reads them (raw JSON or URL-encoded), checks their grammar, counts
// their size, and returns them (URL-encoded, as the query API does). Two kinds matter here:
// identity policies (managed policies) and trust policies (a role's AssumeRolePolicyDocument).
// Messages start with IAM's own wording and then name the exact problem.

import { iamError, quotaExceeded } from './errors';
import type { ServiceError } from '../../../base/errors';

export type PolicyKind = 'identity' | 'trust';

const VERSIONS = ['2012-10-17', '2008-10-17'];
const TOP_LEVEL_KEYS = ['Version', 'Id', 'Statement'];
const STATEMENT_KEYS = ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
const PRINCIPAL_TYPES = ['AWS', 'Service', 'Federated', 'CanonicalUser'];

/** Size quotas, counted without whitespace as IAM does. */
export const TRUST_POLICY_MAX = 2048;
export const MANAGED_POLICY_MAX = 6144;

const SYNTAX = 'Syntax errors in policy.';

function malformed(message: string): ServiceError {
  return iamError('MalformedPolicyDocument', message);
}

function syntax(reason: string): ServiceError {
  return malformed(`${SYNTAX} ${reason}`);
}

/**
 * The document text IAM stores: the input as given, or its decoded form when it arrives
 * URL-encoded (IAM accepts both; `%7B...` is what its own responses contain).
 */
export function decodePolicyInput(raw: string): string {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw syntax('The document looks URL-encoded but is not valid percent-encoding.');
  }
}

/** What IAM's query API returns for a stored document (the AWS CLI decodes it for display). */
export function encodePolicyOutput(text: string): string {
  return encodeURIComponent(text);
}

/** Characters counted against the size quotas: everything but whitespace. */
export function policySize(text: string): number {
  return text.replace(/\s+/g, '').length;
}

/** Parses and checks a document; throws MalformedPolicyDocument or LimitExceeded with the reason. */
export function validatePolicyDocument(text: string, kind: PolicyKind): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw syntax(`The document is not valid JSON (${(e as Error).message}).`);
  }
  if (!isObject(doc)) throw syntax('The document must be a JSON object.');
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL_KEYS.includes(key)) {
      throw syntax(`Unknown top-level field "${key}"; a policy may contain only ${TOP_LEVEL_KEYS.join(', ')}.`);
    }
  }
  if (doc.Version !== undefined && !(typeof doc.Version === 'string' && VERSIONS.includes(doc.Version))) {
    throw syntax(`Version ${JSON.stringify(doc.Version)} is not valid; use "2012-10-17".`);
  }
  if (doc.Id !== undefined && typeof doc.Id !== 'string') throw syntax('Id must be a string.');
  if (doc.Statement === undefined) throw syntax('Missing required field Statement.');
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0) throw syntax('Statement must contain at least one statement.');
  const sids = new Set<string>();
  statements.forEach((s, i) => checkStatement(s, i, kind, sids));

  const max = kind === 'trust' ? TRUST_POLICY_MAX : MANAGED_POLICY_MAX;
  if (policySize(text) > max) throw quotaExceeded(kind === 'trust' ? 'ACLSizePerRole' : 'PolicySize', max);
}

function checkStatement(s: unknown, index: number, kind: PolicyKind, sids: Set<string>): void {
  const where = `Statement[${index}]`;
  if (!isObject(s)) throw syntax(`${where} must be a JSON object.`);
  for (const key of Object.keys(s)) {
    if (!STATEMENT_KEYS.includes(key)) {
      throw syntax(`Unknown field "${key}" in ${where}; allowed: ${STATEMENT_KEYS.join(', ')}.`);
    }
  }
  if (s.Sid !== undefined) {
    if (typeof s.Sid !== 'string') throw syntax(`${where}.Sid must be a string.`);
    // Identity policies allow only ASCII letters and digits in a Sid; trust policies are looser.
    if (kind === 'identity' && !/^[A-Za-z0-9]*$/.test(s.Sid)) {
      throw malformed(`Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*: "${s.Sid}".`);
    }
    if (s.Sid !== '') {
      if (sids.has(s.Sid)) throw malformed(`Statement IDs (SID) in a single policy must be unique: "${s.Sid}" repeats.`);
      sids.add(s.Sid);
    }
  }

  if (s.Effect === undefined) throw malformed(`Missing required field Effect in ${where}.`);
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') {
    throw malformed(`Invalid effect: ${JSON.stringify(s.Effect)} in ${where}; Effect must be "Allow" or "Deny".`);
  }

  const action = atMostOne(s, 'Action', 'NotAction', where);
  if (!action) throw malformed(`Missing required field Action in ${where} (give Action or NotAction).`);
  const actions = stringList(s[action], `${where}.${action}`);
  for (const a of actions) checkAction(a, kind, where);

  const resource = atMostOne(s, 'Resource', 'NotResource', where);
  if (kind === 'trust') {
    if (resource) throw malformed(`Has prohibited field ${resource}: a trust policy cannot name resources (${where}).`);
  } else {
    if (!resource) throw malformed(`Policy statement must contain resources: ${where} has neither Resource nor NotResource.`);
    for (const r of stringList(s[resource], `${where}.${resource}`)) checkResource(r, where);
  }

  const principal = atMostOne(s, 'Principal', 'NotPrincipal', where);
  if (kind === 'identity') {
    if (principal) throw malformed(`Policy document should not specify a principal: ${where} has ${principal}.`);
  } else {
    if (!principal) throw malformed(`Missing required field Principal in ${where}.`);
    checkPrincipal(s[principal], `${where}.${principal}`);
  }

  if (s.Condition !== undefined) checkCondition(s.Condition, `${where}.Condition`);
}

function atMostOne(s: Record<string, unknown>, a: string, b: string, where: string): string | undefined {
  const hasA = s[a] !== undefined;
  const hasB = s[b] !== undefined;
  if (hasA && hasB) throw syntax(`${where} has both ${a} and ${b}; use only one.`);
  return hasA ? a : hasB ? b : undefined;
}

/** A string or a non-empty array of strings. */
function stringList(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw syntax(`${where} must not be empty.`);
  for (const v of list) if (typeof v !== 'string') throw syntax(`${where} must be a string or a list of strings.`);
  return list as string[];
}

function checkAction(a: string, kind: PolicyKind, where: string): void {
  if (a !== '*' && !/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(a)) {
    throw malformed(`Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.: "${a}" in ${where}.`);
  }
  if (kind === 'trust' && a !== '*' && !/^sts:/i.test(a)) {
    throw malformed(`AssumeRole policy may only specify STS AssumeRole actions: "${a}" in ${where}.`);
  }
}

function checkResource(r: string, where: string): void {
  if (r === '*') return;
  // arn:partition:service:region:account:resource — region and account may be empty or wildcards.
  if (!/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(r)) {
    throw malformed(`Resource ${r} must be in ARN format or "*" (${where}).`);
  }
}

function checkPrincipal(value: unknown, where: string): void {
  if (value === '*') return;
  if (!isObject(value)) throw syntax(`${where} must be "*" or an object such as {"Service": "ec2.amazonaws.com"}.`);
  const types = Object.keys(value);
  if (types.length === 0) throw syntax(`${where} must name at least one principal.`);
  for (const type of types) {
    if (!PRINCIPAL_TYPES.includes(type)) {
      throw malformed(`Invalid principal in policy: unknown principal type "${type}" in ${where}; use ${PRINCIPAL_TYPES.join(', ')}.`);
    }
    for (const id of stringList(value[type], `${where}.${type}`)) {
      if (!validPrincipal(type, id)) throw malformed(`Invalid principal in policy: "${type}":"${id}"`);
    }
  }
}

function validPrincipal(type: string, id: string): boolean {
  switch (type) {
    case 'AWS':
      return id === '*' || /^\d{12}$/.test(id) || /^arn:aws[a-z-]*:(iam|sts)::(\d{12}|aws):.+$/.test(id);
    case 'Service':
      return /^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazonaws\.com\.cn|amazon\.com)$/.test(id);
    case 'Federated':
      return /^arn:aws[a-z-]*:iam::\d{12}:(saml-provider|oidc-provider)\/.+$/.test(id) || /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(id);
    default:
      return /^[0-9a-f]{64}$/.test(id);
  }
}

function checkCondition(value: unknown, where: string): void {
  if (!isObject(value)) throw syntax(`${where} must be an object of condition operators.`);
  for (const [operator, block] of Object.entries(value)) {
    if (!/^(ForAllValues:|ForAnyValue:)?[A-Za-z0-9]+(IfExists)?$/.test(operator)) {
      throw syntax(`${where} has an invalid condition operator "${operator}".`);
    }
    if (!isObject(block)) throw syntax(`${where}.${operator} must be an object of condition keys.`);
    for (const [key, v] of Object.entries(block)) {
      const values = Array.isArray(v) ? v : [v];
      if (!values.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) {
        throw syntax(`${where}.${operator}.${key} must be a string, number, boolean or a list of them.`);
      }
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
