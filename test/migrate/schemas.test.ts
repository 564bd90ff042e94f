// The vendored schemas (schemas/vendor, see its README) and what `migrate --check` does with them:
// each file names its pinned source, the README lists every file, and the validators reject what
// the targets' API servers reject — wrong types and ranges, unknown fields, missing required
// members, wrong apiVersion/kind, names Kubernetes refuses — and accept the documents migrate writes.

import * as fs from 'fs';
import * as path from 'path';
import { fillPlaceholders, validateDocument } from '../../src/migrate/schemas';
import type { SchemaRef } from '../../src/migrate/target';
import { ROOT } from '../helpers/run-cli';
import { readTree } from '../workflows/helpers';

const VENDOR = path.join(ROOT, 'schemas', 'vendor');
const files = Object.keys(readTree(VENDOR)).filter((f) => f.endsWith('.json')).sort();

test('every vendored file names its pinned upstream, and the README lists it with the same commit', () => {
  const readme = fs.readFileSync(path.join(VENDOR, 'README.md'), 'utf8');
  expect(files.length).toBeGreaterThanOrEqual(20);
  for (const f of files) {
    const body = JSON.parse(fs.readFileSync(path.join(VENDOR, f), 'utf8'));
    // cfn-lint's registry schema is kept byte for byte; the README says where it is from
    const source = body.source ?? undefined;
    if (source) {
      expect(source).toEqual(expect.objectContaining({ repository: expect.any(String), commit: expect.stringMatching(/^[0-9a-f]{40}$/), gitBlob: expect.stringMatching(/^[0-9a-f]{40}$/), licence: expect.any(String) }));
      expect(readme).toContain(source.commit);
      expect(readme).toContain(source.path);
    } else {
      expect(f).toBe('cloudformation/aws-ecs-service.json');
    }
    expect(readme).toContain(f);
  }
});

test('the extraction script pins the same blobs the files record', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { SOURCES } = require('../../scripts/vendor-migrate-schemas.js') as { SOURCES: Array<{ path: string; blob: string; commit: string }> };
  for (const f of files.filter((x) => x !== 'cloudformation/aws-ecs-service.json')) {
    const { source } = JSON.parse(fs.readFileSync(path.join(VENDOR, f), 'utf8'));
    expect(SOURCES).toContainEqual(expect.objectContaining({ path: source.path, blob: source.gitBlob, commit: source.commit }));
  }
});

const crd = (file: string): SchemaRef => ({ type: 'crd', file });
const route = (spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  body: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'default' }, spec, ...extra },
  schema: crd('gateway-api/standard/httproutes.v1.json'),
});

describe('Gateway API HTTPRoute (standard channel)', () => {
  const good = { parentRefs: [{ group: '', kind: 'Service', name: 'svc', port: 80 }], rules: [{ backendRefs: [{ name: 'a', port: 80, weight: 75 }] }] };

  test('a GAMMA route is valid', () => {
    expect(validateDocument(route(good))).toEqual([]);
  });

  test('weights above 1,000,000, unknown fields, a retry (experimental only) and bad names are rejected', () => {
    const bad = { ...good, rules: [{ backendRefs: [{ name: 'a', port: 80, weight: 1_000_001 }], retry: { attempts: 2 }, typo: 1 }] };
    const problems = validateDocument(route(bad, { metadata: { name: 'Not_A_Name' } }));
    const text = problems.map((p) => `${p.path}: ${p.message}`).join('\n');
    expect(text).toMatch(/spec\.rules\[0\]\.backendRefs\[0\]\.weight.*1000000/);
    expect(text).toMatch(/Unknown parameter in spec\.rules\[0\]: "retry"/);
    expect(text).toMatch(/Unknown parameter in spec\.rules\[0\]: "typo"/);
    expect(text).toMatch(/metadata\.name: must be a DNS-1123 subdomain/);
  });

  test('the experimental channel accepts retry', () => {
    const doc = route({ ...good, rules: [{ backendRefs: [{ name: 'a', port: 80 }], retry: { attempts: 2, codes: [503] } }] });
    expect(validateDocument({ ...doc, schema: crd('gateway-api/experimental/httproutes.v1.json') })).toEqual([]);
  });

  test('apiVersion and kind must be the CRD\'s', () => {
    const problems = validateDocument({ ...route(good), body: { ...route(good).body, apiVersion: 'gateway.networking.k8s.io/v1beta2', kind: 'GRPCRoute' } });
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['apiVersion', 'kind']));
  });
});

test('Istio VirtualService: first-match routes validate; a wrong type does not', () => {
  const vs = (http: unknown) => ({
    body: { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v', namespace: 'default' }, spec: { hosts: ['a.b'], http } },
    schema: crd('istio/virtualservices.v1.json'),
  });
  expect(validateDocument(vs([{ match: [{ uri: { prefix: '/x' } }], route: [{ destination: { host: 'a.default.svc.cluster.local' }, weight: 100 }], retries: { attempts: 2, retryOn: '5xx' } }]))).toEqual([]);
  expect(validateDocument(vs([{ route: [{ destination: { host: 'a' }, weight: 'heavy' }] }])).map((p) => p.path)).toContain('spec.http[0].route[0].weight');
});

test('AWS Gateway API controller TargetGroupPolicy: health check ranges', () => {
  const tgp = (interval: number) => ({
    body: {
      apiVersion: 'application-networking.k8s.aws/v1alpha1', kind: 'TargetGroupPolicy', metadata: { name: 't' },
      spec: { targetRef: { group: '', kind: 'Service', name: 's' }, healthCheck: { enabled: true, intervalSeconds: interval } },
    },
    schema: crd('aws-gateway-api-controller/targetgrouppolicies.v1alpha1.json'),
  });
  expect(validateDocument(tgp(5))).toEqual([]);
  expect(validateDocument(tgp(1)).map((p) => p.path)).toEqual(['spec.healthCheck.intervalSeconds']);
});

test('ECS update-service input against botocore: types, required members, unknown members', () => {
  const ref: SchemaRef = { type: 'botocore', model: 'ecs-2014-11-13', operation: 'UpdateService' };
  expect(validateDocument({ schema: ref, body: { service: 's', serviceConnectConfiguration: { enabled: true, namespace: 'n', services: [{ portName: 'http-80', clientAliases: [{ port: 80, dnsName: 'a.b' }] }] } } })).toEqual([]);
  const problems = validateDocument({ schema: ref, body: { serviceConnectConfiguration: { enabled: 'yes', services: [{ clientAliases: [{ port: 70000 }], extra: 1 }] } } });
  const text = problems.map((p) => p.message).join('\n');
  expect(text).toMatch(/Missing required parameter in input: "service"/);
  expect(text).toMatch(/enabled/);
  expect(text).toMatch(/Missing required parameter in serviceConnectConfiguration\.services\[0\]: "portName"/);
  expect(text).toMatch(/Unknown parameter in serviceConnectConfiguration\.services\[0\]: "extra"/);
  expect(text).toMatch(/port/);
});

test('VPC Lattice inputs: ${…} placeholders are filled with well-formed ids before the identifier patterns are checked', () => {
  expect(fillPlaceholders({ a: '${SERVICE_ID_X}', b: ['${TARGET_GROUP_ID_Y}'], c: '${UNKNOWN}' })).toEqual({ a: 'svc-0123456789abcdef0', b: ['tg-0123456789abcdef0'], c: '${UNKNOWN}' });
  const ref: SchemaRef = { type: 'botocore', model: 'vpc-lattice-2022-11-30', operation: 'CreateRule' };
  const rule = (weight: number, serviceIdentifier = '${SERVICE_ID_A}') => ({
    schema: ref,
    body: {
      serviceIdentifier, listenerIdentifier: '${LISTENER_ID_A_80}', name: 'r-one', priority: 1,
      match: { httpMatch: { pathMatch: { match: { prefix: '/' }, caseSensitive: true } } },
      action: { forward: { targetGroups: [{ targetGroupIdentifier: '${TARGET_GROUP_ID_A}', weight }] } },
    },
  });
  expect(validateDocument(rule(75))).toEqual([]);
  expect(validateDocument(rule(1000)).map((p) => p.path)).toEqual(['action.forward.targetGroups[0].weight']);
  expect([...new Set(validateDocument(rule(1, 'my-service')).map((p) => p.path))]).toEqual(['serviceIdentifier']);
});

test('CloudFormation AWS::ECS::Service fragments: Properties against the registry schema', () => {
  const ref: SchemaRef = { type: 'cloudformation', file: 'cloudformation/aws-ecs-service.json', resourceType: 'AWS::ECS::Service' };
  const frag = (props: Record<string, unknown>, type = 'AWS::ECS::Service') => ({ schema: ref, body: { Resources: { WebService: { Type: type, Properties: props } } } });
  expect(validateDocument(frag({ ServiceConnectConfiguration: { Enabled: true, Namespace: 'n', Services: [{ PortName: 'p', ClientAliases: [{ Port: 80, DnsName: 'a' }] }] } }))).toEqual([]);
  const problems = validateDocument(frag({ ServiceConnectConfiguration: { Namespace: 'n', Services: [{ portName: 'p' }] } }, 'AWS::ECS::TaskDefinition'));
  const text = problems.map((p) => `${p.path}: ${p.message}`).join('\n');
  expect(text).toMatch(/Resources\.WebService\.Type: must be AWS::ECS::Service/);
  expect(text).toMatch(/"Enabled"/);
  expect(text).toMatch(/Unknown parameter in .*Services\[0\]: "portName"/);
});

test('Cloud Map namespace input: awsmesh\'s own servicediscovery schema', () => {
  const ref: SchemaRef = { type: 'awsmesh', service: 'servicediscovery', operation: 'CreateHttpNamespace' };
  expect(validateDocument({ schema: ref, body: { Name: 'apps' } })).toEqual([]);
  expect(validateDocument({ schema: ref, body: { name: 'apps' } }).length).toBeGreaterThan(0);
});
