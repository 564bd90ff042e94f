// `awsmesh iam …` as users run it: real `node bin/awsmesh` child processes on a temp AWSMESH_HOME.
// Needs `npm run build` (bin/awsmesh runs dist/).

import * as fs from 'fs';
import * as path from 'path';
import { cleanupHomes, ROOT, runBin, tempHome, WALKTHROUGH } from '../../helpers/run-cli';

const ROLE = 'mesh-virtual-node-service-b';
const CUSTOM = 'arn:aws:iam::111122223333:policy/virtual-node-policy';
const ECR = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly';

let home: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  home = tempHome('awsmesh-iam-cli-');
});
afterAll(cleanupHomes);

/** Runs in the walkthrough directory, where its file:// paths point. */
const aws = (...args: string[]) => runBin(args, { home, cwd: WALKTHROUGH });

describe('the EC2 walkthrough IAM steps, verbatim', () => {
  test('create-role with ec2-trust-relationship.json prints the role with the document as JSON', async () => {
    const r = await aws('iam', 'create-role', '--role-name', ROLE, '--assume-role-policy-document', 'file://ec2-trust-relationship.json');
    expect([r.code, r.stderr]).toEqual([0, '']);
    const { Role } = JSON.parse(r.stdout);
    expect(Role).toMatchObject({ Path: '/', RoleName: ROLE, Arn: `arn:aws:iam::111122223333:role/${ROLE}` });
    expect(Role.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(Role.CreateDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(Role.AssumeRolePolicyDocument).toEqual(JSON.parse(fs.readFileSync(path.join(WALKTHROUGH, 'ec2-trust-relationship.json'), 'utf8')));
  });

  test('create-policy with virtual-node-policy.json', async () => {
    const r = await aws('iam', 'create-policy', '--policy-name', 'virtual-node-policy', '--policy-document', 'file://virtual-node-policy.json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).Policy).toMatchObject({ Arn: CUSTOM, DefaultVersionId: 'v1', AttachmentCount: 0, IsAttachable: true });
  });

  test('attach-role-policy twice prints nothing; the attachments are listed', async () => {
    for (const arn of [CUSTOM, ECR]) {
      const r = await aws('iam', 'attach-role-policy', '--policy-arn', arn, '--role-name', ROLE);
      expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    }
    const listed = await aws('iam', 'list-attached-role-policies', '--role-name', ROLE, '--query', 'AttachedPolicies[].PolicyName', '--output', 'text');
    expect(listed.stdout).toBe('virtual-node-policy\tAmazonEC2ContainerRegistryReadOnly\n');
  });
});

describe('errors and exit codes', () => {
  test('254 with IAM codes and messages', async () => {
    const again = await aws('iam', 'create-role', '--role-name', ROLE, '--assume-role-policy-document', 'file://ec2-trust-relationship.json');
    expect(again.code).toBe(254);
    expect(again.stderr).toBe(`\nAn error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name ${ROLE} already exists.\n`);
    const conflict = await aws('iam', 'delete-role', '--role-name', ROLE);
    expect(conflict.code).toBe(254);
    expect(conflict.stderr).toContain('(DeleteConflict) when calling the DeleteRole operation: Cannot delete entity, must detach all policies first.');
    const malformed = await aws('iam', 'create-policy', '--policy-name', 'p2', '--policy-document', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}');
    expect(malformed.code).toBe(254);
    expect(malformed.stderr).toContain('(MalformedPolicyDocument) when calling the CreatePolicy operation: Policy statement must contain resources');
    const bad = await aws('iam', 'get-role', '--role-name', 'bad name');
    expect(bad.code).toBe(254);
    expect(bad.stderr).toContain("(ValidationError) when calling the GetRole operation: 1 validation error detected: Value 'bad name' at 'roleName'");
  });

  test('252 for input the CLI rejects; nothing is created', async () => {
    const r = await aws('iam', 'create-role', '--role-name', 'r');
    expect(r.code).toBe(252);
    const roles = await aws('iam', 'list-roles', '--query', 'Roles[].RoleName', '--output', 'text');
    expect(roles.stdout).toBe(`${ROLE}\n`);
  });
});

describe('reading back', () => {
  test('get-policy-version shows the document; list-policies --scope AWS lists the managed catalogue', async () => {
    const v = await aws('iam', 'get-policy-version', '--policy-arn', CUSTOM, '--version-id', 'v1', '--query', 'PolicyVersion.Document.Statement[0].Resource[0]', '--output', 'text');
    expect(v.stdout).toBe('arn:aws:appmesh:us-west-2:111122223333:mesh/apps/virtualNode/serviceB\n');
    const aws1 = await aws('iam', 'list-policies', '--scope', 'AWS', '--query', "Policies[?PolicyName=='AWSAppMeshEnvoyAccess'].Arn", '--output', 'text');
    expect(aws1.stdout).toBe('arn:aws:iam::aws:policy/AWSAppMeshEnvoyAccess\n');
    const entities = await aws('iam', 'list-entities-for-policy', '--policy-arn', ECR, '--query', 'PolicyRoles[].RoleName', '--output', 'text');
    expect(entities.stdout).toBe(`${ROLE}\n`);
  });

  test('--max-items pages through ListRoles with the CLI\'s NextToken', async () => {
    await aws('iam', 'create-role', '--role-name', 'second', '--path', '/x/', '--assume-role-policy-document', 'file://ec2-trust-relationship.json');
    const first = JSON.parse((await aws('iam', 'list-roles', '--max-items', '1')).stdout);
    expect(first.Roles.map((r: { RoleName: string }) => r.RoleName)).toEqual([ROLE]);
    expect(typeof first.NextToken).toBe('string');
    const second = JSON.parse((await aws('iam', 'list-roles', '--max-items', '1', '--starting-token', first.NextToken)).stdout);
    expect(second.Roles.map((r: { RoleName: string }) => r.RoleName)).toEqual(['second']);
    expect(second.NextToken).toBeUndefined();
  });
});
