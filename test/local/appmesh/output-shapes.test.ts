// Every operation's answer conforms to the model's output shape: required members present, no
// member the model does not define, scalar types right (timestamps as epoch-second numbers),
// enum values from the model.

import { getOperation, getShape } from '../../../src/model/services';
import { openHarness, type Harness } from './harness';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('App Mesh provider: output shapes', (store) => {
  function conformanceProblems(value: unknown, shapeName: string, at: string, out: string[]): void {
    const shape = getShape('appmesh', shapeName);
    switch (shape.type) {
      case 'structure': {
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          out.push(`${at}: expected an object (${shapeName})`);
          return;
        }
        const v = value as Record<string, unknown>;
        for (const r of shape.required ?? []) if (v[r] === undefined) out.push(`${at}.${r}: required by ${shapeName}`);
        for (const [k, member] of Object.entries(v)) {
          const m = shape.members?.[k];
          if (!m) out.push(`${at}.${k}: not a member of ${shapeName}`);
          else if (member !== undefined) conformanceProblems(member, m.shape, `${at}.${k}`, out);
        }
        return;
      }
      case 'list':
        if (!Array.isArray(value)) out.push(`${at}: expected a list (${shapeName})`);
        else value.forEach((item, i) => conformanceProblems(item, shape.member!.shape, `${at}[${i}]`, out));
        return;
      case 'string':
        if (typeof value !== 'string') out.push(`${at}: expected a string`);
        else if (shape.enum && !shape.enum.includes(value)) out.push(`${at}: ${value} is not one of ${shape.enum.join('|')}`);
        return;
      case 'integer':
      case 'long':
        if (!Number.isInteger(value)) out.push(`${at}: expected an integer`);
        return;
      case 'timestamp':
        if (typeof value !== 'number' || !Number.isFinite(value)) out.push(`${at}: expected epoch seconds`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') out.push(`${at}: expected a boolean`);
        return;
      default:
        return;
    }
  }

  let h: Harness;
  const seen = new Set<string>();
  const problems: string[] = [];

  async function check(op: string, input: Record<string, unknown>): Promise<any> {
    const output = await h.call(op, input);
    seen.add(op);
    conformanceProblems(output, getOperation('appmesh', op).output!, op, problems);
    return output;
  }

  beforeAll(async () => {
    h = await openHarness(store);
  });
  afterAll(() => h.close());

  test('all 38 operations answer in their model output shape', async () => {
    const M = { meshName: 'apps' };
    const listeners = [{ portMapping: { port: 8080, protocol: 'http' } }];
    const nodeSpec = {
      listeners: [{ ...listeners[0], healthCheck: { protocol: 'http', path: '/ping', healthyThreshold: 2, unhealthyThreshold: 2, intervalMillis: 5000, timeoutMillis: 2000 } }],
      serviceDiscovery: { dns: { hostname: 'b.apps.local' } },
      backends: [{ virtualService: { virtualServiceName: 'c.apps.local' } }],
    };
    const routeSpec = { priority: 1, httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'b', weight: 100 }] }, timeout: { perRequest: { unit: 's', value: 5 } } } };
    const gwRouteSpec = { httpRoute: { match: { prefix: '/b' }, action: { target: { virtualService: { virtualServiceName: 'b.apps.local' } } } } };
    const meshArn = (await check('CreateMesh', { ...M, spec: { egressFilter: { type: 'ALLOW_ALL' } }, tags: [{ key: 'k', value: 'v' }] })).mesh.metadata.arn;
    await check('CreateVirtualNode', { ...M, virtualNodeName: 'b', spec: nodeSpec });
    await check('CreateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners } });
    await check('CreateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: routeSpec });
    await check('CreateVirtualService', { ...M, virtualServiceName: 'b.apps.local', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } });
    await check('CreateVirtualGateway', { ...M, virtualGatewayName: 'g', spec: { listeners } });
    await check('CreateGatewayRoute', { ...M, virtualGatewayName: 'g', gatewayRouteName: 'y', spec: gwRouteSpec });
    await check('DescribeMesh', M);
    await check('DescribeVirtualNode', { ...M, virtualNodeName: 'b' });
    await check('DescribeVirtualRouter', { ...M, virtualRouterName: 'r' });
    await check('DescribeRoute', { ...M, virtualRouterName: 'r', routeName: 'x' });
    await check('DescribeVirtualService', { ...M, virtualServiceName: 'b.apps.local' });
    await check('DescribeVirtualGateway', { ...M, virtualGatewayName: 'g' });
    await check('DescribeGatewayRoute', { ...M, virtualGatewayName: 'g', gatewayRouteName: 'y' });
    await check('UpdateMesh', { ...M, spec: {} });
    await check('UpdateVirtualNode', { ...M, virtualNodeName: 'b', spec: nodeSpec });
    await check('UpdateVirtualRouter', { ...M, virtualRouterName: 'r', spec: { listeners } });
    await check('UpdateRoute', { ...M, virtualRouterName: 'r', routeName: 'x', spec: routeSpec });
    await check('UpdateVirtualService', { ...M, virtualServiceName: 'b.apps.local', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } });
    await check('UpdateVirtualGateway', { ...M, virtualGatewayName: 'g', spec: { listeners } });
    await check('UpdateGatewayRoute', { ...M, virtualGatewayName: 'g', gatewayRouteName: 'y', spec: gwRouteSpec });
    await check('ListMeshes', { limit: 1 });
    await check('ListVirtualNodes', M);
    await check('ListVirtualRouters', M);
    await check('ListRoutes', { ...M, virtualRouterName: 'r' });
    await check('ListVirtualServices', M);
    await check('ListVirtualGateways', M);
    await check('ListGatewayRoutes', { ...M, virtualGatewayName: 'g' });
    expect(await check('TagResource', { resourceArn: meshArn, tags: [{ key: 'a', value: 'b' }] })).toEqual({});
    await check('ListTagsForResource', { resourceArn: meshArn });
    expect(await check('UntagResource', { resourceArn: meshArn, tagKeys: ['a'] })).toEqual({});
    await check('DeleteGatewayRoute', { ...M, virtualGatewayName: 'g', gatewayRouteName: 'y' });
    await check('DeleteVirtualGateway', { ...M, virtualGatewayName: 'g' });
    await check('DeleteVirtualService', { ...M, virtualServiceName: 'b.apps.local' });
    await check('DeleteRoute', { ...M, virtualRouterName: 'r', routeName: 'x' });
    await check('DeleteVirtualRouter', { ...M, virtualRouterName: 'r' });
    await check('DeleteVirtualNode', { ...M, virtualNodeName: 'b' });
    await check('DeleteMesh', M);

    expect(seen.size).toBe(38);
    expect(problems).toEqual([]);
  });

  test('the checker itself catches a malformed answer', () => {
    const out: string[] = [];
    conformanceProblems({ mesh: { meshName: 'a', metadata: { arn: 'x', createdAt: '2026-01-01' }, spec: {}, status: { status: 'GONE' }, extra: 1 } }, 'DescribeMeshOutput', 'x', out);
    expect(out).toEqual(expect.arrayContaining([
      'x.mesh.extra: not a member of MeshData',
      'x.mesh.metadata.createdAt: expected epoch seconds',
      'x.mesh.metadata.version: required by ResourceMetadata',
      'x.mesh.status.status: GONE is not one of ACTIVE|INACTIVE|DELETED',
    ]));
  });
});
