// The local IAM policy engine: allow/deny precedence, wildcards, Not* elements, variables,
// conditions and permissions boundaries.

import { evaluatePolicies, type AuthorizationRequest } from '../../../src/backends/local/iam/evaluate';

const ARN = 'arn:aws:appmesh:us-east-1:123456789012:mesh/app1/virtualNode/serviceBv1';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });
const req = (over: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({
  action: 'appmesh:StreamAggregatedResources', resource: ARN, context: { 'aws:username': 'envoy', 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': 'true' }, ...over,
});

test('the user guide\'s proxy authorization policy: its two nodes only', () => {
  const policy = doc({
    Effect: 'Allow', Action: 'appmesh:StreamAggregatedResources',
    Resource: ['arn:aws:appmesh:us-east-1:123456789012:mesh/app1/virtualNode/serviceBv1', 'arn:aws:appmesh:us-east-1:123456789012:mesh/app1/virtualNode/serviceBv2'],
  });
  expect(evaluatePolicies([policy], req()).allowed).toBe(true);
  expect(evaluatePolicies([policy], req({ resource: ARN.replace('serviceBv1', 'serviceA') }))).toEqual({ allowed: false, denied: 'implicit' });
  expect(evaluatePolicies([policy], req({ action: 'appmesh:CreateRoute' })).allowed).toBe(false);
});

test('no policies: implicit deny; an explicit Deny beats any Allow', () => {
  expect(evaluatePolicies([], req())).toEqual({ allowed: false, denied: 'implicit' });
  const all = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
  const deny = doc({ Effect: 'Deny', Action: 'appmesh:Stream*', Resource: 'arn:aws:appmesh:*:*:mesh/app1/*' });
  expect(evaluatePolicies([all, deny], req())).toEqual({ allowed: false, denied: 'explicit' });
  expect(evaluatePolicies([all, deny], req({ action: 'appmesh:DescribeMesh' })).allowed).toBe(true);
});

test('actions compare without case and with ? and *; resources compare with case', () => {
  expect(evaluatePolicies([doc({ Effect: 'Allow', Action: 'APPMESH:streamaggregatedresources', Resource: '*' })], req()).allowed).toBe(true);
  expect(evaluatePolicies([doc({ Effect: 'Allow', Action: 'appmesh:Describe?esh', Resource: '*' })], req({ action: 'appmesh:DescribeMesh' })).allowed).toBe(true);
  expect(evaluatePolicies([doc({ Effect: 'Allow', Action: '*', Resource: ARN.toUpperCase() })], req()).allowed).toBe(false);
});

test('NotAction and NotResource', () => {
  const notAction = doc({ Effect: 'Allow', NotAction: 'appmesh:Delete*', Resource: '*' });
  expect(evaluatePolicies([notAction], req()).allowed).toBe(true);
  expect(evaluatePolicies([notAction], req({ action: 'appmesh:DeleteMesh' })).allowed).toBe(false);
  const notResource = doc({ Effect: 'Allow', Action: '*', NotResource: 'arn:aws:appmesh:*:*:mesh/prod/*' });
  expect(evaluatePolicies([notResource], req()).allowed).toBe(true);
  expect(evaluatePolicies([notResource], req({ resource: 'arn:aws:appmesh:us-east-1:1:mesh/prod/virtualNode/x' })).allowed).toBe(false);
});

test('policy variables in resources', () => {
  const own = doc({ Effect: 'Allow', Action: 'iam:*AccessKey*', Resource: 'arn:aws:iam::123456789012:user/${aws:username}' });
  expect(evaluatePolicies([own], req({ action: 'iam:CreateAccessKey', resource: 'arn:aws:iam::123456789012:user/envoy' })).allowed).toBe(true);
  expect(evaluatePolicies([own], req({ action: 'iam:CreateAccessKey', resource: 'arn:aws:iam::123456789012:user/admin' })).allowed).toBe(false);
});

test('conditions: strings, IP ranges, Bool, IfExists, negation on a missing key, unknown operators never match', () => {
  const cond = (Condition: object) => doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition });
  expect(evaluatePolicies([cond({ StringEquals: { 'aws:username': 'envoy' } })], req()).allowed).toBe(true);
  expect(evaluatePolicies([cond({ StringEquals: { 'aws:username': ['a', 'b'] } })], req()).allowed).toBe(false);
  expect(evaluatePolicies([cond({ StringLike: { 'AWS:UserName': 'env*' } })], req()).allowed).toBe(true);
  expect(evaluatePolicies([cond({ IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } })], req()).allowed).toBe(true);
  expect(evaluatePolicies([cond({ IpAddress: { 'aws:SourceIp': '192.168.0.0/16' } })], req()).allowed).toBe(false);
  expect(evaluatePolicies([cond({ NotIpAddress: { 'aws:SourceIp': '192.168.0.0/16' } })], req()).allowed).toBe(true);
  expect(evaluatePolicies([cond({ Bool: { 'aws:SecureTransport': 'true' } })], req()).allowed).toBe(true);
  expect(evaluatePolicies([cond({ StringEquals: { 'aws:PrincipalTag/team': 'b' } })], req()).allowed).toBe(false);
  expect(evaluatePolicies([cond({ StringEqualsIfExists: { 'aws:PrincipalTag/team': 'b' } })], req()).allowed).toBe(true);
  expect(evaluatePolicies([cond({ StringNotEquals: { 'aws:PrincipalTag/team': 'b' } })], req()).allowed).toBe(true);
  expect(evaluatePolicies([cond({ Null: { 'aws:PrincipalTag/team': 'true' } })], req()).allowed).toBe(true);
  expect(evaluatePolicies([cond({ SomeFutureOperator: { 'aws:username': 'envoy' } })], req()).allowed).toBe(false);
  const denyOutside = doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } });
  const all = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
  expect(evaluatePolicies([all, denyOutside], req()).allowed).toBe(true);
  expect(evaluatePolicies([all, denyOutside], req({ context: { 'aws:SourceIp': '8.8.8.8' } })).denied).toBe('explicit');
});

test('a permissions boundary must allow the action too', () => {
  const all = doc({ Effect: 'Allow', Action: '*', Resource: '*' });
  const boundary = doc({ Effect: 'Allow', Action: 'appmesh:StreamAggregatedResources', Resource: '*' });
  expect(evaluatePolicies([all], req(), [boundary]).allowed).toBe(true);
  expect(evaluatePolicies([all], req({ action: 'appmesh:DeleteMesh' }), [boundary])).toEqual({ allowed: false, denied: 'implicit', byBoundary: true });
});
