// The walkthrough driven by the real AWS CLI v2 (/usr/bin/aws; plain `aws` on PATH may be v1)
// against `local serve`, once on SQLite and once on PostgreSQL (describeEachStore). Without
// /usr/bin/aws each test only logs why it did nothing (install it with `apt-get install -y awscli`).

import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { removeDir, tempHome } from './helpers';
import { REFERENCE_WALKTHROUGH } from '../helpers/corpus';
import { describeEachStore } from '../helpers/stores';

const AWS = '/usr/bin/aws';
const HAVE_AWS = fs.existsSync(AWS);
const awsTest = HAVE_AWS
  ? test
  : (name: string, _fn: () => Promise<void>) => test(name, () => console.log(`not run: ${AWS} is not installed (apt-get install -y awscli)`));

const FIXTURES = REFERENCE_WALKTHROUGH;
const file = (name: string) => `file://${path.join(FIXTURES, name)}`;

describeEachStore('the AWS CLI against local serve', (kit) => {
  let home: string;
  let storeUrl: string;
  let backend: LocalBackend;
  let server: RunningServer;
  let env: NodeJS.ProcessEnv;

  interface AwsResult {
    code: number;
    stdout: string;
    stderr: string;
  }

  /** Runs the real AWS CLI asynchronously (the server answers from this same process). */
  function aws(...args: string[]): Promise<AwsResult> {
    return new Promise((resolve) => {
      execFile(AWS, ['--endpoint-url', server.url, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 255) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  async function awsJson(...args: string[]): Promise<Record<string, any>> {
    const r = await aws(...args);
    if (r.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : {};
  }

  beforeAll(async () => {
    if (!HAVE_AWS) return;
    home = tempHome();
    storeUrl = await kit.newUrl({ keep: true });
    backend = openLocalBackend({ AWSMESH_HOME: home, AWSMESH_STORE_URL: storeUrl });
    server = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 'test' });
    env = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_DEFAULT_REGION: 'us-west-2',
      AWS_CONFIG_FILE: path.join(home, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'aws-credentials'),
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  });

  afterAll(async () => {
    await server?.close();
    await backend?.close();
    if (storeUrl) await kit.release(storeUrl);
    removeDir(home);
  });

  jest.setTimeout(120_000);

  awsTest('App Mesh walkthrough: create, describe, update, list', async () => {
    const created = await awsJson('appmesh', 'create-mesh', '--mesh-name', 'apps');
    expect(created.mesh).toMatchObject({ meshName: 'apps', metadata: { version: 1, meshOwner: '111122223333' }, status: { status: 'ACTIVE' } });
    // Epoch seconds on the wire, printed by the CLI as ISO 8601.
    expect(created.mesh.metadata.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$/);

    await awsJson('appmesh', 'create-virtual-service', '--mesh-name', 'apps', '--virtual-service-name', 'serviceb.apps.local', '--spec', '{}');
    const nodeB = await awsJson('appmesh', 'create-virtual-node', '--cli-input-json', file('create-virtual-node-serviceb.json'));
    expect(nodeB.virtualNode.spec.serviceDiscovery.dns.hostname).toBe('serviceB.apps.local');
    await awsJson('appmesh', 'create-virtual-router', '--cli-input-json', file('create-virtual-router.json'));
    const route = await awsJson('appmesh', 'create-route', '--cli-input-json', file('create-route.json'));
    expect(route.route.spec.httpRoute.action.weightedTargets).toEqual([{ virtualNode: 'serviceB', weight: 100 }]);
    await awsJson('appmesh', 'create-virtual-node', '--cli-input-json', file('create-virtual-node-servicebv2.json'));
    await awsJson('appmesh', 'create-virtual-node', '--cli-input-json', file('create-virtual-node-servicea.json'));
    await awsJson('appmesh', 'update-virtual-service', '--cli-input-json', file('update-virtual-service.json'));
    const updated = await awsJson('appmesh', 'update-route', '--cli-input-json', file('update-route.json'));
    expect(updated.route.metadata.version).toBe(2);
    expect(updated.route.spec.http2Route.action.weightedTargets).toEqual([
      { virtualNode: 'serviceB', weight: 75 },
      { virtualNode: 'serviceBv2', weight: 25 },
    ]);
    await awsJson('appmesh', 'create-virtual-service', '--cli-input-json', file('create-virtual-servicea.json'));

    const [mesh, vs, vn, routeText] = await Promise.all([
      awsJson('appmesh', 'describe-mesh', '--mesh-name', 'apps'),
      awsJson('appmesh', 'describe-virtual-service', '--mesh-name', 'apps', '--virtual-service-name', 'serviceb.apps.local'),
      awsJson('appmesh', 'describe-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'serviceA'),
      aws('appmesh', 'describe-route', '--mesh-name', 'apps', '--virtual-router-name', 'serviceB', '--route-name', 'serviceB',
        '--query', 'route.spec.http2Route.action.weightedTargets[].[virtualNode,weight]', '--output', 'text'),
    ]);
    expect(mesh.mesh.metadata.arn).toBe('arn:aws:appmesh:us-west-2:111122223333:mesh/apps');
    expect(vs.virtualService.spec.provider).toEqual({ virtualRouter: { virtualRouterName: 'serviceB' } });
    expect(vn.virtualNode.spec.backends).toEqual([{ virtualService: { virtualServiceName: 'serviceb.apps.local' } }]);
    expect(routeText).toMatchObject({ code: 0, stdout: 'serviceB\t75\nserviceBv2\t25\n' });

    // --page-size 1: the CLI follows our nextToken to the end and merges the pages.
    const nodes = await awsJson('appmesh', 'list-virtual-nodes', '--mesh-name', 'apps', '--page-size', '1');
    expect(nodes.virtualNodes.map((n: { virtualNodeName: string }) => n.virtualNodeName).sort()).toEqual(['serviceA', 'serviceB', 'serviceBv2']);
    expect(nodes).not.toHaveProperty('nextToken');
  });

  awsTest('App Mesh errors reach the CLI as 254 with the code and message', async () => {
    const missing = await aws('appmesh', 'describe-mesh', '--mesh-name', 'missing');
    expect(missing.code).toBe(254);
    expect(missing.stderr).toMatch(/An error occurred \(NotFoundException\) when calling the DescribeMesh operation: .*missing/);

    const inUse = await aws('appmesh', 'delete-mesh', '--mesh-name', 'apps');
    expect(inUse.code).toBe(254);
    expect(inUse.stderr).toContain('An error occurred (ResourceInUseException) when calling the DeleteMesh operation:');

    // botocore does not check enums; the server's schema validation does.
    const spec = JSON.stringify({ listeners: [{ portMapping: { port: 80, protocol: 'smtp' } }] });
    const invalid = await aws('appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'bad', '--spec', spec);
    expect(invalid.code).toBe(254);
    expect(invalid.stderr).toMatch(/An error occurred \(BadRequestException\) when calling the CreateVirtualNode operation: Parameter validation failed:\n.*spec\.listeners\[0\]\.portMapping\.protocol/);
  });

  awsTest('IAM walkthrough: role, policy, attachments; XML errors', async () => {
    const role = await awsJson('iam', 'create-role', '--role-name', 'mesh-virtual-node-service-b', '--assume-role-policy-document', file('ec2-trust-relationship.json'));
    expect(role.Role).toMatchObject({ RoleName: 'mesh-virtual-node-service-b', Arn: 'arn:aws:iam::111122223333:role/mesh-virtual-node-service-b', Path: '/' });
    // The CLI URL-decodes the policy and prints it as JSON, as with real IAM.
    expect(role.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'ec2-trust-relationship.json'), 'utf8')));
    const policy = await awsJson('iam', 'create-policy', '--policy-name', 'virtual-node-policy', '--policy-document', file('virtual-node-policy.json'));
    expect(policy.Policy.Arn).toBe('arn:aws:iam::111122223333:policy/virtual-node-policy');

    const attach1 = await aws('iam', 'attach-role-policy', '--policy-arn', 'arn:aws:iam::111122223333:policy/virtual-node-policy', '--role-name', 'mesh-virtual-node-service-b');
    const attach2 = await aws('iam', 'attach-role-policy', '--policy-arn', 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly', '--role-name', 'mesh-virtual-node-service-b');
    expect([attach1, attach2]).toEqual([{ code: 0, stdout: '', stderr: '' }, { code: 0, stdout: '', stderr: '' }]);
    const attached = await awsJson('iam', 'list-attached-role-policies', '--role-name', 'mesh-virtual-node-service-b');
    expect(attached.AttachedPolicies.map((p: { PolicyName: string }) => p.PolicyName).sort()).toEqual(['AmazonEC2ContainerRegistryReadOnly', 'virtual-node-policy']);

    const again = await aws('iam', 'create-role', '--role-name', 'mesh-virtual-node-service-b', '--assume-role-policy-document', file('ec2-trust-relationship.json'));
    expect(again.code).toBe(254);
    expect(again.stderr).toContain('An error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name mesh-virtual-node-service-b already exists.');
  });

  awsTest('Cloud Map: namespace, service, instances, discover-instances (hosts-entry workaround); JSON 1.1 errors', async () => {
    const created = await awsJson('servicediscovery', 'create-private-dns-namespace', '--name', 'apps.local', '--vpc', 'vpc-0123456789abcdef0');
    const op = await awsJson('servicediscovery', 'get-operation', '--operation-id', created.OperationId);
    expect(op.Operation).toMatchObject({ Status: 'SUCCESS', Type: 'CREATE_NAMESPACE' });
    const namespaceId: string = op.Operation.Targets.NAMESPACE;
    const svc = await awsJson('servicediscovery', 'create-service', '--name', 'serviceb', '--namespace-id', namespaceId, '--dns-config', 'DnsRecords=[{Type=A,TTL=300}]');
    expect(svc.Service).toMatchObject({ Name: 'serviceb', NamespaceId: namespaceId });
    const reg = await awsJson('servicediscovery', 'register-instance', '--service-id', svc.Service.Id, '--instance-id', 'b-1', '--attributes', 'AWS_INSTANCE_IPV4=10.0.0.5,AWS_INSTANCE_PORT=80');
    expect(reg.OperationId).toBeTruthy();
    const listed = await aws('servicediscovery', 'list-instances', '--service-id', svc.Service.Id, '--query', 'Instances[].[Id,Attributes.AWS_INSTANCE_IPV4]', '--output', 'text');
    expect(listed).toMatchObject({ code: 0, stdout: 'b-1\t10.0.0.5\n' });

    // discover-instances goes to `data-<host>`: the README's hosts-entry workaround, with the entry
    // simulated inside the CLI's Python process (data-localhost -> 127.0.0.1) instead of /etc/hosts.
    const launcher = path.join(home, 'aws-with-hosts-entry.py');
    fs.writeFileSync(
      launcher,
      [
        'import runpy, socket, sys',
        'real = socket.getaddrinfo',
        "socket.getaddrinfo = lambda host, *a, **k: real('127.0.0.1' if host == 'data-localhost' else host, *a, **k)",
        `sys.argv[0] = '${AWS}'`,
        `runpy.run_path('${AWS}', run_name='__main__')`,
      ].join('\n'),
    );
    const discovered = await new Promise<AwsResult>((resolve) => {
      const endpoint = `http://localhost:${server.port}`;
      const args = [launcher, '--endpoint-url', endpoint, 'servicediscovery', 'discover-instances', '--namespace-name', 'apps.local', '--service-name', 'serviceb'];
      execFile('/usr/bin/python3', args, { env, timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code) || 255 : 0, stdout, stderr }));
    });
    expect(discovered.code).toBe(0);
    expect(JSON.parse(discovered.stdout).Instances).toEqual([
      { InstanceId: 'b-1', NamespaceName: 'apps.local', ServiceName: 'serviceb', HealthStatus: expect.any(String), Attributes: { AWS_INSTANCE_IPV4: '10.0.0.5', AWS_INSTANCE_PORT: '80' } },
    ]);

    const missing = await aws('servicediscovery', 'get-namespace', '--id', 'ns-doesnotexist0000');
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('An error occurred (NamespaceNotFound) when calling the GetNamespace operation:');
  });
});
