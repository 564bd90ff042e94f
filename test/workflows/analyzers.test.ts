// Every analyzer rule with a fixture that trips it and a near-miss fixture that must not, run on
// real files through the manifest loader (so file and line are checked too).

import * as fs from 'fs';
import * as path from 'path';
import { analyze } from '../../src/workflows/analyze';
import { CODES, type Finding } from '../../src/workflows/findings';
import { loadManifestSet } from '../../src/workflows/manifest';
import { loadCorpus } from '../helpers/corpus';
import { cleanMesh, cleanupDirs, tempDir, yamlStream, type Doc } from './helpers';

afterAll(cleanupDirs);

type Json = Record<string, any>;

function run(docs: Doc[], opts: { liveChecked?: boolean; extraFiles?: Record<string, string> } = {}): { findings: Finding[]; text: string } {
  const dir = tempDir();
  const text = yamlStream(docs);
  fs.writeFileSync(path.join(dir, 'mesh.yaml'), text);
  for (const [f, content] of Object.entries(opts.extraFiles ?? {})) fs.writeFileSync(path.join(dir, f), content);
  const set = loadManifestSet([dir], dir);
  return { findings: [...set.findings, ...analyze(set.resources, [], { liveChecked: opts.liveChecked })], text };
}

function find(docs: Doc[], kind: string, name: string): Json {
  const member = `${kind[0].toLowerCase()}${kind.slice(1)}Name`;
  const d = docs.find((x) => x.kind === kind && (x[member] === name || (kind === 'Mesh' && x.meshName === name)));
  if (!d) throw new Error(`fixture has no ${kind} ${name}`);
  return d as Json;
}

const route = (docs: Doc[]) => find(docs, 'Route', 'color-route').spec.httpRoute;
const blueListener = (docs: Doc[]) => find(docs, 'VirtualNode', 'blue').spec.listeners[0];

interface Case {
  code: keyof typeof CODES;
  title: string;
  fail: (docs: Doc[]) => void;
  /** A near miss that must not report the code (the clean mesh when omitted). */
  pass?: (docs: Doc[]) => void;
  path?: string;
  /** Text whose line the finding must point at. */
  lineOf?: string;
  severity?: string;
  fix?: RegExp;
  liveChecked?: boolean;
}

const CASES: Case[] = [
  {
    code: 'AM0001', title: 'schema violation (port as a string)', path: 'spec.listeners[0].portMapping.port',
    fail: (d) => { blueListener(d).portMapping.port = '9080'; },
    pass: (d) => { blueListener(d).portMapping.port = 9081; find(d, 'VirtualRouter', 'color-router').spec.listeners[0].portMapping.port = 9081; },
    fix: /Write it as a number/,
  },
  {
    code: 'AM0002', title: 'unknown kind', path: 'kind', fix: /Did you mean "VirtualNode"/,
    fail: (d) => { find(d, 'VirtualNode', 'green').kind = 'VirtualNod'; },
    pass: (d) => { delete find(d, 'VirtualNode', 'green').kind; }, // inferred from virtualNodeName
  },
  {
    code: 'AM0003', title: 'duplicate resource',
    fail: (d) => { d.push(JSON.parse(JSON.stringify(find(d, 'VirtualNode', 'green')))); },
    pass: (d) => { const g = JSON.parse(JSON.stringify(find(d, 'VirtualNode', 'green'))); g.meshName = 'other'; d.push(g, { kind: 'Mesh', meshName: 'other' }); },
  },
  {
    code: 'AM0101', title: 'mesh not declared (warning)', severity: 'warning', path: 'meshName',
    fail: (d) => { d.splice(d.indexOf(find(d, 'Mesh', 'm')), 1); },
  },
  {
    code: 'AM0101', title: 'mesh neither declared nor live (error)', severity: 'error', liveChecked: true,
    fail: (d) => { d.splice(d.indexOf(find(d, 'Mesh', 'm')), 1); },
  },
  {
    code: 'AM0102', title: "route's router missing", path: 'virtualRouterName', fix: /Did you mean "color-router"/,
    fail: (d) => { find(d, 'Route', 'color-route').virtualRouterName = 'color-routr'; },
  },
  {
    code: 'AM0102', title: "gateway route's gateway missing", path: 'virtualGatewayName',
    fail: (d) => { find(d, 'GatewayRoute', 'gw-front').virtualGatewayName = 'ingress'; },
  },
  {
    code: 'AM0103', title: 'route target missing', path: 'spec.httpRoute.action.weightedTargets[0].virtualNode', fix: /Did you mean "blue"/,
    lineOf: 'virtualNode: blu\n',
    fail: (d) => { route(d).action.weightedTargets[0].virtualNode = 'blu'; },
  },
  {
    code: 'AM0104', title: 'service provider missing', path: 'spec.provider.virtualRouter.virtualRouterName',
    fail: (d) => { find(d, 'VirtualService', 'color.m.local').spec.provider.virtualRouter.virtualRouterName = 'nope'; },
    pass: (d) => { find(d, 'VirtualService', 'color.m.local').spec.provider = { virtualNode: { virtualNodeName: 'blue' } }; },
  },
  {
    code: 'AM0104', title: 'node provider missing', path: 'spec.provider.virtualNode.virtualNodeName',
    fail: (d) => { find(d, 'VirtualService', 'front.m.local').spec.provider.virtualNode.virtualNodeName = 'Front'; },
  },
  {
    code: 'AM0105', title: 'gateway route target missing', path: 'spec.httpRoute.action.target.virtualService.virtualServiceName',
    fail: (d) => { find(d, 'GatewayRoute', 'gw-front').spec.httpRoute.action.target.virtualService.virtualServiceName = 'nothing.m.local'; },
  },
  {
    code: 'AM0106', title: 'backend not provided by any declared service', path: 'spec.backends[0].virtualService.virtualServiceName',
    fix: /Did you mean "color\.m\.local"\? Service names are matched case-sensitively/,
    fail: (d) => { find(d, 'VirtualNode', 'front').spec.backends[0].virtualService.virtualServiceName = 'Color.m.local'; },
  },
  {
    code: 'AM0107', title: 'unreachable virtual service', severity: 'info', path: 'virtualServiceName',
    fail: (d) => { delete find(d, 'VirtualNode', 'front').spec.backends; },
    pass: (d) => {
      // reachable through a gateway route instead of a backend
      delete find(d, 'VirtualNode', 'front').spec.backends;
      d.push({ kind: 'GatewayRoute', meshName: 'm', virtualGatewayName: 'gw', gatewayRouteName: 'gw-color', spec: { httpRoute: { match: { prefix: '/color' }, action: { target: { virtualService: { virtualServiceName: 'color.m.local' } } } } } });
    },
  },
  {
    code: 'AM0201', title: 'all weights zero', path: 'spec.httpRoute.action.weightedTargets',
    fail: (d) => { route(d).action.weightedTargets.forEach((t: Json) => { t.weight = 0; }); },
    pass: (d) => { route(d).action.weightedTargets[1].weight = 0; route(d).action.weightedTargets[0].weight = 100; },
  },
  {
    code: 'AM0202', title: 'weights over 100', severity: 'warning',
    fail: (d) => { route(d).action.weightedTargets.forEach((t: Json) => { t.weight = 75; }); },
    pass: (d) => { route(d).action.weightedTargets[0].weight = 75; route(d).action.weightedTargets[1].weight = 25; },
  },
  {
    code: 'AM0203', title: 'weights not adding up to 100', severity: 'info',
    fail: (d) => { route(d).action.weightedTargets[0].weight = 80; route(d).action.weightedTargets[1].weight = 10; },
    pass: (d) => { route(d).action.weightedTargets.forEach((t: Json) => { t.weight = 1; }); }, // equal weights: clearly an even split
  },
  {
    code: 'AM0301', title: 'httpRoute on an http2 router (tolerated)', severity: 'warning', path: 'spec.httpRoute', fix: /Use http2Route/,
    fail: (d) => { find(d, 'VirtualRouter', 'color-router').spec.listeners[0].portMapping.protocol = 'http2'; },
    pass: (d) => {
      find(d, 'VirtualRouter', 'color-router').spec.listeners[0].portMapping.protocol = 'http2';
      const r = find(d, 'Route', 'color-route');
      r.spec = { http2Route: r.spec.httpRoute };
    },
  },
  {
    code: 'AM0302', title: 'tcpRoute on an http router', severity: 'error', path: 'spec.tcpRoute',
    fail: (d) => { const r = find(d, 'Route', 'color-route'); r.spec = { tcpRoute: { action: r.spec.httpRoute.action } }; },
    pass: (d) => {
      const r = find(d, 'Route', 'color-route');
      r.spec = { tcpRoute: { action: r.spec.httpRoute.action } };
      find(d, 'VirtualRouter', 'color-router').spec.listeners[0].portMapping.protocol = 'tcp';
    },
  },
  {
    code: 'AM0303', title: 'multi-listener router, route without match.port', path: 'spec.httpRoute.match',
    fail: (d) => { find(d, 'VirtualRouter', 'color-router').spec.listeners.push({ portMapping: { port: 9090, protocol: 'http' } }); },
    pass: (d) => {
      find(d, 'VirtualRouter', 'color-router').spec.listeners.push({ portMapping: { port: 9090, protocol: 'http' } });
      route(d).match.port = 9080;
      route(d).action.weightedTargets.forEach((t: Json) => { t.port = 9080; });
    },
  },
  {
    code: 'AM0303', title: 'multi-listener gateway, gateway route without match.port',
    fail: (d) => { find(d, 'VirtualGateway', 'gw').spec.listeners.push({ portMapping: { port: 8089, protocol: 'http' } }); },
  },
  {
    code: 'AM0304', title: 'match.port not a router listener', path: 'spec.httpRoute.match.port',
    fail: (d) => { route(d).match.port = 9999; },
    pass: (d) => { route(d).match.port = 9080; },
  },
  {
    code: 'AM0305', title: 'target port not a node listener', path: 'spec.httpRoute.action.weightedTargets[0].port',
    fail: (d) => { route(d).action.weightedTargets[0].port = 1234; },
    pass: (d) => { route(d).action.weightedTargets[0].port = 9080; },
  },
  {
    code: 'AM0305', title: 'target without port on a multi-listener node', path: 'spec.httpRoute.action.weightedTargets[0]',
    fail: (d) => { find(d, 'VirtualNode', 'blue').spec.listeners.push({ portMapping: { port: 9443, protocol: 'http' } }); },
    pass: (d) => {
      find(d, 'VirtualNode', 'blue').spec.listeners.push({ portMapping: { port: 9443, protocol: 'http' } });
      route(d).action.weightedTargets[0].port = 9443;
    },
  },
  {
    code: 'AM0305', title: 'gateway route target port not a provider listener', path: 'spec.httpRoute.action.target.port',
    fail: (d) => { find(d, 'GatewayRoute', 'gw-front').spec.httpRoute.action.target.port = 7000; },
    pass: (d) => { find(d, 'GatewayRoute', 'gw-front').spec.httpRoute.action.target.port = 8080; },
  },
  {
    code: 'AM0306', title: 'route target without listeners', severity: 'warning', path: 'spec.httpRoute.action.weightedTargets[1]',
    fail: (d) => { delete find(d, 'VirtualNode', 'green').spec.listeners; },
  },
  {
    code: 'AM0401', title: 'hostname differs only in case from a service', path: 'spec.serviceDiscovery.dns.hostname', lineOf: 'hostname: Color.m.local',
    fail: (d) => { find(d, 'VirtualNode', 'blue').spec.serviceDiscovery.dns.hostname = 'Color.m.local'; },
    pass: (d) => { find(d, 'VirtualNode', 'blue').spec.serviceDiscovery.dns.hostname = 'color.m.local'; },
  },
  {
    code: 'AM0501', title: 'health check timeout not below interval', path: 'spec.listeners[0].healthCheck.timeoutMillis', lineOf: 'timeoutMillis: 5000',
    fail: (d) => { blueListener(d).healthCheck.timeoutMillis = 5000; },
    pass: (d) => { blueListener(d).healthCheck.timeoutMillis = 4999; },
  },
  {
    code: 'AM0502', title: 'HTTP health check without path', path: 'spec.listeners[0].healthCheck.path',
    fail: (d) => { delete blueListener(d).healthCheck.path; },
    pass: (d) => { delete blueListener(d).healthCheck.path; blueListener(d).healthCheck.protocol = 'tcp'; },
  },
  {
    code: 'AM0503', title: 'retries exceed the per-request timeout', path: 'spec.httpRoute.retryPolicy.perRetryTimeout',
    fail: (d) => { route(d).retryPolicy.perRetryTimeout = { value: 4, unit: 's' }; }, // 3 × 4 s > 10 s
    pass: (d) => { route(d).retryPolicy.perRetryTimeout = { value: 3000, unit: 'ms' }; }, // 3 × 3 s ≤ 10 s
  },
  {
    code: 'AM0503', title: "retries exceed Envoy's default 15 s", fix: /timeout\.perRequest to at least 18 s/,
    fail: (d) => { delete route(d).timeout; route(d).retryPolicy.perRetryTimeout = { value: 6, unit: 's' }; },
    pass: (d) => { route(d).timeout = { perRequest: { value: 0, unit: 's' } }; route(d).retryPolicy.perRetryTimeout = { value: 6, unit: 's' }; },
  },
];

describe('the clean fixture', () => {
  test('has no finding at all', () => {
    expect(run(cleanMesh()).findings).toEqual([]);
  });
});

describe.each(CASES)('$code: $title', (c) => {
  test('the failing fixture reports it', () => {
    const docs = cleanMesh();
    c.fail(docs);
    const { findings, text } = run(docs, { liveChecked: c.liveChecked });
    const hits = findings.filter((f) => f.code === c.code);
    expect(hits.length).toBeGreaterThan(0);
    const f = hits[0];
    expect(f.severity).toBe(c.severity ?? CODES[c.code].severity);
    expect(f.file).toBe('mesh.yaml');
    expect(f.message.length).toBeGreaterThan(10);
    if (c.path) expect(f.path).toBe(c.path);
    if (c.fix) expect(f.fix).toMatch(c.fix);
    expect(typeof f.line).toBe('number');
    if (c.lineOf) {
      const at = text.indexOf(c.lineOf);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(f.line).toBe(text.slice(0, at).split('\n').length);
    }
  });

  test('the passing fixture does not', () => {
    const docs = cleanMesh();
    c.pass?.(docs);
    const { findings } = run(docs, { liveChecked: c.liveChecked });
    expect(findings.filter((f) => f.code === c.code)).toEqual([]);
  });
});

test('AM0004: an IAM policy document next to the manifests is skipped with an info', () => {
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'appmesh:*', Resource: '*' }] });
  const { findings } = run(cleanMesh(), { extraFiles: { 'policy.json': policy } });
  expect(findings).toEqual([expect.objectContaining({ code: 'AM0004', severity: 'info', file: 'policy.json', line: 1 })]);
  expect(run(cleanMesh()).findings.filter((f) => f.code === 'AM0004')).toEqual([]);
});

test('every documented code has a case above', () => {
  // AM0005–AM0007 are about CloudFormation templates (cloudformation.test.ts has their cases),
  // AM0008–AM0010 about Kubernetes manifests (k8s.test.ts).
  const covered = new Set([...CASES.map((c) => c.code), 'AM0004', 'AM0005', 'AM0006', 'AM0007', 'AM0008', 'AM0009', 'AM0010']);
  expect(Object.keys(CODES).filter((c) => !covered.has(c as keyof typeof CODES))).toEqual([]);
});

test('AM0101 is reported once per mesh, not once per resource', () => {
  const docs = cleanMesh().filter((d) => d.kind !== 'Mesh');
  expect(run(docs).findings.filter((f) => f.code === 'AM0101')).toHaveLength(1);
});

test('live resources complete references but are never reported on', () => {
  const docs = cleanMesh();
  const dir = tempDir();
  const declared = docs.filter((d) => d.kind === 'Route');
  const live = docs.filter((d) => d.kind !== 'Route');
  fs.writeFileSync(path.join(dir, 'route.yaml'), yamlStream(declared));
  fs.writeFileSync(path.join(dir, 'live.yaml'), yamlStream(live.map((d) => ({ ...d, spec: d.spec }))));
  const routeOnly = loadManifestSet([path.join(dir, 'route.yaml')], dir);
  const liveSet = loadManifestSet([path.join(dir, 'live.yaml')], dir);
  const context = liveSet.resources.map((r) => ({ ...r, origin: 'live' as const }));
  expect(analyze(routeOnly.resources, [], {}).map((f) => f.code)).toEqual(expect.arrayContaining(['AM0102', 'AM0103']));
  expect(analyze(routeOnly.resources, context, { liveChecked: true })).toEqual([]);
});

test('all 123 corpus specs load as manifests (kind given, names from flags) and analyze without a schema error', () => {
  const corpus = loadCorpus();
  expect(corpus).toHaveLength(123);
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'corpus.json'), JSON.stringify(corpus.map((c) => ({ kind: c.kind, ...c.input }))));
  const set = loadManifestSet([dir], dir);
  expect(set.findings).toEqual([]);
  expect(set.resources).toHaveLength(123);
  const findings = analyze(set.resources);
  // each spec sits in its own mesh, so references cannot resolve; everything else must hold
  const codes = new Set(findings.map((f) => f.code));
  for (const c of codes) expect(['AM0101', 'AM0102', 'AM0103', 'AM0104', 'AM0105', 'AM0106', 'AM0107', 'AM0203', 'AM0301']).toContain(c);
  expect(findings.every((f) => f.file === 'corpus.json' && typeof f.line === 'number')).toBe(true);
});
