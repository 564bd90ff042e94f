// Positions for the topology, by ELK's layered algorithm (elkjs, the Eclipse Layout Kernel) run in
// a worker thread, so laying out a 1,000-node mesh does not stall the server's other requests.
// Layouts are cached by structure (nodes, sizes, edges): live rates and weight changes never move
// anything, and the same mesh always gets the same picture (the input is sorted, and ELK keeps
// the model order). With a cache directory (the awsmesh home's console/layouts), computed layouts
// are also kept on disk, so a restarted console opens a mesh it laid out before as fast as a reload.

import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { writeFileAtomic } from '../base/private-file';
import { expandRows, foldRows, ROW_GAP } from './fold';

export interface LayoutInput {
  nodes: Array<{ id: string; w: number; h: number }>;
  /** `label`: room to keep free for the edge's label (small graphs only: labels cost layout time). */
  /**
   * `row`: the edge may be drawn as a short straight link with its two ends side by side (a service
   * and its router, a router and its only route). In large meshes such a link, when it is the only
   * edge out of `from` and the only one into `to`, is laid out as one wide node (see fold.ts).
   */
  edges: Array<{ id: string; from: string; to: string; label?: { w: number; h: number }; row?: boolean }>;
}

export interface Layout {
  width: number;
  height: number;
  nodes: Record<string, { x: number; y: number }>;
  edges: Record<string, Array<[number, number]>>;
  /** Centre of each edge's label, where ELK made room for one. */
  labels: Record<string, [number, number]>;
  /** How long producing it took; `from`: computed by ELK now, or read from the disk cache. */
  ms: number;
  from: 'elk' | 'disk';
}

export interface LayouterOptions {
  /** Keep layouts in this directory too (created 0700, files 0600), the newest DISK_CACHE_SIZE of them. */
  cacheDir?: string;
  /** Called after each warm-up layout that warm() ran (tests, benches). */
  onPrime?: (count: number) => void;
  /** Another build of elkjs's bundle (tests). */
  elkBundle?: string;
  /** Where the build's code cache is (default BUILT_CODE_CACHE_DIR); false: not used. */
  builtCodeCache?: string | false;
}

/** Above this many nodes, ELK trades some crossing reduction for speed. */
const LARGE = 400;
/** Part of the disk cache's key: bump when the same input and options would give another picture. */
const LAYOUT_FORMAT = 'rows-1';
const CACHE_SIZE = 8;
const DISK_CACHE_SIZE = 8;
/**
 * warm() keeps ELK busy with small layered graphs for at most this long, until the first real layout
 * is asked for: ELK runs cold (GWT output on a cold JIT), and the time the console spends reading
 * the mesh is enough to warm it — a 1,250-node layout takes ~30 % less after ~300 ms of warm-up.
 */
const PRIME_MS = 1500;

// The worker: elkjs's bundled build (its own in-thread "worker"), one layout at a time. The bundle is
// compiled with V8's code cache for it (elk-<bundle hash>-<V8>.v8cache, made after a real layout, so
// it holds the functions a layout compiles lazily too): the one in the cache directory, else the one
// `npm run build` made (scripts/build-console.js); ELK is ready in about half the time. The name ties
// the cache to the bundle's content and the V8 version; V8 itself rejects a cache that does not fit
// (other flags), and then the cache directory gets one of its own.
const WORKER = `
const { parentPort, workerData } = require('worker_threads');
const { createHash } = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const source = fs.readFileSync(workerData.elk, 'utf8');
let cacheFile, cached, codeCache = 'off';
if (workerData.cacheDir || workerData.builtDir) {
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 32);
  const name = 'elk-' + hash + '-' + process.versions.v8.replace(/[^0-9a-z.]/gi, '_') + '.v8cache';
  const read = (file, use) => { try { cached = fs.readFileSync(file); codeCache = use; } catch {} };
  if (workerData.cacheDir) read(cacheFile = path.join(workerData.cacheDir, name), 'used');
  if (!cached && workerData.builtDir) read(path.join(workerData.builtDir, name), 'built');
  if (!cached && cacheFile) codeCache = 'absent';
}
const script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + source + '\\n})', { filename: workerData.elk, cachedData: cached });
if (cached && script.cachedDataRejected) codeCache = 'rejected';
const mod = { exports: {} };
script.runInThisContext()(mod.exports, require, mod, workerData.elk, path.dirname(workerData.elk));
const ELK = mod.exports;
const elk = new ELK();
parentPort.postMessage({ codeCache });
let cacheMade = !cacheFile || codeCache === 'used' || codeCache === 'built';
parentPort.on('message', (m) => {
  elk.layout(m.graph).then((out) => {
    // The code cache follows the answer at once (after the first real layout that needs one).
    const follows = !cacheMade && m.real;
    parentPort.postMessage({ id: m.id, out, codeCacheFollows: follows });
    if (!follows) return;
    cacheMade = true;
    parentPort.postMessage({ codeCacheFile: cacheFile, data: script.createCachedData() });
  }, (e) => parentPort.postMessage({ id: m.id, error: String(e && e.message || e) }));
});
`;

/**
 * How the worker compiled ELK: with the cache directory's code cache, with the build's, without one
 * (none yet, or it did not fit: the cache directory gets one), or without any.
 */
export type CodeCacheUse = 'used' | 'built' | 'absent' | 'rejected' | 'off';

/** Where `npm run build` leaves its code cache for elkjs (from dist/console/ or src/console/ alike). */
export const BUILT_CODE_CACHE_DIR = path.resolve(__dirname, '..', '..', 'dist', 'console-elk');

interface ElkNode {
  id: string;
  x?: number;
  y?: number;
  width: number;
  height: number;
}

interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  labels?: Array<{ id: string; text: string; width: number; height: number; x?: number; y?: number }>;
  sections?: Array<{ startPoint: { x: number; y: number }; endPoint: { x: number; y: number }; bendPoints?: Array<{ x: number; y: number }> }>;
}

interface ElkGraph {
  id: string;
  width?: number;
  height?: number;
  layoutOptions: Record<string, string>;
  children: ElkNode[];
  edges: ElkEdge[];
}

function elkOptions(nodes: number): Record<string, string> {
  const common: Record<string, string> = {
    'elk.algorithm': 'layered',
    'elk.direction': 'RIGHT',
    'elk.edgeRouting': 'POLYLINE',
    'elk.spacing.nodeNode': '28',
    // Edge labels get a layer of their own between the nodes' layers.
    'elk.layered.spacing.nodeNodeBetweenLayers': String(ROW_GAP),
    'elk.layered.spacing.edgeNodeBetweenLayers': '12',
    'elk.spacing.componentComponent': '60',
    'elk.edgeLabels.placement': 'CENTER',
    'elk.spacing.edgeLabel': '4',
  };
  // Small meshes: keep the (sorted) input order where it costs no crossings, so a new resource moves little.
  if (nodes <= LARGE) return { ...common, 'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES' };
  // Large ones: model order, the greedy switch and network-simplex layering took ~5x the CPU of
  // everything else at 1,800 nodes; longest-path layering and one sweep keep it near a second.
  return {
    ...common,
    'elk.layered.layering.strategy': 'LONGEST_PATH',
    'elk.layered.thoroughness': '1',
    'elk.layered.nodePlacement.strategy': 'SIMPLE',
    'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  };
}

/** Part of the disk cache's key: another ELK may place things differently. */
function elkVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('elkjs/package.json') as { version: string }).version;
}

/**
 * A warm-up graph: `tiers` of wide nodes (like rows) each splitting over 4 of `per` nodes, each node
 * calling 2 rows of the next tier: the shape of a large mesh, small enough (~60 nodes, 50–150 ms)
 * that a real layout arriving meanwhile waits little. Laid out with the large-mesh options.
 */
function primingGraph(tiers = 4, per = 12): ElkGraph {
  const rows = per / 4;
  const children: ElkNode[] = [];
  const edges: ElkEdge[] = [];
  const edge = (id: string, from: string, to: string) => edges.push({ id, sources: [from], targets: [to] });
  for (let t = 0; t < tiers; t++) {
    for (let r = 0; r < rows; r++) children.push({ id: `r${t}.${r}`, width: 3 * 170 + 2 * ROW_GAP, height: 46 });
    for (let i = 0; i < per; i++) children.push({ id: `n${t}.${i}`, width: 170, height: 46 });
    for (let r = 0; r < rows; r++) for (let k = 0; k < 4; k++) edge(`s${t}.${r}.${k}`, `r${t}.${r}`, `n${t}.${r * 4 + k}`);
    if (t + 1 < tiers) for (let i = 0; i < per; i++) for (const r of new Set([(i * 7 + 1) % rows, (i * 13 + 5) % rows])) edge(`b${t}.${i}.${r}`, `n${t}.${i}`, `r${t + 1}.${r}`);
  }
  return { id: 'prime', layoutOptions: elkOptions(LARGE + 1), children, edges };
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The structure, whatever order it came in (the layout itself is computed from the sorted input). */
export function layoutKey(input: LayoutInput): string {
  return JSON.stringify([
    [...input.nodes].sort(byId).map((n) => [n.id, n.w, n.h]),
    [...input.edges].sort(byId).map((e) => [e.id, e.from, e.to, e.label?.w, e.label?.h, e.row ? 1 : 0]),
  ]);
}

export class Layouter {
  constructor(private readonly opts: LayouterOptions = {}) {}

  private worker?: Worker;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (g: ElkGraph) => void; reject: (e: Error) => void }>();
  private readonly cache = new Map<string, Promise<Layout>>();
  /** Cache files being written: the answer does not wait for them, close() does. */
  private readonly saving = new Set<Promise<void>>();
  /** Set by the first real layout (or close()): warm-up layouts stop for good. */
  private primed = false;
  private primings = 0;

  /** The layout of `input` (cached by structure; concurrent requests for the same structure share one). */
  layout(input: LayoutInput): { layout: Promise<Layout>; cached: boolean } {
    // A page wants a picture: warm-up layouts would only delay it now.
    this.primed = true;
    const key = layoutKey(input);
    const hit = this.cache.get(key);
    if (hit) {
      // Most recently used last.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return { layout: hit, cached: true };
    }
    // Without a cache file, ELK starts now, before this call returns: the caller may keep this
    // thread busy for a while (the console analyses the mesh meanwhile).
    const file = this.diskFile(key);
    const p = file && fs.existsSync(file)
      ? this.fromDisk(file, key).then((saved) => saved ?? this.computeAndSave(key, input))
      : this.computeAndSave(key, input);
    p.catch(() => this.cache.delete(key));
    this.cache.set(key, p);
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return { layout: p, cached: false };
  }

  /** The layout is answered first; the cache file (written synchronously, with fsync) follows. */
  private async computeAndSave(key: string, input: LayoutInput): Promise<Layout> {
    const layout = await this.compute(input);
    this.save(key, layout);
    return layout;
  }

  /** Hands the graph to the worker synchronously (before the first await). */
  private async compute(input: LayoutInput): Promise<Layout> {
    const t0 = performance.now();
    const large = input.nodes.length > LARGE;
    // Large meshes: each chain of row links is one wide node (fewer nodes, edges and layers for ELK).
    const folded = large ? foldRows(input) : undefined;
    const nodes = [...(folded?.nodes ?? input.nodes)].sort(byId);
    const edges = [...(folded?.edges ?? input.edges)].sort(byId);
    const graph: ElkGraph = {
      id: 'root',
      layoutOptions: elkOptions(input.nodes.length),
      children: nodes.map((n) => ({ id: n.id, width: n.w, height: n.h })),
      edges: edges.map((e) => ({
        id: e.id, sources: [e.from], targets: [e.to],
        // ELK skips labels without text; the page writes the real (changing) text into the room kept.
        ...(e.label && !large ? { labels: [{ id: `${e.id}/label`, text: 'label', width: e.label.w, height: e.label.h }] } : {}),
      })),
    };
    const out = await this.run(graph, true);
    const layout: Layout = { width: Math.ceil(out.width ?? 0), height: Math.ceil(out.height ?? 0), nodes: {}, edges: {}, labels: {}, ms: 0, from: 'elk' };
    for (const n of out.children) layout.nodes[n.id] = { x: Math.round(n.x ?? 0), y: Math.round(n.y ?? 0) };
    for (const e of out.edges) {
      const s = e.sections?.[0];
      if (!s) continue;
      layout.edges[e.id] = [s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => [Math.round(p.x), Math.round(p.y)] as [number, number]);
      const l = e.labels?.[0];
      if (l?.x !== undefined && l.y !== undefined) layout.labels[e.id] = [Math.round(l.x + l.width / 2), Math.round(l.y + l.height / 2)];
    }
    if (folded) expandRows(layout, folded.rows);
    layout.ms = Math.round(performance.now() - t0);
    return layout;
  }

  /** The cache file of a structure: its key and the layout options (new options, new layouts). */
  private diskFile(key: string): string | undefined {
    if (!this.opts.cacheDir) return undefined;
    const hash = createHash('sha256').update(JSON.stringify([elkVersion(), LAYOUT_FORMAT, ROW_GAP, elkOptions(1), elkOptions(LARGE + 1)])).update('\n').update(key).digest('hex');
    return path.join(this.opts.cacheDir, `layout-${hash.slice(0, 40)}.json`);
  }

  private async fromDisk(file: string, key: string): Promise<Layout | undefined> {
    const t0 = performance.now();
    try {
      const saved = JSON.parse(await fs.promises.readFile(file, 'utf8')) as { key?: string; layout?: Layout };
      // The key itself is in the file: a hash collision or a foreign file is a miss, not a wrong picture.
      if (saved.key !== key || !saved.layout?.nodes) return undefined;
      // Used again: the newest files are the ones kept.
      const now = new Date();
      await fs.promises.utimes(file, now, now).catch(() => undefined);
      return { ...saved.layout, ms: Math.round(performance.now() - t0), from: 'disk' };
    } catch {
      return undefined;
    }
  }

  private save(key: string, layout: Layout): void {
    if (!this.opts.cacheDir) return;
    // After the answer has gone: the write blocks this thread.
    const p = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.toDisk(key, layout));
    this.saving.add(p);
    void p.finally(() => this.saving.delete(p));
  }

  /** After the answer, like layouts; the caches of other bundles or V8 versions go. Best effort. */
  private saveCodeCache(file: string, data: Uint8Array): void {
    const p = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      try {
        const dir = path.dirname(file);
        await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
        writeFileAtomic(file, data);
        const stale = (await fs.promises.readdir(dir)).filter((n) => /^elk-.*\.v8cache$/.test(n) && n !== path.basename(file));
        await Promise.all(stale.map((n) => fs.promises.rm(path.join(dir, n), { force: true })));
      } catch {
        // Compiled without it next time.
      }
    });
    this.saving.add(p);
    void p.finally(() => this.saving.delete(p));
  }

  /** Best effort: a console that cannot write its home still works, it just lays out again next run. */
  private async toDisk(key: string, layout: Layout): Promise<void> {
    const file = this.diskFile(key);
    if (!file) return;
    try {
      const dir = path.dirname(file);
      await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
      writeFileAtomic(file, JSON.stringify({ key, layout }));
      const names = (await fs.promises.readdir(dir)).filter((n) => /^layout-[0-9a-f]+\.json$/.test(n));
      if (names.length > DISK_CACHE_SIZE) {
        const aged = await Promise.all(names.map(async (n) => ({ n, t: (await fs.promises.stat(path.join(dir, n))).mtimeMs })));
        aged.sort((a, b) => b.t - a.t || (a.n < b.n ? -1 : 1));
        await Promise.all(aged.slice(DISK_CACHE_SIZE).map((a) => fs.promises.rm(path.join(dir, a.n), { force: true })));
      }
    } catch {
      // Left for the next run.
    }
  }

  /**
   * Starts the worker and ELK (loading and compiling it takes a moment) before the first real layout,
   * then warms ELK's JIT with small layouts, one at a time, until a real layout is asked for (it
   * waits for at most the one in progress) or PRIME_MS have passed. Warm-up layouts change no
   * picture: each layout is computed afresh from its own input.
   */
  warm(): Promise<void> {
    const until = performance.now() + PRIME_MS;
    const first = this.run({ id: 'warm', layoutOptions: elkOptions(1), children: [{ id: 'a', width: 1, height: 1 }], edges: [] });
    // After the caller's own continuation: one that lays out at once gets in first.
    void first.then(() => setImmediate(() => this.prime(until)), () => undefined);
    return first.then(() => undefined);
  }

  private prime(until: number): void {
    if (this.primed || performance.now() >= until) return;
    this.run(primingGraph()).then(() => {
      this.opts.onPrime?.(++this.primings);
      this.prime(until);
    }, () => undefined);
  }

  /** How the worker compiled ELK, once it has (undefined before). */
  get codeCache(): CodeCacheUse | undefined {
    return this.codeCacheUse;
  }

  private codeCacheUse?: CodeCacheUse;
  /** The code cache the worker posts right after a layout's answer: close() waits for it. */
  private codeCacheComing?: Promise<void>;

  private run(graph: ElkGraph, real = false): Promise<ElkGraph> {
    if (!this.worker) {
      const elk = this.opts.elkBundle ?? require.resolve('elkjs/lib/elk.bundled.js');
      this.worker = new Worker(WORKER, { eval: true, workerData: { elk, cacheDir: this.opts.cacheDir, builtDir: this.opts.builtCodeCache === false ? undefined : this.opts.builtCodeCache ?? BUILT_CODE_CACHE_DIR } });
      this.worker.unref();
      let arrived = () => {};
      this.worker.on('message', (m: { id: number; out?: ElkGraph; error?: string; codeCache?: CodeCacheUse; codeCacheFollows?: boolean; codeCacheFile?: string; data?: Uint8Array }) => {
        if (m.codeCache) return void (this.codeCacheUse = m.codeCache);
        if (m.codeCacheFile && m.data) {
          this.saveCodeCache(m.codeCacheFile, m.data);
          return arrived();
        }
        if (m.codeCacheFollows) this.codeCacheComing = new Promise<void>((resolve) => (arrived = resolve));
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(`layout failed: ${m.error}`));
        else p?.resolve(m.out!);
      });
      this.worker.on('error', (e) => this.failAll(e));
      this.worker.on('exit', () => {
        arrived();
        this.worker = undefined;
        this.failAll(new Error('the layout worker stopped'));
      });
    }
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, graph, real });
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Stops the worker once the cache files being written are on disk. */
  async close(): Promise<void> {
    this.primed = true;
    await this.codeCacheComing;
    await Promise.all([...this.saving]);
    const w = this.worker;
    this.worker = undefined;
    await w?.terminate();
  }
}
