// The CLI as users run it: real `bin/awsmesh` child processes on a real store, every exit code,
// flag/file merging, --query, pagination and each output format.

import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { spawn } from 'child_process';
import { BIN, cleanEnv, cleanupHomes, ROOT, runBin, runCli, tempHome } from '../helpers/run-cli';

afterAll(cleanupHomes);

describe('exit codes', () => {
  const home = tempHome();

  test('0: success prints the resource', async () => {
    const r = await runBin(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).mesh.metadata.arn).toBe('arn:aws:appmesh:us-west-2:111122223333:mesh/apps');
    expect(r.stderr).toBe('');
  });

  test('254: service errors in the AWS CLI wording', async () => {
    const r = await runBin(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home });
    expect(r.code).toBe(254);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^\nAn error occurred \(ConflictException\) when calling the CreateMesh operation: .+\n$/);
    const missing = await runBin(['appmesh', 'describe-mesh', '--mesh-name', 'nope'], { home });
    expect(missing.code).toBe(254);
    expect(missing.stderr).toContain('An error occurred (NotFoundException) when calling the DescribeMesh operation:');
  });

  test('252: validation failures send nothing', async () => {
    const r = await runBin(['appmesh', 'create-virtual-node', '--mesh-name', 'apps', '--virtual-node-name', 'n', '--spec', '{"listeners":[{"portMapping":{"port":0,"protocol":"http"}}]}'], { home });
    expect(r.code).toBe(252);
    expect(r.stderr).toBe('\nParameter validation failed:\nInvalid value for parameter spec.listeners[0].portMapping.port, value: 0, valid min value: 1\n');
    const list = await runBin(['appmesh', 'list-virtual-nodes', '--mesh-name', 'apps', '--query', 'length(virtualNodes)'], { home });
    expect(list.stdout.trim()).toBe('0');
  });

  test('253: the aws backend without a region', async () => {
    const r = await runBin(['--backend', 'aws', 'appmesh', 'list-meshes'], { home });
    expect(r.code).toBe(253);
    expect(r.stderr).toBe('\nYou must specify a region. You can also configure your region by running "aws configure".\n');
  });

  test('255: an unknown profile, and a refused connection', async () => {
    const r = await runBin(['--profile', 'nope', 'appmesh', 'list-meshes'], { home });
    expect(r.code).toBe(255);
    expect(r.stderr).toBe('\nThe config profile (nope) could not be found\n');
    const refused = await runBin(['--endpoint-url', 'http://127.0.0.1:9', '--region', 'us-west-2', 'appmesh', 'describe-mesh', '--mesh-name', 'a'], {
      home, env: { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
    });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('Could not connect to the endpoint URL: "http://127.0.0.1:9/v20190125/meshes/a"');
  });

  test('130: Ctrl-C while waiting for the service prints a newline', async () => {
    const server = net.createServer(() => undefined); // accepts and never answers
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const child = spawn(process.execPath, [BIN, '--endpoint-url', `http://127.0.0.1:${port}`, '--region', 'us-west-2', 'appmesh', 'list-meshes'], {
        env: cleanEnv(home, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      await new Promise<void>((res) => server.once('connection', () => res()));
      child.kill('SIGINT');
      const code = await new Promise<number | null>((res) => child.on('close', res));
      expect(code).toBe(130);
      expect(stdout).toBe('\n');
      expect(stderr).toBe('');
    } finally {
      server.close();
    }
  });
});

describe('input from flags and files', () => {
  test('explicit flags replace whole top-level keys of --cli-input-json', async () => {
    const home = tempHome();
    const dir = tempHome('awsmesh-input-');
    await runCli(['appmesh', 'create-mesh', '--mesh-name', 'apps'], { home });
    fs.writeFileSync(path.join(dir, 'vn.json'), JSON.stringify({
      meshName: 'apps',
      virtualNodeName: 'from-file',
      spec: { listeners: [{ portMapping: { port: 9090, protocol: 'http' } }] },
      tags: [{ key: 'team', value: 'core' }],
    }));
    const r = await runCli([
      'appmesh', 'create-virtual-node', '--cli-input-json', 'file://vn.json',
      '--virtual-node-name', 'from-flag', '--spec', 'listeners=[{portMapping={port=8080,protocol=http}}]',
    ], { home, cwd: dir });
    expect(r.code).toBe(0);
    const vn = JSON.parse(r.stdout).virtualNode;
    expect(vn.virtualNodeName).toBe('from-flag');
    expect(vn.spec).toEqual({ listeners: [{ portMapping: { port: 8080, protocol: 'http' } }] });
    const tags = await runCli(['appmesh', 'list-tags-for-resource', '--resource-arn', vn.metadata.arn, '--output', 'text'], { home });
    expect(tags.stdout).toBe('TAGS\tteam\tcore\n');
  });

  test('YAML input, shorthand tags and list flags', async () => {
    const home = tempHome();
    const r = await runCli(['appmesh', 'create-mesh', '--cli-input-yaml', 'meshName: y\nspec:\n  egressFilter:\n    type: ALLOW_ALL\n',
      '--tags', 'key=env,value=dev', 'key=team,value=mesh'], { home });
    expect(r.code).toBe(0);
    const arn = JSON.parse(r.stdout).mesh.metadata.arn;
    expect(JSON.parse(r.stdout).mesh.spec).toEqual({ egressFilter: { type: 'ALLOW_ALL' } });
    expect((await runCli(['appmesh', 'untag-resource', '--resource-arn', arn, '--tag-keys', 'env', 'team'], { home })).code).toBe(0);
    const left = await runCli(['appmesh', 'list-tags-for-resource', '--resource-arn', arn], { home });
    expect(JSON.parse(left.stdout)).toEqual({ tags: [] });
  });
});

describe('pagination and output', () => {
  const home = tempHome();
  beforeAll(async () => {
    for (const m of ['m1', 'm2', 'm3', 'm4', 'm5']) await runCli(['appmesh', 'create-mesh', '--mesh-name', m], { home });
  });

  test('all pages are merged; --page-size only changes the request size', async () => {
    const r = await runCli(['appmesh', 'list-meshes', '--page-size', '2', '--query', 'meshes[].meshName'], { home });
    expect(JSON.parse(r.stdout)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  test('--max-items prints a NextToken that --starting-token resumes from', async () => {
    const first = JSON.parse((await runCli(['appmesh', 'list-meshes', '--max-items', '3', '--page-size', '2'], { home })).stdout);
    expect(first.meshes.map((m: any) => m.meshName)).toEqual(['m1', 'm2', 'm3']);
    expect(first.NextToken).toEqual(expect.any(String));
    const rest = JSON.parse((await runCli(['appmesh', 'list-meshes', '--starting-token', first.NextToken, '--page-size', '2'], { home })).stdout);
    expect(rest.meshes.map((m: any) => m.meshName)).toEqual(['m4', 'm5']);
    expect(rest.NextToken).toBeUndefined();
  });

  test('--no-paginate and raw paging parameters make one call with the raw token', async () => {
    const one = JSON.parse((await runCli(['appmesh', 'list-meshes', '--limit', '2'], { home })).stdout);
    expect(one.meshes).toHaveLength(2);
    expect(one.nextToken).toEqual(expect.any(String));
    const next = JSON.parse((await runCli(['appmesh', 'list-meshes', '--limit', '2', '--next-token', one.nextToken], { home })).stdout);
    expect(next.meshes.map((m: any) => m.meshName)).toEqual(['m3', 'm4']);
  });

  test.each([
    ['json', (s: string) => expect(JSON.parse(s).mesh.meshName).toBe('m1')],
    ['text', (s: string) => expect(s).toMatch(/^MESH\tm1\nMETADATA\tarn:aws:appmesh:us-west-2:111122223333:mesh\/m1\t/)],
    ['table', (s: string) => expect(s.split('\n')[1]).toMatch(/^\|\s+DescribeMesh\s+\|$/)],
    ['yaml', (s: string) => expect(s).toMatch(/^mesh:\n {2}meshName: m1\n/)],
    ['yaml-stream', (s: string) => expect(s).toMatch(/^- mesh:\n {4}meshName: m1\n/)],
  ])('--output %s', async (format, check) => {
    const r = await runBin(['appmesh', 'describe-mesh', '--mesh-name', 'm1', '--output', format], { home });
    expect(r.code).toBe(0);
    check(r.stdout);
  });

  test('AWS_DEFAULT_OUTPUT and the profile choose the format when --output is absent', async () => {
    const env = await runCli(['appmesh', 'describe-mesh', '--mesh-name', 'm1', '--query', 'mesh.meshName'], { home, env: { AWS_DEFAULT_OUTPUT: 'text' } });
    expect(env.stdout).toBe('m1\n');
    fs.writeFileSync(path.join(home, 'aws-config'), '[default]\noutput = yaml\n');
    const prof = await runCli(['appmesh', 'describe-mesh', '--mesh-name', 'm1', '--query', 'mesh.meshName'], { home });
    expect(prof.stdout).toBe('m1\n');
    fs.rmSync(path.join(home, 'aws-config'));
  });
});

test('bin/awsmesh works from any directory', async () => {
  const r = await runBin(['appmesh', 'list-meshes'], { cwd: path.dirname(ROOT) });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual({ meshes: [] });
});
