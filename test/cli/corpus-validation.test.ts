// Every real spec in the corpus validates for its operation; variants we break on purpose are
// rejected with the right path and message.

import { validateInput } from '../../src/validation/validate';
import { loadCorpus, type CorpusSpec } from '../helpers/corpus';

const specs: CorpusSpec[] = loadCorpus();

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v));
}

describe('corpus of real App Mesh specs', () => {
  test('the corpus is present and complete (123 files, 50 jq templates)', () => {
    expect(specs).toHaveLength(123);
    expect(specs.filter((s) => s.template)).toHaveLength(50);
  });

  test.each(specs.map((s) => [s.file, s] as const))('%s validates for Create<kind>', (_file, spec) => {
    expect(validateInput('appmesh', `Create${spec.kind}`, spec.input)).toEqual([]);
  });
});

describe('invalid variants derived from the corpus', () => {
  const nodes = specs.filter((s) => s.kind === 'VirtualNode' && (s.input.spec as any).listeners?.length);
  const routes = specs.filter((s) => s.kind === 'Route' && (s.input.spec as any).httpRoute);

  test('there are nodes with listeners and http routes to derive from', () => {
    expect(nodes.length).toBeGreaterThan(20);
    expect(routes.length).toBeGreaterThan(20);
  });

  test.each(nodes.map((s) => [s.file, s] as const))('%s: six kinds of breakage, all reported at once', (_f, spec) => {
    const bad = clone(spec.input) as any;
    delete bad.spec.listeners[0].portMapping.port; // missing required
    bad.spec.listeners[0].portMapping.protocol = 'https'; // bad enum
    bad.spec.listner = []; // unknown key
    bad.spec.serviceDiscovery = { dns: { hostname: 'a.local' }, awsCloudMap: { namespaceName: 'n', serviceName: 's' } }; // two union members
    bad.spec.backends = 'not-a-list'; // wrong type
    const messages = validateInput('appmesh', 'CreateVirtualNode', bad).map((p) => p.message);
    expect(messages).toEqual(expect.arrayContaining([
      'Missing required parameter in spec.listeners[0].portMapping: "port"',
      'Invalid value for parameter spec.listeners[0].portMapping.protocol, value: https, valid values: http, tcp, http2, grpc',
      'Unknown parameter in spec: "listner", must be one of: backendDefaults, backends, listeners, logging, serviceDiscovery',
      'Invalid number of parameters set for tagged union structure spec.serviceDiscovery. Can only set one of the following keys: awsCloudMap. dns.',
      "Invalid type for parameter spec.backends, value: not-a-list, type: <class 'str'>, valid types: <class 'list'>, <class 'tuple'>",
    ]));
    expect(messages).toHaveLength(5);

    const range = clone(spec.input) as any;
    range.spec.listeners[0].portMapping.port = 70000;
    expect(validateInput('appmesh', 'CreateVirtualNode', range).map((p) => p.message)).toEqual([
      'Invalid value for parameter spec.listeners[0].portMapping.port, value: 70000, valid max value: 65535',
    ]);
  });

  test.each(routes.map((s) => [s.file, s] as const))('%s: route-type union and weight range', (_f, spec) => {
    const twoTypes = clone(spec.input) as any;
    twoTypes.spec.tcpRoute = { action: { weightedTargets: [{ virtualNode: 'n', weight: 1 }] } };
    const p1 = validateInput('appmesh', 'CreateRoute', twoTypes);
    expect(p1.map((p) => p.message)).toContain(
      'Invalid number of parameters set for spec. Must set exactly one of the following keys: grpcRoute, http2Route, httpRoute, tcpRoute',
    );
    const heavy = clone(spec.input) as any;
    heavy.spec.httpRoute.action.weightedTargets[0].weight = 101;
    expect(validateInput('appmesh', 'CreateRoute', heavy).map((p) => p.message)).toEqual([
      'Invalid value for parameter spec.httpRoute.action.weightedTargets[0].weight, value: 101, valid max value: 100',
    ]);
  });
});

describe('rules the service enforces beyond the model', () => {
  const base = { meshName: 'm', virtualRouterName: 'r', routeName: 'x' };
  test('an http route match takes prefix or path, not both (a port-only match is valid)', () => {
    const target = { weightedTargets: [{ virtualNode: 'n', weight: 1 }] };
    const both = { ...base, spec: { httpRoute: { match: { prefix: '/', path: { exact: '/a' } }, action: target } } };
    const portOnly = { ...base, spec: { httpRoute: { match: { port: 8080 }, action: target } } };
    expect(validateInput('appmesh', 'CreateRoute', both).map((p) => p.message)).toEqual([
      'Invalid combination of parameters in spec.httpRoute.match: set only one of path, prefix',
    ]);
    expect(validateInput('appmesh', 'CreateRoute', portOnly)).toEqual([]);
  });
  test('a gRPC method match needs the service name', () => {
    const input = { ...base, spec: { grpcRoute: { match: { methodName: 'Get' }, action: { weightedTargets: [{ virtualNode: 'n', weight: 1 }] } } } };
    expect(validateInput('appmesh', 'CreateRoute', input).map((p) => p.message)).toEqual([
      'Missing required parameter in spec.grpcRoute.match: "serviceName" (required when "methodName" is set)',
    ]);
  });
  test('explicit null is a type error, as in the AWS CLI', () => {
    expect(validateInput('appmesh', 'DescribeMesh', { meshName: 'm', meshOwner: null }).map((p) => p.message)).toEqual([
      "Invalid type for parameter meshOwner, value: None, type: <class 'NoneType'>, valid types: <class 'str'>",
    ]);
  });
});
