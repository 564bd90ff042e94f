// What each target makes of the settings the walkthrough does not have: listener policies, TLS,
// retries and timeouts, gateways, gRPC routes, several namespaces and ports, the namespace inferred
// from the nodes' cluster names, and the options that steer a target
// (--namespace, --pca-arn, --experimental, --gateway-class). Every document checked here is also
// validated against its schema.

import { migrate, type MigrateOptions, type TargetName } from '../../src/migrate';
import { validateDocument } from '../../src/migrate/schemas';
import { cleanMesh, multipleListenersMesh } from '../workflows/helpers';
import { sourceOf } from './sources';

type Doc = Record<string, unknown>;

function run(docs: Doc[], target: TargetName, opts: MigrateOptions = {}) {
  const m = migrate(sourceOf(docs), target, opts);
  for (const d of m.docs) expect({ doc: d.path, problems: validateDocument(d) }).toEqual({ doc: d.path, problems: [] });
  expect(m.report.entries.filter((e) => e.code === 'MG0001')).toEqual([]);
  return m;
}

const entry = (m: ReturnType<typeof run>, code: string, resource: string) => m.report.entries.filter((e) => e.code === code && e.resource === resource);

/** A node with every listener policy App Mesh has, TLS included, called by `front`. */
function policyMesh(): Doc[] {
  return [
    { kind: 'Mesh', meshName: 'p', spec: { egressFilter: { type: 'DROP_ALL' } } },
    {
      kind: 'VirtualNode', meshName: 'p', virtualNodeName: 'color',
      spec: {
        listeners: [{
          portMapping: { port: 8080, protocol: 'http' },
          healthCheck: { protocol: 'http', path: '/ping', healthyThreshold: 2, unhealthyThreshold: 3, timeoutMillis: 2000, intervalMillis: 5000 },
          outlierDetection: { maxServerErrors: 5, maxEjectionPercent: 50, interval: { value: 30, unit: 's' }, baseEjectionDuration: { value: 10, unit: 's' } },
          connectionPool: { http: { maxConnections: 10, maxPendingRequests: 5 } },
          timeout: { http: { perRequest: { value: 1500, unit: 'ms' }, idle: { value: 60, unit: 's' } } },
          tls: {
            mode: 'STRICT',
            certificate: { acm: { certificateArn: 'arn:aws:acm:us-west-2:111122223333:certificate/c' } },
            validation: { trust: { file: { certificateChain: '/certs/ca.pem' } } },
          },
        }],
        serviceDiscovery: { dns: { hostname: 'color.p.svc.cluster.local' } },
      },
    },
    {
      kind: 'VirtualNode', meshName: 'p', virtualNodeName: 'front',
      spec: {
        listeners: [{ portMapping: { port: 80, protocol: 'http' } }],
        serviceDiscovery: { dns: { hostname: 'front.p.svc.cluster.local' } },
        backends: [{
          virtualService: {
            virtualServiceName: 'color.p.svc.cluster.local',
            clientPolicy: { tls: { validation: { trust: { acm: { certificateAuthorityArns: ['arn:aws:acm-pca:us-west-2:111122223333:certificate-authority/ca'] } } } } },
          },
        }],
      },
    },
    { kind: 'VirtualRouter', meshName: 'p', virtualRouterName: 'r', spec: { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] } },
    {
      kind: 'Route', meshName: 'p', virtualRouterName: 'r', routeName: 'main',
      spec: {
        httpRoute: {
          match: { prefix: '/' },
          action: { weightedTargets: [{ virtualNode: 'color', weight: 1 }] },
          retryPolicy: { maxRetries: 3, perRetryTimeout: { value: 2, unit: 's' }, httpRetryEvents: ['gateway-error', 'stream-error'], tcpRetryEvents: ['connection-error'] },
          timeout: { perRequest: { value: 10, unit: 's' } },
        },
      },
    },
    { kind: 'VirtualService', meshName: 'p', virtualServiceName: 'color.p.svc.cluster.local', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } },
  ];
}

describe('istio', () => {
  test('listener policies → DestinationRule and PeerAuthentication; retries and timeouts on the route', () => {
    const m = run(policyMesh(), 'istio');
    const dr = m.docs.find((d) => d.body.kind === 'DestinationRule')!;
    expect(dr.body).toMatchObject({
      metadata: { name: 'color', namespace: 'p' },
      spec: {
        host: 'color.p.svc.cluster.local',
        trafficPolicy: {
          portLevelSettings: [{
            port: { number: 8080 },
            outlierDetection: { consecutive5xxErrors: 5, interval: '30s', baseEjectionTime: '10s', maxEjectionPercent: 50 },
            connectionPool: { tcp: { maxConnections: 10 }, http: { http1MaxPendingRequests: 5, idleTimeout: '60s' } },
            tls: { mode: 'ISTIO_MUTUAL' },
          }],
        },
      },
    });
    expect(m.docs.find((d) => d.body.kind === 'PeerAuthentication')!.body.spec).toEqual({ selector: { matchLabels: { app: 'color' } }, mtls: { mode: 'STRICT' } });
    const vs = m.docs.find((d) => d.body.kind === 'VirtualService')!;
    expect(vs.body).toMatchObject({ metadata: { namespace: 'p' }, spec: { hosts: ['color.p.svc.cluster.local'] } });
    expect((vs.body.spec as Doc).http).toEqual([{
      name: 'main',
      route: [{ destination: { host: 'color.p.svc.cluster.local', port: { number: 8080 } } }],
      timeout: '10s',
      retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'reset,refused-stream,connect-failure,502,503,504' },
    }]);
    // a cluster name needs no ServiceEntry
    expect(m.docs.some((d) => d.body.kind === 'ServiceEntry')).toBe(false);
    expect(entry(m, 'MG0102', 'Mesh p')).toEqual([expect.objectContaining({ fidelity: 'manual', message: expect.stringContaining('REGISTRY_ONLY') })]);
    expect(entry(m, 'MG0202', 'VirtualNode p/color')).toEqual([expect.objectContaining({ fidelity: 'manual', message: expect.stringContaining('readinessProbe') })]);
  });

  test('a virtual gateway → Gateway on the ingress gateway and a VirtualService bound to it, host rewritten to the target', () => {
    const docs = cleanMesh();
    const m = run(docs, 'istio');
    const gw = m.docs.find((d) => d.body.kind === 'Gateway')!;
    expect(gw.body.spec).toEqual({ selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8088, name: 'http-8088', protocol: 'HTTP' }, hosts: ['*'] }] });
    const vs = m.docs.find((d) => d.path === 'istio/virtualservices/default/gw-gateway')!;
    expect(vs.body.spec).toMatchObject({ hosts: ['*'], gateways: ['default/gw'], http: [{ rewrite: { authority: 'front.m.local' }, route: [{ destination: { host: 'front.default.svc.cluster.local' } }] }] });
    expect(m.report.differences).toEqual([]);
  });
});

describe('gateway-api', () => {
  test('standard channel: request and per-try timeouts kept, retries lost with the way to get them', () => {
    const m = run(policyMesh(), 'gateway-api');
    const route = m.docs.find((d) => d.body.kind === 'HTTPRoute')!;
    expect((route.body.spec as { rules: Doc[] }).rules[0]).toEqual({
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: [{ name: 'color', port: 8080, weight: 1 }],
      timeouts: { request: '10s', backendRequest: '2s' },
    });
    expect(entry(m, 'MG0309', 'Route p/r/main').filter((e) => e.fidelity === 'lost')).toEqual(expect.arrayContaining([
      expect.objectContaining({ setting: 'spec.httpRoute.retryPolicy.maxRetries', message: expect.stringContaining('--experimental') }),
    ]));
  });

  test('--experimental: retry attempts and status codes (gateway-error → 502, 503, 504); stream-error approximated', () => {
    const m = run(policyMesh(), 'gateway-api', { experimental: true });
    const route = m.docs.find((d) => d.body.kind === 'HTTPRoute')!;
    expect(route.schema).toEqual({ type: 'crd', file: 'gateway-api/experimental/httproutes.v1.json' });
    expect((route.body.spec as { rules: Doc[] }).rules[0].retry).toEqual({ attempts: 3, codes: [502, 503, 504] });
    expect(entry(m, 'MG0309', 'Route p/r/main')).toEqual(expect.arrayContaining([
      expect.objectContaining({ setting: 'spec.httpRoute.retryPolicy.httpRetryEvents', fidelity: 'approximated', message: expect.stringContaining('stream-error') }),
      expect.objectContaining({ setting: 'spec.httpRoute.retryPolicy.tcpRetryEvents', fidelity: 'approximated' }),
    ]));
  });

  test('routes in one namespace to Services in another get a ReferenceGrant', () => {
    const docs = policyMesh().map((d) => (d.virtualNodeName === 'color'
      ? { ...d, spec: { ...(d.spec as Doc), serviceDiscovery: { dns: { hostname: 'color.backend.svc.cluster.local' } } } }
      : d));
    const m = run(docs, 'gateway-api');
    const grant = m.docs.find((d) => d.body.kind === 'ReferenceGrant')!;
    expect(grant.body).toMatchObject({
      metadata: { namespace: 'backend' },
      spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'p' }], to: [{ group: '', kind: 'Service' }] },
    });
  });

  test('multiple listeners: one route per port, parentRef ports; the gateway\'s listeners by port; --gateway-class', () => {
    const m = run(multipleListenersMesh('ml'), 'gateway-api', { gatewayClass: 'istio' });
    const gw = m.docs.find((d) => d.body.kind === 'Gateway')!;
    expect(gw.body.spec).toMatchObject({ gatewayClassName: 'istio' });
    const ports = m.docs.filter((d) => d.body.kind === 'HTTPRoute' && ((d.body.spec as Doc).parentRefs as Doc[])[0].kind === 'Service')
      .map((d) => ((d.body.spec as Doc).parentRefs as Doc[])[0].port);
    expect(ports.length).toBeGreaterThan(1);
    expect(new Set(ports).size).toBe(ports.length);
  });
});

describe('lattice', () => {
  test('health check → TargetGroupPolicy; STRICT TLS → IAMAuthPolicy naming the callers; policies lost', () => {
    const m = run(policyMesh(), 'lattice');
    expect(m.docs.find((d) => d.body.kind === 'TargetGroupPolicy')!.body.spec).toEqual({
      targetRef: { group: '', kind: 'Service', name: 'color' },
      protocol: 'HTTP', protocolVersion: 'HTTP1',
      healthCheck: { enabled: true, intervalSeconds: 5, timeoutSeconds: 2, healthyThresholdCount: 2, unhealthyThresholdCount: 3, protocol: 'HTTP', protocolVersion: 'HTTP1', path: '/ping' },
    });
    const auth = m.docs.find((d) => d.body.kind === 'IAMAuthPolicy')!;
    expect(JSON.parse((auth.body.spec as { policy: string }).policy).Statement[0].Principal).toEqual({ AWS: ['arn:aws:iam::111122223333:role/front'] });
    expect(m.docs.find((d) => d.schema.type === 'botocore' && d.schema.operation === 'CreateServiceNetwork')!.body).toMatchObject({ authType: 'AWS_IAM' });
    for (const code of ['MG0203', 'MG0204', 'MG0205']) expect(entry(m, code, 'VirtualNode p/color')[0].fidelity).toBe('lost');
    expect(entry(m, 'MG0309', 'Route p/r/main').every((e) => e.fidelity === 'lost')).toBe(true);
  });
});

describe('service-connect', () => {
  test('--namespace and --pca-arn; listener timeouts in seconds (rounded up); mutual TLS lost', () => {
    const m = run(policyMesh(), 'service-connect', { namespace: 'prod.local', pcaArn: 'arn:aws:acm-pca:us-west-2:111122223333:certificate-authority/mine', cluster: 'c1' });
    const color = m.docs.find((d) => d.path === 'service-connect/update-service/color')!;
    expect(color.body).toEqual({
      cluster: 'c1',
      service: 'color',
      serviceConnectConfiguration: {
        enabled: true,
        namespace: 'prod.local',
        services: [{
          portName: 'http-8080',
          discoveryName: 'color',
          clientAliases: [{ port: 8080, dnsName: 'color.p.svc.cluster.local' }],
          timeout: { perRequestTimeoutSeconds: 2, idleTimeoutSeconds: 60 },
          tls: { issuerCertificateAuthority: { awsPcaAuthorityArn: 'arn:aws:acm-pca:us-west-2:111122223333:certificate-authority/mine' } },
        }],
      },
    });
    expect(m.docs.find((d) => d.path === 'service-connect/namespace/prod.local')!.body).toMatchObject({ Name: 'prod.local' });
    expect(entry(m, 'MG0205', 'VirtualNode p/color')).toEqual([expect.objectContaining({ fidelity: 'approximated' })]);
    expect(entry(m, 'MG0206', 'VirtualNode p/color').find((e) => e.setting.endsWith('validation'))).toMatchObject({ fidelity: 'lost', message: expect.stringContaining('#2150') });
    expect(entry(m, 'MG0309', 'Route p/r/main')).toEqual([expect.objectContaining({ fidelity: 'manual', message: expect.stringContaining('twice, on connection failure or 503') })]);
  });

  test('roles: a node without listeners is a client only; a node with one is client and server, in the nodes\' Cloud Map namespace', () => {
    const m = run([
      { kind: 'VirtualNode', meshName: 'c', virtualNodeName: 'caller', spec: { backends: [{ virtualService: { virtualServiceName: 'api.c.local' } }] } },
      {
        kind: 'VirtualNode', meshName: 'c', virtualNodeName: 'api',
        spec: { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], serviceDiscovery: { awsCloudMap: { namespaceName: 'c.local', serviceName: 'api' } } },
      },
      { kind: 'VirtualService', meshName: 'c', virtualServiceName: 'api.c.local', spec: { provider: { virtualNode: { virtualNodeName: 'api' } } } },
    ], 'service-connect');
    expect(m.docs.find((d) => d.path === 'service-connect/update-service/caller')!.body).toEqual({ service: 'caller', serviceConnectConfiguration: { enabled: true, namespace: 'c.local' } });
    expect(m.docs.find((d) => d.path === 'service-connect/update-service/api')!.body).toEqual({
      service: 'api',
      serviceConnectConfiguration: { enabled: true, namespace: 'c.local', services: [{ portName: 'http-8080', discoveryName: 'api', clientAliases: [{ port: 8080, dnsName: 'api.c.local' }] }] },
    });
    expect(m.docs.find((d) => d.path.startsWith('service-connect/cloudformation/api'))!.body).toEqual({
      Resources: {
        ApiService: {
          Type: 'AWS::ECS::Service',
          Properties: { ServiceConnectConfiguration: { Enabled: true, Namespace: 'c.local', Services: [{ PortName: 'http-8080', DiscoveryName: 'api', ClientAliases: [{ Port: 8080, DnsName: 'api.c.local' }] }] } },
        },
      },
    });
  });

  test('without --pca-arn, the mesh\'s ACM Private CA is used', () => {
    const m = run(policyMesh(), 'service-connect');
    const color = m.docs.find((d) => d.path === 'service-connect/update-service/color')!;
    expect(JSON.stringify(color.body)).toContain('certificate-authority/ca');
  });
});

test('each target reports the virtual gateway: lost where there is none, a Gateway elsewhere', () => {
  for (const target of ['service-connect', 'lattice'] as TargetName[]) {
    expect(entry(run(cleanMesh(), target), 'MG0501', 'VirtualGateway m/gw')).toEqual([expect.objectContaining({ fidelity: 'lost', setting: '' })]);
  }
  for (const target of ['gateway-api', 'istio'] as TargetName[]) {
    expect(run(cleanMesh(), target).docs.some((d) => d.body.kind === 'Gateway')).toBe(true);
  }
});

/** Controller manifests' shape: nodes named by their cluster DNS names in one namespace, virtual services by bare names. */
function namespacedMesh(): Doc[] {
  const node = (name: string, port: number, backends: string[] = []) => ({
    kind: 'VirtualNode', meshName: 'shop', virtualNodeName: `${name}-node`,
    spec: {
      listeners: [{ portMapping: { port, protocol: 'http' } }],
      serviceDiscovery: { dns: { hostname: `${name}.shop.svc.cluster.local` } },
      backends: backends.map((b) => ({ virtualService: { virtualServiceName: b } })),
    },
  });
  return [
    { kind: 'Mesh', meshName: 'shop', spec: {} },
    node('ui', 80, ['cart']),
    node('cart', 8080),
    { kind: 'VirtualService', meshName: 'shop', virtualServiceName: 'cart', spec: { provider: { virtualNode: { virtualNodeName: 'cart-node' } } } },
    { kind: 'VirtualService', meshName: 'shop', virtualServiceName: 'cart.shop.local', spec: { provider: { virtualNode: { virtualNodeName: 'cart-node' } } } },
  ];
}

test('without --namespace, what the source does not place goes to the namespace the nodes\' cluster names share', () => {
  const istio = run(namespacedMesh(), 'istio');
  // `cart` is the Service shop/cart: its VirtualService lives beside it and needs no ServiceEntry
  expect(istio.docs.map((d) => d.path)).toEqual([
    'istio/serviceentries/shop/cart-shop-local', 'istio/virtualservices/shop/cart', 'istio/virtualservices/shop/cart-shop-local',
  ]);
  expect(entry(istio, 'MG0401', 'VirtualService shop/cart')).toEqual([expect.objectContaining({ fidelity: 'mapped', message: expect.stringContaining('the Service shop/cart of node cart-node') })]);
  expect(entry(istio, 'MG0401', 'VirtualService shop/cart.shop.local')).toEqual([expect.objectContaining({ fidelity: 'approximated' })]);
  expect(istio.report.differences).toEqual([]);
  // --namespace still decides
  expect(run(namespacedMesh(), 'istio', { namespace: 'edge' }).docs.map((d) => d.path)).toEqual([
    'istio/serviceentries/edge/cart', 'istio/serviceentries/edge/cart-shop-local', 'istio/virtualservices/edge/cart', 'istio/virtualservices/edge/cart-shop-local',
  ]);
  // nodes in several namespaces: nothing to infer
  const mixed = namespacedMesh().map((d) => (d.virtualNodeName === 'ui-node' ? JSON.parse(JSON.stringify(d).replace('ui.shop.svc', 'ui.web.svc')) : d));
  expect(run(mixed, 'istio').docs.map((d) => d.path)).toContain('istio/virtualservices/default/cart-shop-local');
});

/** A gRPC router splitting one method 80/20 between two versions. */
function grpcMesh(): Doc[] {
  const node = (name: string) => ({
    kind: 'VirtualNode', meshName: 'g', virtualNodeName: name,
    spec: { listeners: [{ portMapping: { port: 9000, protocol: 'grpc' } }], serviceDiscovery: { dns: { hostname: `${name}.g.svc.cluster.local` } } },
  });
  return [
    { kind: 'Mesh', meshName: 'g', spec: {} },
    node('v1'), node('v2'),
    { kind: 'VirtualRouter', meshName: 'g', virtualRouterName: 'r', spec: { listeners: [{ portMapping: { port: 9000, protocol: 'grpc' } }] } },
    {
      kind: 'Route', meshName: 'g', virtualRouterName: 'r', routeName: 'hello',
      spec: { grpcRoute: { match: { serviceName: 'greet.Greeter', methodName: 'Hello' }, action: { weightedTargets: [{ virtualNode: 'v1', weight: 80 }, { virtualNode: 'v2', weight: 20 }] } } },
    },
    { kind: 'VirtualService', meshName: 'g', virtualServiceName: 'greeter.g.svc.cluster.local', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } },
  ];
}

test('gRPC: a GRPCRoute with the method match and 80/20 backendRefs (gateway-api, lattice and its API rule), a uri match in Istio; lost on service-connect', () => {
  const rule = {
    matches: [{ method: { type: 'Exact', service: 'greet.Greeter', method: 'Hello' } }],
    backendRefs: [{ name: 'v1', port: 9000, weight: 80 }, { name: 'v2', port: 9000, weight: 20 }],
  };
  const gw = run(grpcMesh(), 'gateway-api');
  expect(gw.docs.find((d) => d.path === 'gateway-api/grpcroutes/g/greeter')!.body).toMatchObject({
    kind: 'GRPCRoute', spec: { parentRefs: [{ kind: 'Service', name: 'greeter', port: 9000 }], rules: [rule] },
  });
  const lattice = run(grpcMesh(), 'lattice');
  expect(lattice.docs.find((d) => d.path === 'lattice/grpcroutes/g/greeter')!.body).toMatchObject({ kind: 'GRPCRoute', spec: { hostnames: ['greeter.g.svc.cluster.local'], rules: [rule] } });
  expect(lattice.docs.find((d) => d.path === 'lattice-api/6-rules/greeter-9000/001-hello')!.body).toMatchObject({
    priority: 1,
    match: { httpMatch: { method: 'POST', pathMatch: { match: { exact: '/greet.Greeter/Hello' }, caseSensitive: true } } },
    action: { forward: { targetGroups: [{ targetGroupIdentifier: '${TARGET_GROUP_ID_V1_9000}', weight: 80 }, { targetGroupIdentifier: '${TARGET_GROUP_ID_V2_9000}', weight: 20 }] } },
  });
  const istio = run(grpcMesh(), 'istio');
  expect(istio.docs.find((d) => d.path === 'istio/virtualservices/g/greeter-g-svc-cluster-local')!.body).toMatchObject({
    spec: { http: [{ match: [{ uri: { exact: '/greet.Greeter/Hello' } }], route: [{ destination: { host: 'v1.g.svc.cluster.local' }, weight: 80 }, { destination: { host: 'v2.g.svc.cluster.local' }, weight: 20 }] }] },
  });
  for (const m of [gw, lattice, istio]) expect({ target: m.report.target, differences: m.report.differences }).toEqual({ target: m.report.target, differences: [] });
  const sc = run(grpcMesh(), 'service-connect');
  expect(entry(sc, 'MG0307', 'Route g/r/hello').map((e) => e.fidelity)).toEqual(['lost', 'lost']);
  expect(sc.report.differences.map((d) => d.code).sort()).toEqual(['MG0901', 'MG0902']);
});
