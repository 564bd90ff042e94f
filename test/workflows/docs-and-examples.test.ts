// What the README, docs/ and examples/ci promise: every `awsmesh` command line they show uses commands and
// flags that exist, every `npm run` script exists, every link points at a file (and heading) of this
// repository, every page is reachable from the README, the README's tour runs with the exit codes it
// names, the code table matches the analyzers' codes, the CI job only uses commands and flags that exist,
// and the example manifests validate. Pages are found by listing docs/, so a page added later is covered.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { completionModel } from '../../src/cli/completion';
import { CODES } from '../../src/workflows/findings';
import { codeBlocks, headingAnchors, markdownFiles, prose, readMarkdown } from '../helpers/docs';
import { BIN, cleanupHomes, ROOT, runCli, tempHome } from '../helpers/run-cli';

afterAll(cleanupHomes);

// --- command lines -------------------------------------------------------------------------------

const SHELL_LANGS = new Set(['', 'sh', 'bash', 'zsh', 'fish', 'console', 'shell', 'yaml', 'yml']);
const OPERATORS = new Set(['|', '||', '&&', ';', '&', ')', '>', '>>', '2>', '2>&1', '<']);

/** Logical shell lines of a block: `\` continuations joined, comments dropped (the comment is kept apart). */
function shellLines(body: string): Array<{ text: string; comment: string }> {
  const out: Array<{ text: string; comment: string }> = [];
  let pending = '';
  for (const raw of body.split('\n')) {
    const joined = pending + raw;
    if (/\\\s*$/.test(joined)) {
      pending = joined.replace(/\\\s*$/, ' ');
      continue;
    }
    pending = '';
    let quote = '';
    let cut = joined.length;
    for (let i = 0; i < joined.length; i++) {
      const c = joined[i];
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '#' && (i === 0 || /\s/.test(joined[i - 1]))) {
        cut = i;
        break;
      }
    }
    out.push({ text: joined.slice(0, cut).trim(), comment: joined.slice(cut + 1).trim() });
  }
  return out;
}

/** Words of a shell line, quotes removed; `$(…)`/`<(…)` open a new command, ` | `, `;`, `&&`, `>` end one. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const text = line.replace(/"\$\(([^()]*)\)"/g, ' $( $1 ) ').replace(/[$<]\(/g, ' $( ');
  let word = '';
  let quote = '';
  let quoted = false;
  const flush = () => {
    if (word || quoted) words.push(word);
    word = '';
    quoted = false;
  };
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = '';
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      quoted = true;
    } else if (/\s/.test(c)) flush();
    else if (c === ')' || c === ';') {
      flush();
      words.push(c);
    } else word += c;
  }
  flush();
  return words;
}

interface Invocation {
  where: string;
  words: string[];
}

/** Every `awsmesh …` (also `npx awsmesh`, `node bin/awsmesh`) in the shell-like code blocks of a page. */
function invocations(file: string, text = readMarkdown(file)): Invocation[] {
  const found: Invocation[] = [];
  for (const block of codeBlocks(file, text).filter((b) => SHELL_LANGS.has(b.lang))) {
    for (const { text } of shellLines(block.body)) {
      const words = shellWords(text.replace(/^\s*-?\s*run:\s*/, ''));
      words.forEach((w, i) => {
        if (w !== 'awsmesh' && !w.endsWith('bin/awsmesh')) return;
        const end = words.findIndex((x, j) => j > i && (OPERATORS.has(x) || x === '$(' || x.startsWith('>')));
        found.push({ where: `${file}:${block.line}: ${text}`, words: words.slice(i + 1, end === -1 ? undefined : end) });
      });
    }
  }
  return found;
}

/** What is wrong with one invocation against the live command definitions ('' when nothing). */
function checkInvocation(words: string[], model: ReturnType<typeof completionModel>): string {
  const contexts = new Map(model.contexts.map((c) => [c.path, c]));
  const root = contexts.get('')!;
  const booleans = new Set(model.booleanFlags);
  let ctx = root;
  for (let i = 0; i < words.length; i++) {
    const w = words[i].replace(/^\[|\]$/g, '');
    if (!w || w.includes('…')) continue;
    if (w.startsWith('-') && w.length > 1) {
      const flag = w.split('=')[0];
      if (!root.flags.includes(flag) && !ctx.flags.includes(flag)) return `unknown option ${flag} for "awsmesh ${ctx.path}"`;
      if (!booleans.has(flag) && !w.includes('=')) i++;
      continue;
    }
    if (ctx.subcommands.length) {
      if (!ctx.subcommands.includes(w)) return `"${w}" is not a subcommand of "awsmesh ${ctx.path}" (${ctx.subcommands.join(', ')})`;
      ctx = contexts.get(ctx.path ? `${ctx.path} ${w}` : w)!;
    }
  }
  return ctx === root ? 'no command' : '';
}

describe('every page', () => {
  const pages = markdownFiles();

  test('the pages are README.md and docs/*.md (found by listing)', () => {
    expect(pages[0]).toBe('README.md');
    expect(pages.filter((p) => p.startsWith('docs/')).length).toBeGreaterThanOrEqual(10);
  });

  test('every awsmesh command line uses commands and options that exist', () => {
    const model = completionModel();
    const all = pages.flatMap((p) => invocations(p));
    expect(all.length).toBeGreaterThan(50);
    const wrong = all.map((inv) => ({ where: inv.where, problem: checkInvocation(inv.words, model) })).filter((r) => r.problem);
    expect(wrong).toEqual([]);
  });

  test('the checker itself rejects what does not exist', () => {
    const model = completionModel();
    expect(checkInvocation(['appmesh', 'create-mesh', '--mesh-nme', 'x'], model)).toMatch(/unknown option --mesh-nme/);
    expect(checkInvocation(['local', 'serv'], model)).toMatch(/not a subcommand/);
    expect(checkInvocation(['--output', 'json'], model)).toBe('no command');
    expect(checkInvocation(['--endpoint-url', 'http://x', 'apply', '-f', 'mesh/', '--prune', '--yes'], model)).toBe('');
    // the shell forms the pages use: substitutions, pipes, redirections, continuations, optional [flags]
    const words = (line: string) => invocations('x.md', `\`\`\`sh\n${line}\n\`\`\``).map((i) => i.words);
    expect(words('eval "$(awsmesh shim --shell bash)"   # load it')).toEqual([['shim', '--shell', 'bash']]);
    expect(words('source <(awsmesh completion zsh)')).toEqual([['completion', 'zsh']]);
    expect(words("awsmesh envoy config --mesh a | grep -E ' name: x' > f.yaml")).toEqual([['envoy', 'config', '--mesh', 'a']]);
    expect(words('X=1 awsmesh local stat \\\n    [--mesh apps] && awsmesh local down')).toEqual([['local', 'stat', '[--mesh', 'apps]'], ['local', 'down']]);
    expect(checkInvocation(['local', 'stat', '[--mesh', 'apps]'], model)).toBe('');
  });

  test('every `npm run` script they name exists', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    const named = pages.flatMap((p) => [...readMarkdown(p).matchAll(/npm run ([\w:.…-]+)/g)]
      .map((m) => ({ page: p, script: m[1].replace(/[.:]+$/, '') }))
      .filter((n) => !n.script.includes('…')));
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((n) => !(n.script in scripts))).toEqual([]);
  });

  test('every link points at a file (and heading) inside the repository', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readMarkdown(page);
      if (/\.\.\/shared|\/work\//.test(text)) broken.push(`${page}: mentions a path outside the repository`);
      for (const m of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1];
        if (/^(https?|mailto):/.test(target)) continue;
        const [file, anchor] = target.split('#');
        const abs = file ? path.resolve(ROOT, path.dirname(page), file) : path.join(ROOT, page);
        const rel = path.relative(ROOT, abs);
        if (rel.startsWith('..') || path.isAbsolute(rel)) broken.push(`${page}: ${target} is outside the repository`);
        else if (!fs.existsSync(abs)) broken.push(`${page}: ${target} does not exist`);
        else if (anchor && abs.endsWith('.md') && !headingAnchors(fs.readFileSync(abs, 'utf8')).has(anchor)) broken.push(`${page}: ${target}: no such heading`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('the README links every page, and stays short', () => {
    const readme = readMarkdown('README.md');
    const linked = new Set([...prose(readme).matchAll(/\]\(([^)#\s]+)/g)].map((m) => path.posix.normalize(m[1])));
    expect(pages.filter((p) => p !== 'README.md' && !linked.has(p))).toEqual([]);
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
  });
});

// --- the README's tour, run as written --------------------------------------------------------------

function tourBlock(): string {
  const readme = readMarkdown('README.md');
  const start = readme.indexOf('<!-- section:tour -->');
  expect(start).toBeGreaterThanOrEqual(0);
  const block = codeBlocks('README.md').find((b) => b.lang === 'sh' && readme.split('\n').slice(0, b.line).join('\n').length > start);
  return block!.body;
}

test('the README tour runs as written, each line with the exit code its comment names', async () => {
  const lines = shellLines(tourBlock()).filter((l) => l.text);
  expect(lines.length).toBeGreaterThanOrEqual(8);
  const scratch = tempHome('awsmesh-tour-');
  const binDir = path.join(scratch, 'bin');
  fs.mkdirSync(binDir);
  fs.symlinkSync(BIN, path.join(binDir, 'awsmesh'));
  const codes = path.join(scratch, 'codes');
  const script = lines.map((l, i) => `${l.text}\necho "${i} $?" >> ${JSON.stringify(codes)}`).join('\n');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}` };
  for (const k of Object.keys(env)) if (k.startsWith('AWS')) delete env[k];
  const result = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
  const exits = new Map(fs.readFileSync(codes, 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number) as [number, number]));
  const ran = lines.map((l, i) => ({ line: l.text, exit: exits.get(i) }));
  const expected = lines.map((l) => ({ line: l.text, exit: Number(/\bexit (\d+)/.exec(l.comment)?.[1] ?? 0) }));
  expect({ ran, output: result.code === 0 ? '' : result.out }).toEqual({ ran: expected, output: '' });
  // what the tour's comments promise
  expect(result.out).toContain('Apply complete: 8 created');
  expect(result.out).toMatch(/lds_egress_0\.0\.0\.0_15001/);
  expect(result.out).toMatch(/0 failed/);
}, 180_000);

// --- CI workflows page and examples/ci ---------------------------------------------------------------

test('the finding-code table lists every code with its severity, and nothing else', () => {
  const rows = [...readMarkdown('docs/workflows.md').matchAll(/^\| (AM\d{4}) \| (error|warning|info) \|/gm)].map((m) => [m[1], m[2]]);
  expect(rows).toEqual(Object.entries(CODES).map(([code, c]) => [code, c.severity]));
});

test('the CI job example runs only commands and flags that exist', () => {
  const workflow = YAML.parse(fs.readFileSync(path.join(ROOT, 'examples', 'ci', 'github-actions.yml'), 'utf8'));
  const runs: string[] = Object.values(workflow.jobs as Record<string, { steps: Array<{ run?: string }> }>)
    .flatMap((job) => job.steps.map((s) => s.run ?? ''))
    .flatMap((run) => run.split('\n'))
    .filter((line) => line.includes('awsmesh '));
  expect(runs.length).toBeGreaterThanOrEqual(4);
  const model = completionModel();
  const known = (ctx: string) => model.contexts.find((c) => c.path === ctx);
  for (const line of runs) {
    const words = line.slice(line.indexOf('awsmesh ') + 'awsmesh '.length).split(/\s+/).filter((w) => w && !w.startsWith('>') && !w.startsWith('findings'));
    const command = words.find((w, i) => !w.startsWith('-') && !(words[i - 1] ?? '').startsWith('--endpoint'));
    expect(known('')!.subcommands).toContain(command);
    const allowed = new Set([...known('')!.flags, ...known(command!)!.flags]);
    for (const flag of words.filter((w) => w.startsWith('-'))) expect({ line, flag, known: allowed.has(flag) }).toEqual({ line, flag, known: true });
  }
});

test('the example manifests validate (one info: servicea.apps.local is only called from outside)', async () => {
  const r = await runCli(['validate', path.join(ROOT, 'examples', 'ci', 'apps'), '--output', 'json']);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).map((f: { code: string }) => f.code)).toEqual(['AM0107']);
});

