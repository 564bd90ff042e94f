// `awsmesh validate` through the real CLI (in-process): file formats, kind inference, --mesh,
// text and JSON output, exit codes 0/1/252, file:line, --against-live on the local backend.

import * as path from 'path';
import { REFERENCE_WALKTHROUGH } from '../helpers/corpus';
import { cleanupHomes, runCli, tempHome, WALKTHROUGH } from '../helpers/run-cli';
import { cleanMesh, cleanupDirs, tempDir, validateJson, writeTree, yamlStream, type JsonFinding } from './helpers';


afterAll(() => {
  cleanupDirs();
  cleanupHomes();
});


describe.each([
  ['the reference walkthrough', REFERENCE_WALKTHROUGH],
  ['examples/walkthrough-ec2', WALKTHROUGH],
])('%s as it is', (_name, dir) => {
  test('reports the duplicate route (create + update file), the http2 router quirk and the hostname case', async () => {
    const { code, findings } = await validateJson([dir]);
    expect(code).toBe(1); // create-route.json and update-route.json declare the same route
    const byCode = (c: string) => findings.filter((f) => f.code === c);
    expect(byCode('AM0003')).toEqual([expect.objectContaining({ severity: 'error', file: expect.stringMatching(/update-route\.json$/), line: 1 })]);
    // create-route.json: "httpRoute" on an http2 router, line 5 of the file
    expect(byCode('AM0301')).toEqual([expect.objectContaining({ severity: 'warning', file: expect.stringMatching(/create-route\.json$/), line: 5, path: 'spec.httpRoute' })]);
    expect(byCode('AM0401')).toEqual([expect.objectContaining({ file: expect.stringMatching(/create-virtual-node-serviceb\.json$/), path: 'spec.serviceDiscovery.dns.hostname' })]);
    expect(byCode('AM0004')).toHaveLength(2); // the IAM trust and permission policies
    expect(byCode('AM0101')).toHaveLength(1); // the mesh comes from `create-mesh --mesh-name apps`
  });

  test('the files of the final state validate with warnings only', async () => {
    const files = ['create-virtual-node-servicea.json', 'create-virtual-node-serviceb.json', 'create-virtual-node-servicebv2.json',
      'create-virtual-router.json', 'update-route.json', 'create-virtual-servicea.json', 'update-virtual-service.json'].map((f) => path.join(dir, f));
    const r = await runCli(['validate', ...files]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/ error /);
    expect(r.stderr).toMatch(/^7 files checked: 0 errors, 2 warnings, 1 info$/m);
  });
});

test('text output: file:line, severity, code, message, fix; colour only when asked', async () => {
  const docs = cleanMesh();
  (docs[5].spec as any).httpRoute.action.weightedTargets[0].virtualNode = 'blu';
  const dir = writeTree(tempDir(), { 'mesh.yaml': yamlStream(docs) });
  const r = await runCli(['validate', dir], { cwd: dir });
  expect(r.code).toBe(1);
  const line = yamlStream(docs).split('\n').findIndex((l) => l.includes('virtualNode: blu')) + 1;
  expect(r.stdout).toContain(`mesh.yaml:${line}: error AM0103: Weighted target blu is not a virtual node of mesh m (at spec.httpRoute.action.weightedTargets[0].virtualNode)\n    fix: Did you mean "blue"?\n`);
  expect(r.stdout).not.toMatch(/\x1b\[/);
  expect(r.stderr).toContain('1 file checked: 1 error, 0 warnings, 0 info');
  const coloured = await runCli(['validate', dir, '--color', 'on'], { cwd: dir });
  expect(coloured.stdout).toMatch(/\x1b\[31merror\x1b\[39m AM0103/);
});

test('JSON lists, YAML streams and --cli-input-json files mix; --mesh fills meshName; kind is inferred', async () => {
  const dir = writeTree(tempDir(), {
    'a/mesh.json': JSON.stringify({ meshName: 'shop' }),
    'a/nodes.json': JSON.stringify([
      { virtualNodeName: 'cart', spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }] } },
      { kind: 'VirtualNode', virtualNodeName: 'pay', spec: { listeners: [{ portMapping: { port: 80, protocol: 'http' } }] } },
    ], null, 2),
    'b/deep/services.yml': 'virtualServiceName: cart.shop.local\nspec:\n  provider:\n    virtualNode: { virtualNodeName: cart }\n---\n# an empty document is fine\n---\nvirtualServiceName: pay.shop.local\nspec:\n  provider:\n    virtualNode: { virtualNodeName: pay }\n',
    'README.md': 'not a manifest',
  });
  const { code, findings, stderr } = await validateJson([dir, '--mesh', 'shop']);
  expect(code).toBe(0);
  expect(findings.map((f) => f.code).sort()).toEqual(['AM0107', 'AM0107']);
  expect(findings[0]).toMatchObject({ file: expect.stringMatching(/services\.yml$/), line: 1, path: 'virtualServiceName' });
  expect(findings[1]).toMatchObject({ line: 8 });
  expect(stderr).toContain('3 files checked');
  // without --mesh the documents lack meshName: schema errors with the AWS CLI's wording
  const without = await validateJson([path.join(dir, 'a', 'nodes.json')]);
  expect(without.code).toBe(1);
  expect(without.findings).toEqual([
    expect.objectContaining({ code: 'AM0001', message: 'Missing required parameter in input: "meshName"', line: 2 }),
    expect.objectContaining({ code: 'AM0001', message: 'Missing required parameter in input: "meshName"', line: 15 }),
  ]);
});

test('unknown keys and kinds are reported with the schema messages and a suggestion', async () => {
  const dir = writeTree(tempDir(), {
    'x.yaml': 'kind: VirtualRouter\nmeshName: m\nvirtualRouterName: r\nspec:\n  listener:\n    - portMapping: { port: 80, protocol: http }\n---\nkind: Gateway\nmeshName: m\n---\nspec: {}\n',
  });
  const { code, findings } = await validateJson([dir]);
  expect(code).toBe(1);
  expect(findings).toEqual(expect.arrayContaining([
    expect.objectContaining({ code: 'AM0001', line: 5, message: 'Unknown parameter in spec: "listener", must be one of: listeners', fix: 'Did you mean "listeners"?' }),
    expect.objectContaining({ code: 'AM0002', line: 8, path: 'kind', message: expect.stringContaining('Unknown kind "Gateway"') }),
    expect.objectContaining({ code: 'AM0002', line: 11, message: expect.stringContaining('Cannot tell which App Mesh resource') }),
  ]));
});

describe('unreadable input: exit 252, no stack trace', () => {
  test.each([
    ['a missing file', () => ['/nonexistent/awsmesh/manifest.yaml'], /The file or directory \/nonexistent\/awsmesh\/manifest\.yaml does not exist/],
    ['bad JSON (with its line)', () => [writeTree(tempDir(), { 'bad.json': '{\n  "meshName": "m",\n  "spec": {,}\n}\n' })], /bad\.json:3:\d+: Invalid JSON/],
    ['bad YAML', () => [writeTree(tempDir(), { 'bad.yaml': 'meshName: m\nspec: [1\n' })], /bad\.yaml:\d+:\d+: Invalid YAML/],
    ['a jq template (not JSON until rendered)', () => [writeTree(tempDir(), { 't.json': '{"spec": {"serviceDiscovery": {"dns": {"hostname": $DNS_HOSTNAME}}}}' })], /t\.json:1:\d+: Invalid JSON/],
    ['a directory without manifests', () => [tempDir()], /No manifest files/],
  ])('%s', async (_name, args, message) => {
    const r = await runCli(['validate', ...args()]);
    expect(r.code).toBe(252);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  test('--output must be text or json', async () => {
    const r = await runCli(['validate', tempDir(), '--output', 'table']);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain('this command prints text or json');
  });
});

test('--against-live resolves references to what exists and makes a missing mesh an error', async () => {
  const home = tempHome();
  const docs = cleanMesh('live');
  const dir = writeTree(tempDir(), {
    'route.yaml': yamlStream(docs.filter((d) => d.kind === 'Route')),
    'rest.yaml': yamlStream(docs.filter((d) => d.kind !== 'Route' && d.kind !== 'GatewayRoute')),
  });
  const routeFile = path.join(dir, 'route.yaml');
  const alone = await runCli(['validate', routeFile, '--output', 'json'], { home });
  expect(JSON.parse(alone.stdout).map((f: JsonFinding) => f.code)).toEqual(['AM0101', 'AM0102', 'AM0103', 'AM0103']);
  const missingMesh = await runCli(['validate', routeFile, '--against-live', '--output', 'json'], { home });
  expect(missingMesh.code).toBe(1);
  expect(JSON.parse(missingMesh.stdout)[0]).toMatchObject({ code: 'AM0101', severity: 'error', message: 'Mesh live is neither declared nor existing' });

  expect((await runCli(['apply', '-f', path.join(dir, 'rest.yaml')], { home })).code).toBe(0);
  const live = await runCli(['validate', routeFile, '--against-live'], { home });
  expect(live).toMatchObject({ code: 0, stdout: '' });
});
