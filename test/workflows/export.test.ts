// `awsmesh export`: export → reset → apply → export gives byte-identical files, on the EC2
// walkthrough (both copies) and on walkthrough meshes of the corpus; plus --dir housekeeping and
// errors. The local backend, the CLI in-process; "reset" is a fresh AWSMESH_HOME.

import * as fs from 'fs';
import * as path from 'path';
import { REFERENCE_WALKTHROUGH } from '../helpers/corpus';
import { cleanupHomes, runCli, tempHome, WALKTHROUGH } from '../helpers/run-cli';
import {
  cleanupDirs, ingressGatewayMesh, multipleListenersMesh, readTree, tempDir, timeoutPolicyMesh, writeJsonDocs, type Doc,
} from './helpers';


afterAll(() => {
  cleanupDirs();
  cleanupHomes();
});

async function ok(home: string, args: string[]): Promise<string> {
  const r = await runCli(args, { home });
  if (r.code !== 0) throw new Error(`awsmesh ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Exports `mesh` from `home` in both layouts and formats; then replays the export into a fresh home and compares. */
async function roundTrip(home: string, mesh: string): Promise<void> {
  for (const format of ['yaml', 'json']) {
    const first = tempDir();
    await ok(home, ['export', '--mesh', mesh, '--format', format, '--dir', first]);
    const stream = await ok(home, ['export', '--mesh', mesh, '--format', format]);

    const reset = tempHome();
    const applied = await ok(reset, ['apply', '-f', first]);
    expect(applied).toMatch(/Apply complete: \d+ created, 0 updated, 0 deleted\./);
    const second = tempDir();
    await ok(reset, ['export', '--mesh', mesh, '--format', format, '--dir', second]);
    expect(readTree(second)).toEqual(readTree(first));
    expect(await ok(reset, ['export', '--mesh', mesh, '--format', format])).toBe(stream);
    // the stream form applies too, and to no effect on an identical mesh
    const streamFile = path.join(tempDir(), `stream.${format}`);
    fs.writeFileSync(streamFile, stream);
    expect(await ok(reset, ['apply', '-f', streamFile])).toBe('No changes.\n');
  }
}

describe.each([
  ['the reference walkthrough', REFERENCE_WALKTHROUGH],
  ['examples/walkthrough-ec2', WALKTHROUGH],
])('%s (final state)', (_name, dir) => {
  test('round-trips byte for byte', async () => {
    const home = tempHome();
    await ok(home, ['appmesh', 'create-mesh', '--mesh-name', 'apps']);
    // the walkthrough's create/update files, applied as its final state (update-* replace create-*)
    const files = ['create-virtual-node-serviceb.json', 'create-virtual-router.json', 'create-virtual-node-servicebv2.json',
      'create-virtual-node-servicea.json', 'update-virtual-service.json', 'update-route.json', 'create-virtual-servicea.json'];
    const out = await ok(home, ['apply', ...files.flatMap((f) => ['-f', path.join(dir, f)])]);
    expect(out).toContain('Apply complete: 7 created, 0 updated, 0 deleted.');
    const tree = tempDir();
    await ok(home, ['export', '--mesh', 'apps', '--dir', tree]);
    expect(Object.keys(readTree(tree)).sort()).toEqual([
      'mesh.yaml', 'routes/serviceB/serviceB.yaml', 'virtual-nodes/serviceA.yaml', 'virtual-nodes/serviceB.yaml', 'virtual-nodes/serviceBv2.yaml',
      'virtual-routers/serviceB.yaml', 'virtual-services/servicea.apps.local.yaml', 'virtual-services/serviceb.apps.local.yaml',
    ]);
    expect(fs.readFileSync(path.join(tree, 'routes/serviceB/serviceB.yaml'), 'utf8')).toBe([
      'kind: Route', 'meshName: apps', 'virtualRouterName: serviceB', 'routeName: serviceB', 'spec:', '  http2Route:', '    action:',
      '      weightedTargets:', '        - virtualNode: serviceB', '          weight: 75', '        - virtualNode: serviceBv2', '          weight: 25',
      '    match:', '      prefix: /', '',
    ].join('\n'));
    await roundTrip(home, 'apps');
  });
});

describe.each([
  ['howto-timeout-policy', timeoutPolicyMesh],
  ['howto-ingress-gateway', ingressGatewayMesh],
  ['howto-multiple-listeners', multipleListenersMesh],
] as Array<[string, () => Doc[]]>)('corpus walkthrough %s/mesh', (mesh, docs) => {
  test('validates clean, applies, and round-trips byte for byte', async () => {
    const home = tempHome();
    const dir = writeJsonDocs(tempDir(), docs());
    const v = await runCli(['validate', dir, '--output', 'json'], { home });
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toEqual([]);
    const out = await ok(home, ['apply', '-f', dir]);
    expect(out).toContain(`Apply complete: ${docs().length} created, 0 updated, 0 deleted.`);
    await roundTrip(home, mesh);
  });
});

test('--dir removes files of resources that no longer exist (they would come back on apply)', async () => {
  const home = tempHome();
  const dir = writeJsonDocs(tempDir(), ingressGatewayMesh('stale'));
  await ok(home, ['apply', '-f', dir]);
  const tree = tempDir();
  fs.writeFileSync(path.join(tree, 'NOTES.md'), 'kept');
  await ok(home, ['export', '--mesh', 'stale', '--dir', tree]);
  expect(fs.existsSync(path.join(tree, 'gateway-routes/colorgateway-vg/colorgateway-route-2.yaml'))).toBe(true);
  await ok(home, ['appmesh', 'delete-gateway-route', '--mesh-name', 'stale', '--virtual-gateway-name', 'colorgateway-vg', '--gateway-route-name', 'colorgateway-route-2']);
  const r = await runCli(['export', '--mesh', 'stale', '--dir', tree], { home });
  expect(r.code).toBe(0);
  expect(r.stderr).toContain('removed gateway-routes/colorgateway-vg/colorgateway-route-2.yaml (no longer in mesh stale)');
  expect(fs.existsSync(path.join(tree, 'gateway-routes/colorgateway-vg/colorgateway-route-2.yaml'))).toBe(false);
  expect(fs.readFileSync(path.join(tree, 'NOTES.md'), 'utf8')).toBe('kept');
  expect(await ok(home, ['apply', '-f', tree])).toBe('No changes.\n');
});

describe('errors', () => {
  test('a mesh that does not exist: the service error, exit 254', async () => {
    const r = await runCli(['export', '--mesh', 'nope']);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/An error occurred \(NotFoundException\) when calling the DescribeMesh operation: /);
  });

  test('a bad --format or a missing --mesh: exit 252', async () => {
    expect((await runCli(['export', '--mesh', 'm', '--format', 'xml'])).code).toBe(252);
    const r = await runCli(['export']);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain("required option '--mesh <name>' not specified");
  });
});
