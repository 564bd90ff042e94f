// The local IAM provider through LocalBackend on a real SQLite file.

import * as fs from 'fs';
import * as path from 'path';
import { openHarness, type Harness, ACCOUNT } from './harness';
import { MANAGED_POLICIES } from '../../../src/backends/local/iam/managed-policies';
import { validatePolicyDocument } from '../../../src/backends/local/iam/policy-document';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('IAM provider', (store) => {
  const TRUST = fs.readFileSync(path.join(__dirname, 'fixtures', 'ec2-trust-relationship.json'), 'utf8');
  const NODE_POLICY = fs.readFileSync(path.join(__dirname, 'fixtures', 'virtual-node-policy.json'), 'utf8');
  const ECR_READONLY = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly';

  const identity = (statement: object): string => JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
  const allow = (over: object = {}): string => identity({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', ...over });
  const trust = (over: object = {}): string =>
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', ...over }] });

  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(store, { iamRoleQuota: 5 });
  });
  afterEach(async () => {
    await h.close();
  });

  const iam = (op: string, input: Record<string, unknown> = {}) => h.call('iam', op, input);
  const iamFail = (op: string, input: Record<string, unknown> = {}) => h.fail('iam', op, input);

  describe('roles', () => {
    test('the walkthrough role: ARN, id format, second-precision date, document URL-encoded as IAM returns it', async () => {
      const { Role } = (await iam('CreateRole', { RoleName: 'mesh-virtual-node-service-b', AssumeRolePolicyDocument: TRUST })) as { Role: Record<string, unknown> };
      expect(Role.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/mesh-virtual-node-service-b`);
      expect(Role.Path).toBe('/');
      expect(Role.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
      expect(Role.CreateDate).toBe(Math.floor(h.clock.now));
      expect(Role.AssumeRolePolicyDocument).toBe(encodeURIComponent(TRUST));
      expect(Role.AssumeRolePolicyDocument as string).toMatch(/^%7B%0A/);
      expect(JSON.parse(decodeURIComponent(Role.AssumeRolePolicyDocument as string))).toEqual(JSON.parse(TRUST));
      expect(Role).not.toHaveProperty('Tags');

      const got = ((await iam('GetRole', { RoleName: 'mesh-virtual-node-service-b' })) as { Role: Record<string, unknown> }).Role;
      expect(got).toMatchObject({ RoleId: Role.RoleId, MaxSessionDuration: 3600, RoleLastUsed: {} });
    });

    test('paths go into the ARN; names are unique and found regardless of case', async () => {
      const { Role } = (await iam('CreateRole', { RoleName: 'Envoy', Path: '/mesh/apps/', AssumeRolePolicyDocument: TRUST })) as { Role: Record<string, unknown> };
      expect(Role.Arn).toBe(`arn:aws:iam::${ACCOUNT}:role/mesh/apps/Envoy`);
      const dup = await iamFail('CreateRole', { RoleName: 'ENVOY', AssumeRolePolicyDocument: TRUST });
      expect(dup.code).toBe('EntityAlreadyExists');
      expect(dup.status).toBe(409);
      expect(dup.message).toBe('Role with name ENVOY already exists.');
      const got = (await iam('GetRole', { RoleName: 'envoy' })) as { Role: { RoleName: string } };
      expect(got.Role.RoleName).toBe('Envoy');
    });

    test('NoSuchEntity in IAM wording, 404', async () => {
      const e = await iamFail('GetRole', { RoleName: 'missing' });
      expect([e.code, e.status, e.message]).toEqual(['NoSuchEntity', 404, 'The role with name missing cannot be found.']);
      for (const op of ['DeleteRole', 'ListRoleTags', 'ListAttachedRolePolicies']) {
        expect((await iamFail(op, { RoleName: 'missing' })).code).toBe('NoSuchEntity');
      }
    });

    test('accepts URL-encoded trust policies and rejects a bad one without creating anything', async () => {
      await iam('CreateRole', { RoleName: 'encoded', AssumeRolePolicyDocument: encodeURIComponent(TRUST) });
      const got = (await iam('GetRole', { RoleName: 'encoded' })) as { Role: { AssumeRolePolicyDocument: string } };
      expect(decodeURIComponent(got.Role.AssumeRolePolicyDocument)).toBe(TRUST);

      const e = await iamFail('CreateRole', { RoleName: 'bad', AssumeRolePolicyDocument: trust({ Principal: undefined }) });
      expect(e.code).toBe('MalformedPolicyDocument');
      expect(e.message).toContain('Missing required field Principal');
      expect((await iamFail('GetRole', { RoleName: 'bad' })).code).toBe('NoSuchEntity');
    });

    test('ListRoles: path prefix, MaxItems, opaque Marker, IsTruncated', async () => {
      for (const [name, p] of [['b', '/'], ['a', '/x/'], ['c', '/x/'], ['d', '/']]) {
        await iam('CreateRole', { RoleName: name, Path: p, AssumeRolePolicyDocument: TRUST });
      }
      const first = await iam('ListRoles', { MaxItems: 3 });
      expect((first.Roles as { RoleName: string }[]).map((r) => r.RoleName)).toEqual(['a', 'b', 'c']);
      expect(first.IsTruncated).toBe(true);
      expect(typeof first.Marker).toBe('string');
      expect((first.Roles as object[])[0]).not.toHaveProperty('RoleLastUsed');
      const second = await iam('ListRoles', { MaxItems: 3, Marker: first.Marker });
      expect((second.Roles as { RoleName: string }[]).map((r) => r.RoleName)).toEqual(['d']);
      expect(second).toMatchObject({ IsTruncated: false });
      expect(second).not.toHaveProperty('Marker');
      const x = await iam('ListRoles', { PathPrefix: '/x/' });
      expect((x.Roles as { RoleName: string }[]).map((r) => r.RoleName)).toEqual(['a', 'c']);
      expect((await iamFail('ListRoles', { Marker: 'garbage' })).code).toBe('InvalidInput');
    });

    test('values must wholly match IAM patterns (ValidationError lists each), before anything else', async () => {
      const e = await iamFail('CreateRole', { RoleName: 'bad name', Path: '/a/b', AssumeRolePolicyDocument: '{}', Tags: [{ Key: 'ok', Value: 'bad!' }] });
      expect([e.code, e.status]).toEqual(['ValidationError', 400]);
      expect(e.message).toBe(
        "3 validation errors detected: Value '/a/b' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); "
        + "Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; "
        + "Value 'bad!' at 'tags.1.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
      );
      expect((await iamFail('GetRole', { RoleName: 'x y' })).code).toBe('ValidationError');
      expect((await iamFail('CreatePolicy', { PolicyName: 'p', PolicyDocument: allow({ Sid: 'Euro€' }) })).code).toBe('ValidationError');
      expect((await iam('ListRoles')).Roles).toEqual([]);
    });

    test('the roles-per-account quota is configurable (5 here)', async () => {
      for (let i = 0; i < 5; i++) await iam('CreateRole', { RoleName: `r${i}`, AssumeRolePolicyDocument: TRUST });
      const e = await iamFail('CreateRole', { RoleName: 'r5', AssumeRolePolicyDocument: TRUST });
      expect([e.code, e.message]).toEqual(['LimitExceeded', 'Cannot exceed quota for RolesPerAccount: 5.']);
    });

    test('UpdateRole, UpdateRoleDescription, UpdateAssumeRolePolicy', async () => {
      await iam('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: TRUST, Description: 'first' });
      expect(await iam('UpdateRole', { RoleName: 'r', MaxSessionDuration: 7200 })).toEqual({});
      const described = (await iam('UpdateRoleDescription', { RoleName: 'r', Description: 'second' })) as { Role: Record<string, unknown> };
      expect(described.Role).toMatchObject({ Description: 'second', MaxSessionDuration: 7200 });

      const ecs = trust({ Principal: { Service: 'ecs-tasks.amazonaws.com' } });
      await iam('UpdateAssumeRolePolicy', { RoleName: 'r', PolicyDocument: ecs });
      const got = (await iam('GetRole', { RoleName: 'r' })) as { Role: { AssumeRolePolicyDocument: string } };
      expect(decodeURIComponent(got.Role.AssumeRolePolicyDocument)).toBe(ecs);

      const bad = await iamFail('UpdateAssumeRolePolicy', { RoleName: 'r', PolicyDocument: allow() });
      expect(bad.code).toBe('MalformedPolicyDocument');
      const still = (await iam('GetRole', { RoleName: 'r' })) as { Role: { AssumeRolePolicyDocument: string } };
      expect(decodeURIComponent(still.Role.AssumeRolePolicyDocument)).toBe(ecs);
    });

    test('PermissionsBoundary must name an existing policy and is reported', async () => {
      const e = await iamFail('CreateRole', { RoleName: 'b', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: `arn:aws:iam::${ACCOUNT}:policy/none` });
      expect(e.code).toBe('NoSuchEntity');
      await iam('CreateRole', { RoleName: 'b', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: ECR_READONLY });
      const got = (await iam('GetRole', { RoleName: 'b' })) as { Role: Record<string, unknown> };
      expect(got.Role.PermissionsBoundary).toEqual({ PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: ECR_READONLY });
      const p = (await iam('GetPolicy', { PolicyArn: ECR_READONLY })) as { Policy: Record<string, unknown> };
      expect(p.Policy).toMatchObject({ AttachmentCount: 0, PermissionsBoundaryUsageCount: 1 });
    });
  });

  describe('tags', () => {
    beforeEach(async () => {
      await iam('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'app', Value: 'mesh' }] });
    });

    test('TagRole merges case-insensitively; UntagRole removes; ListRoleTags pages', async () => {
      await iam('TagRole', { RoleName: 'r', Tags: [{ Key: 'APP', Value: 'mesh2' }, { Key: 'team', Value: 'core' }] });
      const all = await iam('ListRoleTags', { RoleName: 'r' });
      expect(all.Tags).toEqual([{ Key: 'APP', Value: 'mesh2' }, { Key: 'team', Value: 'core' }]);
      const page = await iam('ListRoleTags', { RoleName: 'r', MaxItems: 1 });
      expect(page).toMatchObject({ Tags: [{ Key: 'APP', Value: 'mesh2' }], IsTruncated: true });
      const rest = await iam('ListRoleTags', { RoleName: 'r', MaxItems: 1, Marker: page.Marker });
      expect(rest).toMatchObject({ Tags: [{ Key: 'team', Value: 'core' }], IsTruncated: false });
      await iam('UntagRole', { RoleName: 'r', TagKeys: ['app'] });
      expect((await iam('ListRoleTags', { RoleName: 'r' })).Tags).toEqual([{ Key: 'team', Value: 'core' }]);
    });

    test('duplicate keys, reserved prefix and the 50-tag limit', async () => {
      const dup = await iamFail('TagRole', { RoleName: 'r', Tags: [{ Key: 'a', Value: '1' }, { Key: 'A', Value: '2' }] });
      expect([dup.code, dup.message]).toEqual(['InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.']);
      expect((await iamFail('TagRole', { RoleName: 'r', Tags: [{ Key: 'aws:x', Value: '1' }] })).code).toBe('InvalidInput');
      const many = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
      await iam('TagRole', { RoleName: 'r', Tags: many });
      const over = await iamFail('TagRole', { RoleName: 'r', Tags: [{ Key: 'one-more', Value: 'v' }] });
      expect(over.code).toBe('LimitExceeded');
      expect(((await iam('ListRoleTags', { RoleName: 'r' })).Tags as object[]).length).toBe(50);
    });
  });

  describe('customer managed policies', () => {
    const arn = `arn:aws:iam::${ACCOUNT}:policy/virtual-node-policy`;

    test('the walkthrough policy: ARN, id, v1 default, counts', async () => {
      const { Policy } = (await iam('CreatePolicy', { PolicyName: 'virtual-node-policy', PolicyDocument: NODE_POLICY })) as { Policy: Record<string, unknown> };
      expect(Policy).toMatchObject({
        PolicyName: 'virtual-node-policy', Arn: arn, Path: '/', DefaultVersionId: 'v1',
        AttachmentCount: 0, PermissionsBoundaryUsageCount: 0, IsAttachable: true,
        CreateDate: Math.floor(h.clock.now), UpdateDate: Math.floor(h.clock.now),
      });
      expect(Policy.PolicyId).toMatch(/^ANPA[A-Z0-9]{17}$/);
      const v = (await iam('GetPolicyVersion', { PolicyArn: arn, VersionId: 'v1' })) as { PolicyVersion: Record<string, unknown> };
      expect(v.PolicyVersion).toMatchObject({ Document: encodeURIComponent(NODE_POLICY), VersionId: 'v1', IsDefaultVersion: true });
    });

    test('names are unique regardless of case; paths are part of the ARN', async () => {
      await iam('CreatePolicy', { PolicyName: 'P', Path: '/team/', PolicyDocument: allow() });
      const dup = await iamFail('CreatePolicy', { PolicyName: 'p', PolicyDocument: allow() });
      expect([dup.code, dup.message]).toEqual(['EntityAlreadyExists', 'A policy called p already exists. Duplicate names are not allowed.']);
      expect((await iam('GetPolicy', { PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/team/P` })).Policy).toMatchObject({ Path: '/team/' });
      const wrongPath = await iamFail('GetPolicy', { PolicyArn: `arn:aws:iam::${ACCOUNT}:policy/P` });
      expect([wrongPath.code, wrongPath.message]).toEqual(['NoSuchEntity', `Policy arn:aws:iam::${ACCOUNT}:policy/P was not found.`]);
      expect((await iamFail('GetPolicy', { PolicyArn: 'not-an-arn-at-all-really' })).code).toBe('InvalidInput');
      expect((await iamFail('GetPolicy', { PolicyArn: 'arn:aws:iam::999999999999:policy/team/P' })).code).toBe('NoSuchEntity');
    });

    test('versions: at most 5, never reused, newest first, default cannot be deleted', async () => {
      await iam('CreatePolicy', { PolicyName: 'virtual-node-policy', PolicyDocument: NODE_POLICY });
      for (let i = 2; i <= 5; i++) {
        const { PolicyVersion } = (await iam('CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: allow({ Sid: `S${i}` }), SetAsDefault: i === 3 })) as { PolicyVersion: Record<string, unknown> };
        expect(PolicyVersion).toEqual({ VersionId: `v${i}`, IsDefaultVersion: i === 3, CreateDate: Math.floor(h.clock.now) });
      }
      const limit = await iamFail('CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: allow() });
      expect(limit.code).toBe('LimitExceeded');
      expect(limit.message).toContain('up to 5 versions');

      const listed = await iam('ListPolicyVersions', { PolicyArn: arn });
      expect((listed.Versions as { VersionId: string }[]).map((v) => v.VersionId)).toEqual(['v5', 'v4', 'v3', 'v2', 'v1']);
      expect((listed.Versions as object[])[0]).not.toHaveProperty('Document');
      expect((await iam('GetPolicy', { PolicyArn: arn })).Policy).toMatchObject({ DefaultVersionId: 'v3' });

      const conflict = await iamFail('DeletePolicyVersion', { PolicyArn: arn, VersionId: 'v3' });
      expect([conflict.code, conflict.message]).toEqual(['DeleteConflict', 'Cannot delete the default version of a policy.']);
      await iam('DeletePolicyVersion', { PolicyArn: arn, VersionId: 'v5' });
      const { PolicyVersion } = (await iam('CreatePolicyVersion', { PolicyArn: arn, PolicyDocument: allow() })) as { PolicyVersion: { VersionId: string } };
      expect(PolicyVersion.VersionId).toBe('v6');
      expect((await iamFail('GetPolicyVersion', { PolicyArn: arn, VersionId: 'v5' })).code).toBe('NoSuchEntity');

      h.clock.now += 60;
      await iam('SetDefaultPolicyVersion', { PolicyArn: arn, VersionId: 'v6' });
      const p = (await iam('GetPolicy', { PolicyArn: arn })) as { Policy: Record<string, unknown> };
      expect(p.Policy).toMatchObject({ DefaultVersionId: 'v6', UpdateDate: Math.floor(h.clock.now) });
      expect((await iamFail('SetDefaultPolicyVersion', { PolicyArn: arn, VersionId: 'v9' })).code).toBe('NoSuchEntity');

      const many = await iamFail('DeletePolicy', { PolicyArn: arn });
      expect(many.code).toBe('DeleteConflict');
      expect(many.message).toContain('more than one version');
      for (const v of ['v1', 'v2', 'v3', 'v4']) await iam('DeletePolicyVersion', { PolicyArn: arn, VersionId: v });
      await iam('DeletePolicy', { PolicyArn: arn });
      expect((await iamFail('GetPolicy', { PolicyArn: arn })).code).toBe('NoSuchEntity');
    });

    test('ListPolicies scopes, OnlyAttached, paging; AWS managed policies are read-only', async () => {
      await iam('CreatePolicy', { PolicyName: 'virtual-node-policy', PolicyDocument: NODE_POLICY });
      const aws = await iam('ListPolicies', { Scope: 'AWS', MaxItems: 1000 });
      const names = (aws.Policies as { PolicyName: string }[]).map((p) => p.PolicyName);
      for (const n of ['AmazonEC2ContainerRegistryReadOnly', 'AWSAppMeshEnvoyAccess', 'AWSAppMeshFullAccess', 'AWSAppMeshReadOnly',
        'AWSAppMeshPreviewEnvoyAccess', 'CloudWatchAgentServerPolicy', 'AWSXRayDaemonWriteAccess',
        'AWSCloudMapDiscoverInstanceAccess', 'AmazonECSTaskExecutionRolePolicy']) {
        expect(names).toContain(n);
      }
      expect(names).not.toContain('virtual-node-policy');
      const local = await iam('ListPolicies', { Scope: 'Local' });
      expect((local.Policies as { PolicyName: string }[]).map((p) => p.PolicyName)).toEqual(['virtual-node-policy']);
      expect((local.Policies as object[])[0]).not.toHaveProperty('Description');

      // Paging through All visits every policy exactly once.
      const seen: string[] = [];
      let marker: unknown;
      do {
        const page = await iam('ListPolicies', { MaxItems: 4, ...(marker ? { Marker: marker } : {}) });
        seen.push(...(page.Policies as { Arn: string }[]).map((p) => p.Arn));
        marker = page.Marker;
      } while (marker);
      expect(seen.length).toBe(MANAGED_POLICIES.length + 1);
      expect(new Set(seen).size).toBe(seen.length);

      await iam('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: TRUST });
      await iam('AttachRolePolicy', { RoleName: 'r', PolicyArn: ECR_READONLY });
      const attached = await iam('ListPolicies', { OnlyAttached: true });
      expect(attached.Policies).toEqual([expect.objectContaining({ Arn: ECR_READONLY, AttachmentCount: 1 })]);

      const ecs = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
      expect((await iam('GetPolicy', { PolicyArn: ecs })).Policy).toMatchObject({ Path: '/service-role/', IsAttachable: true });
      expect((await iamFail('DeletePolicy', { PolicyArn: ECR_READONLY })).code).toBe('InvalidInput');
      expect((await iamFail('CreatePolicyVersion', { PolicyArn: ECR_READONLY, PolicyDocument: allow() })).code).toBe('InvalidInput');
      const doc = (await iam('GetPolicyVersion', { PolicyArn: ECR_READONLY, VersionId: 'v3' })) as { PolicyVersion: { Document: string } };
      expect(JSON.parse(decodeURIComponent(doc.PolicyVersion.Document)).Statement[0].Action).toContain('ecr:BatchGetImage');
    });

    test('every catalogue document is a valid identity policy', () => {
      for (const p of MANAGED_POLICIES) expect(() => validatePolicyDocument(p.document, 'identity')).not.toThrow();
      expect(new Set(MANAGED_POLICIES.map((p) => p.id)).size).toBe(MANAGED_POLICIES.length);
      for (const p of MANAGED_POLICIES) expect(p.id).toMatch(/^ANPA[A-Z0-9]{17}$/);
    });
  });

  describe('attachments', () => {
    const custom = `arn:aws:iam::${ACCOUNT}:policy/virtual-node-policy`;
    beforeEach(async () => {
      await iam('CreateRole', { RoleName: 'mesh-virtual-node-service-b', AssumeRolePolicyDocument: TRUST });
      await iam('CreatePolicy', { PolicyName: 'virtual-node-policy', PolicyDocument: NODE_POLICY });
    });

    test('the walkthrough attachments, listed both ways, and the delete conflicts they cause', async () => {
      const role = 'mesh-virtual-node-service-b';
      expect(await iam('AttachRolePolicy', { RoleName: role, PolicyArn: custom })).toEqual({});
      expect(await iam('AttachRolePolicy', { RoleName: role, PolicyArn: ECR_READONLY })).toEqual({});
      await iam('AttachRolePolicy', { RoleName: role, PolicyArn: ECR_READONLY }); // attaching twice is a no-op

      const listed = await iam('ListAttachedRolePolicies', { RoleName: role });
      expect(listed).toEqual({
        AttachedPolicies: [
          { PolicyName: 'virtual-node-policy', PolicyArn: custom },
          { PolicyName: 'AmazonEC2ContainerRegistryReadOnly', PolicyArn: ECR_READONLY },
        ],
        IsTruncated: false,
      });
      const entities = await iam('ListEntitiesForPolicy', { PolicyArn: ECR_READONLY });
      expect(entities).toMatchObject({ PolicyGroups: [], PolicyUsers: [], PolicyRoles: [{ RoleName: role }], IsTruncated: false });
      expect((await iam('ListEntitiesForPolicy', { PolicyArn: ECR_READONLY, EntityFilter: 'User' })).PolicyRoles).toEqual([]);
      expect((await iam('GetPolicy', { PolicyArn: custom })).Policy).toMatchObject({ AttachmentCount: 1 });

      const delRole = await iamFail('DeleteRole', { RoleName: role });
      expect([delRole.code, delRole.status, delRole.message]).toEqual(['DeleteConflict', 409, 'Cannot delete entity, must detach all policies first.']);
      const delPolicy = await iamFail('DeletePolicy', { PolicyArn: custom });
      expect([delPolicy.code, delPolicy.message]).toEqual(['DeleteConflict', 'Cannot delete a policy attached to entities.']);

      await iam('DetachRolePolicy', { RoleName: role, PolicyArn: custom });
      await iam('DetachRolePolicy', { RoleName: role, PolicyArn: ECR_READONLY });
      const again = await iamFail('DetachRolePolicy', { RoleName: role, PolicyArn: ECR_READONLY });
      expect([again.code, again.message]).toEqual(['NoSuchEntity', `Policy ${ECR_READONLY} was not found.`]);
      await iam('DeletePolicy', { PolicyArn: custom });
      await iam('DeleteRole', { RoleName: role });
      expect((await iam('ListRoles')).Roles).toEqual([]);
    });

    test('unknown and unattachable policies, and the 10-per-role quota', async () => {
      const role = 'mesh-virtual-node-service-b';
      const missing = await iamFail('AttachRolePolicy', { RoleName: role, PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' });
      expect([missing.code, missing.message]).toEqual(['NoSuchEntity', 'Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable.']);
      const svc = await iamFail('AttachRolePolicy', { RoleName: role, PolicyArn: 'arn:aws:iam::aws:policy/aws-service-role/AWSAppMeshServiceRolePolicy' });
      expect(svc.code).toBe('PolicyNotAttachable');
      const attachable = MANAGED_POLICIES.filter((p) => p.attachable).slice(0, 10);
      expect(attachable.length).toBe(10);
      for (const p of attachable) await iam('AttachRolePolicy', { RoleName: role, PolicyArn: p.arn });
      const over = await iamFail('AttachRolePolicy', { RoleName: role, PolicyArn: custom });
      expect([over.code, over.message]).toEqual(['LimitExceeded', 'Cannot exceed quota for PoliciesPerRole: 10.']);
      const page = await iam('ListAttachedRolePolicies', { RoleName: role, MaxItems: 6 });
      const rest = await iam('ListAttachedRolePolicies', { RoleName: role, MaxItems: 6, Marker: page.Marker });
      expect((page.AttachedPolicies as object[]).length + (rest.AttachedPolicies as object[]).length).toBe(10);
      expect(rest.IsTruncated).toBe(false);
    });
  });
});
