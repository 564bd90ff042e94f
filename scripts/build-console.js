#!/usr/bin/env node
'use strict';
// Bundles the console's browser side (console/src, Preact) with esbuild into dist/console-web/:
// app.js, app.css and index.html. A build artifact like the rest of dist/ (never committed); the
// package ships it, so the console works offline and loads nothing from a CDN.
// `--check` type-checks the browser sources instead (tsc with the DOM library), for `npm test`.
// Then dist/console-elk/: V8's code cache for elkjs, made after laying out a mesh-shaped graph of
// 600 nodes the way the console does (src/console/layout.ts), so that even a first run of the
// console has ELK ready in about half the time. Needs dist/console/ (tsc runs first).

const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'console');
const OUT = path.join(ROOT, 'dist', 'console-web');

async function bundle() {
  const esbuild = require('esbuild');
  fs.mkdirSync(OUT, { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(SRC, 'src', 'main.tsx')],
    outfile: path.join(OUT, 'app.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(SRC, 'style.css'), path.join(OUT, 'app.css'));
  fs.copyFileSync(path.join(SRC, 'index.html'), path.join(OUT, 'index.html'));
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`build-console: dist/console-web/app.js ${(bytes / 1024).toFixed(1)} KiB`);
}

/** Tiers of services → routers → routes → 4 nodes each, each node calling a service of the next tier. */
function meshShaped(tiers, routers) {
  const nodes = [];
  const edges = [];
  const node = (id) => nodes.push({ id, w: 170, h: 46 });
  const edge = (from, to, row) => edges.push({ id: `${from}>${to}`, from, to, ...(row ? { row: true } : {}) });
  for (let t = 0; t < tiers; t++) {
    for (let r = 0; r < routers; r++) {
      node(`s${t}.${r}`); node(`r${t}.${r}`); node(`rt${t}.${r}`);
      edge(`s${t}.${r}`, `r${t}.${r}`, true);
      edge(`r${t}.${r}`, `rt${t}.${r}`, true);
      for (let k = 0; k < 4; k++) edge(`rt${t}.${r}`, `n${t}.${r * 4 + k}`);
    }
    for (let i = 0; i < routers * 4; i++) {
      node(`n${t}.${i}`);
      if (t + 1 < tiers) for (const r of new Set([(i * 7 + 1) % routers, (i * 13 + 5) % routers])) edge(`n${t}.${i}`, `s${t + 1}.${r}`);
    }
  }
  return { nodes, edges };
}

async function elkCodeCache() {
  const { Layouter, BUILT_CODE_CACHE_DIR } = require(path.join(ROOT, 'dist', 'console', 'layout.js'));
  const tmp = fs.mkdtempSync(path.join(require('os').tmpdir(), 'awsmesh-elk-cache-'));
  try {
    const layouter = new Layouter({ cacheDir: tmp, builtCodeCache: false });
    await layouter.layout(meshShaped(4, 21)).layout;
    await layouter.close();
    const made = fs.readdirSync(tmp).filter((n) => n.endsWith('.v8cache'));
    if (made.length !== 1) throw new Error(`expected one code cache, found ${made.length}`);
    fs.rmSync(BUILT_CODE_CACHE_DIR, { recursive: true, force: true });
    fs.mkdirSync(BUILT_CODE_CACHE_DIR, { recursive: true });
    fs.copyFileSync(path.join(tmp, made[0]), path.join(BUILT_CODE_CACHE_DIR, made[0]));
    // Read by whoever runs the console (the caches it writes itself stay 0600 in its home).
    fs.chmodSync(path.join(BUILT_CODE_CACHE_DIR, made[0]), 0o644);
    console.log(`build-console: dist/console-elk/${made[0]} ${(fs.statSync(path.join(tmp, made[0])).size / 1024 / 1024).toFixed(1)} MiB`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function check() {
  const { spawnSync } = require('child_process');
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(SRC, 'tsconfig.json')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

if (process.argv.includes('--check')) check();
else bundle().then(() => elkCodeCache().catch((e) => {
  // Only an optimisation: the console makes its own on first use.
  console.warn(`build-console: no code cache for elkjs (${e.message})`);
})).catch((e) => {
  console.error(e.message);
  process.exit(1);
});
