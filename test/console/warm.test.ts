// Getting ELK ready before the first page: warm-up layouts that stop when a real one is asked for
// and change no picture, and the V8 code cache the layout worker compiles elkjs with.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Layouter, type LayoutInput } from '../../src/console/layout';
import { cleanEnv, cleanupHomes, runBin, tempHome } from '../helpers/run-cli';
import { waitUntil } from '../helpers/wait';
import { request, sessionCookie, startConsole } from './helpers';

/** Tiers of services → routers → routes → 4 nodes each, nodes calling services of the next tier. */
function mesh(tiers: number, routers: number, prefix = ''): LayoutInput {
  const nodes: LayoutInput['nodes'] = [];
  const edges: LayoutInput['edges'] = [];
  const node = (id: string) => nodes.push({ id: `${prefix}${id}`, w: 170, h: 46 });
  const edge = (from: string, to: string, row = false) => edges.push({ id: `${prefix}${from}>${to}`, from: `${prefix}${from}`, to: `${prefix}${to}`, ...(row ? { row: true } : {}) });
  for (let t = 0; t < tiers; t++) {
    for (let r = 0; r < routers; r++) {
      node(`s-${t}-${r}`); node(`r-${t}-${r}`); node(`rt-${t}-${r}`);
      edge(`s-${t}-${r}`, `r-${t}-${r}`, true);
      edge(`r-${t}-${r}`, `rt-${t}-${r}`, true);
      for (let k = 0; k < 4; k++) edge(`rt-${t}-${r}`, `n-${t}-${r * 4 + k}`);
    }
    for (let i = 0; i < routers * 4; i++) {
      node(`n-${t}-${i}`);
      if (t + 1 < tiers) edge(`n-${t}-${i}`, `s-${t + 1}-${(i * 7 + 1) % routers}`);
    }
  }
  return { nodes, edges };
}

test('warm() lays out small graphs until a real layout is asked for, which then gets the picture a cold layouter draws', async () => {
  let primings = 0;
  let twice!: () => void;
  const primedTwice = new Promise<void>((resolve) => (twice = resolve));
  const warm = new Layouter({ onPrime: (n) => ((primings = n), n === 2 && twice()) });
  const cold = new Layouter();
  try {
    const input = mesh(3, 30);
    expect(input.nodes.length).toBeGreaterThan(400);
    await warm.warm();
    await primedTwice;
    const a = await warm.layout(input).layout;
    const after = primings;
    // Nothing more once a page has asked: another layout finds no warm-up layout queued before it.
    await warm.layout(mesh(1, 2, 'x')).layout;
    expect(primings).toBe(after);
    const b = await cold.layout(input).layout;
    expect(a.nodes).toEqual(b.nodes);
    expect(a.edges).toEqual(b.edges);
  } finally {
    await Promise.all([warm.close(), cold.close()]);
  }
}, 120_000);

test('a layout asked for as soon as warm() resolves runs before any warm-up layout', async () => {
  let primings = 0;
  const l = new Layouter({ onPrime: (n) => (primings = n) });
  try {
    await l.warm();
    await l.layout(mesh(1, 2)).layout;
    await l.layout(mesh(1, 3)).layout;
    expect(primings).toBe(0);
  } finally {
    await l.close();
  }
}, 60_000);

test('the code cache: made after the first real layout (0600), used by the next worker, remade when V8 rejects it, another bundle gets its own, the build\'s used when there is none', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-elk-cache-'));
  const cacheDir = path.join(dir, 'console', 'layouts');
  const caches = () => fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir).filter((n) => n.endsWith('.v8cache')) : [];
  const run = async (opts: { elkBundle?: string; builtCodeCache?: string; cacheDir?: string }, input?: LayoutInput) => {
    const l = new Layouter({ cacheDir, builtCodeCache: false, ...opts });
    try {
      await l.warm();
      if (input) expect((await l.layout(input).layout).from).toBe('elk');
      return l.codeCache;
    } finally {
      await l.close();
    }
  };
  try {
    // A warm-up alone makes none: the cache is taken after a real layout.
    expect(await run({})).toBe('absent');
    expect(caches()).toEqual([]);
    expect(await run({}, mesh(1, 2, 'a'))).toBe('absent');
    const [file] = caches();
    expect(file).toMatch(/^elk-[0-9a-f]{32}-.+\.v8cache$/);
    expect(fs.statSync(path.join(cacheDir, file)).mode & 0o777).toBe(0o600);
    const made = fs.readFileSync(path.join(cacheDir, file));
    expect(await run({}, mesh(1, 2, 'b'))).toBe('used');
    // Not remade when it was used.
    expect(fs.readFileSync(path.join(cacheDir, file)).equals(made)).toBe(true);

    fs.writeFileSync(path.join(cacheDir, file), 'not a code cache');
    expect(await run({}, mesh(1, 2, 'c'))).toBe('rejected');
    expect(fs.readFileSync(path.join(cacheDir, file)).length).toBeGreaterThan(1000);
    expect(await run({})).toBe('used');

    // Another build of the bundle: a cache of its own, and the old one goes.
    const bundle = path.join(dir, 'elk.bundled.js');
    fs.writeFileSync(bundle, `${fs.readFileSync(require.resolve('elkjs/lib/elk.bundled.js'), 'utf8')}\n// another build\n`);
    expect(await run({ elkBundle: bundle }, mesh(1, 2, 'd'))).toBe('absent');
    const [other] = caches();
    expect(caches()).toHaveLength(1);
    expect(other).not.toBe(file);
    expect(await run({ elkBundle: bundle })).toBe('used');

    // The build's cache (scripts/build-console.js): used when the cache directory has none, which then gets none.
    const built = path.join(dir, 'built');
    fs.mkdirSync(built);
    fs.copyFileSync(path.join(cacheDir, other), path.join(built, other));
    const home2 = path.join(dir, 'home2');
    expect(await run({ elkBundle: bundle, builtCodeCache: built, cacheDir: home2 }, mesh(1, 2, 'e'))).toBe('built');
    expect(fs.readdirSync(home2).filter((n) => n.endsWith('.v8cache'))).toEqual([]);
    expect(await run({ builtCodeCache: built, cacheDir: home2 })).toBe('absent');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

test('`awsmesh console` lays out the first mesh when it starts: the layout is on disk before any page asks, and the first request gets that layout', async () => {
  const home = tempHome();
  const env = cleanEnv(home, { AWSMESH_REGION: 'us-west-2' });
  const docs: unknown[] = [{ kind: 'Mesh', meshName: 'early', spec: {} }];
  for (const name of ['a', 'b']) {
    docs.push({ kind: 'VirtualNode', meshName: 'early', virtualNodeName: name, spec: { listeners: [{ portMapping: { port: 8080, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: `${name}.early.local` } } } });
  }
  fs.writeFileSync(path.join(home, 'mesh.json'), JSON.stringify(docs));
  expect((await runBin(['apply', '-f', path.join(home, 'mesh.json')], { env })).code).toBe(0);
  const c = await startConsole([], env);
  try {
    const dir = path.join(home, 'console', 'layouts');
    const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []);
    // No request yet: the console's own start-up laid the mesh out (the files follow the layout).
    await waitUntil(() => files().some((f) => f.startsWith('layout-')), { describe: 'the layout file', timeoutMs: 60_000 });
    const saved = JSON.parse(fs.readFileSync(path.join(dir, files().find((f) => f.startsWith('layout-'))!), 'utf8')) as { layout: { nodes: Record<string, { x: number; y: number }> } };
    const cookie = await sessionCookie(c);
    const reply = await request(c.port, '/api/topology?mesh=early', { headers: { cookie } });
    expect(reply.status).toBe(200);
    const topology = JSON.parse(reply.body) as { nodes: Array<{ id: string; x: number; y: number }>; layoutMs: number };
    expect(topology.nodes.map((n) => [n.id, { x: n.x, y: n.y }])).toEqual(Object.entries(saved.layout.nodes).sort());
    // From the layouter's memory (the layout computed at start), not read back from disk (layoutMs 0).
    expect(topology.layoutMs).toBeGreaterThan(0);
  } finally {
    await c.stop();
    cleanupHomes();
  }
}, 120_000);
