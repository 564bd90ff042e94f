#!/usr/bin/env node
'use strict';
// Build step (after tsc): the CLI's start path in one file, dist/start-bundle.js, plus V8's code
// cache for it (dist/start-bundle.cache). A service command (`awsmesh appmesh describe-mesh …`)
// otherwise spends most of its time above Node's own start-up resolving ~70 module paths (stat,
// realpath, package.json lookups) and compiling each file; from one pre-resolved file with a code
// cache that work nearly disappears.
//
// How: run the start path once (local backend, throwaway home) and record every module it loads
// from this package (dist/, package.json, node_modules/ JavaScript and JSON), and how each of their
// require() calls resolved. The bundle holds those files' unchanged text as functions, with the
// resolutions; bin/awsmesh compiles it with the code cache and takes the CLI from it. Modules are
// registered in Node's require.cache under their real file names, so a module loaded the ordinary
// way later (a lazy require off the start path) shares the same instances. Before bundled text is
// used, its group's sentinel is checked — dist/cli/main.js for dist/ (tsc rewrites every output
// file on each run), package.json for the root, each package's package.json under node_modules/ —
// for the size it had at build time and an mtime not newer than the bundle's own: after a change
// since the build (tsc run alone, npm install) that group's files load from disk instead, so the
// bundle is never stale, only slower. (Relative mtimes survive npm's tarballs, which set every
// file's mtime to one date, and copies that keep mtimes.)
//
// `node scripts/build-start-bundle.js` writes both files (and rewrites dist/generated/**/*.json compact,
// see compactModels); bin/awsmesh works without them.

const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'dist', 'start-bundle.js');
const CACHE = path.join(ROOT, 'dist', 'start-bundle.cache');
/** Commands whose start path is traced: the service operations scripts call most. */
const TRACE = [
  ['appmesh', 'create-mesh', '--mesh-name', 'bundle'],
  ['appmesh', 'describe-mesh', '--mesh-name', 'bundle'],
  ['appmesh', 'list-meshes'],
  ['appmesh', 'describe-mesh', '--mesh-name', 'missing'],
  ['--version'], // package.json (read only when asked for)
];

function isolatedEnv(home) {
  const none = path.join(home, 'none');
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWSMESH_HOME: home,
    AWSMESH_BACKEND: 'local',
    AWS_CONFIG_FILE: none,
    AWS_SHARED_CREDENTIALS_FILE: none,
    AWS_PAGER: '',
  };
}

/** --trace <out>: preloaded into a CLI run; records loads and resolutions below ROOT. */
function tracer(out) {
  const Module = require('module');
  const inRoot = (f) => f.startsWith(ROOT + path.sep) && /\.(js|json)$/.test(f) && !f.startsWith(path.join(ROOT, 'scripts'));
  const order = [];
  const requires = {}; // file → { request: resolved file | builtin name }
  // Module._load sees every require() (resolution itself is cached per directory and request).
  const origLoad = Module._load;
  Module._load = function (request, parent, isMain) {
    const resolved = Module._resolveFilename(request, parent, isMain);
    const from = parent && parent.filename;
    if (from && inRoot(from)) {
      const table = (requires[from] ??= {});
      if (Module.isBuiltin(resolved)) table[request] = { builtin: resolved };
      else if (inRoot(resolved)) table[request] = { file: path.relative(ROOT, resolved) };
    }
    if (inRoot(resolved) && !order.includes(resolved)) order.push(resolved);
    return origLoad.apply(this, arguments);
  };
  process.on('exit', () => fs.writeFileSync(out, JSON.stringify({ order, requires })));
}

function trace(home) {
  const union = { order: [], requires: {} };
  for (const [i, args] of TRACE.entries()) {
    const out = path.join(home, `trace-${i}.json`);
    const r = spawnSync(process.execPath, ['-r', __filename, path.join(ROOT, 'bin', 'awsmesh'), ...args], {
      env: { ...isolatedEnv(home), AWSMESH_START_BUNDLE: 'off', AWSMESH_BUNDLE_TRACE: out },
      encoding: 'utf8',
    });
    if (r.status !== 0 && !/NotFoundException/.test(r.stderr)) throw new Error(`tracing awsmesh ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    const t = JSON.parse(fs.readFileSync(out, 'utf8'));
    for (const f of t.order) if (!union.order.includes(f)) union.order.push(f);
    for (const [f, table] of Object.entries(t.requires)) Object.assign((union.requires[f] ??= {}), table);
  }
  return union;
}

/** The file whose size and mtime stand for `key`'s group (see the top of this file). */
function sentinelOf(key) {
  if (key.startsWith('dist/')) return 'dist/cli/main.js';
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(key);
  return m ? `node_modules/${m[1]}/package.json` : key;
}

/**
 * `text` with every non-ASCII UTF-16 unit written as a \uXXXX escape, so the bundle is ASCII: V8
 * then holds its source as a one-byte string (half the memory of a two-byte one, and no young-
 * generation collection for it) and bin/awsmesh reads it as latin1, without UTF-8 decoding. Such
 * characters sit in comments, string and template literals, regular expressions and identifiers,
 * where the escape means the same character; an identity escape before one (`\—`) becomes the
 * plain escape. Only a template's raw text (String.raw) would differ: for a file that uses it
 * the build writes no bundle (and says why).
 */
function asciiOnly(text, key) {
  if (/^[\x00-\x7f]*$/.test(text)) return text;
  if (/String\.raw/.test(text)) throw new Error(`${key} uses String.raw beside non-ASCII text`);
  return text.replace(/(\\*)([^\x00-\x7f])/g, (_, slashes, c) =>
    `${slashes.length % 2 ? slashes.slice(1) : slashes}\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function bundle(t) {
  const files = t.order;
  const rel = new Set(files.map((f) => path.relative(ROOT, f)));
  const parts = [];
  const keys = [];
  const meta = [];
  for (const file of files) {
    const key = path.relative(ROOT, file);
    const text = file.endsWith('.json') ? '' : fs.readFileSync(file, 'utf8');
    // [request, file key or 0 for a built-in, …]: a constant array literal costs nothing to create,
    // where an object per module (each with its own keys) cost V8 a map and its transitions at start.
    const table = [];
    for (const [request, to] of Object.entries(t.requires[file] || {})) {
      if (to.builtin) table.push(request, 0);
      else if (rel.has(to.file)) table.push(request, to.file);
    }
    const body = file.endsWith('.json')
      // JSON stays in its file (read at run time: cheaper than a huge literal in the compiled bundle).
      ? `function (exports, require, module, __filename) { module.exports = JSON.parse(fs.readFileSync(__filename, 'utf8')); }`
      // The file's text unchanged, as Node's CommonJS wrapper would run it (strict only if it says so).
      : `function (exports, require, module, __filename, __dirname) {${asciiOnly(text.replace(/^#!.*/, ''), key)}\n}`;
    keys.push(key);
    meta.push([sentinelOf(key), table]);
    parts.push(`case ${parts.length}: return ${body};`);
  }
  const sentinels = {};
  for (const key of rel) {
    const s = sentinelOf(key);
    const st = fs.statSync(path.join(ROOT, s));
    sentinels[s] = st.size;
  }
  // The runtime: a function bin/awsmesh calls with its require and the package root.
  // Module: bin/awsmesh passes its own module's constructor, the CommonJS loader's Module class (the
  // public 'module' built-in is the same class, but requiring it compiles it and the ESM loader and
  // source-map modules it pulls in: ~0.2 ms a start).
  return `(function (outerRequire, root, Module = outerRequire('module')) {
const fs = outerRequire('fs');
const path = outerRequire('path');
const sentinels = ${JSON.stringify(sentinels)};
// The bundled files by position: their keys, [sentinel, require table] (constant literals, free to
// create), and their code, a function made only when the file loads (an object of 65 closures made
// V8 define and transition a property per file at every start).
const keys = ${JSON.stringify(keys)};
const meta = ${JSON.stringify(meta)};
function code(i) {
switch (i) {
${parts.join('\n')}
}
}
const checked = {};
let builtAt;
function fresh(i) {
  const s = meta[i][0];
  if (checked[s] === undefined) {
    try {
      builtAt ??= fs.statSync(filenameOf('dist/start-bundle.js')).mtimeMs;
      const st = fs.statSync(filenameOf(s));
      checked[s] = st.size === sentinels[s] && st.mtimeMs <= builtAt;
    } catch {
      checked[s] = false;
    }
  }
  return checked[s];
}
// Path work without path.join/resolve per module: those normalise the whole string each call, and
// a few hundred calls made node:path's normalizeString hot enough for V8 to optimise it (a TurboFan
// compile of several ms on a background thread). root is normalised (path.join in bin/awsmesh) and
// keys are relative paths without dot segments.
const sep = path.sep;
const filenames = {};
function filenameOf(key) {
  return (filenames[key] ??= sep === '/' ? root + '/' + key : path.join(root, key));
}
const lookupPaths = {};
function nodeModulePaths(dir) {
  return (lookupPaths[dir] ??= Module._nodeModulePaths(dir)).slice();
}
/** What the build recorded for \`request\` in a module's table, or undefined. */
function resolved(table, request) {
  for (let i = 0; i < table.length; i += 2) if (table[i] === request) return table[i + 1];
  return undefined;
}
function load(key, parent) {
  const filename = filenameOf(key);
  const cached = Module._cache[filename];
  if (cached) return cached.exports;
  const i = keys.indexOf(key);
  if (!fresh(i)) return parent.require(filename);
  const table = meta[i][1];
  const fn = code(i);
  const dirname = filename.slice(0, filename.lastIndexOf(sep));
  const m = new Module(filename, parent);
  m.filename = filename;
  m.paths = nodeModulePaths(dirname);
  Module._cache[filename] = m;
  let ok = false;
  try {
    const req = function require(request) {
      const to = resolved(table, request);
      if (to === 0) return outerRequire(request);
      if (to !== undefined) return load(to, m);
      return m.require(request);
    };
    // require.resolve of a request the build resolved (a package's main module) without the search.
    req.resolve = (request, options) => {
      const to = options === undefined ? resolved(table, request) : undefined;
      if (typeof to === 'string' && fresh(keys.indexOf(to))) return filenameOf(to);
      return Module._resolveFilename(request, m, false, options);
    };
    req.cache = Module._cache;
    req.main = outerRequire.main;
    fn.call(m.exports, m.exports, req, m, filename, dirname);
    ok = true;
  } finally {
    if (!ok) delete Module._cache[filename];
  }
  m.loaded = true;
  return m.exports;
}
return (entry, parent) => load(entry, parent);
})
`;
}

/** Compiles the bundle, runs a traced command through it, and writes V8's code cache (with the functions it ran). */
function produceCache(home) {
  const r = spawnSync(process.execPath, [__filename, '--cache', home], { env: { ...isolatedEnv(home) }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`writing the code cache failed (${r.status}): ${r.stderr}`);
}

function cacheChild() {
  const vm = require('vm');
  const source = fs.readFileSync(OUT, 'utf8');
  const script = new vm.Script(source, { filename: OUT });
  const loadFrom = script.runInThisContext()(require, ROOT);
  const cli = loadFrom('dist/cli/main.js', module);
  const { processIo } = loadFrom('dist/base/io.js', module);
  const io = processIo();
  const sink = { write: () => true };
  const quiet = { ...io, stdout: sink, stderr: sink };
  (async () => {
    for (const args of TRACE) await cli.runCli(args, quiet);
    fs.writeFileSync(CACHE, script.createCachedData());
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * The generated service models (and their per-operation slices) in dist/ compact (tsc
 * re-indents JSON it copies, doubling what a command reads and scans: parsing App Mesh's model is
 * a visible share of a short command's start).
 */
function compactModels(dir = path.join(ROOT, 'dist', 'generated')) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) compactModels(file); // the per-operation slices
    else if (entry.name.endsWith('.json')) fs.writeFileSync(file, JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8'))));
  }
}

/**
 * The bundle without comments and layout (esbuild: whitespace and syntax, names kept): a start
 * reads the whole text and V8 keeps a copy of it, and on a 2-CPU VM every fresh 4 KiB page a
 * process touches costs a page fault of ~11 µs, so its size is start-up time (268 → 179 KiB: 84
 * fewer faults per start). Unchanged when esbuild (a dev dependency) is not installed.
 */
function minified(text) {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return text;
  }
  // An assignment, so the minifier keeps the otherwise unused function expression; removed again.
  const { code } = esbuild.transformSync(`__bundle=${text}`, { minifyWhitespace: true, minifySyntax: true, charset: 'ascii', target: 'node20' });
  if (!code.startsWith('__bundle=')) throw new Error("esbuild changed the bundle's shape");
  return `${code.slice('__bundle='.length).replace(/;\n$/, '')}\n`;
}

function main() {
  compactModels();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-bundle-'));
  try {
    fs.rmSync(OUT, { force: true });
    fs.rmSync(CACHE, { force: true });
    const t = trace(home);
    const text = `// Generated by scripts/build-start-bundle.js at build time - do not edit.\n${minified(bundle(t))}`;
    if (!/^[\x00-\x7f]*$/.test(text)) throw new Error('the bundle is not ASCII (bin/awsmesh reads it as latin1)');
    fs.writeFileSync(OUT, text);
    produceCache(home);
  } catch (e) {
    // The CLI works without the bundle (only its start is slower); test/cli/start-bundle.test.ts notices.
    fs.rmSync(OUT, { force: true });
    fs.rmSync(CACHE, { force: true });
    console.warn(`build-start-bundle: no start bundle written (${e.message.split('\n')[0]}); bin/awsmesh loads dist/ file by file`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

if (process.env.AWSMESH_BUNDLE_TRACE && require.main !== module) tracer(process.env.AWSMESH_BUNDLE_TRACE);
else if (process.argv[2] === '--cache') cacheChild();
else if (require.main === module) main();
