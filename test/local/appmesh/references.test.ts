// NotFound for missing references, ResourceInUse for deletes that would break them, and the
// BadRequest rules (port matches, target ports, reserved gateway-route names).

import { ACCOUNT, openHarness, type Harness } from './harness';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('App Mesh provider: references', (store) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(store);
    await h.call('CreateMesh', { meshName: 'apps' });
  });
  afterEach(() => h.close());

  const M = { meshName: 'apps' };
  const listeners = (...ports: number[]) => ports.map((port) => ({ portMapping: { port, protocol: 'http' } }));
  const httpRoute = (targets: object[], match: object = { prefix: '/' }) => ({ httpRoute: { match, action: { weightedTargets: targets } } });
  const gwRoute = (vs: string, match: object = { prefix: '/' }) => ({ httpRoute: { match, action: { target: { virtualService: { virtualServiceName: vs } } } } });

  async function changeSeq(): Promise<number> {
    return h.backend.store.changeSeq();
  }

  describe('references that must exist (NotFoundException)', () => {
    test('virtual service providers: node and router', async () => {
      let e = await h.fail('CreateVirtualService', { ...M, virtualServiceName: 's', spec: { provider: { virtualNode: { virtualNodeName: 'n' } } } });
      expect([e.code, e.status, e.message]).toEqual(['NotFoundException', 404, 'VirtualNode with name n is missing']);
      e = await h.fail('CreateVirtualService', { ...M, virtualServiceName: 's', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } });
      expect(e.message).toBe('VirtualRouter with name r is missing');
      await h.call('CreateVirtualService', { ...M, virtualServiceName: 's', spec: {} });
      e = await h.fail('UpdateVirtualService', { ...M, virtualServiceName: 's', spec: { provider: { virtualNode: { virtualNodeName: 'n' } } } });
      expect(e.code).toBe('NotFoundException');
      const { virtualService } = await h.call('DescribeVirtualService', { ...M, virtualServiceName: 's' });
      expect(virtualService.metadata.version).toBe(1); // the failed update changed nothing
    });

    test('route weighted targets', async () => {
      await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners: listeners(80) } });
      await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: {} });
      const before = await changeSeq();
      const e = await h.fail('CreateRoute', {
        ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'a', weight: 50 }, { virtualNode: 'product-v2-vn', weight: 50 }]),
      });
      expect([e.code, e.message]).toEqual(['NotFoundException', 'VirtualNode with name product-v2-vn is missing']);
      expect(await changeSeq()).toBe(before);
      expect((await h.call('ListRoutes', { ...M, virtualRouterName: 'r' })).routes).toEqual([]);
    });

    test('gateway route target virtual service', async () => {
      await h.call('CreateVirtualGateway', { ...M, virtualGatewayName: 'g', spec: { listeners: listeners(8080) } });
      const e = await h.fail('CreateGatewayRoute', { ...M, virtualGatewayName: 'g', gatewayRouteName: 'y', spec: gwRoute('nope.apps.local') });
      expect([e.code, e.message]).toEqual(['NotFoundException', 'VirtualService with name nope.apps.local is missing']);
    });

    test('node backends are not validated (App Mesh allows cycles)', async () => {
      const { virtualNode } = await h.call('CreateVirtualNode', {
        ...M, virtualNodeName: 'a', spec: { backends: [{ virtualService: { virtualServiceName: 'not-yet.apps.local' } }] },
      });
      expect(virtualNode.spec.backends).toHaveLength(1);
    });
  });

  describe('deletes refused while in use (ResourceInUseException)', () => {
    test('a mesh with resources names the kind to delete first', async () => {
      await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: {} });
      let e = await h.fail('DeleteMesh', M);
      expect([e.code, e.status]).toEqual(['ResourceInUseException', 409]);
      expect(e.message).toBe(`Mesh apps for account ${ACCOUNT} has active VirtualNodes, please delete VirtualNodes before deleting the Mesh`);
      await h.call('CreateVirtualService', { ...M, virtualServiceName: 's', spec: {} });
      e = await h.fail('DeleteMesh', M);
      expect(e.message).toContain('has active VirtualServices');
      await h.call('CreateVirtualGateway', { ...M, virtualGatewayName: 'g', spec: { listeners: listeners(80) } });
      expect((await h.fail('DeleteMesh', M)).message).toContain('has active VirtualGateways');
      await h.call('DeleteVirtualGateway', { ...M, virtualGatewayName: 'g' });
      await h.call('DeleteVirtualService', { ...M, virtualServiceName: 's' });
      await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: {} });
      expect((await h.fail('DeleteMesh', M)).message).toContain('has active VirtualRouters');
      await h.call('DeleteVirtualRouter', { ...M, virtualRouterName: 'r' });
      await h.call('DeleteVirtualNode', { ...M, virtualNodeName: 'a' });
      await h.call('DeleteMesh', M);
    });

    test('a router with routes, or that provides a virtual service', async () => {
      await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: {} });
      await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners: listeners(80) } });
      await h.call('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'a', weight: 1 }]) });
      await h.call('CreateVirtualService', { ...M, virtualServiceName: 's', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } });
      let e = await h.fail('DeleteVirtualRouter', { ...M, virtualRouterName: 'r' });
      expect(e.code).toBe('ResourceInUseException');
      expect(e.message).toBe('VirtualRouter r in mesh apps has active Routes, please delete Routes before deleting the VirtualRouter');
      await h.call('DeleteRoute', { ...M, virtualRouterName: 'r', routeName: 'x' });
      e = await h.fail('DeleteVirtualRouter', { ...M, virtualRouterName: 'r' });
      expect(e.message).toBe('VirtualRouter with name r cannot be deleted because it is a VirtualService provider');
      // Re-pointing the service releases the router: references follow updates.
      await h.call('UpdateVirtualService', { ...M, virtualServiceName: 's', spec: { provider: { virtualNode: { virtualNodeName: 'a' } } } });
      await h.call('DeleteVirtualRouter', { ...M, virtualRouterName: 'r' });
      e = await h.fail('DeleteVirtualNode', { ...M, virtualNodeName: 'a' });
      expect(e.message).toBe('VirtualNode with name a cannot be deleted because it is a VirtualService provider');
    });

    test('a node that is a route target', async () => {
      await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: {} });
      await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'b', spec: {} });
      await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners: listeners(80) } });
      await h.call('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'a', weight: 1 }, { virtualNode: 'b', weight: 1 }]) });
      await h.call('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'y', spec: httpRoute([{ virtualNode: 'a', weight: 1 }], { prefix: '/y' }) });
      const e = await h.fail('DeleteVirtualNode', { ...M, virtualNodeName: 'a' });
      expect([e.code, e.message]).toEqual(['ResourceInUseException', 'VirtualNode a is being referenced in the following: ROUTE: [r/x, r/y]']);
      await h.call('UpdateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'b', weight: 1 }]) });
      await h.call('DeleteRoute', { ...M, virtualRouterName: 'r', routeName: 'y' });
      await h.call('DeleteVirtualNode', { ...M, virtualNodeName: 'a' });
      expect((await h.fail('DeleteVirtualNode', { ...M, virtualNodeName: 'b' })).code).toBe('ResourceInUseException');
    });

    test('a gateway with gateway routes; a virtual service a gateway route targets', async () => {
      await h.call('CreateVirtualService', { ...M, virtualServiceName: 's', spec: {} });
      await h.call('CreateVirtualGateway', { ...M, virtualGatewayName: 'g', spec: { listeners: listeners(8080) } });
      await h.call('CreateGatewayRoute', { ...M, virtualGatewayName: 'g', gatewayRouteName: 'y', spec: gwRoute('s') });
      let e = await h.fail('DeleteVirtualGateway', { ...M, virtualGatewayName: 'g' });
      expect(e.message).toBe('VirtualGateway g in mesh apps has active GatewayRoutes, please delete GatewayRoutes before deleting the VirtualGateway');
      e = await h.fail('DeleteVirtualService', { ...M, virtualServiceName: 's' });
      expect([e.code, e.message]).toEqual(['ResourceInUseException', 'VirtualService s is being referenced in the following: GATEWAY_ROUTE: [g/y]']);
      await h.call('DeleteGatewayRoute', { ...M, virtualGatewayName: 'g', gatewayRouteName: 'y' });
      await h.call('DeleteVirtualService', { ...M, virtualServiceName: 's' });
      await h.call('DeleteVirtualGateway', { ...M, virtualGatewayName: 'g' });
    });

    test('a virtual service named as a node backend can be deleted', async () => {
      await h.call('CreateVirtualService', { ...M, virtualServiceName: 's', spec: {} });
      await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: { backends: [{ virtualService: { virtualServiceName: 's' } }] } });
      await h.call('DeleteVirtualService', { ...M, virtualServiceName: 's' });
    });
  });

  describe('BadRequestException rules', () => {
    beforeEach(async () => {
      await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'one', spec: { listeners: listeners(8080) } });
      await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'two', spec: { listeners: listeners(5555, 6666) } });
    });

    test('routes need a port match when the router has several listeners, and it must be a listener port', async () => {
      await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'multi', spec: { listeners: listeners(3333, 4444) } });
      let e = await h.fail('CreateRoute', { ...M, virtualRouterName: 'multi', routeName: 'x', spec: httpRoute([{ virtualNode: 'one', weight: 1 }]) });
      expect([e.code, e.status, e.message]).toEqual(['BadRequestException', 400, 'Route must define a port match criteria if the Virtual Router has multiple listeners']);
      e = await h.fail('CreateRoute', { ...M, virtualRouterName: 'multi', routeName: 'x', spec: httpRoute([{ virtualNode: 'one', weight: 1 }], { prefix: '/', port: 9999 }) });
      expect(e.code).toBe('BadRequestException');
      expect(e.message).toContain('port 9999');
      // tcp routes obey the same rule through their optional match.
      e = await h.fail('CreateRoute', { ...M, virtualRouterName: 'multi', routeName: 't', spec: { tcpRoute: { action: { weightedTargets: [{ virtualNode: 'one', weight: 1 }] } } } });
      expect(e.message).toContain('must define a port match');
      await h.call('CreateRoute', { ...M, virtualRouterName: 'multi', routeName: 'x', spec: httpRoute([{ virtualNode: 'one', weight: 1 }], { prefix: '/', port: 3333 }) });
      await h.call('CreateRoute', { ...M, virtualRouterName: 'multi', routeName: 't', spec: { tcpRoute: { match: { port: 4444 }, action: { weightedTargets: [{ virtualNode: 'one', weight: 1 }] } } } });
    });

    test('weighted target ports must name a listener of the node; required when it has several', async () => {
      await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners: listeners(3333) } });
      let e = await h.fail('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'two', weight: 1 }]) });
      expect(e.code).toBe('BadRequestException');
      expect(e.message).toContain('multiple listeners');
      e = await h.fail('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'one', weight: 1, port: 1234 }]) });
      expect(e.message).toContain('port 1234');
      await h.call('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'two', weight: 1, port: 5555 }]) });
    });

    test('a router update must keep every route matchable', async () => {
      await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners: listeners(3333) } });
      await h.call('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'one', weight: 1 }]) });
      let e = await h.fail('UpdateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners: listeners(3333, 4444) } });
      expect([e.code, e.message]).toEqual(['BadRequestException', 'All Routes for this Virtual Router must define a port match criteria if the Virtual Router has multiple listeners (x does not)']);
      await h.call('UpdateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: httpRoute([{ virtualNode: 'one', weight: 1 }], { prefix: '/', port: 3333 }) });
      e = await h.fail('UpdateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners: listeners(4444) } });
      expect(e.message).toContain('Route x matches port 3333');
      const { virtualRouter } = await h.call('UpdateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners: listeners(3333, 4444) } });
      expect(virtualRouter.metadata.version).toBe(2);
    });

    test('gateway routes: port match with several listeners, reserved prefixes and gRPC service names', async () => {
      await h.call('CreateVirtualService', { ...M, virtualServiceName: 's', spec: {} });
      await h.call('CreateVirtualGateway', { ...M, virtualGatewayName: 'g', spec: { listeners: listeners(1111, 2222) } });
      const base = { ...M, virtualGatewayName: 'g', gatewayRouteName: 'y' };
      let e = await h.fail('CreateGatewayRoute', { ...base, spec: gwRoute('s', { prefix: '/s' }) });
      expect(e.message).toBe('GatewayRoute must define a port match criteria if the Virtual Gateway has multiple listeners');
      for (const prefix of ['/aws-appmesh', '/aws-app-mesh/x', '/AWS-APPMESH-ish']) {
        e = await h.fail('CreateGatewayRoute', { ...base, spec: gwRoute('s', { prefix, port: 1111 }) });
        expect([e.code, e.message]).toEqual(['BadRequestException', expect.stringContaining('reserved')]);
      }
      e = await h.fail('CreateGatewayRoute', {
        ...base, spec: { grpcRoute: { match: { serviceName: 'aws.appmesh.Admin', port: 1111 }, action: { target: { virtualService: { virtualServiceName: 's' } } } } },
      });
      expect(e.message).toContain('reserved');
      await h.call('CreateGatewayRoute', { ...base, spec: gwRoute('s', { prefix: '/aws', port: 2222 }) });
      e = await h.fail('UpdateVirtualGateway', { ...M, virtualGatewayName: 'g', spec: { listeners: listeners(1111) } });
      expect(e.message).toContain('GatewayRoute y matches port 2222');
    });

    test('a (gateway) route spec needs exactly one route type', async () => {
      await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: {} });
      const e = await h.fail('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: {} });
      expect(e.code).toBe('BadRequestException');
    });
  });
});
