// `awsmesh shim` in a real bash: mesh commands run through awsmesh (local backend, and the aws
// backend against a fake endpoint), everything else reaches the "real" AWS CLI — a fake `aws`
// executable on a temp PATH that records its arguments.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { shimScript } from '../../src/cli/commands/shim';
import { BIN, cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { FakeAws, json } from './helpers';

const fake = new FakeAws();
let dir: string;
let fakeBin: string;
let toolsBin: string;
let awsLog: string;

interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bash(script: string, env: NodeJS.ProcessEnv = {}): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['-c', script], {
      cwd: dir,
      env: {
        // Only the fake aws, node and env (for bin/awsmesh's #!): no real AWS CLI (/usr/bin has one).
        PATH: `${fakeBin}:${toolsBin}`,
        HOME: dir,
        AWSMESH_HOME: path.join(dir, 'awsmesh-home'),
        AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_LOG: awsLog,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const realAwsCalls = () => (fs.existsSync(awsLog) ? fs.readFileSync(awsLog, 'utf8').trim().split('\n') : []);

beforeAll(async () => {
  dir = tempHome('awsmesh-shim-');
  fakeBin = path.join(dir, 'bin');
  awsLog = path.join(dir, 'real-aws.log');
  fs.mkdirSync(fakeBin);
  toolsBin = path.join(dir, 'tools');
  fs.mkdirSync(toolsBin);
  fs.symlinkSync(process.execPath, path.join(toolsBin, 'node'));
  fs.symlinkSync('/usr/bin/env', path.join(toolsBin, 'env'));
  fs.writeFileSync(path.join(fakeBin, 'aws'), '#!/bin/sh\nprintf \'%s\\n\' "$*" >> "$AWS_LOG"\n[ "$1" = fail ] && exit 7\nexit 0\n', { mode: 0o755 });
  await fake.start();
  fake.reply = (_r, res) => json(res, 200, { meshes: [{ meshName: 'from-endpoint' }] });
});
afterAll(async () => {
  await fake.stop();
  cleanupHomes();
});
beforeEach(() => fs.rmSync(awsLog, { force: true }));

describe('awsmesh shim', () => {
  it('prints a bash function with the launcher of this installation', async () => {
    const r = await runCli(['shim', '--shell', 'bash']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(shimScript('bash'));
    expect(r.stdout).toContain(`'${BIN}' "$@"`);
    expect(r.stdout).toContain('command aws "$@"');
    expect(r.stdout).toMatch(/export -f aws\n$/);
  });

  it('zsh gets the same function without bash-only export -f; the shell defaults from $SHELL', async () => {
    const zsh = await runCli(['shim', '--shell', 'zsh']);
    expect(zsh.stdout).not.toContain('export -f');
    expect(zsh.stdout.replace('(zsh)', '(bash)')).toBe(shimScript('bash').replace('export -f aws\n', ''));
    expect((await runCli(['shim'], { env: { SHELL: '/usr/bin/zsh' } })).stdout).toBe(zsh.stdout);
    expect((await runCli(['shim'], { env: { SHELL: '/bin/fish' } })).stdout).toBe(shimScript('bash'));
  });

  it('rejects an unknown shell with 252', async () => {
    const r = await runCli(['shim', '--shell', 'fish']);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain('argument --shell: Invalid choice, valid choices are: bash | zsh');
  });

  it('in bash: mesh commands run awsmesh, every other aws command reaches the real CLI unchanged', async () => {
    fs.writeFileSync(path.join(dir, 'child.sh'), [
      '#!/bin/bash',
      'set -eu',
      'aws appmesh describe-mesh --mesh-name apps --query mesh.meshName --output text',
      'aws ec2 describe-instances --filters "Name=tag:app,Values=a b"',
    ].join('\n'), { mode: 0o755 });
    const r = await bash([
      'set -eu',
      `eval "$('${process.execPath}' '${BIN}' shim --shell bash)"`,
      'type -t aws',
      'aws s3 ls s3://bucket',
      'aws --region us-east-1 --output json sts get-caller-identity',
      'aws --version',
      'aws appmesh create-mesh --mesh-name apps --query mesh.meshName --output text',
      'aws --output text appmesh list-meshes --query "meshes[].meshName"',
      'aws --region eu-west-1 iam list-roles --query "length(Roles)"',
      './child.sh',
      `AWS_ACCESS_KEY_ID=k AWS_SECRET_ACCESS_KEY=s aws --endpoint-url ${fake.url} --region us-east-1 appmesh list-meshes --query "meshes[0].meshName"`,
      'set +e',
      'aws appmesh describe-mesh --mesh-name missing; echo "rc=$?"',
      'aws fail now; echo "rc=$?"',
    ].join('\n'));
    expect(r.stderr).toContain('An error occurred (NotFoundException) when calling the DescribeMesh operation');
    expect(r.stdout.split('\n')).toEqual([
      'function',
      'apps', // create-mesh (local backend)
      'apps', // list-meshes
      '0', // iam list-roles
      'apps', // child script: describe-mesh
      '"from-endpoint"', // aws backend against the fake endpoint
      'rc=254',
      'rc=7',
      '',
    ]);
    expect(realAwsCalls()).toEqual([
      's3 ls s3://bucket',
      '--region us-east-1 --output json sts get-caller-identity',
      '--version',
      'ec2 describe-instances --filters Name=tag:app,Values=a b',
      'fail now',
    ]);
    expect(fake.requests.map((q) => q.url)).toEqual(['/v20190125/meshes']);
    expect(r.code).toBe(0);
  });

  it('without a real AWS CLI on PATH, non-mesh commands fail as "command not found" (127)', async () => {
    fs.renameSync(path.join(fakeBin, 'aws'), path.join(fakeBin, 'aws.off'));
    try {
      const r = await bash(`eval "$('${process.execPath}' '${BIN}' shim)"\naws s3 ls; echo "rc=$?"\naws appmesh list-meshes --query "length(meshes)"`);
      expect(r.stdout).toMatch(/^rc=127\n\d+\n$/);
      expect(r.stderr).toMatch(/aws: command not found/);
    } finally {
      fs.renameSync(path.join(fakeBin, 'aws.off'), path.join(fakeBin, 'aws'));
    }
  });
});
