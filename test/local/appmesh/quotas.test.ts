import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_QUOTAS, quotaEnvName } from '../../../src/backends/local/appmesh/quotas';
import { ConfigError } from '../../../src/base/errors';
import { openHarness, type Harness } from './harness';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('App Mesh provider: quotas', (store) => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
    h = undefined as unknown as Harness;
  });

  const M = { meshName: 'apps' };
  const writeConfig = (doc: unknown) => fs.writeFileSync(path.join(h.home, 'config.json'), JSON.stringify(doc));

  test('the defaults are App Mesh\'s published quotas', () => {
    expect(DEFAULT_QUOTAS).toEqual({
      meshesPerAccount: 15, virtualServicesPerMesh: 200, virtualNodesPerMesh: 200, virtualRoutersPerMesh: 200,
      routesPerVirtualRouter: 50, virtualGatewaysPerMesh: 3, gatewayRoutesPerVirtualGateway: 10,
      weightedTargetsPerRoute: 10, backendsPerVirtualNode: 50,
    });
    expect(quotaEnvName('virtualNodesPerMesh')).toBe('AWSMESH_QUOTA_VIRTUAL_NODES_PER_MESH');
  });

  test('15 meshes per account and region; the 16th is LimitExceededException with a hint', async () => {
    h = await openHarness(store);
    for (let i = 0; i < 15; i++) await h.call('CreateMesh', { meshName: `m${i}` });
    const e = await h.fail('CreateMesh', { meshName: 'm15' });
    expect([e.code, e.status]).toEqual(['LimitExceededException', 400]);
    expect(e.message).toContain('limit of 15');
    expect(e.hint).toContain('meshesPerAccount');
    expect(e.hint).toContain('AWSMESH_QUOTA_MESHES_PER_ACCOUNT');
    await h.call('CreateMesh', { meshName: 'm15' }, 'eu-west-1');
  });

  test('3 gateways per mesh and 10 gateway routes per gateway (defaults)', async () => {
    h = await openHarness(store);
    await h.call('CreateMesh', M);
    const listeners = [{ portMapping: { port: 80, protocol: 'http' } }];
    for (let i = 0; i < 3; i++) await h.call('CreateVirtualGateway', { ...M, virtualGatewayName: `g${i}`, spec: { listeners } });
    expect((await h.fail('CreateVirtualGateway', { ...M, virtualGatewayName: 'g3', spec: { listeners } })).code).toBe('LimitExceededException');
    await h.call('CreateVirtualService', { ...M, virtualServiceName: 's', spec: {} });
    const gr = (p: string) => ({ httpRoute: { match: { prefix: p }, action: { target: { virtualService: { virtualServiceName: 's' } } } } });
    for (let i = 0; i < 10; i++) await h.call('CreateGatewayRoute', { ...M, virtualGatewayName: 'g0', gatewayRouteName: `r${i}`, spec: gr(`/${i}`) });
    expect((await h.fail('CreateGatewayRoute', { ...M, virtualGatewayName: 'g0', gatewayRouteName: 'r10', spec: gr('/x') })).code).toBe('LimitExceededException');
    // The quota is per gateway.
    await h.call('CreateGatewayRoute', { ...M, virtualGatewayName: 'g1', gatewayRouteName: 'r10', spec: gr('/x') });
  });

  test('config.json changes a quota; an environment variable wins over it', async () => {
    h = await openHarness(store, { AWSMESH_QUOTA_VIRTUAL_ROUTERS_PER_MESH: '1' });
    writeConfig({ quotas: { virtualNodesPerMesh: 2, virtualRoutersPerMesh: 5 }, otherSection: true });
    await h.call('CreateMesh', M);
    await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: {} });
    await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'b', spec: {} });
    const e = await h.fail('CreateVirtualNode', { ...M, virtualNodeName: 'c', spec: {} });
    expect([e.code, e.message]).toEqual(['LimitExceededException', expect.stringContaining('limit of 2')]);
    await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r1', spec: {} });
    expect((await h.fail('CreateVirtualRouter', { ...M, virtualRouterName: 'r2', spec: {} })).code).toBe('LimitExceededException');
    // Raising the quota in the file takes effect on the next call.
    writeConfig({ quotas: { virtualNodesPerMesh: 20000 } });
    await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'c', spec: {} });
  });

  test('per-route weighted targets, per-node backends, routes per router, services per mesh', async () => {
    h = await openHarness(store, {
      AWSMESH_QUOTA_WEIGHTED_TARGETS_PER_ROUTE: '2', AWSMESH_QUOTA_BACKENDS_PER_VIRTUAL_NODE: '1',
      AWSMESH_QUOTA_ROUTES_PER_VIRTUAL_ROUTER: '1', AWSMESH_QUOTA_VIRTUAL_SERVICES_PER_MESH: '1',
    });
    await h.call('CreateMesh', M);
    for (const n of ['a', 'b', 'c']) await h.call('CreateVirtualNode', { ...M, virtualNodeName: n, spec: {} });
    await h.call('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: {} });
    const targets = (...names: string[]) => ({ httpRoute: { match: { prefix: '/' }, action: { weightedTargets: names.map((virtualNode) => ({ virtualNode, weight: 1 })) } } });
    expect((await h.fail('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: targets('a', 'b', 'c') })).code).toBe('LimitExceededException');
    await h.call('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: targets('a', 'b') });
    expect((await h.fail('UpdateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: targets('a', 'b', 'c') })).code).toBe('LimitExceededException');
    expect((await h.fail('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'y', spec: targets('a') })).code).toBe('LimitExceededException');
    const backends = (n: number) => ({ backends: Array.from({ length: n }, (_, i) => ({ virtualService: { virtualServiceName: `s${i}` } })) });
    expect((await h.fail('UpdateVirtualNode', { ...M, virtualNodeName: 'a', spec: backends(2) })).code).toBe('LimitExceededException');
    await h.call('UpdateVirtualNode', { ...M, virtualNodeName: 'a', spec: backends(1) });
    await h.call('CreateVirtualService', { ...M, virtualServiceName: 's1', spec: {} });
    expect((await h.fail('CreateVirtualService', { ...M, virtualServiceName: 's2', spec: {} })).code).toBe('LimitExceededException');
  });

  test('a broken config.json or quota value is a configuration error, not a crash', async () => {
    h = await openHarness(store);
    await h.call('CreateMesh', M);
    fs.writeFileSync(path.join(h.home, 'config.json'), '{ nope');
    await expect(h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: {} })).rejects.toThrow(ConfigError);
    writeConfig({ quotas: { virtualNodesPerMesh: -3 } });
    await expect(h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: {} })).rejects.toThrow(/quotas.virtualNodesPerMesh: expected a positive integer/);
    fs.rmSync(path.join(h.home, 'config.json'));
    await h.call('CreateVirtualNode', { ...M, virtualNodeName: 'a', spec: {} });
  });
});
