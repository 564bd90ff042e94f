// Issue 14, item 10: keys that name JavaScript object machinery (__proto__, constructor,
// prototype) are refused with exit 252 / HTTP 400 in every input form — shorthand, JSON, YAML,
// --cli-input-*, Cloud Map attributes, the IAM query protocol — instead of a TypeError (exit 255)
// or a key that silently disappears.

import { cleanEnv, cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { startServe, stopServes } from '../helpers/serve-process';
import { rawRequest } from '../server/helpers';

afterAll(async () => {
  await stopServes();
  cleanupHomes();
});

const REFUSED = '(__proto__, constructor and prototype are not accepted as keys)';

async function expectRefused(args: string[], key: string): Promise<void> {
  const home = tempHome();
  const r = await runCli(args, { home });
  expect(r.stderr).toContain(`key: ${key} ${REFUSED}`);
  expect(r.stderr).not.toContain('TypeError');
  expect(r.code).toBe(252);
  const list = await runCli(['appmesh', 'list-meshes'], { home });
  expect(JSON.parse(list.stdout).meshes).toEqual([]);
}

describe.each(['__proto__', 'constructor', 'prototype'])('%s', (key) => {
  test('in shorthand', async () => {
    await expectRefused(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', `${key}={x=1}`], key);
    await expectRefused(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', `egressFilter={${key}=x,type=ALLOW_ALL}`], key);
  });

  test('in JSON and YAML, nested and at the top level of --cli-input-*', async () => {
    await expectRefused(['appmesh', 'create-mesh', '--mesh-name', 'm', '--spec', `{"${key}":{"x":1}}`], key);
    await expectRefused(['appmesh', 'create-mesh', '--cli-input-json', `{"meshName":"m","${key}":{"x":1}}`], key);
    await expectRefused(['appmesh', 'create-mesh', '--cli-input-yaml', `meshName: m\n${key}:\n  x: 1\n`], key);
  });

  test('as a Cloud Map attribute, shorthand or JSON', async () => {
    for (const attrs of [`${key}=x,AWS_INSTANCE_IPV4=127.0.0.1`, `{"${key}":"x","AWS_INSTANCE_IPV4":"127.0.0.1"}`]) {
      const r = await runCli(['servicediscovery', 'register-instance', '--service-id', 'srv-1', '--instance-id', 'i', '--attributes', attrs]);
      expect(r.stderr).toContain(`Invalid key for parameter Attributes, key: ${key} ${REFUSED}`);
      expect(r.code).toBe(252);
    }
  });
});

test('local serve: a reserved key in a Cloud Map JSON body is a 400', async () => {
  const serve = await startServe({ env: cleanEnv(tempHome()), args: ['--quiet'] });
  const r = await rawRequest(serve.url, {
    method: 'POST', path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Route53AutoNaming_v20170314.RegisterInstance' },
    body: '{"ServiceId":"srv-1","InstanceId":"i","Attributes":{"__proto__":"x","AWS_INSTANCE_IPV4":"127.0.0.1"}}',
  });
  expect(r.status).toBe(400);
  expect(JSON.parse(r.body)).toMatchObject({ __type: 'InvalidInput', Message: expect.stringContaining(`key: __proto__ ${REFUSED}`) });
  await serve.stop();
});
