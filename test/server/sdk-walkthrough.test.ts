// The App Mesh EC2 walkthrough (plus IAM and Cloud Map) through the real AWS SDK v3 clients
// against `local serve` over a real LocalBackend, once on SQLite and once on PostgreSQL
// (describeEachStore).

import * as fs from 'fs';
import * as path from 'path';
import {
  AppMeshClient, CreateMeshCommand, CreateRouteCommand, CreateVirtualNodeCommand, CreateVirtualRouterCommand,
  CreateVirtualServiceCommand, DeleteMeshCommand, DescribeMeshCommand, DescribeRouteCommand, DescribeVirtualNodeCommand,
  DescribeVirtualServiceCommand, ListMeshesCommand, ListTagsForResourceCommand, ListVirtualNodesCommand, TagResourceCommand,
  UpdateRouteCommand, UpdateVirtualServiceCommand, type CreateRouteCommandInput, type CreateVirtualNodeCommandInput,
} from '@aws-sdk/client-app-mesh';
import {
  AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import {
  CreatePrivateDnsNamespaceCommand, CreateServiceCommand, DiscoverInstancesCommand, GetNamespaceCommand, GetOperationCommand,
  ListInstancesCommand, RegisterInstanceCommand, ServiceDiscoveryClient,
} from '@aws-sdk/client-servicediscovery';
import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { startServer, type RunningServer } from '../../src/server/http-server';
import { removeDir, tempHome } from './helpers';
import { REFERENCE_WALKTHROUGH } from '../helpers/corpus';
import { describeEachStore } from '../helpers/stores';

const FIXTURES = REFERENCE_WALKTHROUGH;
const fixture = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8')) as T;
const ACCOUNT = '111122223333';
const REGION = 'us-west-2';

describeEachStore('AWS SDK v3 against local serve', (kit) => {
  let home: string;
  let storeUrl: string;
  /** The environment of a process on this store (AWSMESH_HOME, AWSMESH_STORE_URL). */
  let env: NodeJS.ProcessEnv;
  let backend: LocalBackend;
  let server: RunningServer;
  let mesh: AppMeshClient;
  let iam: IAMClient;
  let sd: ServiceDiscoveryClient;
  let sdData: ServiceDiscoveryClient;

  beforeAll(async () => {
    home = tempHome();
    storeUrl = await kit.newUrl({ keep: true });
    env = { AWSMESH_HOME: home, AWSMESH_STORE_URL: storeUrl };
    backend = openLocalBackend({ ...env });
    server = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: REGION, version: 'test' });
    const common = { endpoint: server.url, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
    mesh = new AppMeshClient(common);
    iam = new IAMClient(common);
    sd = new ServiceDiscoveryClient(common);
    // DiscoverInstances has the `data-` host prefix; against a local endpoint it must be turned off.
    sdData = new ServiceDiscoveryClient({ ...common, disableHostPrefix: true });
  });

  afterAll(async () => {
    await server?.close();
    await backend?.close();
    if (storeUrl) await kit.release(storeUrl);
    removeDir(home);
  });

  describe('App Mesh walkthrough', () => {
    test('create the mesh and serviceb.apps.local, then describe the mesh', async () => {
      const created = await mesh.send(new CreateMeshCommand({ meshName: 'apps' }));
      expect(created.mesh).toMatchObject({
        meshName: 'apps',
        metadata: { arn: `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps`, version: 1, meshOwner: ACCOUNT, resourceOwner: ACCOUNT },
        status: { status: 'ACTIVE' },
      });
      // The SDK parses epoch-second timestamps into Dates.
      expect(created.mesh!.metadata!.createdAt).toBeInstanceOf(Date);
      expect(Math.abs(created.mesh!.metadata!.createdAt!.getTime() - Date.now())).toBeLessThan(60_000);

      await mesh.send(new CreateVirtualServiceCommand({ meshName: 'apps', virtualServiceName: 'serviceb.apps.local', spec: {} }));
      const described = await mesh.send(new DescribeMeshCommand({ meshName: 'apps' }));
      expect(described.mesh!.meshName).toBe('apps');
      expect(described.mesh!.metadata!.uid).toBe(created.mesh!.metadata!.uid);
    });

    test('virtual nodes, router and route from the walkthrough files', async () => {
      const nodeB = await mesh.send(new CreateVirtualNodeCommand(fixture<CreateVirtualNodeCommandInput>('create-virtual-node-serviceb.json')));
      expect(nodeB.virtualNode).toMatchObject({
        virtualNodeName: 'serviceB',
        spec: { listeners: [{ portMapping: { port: 80, protocol: 'http2' } }], serviceDiscovery: { dns: { hostname: 'serviceB.apps.local' } } },
        metadata: { arn: `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps/virtualNode/serviceB` },
      });
      await mesh.send(new CreateVirtualRouterCommand(fixture('create-virtual-router.json')));
      const route = await mesh.send(new CreateRouteCommand(fixture<CreateRouteCommandInput>('create-route.json')));
      expect(route.route).toMatchObject({
        routeName: 'serviceB',
        virtualRouterName: 'serviceB',
        spec: { httpRoute: { action: { weightedTargets: [{ virtualNode: 'serviceB', weight: 100 }] }, match: { prefix: '/' } } },
      });
      await mesh.send(new CreateVirtualNodeCommand(fixture('create-virtual-node-servicebv2.json')));
      await mesh.send(new CreateVirtualNodeCommand(fixture('create-virtual-node-servicea.json')));
      const vs = await mesh.send(new UpdateVirtualServiceCommand(fixture('update-virtual-service.json')));
      expect(vs.virtualService!.spec!.provider).toEqual({ virtualRouter: { virtualRouterName: 'serviceB' } });
      expect(vs.virtualService!.metadata!.version).toBe(2);
      const updated = await mesh.send(new UpdateRouteCommand(fixture('update-route.json')));
      expect(updated.route!.spec!.http2Route!.action!.weightedTargets).toEqual([
        { virtualNode: 'serviceB', weight: 75 },
        { virtualNode: 'serviceBv2', weight: 25 },
      ]);
      await mesh.send(new CreateVirtualServiceCommand(fixture('create-virtual-servicea.json')));

      const described = await mesh.send(new DescribeRouteCommand({ meshName: 'apps', virtualRouterName: 'serviceB', routeName: 'serviceB' }));
      expect(described.route!.metadata!.version).toBe(2);
      const svc = await mesh.send(new DescribeVirtualServiceCommand({ meshName: 'apps', virtualServiceName: 'servicea.apps.local' }));
      expect(svc.virtualService!.spec!.provider!.virtualNode!.virtualNodeName).toBe('serviceA');
      const node = await mesh.send(new DescribeVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'serviceA', meshOwner: ACCOUNT }));
      expect(node.virtualNode!.spec!.backends).toEqual([{ virtualService: { virtualServiceName: 'serviceb.apps.local' } }]);
    });

    test('lists page with limit/nextToken, and tags round-trip', async () => {
      const page1 = await mesh.send(new ListVirtualNodesCommand({ meshName: 'apps', limit: 2 }));
      expect(page1.virtualNodes).toHaveLength(2);
      expect(page1.nextToken).toBeTruthy();
      const page2 = await mesh.send(new ListVirtualNodesCommand({ meshName: 'apps', limit: 2, nextToken: page1.nextToken }));
      expect([...page1.virtualNodes!, ...page2.virtualNodes!].map((n) => n.virtualNodeName).sort()).toEqual(['serviceA', 'serviceB', 'serviceBv2']);
      expect(page2.nextToken).toBeUndefined();

      const arn = `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps`;
      await mesh.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'env', value: 'dev' }] }));
      const tags = await mesh.send(new ListTagsForResourceCommand({ resourceArn: arn }));
      expect(tags.tags).toEqual([{ key: 'env', value: 'dev' }]);
      const meshes = await mesh.send(new ListMeshesCommand({}));
      expect(meshes.meshes!.map((m) => m.meshName)).toEqual(['apps']);
    });

    test('errors: 404 NotFoundException, 409 ResourceInUseException, 409 ConflictException, 400 validation', async () => {
      await expect(mesh.send(new DescribeMeshCommand({ meshName: 'missing' }))).rejects.toMatchObject({
        name: 'NotFoundException',
        message: expect.stringContaining('missing'),
        $metadata: { httpStatusCode: 404 },
      });
      await expect(mesh.send(new DeleteMeshCommand({ meshName: 'apps' }))).rejects.toMatchObject({
        name: 'ResourceInUseException',
        $metadata: { httpStatusCode: 409 },
      });
      await expect(mesh.send(new CreateMeshCommand({ meshName: 'apps' }))).rejects.toMatchObject({
        name: 'ConflictException',
        $metadata: { httpStatusCode: 409 },
      });
      const invalid = mesh.send(
        new CreateVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'bad', spec: { listeners: [{ portMapping: { port: 0, protocol: 'http' } }] } }),
      );
      await expect(invalid).rejects.toMatchObject({
        name: 'BadRequestException',
        message: expect.stringMatching(/Parameter validation failed:[\s\S]*spec\.listeners\[0\]\.portMapping\.port/),
        $metadata: { httpStatusCode: 400 },
      });
      // Nothing was created by the invalid request.
      await expect(mesh.send(new DescribeVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'bad' }))).rejects.toMatchObject({ name: 'NotFoundException' });
    });

    test('concurrent requests: distinct creates all succeed, racing creates of one name give one winner', async () => {
      const spec = { listeners: [{ portMapping: { port: 8080, protocol: 'http' as const } }] };
      const distinct = await Promise.allSettled(
        Array.from({ length: 25 }, (_, i) => mesh.send(new CreateVirtualNodeCommand({ meshName: 'apps', virtualNodeName: `load-${i}`, spec }))),
      );
      expect(distinct.filter((r) => r.status === 'fulfilled')).toHaveLength(25);
      const racing = await Promise.allSettled(
        Array.from({ length: 10 }, () => mesh.send(new CreateVirtualNodeCommand({ meshName: 'apps', virtualNodeName: 'contested', spec }))),
      );
      expect(racing.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of racing.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) {
        expect(r.reason).toMatchObject({ name: 'ConflictException', $metadata: { httpStatusCode: 409 } });
      }
      const all = await mesh.send(new ListVirtualNodesCommand({ meshName: 'apps', limit: 100 }));
      expect(all.virtualNodes!.filter((n) => n.virtualNodeName!.startsWith('load-') || n.virtualNodeName === 'contested')).toHaveLength(26);
    });

    test('a write through the server is visible to another process-style backend on the same store, and vice versa', async () => {
      const other = openLocalBackend({ ...env });
      try {
        const seen = await other.invoke('appmesh', 'DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'serviceB' }, { region: REGION });
        expect((seen.virtualNode as { virtualNodeName: string }).virtualNodeName).toBe('serviceB');
        await other.invoke('appmesh', 'CreateMesh', { meshName: 'from-cli' }, { region: REGION });
        const viaServer = await mesh.send(new DescribeMeshCommand({ meshName: 'from-cli' }));
        expect(viaServer.mesh!.status!.status).toBe('ACTIVE');
      } finally {
        await other.close();
      }
    });
  });

  describe('IAM walkthrough', () => {
    const trust = fs.readFileSync(path.join(FIXTURES, 'ec2-trust-relationship.json'), 'utf8');
    const policy = fs.readFileSync(path.join(FIXTURES, 'virtual-node-policy.json'), 'utf8');

    test('create-role, create-policy, attach-role-policy (x2), list attachments', async () => {
      const role = await iam.send(new CreateRoleCommand({ RoleName: 'mesh-virtual-node-service-b', AssumeRolePolicyDocument: trust, Tags: [{ Key: 'app', Value: 'mesh' }] }));
      expect(role.Role).toMatchObject({ RoleName: 'mesh-virtual-node-service-b', Arn: `arn:aws:iam::${ACCOUNT}:role/mesh-virtual-node-service-b`, Path: '/' });
      expect(role.Role!.CreateDate).toBeInstanceOf(Date);
      // IAM sends policy documents URL-encoded; the JS SDK hands them over as they came.
      expect(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!))).toEqual(JSON.parse(trust));

      const created = await iam.send(new CreatePolicyCommand({ PolicyName: 'virtual-node-policy', PolicyDocument: policy }));
      expect(created.Policy!.Arn).toBe(`arn:aws:iam::${ACCOUNT}:policy/virtual-node-policy`);
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'mesh-virtual-node-service-b', PolicyArn: created.Policy!.Arn }));
      await iam.send(new AttachRolePolicyCommand({ RoleName: 'mesh-virtual-node-service-b', PolicyArn: 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly' }));
      const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'mesh-virtual-node-service-b' }));
      expect(attached.AttachedPolicies!.map((p) => p.PolicyName).sort()).toEqual(['AmazonEC2ContainerRegistryReadOnly', 'virtual-node-policy']);
      const got = await iam.send(new GetRoleCommand({ RoleName: 'mesh-virtual-node-service-b' }));
      expect(got.Role!.Tags).toEqual([{ Key: 'app', Value: 'mesh' }]);
    });

    test('errors: EntityAlreadyExists 409, NoSuchEntity 404, validation 400', async () => {
      await expect(iam.send(new CreateRoleCommand({ RoleName: 'mesh-virtual-node-service-b', AssumeRolePolicyDocument: trust }))).rejects.toMatchObject({
        name: 'EntityAlreadyExistsException',
        message: expect.stringContaining('mesh-virtual-node-service-b'),
        $metadata: { httpStatusCode: 409 },
      });
      await expect(iam.send(new GetRoleCommand({ RoleName: 'nobody' }))).rejects.toMatchObject({
        name: 'NoSuchEntityException',
        $metadata: { httpStatusCode: 404 },
      });
      await expect(iam.send(new GetRoleCommand({ RoleName: 'r'.repeat(65) }))).rejects.toMatchObject({
        Code: 'ValidationError',
        message: expect.stringContaining('RoleName'),
        $metadata: { httpStatusCode: 400 },
      });
    });
  });

  describe('Cloud Map: register and discover', () => {
    let namespaceId: string;
    let serviceId: string;

    test('create a private DNS namespace and follow its operation', async () => {
      const created = await sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'apps.local', Vpc: 'vpc-0123456789abcdef0', CreatorRequestId: 'walkthrough-1' }));
      expect(created.OperationId).toBeTruthy();
      const op = await sd.send(new GetOperationCommand({ OperationId: created.OperationId }));
      expect(op.Operation).toMatchObject({ Status: 'SUCCESS', Type: 'CREATE_NAMESPACE' });
      expect(op.Operation!.CreateDate).toBeInstanceOf(Date);
      namespaceId = op.Operation!.Targets!.NAMESPACE!;
      const ns = await sd.send(new GetNamespaceCommand({ Id: namespaceId }));
      expect(ns.Namespace).toMatchObject({ Name: 'apps.local', Type: 'DNS_PRIVATE' });
    });

    test('create a service and register instances', async () => {
      const svc = await sd.send(
        new CreateServiceCommand({ Name: 'serviceb', NamespaceId: namespaceId, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 300 }] }, CreatorRequestId: 'svc-1' }),
      );
      serviceId = svc.Service!.Id!;
      expect(svc.Service).toMatchObject({ Name: 'serviceb', NamespaceId: namespaceId });
      for (const [id, ip, version] of [['b-1', '10.0.0.5', 'v1'], ['b-2', '10.0.0.6', 'v2']]) {
        const reg = await sd.send(
          new RegisterInstanceCommand({ ServiceId: serviceId, InstanceId: id, Attributes: { AWS_INSTANCE_IPV4: ip, AWS_INSTANCE_PORT: '80', version } }),
        );
        expect(reg.OperationId).toBeTruthy();
      }
      const listed = await sd.send(new ListInstancesCommand({ ServiceId: serviceId }));
      expect(listed.Instances!.map((i) => i.Id).sort()).toEqual(['b-1', 'b-2']);
    });

    test('discover-instances (SDK with disableHostPrefix) filters by attributes', async () => {
      const found = await sdData.send(new DiscoverInstancesCommand({ NamespaceName: 'apps.local', ServiceName: 'serviceb', QueryParameters: { version: 'v2' } }));
      expect(found.Instances).toEqual([
        expect.objectContaining({ InstanceId: 'b-2', NamespaceName: 'apps.local', ServiceName: 'serviceb', Attributes: expect.objectContaining({ AWS_INSTANCE_IPV4: '10.0.0.6' }) }),
      ]);
    });

    test('errors: NamespaceNotFound, NamespaceAlreadyExists, InvalidInput (validation)', async () => {
      await expect(sd.send(new GetNamespaceCommand({ Id: 'ns-doesnotexist0000' }))).rejects.toMatchObject({
        name: 'NamespaceNotFound',
        $metadata: { httpStatusCode: 400 },
      });
      await expect(sd.send(new CreatePrivateDnsNamespaceCommand({ Name: 'apps.local', Vpc: 'vpc-0123456789abcdef0', CreatorRequestId: 'other' }))).rejects.toMatchObject({
        name: 'NamespaceAlreadyExists',
        NamespaceId: namespaceId,
      });
      await expect(sd.send(new CreateServiceCommand({ Name: 's'.repeat(200), NamespaceId: namespaceId }))).rejects.toMatchObject({
        name: 'InvalidInput',
        message: expect.stringContaining('Name'),
        $metadata: { httpStatusCode: 400 },
      });
    });
  });
});
