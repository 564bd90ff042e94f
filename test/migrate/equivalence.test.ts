// The route equivalence check on meshes made to disagree: App Mesh's route selection (awsmesh's own
// translator and the data plane's matcher) against each target's precedence rules, read back from
// the generated documents. Differences must be findings that name the route and show the request;
// where a target keeps App Mesh's semantics there must be none.

import { migrate, type TargetName } from '../../src/migrate';
import { gatewayApiDuration, protobufDuration } from '../../src/migrate/analysis';
import { regexExample } from '../../src/migrate/samples';
import { percentages } from '../../src/migrate/targets/istio';
import { sourceOf } from './sources';

type Doc = Record<string, unknown>;
const http = (port = 8080) => ({ portMapping: { port, protocol: 'http' } });
const node = (name: string): Doc => ({ kind: 'VirtualNode', meshName: 'm', virtualNodeName: name, spec: { listeners: [http()], serviceDiscovery: { dns: { hostname: `${name}.m.svc.cluster.local` } } } });

/** A router `r` for virtual service color.m.svc.cluster.local with the given routes (each to one node). */
function mesh(routes: Array<{ name: string; to: string; priority?: number; match: Doc; weights?: Array<[string, number]> }>): Doc[] {
  const nodes = [...new Set(routes.flatMap((r) => (r.weights ?? [[r.to, 1]]).map(([n]) => n)))];
  return [
    { kind: 'Mesh', meshName: 'm', spec: {} },
    ...nodes.map(node),
    { kind: 'VirtualRouter', meshName: 'm', virtualRouterName: 'r', spec: { listeners: [http()] } },
    ...routes.map((r) => ({
      kind: 'Route', meshName: 'm', virtualRouterName: 'r', routeName: r.name,
      spec: {
        ...(r.priority !== undefined ? { priority: r.priority } : {}),
        httpRoute: { match: r.match, action: { weightedTargets: (r.weights ?? [[r.to, 1]]).map(([virtualNode, weight]) => ({ virtualNode, weight })) } },
      },
    })),
    { kind: 'VirtualService', meshName: 'm', virtualServiceName: 'color.m.svc.cluster.local', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } },
  ];
}

const diffs = (docs: Doc[], target: TargetName) => migrate(sourceOf(docs), target).report.differences;

describe('App Mesh priority against Gateway API specificity', () => {
  // App Mesh: priority 0 catch-all first, so /api never reaches route `api`.
  const docs = mesh([
    { name: 'all', to: 'a', priority: 0, match: { prefix: '/' } },
    { name: 'api', to: 'b', priority: 1, match: { prefix: '/api' } },
  ]);

  test('gateway-api sends /api to the longer prefix: a finding names the route App Mesh picked and the request', () => {
    const d = diffs(docs, 'gateway-api');
    expect(d).toContainEqual(expect.objectContaining({ code: 'MG0901', resource: 'Route m/r/all', appMesh: 'a 100%', target: 'b 100%', request: 'GET color.m.svc.cluster.local:8080/api' }));
  });

  test.each(['istio', 'lattice'] as TargetName[])('%s keeps App Mesh\'s order: no difference', (target) => {
    expect(diffs(docs, target)).toEqual([]);
  });
});

test('prefix matching: App Mesh /color matches /colorx, Gateway API path segments do not; Istio and Lattice match strings', () => {
  const docs = mesh([{ name: 'color', to: 'a', match: { prefix: '/color' } }]);
  expect(diffs(docs, 'gateway-api')).toContainEqual(expect.objectContaining({ code: 'MG0902', request: 'GET color.m.svc.cluster.local:8080/colorx', appMesh: 'a 100%', target: 'not routed' }));
  expect(diffs(docs, 'istio')).toEqual([]);
  expect(diffs(docs, 'lattice').filter((x) => x.message.includes('VPC Lattice API'))).toEqual([]);
  // the controller's Lattice rules ignore letter case: /COLOR reaches the route App Mesh would not
  expect(diffs(docs, 'lattice')).toContainEqual(expect.objectContaining({ request: 'GET color.m.svc.cluster.local:8080/COLOR', appMesh: 'not routed', target: 'a 100%' }));
});

test('a header suffix: a regex in Istio and Gateway API, a rule left out by Lattice (found by the samples)', () => {
  const docs = mesh([
    { name: 'canary', to: 'b', match: { prefix: '/', headers: [{ name: 'x-user', match: { suffix: '@beta.example' } }] } },
    { name: 'all', to: 'a', match: { prefix: '/' } },
  ]);
  expect(diffs(docs, 'istio')).toEqual([]);
  expect(diffs(docs, 'gateway-api')).toEqual([]);
  const lattice = migrate(sourceOf(docs), 'lattice');
  expect(lattice.report.entries).toContainEqual(expect.objectContaining({ code: 'MG0304', fidelity: 'lost', resource: 'Route m/r/canary' }));
  expect(lattice.report.differences).toContainEqual(expect.objectContaining({ resource: 'Route m/r/canary', appMesh: 'b 100%', target: 'a 100%' }));
});

test('weights 1:2 become 33/67 in Istio: approximated, within the check\'s one-point tolerance; kept exactly elsewhere', () => {
  const docs = mesh([{ name: 'split', to: 'a', match: { prefix: '/' }, weights: [['a', 1], ['b', 2]] }]);
  const m = migrate(sourceOf(docs), 'istio');
  expect(m.report.entries).toContainEqual(expect.objectContaining({ code: 'MG0302', fidelity: 'approximated', message: expect.stringContaining('33/67') }));
  expect(m.report.differences).toEqual([]);
  expect(diffs(docs, 'gateway-api')).toEqual([]);
  expect(diffs(docs, 'service-connect')).toEqual([expect.objectContaining({ appMesh: 'b 66.7%, a 33.3%', target: 'b 100%' })]);
});

test('a gateway: prefix match with the default rewrite, and a router behind it, on Istio and Gateway API', () => {
  const docs: Doc[] = [
    ...mesh([{ name: 'split', to: 'a', match: { prefix: '/' }, weights: [['a', 3], ['b', 1]] }]),
    { kind: 'VirtualGateway', meshName: 'm', virtualGatewayName: 'gw', spec: { listeners: [http(80)] } },
    {
      kind: 'GatewayRoute', meshName: 'm', virtualGatewayName: 'gw', gatewayRouteName: 'paths',
      spec: { httpRoute: { match: { prefix: '/paths' }, action: { target: { virtualService: { virtualServiceName: 'color.m.svc.cluster.local' } } } } },
    },
  ];
  const istio = migrate(sourceOf(docs), 'istio');
  const vs = istio.docs.find((d) => d.path.includes('gw-gateway'))!;
  // the gateway goes to the namespace the nodes' cluster names share
  expect(vs.body.spec).toMatchObject({ gateways: ['m/gw'], http: [{ rewrite: { authority: 'color.m.svc.cluster.local', uriRegexRewrite: { match: '^/paths/?', rewrite: '/' } } }] });
  expect(istio.report.differences).toEqual([]);
  const gw = migrate(sourceOf(docs), 'gateway-api');
  const route = gw.docs.find((d) => d.path.includes('gw-paths'))!;
  expect(route.body.spec).toMatchObject({
    parentRefs: [{ name: 'gw', sectionName: 'http-80' }],
    rules: [{ filters: [{ type: 'URLRewrite', urlRewrite: { hostname: 'color.m.svc.cluster.local', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }], backendRefs: [{ name: 'a', weight: 3 }, { name: 'b', weight: 1 }] }],
  });
  // the only difference is Gateway API's segment-wise prefix (/pathsx)
  expect(gw.report.differences.map((d) => d.request)).toEqual(['GET www.example.com (gateway gw:80)/pathsx']);
  // targets without gateways report them lost and do not compare their traffic
  expect(diffs(docs, 'service-connect').filter((d) => d.resource.startsWith('GatewayRoute'))).toEqual([]);
});

test('behind a gateway that leaves the path alone, the router\'s routes apply with the gateway route\'s conditions added', () => {
  const docs: Doc[] = [
    ...mesh([
      { name: 'beta', to: 'b', match: { prefix: '/', headers: [{ name: 'x-beta', match: { exact: '1' } }] } },
      { name: 'all', to: 'a', match: { prefix: '/' } },
    ]),
    { kind: 'VirtualGateway', meshName: 'm', virtualGatewayName: 'gw', spec: { listeners: [http(80)] } },
    {
      kind: 'GatewayRoute', meshName: 'm', virtualGatewayName: 'gw', gatewayRouteName: 'mobile',
      spec: { httpRoute: { match: { prefix: '/', headers: [{ name: 'x-app', match: { exact: 'mobile' } }] }, action: { target: { virtualService: { virtualServiceName: 'color.m.svc.cluster.local' } } } } },
    },
  ];
  const istio = migrate(sourceOf(docs), 'istio');
  const vs = istio.docs.find((d) => d.path.includes('gw-gateway'))!;
  expect((vs.body.spec as { http: Doc[] }).http.map((h) => [h.name, h.match])).toEqual([
    ['mobile-beta', [{ headers: { 'x-beta': { exact: '1' }, 'x-app': { exact: 'mobile' } } }]],
    ['mobile-all', [{ headers: { 'x-app': { exact: 'mobile' } } }]],
  ]);
  expect(istio.report.differences).toEqual([]);
  const gw = migrate(sourceOf(docs), 'gateway-api');
  const route = gw.docs.find((d) => d.path.includes('gw-mobile'))!;
  expect((route.body.spec as { rules: Doc[] }).rules.map((r) => r.matches)).toEqual([
    [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'x-beta', value: '1' }, { type: 'Exact', name: 'x-app', value: 'mobile' }] }],
    [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ type: 'Exact', name: 'x-app', value: 'mobile' }] }],
  ]);
  expect(gw.report.differences).toEqual([]);
});

test('helpers: weights to percentages, durations, strings a regex matches', () => {
  expect(percentages([75, 25])).toEqual({ values: [75, 25], exact: true });
  expect(percentages([1, 1, 1])).toEqual({ values: [34, 33, 33], exact: false });
  expect(percentages([0, 0])).toEqual({ values: [0, 0], exact: true });
  expect(gatewayApiDuration(15_000)).toBe('15s');
  expect(gatewayApiDuration(250)).toBe('250ms');
  expect(gatewayApiDuration(5_400_500)).toBe('1h30m500ms');
  expect(protobufDuration(1500)).toBe('1.500s');
  expect(regexExample('redor.*')).toBe('redor');
  expect(regexExample('^/api/v[0-9]+/(users|groups)$')).toBe('/api/v0/users');
  expect(regexExample('\\d{3}-x')).toBe('111-x');
  expect(regexExample('(?=lookahead)')).toBeUndefined();
});
