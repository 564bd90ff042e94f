#!/usr/bin/env node
'use strict';
// Import-graph check for src/ (run by `npm test` before jest), plus the naming rule of command
// implementations: an exported run<Command>(app: App, …) lives in a <command>-command.ts.
//
// Reads every import of every TypeScript source — static `import`/`export … from`, `import x = require()`,
// lazy `require('…')` calls, `import('…')` calls and `typeof import('…')` types (a type-only edge is still a
// dependency between rooms) — resolves the relative ones to files and fails when
//   1. a top-level folder of src/ imports a folder that the layering below puts above it (this also rules out
//      every cycle between folders, direct or through other folders), or
//   2. files import each other in a cycle, inside one folder or across folders.
// Usage: node scripts/check-imports.js [--root DIR] [--graph]
//   --root  check another tree (the check's own test builds small trees in a temp dir)
//   --graph print the folder-level graph and exit
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

// The layering: a folder may import folders of a LOWER rank, and folders of its own rank as long as
// no circle forms; never one of a higher rank. From the bottom (facts) to the top (the CLI):
//   model, generated     the service models: operation tables, generated shapes and API types
//   base                 what every folder may use: errors and exit codes, AWS config files, IO
//                        streams, size-limited input, private files, parsing limits
//   validation, output   input checks against the schemas; result formatting and --query
//   mesh                 App Mesh resources as one snapshot (types, lookups, the loader)
//   backends             the Backend contract and its implementations (local providers + store, aws SDK)
//   core                 the dispatcher and the per-invocation App context (they create the backends)
//   tls, envoy           certificates; Envoy config: translation, validation, the App Mesh image bootstrap
//   xds                  ADS server/client, Envoy bootstraps, `envoy` commands
//   dataplane            the sidecar proxy and the telemetry it emits itself
//   workflows            validate / apply / export, templates and manifests
//   observability        `local observe stat|graph|check`: reads what proxies expose
//   console              `awsmesh console`: the web console (mountable by a server)
//   server, migrate      `local serve` (wire protocols, the xDS bridge); `awsmesh migrate`
//   cli                  commander tree; loads every room lazily
const LAYERS = [
  ['model', 'generated'],
  ['base'],
  ['validation', 'output'],
  ['mesh'],
  ['backends'],
  ['core'],
  ['tls', 'envoy'],
  ['xds'],
  ['dataplane'],
  ['workflows'],
  ['observability'],
  ['console'],
  ['server', 'migrate'],
  ['cli'],
];

// File circles that are the design rather than an accident, each as the exact set of files in it
// (a circle that grows, or a new one, still fails): the completion command lists every command,
// so the registry reaches it and it reads the registry (both only inside functions, lazily).
const ALLOWED_FILE_CIRCLES = [
  ['cli/commands/completion.ts', 'cli/commands/registry.ts', 'cli/completion.ts'],
];

function parseArgs(argv) {
  const opts = { root: path.join(__dirname, '..', 'src'), graph: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') opts.root = path.resolve(argv[++i]);
    else if (argv[i] === '--graph') opts.graph = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

function listSources(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (/\.ts$/.test(entry.name) && !/\.d\.ts$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Every module specifier the file names, with its line, whatever the form of the import. */
function specifiers(file) {
  return scan(file).imports;
}

/**
 * One parse of a file: the module specifiers it names (`imports`), and the command implementations
 * it exports (`runners`: functions run<Command>(app: App, …)).
 */
function scan(file) {
  const text = fs.readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found = [];
  const runners = [];
  const add = (node) => {
    if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) {
      found.push({ spec: node.text, line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });
    }
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if ((isRequire || callee.kind === ts.SyntaxKind.ImportKeyword) && node.arguments.length > 0) add(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (ts.isFunctionDeclaration(node) && node.name && /^run[A-Z]/.test(node.name.text)
      && node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      const first = node.parameters[0]?.type;
      if (first && ts.isTypeReferenceNode(first) && first.typeName.getText(sf) === 'App') runners.push(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports: found, runners };
}

/** A relative specifier → the source file it names (undefined for packages, JSON and other non-TS files). */
function resolve(fromFile, spec, known) {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [base + '.ts', path.join(base, 'index.ts'), base]) {
    if (known.has(candidate)) return candidate;
  }
  return undefined;
}

/** Strongly connected components with more than one member, or a member that imports itself (Tarjan). */
function cycles(nodes, edgesOf) {
  let index = 0;
  const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], out = [];
  const strong = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of edgesOf(v)) {
      if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do { w = stack.pop(); onStack.delete(w); comp.push(w); } while (w !== v);
      if (comp.length > 1 || edgesOf(v).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) strong(v);
  return out;
}

/** One concrete loop through a component, to show rather than only name it (BFS back to the start). */
function loopThrough(comp, edgesOf) {
  const inComp = new Set(comp);
  const start = comp[0];
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of edgesOf(v)) {
      if (!inComp.has(w)) continue;
      if (w === start) {
        const pathBack = [v];
        for (let p = prev.get(v); p !== null; p = prev.get(p)) pathBack.push(p);
        return [...pathBack.reverse(), start];
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
    }
  }
  return comp;
}

function check(root) {
  const files = listSources(root);
  const known = new Set(files);
  const rel = (f) => path.relative(root, f).split(path.sep).join('/');
  const folderOf = (f) => rel(f).split('/')[0];
  const fileEdges = new Map();     // file → [file]
  const folderEdges = new Map();   // folder → Map(folder → first "file:line → target" seen)
  const problems = [];
  for (const file of files) {
    const targets = [];
    const { imports, runners } = scan(file);
    // What a command runs is <command>-command.ts in the folder that owns the work (cli/commands/registry.ts).
    if (runners.length && !rel(file).startsWith('cli/') && !file.endsWith('-command.ts')) {
      problems.push(`naming: ${rel(file)} exports ${runners.join(', ')}(app, …): a command's implementation is named <command>-command.ts`);
    }
    for (const { spec, line } of imports) {
      const target = resolve(file, spec, known);
      if (!target) continue;
      targets.push(target);
      const from = folderOf(file), to = folderOf(target);
      if (from === to) continue;
      if (!folderEdges.has(from)) folderEdges.set(from, new Map());
      const m = folderEdges.get(from);
      if (!m.has(to)) m.set(to, `${rel(file)}:${line} → ${rel(target)}`);
    }
    fileEdges.set(file, [...new Set(targets)]);
  }

  const rank = new Map();
  LAYERS.forEach((names, i) => names.forEach((n) => rank.set(n, i)));
  const folders = [...new Set(files.map(folderOf))].filter((f) => !f.endsWith('.ts')).sort();
  for (const f of folders) {
    if (!rank.has(f)) problems.push(`src/${f}/ has no place in the layering: add it to LAYERS in scripts/check-imports.js`);
  }
  for (const [from, targets] of folderEdges) {
    for (const [to, where] of targets) {
      if (rank.has(from) && rank.has(to) && rank.get(to) > rank.get(from)) {
        problems.push(`layering: ${from}/ must not import ${to}/ (a higher layer): ${where}`);
      }
    }
  }
  const folderOut = (f) => [...(folderEdges.get(f) ?? new Map()).keys()];
  for (const comp of cycles(folders, folderOut)) {
    const loop = loopThrough(comp, folderOut);
    const steps = loop.slice(0, -1).map((f, i) => `    ${folderEdges.get(f).get(loop[i + 1])}`);
    const members = comp.length > loop.length - 1 ? ` (${comp.length} folders in the circle: ${comp.join(', ')})` : '';
    problems.push(`folders import each other in a circle: ${loop.join(' → ')}${members}\n${steps.join('\n')}`);
  }
  const fileOut = (f) => fileEdges.get(f) ?? [];
  const allowed = new Set(ALLOWED_FILE_CIRCLES.map((c) => [...c].sort().join('\n')));
  for (const comp of cycles(files, fileOut)) {
    if (allowed.has(comp.map(rel).sort().join('\n'))) continue;
    problems.push(`files import each other in a circle: ${loopThrough(comp, fileOut).map(rel).join(' → ')}` +
      (comp.length > 2 ? ` (${comp.length} files in the component: ${comp.map(rel).join(', ')})` : ''));
  }
  return { problems, folderEdges, files: files.length };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const { problems, folderEdges, files } = check(opts.root);
  if (opts.graph) {
    for (const [from, targets] of [...folderEdges].sort()) console.log(`${from} → ${[...targets.keys()].sort().join(', ')}`);
    return;
  }
  if (problems.length > 0) {
    console.error(`check-imports: ${problems.length} problem(s) in the import graph of ${path.relative(process.cwd(), opts.root) || '.'}:`);
    for (const p of problems) console.error(`  ${p}`);
    process.exitCode = 1;
    return;
  }
  console.log(`check-imports: ${files} files, no import cycles, layering holds`);
}

if (require.main === module) main();
module.exports = { check, specifiers, LAYERS };
