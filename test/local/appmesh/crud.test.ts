import { getService } from '../../../src/model/services';
import { provider } from '../../../src/backends/local/appmesh';
import { ACCOUNT, REGION, openHarness, type Harness } from './harness';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('App Mesh provider: CRUD', (store) => {
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(store);
  });
  afterEach(() => h.close());

  const node = { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: 'b.apps.local' } } };
  const router = { listeners: [{ portMapping: { port: 80, protocol: 'http' } }] };
  const route = (target = 'b') => ({ httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: target, weight: 1 }] } } });
  const gateway = { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] };
  const gatewayRoute = (vs = 'b.apps.local') => ({ httpRoute: { match: { prefix: '/b' }, action: { target: { virtualService: { virtualServiceName: vs } } } } });

  /** One resource of every kind in mesh `apps`. */
  async function populate(): Promise<void> {
    await h.call('CreateMesh', { meshName: 'apps' });
    await h.call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'b', spec: node });
    await h.call('CreateVirtualRouter', { meshName: 'apps', virtualRouterName: 'r', spec: router });
    await h.call('CreateRoute', { meshName: 'apps', virtualRouterName: 'r', routeName: 'x', spec: route() });
    await h.call('CreateVirtualService', { meshName: 'apps', virtualServiceName: 'b.apps.local', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } });
    await h.call('CreateVirtualGateway', { meshName: 'apps', virtualGatewayName: 'g', spec: gateway });
    await h.call('CreateGatewayRoute', { meshName: 'apps', virtualGatewayName: 'g', gatewayRouteName: 'y', spec: gatewayRoute() });
  }

  test('implements exactly the 38 operations of the model', () => {
    const model = Object.keys(getService('appmesh').operations).sort();
    expect(model).toHaveLength(38);
    expect(Object.keys(provider).sort()).toEqual(model);
  });

  describe('create', () => {
    test('CreateMesh returns MeshData: AWS ARN, uuid v4 uid, version 1, ms timestamps, owners, ACTIVE, spec as given', async () => {
      const { mesh } = await h.call('CreateMesh', { meshName: 'apps', spec: {} });
      expect(Object.keys(mesh)).toEqual(['meshName', 'metadata', 'spec', 'status']);
      expect(mesh.meshName).toBe('apps');
      expect(mesh.spec).toEqual({});
      expect(mesh.status).toEqual({ status: 'ACTIVE' });
      expect(Object.keys(mesh.metadata)).toEqual(['arn', 'createdAt', 'lastUpdatedAt', 'meshOwner', 'resourceOwner', 'uid', 'version']);
      expect(mesh.metadata).toMatchObject({
        arn: `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps`, meshOwner: ACCOUNT, resourceOwner: ACCOUNT, version: 1,
      });
      expect(mesh.metadata.uid).toMatch(UUID_V4);
      expect(typeof mesh.metadata.createdAt).toBe('number');
      expect(mesh.metadata.createdAt).toBe(mesh.metadata.lastUpdatedAt);
      expect(Math.round(mesh.metadata.createdAt * 1000)).toBeCloseTo(mesh.metadata.createdAt * 1000, 6);
      expect(mesh.metadata.createdAt % 1).not.toBe(0);
    });

    test('a mesh without a spec gets "spec": {} and no invented defaults', async () => {
      const { mesh } = await h.call('CreateMesh', { meshName: 'apps' });
      expect(mesh.spec).toEqual({});
      const spec = { egressFilter: { type: 'ALLOW_ALL' } };
      const { mesh: m2 } = await h.call('CreateMesh', { meshName: 'other', spec });
      expect(m2.spec).toEqual(spec);
    });

    test('every kind gets its AWS ARN, its name members and a unique uid', async () => {
      await populate();
      const base = `arn:aws:appmesh:${REGION}:${ACCOUNT}:mesh/apps`;
      const described = [
        (await h.call('DescribeMesh', { meshName: 'apps' })).mesh,
        (await h.call('DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'b' })).virtualNode,
        (await h.call('DescribeVirtualRouter', { meshName: 'apps', virtualRouterName: 'r' })).virtualRouter,
        (await h.call('DescribeRoute', { meshName: 'apps', virtualRouterName: 'r', routeName: 'x' })).route,
        (await h.call('DescribeVirtualService', { meshName: 'apps', virtualServiceName: 'b.apps.local' })).virtualService,
        (await h.call('DescribeVirtualGateway', { meshName: 'apps', virtualGatewayName: 'g' })).virtualGateway,
        (await h.call('DescribeGatewayRoute', { meshName: 'apps', virtualGatewayName: 'g', gatewayRouteName: 'y' })).gatewayRoute,
      ];
      expect(described.map((d) => d.metadata.arn)).toEqual([
        base,
        `${base}/virtualNode/b`,
        `${base}/virtualRouter/r`,
        `${base}/virtualRouter/r/route/x`,
        `${base}/virtualService/b.apps.local`,
        `${base}/virtualGateway/g`,
        `${base}/virtualGateway/g/gatewayRoute/y`,
      ]);
      expect(new Set(described.map((d) => d.metadata.uid)).size).toBe(7);
      expect(Object.keys(described[3])).toEqual(['meshName', 'metadata', 'routeName', 'spec', 'status', 'virtualRouterName']);
      expect(Object.keys(described[6])).toEqual(['gatewayRouteName', 'meshName', 'metadata', 'spec', 'status', 'virtualGatewayName']);
      expect(described[6]).toMatchObject({ meshName: 'apps', virtualGatewayName: 'g', gatewayRouteName: 'y' });
    });

    test('a region has its own meshes; ARNs name the region', async () => {
      await h.call('CreateMesh', { meshName: 'apps' });
      const e = await h.fail('DescribeMesh', { meshName: 'apps' }, 'eu-west-1');
      expect(e.code).toBe('NotFoundException');
      const { mesh } = await h.call('CreateMesh', { meshName: 'apps' }, 'eu-west-1');
      expect(mesh.metadata.arn).toBe(`arn:aws:appmesh:eu-west-1:${ACCOUNT}:mesh/apps`);
      const { mesh: cn } = await h.call('CreateMesh', { meshName: 'apps' }, 'cn-north-1');
      expect(cn.metadata.arn).toBe(`arn:aws-cn:appmesh:cn-north-1:${ACCOUNT}:mesh/apps`);
    });

    test('duplicate names are ConflictException (409) in AWS wording; same name in another mesh is fine', async () => {
      await h.call('CreateMesh', { meshName: 'apps' });
      const e = await h.fail('CreateMesh', { meshName: 'apps' });
      expect(e.code).toBe('ConflictException');
      expect(e.status).toBe(409);
      expect(e.message).toBe('Mesh with name apps already exists.');
      await h.call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'b', spec: {} });
      const e2 = await h.fail('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'b', spec: {} });
      expect(e2.code).toBe('ConflictException');
      expect(e2.message).toBe('VirtualNode with name b already exists under mesh apps.');
      await h.call('CreateMesh', { meshName: 'other' });
      await h.call('CreateVirtualNode', { meshName: 'other', virtualNodeName: 'b', spec: {} });
    });

    test('children of a missing mesh, router or gateway are NotFoundException (404)', async () => {
      let e = await h.fail('CreateVirtualNode', { meshName: 'nope', virtualNodeName: 'b', spec: {} });
      expect([e.code, e.status]).toEqual(['NotFoundException', 404]);
      expect(e.message).toBe(`Mesh with name nope is not present for account ${ACCOUNT}`);
      await h.call('CreateMesh', { meshName: 'apps' });
      e = await h.fail('CreateRoute', { meshName: 'apps', virtualRouterName: 'r', routeName: 'x', spec: route() });
      expect(e.message).toBe(`VirtualRouter with name r is not present under mesh apps for account ${ACCOUNT}`);
      e = await h.fail('CreateGatewayRoute', { meshName: 'apps', virtualGatewayName: 'g', gatewayRouteName: 'y', spec: gatewayRoute() });
      expect(e.message).toBe(`VirtualGateway with name g is not present under mesh apps for account ${ACCOUNT}`);
      e = await h.fail('DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'serviceB' });
      expect(e.message).toBe(`VirtualNode with name serviceB is not present under mesh apps for account ${ACCOUNT}`);
    });

    test('names with a slash are refused (they would make ARNs ambiguous)', async () => {
      const e = await h.fail('CreateMesh', { meshName: 'a/b' });
      expect(e.code).toBe('BadRequestException');
      await h.call('CreateMesh', { meshName: 'a' });
      expect((await h.fail('CreateVirtualNode', { meshName: 'a', virtualNodeName: 'virtualNode/x', spec: {} })).code).toBe('BadRequestException');
      expect((await h.call('ListVirtualNodes', { meshName: 'a' })).virtualNodes).toEqual([]);
    });
  });

  describe('meshOwner', () => {
    test('another account is NotFound; the local account works', async () => {
      await populate();
      const e = await h.fail('DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'b', meshOwner: '999988887777' });
      expect(e.code).toBe('NotFoundException');
      expect(e.message).toContain('999988887777');
      expect((await h.fail('DescribeMesh', { meshName: 'apps', meshOwner: '999988887777' })).code).toBe('NotFoundException');
      expect((await h.fail('ListVirtualNodes', { meshName: 'apps', meshOwner: '999988887777' })).code).toBe('NotFoundException');
      expect((await h.fail('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'c', spec: {}, meshOwner: '999988887777' })).code).toBe('NotFoundException');
      const { virtualNode } = await h.call('DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'b', meshOwner: ACCOUNT });
      expect(virtualNode.metadata.meshOwner).toBe(ACCOUNT);
    });
  });

  describe('update', () => {
    test('replaces the whole spec, bumps version by one, moves lastUpdatedAt only, keeps uid and tags', async () => {
      await h.call('CreateMesh', { meshName: 'apps' });
      const created = (await h.call('CreateVirtualNode', {
        meshName: 'apps', virtualNodeName: 'b', spec: node, tags: [{ key: 'team', value: 'core' }],
      })).virtualNode;
      const newSpec = { listeners: [{ portMapping: { port: 9090, protocol: 'grpc' } }] };
      const updated = (await h.call('UpdateVirtualNode', { meshName: 'apps', virtualNodeName: 'b', spec: newSpec })).virtualNode;
      expect(updated.spec).toEqual(newSpec); // serviceDiscovery is gone: the spec was replaced, not merged
      expect(updated.metadata.version).toBe(2);
      expect(updated.metadata.uid).toBe(created.metadata.uid);
      expect(updated.metadata.createdAt).toBe(created.metadata.createdAt);
      expect(updated.metadata.lastUpdatedAt).toBeGreaterThan(created.metadata.lastUpdatedAt);
      const again = (await h.call('UpdateVirtualNode', { meshName: 'apps', virtualNodeName: 'b', spec: newSpec })).virtualNode;
      expect(again.metadata.version).toBe(3);
      const { tags } = await h.call('ListTagsForResource', { resourceArn: created.metadata.arn });
      expect(tags).toEqual([{ key: 'team', value: 'core' }]);
    });

    test('UpdateMesh without a spec sets "spec": {}', async () => {
      await h.call('CreateMesh', { meshName: 'apps', spec: { egressFilter: { type: 'ALLOW_ALL' } } });
      const { mesh } = await h.call('UpdateMesh', { meshName: 'apps' });
      expect(mesh.spec).toEqual({});
      expect(mesh.metadata.version).toBe(2);
    });

    test('updating something missing is NotFound', async () => {
      await h.call('CreateMesh', { meshName: 'apps' });
      expect((await h.fail('UpdateVirtualRouter', { meshName: 'apps', virtualRouterName: 'r', spec: router })).code).toBe('NotFoundException');
      expect((await h.fail('UpdateMesh', { meshName: 'nope' })).code).toBe('NotFoundException');
    });
  });

  describe('delete', () => {
    test('returns the final object with status DELETED; it is gone afterwards', async () => {
      await populate();
      const { gatewayRoute } = await h.call('DeleteGatewayRoute', { meshName: 'apps', virtualGatewayName: 'g', gatewayRouteName: 'y' });
      expect(gatewayRoute.status).toEqual({ status: 'DELETED' });
      expect(gatewayRoute.metadata.version).toBe(1);
      expect((await h.fail('DescribeGatewayRoute', { meshName: 'apps', virtualGatewayName: 'g', gatewayRouteName: 'y' })).code).toBe('NotFoundException');
      expect((await h.fail('DeleteGatewayRoute', { meshName: 'apps', virtualGatewayName: 'g', gatewayRouteName: 'y' })).code).toBe('NotFoundException');
      // Then everything else, in dependency order, down to the mesh.
      await h.call('DeleteVirtualGateway', { meshName: 'apps', virtualGatewayName: 'g' });
      await h.call('DeleteVirtualService', { meshName: 'apps', virtualServiceName: 'b.apps.local' });
      await h.call('DeleteRoute', { meshName: 'apps', virtualRouterName: 'r', routeName: 'x' });
      await h.call('DeleteVirtualRouter', { meshName: 'apps', virtualRouterName: 'r' });
      await h.call('DeleteVirtualNode', { meshName: 'apps', virtualNodeName: 'b' });
      const { mesh } = await h.call('DeleteMesh', { meshName: 'apps' });
      expect(mesh.status.status).toBe('DELETED');
      expect((await h.call('ListMeshes')).meshes).toEqual([]);
    });
  });

  describe('list', () => {
    test('returns *Ref items in name order with the model members', async () => {
      await populate();
      await h.call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'a', spec: {} });
      const { virtualNodes, nextToken } = await h.call('ListVirtualNodes', { meshName: 'apps' });
      expect(nextToken).toBeUndefined();
      expect(virtualNodes.map((n: any) => n.virtualNodeName)).toEqual(['a', 'b']);
      expect(Object.keys(virtualNodes[0])).toEqual(['arn', 'createdAt', 'lastUpdatedAt', 'meshName', 'meshOwner', 'resourceOwner', 'version', 'virtualNodeName']);
      const { routes } = await h.call('ListRoutes', { meshName: 'apps', virtualRouterName: 'r' });
      expect(routes).toEqual([expect.objectContaining({ meshName: 'apps', virtualRouterName: 'r', routeName: 'x', version: 1 })]);
      const { gatewayRoutes } = await h.call('ListGatewayRoutes', { meshName: 'apps', virtualGatewayName: 'g' });
      expect(Object.keys(gatewayRoutes[0])).toEqual(['arn', 'createdAt', 'gatewayRouteName', 'lastUpdatedAt', 'meshName', 'meshOwner', 'resourceOwner', 'version', 'virtualGatewayName']);
      expect((await h.call('ListMeshes')).meshes).toEqual([expect.objectContaining({ meshName: 'apps', arn: expect.stringMatching(/:mesh\/apps$/) })]);
      expect((await h.call('ListVirtualServices', { meshName: 'apps' })).virtualServices).toHaveLength(1);
      expect((await h.call('ListVirtualRouters', { meshName: 'apps' })).virtualRouters).toHaveLength(1);
      expect((await h.call('ListVirtualGateways', { meshName: 'apps' })).virtualGateways).toHaveLength(1);
    });

    test('listing in a missing mesh or router is NotFound', async () => {
      expect((await h.fail('ListVirtualNodes', { meshName: 'nope' })).code).toBe('NotFoundException');
      await h.call('CreateMesh', { meshName: 'apps' });
      expect((await h.fail('ListRoutes', { meshName: 'apps', virtualRouterName: 'nope' })).code).toBe('NotFoundException');
    });
  });
});
