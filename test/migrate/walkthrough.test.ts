// Golden tests: the App Mesh EC2 walkthrough's final state (test/fixtures/walkthrough: serviceA calls
// serviceb.apps.local, whose router splits 75/25 between serviceB and serviceBv2) on every target.
// The documents must equal test/migrate/golden/walkthrough.<target>.yaml byte for byte (regenerate
// with UPDATE_GOLDEN=1 after a deliberate change, and read the diff), validate against the vendored
// schemas, and keep the split where the target can express it.

import * as fs from 'fs';
import * as path from 'path';
import { migrate, TARGET_NAMES, type TargetName } from '../../src/migrate';
import { docStream } from '../../src/migrate/output';
import { validateDocument } from '../../src/migrate/schemas';
import { walkthroughSource } from './sources';

const GOLDEN = path.join(__dirname, 'golden');

function run(target: TargetName) {
  return migrate(walkthroughSource(), target);
}

describe.each(TARGET_NAMES.map((t) => [t]))('walkthrough → %s', (target) => {
  test('the documents are the golden ones, and valid', () => {
    const m = run(target);
    const text = docStream(m.docs, 'yaml');
    const file = path.join(GOLDEN, `walkthrough.${target}.yaml`);
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, text);
    expect(text).toBe(fs.readFileSync(file, 'utf8'));
    for (const d of m.docs) expect({ doc: d.path, problems: validateDocument(d) }).toEqual({ doc: d.path, problems: [] });
  });

  test('every setting of the seven resources is classified', () => {
    const m = run(target);
    expect(m.report.entries.filter((e) => e.code === 'MG0001')).toEqual([]);
    const resources = new Set(m.report.entries.map((e) => e.resource));
    for (const r of ['Mesh apps', 'VirtualNode apps/serviceA', 'VirtualNode apps/serviceB', 'VirtualNode apps/serviceBv2', 'VirtualRouter apps/serviceB',
      'Route apps/serviceB/serviceB', 'VirtualService apps/servicea.apps.local', 'VirtualService apps/serviceb.apps.local']) {
      expect(resources).toContain(r);
    }
  });
});

test('gateway-api keeps 75/25 as backendRef weights on serviceb, and no request is routed differently', () => {
  const m = run('gateway-api');
  const route = m.docs.find((d) => d.body.kind === 'HTTPRoute')!;
  expect(route.body.spec).toMatchObject({
    parentRefs: [{ kind: 'Service', name: 'serviceb', port: 80 }],
    rules: [{ backendRefs: [{ name: 'serviceb', weight: 75 }, { name: 'servicebv2', weight: 25 }] }],
  });
  expect(m.report.differences).toEqual([]);
});

test('istio keeps 75/25 as route weights of the serviceb.apps.local VirtualService', () => {
  const m = run('istio');
  const vs = m.docs.find((d) => d.body.kind === 'VirtualService' && (d.body.spec as { hosts: string[] }).hosts[0] === 'serviceb.apps.local')!;
  expect(vs.body.spec).toMatchObject({
    http: [{ route: [{ destination: { host: 'serviceb.default.svc.cluster.local' }, weight: 75 }, { destination: { host: 'servicebv2.default.svc.cluster.local' }, weight: 25 }] }],
  });
  expect(m.report.differences).toEqual([]);
});

test('lattice keeps 75/25 in the HTTPRoute and in the VPC Lattice rule', () => {
  const m = run('lattice');
  const route = m.docs.find((d) => d.body.kind === 'HTTPRoute' && (d.body.spec as { hostnames: string[] }).hostnames[0] === 'serviceb.apps.local')!;
  expect(route.body.spec).toMatchObject({
    parentRefs: [{ name: 'apps', sectionName: 'http-80' }],
    hostnames: ['serviceb.apps.local'],
    rules: [{ backendRefs: [{ name: 'serviceb', weight: 75 }, { name: 'servicebv2', weight: 25 }] }],
  });
  const rules = m.docs.filter((d) => d.schema.type === 'botocore' && d.schema.operation === 'CreateRule');
  expect(rules).toHaveLength(1);
  const rule = rules[0];
  expect(rule.body).toMatchObject({ priority: 1, action: { forward: { targetGroups: [{ weight: 75 }, { weight: 25 }] } } });
  expect(m.docs.find((d) => d.body.kind === 'Gateway')!.body.spec).toMatchObject({ gatewayClassName: 'amazon-vpc-lattice' });
  expect(m.report.differences).toEqual([]);
});

test('service-connect reports the router as lost, with the manual alternative, and the split as a routing difference', () => {
  const m = run('service-connect');
  const lost = m.report.entries.filter((e) => e.fidelity === 'lost');
  expect(lost.map((e) => [e.code, e.resource, e.setting])).toEqual([
    ['MG0302', 'Route apps/serviceB/serviceB', 'spec.http2Route.action.weightedTargets'],
    ['MG0402', 'VirtualService apps/serviceb.apps.local', 'spec.provider.virtualRouter'],
  ]);
  for (const e of lost) {
    expect(e.message).toContain('ECS blue/green deployment');
    expect(e.message).toMatch(/ALB weighted target groups, Route 53 weighted records/);
  }
  expect(lost[0].message).toContain('serviceB 75%, serviceBv2 25%');
  expect(lost[0]).toMatchObject({ file: expect.stringMatching(/update-route\.json$/), line: 7 });
  // the client alias goes to the heaviest target; the equivalence check says what that changes
  const b = m.docs.find((d) => d.path === 'service-connect/update-service/serviceB')!;
  expect(b.body).toMatchObject({ serviceConnectConfiguration: { services: [{ clientAliases: [{ port: 80, dnsName: 'serviceb.apps.local' }] }] } });
  expect(m.report.differences).toEqual([
    expect.objectContaining({ code: 'MG0901', resource: 'Route apps/serviceB/serviceB', appMesh: 'serviceB 75%, serviceBv2 25%', target: 'serviceB 100%' }),
  ]);
});
