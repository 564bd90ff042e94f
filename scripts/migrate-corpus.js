#!/usr/bin/env node
'use strict';
// npm run migrate:corpus — the figures of docs/migrate.md "The corpus": every mesh of the vendored
// corpus (123 App Mesh specs, 44 CloudFormation templates, 18 controller manifests, read exactly
// as test/migrate/corpus.test.ts reads them) converted to each target; prints the counts table
// (mapped / approximated / lost / manual / routing differences / documents) and what it cost
// (wall and CPU time to convert, and to check every document against its vendored schema).
//   --write   puts the counts into README.md and docs/migrate.md (the corpus test checks they agree)
//   --cli     also times `awsmesh migrate` beside `awsmesh validate` (its peer: the same reading of
//             the same files, without the conversion) on the walkthrough, as child processes
// Needs `npm run build` only for --cli. The TypeScript sources are loaded directly (esbuild
// transforms each file on require), so the figures are those of the working tree.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const { transformSync } = require('esbuild');
const { machine, loadWarning, median } = require('./bench-cpu');

const ROOT = path.resolve(__dirname, '..');
const args = new Set(process.argv.slice(2));
for (const a of args) if (!['--write', '--cli'].includes(a)) usage(`unknown option ${a}`);

function usage(message) {
  process.stderr.write(`migrate-corpus: ${message}\nusage: node scripts/migrate-corpus.js [--write] [--cli]\n`);
  process.exit(2);
}

// Each .ts file compiled on its own (the project builds with isolatedModules), so __dirname stays
// the file's own directory and paths the sources compute from it hold.
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: filename, sourcemap: 'inline' });
  module._compile(code, filename);
};

const { TARGET_NAMES } = require('../src/migrate');
const { corpusSources, WALKTHROUGH_FILES } = require('../test/migrate/sources');
const { convertAll, problemsOf, TABLE_HEADER, tableRow, totalsOf } = require('../test/migrate/corpus-figures');

/** Wall and CPU milliseconds of fn(). */
function timed(fn) {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(cpu);
  return { result, wallMs: Number(process.hrtime.bigint() - wall) / 1e6, cpuMs: (used.user + used.system) / 1000 };
}

const ms = (x) => `${Math.round(x)} ms`;

function main() {
  console.log(`migrate:corpus — ${machine()}`);
  const warning = loadWarning();
  if (warning) console.log(warning);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-migrate-corpus-'));
  let read;
  try {
    read = timed(() => corpusSources(tmp));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const { sources, unresolved } = read.result;
  console.log(`read ${sources.length} meshes (validate's reading of the corpus files): ${ms(read.wallMs)} wall, ${ms(read.cpuMs)} CPU; ${unresolved} references to objects of files not in the corpus`);

  const rows = [];
  const costs = [];
  let failed = 0;
  for (const target of TARGET_NAMES) {
    // the conversion includes the equivalence check (sample requests routed by App Mesh and by the target)
    const conv = timed(() => convertAll(sources, target));
    const totals = totalsOf(conv.result);
    const check = timed(() => problemsOf(conv.result));
    const problems = Object.entries(check.result).flatMap(([kind, list]) => list.map((p) => `${kind}: ${p}`));
    for (const p of problems) console.error(`${target}: ${p}`);
    failed += problems.length;
    rows.push(tableRow(target, totals));
    costs.push(`${target.padEnd(15)} convert ${ms(conv.wallMs).padStart(8)} wall ${ms(conv.cpuMs).padStart(8)} CPU (${(conv.cpuMs / sources.length).toFixed(1)} ms CPU per mesh); schema check of ${totals.documents} documents ${ms(check.wallMs)} wall ${ms(check.cpuMs)} CPU`);
  }

  console.log('');
  console.log(TABLE_HEADER);
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
  console.log('');
  for (const c of costs) console.log(c);
  console.log(failed ? `\n${failed} invalid or unplanned documents or unclassified settings (above)` : `\nevery document valid against its vendored schema and named by a plan step; every setting classified`);

  if (args.has('--write') && failed) console.log('\nnothing written: fix the problems above first');
  else if (args.has('--write')) {
    for (const file of ['README.md', 'docs/migrate.md']) {
      const abs = path.join(ROOT, file);
      let text = fs.readFileSync(abs, 'utf8');
      rows.forEach((row, i) => {
        text = text.replace(new RegExp(`^\\| ${TARGET_NAMES[i]} \\|[^\\n]*\\|$`, 'm'), row);
      });
      text = text.replace(/\b\d+ meshes\b/g, `${sources.length} meshes`).replace(/\b\d+ references in the controller/g, `${unresolved} references in the controller`);
      fs.writeFileSync(abs, text);
      console.log(`wrote the counts into ${file}`);
    }
  }
  if (args.has('--cli')) cliTimes();
  if (failed) process.exitCode = 1;
}

/** `awsmesh migrate` on the walkthrough beside `awsmesh validate` of the same files, alternating rounds. */
function cliTimes() {
  const bin = path.join(ROOT, 'bin', 'awsmesh');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) usage('--cli needs `npm run build` first');
  const files = WALKTHROUGH_FILES;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'awsmesh-migrate-cli-'));
  const env = { ...process.env, AWSMESH_HOME: home, NO_COLOR: '1' };
  const commands = {
    'validate': ['validate', ...files],
    ...Object.fromEntries(TARGET_NAMES.map((t) => [`migrate --to ${t}`, ['migrate', '--to', t, ...files.flatMap((f) => ['-f', f]), '--report', 'none']])),
  };
  const runs = Number(process.env.BENCH_RUNS || 9);
  const times = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  try {
    for (let round = 0; round < runs; round++) {
      for (const [name, argv] of Object.entries(commands)) {
        const t = process.hrtime.bigint();
        const r = spawnSync(process.execPath, [bin, ...argv], { env, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
        times[name].push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  const base = median(times.validate);
  console.log(`\nCLI on the walkthrough (7 files), median of ${runs} alternating rounds:`);
  for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(28)} ${ms(median(xs)).padStart(7)}${name === 'validate' ? '  (peer)' : `  ${(median(xs) / base).toFixed(2)}x validate`}`);
}

main();
