// The real `node bin/awsmesh` process on the aws backend: exit codes and stderr for connection
// failures, timeouts and retries, and that the process exits promptly afterwards (no sockets
// left open). Needs `npm run build`.

import * as http from 'http';
import type { AddressInfo } from 'net';
import { cleanupHomes, runBin } from '../helpers/run-cli';
import { FakeAws, closedPort, json, releaseClosedPorts } from './helpers';

const KEYS = { AWS_ACCESS_KEY_ID: 'AKIDBIN', AWS_SECRET_ACCESS_KEY: 'bin-secret' };
const fake = new FakeAws();
let silent: http.Server;
let silentUrl: string;

beforeAll(async () => {
  await fake.start();
  // Accepts connections and never answers.
  silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await fake.stop();
  await releaseClosedPorts();
  silent.closeAllConnections();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  cleanupHomes();
});

it('connection refused: 255 and the AWS CLI sentence', async () => {
  const port = await closedPort();
  const r = await runBin(['--endpoint-url', `http://127.0.0.1:${port}`, '--region', 'us-east-1', 'appmesh', 'describe-mesh', '--mesh-name', 'a'], { env: KEYS });
  expect(r).toEqual({ code: 255, stdout: '', stderr: `\nCould not connect to the endpoint URL: "http://127.0.0.1:${port}/v20190125/meshes/a"\n` });
});

it('--cli-read-timeout: 255 "Read timeout on endpoint URL"', async () => {
  const started = Date.now();
  const r = await runBin(['--endpoint-url', silentUrl, '--region', 'us-east-1', '--cli-read-timeout', '1', 'appmesh', 'list-meshes'], {
    env: { ...KEYS, AWS_MAX_ATTEMPTS: '1' },
  });
  expect(r).toEqual({ code: 255, stdout: '', stderr: `\nRead timeout on endpoint URL: "${silentUrl}/v20190125/meshes"\n` });
  expect(Date.now() - started).toBeLessThan(15_000);
});

it('5xx until retries run out: 254 with "(reached max retries: 2)", three requests', async () => {
  fake.requests.length = 0;
  fake.reply = (_r, res) => json(res, 500, { message: 'boom' }, { 'x-amzn-errortype': 'InternalServerErrorException' });
  const r = await runBin(['--endpoint-url', fake.url, '--region', 'us-east-1', 'appmesh', 'describe-mesh', '--mesh-name', 'a'], { env: KEYS });
  expect(r).toEqual({
    code: 254, stdout: '',
    stderr: '\nAn error occurred (InternalServerErrorException) when calling the DescribeMesh operation (reached max retries: 2): boom\n',
  });
  expect(fake.requests).toHaveLength(3);
});

it('success prints the result and exits 0 promptly', async () => {
  fake.reply = (_r, res) => json(res, 200, { meshes: [{ meshName: 'apps' }] });
  const r = await runBin(['--endpoint-url', fake.url, '--region', 'us-east-1', 'appmesh', 'list-meshes', '--output', 'text', '--query', 'meshes[].meshName'], {
    env: KEYS, timeoutMs: 10_000,
  });
  expect(r).toEqual({ code: 0, stdout: 'apps\n', stderr: '' });
});

it('discover-instances reaches a custom endpoint as given (no data- host prefix)', async () => {
  fake.requests.length = 0;
  fake.reply = (_r, res) => json(res, 200, { Instances: [{ InstanceId: 'i-1', NamespaceName: 'apps.local', ServiceName: 'web', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1' } }] });
  const r = await runBin(['--endpoint-url', fake.url, '--region', 'us-east-1', 'servicediscovery', 'discover-instances',
    '--namespace-name', 'apps.local', '--service-name', 'web', '--query', 'Instances[0].Attributes.AWS_INSTANCE_IPV4', '--output', 'text'], { env: KEYS });
  expect(r).toEqual({ code: 0, stdout: '10.0.0.1\n', stderr: '' });
  expect(fake.requests[0].headers.host).toBe(new URL(fake.url).host);
});
