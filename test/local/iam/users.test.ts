// IAM users, access keys and user policies on the local backend, STS GetCallerIdentity, and the
// identity `awsmesh serve` resolves from an access key.

import { openHarness, type Harness, ACCOUNT } from './harness';
import { signingIdentity } from '../../../src/backends/local/iam/identity';
import { exportState } from '../../../src/backends/local/admin';

let h: Harness;
beforeEach(async () => {
  h = await openHarness();
});
afterEach(async () => {
  await h.close();
});

const iam = (op: string, input: Record<string, unknown> = {}) => h.call('iam', op, input);
const iamFail = (op: string, input: Record<string, unknown> = {}) => h.fail('iam', op, input);
const doc = (statement: object): string => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });

describe('users', () => {
  test('create, get, list (path prefix), duplicate, delete', async () => {
    const { User } = (await iam('CreateUser', { UserName: 'envoy-serviceb', Path: '/mesh/', Tags: [{ Key: 'team', Value: 'b' }] })) as { User: Record<string, unknown> };
    expect(User.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/mesh/envoy-serviceb`);
    expect(User.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
    expect(User.CreateDate).toBe(Math.floor(h.clock.now));
    expect(User.Tags).toEqual([{ Key: 'team', Value: 'b' }]);
    await iam('CreateUser', { UserName: 'operator' });
    expect(((await iam('GetUser', { UserName: 'ENVOY-serviceb' })).User as Record<string, unknown>).UserName).toBe('envoy-serviceb');
    expect(((await iam('ListUsers', {})).Users as Array<Record<string, unknown>>).map((u) => u.UserName)).toEqual(['envoy-serviceb', 'operator']);
    expect(((await iam('ListUsers', { PathPrefix: '/mesh/' })).Users as Array<Record<string, unknown>>).map((u) => u.UserName)).toEqual(['envoy-serviceb']);
    expect((await iamFail('CreateUser', { UserName: 'Operator' })).code).toBe('EntityAlreadyExists');
    expect((await iamFail('GetUser', { UserName: 'nobody' })).code).toBe('NoSuchEntity');
    await iam('DeleteUser', { UserName: 'operator' });
    expect((await iamFail('DeleteUser', { UserName: 'operator' })).code).toBe('NoSuchEntity');
  });

  test('GetUser without a name answers for the caller: the account root on the CLI', async () => {
    const { User } = (await iam('GetUser', {})) as { User: Record<string, unknown> };
    expect(User.Arn).toBe(`arn:aws:iam::${ACCOUNT}:root`);
    expect(User.UserId).toBe(ACCOUNT);
  });

  test('a user with keys or policies cannot be deleted until they are gone', async () => {
    await iam('CreateUser', { UserName: 'u' });
    const key = ((await iam('CreateAccessKey', { UserName: 'u' })).AccessKey as Record<string, string>).AccessKeyId;
    expect((await iamFail('DeleteUser', { UserName: 'u' })).message).toMatch(/access keys/);
    await iam('DeleteAccessKey', { UserName: 'u', AccessKeyId: key });
    await iam('PutUserPolicy', { UserName: 'u', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'appmesh:*', Resource: '*' }) });
    expect((await iamFail('DeleteUser', { UserName: 'u' })).message).toMatch(/delete policies/);
    await iam('DeleteUserPolicy', { UserName: 'u', PolicyName: 'P' });
    await iam('AttachUserPolicy', { UserName: 'u', PolicyArn: 'arn:aws:iam::aws:policy/AWSAppMeshEnvoyAccess' });
    expect((await iamFail('DeleteUser', { UserName: 'u' })).message).toMatch(/detach all policies/);
    await iam('DetachUserPolicy', { UserName: 'u', PolicyArn: 'arn:aws:iam::aws:policy/AWSAppMeshEnvoyAccess' });
    await iam('DeleteUser', { UserName: 'u' });
  });

  test('bad names are ValidationError before anything is stored', async () => {
    const e = await iamFail('CreateUser', { UserName: 'has space' });
    expect(e.code).toBe('ValidationError');
    expect((await iam('ListUsers', {})).Users).toEqual([]);
  });
});

describe('access keys', () => {
  test('the secret is returned once; list shows ids and status only; two keys per user', async () => {
    await iam('CreateUser', { UserName: 'envoy' });
    const { AccessKey } = (await iam('CreateAccessKey', { UserName: 'envoy' })) as { AccessKey: Record<string, unknown> };
    expect(AccessKey.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(AccessKey.SecretAccessKey).toMatch(/^[A-Za-z0-9/+]{40}$/);
    expect(AccessKey.Status).toBe('Active');
    await iam('CreateAccessKey', { UserName: 'envoy' });
    expect((await iamFail('CreateAccessKey', { UserName: 'envoy' })).message).toBe('Cannot exceed quota for AccessKeysPerUser: 2.');
    const listed = (await iam('ListAccessKeys', { UserName: 'envoy' })).AccessKeyMetadata as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(2);
    for (const k of listed) expect(k).not.toHaveProperty('SecretAccessKey');
    await iam('UpdateAccessKey', { UserName: 'envoy', AccessKeyId: AccessKey.AccessKeyId, Status: 'Inactive' });
    const after = (await iam('ListAccessKeys', { UserName: 'envoy' })).AccessKeyMetadata as Array<Record<string, unknown>>;
    expect(after.find((k) => k.AccessKeyId === AccessKey.AccessKeyId)!.Status).toBe('Inactive');
    await iam('CreateUser', { UserName: 'other' });
    expect((await iamFail('DeleteAccessKey', { UserName: 'other', AccessKeyId: AccessKey.AccessKeyId })).code).toBe('NoSuchEntity');
  });

  test('exports never contain access keys (their secrets stay in the store)', async () => {
    await iam('CreateUser', { UserName: 'envoy' });
    const secret = ((await iam('CreateAccessKey', { UserName: 'envoy' })).AccessKey as Record<string, string>).SecretAccessKey;
    const text = JSON.stringify(await exportState(h.backend.store));
    expect(text).toContain('envoy');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('accessKey');
  });

  test('signingIdentity: the key owner, its secret, status and every policy document that applies', async () => {
    await iam('CreateUser', { UserName: 'envoy' });
    const { AccessKey } = (await iam('CreateAccessKey', { UserName: 'envoy' })) as { AccessKey: Record<string, string> };
    const inline = doc({ Effect: 'Allow', Action: 'appmesh:StreamAggregatedResources', Resource: '*' });
    await iam('PutUserPolicy', { UserName: 'envoy', PolicyName: 'xds', PolicyDocument: inline });
    const { Policy } = (await iam('CreatePolicy', { PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 'appmesh:Describe*', Resource: '*' }) })) as { Policy: Record<string, string> };
    await iam('AttachUserPolicy', { UserName: 'envoy', PolicyArn: Policy.Arn });
    await iam('AttachUserPolicy', { UserName: 'envoy', PolicyArn: 'arn:aws:iam::aws:policy/AWSAppMeshReadOnly' });
    const id = (await signingIdentity(h.backend.store, ACCOUNT, AccessKey.AccessKeyId))!;
    expect(id.caller).toMatchObject({ account: ACCOUNT, userName: 'envoy', arn: `arn:aws:iam::${ACCOUNT}:user/envoy`, accessKeyId: AccessKey.AccessKeyId });
    expect(id.secretAccessKey).toBe(AccessKey.SecretAccessKey);
    expect(id.active).toBe(true);
    expect(id.policies).toHaveLength(3);
    expect(id.policies[0]).toBe(inline);
    expect(await signingIdentity(h.backend.store, ACCOUNT, 'AKIANOSUCHKEY0000000')).toBeUndefined();
    expect(await signingIdentity(h.backend.store, '999999999999', AccessKey.AccessKeyId)).toBeUndefined();
  });
});

describe('user policies', () => {
  test('inline policies: put replaces (names ignore case), get returns the document URL-encoded, 2048-character quota', async () => {
    await iam('CreateUser', { UserName: 'u' });
    const d1 = doc({ Effect: 'Allow', Action: 'appmesh:List*', Resource: '*' });
    await iam('PutUserPolicy', { UserName: 'u', PolicyName: 'Read', PolicyDocument: d1 });
    const d2 = doc({ Effect: 'Allow', Action: 'appmesh:Describe*', Resource: '*' });
    await iam('PutUserPolicy', { UserName: 'u', PolicyName: 'read', PolicyDocument: d2 });
    expect((await iam('ListUserPolicies', { UserName: 'u' })).PolicyNames).toEqual(['read']);
    const got = await iam('GetUserPolicy', { UserName: 'u', PolicyName: 'READ' });
    expect(got).toMatchObject({ UserName: 'u', PolicyName: 'read', PolicyDocument: encodeURIComponent(d2) });
    const big = doc({ Effect: 'Allow', Action: 'appmesh:List*', Resource: Array.from({ length: 40 }, (_, i) => `arn:aws:appmesh:us-west-2:${ACCOUNT}:mesh/m${i}`) });
    expect((await iamFail('PutUserPolicy', { UserName: 'u', PolicyName: 'big', PolicyDocument: big })).message).toBe('Cannot exceed quota for UserPolicySize: 2048.');
    expect((await iamFail('PutUserPolicy', { UserName: 'u', PolicyName: 'bad', PolicyDocument: '{"Statement": []}' })).code).toBe('MalformedPolicyDocument');
    expect((await iamFail('GetUserPolicy', { UserName: 'u', PolicyName: 'none' })).code).toBe('NoSuchEntity');
  });

  test('managed policies on users: attach, list, counted as attachments, listed as entities, block DeletePolicy', async () => {
    await iam('CreateUser', { UserName: 'u' });
    const { Policy } = (await iam('CreatePolicy', { PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'appmesh:*', Resource: '*' }) })) as { Policy: Record<string, string> };
    await iam('AttachUserPolicy', { UserName: 'u', PolicyArn: Policy.Arn });
    await iam('AttachUserPolicy', { UserName: 'u', PolicyArn: Policy.Arn }); // idempotent
    expect((await iam('ListAttachedUserPolicies', { UserName: 'u' })).AttachedPolicies).toEqual([{ PolicyName: 'p', PolicyArn: Policy.Arn }]);
    expect(((await iam('GetPolicy', { PolicyArn: Policy.Arn })).Policy as Record<string, unknown>).AttachmentCount).toBe(1);
    const entities = await iam('ListEntitiesForPolicy', { PolicyArn: Policy.Arn });
    expect(entities.PolicyUsers).toEqual([{ UserName: 'u', UserId: expect.stringMatching(/^AIDA/) }]);
    expect(entities.PolicyRoles).toEqual([]);
    expect((await iamFail('DeletePolicy', { PolicyArn: Policy.Arn })).code).toBe('DeleteConflict');
    expect((await iamFail('AttachUserPolicy', { UserName: 'u', PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/none` })).code).toBe('NoSuchEntity');
    expect((await iamFail('DetachUserPolicy', { UserName: 'u', PolicyArn: 'arn:aws:iam::aws:policy/AWSAppMeshReadOnly' })).code).toBe('NoSuchEntity');
  });
});

describe('sts', () => {
  test('GetCallerIdentity on the CLI: the account root', async () => {
    expect(await h.call('sts', 'GetCallerIdentity')).toEqual({ UserId: ACCOUNT, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
  });

  test('GetCallerIdentity and GetUser for an authenticated caller answer with that user', async () => {
    await iam('CreateUser', { UserName: 'envoy' });
    const { AccessKey } = (await iam('CreateAccessKey', { UserName: 'envoy' })) as { AccessKey: Record<string, string> };
    const { caller } = (await signingIdentity(h.backend.store, ACCOUNT, AccessKey.AccessKeyId))!;
    const who = await h.backend.invoke('sts', 'GetCallerIdentity', {}, { region: 'us-west-2', caller });
    expect(who).toEqual({ UserId: caller.userId, Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/envoy` });
    const me = (await h.backend.invoke('iam', 'GetUser', {}, { region: 'us-west-2', caller })).User as Record<string, unknown>;
    expect(me.UserName).toBe('envoy');
    const keys = (await h.backend.invoke('iam', 'ListAccessKeys', {}, { region: 'us-west-2', caller })).AccessKeyMetadata as unknown[];
    expect(keys).toHaveLength(1);
  });
});
