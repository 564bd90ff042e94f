import * as fs from 'fs';
import * as path from 'path';
import {
  exportState, importState, parseStateFile, serializeState, stateStatus,
} from '../../../src/backends/local/admin';
import { PassThrough } from 'stream';
import { runCli as runCliWithIo } from '../../../src/cli/main';
import { ParamError } from '../../../src/base/errors';
import { cleanEnv, cleanupHomes, runCli, tempHome } from '../../helpers/run-cli';
import { openHarness, type Harness } from '../appmesh/harness';

const P = { account: '111122223333', region: 'us-west-2' };

/** Two meshes with references, plus a resource of another service in another partition. */
async function populate(h: Harness): Promise<void> {
  for (const mesh of ['apps', 'other']) {
    await h.call('CreateMesh', { meshName: mesh, tags: [{ key: 'env', value: 'dev' }] });
    await h.call('CreateVirtualNode', { meshName: mesh, virtualNodeName: 'b', spec: { listeners: [{ portMapping: { port: 80, protocol: 'http2' } }] } });
    await h.call('CreateVirtualRouter', { meshName: mesh, virtualRouterName: 'r', spec: { listeners: [{ portMapping: { port: 80, protocol: 'http2' } }] } });
    await h.call('CreateRoute', { meshName: mesh, virtualRouterName: 'r', routeName: 'x', spec: { http2Route: { match: { prefix: '/' }, action: { weightedTargets: [{ virtualNode: 'b', weight: 1 }] } } } });
    await h.call('CreateVirtualService', { meshName: mesh, virtualServiceName: 's', spec: { provider: { virtualRouter: { virtualRouterName: 'r' } } } });
  }
  await h.backend.store.write({ account: P.account, region: 'global' }, (tx) => tx.put({
    service: 'iam', kind: 'role', parent: '', name: 'mesh-role', arn: `arn:aws:iam::${P.account}:role/mesh-role`,
    data: { path: '/' }, createdAt: 1_764_000_000.5, updatedAt: 1_764_000_000.5,
  }));
}

describe('admin library', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness();
    await populate(h);
  });
  afterEach(() => h.close());

  test('status counts per kind per account/region and names the file', async () => {
    const s = await stateStatus(h.backend.store);
    expect(s.location).toBe(path.join(h.home, 'state.db'));
    expect(s.sizeBytes).toBeGreaterThan(0);
    expect(s.totalResources).toBe(11);
    expect(s.partitions).toEqual([
      { account: P.account, region: 'global', counts: { 'iam:role': 1 } },
      { account: P.account, region: 'us-west-2', counts: { 'appmesh:mesh': 2, 'appmesh:route': 2, 'appmesh:virtualNode': 2, 'appmesh:virtualRouter': 2, 'appmesh:virtualService': 2 } },
    ]);
  });

  test('export → reset → import → export gives identical bytes, references included (JSON and YAML)', async () => {
    for (const format of ['json', 'yaml'] as const) {
      const before = serializeState(await exportState(h.backend.store), format);
      const doc = parseStateFile(before, 'state');
      expect(doc.refs.length).toBe(4); // route → node and service → router, in each mesh
      await h.backend.store.reset();
      expect((await stateStatus(h.backend.store)).totalResources).toBe(0);
      expect(await importState(h.backend.store, doc)).toEqual({ resources: 11, refs: 4 });
      expect(serializeState(await exportState(h.backend.store), format)).toBe(before);
    }
    // The imported references still protect the resources, and metadata survived.
    expect((await h.fail('DeleteVirtualNode', { meshName: 'apps', virtualNodeName: 'b' })).code).toBe('ResourceInUseException');
    const { mesh } = await h.call('DescribeMesh', { meshName: 'apps' });
    expect(mesh.metadata.version).toBe(1);
    expect((await h.call('ListTagsForResource', { resourceArn: mesh.metadata.arn })).tags).toEqual([{ key: 'env', value: 'dev' }]);
  });

  test('--mesh exports one mesh with its children and their references only', async () => {
    const doc = await exportState(h.backend.store, { mesh: 'apps', partition: P });
    expect(doc.resources.map((r) => `${r.kind}:${r.parent}:${r.name}`)).toEqual([
      'mesh::apps', 'route:apps/r:x', 'virtualNode:apps:b', 'virtualRouter:apps:r', 'virtualService:apps:s',
    ]);
    expect(doc.refs.every((r) => r.from.includes(':mesh/apps/'))).toBe(true);
    expect(doc.refs).toHaveLength(2);
    await expect(exportState(h.backend.store, { mesh: 'nope', partition: P })).rejects.toThrow(ParamError);
    // Importing one mesh into a fresh store restores it alone.
    const other = await openHarness();
    try {
      await importState(other.backend.store, parseStateFile(serializeState(doc, 'json'), 'f'));
      expect((await other.call('ListMeshes')).meshes.map((m: any) => m.meshName)).toEqual(['apps']);
      expect((await other.fail('DeleteVirtualRouter', { meshName: 'apps', virtualRouterName: 'r' })).code).toBe('ResourceInUseException');
    } finally {
      await other.close();
    }
  });

  test('a bad file is refused with every problem listed', () => {
    const bad = (doc: unknown) => () => parseStateFile(typeof doc === 'string' ? doc : JSON.stringify(doc), 'f.json');
    expect(bad('{ not json: [')).toThrow(/Error parsing f.json/);
    expect(bad({ format: 'something-else' })).toThrow(/not an awsmesh state export/);
    expect(bad({ format: 'awsmesh-state', version: 99, resources: [], refs: [] })).toThrow(/newer awsmesh/);
    let message = '';
    try {
      bad({
        format: 'awsmesh-state', version: 1,
        resources: [
          { account: '1', region: 'r', service: 's', kind: 'k', parent: '', name: 'a', arn: 'x', createdAt: 1, updatedAt: 1, data: {} },
          { account: '1', region: 'r', service: 's', kind: 'k', parent: '', name: 'a', arn: 'y', createdAt: 'yesterday', updatedAt: 1, data: [] },
        ],
        refs: [{ account: '1', region: 'r', from: 'nowhere', to: 'x' }],
      })();
    } catch (e) {
      expect(e).toBeInstanceOf(ParamError);
      message = (e as Error).message;
    }
    expect(message).toContain('resources[1].createdAt: expected a number');
    expect(message).toContain('resources[1].data: expected an object');
  });

  test('import is one transaction: an ARN clash with existing state changes nothing', async () => {
    const doc = await exportState(h.backend.store);
    const before = serializeState(doc, 'json');
    // Same ARN as the mesh `apps`, under another name: the first resources import fine, then this clashes.
    doc.resources.push({ ...doc.resources.find((r) => r.name === 'apps')!, name: 'zzz-renamed' });
    doc.resources.unshift({ ...doc.resources.find((r) => r.name === 'other')!, name: 'aaa-new', arn: 'arn:aws:appmesh:us-west-2:111122223333:mesh/aaa-new' });
    await expect(importState(h.backend.store, doc)).rejects.toThrow(/already has that ARN/);
    expect(serializeState(await exportState(h.backend.store), 'json')).toBe(before);
  });
});

describe('awsmesh local status|reset|export|import', () => {
  afterAll(() => cleanupHomes());

  async function seeded(): Promise<string> {
    const home = tempHome();
    expect((await runCli(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home })).code).toBe(0);
    expect((await runCli(['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'b', '--spec', '{}'], { home })).code).toBe(0);
    return home;
  }

  test('status: a table by default, the report with --output json', async () => {
    const home = await seeded();
    const table = await runCli(['local', 'status'], { home });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(path.join(home, 'state.db'));
    expect(table.stdout).toMatch(/ACCOUNT\s+REGION\s+SERVICE\s+KIND\s+COUNT/);
    expect(table.stdout).toMatch(/111122223333\s+us-west-2\s+appmesh\s+virtualNode\s+1/);
    const json = await runCli(['local', 'status', '--output', 'json'], { home });
    expect(JSON.parse(json.stdout)).toMatchObject({ totalResources: 2, partitions: [{ region: 'us-west-2', counts: { 'appmesh:mesh': 1 } }] });
  });

  test('reset refuses without --yes when stdin is not a terminal, and deletes with it', async () => {
    const home = await seeded();
    const refused = await runCli(['local', 'reset'], { home });
    expect(refused.code).toBe(252);
    expect(refused.stderr).toContain('--yes');
    expect((await runCli(['appmesh', 'describe-mesh', '--mesh-name', 'apps'], { home })).code).toBe(0);
    const done = await runCli(['local', 'reset', '--yes'], { home });
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('Deleted 2 resources');
    expect((await runCli(['appmesh', 'describe-mesh', '--mesh-name', 'apps'], { home })).code).toBe(254);
  });

  test('reset on a terminal asks first: anything but y keeps the state', async () => {
    const home = await seeded();
    const resetAnswering = async (answer: string) => {
      const stdin = Object.assign(new PassThrough(), { isTTY: true });
      let stderr = '';
      const running = runCliWithIo(['local', 'reset'], {
        stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) },
        stdin, stdoutIsTTY: true, stderrIsTTY: true, env: cleanEnv(home), cwd: home,
      });
      stdin.end(`${answer}\n`);
      return { code: await running, stderr };
    };
    const no = await resetAnswering('n');
    expect(no).toEqual({ code: 0, stderr: expect.stringContaining('Nothing deleted') });
    expect(no.stderr).toMatch(/Delete all 2 resources in .*state\.db\? \[y\/N\]/);
    expect((await runCli(['appmesh', 'describe-mesh', '--mesh-name', 'apps'], { home })).code).toBe(0);
    const yes = await resetAnswering('y');
    expect(yes.stderr).toContain('Deleted 2 resources');
    expect((await runCli(['appmesh', 'describe-mesh', '--mesh-name', 'apps'], { home })).code).toBe(254);
  });

  test('export to a file, reset, import, export again: identical; a bad file exits 252 and changes nothing', async () => {
    const home = await seeded();
    const file = path.join(home, 'backup.yaml');
    expect((await runCli(['local', 'export', '--format', 'yaml', '--file', file], { home })).code).toBe(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const first = (await runCli(['local', 'export'], { home })).stdout;
    expect(JSON.parse(first).resources).toHaveLength(2);
    expect((await runCli(['local', 'reset', '--yes'], { home })).code).toBe(0);
    const imported = await runCli(['local', 'import', file], { home });
    expect(imported.code).toBe(0);
    expect(imported.stderr).toContain('Imported 2 resources');
    expect((await runCli(['local', 'export'], { home })).stdout).toBe(first);

    const bad = path.join(home, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ format: 'awsmesh-state', version: 1, resources: [{ name: 'x' }], refs: [] }));
    const refused = await runCli(['local', 'import', bad], { home });
    expect(refused.code).toBe(252);
    expect(refused.stderr).toContain('resources[0].account');
    expect((await runCli(['local', 'import', path.join(home, 'missing.json')], { home })).code).toBe(252);
    expect((await runCli(['local', 'export'], { home })).stdout).toBe(first);
    expect((await runCli(['local', 'export', '--format', 'xml'], { home })).code).toBe(252);
    const oneMesh = await runCli(['local', 'export', '--mesh', 'apps'], { home });
    expect(JSON.parse(oneMesh.stdout).resources).toHaveLength(2);
    expect((await runCli(['local', 'export', '--mesh', 'nope'], { home })).code).toBe(252);
  });
});
