// IAM policy grammar, size quotas and encodings (pure functions), plus one check through the
// provider that a rejected document leaves no state behind.

import {
  decodePolicyInput, encodePolicyOutput, policySize, validatePolicyDocument, type PolicyKind,
} from '../../../src/backends/local/iam/policy-document';
import { ServiceError } from '../../../src/base/errors';

const stmt = (s: object, extra: object = {}) => JSON.stringify({ Version: '2012-10-17', Statement: [s], ...extra });
const idStmt = (over: object = {}) => stmt({ Effect: 'Allow', Action: 'appmesh:StreamAggregatedResources', Resource: '*', ...over });
const trustStmt = (over: object = {}) => stmt({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', ...over });

function failure(text: string, kind: PolicyKind): ServiceError {
  try {
    validatePolicyDocument(text, kind);
  } catch (e) {
    if (e instanceof ServiceError) return e;
    throw e;
  }
  throw new Error(`accepted: ${text}`);
}

describe('accepted documents', () => {
  test.each<[string, string, PolicyKind]>([
    ['identity policy with a Resource list', idStmt({ Resource: ['arn:aws:appmesh:us-west-2:111122223333:mesh/apps/virtualNode/serviceB'] }), 'identity'],
    ['identity policy with NotAction/NotResource and a Condition', idStmt({ Action: undefined, NotAction: ['iam:*'], Resource: undefined, NotResource: 'arn:aws:s3:::b/*', Condition: { StringEquals: { 'aws:RequestedRegion': ['us-west-2'] }, Bool: { 'aws:SecureTransport': true } } }), 'identity'],
    ['a single statement object', JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Deny', Action: '*', Resource: '*' } }), 'identity'],
    ['legacy version and an Id', idStmt({}).replace('2012-10-17', '2008-10-17').replace('{"Version"', '{"Id":"x","Version"'), 'identity'],
    ['no Version at all', JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }), 'identity'],
    ['trust policy for ECS tasks and an account root', trustStmt({ Principal: { Service: ['ecs-tasks.amazonaws.com'], AWS: 'arn:aws:iam::111122223333:root' } }), 'trust'],
    ['trust policy with a wildcard principal and TagSession', trustStmt({ Principal: '*', Action: ['sts:AssumeRole', 'sts:TagSession'] }), 'trust'],
    ['web identity federation', trustStmt({ Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC' }, Action: 'sts:AssumeRoleWithWebIdentity' }), 'trust'],
  ])('%s', (_name, text, kind) => {
    expect(() => validatePolicyDocument(text, kind)).not.toThrow();
  });
});

describe('MalformedPolicyDocument with the reason', () => {
  test.each<[string, string, PolicyKind, string]>([
    ['not JSON', '{"Version": "2012-10-17",', 'identity', 'not valid JSON'],
    ['a JSON array', '[]', 'identity', 'must be a JSON object'],
    ['wrong Version', idStmt().replace('2012-10-17', '2012-10-18'), 'identity', 'Version "2012-10-18" is not valid'],
    ['unknown top-level key', stmt({ Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Statements: [] }), 'identity', 'Unknown top-level field "Statements"'],
    ['no Statement', JSON.stringify({ Version: '2012-10-17' }), 'identity', 'Missing required field Statement'],
    ['empty Statement list', JSON.stringify({ Version: '2012-10-17', Statement: [] }), 'identity', 'at least one statement'],
    ['unknown statement key', idStmt({ Actions: 's3:*' }), 'identity', 'Unknown field "Actions"'],
    ['no Effect', idStmt({ Effect: undefined }), 'identity', 'Missing required field Effect'],
    ['bad Effect', idStmt({ Effect: 'allow' }), 'identity', 'Invalid effect: "allow"'],
    ['no Action', idStmt({ Action: undefined }), 'identity', 'Missing required field Action'],
    ['Action and NotAction', idStmt({ NotAction: 's3:*' }), 'identity', 'both Action and NotAction'],
    ['action without a vendor', idStmt({ Action: 'StreamAggregatedResources' }), 'identity', 'must be prefaced by a vendor'],
    ['no Resource in an identity policy', idStmt({ Resource: undefined }), 'identity', 'Policy statement must contain resources'],
    ['Resource and NotResource', idStmt({ NotResource: '*' }), 'identity', 'both Resource and NotResource'],
    ['resource that is not an ARN', idStmt({ Resource: 'mesh/apps' }), 'identity', 'must be in ARN format'],
    ['Principal in an identity policy', idStmt({ Principal: '*' }), 'identity', 'should not specify a principal'],
    ['non-alphanumeric Sid', idStmt({ Sid: 'my sid' }), 'identity', 'must be alpha-numeric'],
    ['repeated Sid', JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Allow', Action: 's3:*', Resource: '*' }, { Sid: 'A', Effect: 'Deny', Action: 's3:*', Resource: '*' }] }), 'identity', 'must be unique'],
    ['non-string action', idStmt({ Action: [1] }), 'identity', 'string or a list of strings'],
    ['bad condition operator', idStmt({ Condition: { 'String Equals': { a: 'b' } } }), 'identity', 'invalid condition operator'],
    ['no Principal in a trust policy', trustStmt({ Principal: undefined }), 'trust', 'Missing required field Principal'],
    ['Resource in a trust policy', trustStmt({ Resource: '*' }), 'trust', 'Has prohibited field Resource'],
    ['non-STS action in a trust policy', trustStmt({ Action: 's3:GetObject' }), 'trust', 'may only specify STS AssumeRole actions'],
    ['unknown principal type', trustStmt({ Principal: { Services: 'ec2.amazonaws.com' } }), 'trust', 'unknown principal type "Services"'],
    ['invalid service principal', trustStmt({ Principal: { Service: 'ec2' } }), 'trust', 'Invalid principal in policy: "Service":"ec2"'],
    ['invalid AWS principal', trustStmt({ Principal: { AWS: 'bob' } }), 'trust', 'Invalid principal in policy: "AWS":"bob"'],
  ])('%s', (_name, text, kind, reason) => {
    const e = failure(text, kind);
    expect(e.code).toBe('MalformedPolicyDocument');
    expect(e.status).toBe(400);
    expect(e.message).toContain(reason);
  });
});

describe('size quotas count characters without whitespace', () => {
  /** An identity policy of exactly `n` non-whitespace characters (an action list padded by the Sid). */
  const sized = (n: number) => {
    const actions = Array.from({ length: Math.floor((n - 200) / 15) }, () => 's3:GetObject');
    const base = policySize(idStmt({ Sid: '', Action: actions }));
    return idStmt({ Sid: 'A'.repeat(n - base), Action: actions });
  };

  test('trust policy: 2048 is fine, more is LimitExceeded; whitespace is free', () => {
    const ok = trustStmt({ Principal: { AWS: Array.from({ length: 120 }, () => '111122223333') } });
    expect(policySize(ok)).toBeLessThanOrEqual(2048);
    validatePolicyDocument(JSON.stringify(JSON.parse(ok), null, 40), 'trust');
    const big = trustStmt({ Principal: { AWS: Array.from({ length: 150 }, () => '111122223333') } });
    expect(policySize(big)).toBeGreaterThan(2048);
    const e = failure(big, 'trust');
    expect([e.code, e.status, e.message]).toEqual(['LimitExceeded', 409, 'Cannot exceed quota for ACLSizePerRole: 2048.']);
  });

  test('managed policy: 6144 boundary', () => {
    const atLimit = sized(6144);
    expect(policySize(atLimit)).toBe(6144);
    expect(() => validatePolicyDocument(atLimit, 'identity')).not.toThrow();
    const e = failure(sized(6145), 'identity');
    expect([e.code, e.message]).toEqual(['LimitExceeded', 'Cannot exceed quota for PolicySize: 6144.']);
  });
});

describe('encodings', () => {
  test('URL-encoded input is decoded; raw JSON is kept byte for byte; output is percent-encoded', () => {
    const text = '{\n  "Version": "2012-10-17",\n  "Statement": []\n}\n';
    expect(decodePolicyInput(text)).toBe(text);
    expect(decodePolicyInput(encodeURIComponent(text))).toBe(text);
    expect(encodePolicyOutput(text)).toBe('%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%5B%5D%0A%7D%0A');
    expect(() => decodePolicyInput('%E0%A4%A')).toThrow(/not valid percent-encoding/);
  });
});
