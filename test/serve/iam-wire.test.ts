// IAM users, access keys and user policies, and STS GetCallerIdentity, on the wire: the AWS SDK v3
// clients against the server over a real LocalBackend (query protocol; IAM and STS share it).

import {
  AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, GetUserPolicyCommand, IAMClient, ListAccessKeysCommand,
  ListAttachedUserPoliciesCommand, ListUsersCommand, PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { rawRequest, removeDir, tempHome } from '../server/helpers';

const REGION = 'us-west-2';
let home: string;
let backend: LocalBackend;
let server: RunningServer;
let iam: IAMClient;
let sts: STSClient;

beforeAll(async () => {
  home = tempHome();
  backend = openLocalBackend({ AWSMESH_HOME: home });
  server = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: REGION, version: 'test' });
  const common = { endpoint: server.url, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  iam = new IAMClient(common);
  sts = new STSClient(common);
});

afterAll(async () => {
  iam?.destroy();
  sts?.destroy();
  await server?.close();
  await backend?.close();
  removeDir(home);
});

test('create a user, a key and policies through the SDK; the secret comes back once', async () => {
  const { User } = await iam.send(new CreateUserCommand({ UserName: 'envoy-serviceb', Path: '/mesh/' }));
  expect(User?.Arn).toBe('arn:aws:iam::111122223333:user/mesh/envoy-serviceb');
  expect(User?.CreateDate).toBeInstanceOf(Date);
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'envoy-serviceb' }));
  expect(AccessKey?.SecretAccessKey).toHaveLength(40);
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'appmesh:StreamAggregatedResources', Resource: '*' }] });
  await iam.send(new PutUserPolicyCommand({ UserName: 'envoy-serviceb', PolicyName: 'xds', PolicyDocument: policy }));
  await iam.send(new AttachUserPolicyCommand({ UserName: 'envoy-serviceb', PolicyArn: 'arn:aws:iam::aws:policy/AWSAppMeshReadOnly' }));
  const got = await iam.send(new GetUserPolicyCommand({ UserName: 'envoy-serviceb', PolicyName: 'xds' }));
  expect(JSON.parse(decodeURIComponent(got.PolicyDocument!))).toEqual(JSON.parse(policy));
  const attached = await iam.send(new ListAttachedUserPoliciesCommand({ UserName: 'envoy-serviceb' }));
  expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AWSAppMeshReadOnly', PolicyArn: 'arn:aws:iam::aws:policy/AWSAppMeshReadOnly' }]);
  const keys = await iam.send(new ListAccessKeysCommand({ UserName: 'envoy-serviceb' }));
  expect(keys.AccessKeyMetadata).toEqual([expect.objectContaining({ AccessKeyId: AccessKey!.AccessKeyId, Status: 'Active' })]);
  expect(JSON.stringify(keys)).not.toContain(AccessKey!.SecretAccessKey!);
  expect((await iam.send(new ListUsersCommand({}))).Users!.map((u) => u.UserName)).toEqual(['envoy-serviceb']);
});

test('sts get-caller-identity without authentication: the account root', async () => {
  const who = await sts.send(new GetCallerIdentityCommand({}));
  expect(who).toMatchObject({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:root', UserId: '111122223333' });
});

test('unsigned query requests go to STS or IAM by Version, else by Action', async () => {
  const form = (body: string) => rawRequest(server.url, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  const sts1 = await form('Action=GetCallerIdentity&Version=2011-06-15');
  expect(sts1.status).toBe(200);
  expect(sts1.body).toContain('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">');
  const sts2 = await form('Action=GetCallerIdentity');
  expect(sts2.body).toContain('<GetCallerIdentityResult>');
  const iam1 = await form('Action=ListUsers&Version=2010-05-08');
  expect(iam1.body).toContain('<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">');
  const unknown = await form('Action=Nope&Version=2010-05-08');
  expect(unknown.status).toBe(400);
});
