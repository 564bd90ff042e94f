// `awsmesh migrate` where it meets users, as real child processes (needs `npm run build`): exit
// codes, --dir output with stable names and stale files removed, --report json, --plan, --check,
// --strict; bad input stops with validate's errors (its own finding lines, 252) and writes nothing;
// CloudFormation templates (--parameter, --stack-name) and controller manifests are read as validate
// reads them; the same mesh read from files, from the local backend and through --endpoint-url gives
// the same output; and nothing of migrate loads on other commands' start path.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cleanEnv, cleanupHomes, ROOT, runBin, tempHome } from '../helpers/run-cli';
import { startServe, stopServes } from '../helpers/serve-process';
import { cleanupDirs, readTree, tempDir, writeTree } from '../workflows/helpers';
import { CFN_DIR as CFN, K8S_DIR as K8S, WALKTHROUGH_FILES } from './sources';

afterAll(async () => {
  await stopServes();
  cleanupDirs();
  cleanupHomes();
});

const FILES = WALKTHROUGH_FILES.flatMap((f) => ['-f', path.relative(ROOT, f)]);
const GOLDEN = (target: string) => fs.readFileSync(path.join(__dirname, 'golden', `walkthrough.${target}.yaml`), 'utf8');

test('stdout: the documents (as the golden files), the report on stderr; --strict exits 1 only when something is lost', async () => {
  const sc = await runBin(['migrate', '--to', 'service-connect', ...FILES, '--strict']);
  expect(sc.stdout).toBe(GOLDEN('service-connect'));
  expect(sc.stderr).toMatch(/^lost +MG0302 +Route apps\/serviceB\/serviceB +spec.http2Route.action.weightedTargets$/m);
  expect(sc.stderr).toContain('service-connect: 6 mapped, 9 approximated, 2 lost, 3 manual; 1 routing difference');
  expect(sc.stderr).toContain('--strict: 2 settings lost and 1 routing difference on service-connect.');
  expect(sc.code).toBe(1);

  const gw = await runBin(['migrate', '--to', 'gateway-api', ...FILES, '--strict', '--report', 'none']);
  expect(gw).toEqual({ code: 0, stdout: GOLDEN('gateway-api'), stderr: '' });
});

test('--dir: one file per document, stable names; a later run removes what it no longer makes; --report json on stderr', async () => {
  const dir = tempDir();
  const r = await runBin(['migrate', '--to', 'istio', ...FILES, '--dir', dir, '--report', 'json', '--format', 'json']);
  expect(r.code).toBe(0);
  expect(r.stdout).toBe('');
  const report = JSON.parse(r.stderr);
  expect(report).toMatchObject({ target: 'istio', source: 'mesh apps from 7 files', counts: { lost: 0, differences: 0 } });
  expect(report.entries[0]).toEqual(expect.objectContaining({ code: expect.stringMatching(/^MG\d{4}$/), fidelity: expect.any(String), file: expect.any(String) }));
  expect(Object.keys(readTree(dir)).sort()).toEqual([
    'istio/serviceentries/default/servicea-apps-local.json', 'istio/serviceentries/default/serviceb-apps-local.json',
    'istio/virtualservices/default/servicea-apps-local.json', 'istio/virtualservices/default/serviceb-apps-local.json',
  ]);
  fs.writeFileSync(path.join(dir, 'istio', 'keep-me.txt'), 'not ours');
  // the mesh without servicea.apps.local: its files go, anything else stays
  const fewer = WALKTHROUGH_FILES.filter((f) => !f.endsWith('create-virtual-servicea.json')).flatMap((f) => ['-f', f]);
  const again = await runBin(['migrate', '--to', 'istio', ...fewer, '--dir', dir, '--format', 'json', '--report', 'none']);
  expect(again.code).toBe(0);
  expect(again.stderr).toBe([
    'removed istio/serviceentries/default/servicea-apps-local.json (no longer generated)',
    'removed istio/virtualservices/default/servicea-apps-local.json (no longer generated)',
    'wrote 2 files for istio to ' + dir, '',
  ].join('\n'));
  expect(Object.keys(readTree(dir)).sort()).toEqual(['istio/keep-me.txt', 'istio/serviceentries/default/serviceb-apps-local.json', 'istio/virtualservices/default/serviceb-apps-local.json']);
});

test('--plan: the guide\'s steps with the files and commands, then the App Mesh deletions, dependents first', async () => {
  const r = await runBin(['migrate', '--to', 'service-connect', ...FILES, '--plan', '--report', 'none', '--cluster', 'prod']);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('Migration plan: App Mesh mesh apps → Amazon ECS Service Connect');
  expect(r.stdout).toContain('1. Create the Cloud Map namespace\n');
  expect(r.stdout).toContain('   $ aws servicediscovery create-http-namespace --cli-input-yaml file://service-connect/namespace/apps.yaml');
  expect(r.stdout).toContain('   $ aws ecs update-service --cli-input-yaml file://service-connect/update-service/serviceB.yaml');
  expect(r.stdout).toMatch(/5\. Shift traffic at the edge\n {3}.*Route 53 weighted records, ALB weighted target groups or CloudFront continuous deployment/);
  const deletes = r.stdout.slice(r.stdout.indexOf('7. Delete the App Mesh resources'));
  expect(deletes.split('\n').filter((l) => l.startsWith('   $ '))).toEqual([
    '   $ awsmesh appmesh delete-virtual-service --mesh-name apps --virtual-service-name servicea.apps.local',
    '   $ awsmesh appmesh delete-virtual-service --mesh-name apps --virtual-service-name serviceb.apps.local',
    '   $ awsmesh appmesh delete-route --mesh-name apps --virtual-router-name serviceB --route-name serviceB',
    '   $ awsmesh appmesh delete-virtual-router --mesh-name apps --virtual-router-name serviceB',
    '   $ awsmesh appmesh delete-virtual-node --mesh-name apps --virtual-node-name serviceA',
    '   $ awsmesh appmesh delete-virtual-node --mesh-name apps --virtual-node-name serviceB',
    '   $ awsmesh appmesh delete-virtual-node --mesh-name apps --virtual-node-name serviceBv2',
    '   $ awsmesh appmesh delete-mesh --mesh-name apps',
  ]);
  const lattice = await runBin(['migrate', '--to', 'lattice', ...FILES, '--plan', '--report', 'none', '--format', 'json']);
  // the VPC Lattice API path in creation order: each id exported before a later file needs it
  const api = lattice.stdout.slice(lattice.stdout.indexOf('Outside Kubernetes'), lattice.stdout.indexOf('6. Switch clients over'));
  const run = (v: string | undefined, op: string, file: string, templated: boolean) => {
    const call = `aws vpc-lattice ${op} --cli-input-json ${templated ? `"$(envsubst < lattice-api/${file}.json)"` : `file://lattice-api/${file}.json`}`;
    return `   $ ${v ? `export ${v}=$(${call} --query id --output text)` : call}`;
  };
  expect(api.split('\n').filter((l) => l.startsWith('   $ '))).toEqual([
    run('SERVICE_NETWORK_ID_APPS', 'create-service-network', '1-service-network/apps', false),
    run('SERVICE_ID_SERVICEA', 'create-service', '2-services/servicea', false),
    run('SERVICE_ID_SERVICEB', 'create-service', '2-services/serviceb', false),
    run(undefined, 'create-service-network-service-association', '3-associations/servicea', true),
    run(undefined, 'create-service-network-service-association', '3-associations/serviceb', true),
    run('TARGET_GROUP_ID_SERVICEA_80', 'create-target-group', '4-target-groups/servicea-80', true),
    run('TARGET_GROUP_ID_SERVICEB_80', 'create-target-group', '4-target-groups/serviceb-80', true),
    run('TARGET_GROUP_ID_SERVICEBV2_80', 'create-target-group', '4-target-groups/servicebv2-80', true),
    run('LISTENER_ID_SERVICEA_80', 'create-listener', '5-listeners/servicea-80', true),
    run('LISTENER_ID_SERVICEB_80', 'create-listener', '5-listeners/serviceb-80', true),
    run(undefined, 'create-rule', '6-rules/serviceb-80/001-serviceb', true),
  ]);
  expect(lattice.stdout).toContain('$ kubectl apply -f lattice/httproutes/default/serviceb.json');
});

test('--check: every document against its vendored schema', async () => {
  // four targets, each compiling its schemas in a fresh process: seconds each, more on a loaded machine
  for (const target of ['service-connect', 'lattice', 'gateway-api', 'istio']) {
    const r = await runBin(['migrate', '--to', target, ...FILES, '--check', '--report', 'none', '--experimental']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^checked \d+ documents? against schemas\/.*: all valid\n$/);
  }
}, 180_000);

describe('bad input: validate\'s errors, exit 252, nothing written', () => {
  test('a document that breaks the App Mesh schema', async () => {
    const src = writeTree(tempDir(), {
      'node.yaml': 'kind: VirtualNode\nmeshName: m\nvirtualNodeName: a\nspec:\n  listeners:\n    - portMapping: {port: "eighty", protocol: http}\n',
    });
    const out = path.join(tempDir(), 'out');
    const r = await runBin(['migrate', '--to', 'istio', '-f', src, '--dir', out]);
    expect(r.code).toBe(252);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/node\.yaml:6: error AM0001: .*port/);
    expect(r.stderr).toContain('Nothing was migrated: 1 error in the source (see above).');
    expect(fs.existsSync(out)).toBe(false);
  });

  test('unreadable YAML, a missing file, a missing source, an unknown target', async () => {
    const src = writeTree(tempDir(), { 'bad.yaml': 'kind: Mesh\nmeshName: [unclosed\n' });
    expect(await runBin(['migrate', '--to', 'istio', '-f', src])).toMatchObject({ code: 252, stdout: '', stderr: expect.stringMatching(/bad\.yaml:\d+:\d+: Invalid YAML/) });
    expect(await runBin(['migrate', '--to', 'istio', '-f', 'no/such/dir'])).toMatchObject({ code: 252, stderr: expect.stringContaining('The file or directory no/such/dir does not exist.') });
    expect(await runBin(['migrate', '--to', 'istio'])).toMatchObject({ code: 252, stderr: expect.stringContaining('migrate needs a source') });
    expect(await runBin(['migrate', '--to', 'linkerd', ...FILES])).toMatchObject({ code: 252, stderr: expect.stringContaining("argument --to: Invalid choice, valid choices are: service-connect | lattice | gateway-api | istio (got 'linkerd')") });
  });

  test('the findings are validate\'s own lines, for files, templates and controller manifests', async () => {
    const cases = [
      // a spec breaking the App Mesh schema
      [writeTree(tempDir(), { 'node.yaml': 'kind: VirtualNode\nmeshName: m\nvirtualNodeName: a\nspec:\n  listeners:\n    - portMapping: {port: "eighty", protocol: http}\n' })],
      // a template parameter without a value
      [path.join(CFN, 'walkthroughs', 'howto-http-retries')],
      // two manifests declaring the same virtual nodes
      [path.join(K8S, 'blogs', 'cert-manager-tls')],
    ];
    for (const paths of cases) {
      const out = path.join(tempDir(), 'out');
      const files = paths.flatMap((p) => ['-f', p]);
      const [validated, migrated] = await Promise.all([runBin(['validate', ...paths]), runBin(['migrate', '--to', 'istio', ...files, '--dir', out])]);
      const errors = (text: string) => text.split('\n').filter((l, i, all) => / error AM\d{4}: /.test(l) || / error AM\d{4}: /.test(all[i - 1] ?? ''));
      expect(errors(validated.stdout).length).toBeGreaterThan(0);
      expect({ paths, code: migrated.code, stdout: migrated.stdout, errors: errors(migrated.stderr) }).toEqual({ paths, code: 252, stdout: '', errors: errors(validated.stdout) });
      expect(fs.existsSync(out)).toBe(false);
    }
  }, 120_000);

  test('a mesh the backend does not have: the service error, exit 254', async () => {
    const r = await runBin(['migrate', '--to', 'istio', '--mesh', 'nope']);
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('An error occurred (NotFoundException) when calling the DescribeMesh operation');
  });
});

describe('the same mesh from every source', () => {
  const CREDS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-west-2' };
  const home = tempHome();

  beforeAll(async () => {
    // the walkthrough creates the mesh with `create-mesh --mesh-name apps`; its files do not declare it
    expect((await runBin(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home })).code).toBe(0);
    const applied = await runBin(['apply', ...FILES], { home });
    expect(applied.code).toBe(0);
  }, 60_000);

  test('a CloudFormation template, with --parameter and --stack-name as validate takes them', async () => {
    const r = await runBin(['migrate', '--to', 'istio', '-f', path.join(CFN, 'walkthroughs', 'howto-http-retries'),
      '--parameter', 'ProjectName=retries', '--stack-name', 'colors', '--check', '--report', 'json']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('# '))).toEqual([
      '# istio/serviceentries/default/color-retries-local.yaml', '# istio/virtualservices/default/color-retries-local.yaml',
    ]);
    const report = JSON.parse(r.stderr);
    expect(report.source).toMatch(/^mesh retries from .*howto-http-retries\/app\.yaml$/);
    // entries point into the template
    expect(report.entries.find((e: { resource: string }) => e.resource === 'VirtualNode retries/blue-node')).toMatchObject({ file: expect.stringMatching(/app\.yaml$/), line: expect.any(Number) });
  });

  test('App Mesh Controller manifests: the Mesh, VirtualNode, VirtualRouter and VirtualService objects', async () => {
    const r = await runBin(['migrate', '--to', 'lattice', '-f', path.join(K8S, 'blogs', 'cert-manager-tls', 'yelb-base.yaml'), '--check', '--report', 'json']);
    expect(r.code).toBe(0); // --check passed: with --report json, the report is all stderr holds
    const report = JSON.parse(r.stderr);
    expect(report.source).toMatch(/^mesh yelb from .*yelb-base\.yaml$/);
    expect(r.stdout).toContain('# lattice/httproutes/');
    expect(r.stdout).toContain('gatewayClassName: amazon-vpc-lattice');
  });

  test('the local backend (--mesh) gives the documents the files give', async () => {
    for (const target of ['istio', 'lattice']) {
      const r = await runBin(['migrate', '--to', target, '--mesh', 'apps', '--report', 'none'], { home });
      expect({ target, code: r.code, stdout: r.stdout }).toEqual({ target, code: 0, stdout: GOLDEN(target) });
    }
  });

  test('--endpoint-url (a running local serve) too', async () => {
    const serve = await startServe({ env: cleanEnv(home) });
    const r = await runBin(['--endpoint-url', serve.url, 'migrate', '--to', 'gateway-api', '--mesh', 'apps', '--report', 'json'], { env: CREDS });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(GOLDEN('gateway-api'));
    expect(JSON.parse(r.stderr).source).toBe(`mesh apps from ${serve.url}`);
    await serve.stop();
  }, 60_000);
});

test('nothing of migrate loads on another command\'s start path, and `migrate --help` loads only its registration', () => {
  const probe = (args: string[]) => {
    const script = `
      const { runCli } = require('./dist/cli/main');
      const io = { stdout: { write() {} }, stderr: { write() {} }, stdoutIsTTY: false, stderrIsTTY: false, env: { ...process.env, AWSMESH_HOME: ${JSON.stringify(tempHome())} }, cwd: process.cwd() };
      runCli(${JSON.stringify(args)}, io).then(() => process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('/dist/migrate/')))));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    return JSON.parse(r.stdout) as string[];
  };
  expect(probe(['validate', 'examples/ci/apps'])).toEqual([]);
  expect(probe(['appmesh', 'list-meshes'])).toEqual([]);
  expect(probe(['migrate', '--help'])).toEqual([]);
  expect(probe(['migrate', '--to', 'istio', '-f', 'examples/ci/apps']).length).toBeGreaterThan(0);
}, 120_000);
