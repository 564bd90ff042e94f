#!/usr/bin/env node
'use strict';
// Bundles the console's browser side (console/src, Preact) with esbuild into dist/console-web/:
// app.js, app.css and index.html. A build artifact like the rest of dist/ (never committed); the
// package ships it, so the console works offline and loads nothing from a CDN.
// `--check` type-checks the browser sources instead (tsc with the DOM library), for `npm test`.

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

function check() {
  const { spawnSync } = require('child_process');
  const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(SRC, 'tsconfig.json')], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

if (process.argv.includes('--check')) check();
else bundle().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
