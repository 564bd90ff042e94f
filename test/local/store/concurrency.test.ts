// Many processes on one store at once: 32 worker processes, each running 20 mutating awsmesh
// commands through the built CLI (each command opens, writes and closes the store, like separate
// `awsmesh` invocations), all released at the same moment; then a few real `bin/awsmesh`
// processes racing for the same name. Needs `npm run build`.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBackend } from '../../../src/backends/local/local-backend';
import { openSqliteStore } from '../../../src/backends/local/store/sqlite-store';
import { runCliWorkers } from '../../helpers/cli-workers';

const ROOT = path.join(__dirname, '..', '..', '..');
const BIN = path.join(ROOT, 'bin', 'awsmesh');
const WORKERS = 32;
const MUTATIONS = 20;

let home: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-concurrency-'));
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS')) e[k] = v;
  return { ...e, AWSMESH_HOME: home, AWSMESH_BACKEND: 'local', AWS_CONFIG_FILE: path.join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'none') };
}

async function withBackend<T>(fn: (b: LocalBackend) => Promise<T>): Promise<T> {
  const b = new LocalBackend(openSqliteStore(path.join(home, 'state.db')), { home, account: '111122223333', env: {} });
  try {
    return await fn(b);
  } finally {
    await b.close();
  }
}

test(`${WORKERS} processes × ${MUTATIONS} mutations: no lost write, no "database is locked", one winner per duplicate`, async () => {
  const meshArn = await withBackend(async (b) => {
    const { mesh } = await b.invoke('appmesh', 'CreateMesh', { meshName: 'apps' }, { region: 'us-west-2' }) as any;
    await b.invoke('appmesh', 'CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'shared', spec: {} }, { region: 'us-west-2' });
    return mesh.metadata.arn as string;
  });
  fs.writeFileSync(path.join(home, 'config.json'), JSON.stringify({ quotas: { virtualNodesPerMesh: 10000 } }));

  const { lines, exits } = await runCliWorkers(WORKERS, MUTATIONS, { ...env(), MESH_ARN: meshArn });

  expect(exits.filter((e) => e.code !== 0)).toEqual([]);
  expect(lines.filter((l) => l.crash)).toEqual([]);
  expect(lines.filter((l) => /locked|SQLITE_BUSY/i.test(l.stderr ?? ''))).toEqual([]);
  expect(lines).toHaveLength(WORKERS * (MUTATIONS + 1));

  const dup = lines.filter((l) => l.args?.[1] === 'create-mesh');
  expect(dup.filter((l) => l.code === 0)).toHaveLength(1);
  const losers = dup.filter((l) => l.code !== 0);
  expect(losers).toHaveLength(WORKERS - 1);
  for (const l of losers) {
    expect(l.code).toBe(254);
    expect(l.stderr).toContain('An error occurred (ConflictException) when calling the CreateMesh operation: Mesh with name dup already exists.');
  }
  expect(lines.filter((l) => l.args?.[1] !== 'create-mesh' && l.code !== 0)).toEqual([]);

  await withBackend(async (b) => {
    const call = (op: string, input: object) => b.invoke('appmesh', op, input as any, { region: 'us-west-2' }) as Promise<any>;
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await call('ListVirtualNodes', { meshName: 'apps', nextToken });
      names.push(...page.virtualNodes.map((n: any) => n.virtualNodeName));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(names).toHaveLength(WORKERS * (MUTATIONS / 2) + 1);
    // Every read-modify-write landed: one version per update, one tag per tag-resource.
    const shared = (await call('DescribeVirtualNode', { meshName: 'apps', virtualNodeName: 'shared' })).virtualNode;
    expect(shared.metadata.version).toBe(1 + WORKERS * (MUTATIONS / 4));
    const { tags } = await call('ListTagsForResource', { resourceArn: meshArn });
    const lastTagStep = String(MUTATIONS - 1 - ((MUTATIONS - 1 - 3) % 4));
    expect(tags).toHaveLength(WORKERS);
    expect(tags.every((t: any) => t.value === lastTagStep)).toBe(true);
  });
}, 90_000);

test('real bin/awsmesh processes racing: one create wins, the others get ConflictException (254)', async () => {
  const run = (args: string[]) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
  const results = await Promise.all(Array.from({ length: 8 }, () => run(['appmesh', 'create-mesh', '--mesh-name', 'race'])));
  expect(results.filter((r) => r.code === 0)).toHaveLength(1);
  for (const r of results.filter((x) => x.code !== 0)) {
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('(ConflictException)');
  }
}, 60_000);
