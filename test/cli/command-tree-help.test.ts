// Every command that is not an AWS operation follows the AWS CLI's conventions (issue 16 item 2):
// `X help` and `X --help` print X's help on stdout and exit 0 without running X (no server starts),
// and an argument X does not declare is a usage error (252). The commands come from the built
// program tree, so a command added later is checked without touching this file. Real child
// processes of bin/awsmesh, a few at a time; one still running after 20 s fails the test.

import { spawn } from 'child_process';
import type { Command } from 'commander';
import { isServiceName } from '../../src/model/services';
import { buildProgram } from '../../src/cli/program';
import { COMMANDS } from '../../src/cli/commands/registry';
import { BIN, cleanEnv, cleanupHomes, ROOT, tempHome } from '../helpers/run-cli';

jest.setTimeout(120_000);
afterAll(cleanupHomes);

const USAGE_HEAD = '\nusage: awsmesh [options] <command> <subcommand> [<subcommand> ...] [parameters]';
const DEADLINE_MS = 20_000;
const POOL = 4;

interface Node {
  path: string[];
  group: boolean;
  /** Placeholders for the required arguments, so one more is the unexpected one. */
  required: string[];
  variadic: boolean;
}

function commandTree(): Node[] {
  const silent = { write: () => true };
  const io = { stdout: silent, stderr: silent, stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: ROOT };
  const program = buildProgram(io);
  for (const entry of COMMANDS) {
    if (!isServiceName(entry.name)) entry.load().register(program, () => { throw new Error('never run'); });
  }
  const nodes: Node[] = [];
  const walk = (cmd: Command, path: string[]) => {
    const args = cmd.registeredArguments;
    nodes.push({
      path,
      group: cmd.commands.length > 0,
      required: args.filter((a) => a.required).map((a) => `placeholder-${a.name()}`),
      variadic: args.some((a) => a.variadic),
    });
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
  };
  for (const cmd of program.commands) walk(cmd, [cmd.name()]);
  return nodes;
}

interface Run {
  args: string[];
  code: number | null;
  stdout: string;
  stderr: string;
  overran: boolean;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(tempHome()), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let overran = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      overran = true;
      child.kill('SIGKILL');
    }, DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ args, code, stdout, stderr, overran });
    });
  });
}

async function pool(jobs: string[][]): Promise<Run[]> {
  const results: Run[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await run(jobs[i]);
    }
  };
  await Promise.all(Array.from({ length: POOL }, worker));
  return results;
}

const nodes = commandTree();

test('the tree holds every non-AWS command group and its subcommands', () => {
  const paths = nodes.map((n) => n.path.join(' '));
  for (const name of ['local serve', 'local status', 'local demo', 'completion', 'envoy config', 'store copy', 'migrate']) {
    expect(paths).toContain(name);
  }
  expect(paths.some((p) => isServiceName(p.split(' ')[0]))).toBe(false);
});

test('X help and X --help print the help of X; an unexpected argument is a usage error', async () => {
  const jobs: string[][] = [];
  for (const n of nodes) {
    jobs.push([...n.path, 'help'], [...n.path, '--help']);
    if (!n.variadic) jobs.push([...n.path, ...n.required, 'junk-arg']);
  }
  const results = await pool(jobs);
  const problems: string[] = [];
  for (const r of results) {
    const what = `awsmesh ${r.args.join(' ')}`;
    if (r.overran) {
      problems.push(`${what}: still running after ${DEADLINE_MS / 1000} s`);
      continue;
    }
    const last = r.args[r.args.length - 1];
    const path = r.args.slice(0, last === 'junk-arg' ? undefined : -1).filter((a) => !a.startsWith('placeholder-') && a !== 'junk-arg');
    if (last === 'junk-arg') {
      if (r.code !== 252 || !r.stderr.startsWith(USAGE_HEAD) || !r.stderr.includes('\nawsmesh: error: ') || r.stdout !== '') {
        problems.push(`${what}: expected a usage error (252), got ${r.code}: ${r.stderr.slice(-200)}`);
      }
    } else if (r.code !== 0 || !r.stdout.startsWith(`awsmesh ${path.join(' ')} — `) || !r.stdout.includes(`\nusage: awsmesh [options] ${path.join(' ')}`) || r.stderr !== '') {
      problems.push(`${what}: expected its help on stdout and exit 0, got ${r.code}: ${(r.stdout + r.stderr).slice(0, 200)}`);
    }
  }
  // `X help` and `X --help` print the same text.
  for (let i = 0; i + 1 < results.length; i++) {
    const [a, b] = [results[i], results[i + 1]];
    if (a.args[a.args.length - 1] === 'help' && b.args[b.args.length - 1] === '--help' && a.stdout !== b.stdout) {
      problems.push(`awsmesh ${a.args.join(' ')} and --help differ`);
    }
  }
  expect(problems).toEqual([]);
});

test('a group\'s help has the layout of `awsmesh help`', async () => {
  const [root, local] = await pool([['help'], ['local', '--help']]);
  for (const r of [root, local]) {
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^awsmesh[^\n]* — [^\n]+\n\nusage: awsmesh \[options\] [^\n]*<command>[^\n]*\n\nCommands:\n {2}\S/);
  }
  expect(local.stdout).toContain('\nCommands:\n  serve ');
  expect(local.stdout).toContain('see `awsmesh help`');
});
