// Issue 14, item 9: a lone UTF-16 surrogate (JSON's "\ud800") in any string or key, and bytes
// that are not UTF-8 in a request body, are validation errors and store nothing. Stored, such a
// name could never be matched again: DELETE answered DELETED and left the mesh ACTIVE, two meshes
// listed under one name, and an export could not be imported back.

import { cleanEnv, cleanupHomes, runCli, tempHome } from '../helpers/run-cli';
import { startServe, stopServes, type ServeProcess } from '../helpers/serve-process';
import { rawRequest } from '../server/helpers';
import { writeFile } from './helpers';

let home: string;
let serve: ServeProcess;

beforeAll(async () => {
  home = tempHome();
  serve = await startServe({ env: cleanEnv(home), args: ['--quiet'] });
});

afterAll(async () => {
  await stopServes();
  cleanupHomes();
});

const LONE = 'unpaired UTF-16 surrogate';

async function meshNames(): Promise<string[]> {
  const r = await rawRequest(serve.url, { path: '/v20190125/meshes' });
  return (JSON.parse(r.body).meshes as Array<{ meshName: string }>).map((m) => m.meshName);
}

describe('the CLI', () => {
  test('a lone surrogate in a name (--cli-input-json) is exit 252 and nothing is stored', async () => {
    const h = tempHome();
    const r = await runCli(['appmesh', 'create-mesh', '--cli-input-json', '{"meshName":"ls\\ud800"}'], { home: h });
    expect(r.stderr).toContain(`Invalid value for parameter meshName: it contains an ${LONE} (\\ud800)`);
    expect(r.code).toBe(252);
    const list = await runCli(['appmesh', 'list-meshes'], { home: h });
    expect(JSON.parse(list.stdout).meshes).toEqual([]);
  });

  test('lone low surrogates, keys and nested values are found too', async () => {
    const tags = await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm', '--tags', '[{"key":"k","value":"v\\udc00"}]']);
    expect(tags.stderr).toContain(`Invalid value for parameter tags[0].value: it contains an ${LONE} (\\udc00)`);
    expect(tags.code).toBe(252);
    const key = await runCli(['servicediscovery', 'register-instance', '--service-id', 'srv-1', '--instance-id', 'i',
      '--attributes', '{"AWS_INSTANCE_IPV4":"127.0.0.1","k\\ud83d":"v"}']);
    expect(key.stderr).toContain(`Invalid key for parameter Attributes: it contains an ${LONE}`);
    expect(key.code).toBe(252);
  });

  test('complete surrogate pairs (emoji) are fine', async () => {
    const r = await runCli(['appmesh', 'create-mesh', '--mesh-name', 'm', '--tags', '[{"key":"k","value":"\\ud83d\\ude00"}]']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('local import refuses a state file with a lone surrogate and imports nothing', async () => {
    const h = tempHome();
    const file = writeFile(h, 'state.json', JSON.stringify({
      format: 'awsmesh-state', version: 1, refs: [],
      resources: [{
        account: '111122223333', region: 'us-west-2', service: 'appmesh', kind: 'mesh', parent: '', name: 'PLACEHOLDER',
        arn: 'arn:aws:appmesh:us-west-2:111122223333:mesh/x', createdAt: 1, updatedAt: 1, data: {},
      }],
    }).replace('PLACEHOLDER', 'x\\ud800'));
    const r = await runCli(['local', 'import', file], { home: h });
    expect(r.stderr).toContain(LONE);
    expect(r.code).toBe(252);
    const list = await runCli(['appmesh', 'list-meshes'], { home: h });
    expect(JSON.parse(list.stdout).meshes).toEqual([]);
  });
});

describe('local serve', () => {
  test('App Mesh: a lone surrogate in the JSON body is a 400 BadRequestException; nothing is stored', async () => {
    const r = await rawRequest(serve.url, {
      method: 'PUT', path: '/v20190125/meshes', headers: { 'content-type': 'application/json' }, body: '{"meshName":"ls\\ud800"}',
    });
    expect(r.status).toBe(400);
    expect(r.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect(JSON.parse(r.body).message).toContain(LONE);
    expect(await meshNames()).toEqual([]);
  });

  test('App Mesh: bytes that are not UTF-8 are a 400, not silently replaced by U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"meshName":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const r = await rawRequest(serve.url, { method: 'PUT', path: '/v20190125/meshes', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(400);
    expect(r.headers['x-amzn-errortype']).toBe('SerializationException');
    expect(JSON.parse(r.body).message).toBe('The request body is not valid UTF-8.');
    // UTF-8 spelling of a surrogate (CESU-8) is not UTF-8 either.
    const cesu = Buffer.concat([Buffer.from('{"meshName":"x'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]);
    const r2 = await rawRequest(serve.url, { method: 'PUT', path: '/v20190125/meshes', headers: { 'content-type': 'application/json' }, body: cesu });
    expect(r2.status).toBe(400);
    expect(await meshNames()).toEqual([]);
  });

  test('Cloud Map: a lone surrogate in a JSON body is a 400 InvalidInput', async () => {
    const r = await rawRequest(serve.url, {
      method: 'POST', path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Route53AutoNaming_v20170314.CreateHttpNamespace' },
      body: '{"Name":"ns\\udbff"}',
    });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).__type).toBe('InvalidInput');
    expect(JSON.parse(r.body).Message).toContain(LONE);
  });

  test('IAM: %-escapes that do not spell UTF-8 are a 400; nothing is stored', async () => {
    const post = (body: string) => rawRequest(serve.url, {
      method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
    const trust = encodeURIComponent('{"Version":"2012-10-17","Statement":[]}');
    const bad = await post(`Action=CreateRole&Version=2010-05-08&RoleName=r%FF&AssumeRolePolicyDocument=${trust}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('<Code>MalformedQueryString</Code>');
    const lone = await post(`Action=CreateRole&Version=2010-05-08&RoleName=r%ED%A0%80&AssumeRolePolicyDocument=${trust}`);
    expect(lone.status).toBe(400);
    const list = await post('Action=ListRoles&Version=2010-05-08');
    expect(list.status).toBe(200);
    expect(list.body).not.toContain('<RoleName>r');
  });
});
