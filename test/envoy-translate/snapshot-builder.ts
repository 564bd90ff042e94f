// Builds MeshSnapshots from bare specs, adding the metadata the API would (arn, version,
// createdAt in creation order), so tests read like the CLI inputs they stand for.

import type {
  GatewayRouteSpec, MeshSnapshot, RouteSpec, VirtualGatewaySpec, VirtualNodeSpec, VirtualServiceData,
} from '../../src/mesh/types';

let clock = 1_700_000_000;

function metadata(arn: string) {
  clock += 1;
  return {
    arn, uid: `uid-${clock}`, version: 1, createdAt: clock, lastUpdatedAt: clock,
    meshOwner: '111122223333', resourceOwner: '111122223333',
  };
}

export class SnapshotBuilder {
  private readonly s: MeshSnapshot;
  private readonly arn: string;

  constructor(mesh = 'apps', egressFilter?: 'ALLOW_ALL' | 'DROP_ALL') {
    this.arn = `arn:aws:appmesh:us-west-2:111122223333:mesh/${mesh}`;
    this.s = {
      mesh: { meshName: mesh, spec: egressFilter ? { egressFilter: { type: egressFilter } } : {}, metadata: metadata(this.arn) },
      virtualNodes: [], virtualRouters: [], routes: [], virtualServices: [], virtualGateways: [], gatewayRoutes: [],
    };
  }

  node(name: string, spec: VirtualNodeSpec): this {
    this.s.virtualNodes.push({ meshName: this.s.mesh.meshName, virtualNodeName: name, spec, metadata: metadata(`${this.arn}/virtualNode/${name}`) });
    return this;
  }

  router(name: string, ports: Array<[number, 'http' | 'http2' | 'grpc' | 'tcp']>): this {
    this.s.virtualRouters.push({
      meshName: this.s.mesh.meshName, virtualRouterName: name,
      spec: { listeners: ports.map(([port, protocol]) => ({ portMapping: { port, protocol } })) },
      metadata: metadata(`${this.arn}/virtualRouter/${name}`),
    });
    return this;
  }

  route(router: string, name: string, spec: RouteSpec): this {
    this.s.routes.push({
      meshName: this.s.mesh.meshName, virtualRouterName: router, routeName: name, spec,
      metadata: metadata(`${this.arn}/virtualRouter/${router}/route/${name}`),
    });
    return this;
  }

  service(name: string, provider?: { node?: string; router?: string }): this {
    const spec: VirtualServiceData['spec'] = {};
    if (provider?.node) spec.provider = { virtualNode: { virtualNodeName: provider.node } };
    if (provider?.router) spec.provider = { virtualRouter: { virtualRouterName: provider.router } };
    this.s.virtualServices.push({ meshName: this.s.mesh.meshName, virtualServiceName: name, spec, metadata: metadata(`${this.arn}/virtualService/${name}`) });
    return this;
  }

  gateway(name: string, spec: VirtualGatewaySpec): this {
    this.s.virtualGateways.push({ meshName: this.s.mesh.meshName, virtualGatewayName: name, spec, metadata: metadata(`${this.arn}/virtualGateway/${name}`) });
    return this;
  }

  gatewayRoute(gateway: string, name: string, spec: GatewayRouteSpec): this {
    this.s.gatewayRoutes.push({
      meshName: this.s.mesh.meshName, virtualGatewayName: gateway, gatewayRouteName: name, spec,
      metadata: metadata(`${this.arn}/virtualGateway/${gateway}/gatewayRoute/${name}`),
    });
    return this;
  }

  build(): MeshSnapshot {
    return JSON.parse(JSON.stringify(this.s));
  }
}

/** The EC2 getting-started walkthrough after update-route (75/25), as the API describes it. */
export function walkthroughSnapshot(weights: [number, number] = [75, 25]): MeshSnapshot {
  const listener = { portMapping: { port: 80, protocol: 'http2' as const } };
  return new SnapshotBuilder('apps')
    .service('serviceb.apps.local', { router: 'serviceB' })
    .node('serviceB', { listeners: [listener], serviceDiscovery: { dns: { hostname: 'serviceB.apps.local' } } })
    .router('serviceB', [[80, 'http2']])
    .route('serviceB', 'serviceB', {
      http2Route: {
        action: { weightedTargets: [{ virtualNode: 'serviceB', weight: weights[0] }, { virtualNode: 'serviceBv2', weight: weights[1] }] },
        match: { prefix: '/' },
      },
    })
    .node('serviceBv2', { listeners: [listener], serviceDiscovery: { dns: { hostname: 'serviceBv2.apps.local' } } })
    .node('serviceA', {
      backends: [{ virtualService: { virtualServiceName: 'serviceb.apps.local' } }],
      listeners: [listener],
      serviceDiscovery: { dns: { hostname: 'servicea.apps.local' } },
    })
    .service('servicea.apps.local', { node: 'serviceA' })
    .build();
}
