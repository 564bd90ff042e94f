// AWS configuration conventions through the whole CLI (in-process, real HTTP on 127.0.0.1):
// region, credential, profile and endpoint precedence with temporary config files, and the
// AWS CLI's exit codes and texts when something is missing.

import * as fs from 'fs';
import * as path from 'path';
import { resolveEndpoint } from '../../src/backends/aws/endpoints';
import { cleanupHomes, runCli, tempHome, type CliResult } from '../helpers/run-cli';
import { FakeAws, json, signedWith, type RecordedRequest } from './helpers';

// The SDK's default credential chain reads process.env (IMDS switch, web identity, containers):
// keep it away from the network and from the developer's own settings.
for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
process.env.AWS_EC2_METADATA_DISABLED = 'true';

const main = new FakeAws();
const other = new FakeAws();
const third = new FakeAws();
const EMPTY_LIST = (_r: RecordedRequest, res: import('http').ServerResponse) => json(res, 200, { meshes: [] });

beforeAll(async () => {
  for (const f of [main, other, third]) {
    await f.start();
    f.reply = EMPTY_LIST;
  }
});
afterAll(async () => {
  for (const f of [main, other, third]) await f.stop();
  cleanupHomes();
});
beforeEach(() => {
  for (const f of [main, other, third]) f.requests.length = 0;
});

interface Files {
  config?: string;
  credentials?: string;
}

/** Runs awsmesh with AWS config files written into a fresh home. */
async function run(args: string[], files: Files = {}, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const home = tempHome('awsmesh-aws-cfg-');
  if (files.config !== undefined) fs.writeFileSync(path.join(home, 'aws-config'), files.config);
  if (files.credentials !== undefined) fs.writeFileSync(path.join(home, 'aws-credentials'), files.credentials);
  return runCli(args, { home, env: { HOME: home, ...env } });
}

const listMeshes = (...globals: string[]) => ['--endpoint-url', main.url, ...globals, 'appmesh', 'list-meshes'];
const regionOf = (r: RecordedRequest) => /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(String(r.headers.authorization))?.[1];
const KEYS = { AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret' };

describe('region', () => {
  it('is required for the aws backend: 253 and the AWS CLI text', async () => {
    const r = await run(listMeshes(), {}, KEYS);
    expect(r).toEqual({ code: 253, stdout: '', stderr: '\nYou must specify a region. You can also configure your region by running "aws configure".\n' });
    expect(main.requests).toHaveLength(0);
  });

  it('--region > AWS_REGION > AWS_DEFAULT_REGION > profile region', async () => {
    const files = { config: '[default]\nregion = eu-north-1\n' };
    const cases: Array<[string[], NodeJS.ProcessEnv, string]> = [
      [[], {}, 'eu-north-1'],
      [[], { AWS_DEFAULT_REGION: 'ap-south-1' }, 'ap-south-1'],
      [[], { AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'ca-central-1' }, 'ca-central-1'],
      [['--region', 'sa-east-1'], { AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'ca-central-1' }, 'sa-east-1'],
    ];
    for (const [flags, env, expected] of cases) {
      main.requests.length = 0;
      const r = await run(listMeshes(...flags), files, { ...KEYS, ...env });
      expect(r.code).toBe(0);
      expect(regionOf(main.requests[0])).toBe(expected);
    }
  });
});

describe('credentials', () => {
  const files = {
    config: '[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n[profile nokeys]\nregion = eu-west-2\n',
    credentials: '[default]\naws_access_key_id = AKIDFILEDEFAULT\naws_secret_access_key = s1\n[dev]\naws_access_key_id = AKIDFILEDEV\naws_secret_access_key = s2\n',
  };

  it('env keys beat the credentials file for the default profile', async () => {
    await run(listMeshes(), files, KEYS);
    expect(signedWith(main.requests[0])).toBe('AKIDENV');
  });

  it('the default profile keys are used when env has none', async () => {
    await run(listMeshes(), files);
    expect(signedWith(main.requests[0])).toBe('AKIDFILEDEFAULT');
  });

  it('env keys still win when AWS_PROFILE names a profile (AWS CLI rule)', async () => {
    const r = await run(listMeshes(), files, { ...KEYS, AWS_PROFILE: 'dev' });
    expect(r.code).toBe(0);
    expect(signedWith(main.requests[0])).toBe('AKIDENV');
    expect(regionOf(main.requests[0])).toBe('eu-west-1'); // region from [profile dev]
  });

  it('an explicit --profile ignores env keys; region from [profile x], keys from [x]', async () => {
    await run(listMeshes('--profile', 'dev'), files, KEYS);
    expect(signedWith(main.requests[0])).toBe('AKIDFILEDEV');
    expect(regionOf(main.requests[0])).toBe('eu-west-1');
  });

  it('--profile with no keys anywhere: 253 "Unable to locate credentials" even with env keys', async () => {
    const r = await run(listMeshes('--profile', 'nokeys'), files, KEYS);
    expect(r).toEqual({
      code: 253, stdout: '',
      stderr: '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n',
    });
    expect(main.requests).toHaveLength(0);
  });

  it('no credentials at all: 253', async () => {
    const r = await run(listMeshes('--region', 'us-east-1'));
    expect(r.code).toBe(253);
    expect(r.stderr).toBe('\nUnable to locate credentials. You can configure credentials by running "aws configure".\n');
  });

  it('--no-sign-request needs none and sends no signature', async () => {
    const r = await run(listMeshes('--region', 'us-east-1', '--no-sign-request'));
    expect(r.code).toBe(0);
    expect(main.requests[0].headers.authorization).toBeUndefined();
  });

  it('an unknown profile is 255 "The config profile (x) could not be found", by flag or AWS_PROFILE', async () => {
    const byFlag = await run(listMeshes('--profile', 'nope'), files, KEYS);
    expect(byFlag).toEqual({ code: 255, stdout: '', stderr: '\nThe config profile (nope) could not be found\n' });
    const byEnv = await run(listMeshes(), files, { ...KEYS, AWS_PROFILE: 'nope' });
    expect(byEnv.code).toBe(255);
    expect(byEnv.stderr).toBe('\nThe config profile (nope) could not be found\n');
  });

  it('other sources go through the SDK chain with the same files (credential_process)', async () => {
    const script = 'process.stdout.write(JSON.stringify({Version:1,AccessKeyId:"AKIDPROCESS",SecretAccessKey:"p",SessionToken:"tok"}))';
    const config = `[profile proc]\nregion = us-east-2\ncredential_process = "${process.execPath}" -e '${script}'\n`;
    const r = await run(listMeshes('--profile', 'proc'), { config });
    expect(r.code).toBe(0);
    expect(signedWith(main.requests[0])).toBe('AKIDPROCESS');
    expect(main.requests[0].headers['x-amz-security-token']).toBe('tok');
  });
});

describe('endpoints', () => {
  const aws = (...args: string[]) => ['--backend', 'aws', '--region', 'us-east-1', ...args, 'appmesh', 'list-meshes'];
  const hits = () => [main, other, third].map((f) => f.requests.length);

  it('AWS_ENDPOINT_URL_APP_MESH > AWS_ENDPOINT_URL; --endpoint-url beats both', async () => {
    await run(aws(), {}, { ...KEYS, AWS_ENDPOINT_URL: other.url, AWS_ENDPOINT_URL_APP_MESH: main.url });
    expect(hits()).toEqual([1, 0, 0]);
    await run(aws(), {}, { ...KEYS, AWS_ENDPOINT_URL: other.url });
    expect(hits()).toEqual([1, 1, 0]);
    await run(aws('--endpoint-url', third.url), {}, { ...KEYS, AWS_ENDPOINT_URL: other.url, AWS_ENDPOINT_URL_APP_MESH: main.url });
    expect(hits()).toEqual([1, 1, 1]);
  });

  it('[services x] section > profile endpoint_url; env beats both', async () => {
    const config = `[default]\nendpoint_url = ${other.url}\nservices = local-mesh\n\n[services local-mesh]\napp_mesh =\n  endpoint_url = ${main.url}\n`;
    await run(aws(), { config }, KEYS);
    expect(hits()).toEqual([1, 0, 0]);
    await run(aws(), { config: `[default]\nendpoint_url = ${other.url}\n` }, KEYS);
    expect(hits()).toEqual([1, 1, 0]);
    await run(aws(), { config }, { ...KEYS, AWS_ENDPOINT_URL: third.url });
    expect(hits()).toEqual([1, 1, 1]);
  });

  it('the services section applies per service (IAM goes to its own endpoint)', async () => {
    other.reply = (_r, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<ListRolesResponse><ListRolesResult><Roles/><IsTruncated>false</IsTruncated></ListRolesResult></ListRolesResponse>');
    };
    const config = `[default]\nservices = s\n[services s]\napp_mesh =\n  endpoint_url = ${main.url}\niam =\n  endpoint_url = ${other.url}\n`;
    const r = await run(['--backend', 'aws', '--region', 'us-east-1', 'iam', 'list-roles'], { config }, KEYS);
    other.reply = EMPTY_LIST;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ Roles: [] });
    expect(hits()).toEqual([0, 1, 0]);
    expect(other.requests[0].body).toContain('Action=ListRoles');
  });

  it('a bad --endpoint-url is 252 with the AWS CLI text and sends nothing', async () => {
    const r = await run(['--endpoint-url', 'notaurl', '--region', 'us-east-1', 'appmesh', 'list-meshes'], {}, KEYS);
    expect(r).toEqual({
      code: 252, stdout: '',
      stderr: '\nBad value for --endpoint-url "notaurl": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/\n',
    });
  });

  it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS turns env and config endpoints off (not --endpoint-url)', () => {
    const profile = { name: 'default', exists: true, values: { endpoint_url: main.url } };
    const env = { AWS_ENDPOINT_URL: other.url, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };
    expect(resolveEndpoint('appmesh', { env, profile })).toBeUndefined();
    expect(resolveEndpoint('appmesh', { env: {}, profile })).toEqual({ url: main.url, source: 'endpoint_url of profile default' });
    expect(resolveEndpoint('appmesh', { env, profile, endpointUrl: third.url })?.url).toBe(third.url);
  });
});

describe('exit codes through the CLI', () => {
  it('service error: 254 and the AWS CLI sentence', async () => {
    main.reply = (_r, res) => json(res, 404, { message: 'Mesh missing not found.' }, { 'x-amzn-errortype': 'NotFoundException' });
    const r = await run(['--endpoint-url', main.url, '--region', 'us-east-1', 'appmesh', 'describe-mesh', '--mesh-name', 'missing'], {}, KEYS);
    main.reply = EMPTY_LIST;
    expect(r).toEqual({ code: 254, stdout: '', stderr: '\nAn error occurred (NotFoundException) when calling the DescribeMesh operation: Mesh missing not found.\n' });
  });

  it('--debug writes the exchange to stderr, redacted, and the result to stdout', async () => {
    const r = await run(listMeshes('--debug'), { config: '[default]\nregion = us-east-1\n' }, KEYS);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ meshes: [] });
    expect(r.stderr).toContain(`Sending request: GET ${main.url}/v20190125/meshes`);
    expect(r.stderr).toContain('Response: 200 for GET');
    expect(r.stderr).not.toContain('AKIDENV');
    expect(r.stderr).not.toContain('env-secret');
  });
});

describe('timeouts', () => {
  it('rejects a non-numeric --cli-read-timeout as a usage error (252) before sending anything', async () => {
    const r = await run(listMeshes('--region', 'us-east-1', '--cli-read-timeout', 'abc'), {}, KEYS);
    expect(r.code).toBe(252);
    expect(r.stderr).toContain('argument --cli-read-timeout: expected a number of seconds (0 for no limit)');
    expect(main.requests).toHaveLength(0);
  });
});
