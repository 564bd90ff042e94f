// `awsmesh completion bash|zsh|fish`: the scripts really complete, in real shells. bash is always
// there; zsh and fish are checked when installed (CI installs them) and say so when they are not.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { COMMANDS } from '../../src/cli/commands/registry';
import { buildProgram } from '../../src/cli/program';
import { getService, SERVICE_NAMES } from '../../src/model/services';
import { cleanupHomes, ROOT, runCli } from '../helpers/run-cli';
import { cleanupDirs, tempDir } from './helpers';

afterAll(() => {
  cleanupDirs();
  cleanupHomes();
});

const scripts: Record<string, string> = {};

beforeAll(async () => {
  const dir = tempDir();
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await runCli(['completion', shell]);
    expect(r.code).toBe(0);
    scripts[shell] = path.join(dir, `awsmesh.${shell}`);
    fs.writeFileSync(scripts[shell], r.stdout);
  }
});

function hasShell(shell: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs bash completion for each word list (the last word is the one being completed). */
function bashComplete(cases: string[][]): string[][] {
  const body = cases.map((words) => [
    `COMP_WORDS=(${words.map(shellQuote).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    'COMPREPLY=()',
    '_awsmesh',
    'printf "%s\\n" "${COMPREPLY[@]}"',
    'echo "@@@"',
  ].join('\n')).join('\n');
  const r = spawnSync('bash', ['-c', `source ${shellQuote(scripts.bash)}\n${body}`], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('@@@\n').slice(0, cases.length).map((block) => block.split('\n').filter(Boolean));
}

describe('bash', () => {
  test('completes commands, services, operations, flags, flag values and files', () => {
    const [top, prefix, op, flags, afterGlobal, output, apply, files, local, iamFlags] = bashComplete([
      ['awsmesh', ''],
      ['awsmesh', 'app'],
      ['awsmesh', 'appmesh', 'create-virtual-n'],
      ['awsmesh', 'appmesh', 'create-virtual-node', '--'],
      ['awsmesh', '--region', 'us-west-2', '--debug', 'iam', 'create-ro'],
      ['awsmesh', 'appmesh', 'list-meshes', '--output', ''],
      ['awsmesh', 'apply', '--d'],
      ['awsmesh', 'apply', '-f', 'exa'],
      ['awsmesh', 'local', ''],
      ['awsmesh', 'iam', 'create-role', '--role-name', 'r', '--'],
    ]);
    expect(top).toEqual(COMMANDS.map((c) => c.name));
    expect(prefix).toEqual(['appmesh', 'apply']);
    expect(op).toEqual(['create-virtual-node']);
    expect(flags).toEqual(expect.arrayContaining(['--mesh-name', '--virtual-node-name', '--spec', '--tags', '--cli-input-json', '--region', '--endpoint-url']));
    expect(flags).not.toContain('--max-items'); // not a paginated operation
    expect(afterGlobal).toEqual(['create-role']);
    expect(output).toEqual(['json', 'text', 'table', 'yaml', 'yaml-stream']);
    expect(apply).toEqual(['--dry-run', '--debug']);
    expect(files).toEqual(['examples']);
    // what `awsmesh local` really registers (a module may define several subcommands)
    const program = buildProgram({ stdout: { write: () => true }, stderr: { write: () => true }, stdoutIsTTY: false, stderrIsTTY: false, env: {}, cwd: ROOT });
    COMMANDS.find((c) => c.name === 'local')!.load().register(program, () => { throw new Error('not run'); });
    expect(local).toEqual(program.commands[0].commands.map((c) => c.name()));
    expect(local).toContain('serve');
    expect(iamFlags).toEqual(expect.arrayContaining(['--assume-role-policy-document', '--path', '--description']));
  });

  test('every operation of every service completes with all of its flags (from the operation tables)', () => {
    const ops = SERVICE_NAMES.flatMap((service) => Object.values(getService(service).operations).map((op) => ({ service, op })));
    const results = bashComplete(ops.map(({ service, op }) => ['awsmesh', service, op.cli, '--']));
    ops.forEach(({ op }, i) => {
      const expected = op.params.filter((p) => !p.hidden).map((p) => `--${p.flag}`);
      expect({ op: op.cli, missing: expected.filter((f) => !results[i].includes(f)) }).toEqual({ op: op.cli, missing: [] });
      expect(results[i].includes('--max-items')).toBe(Boolean(op.paginator));
    });
    expect(ops.length).toBeGreaterThanOrEqual(91);
  });
});

test('completion for an unknown shell is a usage error', async () => {
  const r = await runCli(['completion', 'powershell']);
  expect(r.code).toBe(252);
  expect(r.stderr).toContain('valid choices are: bash | zsh | fish');
});

describe('zsh', () => {
  test('parses, registers with compdef and offers the same candidates', () => {
    if (!hasShell('zsh')) {
      console.log('zsh is not installed: zsh completion not exercised (CI installs it via .ci/run)');
      return;
    }
    expect(spawnSync('zsh', ['-n', scripts.zsh]).status).toBe(0);
    const program = [
      'autoload -U compinit && compinit -u -D',
      `source ${shellQuote(scripts.zsh)}`,
      'print -r -- "registered=${_comps[awsmesh]}"',
      'compadd() { shift; print -r -- "$*"; }',
      '_files() { print -r -- FILES; }',
      'words=(awsmesh appmesh create-m); CURRENT=3; _awsmesh',
      'words=(awsmesh --output y); CURRENT=3; _awsmesh',
      'words=(awsmesh validate ex); CURRENT=3; _awsmesh',
    ].join('\n');
    const r = spawnSync('zsh', ['-f', '-c', program], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HOME: tempDir() } });
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('registered=_awsmesh');
    expect(lines[1].split(' ')).toEqual(expect.arrayContaining(['create-mesh', 'create-route', 'delete-mesh']));
    expect(lines[2].split(' ')).toEqual(['json', 'text', 'table', 'yaml', 'yaml-stream']);
    expect(lines[3]).toBe('FILES');
  });
});

describe('fish', () => {
  test('parses and completes through `complete -C`', () => {
    if (!hasShell('fish')) {
      console.log('fish is not installed: fish completion not exercised (CI installs it via .ci/run)');
      return;
    }
    expect(spawnSync('fish', ['-n', scripts.fish]).status).toBe(0);
    const program = [
      `source ${shellQuote(scripts.fish)}`,
      'complete -C "awsmesh appmesh create-mes"',
      'echo @@@',
      'complete -C "awsmesh --output yaml-s"',
      'echo @@@',
      'complete -C "awsmesh export --fo"',
      'echo @@@',
      'complete -C "awsmesh apply -f exa"',
    ].join('\n');
    const r = spawnSync('fish', ['--no-config', '-c', program], { cwd: ROOT, encoding: 'utf8' });
    const [ops, value, flag, files] = r.stdout.split('@@@\n').map((b) => b.split('\n').filter(Boolean).map((l) => l.split('\t')[0]));
    expect(ops).toEqual(['create-mesh']);
    expect(value).toEqual(['yaml-stream']);
    expect(flag).toEqual(['--format']);
    expect(files).toEqual(['examples/']);
  });
});
