// translationInputs() must name everything a proxy's translation reads: the xDS server rebuilds a
// proxy only when the fingerprint of its inputs moves, so a missed input is a proxy left with stale
// configuration. Checked by brute force: every proxy of a mesh that uses every kind of reference,
// against every single change to that mesh — each resource deleted, each value of each spec
// changed, each array shortened, referenced-but-missing resources created, endpoints moved. Whenever
// the translation changes, the inputs' fingerprint must change too (and the other way round is
// what makes pushes cheap: the test also shows most changes touch few proxies).

import { createHash } from 'crypto';
import { translateVirtualGateway, translateVirtualNode, translationInputs, type ResolvedEndpoint } from '../../src/envoy/translate';
import type { MeshSnapshot } from '../../src/mesh/types';
import { SnapshotBuilder, walkthroughSnapshot } from './snapshot-builder';

type Json = Record<string, any>;
type Proxy = { virtualNode: string } | { virtualGateway: string };
type Endpoints = Record<string, ResolvedEndpoint[]>;

const http = (port: number) => ({ portMapping: { port, protocol: 'http' as const } });

/** A mesh that uses every reference the translator follows. */
function richSnapshot(): MeshSnapshot {
  return new SnapshotBuilder('rich', 'ALLOW_ALL')
    .node('front', {
      listeners: [http(8080)],
      backends: [
        { virtualService: { virtualServiceName: 'svc-a' } },
        { virtualService: { virtualServiceName: 'svc-b', clientPolicy: { tls: { validation: { trust: { file: { certificateChain: '/ca.pem' } } } } } } },
        { virtualService: { virtualServiceName: 'svc-missing' } },
        { virtualService: { virtualServiceName: 'svc-c' } },
      ],
      backendDefaults: { clientPolicy: { tls: { enforce: true, validation: { trust: { file: { certificateChain: '/default.pem' } } } } } },
      serviceDiscovery: { dns: { hostname: 'front.rich.local' } },
      logging: { accessLog: { file: { path: '/dev/stdout' } } },
    })
    .node('a1', { listeners: [http(8080)], serviceDiscovery: { dns: { hostname: 'a1.rich.local' } } })
    .node('a2', { listeners: [{ ...http(8080), timeout: { http: { perRequest: { unit: 's', value: 5 } } } }, http(9090)], serviceDiscovery: { awsCloudMap: { namespaceName: 'rich.local', serviceName: 'a2' } } })
    .node('b', { listeners: [{ portMapping: { port: 7000, protocol: 'tcp' } }], serviceDiscovery: { dns: { hostname: 'b.rich.local' } } })
    .node('lonely', { listeners: [http(80)], serviceDiscovery: { dns: { hostname: 'lonely.rich.local' } } })
    .router('ra', [[8080, 'http']])
    .route('ra', 'r1', { priority: 1, httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'a1', weight: 3 }, { virtualNode: 'a2', weight: 1, port: 8080 }] }, retryPolicy: { maxRetries: 2, perRetryTimeout: { unit: 'ms', value: 500 }, httpRetryEvents: ['server-error'] } } })
    .route('ra', 'r2', { priority: 2, httpRoute: { match: { prefix: '/ghost', headers: [{ name: 'x-ghost', match: { exact: 'yes' } }] }, action: { weightedTargets: [{ virtualNode: 'ghost', weight: 1 }] } } })
    .router('unused', [[80, 'http']])
    .route('unused', 'u1', { httpRoute: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'lonely', weight: 1 }] } } })
    .service('svc-a', { router: 'ra' })
    .service('svc-b', { node: 'b' })
    .service('svc-c', { router: 'missing-router' })
    .service('svc-lonely', { node: 'lonely' })
    .gateway('gw', { listeners: [http(8088)], backendDefaults: { clientPolicy: { tls: { validation: { trust: { file: { certificateChain: '/gw.pem' } } } } } } })
    .gatewayRoute('gw', 'to-a', { httpRoute: { match: { prefix: '/a' }, action: { target: { virtualService: { virtualServiceName: 'svc-a' } } } } })
    .gatewayRoute('gw', 'to-b', { priority: 5, httpRoute: { match: { prefix: '/b' }, action: { target: { virtualService: { virtualServiceName: 'svc-b' } }, rewrite: { prefix: { defaultPrefix: 'DISABLED' } } } } })
    .gatewayRoute('gw', 'to-nowhere', { httpRoute: { match: { prefix: '/n' }, action: { target: { virtualService: { virtualServiceName: 'svc-missing' } } } } })
    .gateway('gw-idle', { listeners: [http(9000)] })
    .build();
}

function endpointsFor(snapshot: MeshSnapshot): Endpoints {
  return Object.fromEntries(snapshot.virtualNodes.map((n, i) => [n.virtualNodeName, [{ host: `10.0.0.${i + 1}`, port: 8080, source: 'cloudmap' as const }]]));
}

function proxies(snapshot: MeshSnapshot): Proxy[] {
  return [
    ...snapshot.virtualNodes.map((n) => ({ virtualNode: n.virtualNodeName })),
    ...snapshot.virtualGateways.map((g) => ({ virtualGateway: g.virtualGatewayName })),
  ];
}

function translation(snapshot: MeshSnapshot, proxy: Proxy, endpoints: Endpoints): string {
  try {
    const r = 'virtualNode' in proxy ? translateVirtualNode(snapshot, proxy.virtualNode, { endpoints }) : translateVirtualGateway(snapshot, proxy.virtualGateway, { endpoints });
    return JSON.stringify(r);
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

/** What the xDS mesh source hashes (src/xds/mesh-source.ts: fingerprint). */
function fingerprint(snapshot: MeshSnapshot, proxy: Proxy, endpoints: Endpoints): string {
  const inputs = translationInputs(snapshot, proxy);
  if (!inputs) return 'no such proxy';
  const h = createHash('sha1');
  for (const r of inputs.resources) h.update(JSON.stringify(r));
  h.update(`\n${inputs.missing.join('\n')}\n${JSON.stringify(inputs.endpointNodes.map((n) => [n, endpoints[n] ?? []]))}`);
  return h.digest('base64');
}

interface Change {
  what: string;
  snapshot: MeshSnapshot;
  endpoints: Endpoints;
}

const KINDS = ['virtualNodes', 'virtualRouters', 'routes', 'virtualServices', 'virtualGateways', 'gatewayRoutes'] as const;

/** Every leaf of `value` changed once (numbers +1, strings suffixed, booleans flipped), and every array shortened. */
function* variants(value: unknown, at: string): Generator<{ at: string; value: unknown }> {
  if (typeof value === 'number') yield { at, value: value + 1 };
  else if (typeof value === 'string') yield { at, value: `${value}-x` };
  else if (typeof value === 'boolean') yield { at, value: !value };
  else if (Array.isArray(value)) {
    if (value.length) yield { at: `${at}[-1]`, value: value.slice(0, -1) };
    for (let i = 0; i < value.length; i++) {
      for (const v of variants(value[i], `${at}[${i}]`)) yield { at: v.at, value: value.map((x, j) => (j === i ? v.value : x)) };
    }
  } else if (value && typeof value === 'object') {
    for (const [k, x] of Object.entries(value)) {
      for (const v of variants(x, `${at}.${k}`)) yield { at: v.at, value: { ...(value as Json), [k]: v.value } };
    }
  }
}

function* changes(base: MeshSnapshot): Generator<Change> {
  const endpoints = endpointsFor(base);
  const copy = (): MeshSnapshot => JSON.parse(JSON.stringify(base));
  for (const v of variants(base.mesh.spec ?? {}, 'mesh.spec')) {
    const s = copy();
    s.mesh.spec = v.value as MeshSnapshot['mesh']['spec'];
    yield { what: v.at, snapshot: s, endpoints };
  }
  for (const kind of KINDS) {
    const list = base[kind] as Json[];
    for (let i = 0; i < list.length; i++) {
      const name = JSON.stringify(Object.fromEntries(Object.entries(list[i]).filter(([k]) => k.endsWith('Name'))));
      const s = copy();
      (s[kind] as unknown[]).splice(i, 1);
      yield { what: `delete ${kind} ${name}`, snapshot: s, endpoints };
      for (const v of variants(list[i].spec, `${kind} ${name} spec`)) {
        const m = copy();
        (m[kind][i] as Json).spec = v.value;
        yield { what: v.at, snapshot: m, endpoints };
      }
    }
  }
  // Creating what is referenced but missing (the copies of existing resources under other names).
  const like = (kind: typeof KINDS[number], changes: Json) => {
    const s = copy();
    (s[kind] as Json[]).push({ ...JSON.parse(JSON.stringify(base[kind][0])), ...changes });
    return s;
  };
  if (base.virtualServices.length) yield { what: 'create virtualService svc-missing', snapshot: like('virtualServices', { virtualServiceName: 'svc-missing', spec: { provider: { virtualNode: { virtualNodeName: 'b' } } } }), endpoints };
  yield { what: 'create virtualNode ghost', snapshot: like('virtualNodes', { virtualNodeName: 'ghost' }), endpoints: { ...endpoints, ghost: [{ host: '10.9.9.9', port: 8080 }] } };
  yield { what: 'create virtualRouter missing-router', snapshot: like('virtualRouters', { virtualRouterName: 'missing-router' }), endpoints };
  yield { what: 'create route r3', snapshot: like('routes', { routeName: 'r3' }), endpoints };
  if (base.gatewayRoutes.length) yield { what: 'create gatewayRoute gw-idle/new', snapshot: like('gatewayRoutes', { virtualGatewayName: 'gw-idle', gatewayRouteName: 'new' }), endpoints };
  // Endpoints moving (Cloud Map instances, registered proxies).
  for (const n of base.virtualNodes) {
    yield { what: `endpoints of ${n.virtualNodeName}`, snapshot: base, endpoints: { ...endpoints, [n.virtualNodeName]: [{ host: '10.1.1.1', port: 9999, source: 'proxy' }] } };
    yield { what: `no endpoints for ${n.virtualNodeName}`, snapshot: base, endpoints: { ...endpoints, [n.virtualNodeName]: [] } };
  }
}

describe.each([
  ['a mesh using every kind of reference', richSnapshot],
  ['the EC2 walkthrough', () => walkthroughSnapshot()],
])('%s', (_name, make) => {
  test('every change that alters a proxy\'s translation alters its inputs\' fingerprint', () => {
    const base = make();
    const baseEndpoints = endpointsFor(base);
    const before = new Map(proxies(base).map((p) => [JSON.stringify(p), { t: translation(base, p, baseEndpoints), f: fingerprint(base, p, baseEndpoints) }]));
    const missed: string[] = [];
    let checks = 0;
    let touched = 0;
    for (const change of changes(base)) {
      for (const p of proxies(base)) {
        const was = before.get(JSON.stringify(p))!;
        const t = translation(change.snapshot, p, change.endpoints);
        const f = fingerprint(change.snapshot, p, change.endpoints);
        checks++;
        if (f !== was.f) touched++;
        if (t !== was.t && f === was.f) missed.push(`${change.what}: ${JSON.stringify(p)}`);
      }
    }
    expect(missed).toEqual([]);
    expect(checks).toBeGreaterThan(100);
    // Fingerprints are selective: a typical change does not touch every proxy.
    expect(touched).toBeLessThan(checks * 0.8);
  });
});

test('a proxy that does not exist has no inputs; endpointNodes are the targets of its backends', () => {
  const s = richSnapshot();
  expect(translationInputs(s, { virtualNode: 'nope' })).toBeUndefined();
  expect(translationInputs(s, { virtualNode: 'front' })!.endpointNodes).toEqual(['a1', 'a2', 'b', 'ghost']);
  expect(translationInputs(s, { virtualNode: 'front' })!.missing).toEqual(['virtualNode/ghost', 'virtualService/svc-missing', 'virtual router missing-router']);
  expect(translationInputs(s, { virtualGateway: 'gw' })!.endpointNodes).toEqual(['a1', 'a2', 'b', 'ghost']);
  expect(translationInputs(s, { virtualNode: 'lonely' })!.endpointNodes).toEqual([]);
});
