// --max-items / --starting-token / --page-size output, token and all, byte for byte as the AWS CLI v2
// prints it (issue 16 item 1): text ends with a `NEXTTOKEN<TAB>token` row and prints each page on
// its own, table and json carry `NextToken` at the top level, the token is base64 of Python's
// json.dumps. Every paginated operation of the three services is compared with the real AWS CLI v2
// (/usr/bin/aws, run in one Python process) against `local serve` over the same store; a fixed
// expectation (real child processes) runs everywhere.

import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { Dispatcher } from '../../src/core/dispatcher';
import { pythonJsonDumps } from '../../src/core/paging-token';
import { getService, type ServiceName } from '../../src/model/services';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { awsCliEnv, awsCliPython, runAwsCliBatch, useVendoredModels } from '../helpers/awscli';
import { cleanupHomes, runBin, runCli, tempHome, type CliResult } from '../helpers/run-cli';

jest.setTimeout(300_000);

/** The arguments each paginated operation needs (the seeded resources below). */
const REQUIRED: Record<string, string[]> = {
  'appmesh ListMeshes': [],
  'appmesh ListVirtualNodes': ['--mesh-name', 'm1'],
  'appmesh ListVirtualRouters': ['--mesh-name', 'm1'],
  'appmesh ListVirtualServices': ['--mesh-name', 'm1'],
  'appmesh ListVirtualGateways': ['--mesh-name', 'm1'],
  'appmesh ListRoutes': ['--mesh-name', 'm1', '--virtual-router-name', 'vr1'],
  'appmesh ListGatewayRoutes': ['--mesh-name', 'm1', '--virtual-gateway-name', 'vg1'],
  'appmesh ListTagsForResource': ['--resource-arn', 'arn:aws:appmesh:us-west-2:111122223333:mesh/m1'],
  'iam ListUsers': [],
  'iam ListRoles': [],
  'iam ListPolicies': ['--scope', 'Local'],
  'iam ListAccessKeys': ['--user-name', 'u1'],
  'iam ListAttachedRolePolicies': ['--role-name', 'r1'],
  'iam ListAttachedUserPolicies': ['--user-name', 'u1'],
  'iam ListEntitiesForPolicy': ['--policy-arn', 'arn:aws:iam::111122223333:policy/p1'],
  'iam ListPolicyVersions': ['--policy-arn', 'arn:aws:iam::111122223333:policy/p1'],
  'iam ListRoleTags': ['--role-name', 'r1'],
  'iam ListUserPolicies': ['--user-name', 'u1'],
  'servicediscovery ListNamespaces': [],
  'servicediscovery ListServices': [],
  'servicediscovery ListOperations': [],
  'servicediscovery ListInstances': ['--service-id', 'SERVICE_ID'],
};

const SERVICES: ServiceName[] = ['appmesh', 'iam', 'servicediscovery', 'sts'];
const PAGINATED = SERVICES.flatMap((service) => Object.values(getService(service).operations)
  .filter((op) => op.paginator)
  .map((op) => ({ service, name: op.name, cli: op.cli })));

const FORMATS = ['text', 'table', 'json'] as const;

let home: string;

/** Three or more of everything every paginated operation lists (two access keys: IAM's limit). */
async function seed(backend: LocalBackend): Promise<string> {
  const d = new Dispatcher(backend, 'us-west-2');
  const listener = { portMapping: { port: 8080, protocol: 'http' as const } };
  for (const m of ['m1', 'm2', 'm3']) await d.call('appmesh', 'CreateMesh', { meshName: m });
  for (const i of [1, 2, 3]) {
    await d.call('appmesh', 'CreateVirtualNode', {
      meshName: 'm1', virtualNodeName: `vn${i}`, spec: { listeners: [listener], serviceDiscovery: { dns: { hostname: `vn${i}.local` } } },
    });
    await d.call('appmesh', 'CreateVirtualService', { meshName: 'm1', virtualServiceName: `vs${i}.local`, spec: {} });
    await d.call('appmesh', 'CreateVirtualRouter', { meshName: 'm1', virtualRouterName: `vr${i}`, spec: { listeners: [listener] } });
    await d.call('appmesh', 'CreateVirtualGateway', { meshName: 'm1', virtualGatewayName: `vg${i}`, spec: { listeners: [listener] } });
  }
  for (const i of [1, 2, 3]) {
    await d.call('appmesh', 'CreateRoute', {
      meshName: 'm1', virtualRouterName: 'vr1', routeName: `r${i}`,
      spec: { httpRoute: { match: { prefix: `/p${i}` }, action: { weightedTargets: [{ virtualNode: 'vn1', weight: i }] } } },
    });
    await d.call('appmesh', 'CreateGatewayRoute', {
      meshName: 'm1', virtualGatewayName: 'vg1', gatewayRouteName: `gr${i}`,
      spec: { httpRoute: { match: { prefix: `/p${i}` }, action: { target: { virtualService: { virtualServiceName: `vs${i}.local` } } } } },
    });
  }
  await d.call('appmesh', 'TagResource', {
    resourceArn: 'arn:aws:appmesh:us-west-2:111122223333:mesh/m1',
    tags: [{ key: 'team', value: 'core' }, { key: 'env', value: 'dev' }, { key: 'tier', value: 'web' }],
  });

  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const policy = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
  for (const i of [1, 2, 3]) {
    await d.call('iam', 'CreateUser', { UserName: `u${i}` });
    await d.call('iam', 'CreateRole', { RoleName: `r${i}`, AssumeRolePolicyDocument: trust, Description: `role ${i}` });
    await d.call('iam', 'CreatePolicy', { PolicyName: `p${i}`, PolicyDocument: policy('appmesh:List*') });
  }
  for (let i = 0; i < 2; i++) await d.call('iam', 'CreateAccessKey', { UserName: 'u1' });
  for (const i of [2, 3]) await d.call('iam', 'CreatePolicyVersion', { PolicyArn: 'arn:aws:iam::111122223333:policy/p1', PolicyDocument: policy(`appmesh:Describe${i}*`) });
  for (const i of [1, 2, 3]) {
    await d.call('iam', 'AttachRolePolicy', { RoleName: 'r1', PolicyArn: `arn:aws:iam::111122223333:policy/p${i}` });
    await d.call('iam', 'AttachUserPolicy', { UserName: 'u1', PolicyArn: `arn:aws:iam::111122223333:policy/p${i}` });
    await d.call('iam', 'PutUserPolicy', { UserName: 'u1', PolicyName: `inline${i}`, PolicyDocument: policy('appmesh:List*') });
  }
  for (const r of ['r2', 'r3']) await d.call('iam', 'AttachRolePolicy', { RoleName: r, PolicyArn: 'arn:aws:iam::111122223333:policy/p1' });
  for (const u of ['u2', 'u3']) await d.call('iam', 'AttachUserPolicy', { UserName: u, PolicyArn: 'arn:aws:iam::111122223333:policy/p1' });
  await d.call('iam', 'TagRole', { RoleName: 'r1', Tags: [{ Key: 'team', Value: 'core' }, { Key: 'env', Value: 'dev' }, { Key: 'tier', Value: 'web' }] });

  const namespaces: string[] = [];
  for (const i of [1, 2, 3]) {
    const op = await d.call('servicediscovery', 'CreateHttpNamespace', { Name: `ns${i}.local` });
    const detail = await d.call('servicediscovery', 'GetOperation', { OperationId: op.OperationId! });
    namespaces.push(detail.Operation!.Targets!.NAMESPACE!);
  }
  let serviceId = '';
  for (const i of [1, 2, 3]) {
    const s = await d.call('servicediscovery', 'CreateService', { Name: `svc${i}`, NamespaceId: namespaces[0] });
    if (i === 1) serviceId = s.Service!.Id!;
  }
  for (const i of [1, 2, 3]) {
    await d.call('servicediscovery', 'RegisterInstance', { ServiceId: serviceId, InstanceId: `i-${i}`, Attributes: { AWS_INSTANCE_IPV4: `10.0.0.${i}`, AWS_INSTANCE_PORT: '8080' } });
  }
  return serviceId;
}

function argsOf(service: string, name: string, cli: string, serviceId: string): string[] {
  const required = REQUIRED[`${service} ${name}`].map((a) => (a === 'SERVICE_ID' ? serviceId : a));
  return [service, cli, ...required];
}

describe('every paginated operation against the real AWS CLI v2', () => {
  const aws = awsCliPython();
  let backend: LocalBackend;
  let server: RunningServer;
  let serviceId: string;

  beforeAll(async () => {
    home = tempHome();
    backend = openLocalBackend({ AWSMESH_HOME: home });
    serviceId = await seed(backend);
    useVendoredModels(home);
    if ('python' in aws) server = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 'test' });
  });

  afterAll(async () => {
    await server?.close();
    await backend?.close();
  });

  /** Each command line through the AWS CLI and through awsmesh: what the AWS CLI printed, and where the two differ. */
  async function compare(python: string, cases: string[][], run = runCli) {
    const theirs = await runAwsCliBatch(python, cases.map((c) => ['--endpoint-url', server.url, ...c]), awsCliEnv(home));
    const ours: CliResult[] = [];
    for (const c of cases) ours.push(await run(c, { home }));
    const mismatches = cases.flatMap((c, i) => (ours[i].stdout !== theirs[i].stdout || ours[i].code !== theirs[i].code
      ? [{ args: c.join(' '), aws: theirs[i], awsmesh: ours[i] }]
      : []));
    return { theirs, mismatches };
  }

  test('the table of required arguments covers every paginated operation of the model', () => {
    expect(PAGINATED.map((o) => `${o.service} ${o.name}`).sort()).toEqual(Object.keys(REQUIRED).sort());
  });

  test('text, table and json: --max-items (mid-page and on a page boundary) and --starting-token', async () => {
    if ('missing' in aws) {
      console.log(`not compared with the AWS CLI: ${aws.missing}`);
      return;
    }
    const cases = PAGINATED.flatMap((o) => FORMATS.flatMap((format) => [
      [...argsOf(o.service, o.name, o.cli, serviceId), '--max-items', '1', '--output', format],
      [...argsOf(o.service, o.name, o.cli, serviceId), '--page-size', '1', '--max-items', '2', '--output', format],
    ]));
    const { theirs, mismatches } = await compare(aws.python, cases);
    expect(mismatches).toEqual([]);
    // Every operation had more to list: each case printed a token (the same one in both), except
    // where there is nothing more: a user has two access keys at most (IAM's limit), and botocore
    // counts --max-items on the first result key only (PolicyGroups; this IAM has no groups).
    const tokenless = cases.filter((c, i) => c.at(-1) === 'json' && typeof JSON.parse(theirs[i].stdout).NextToken !== 'string');
    expect(tokenless.map((c) => c.slice(0, 2).join(' ') + (c.includes('--page-size') ? ' (page size 1)' : ''))).toEqual([
      'iam list-access-keys (page size 1)',
      'iam list-entities-for-policy',
      'iam list-entities-for-policy (page size 1)',
    ]);

    // Resume from the boundary token each printed, to the end, one item per page.
    const resumes = cases.flatMap((c, i) => (c.at(-1) === 'json' && c.includes('--page-size') && !tokenless.includes(c)
      ? FORMATS.map((format) => [...c.slice(0, -5), '--starting-token', JSON.parse(theirs[i].stdout).NextToken, '--page-size', '1', '--output', format])
      : []));
    expect((await compare(aws.python, resumes)).mismatches).toEqual([]);
  });

  test('the CLI binary prints what the AWS CLI prints (child processes, one per service)', async () => {
    if ('missing' in aws) {
      console.log(`not compared with the AWS CLI: ${aws.missing}`);
      return;
    }
    const cases = [['appmesh', 'list-meshes'], ['iam', 'list-policies', '--scope', 'Local'], ['servicediscovery', 'list-namespaces']]
      .flatMap((c) => FORMATS.map((format) => [...c, '--page-size', '1', '--max-items', '2', '--output', format]));
    expect((await compare(aws.python, cases, runBin)).mismatches).toEqual([]);
  });
});

describe('fixed expectations (no AWS CLI needed)', () => {
  // One page of three meshes cut after the first: the token resumes inside that page.
  const TOKEN = Buffer.from('{"nextToken": null, "boto_truncate_amount": 1}').toString('base64');
  let fixedHome: string;

  beforeAll(async () => {
    fixedHome = tempHome();
    const backend = openLocalBackend({ AWSMESH_HOME: fixedHome });
    const d = new Dispatcher(backend, 'us-west-2');
    for (const m of ['a', 'b', 'c']) await d.call('appmesh', 'CreateMesh', { meshName: m });
    await backend.close();
  });

  afterAll(() => cleanupHomes());

  test('the token is base64 of Python\'s json.dumps', () => {
    expect(TOKEN).toBe('eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiAxfQ==');
    expect(pythonJsonDumps({ Marker: 'ü\x7f"', boto_truncate_amount: 2 })).toBe('{"Marker": "\\u00fc\\u007f\\"", "boto_truncate_amount": 2}');
  });

  test('text: the page rows, then a trailing NEXTTOKEN row', async () => {
    const r = await runBin(['appmesh', 'list-meshes', '--max-items', '1', '--output', 'text'], { home: fixedHome });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toEqual([expect.stringMatching(/^MESHES\tarn:aws:appmesh:us-west-2:111122223333:mesh\/a\t/), `NEXTTOKEN\t${TOKEN}`, '']);
  });

  test('table: NextToken as the first row of the title section', async () => {
    const r = await runBin(['appmesh', 'list-meshes', '--max-items', '1', '--output', 'table'], { home: fixedHome });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toMatch(/^\|\s+ListMeshes\s+\|$/);
    expect(lines[3]).toMatch(new RegExp(`^\\|  NextToken\\s*\\|  ${TOKEN.replace(/[+/=]/g, '\\$&')}\\s+\\|$`));
    expect(lines[5]).toMatch(/^\|\|\s+meshes\s+\|\|$/);
  });

  test('json: NextToken after the result list, and --starting-token resumes from it', async () => {
    const r = await runBin(['appmesh', 'list-meshes', '--max-items', '1', '--output', 'json'], { home: fixedHome });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(['meshes', 'NextToken']);
    expect(doc.NextToken).toBe(TOKEN);
    const rest = await runBin(['appmesh', 'list-meshes', '--starting-token', TOKEN, '--query', 'meshes[].meshName', '--output', 'text'], { home: fixedHome });
    expect(rest).toMatchObject({ code: 0, stdout: 'b\tc\n' });
  });

  test('text prints each page on its own; yaml-stream prints the pages as cut', async () => {
    const text = await runCli(['appmesh', 'list-meshes', '--page-size', '2', '--output', 'text'], { home: fixedHome });
    expect(text.stdout.split('\n').map((l) => l.split('\t')[4])).toEqual(['a', 'b', 'c', undefined]);
    const stream = await runCli(['appmesh', 'list-meshes', '--page-size', '2', '--max-items', '3', '--starting-token', TOKEN, '--output', 'yaml-stream'], { home: fixedHome });
    const pages = stream.stdout.split(/^- /m).slice(1);
    expect(pages.map((p) => [...p.matchAll(/meshName: (\w+)/g)].map((m) => m[1]))).toEqual([['b'], ['c']]);
    expect(stream.stdout).not.toContain('NextToken');
  });
});

afterAll(() => cleanupHomes());
