// The aws backend against a real HTTP server on 127.0.0.1: how retries, unparseable bodies,
// refused connections and timeouts come out, and what --debug logs.

import { createAwsBackend } from '../../src/backends/aws';
import { redactBody, redactHeaders } from '../../src/backends/aws/transport';
import type { Backend } from '../../src/backends/backend';
import { ConfigError, GeneralError, ServiceError } from '../../src/base/errors';
import { FakeAws, backendOptions, closedPort, json, releaseClosedPorts } from './helpers';

const ctx = { region: 'us-east-1' };
const fake = new FakeAws();
let backend: Backend;

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  await fake.start();
  backend = createAwsBackend(backendOptions({ endpointUrl: fake.url }));
});
afterAll(async () => {
  await backend.close();
  await fake.stop();
  await releaseClosedPorts();
});
beforeEach(() => {
  fake.requests.length = 0;
});

describe('service errors', () => {
  it('maps a modelled error to ServiceError with the wire code, status and request id', async () => {
    fake.reply = (_r, res) => json(res, 409, { message: 'Mesh with name apps already exists.' }, {
      'x-amzn-errortype': 'ConflictException:http://internal.amazon.com/coral/com.amazonaws.appmesh/',
      'x-amzn-requestid': 'rid-409',
    });
    const e = await failure(backend.invoke('appmesh', 'CreateMesh', { meshName: 'apps' }, ctx));
    expect(e).toBeInstanceOf(ServiceError);
    const se = e as ServiceError;
    expect(se.describe()).toBe('An error occurred (ConflictException) when calling the CreateMesh operation: Mesh with name apps already exists.');
    expect(se.status).toBe(409);
    expect(se.requestId).toBe('rid-409');
    expect(se.exitCode).toBe(254);
    expect(fake.requests).toHaveLength(1); // 4xx is not retried
    expect(se.hint).toBeUndefined(); // custom endpoint: no App Mesh shutdown notice
  });

  it('gives an empty message when the error body has none (the CLI prints a trailing space)', async () => {
    fake.reply = (_r, res) => json(res, 404, {}, { 'x-amzn-errortype': 'NotFoundException' });
    const se = (await failure(backend.invoke('appmesh', 'DescribeMesh', { meshName: 'missing' }, ctx))) as ServiceError;
    expect(se.describe()).toBe('An error occurred (NotFoundException) when calling the DescribeMesh operation: ');
  });

  it('retries 500 three times in all and reports the exhausted retries like the AWS CLI', async () => {
    fake.reply = (_r, res) => json(res, 500, { message: 'boom' }, { 'x-amzn-errortype': 'InternalServerErrorException' });
    const se = (await failure(backend.invoke('appmesh', 'DescribeMesh', { meshName: 'a' }, ctx))) as ServiceError;
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests.map((r) => r.url)).toEqual(Array(3).fill('/v20190125/meshes/a'));
    expect(se.describe()).toBe('An error occurred (InternalServerErrorException) when calling the DescribeMesh operation (reached max retries: 2): boom');
    expect(se.senderFault).toBe(false);
  });

  it('retries throttling (429) and reports it', async () => {
    fake.reply = (_r, res) => json(res, 429, { message: 'slow down' }, { 'x-amzn-errortype': 'TooManyRequestsException' });
    const se = (await failure(backend.invoke('appmesh', 'ListMeshes', {}, ctx))) as ServiceError;
    expect(fake.requests).toHaveLength(3);
    expect(se.describe()).toBe('An error occurred (TooManyRequestsException) when calling the ListMeshes operation (reached max retries: 2): slow down');
  });

  it('succeeds when a retry succeeds', async () => {
    let n = 0;
    fake.reply = (_r, res) => (n++ === 0
      ? json(res, 503, { message: 'busy' }, { 'x-amzn-errortype': 'ServiceUnavailableException' })
      : json(res, 200, { meshes: [] }));
    await expect(backend.invoke('appmesh', 'ListMeshes', {}, ctx)).resolves.toEqual({ meshes: [] });
    expect(fake.requests).toHaveLength(2);
  });

  it('names an HTML 502 by its status and reason phrase', async () => {
    fake.reply = (_r, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    };
    const se = (await failure(backend.invoke('appmesh', 'DescribeMesh', { meshName: 'a' }, ctx))) as ServiceError;
    expect(se).toBeInstanceOf(ServiceError);
    expect(se.describe()).toBe('An error occurred (502) when calling the DescribeMesh operation (reached max retries: 2): Bad Gateway');
  });

  it('treats a 200 with a body that is not JSON as an empty result, as the CLI does', async () => {
    fake.reply = (_r, res) => {
      res.writeHead(200);
      res.end('this is not json');
    };
    await expect(backend.invoke('appmesh', 'DescribeMesh', { meshName: 'a' }, ctx)).resolves.toEqual({ mesh: {} });
  });

  it('reads IAM (query/XML) errors with their wire code, not the SDK class name', async () => {
    fake.reply = (_r, res) => {
      res.writeHead(409, { 'content-type': 'text/xml' });
      res.end('<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>'
        + '<Code>EntityAlreadyExists</Code><Message>Role with name envoy already exists.</Message></Error>'
        + '<RequestId>iam-rid</RequestId></ErrorResponse>');
    };
    const se = (await failure(backend.invoke('iam', 'CreateRole', { RoleName: 'envoy', AssumeRolePolicyDocument: '{}' }, ctx))) as ServiceError;
    expect(se.describe()).toBe('An error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name envoy already exists.');
    expect(se.requestId).toBe('iam-rid');
  });

  it('reads Cloud Map (json-1.1) errors from __type', async () => {
    fake.reply = (_r, res) => json(res, 400, { __type: 'NamespaceNotFound', Message: 'Namespace ns-1 not found.' });
    const se = (await failure(backend.invoke('servicediscovery', 'GetNamespace', { Id: 'ns-1' }, ctx))) as ServiceError;
    expect(se.describe()).toBe('An error occurred (NamespaceNotFound) when calling the GetNamespace operation: Namespace ns-1 not found.');
  });
});

describe('connection failures', () => {
  it('reports a refused connection with the full URL (exit 255)', async () => {
    const port = await closedPort();
    const b = createAwsBackend(backendOptions({ endpointUrl: `http://127.0.0.1:${port}` }));
    try {
      const e = await failure(b.invoke('appmesh', 'DescribeMesh', { meshName: 'a' }, ctx));
      expect(e).toBeInstanceOf(GeneralError);
      expect(e.message).toBe(`Could not connect to the endpoint URL: "http://127.0.0.1:${port}/v20190125/meshes/a"`);
      expect((e as GeneralError).exitCode).toBe(255);
    } finally {
      await b.close();
    }
  });

  it('includes the query string in the URL', async () => {
    const port = await closedPort();
    const b = createAwsBackend(backendOptions({ endpointUrl: `http://127.0.0.1:${port}` }));
    try {
      const e = await failure(b.invoke('appmesh', 'ListMeshes', { limit: 5 }, ctx));
      expect(e.message).toBe(`Could not connect to the endpoint URL: "http://127.0.0.1:${port}/v20190125/meshes?limit=5"`);
    } finally {
      await b.close();
    }
  });

  it('gives up on a server that does not answer after --cli-read-timeout', async () => {
    fake.reply = () => undefined; // never answers
    const b = createAwsBackend(backendOptions({ endpointUrl: fake.url, readTimeoutSeconds: 0.3, env: { ...backendOptions().env, AWS_MAX_ATTEMPTS: '1' } }));
    try {
      const e = await failure(b.invoke('appmesh', 'DescribeMesh', { meshName: 'a' }, ctx));
      expect(e).toBeInstanceOf(GeneralError);
      expect(e.message).toBe(`Read timeout on endpoint URL: "${fake.url}/v20190125/meshes/a"`);
    } finally {
      await b.close();
    }
  });

  it('rejects an endpoint without a scheme with the CLI text (252)', () => {
    let err: unknown;
    try {
      createAwsBackend(backendOptions({ endpointUrl: 'notaurl' }));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe('Bad value for --endpoint-url "notaurl": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/');
    expect((err as ConfigError).exitCode).toBe(252);
  });
});

describe('requests', () => {
  it('sends Cloud Map DiscoverInstances to the given host, not data-<host>', async () => {
    fake.reply = (_r, res) => json(res, 200, { Instances: [] });
    await expect(backend.invoke('servicediscovery', 'DiscoverInstances', { NamespaceName: 'apps.local', ServiceName: 'web' }, ctx))
      .resolves.toEqual({ Instances: [] });
    expect(fake.requests[0].headers.host).toBe(new URL(fake.url).host);
    expect(fake.requests[0].headers['x-amz-target']).toBe('Route53AutoNaming_v20170314.DiscoverInstances');
  });

  it('--no-sign-request sends no Authorization header and needs no credentials', async () => {
    const b = createAwsBackend(backendOptions({ endpointUrl: fake.url, signRequest: false, env: { AWS_EC2_METADATA_DISABLED: 'true' } }));
    fake.reply = (_r, res) => json(res, 200, { meshes: [] });
    try {
      await b.invoke('appmesh', 'ListMeshes', {}, ctx);
      expect(fake.requests[0].headers.authorization).toBeUndefined();
    } finally {
      await b.close();
    }
  });

  it('signs for the service and region of the call', async () => {
    fake.reply = (_r, res) => json(res, 200, { meshes: [] });
    await backend.invoke('appmesh', 'ListMeshes', {}, { region: 'eu-west-1' });
    expect(fake.requests[0].headers.authorization).toMatch(/Credential=AKIDTEST\/\d{8}\/eu-west-1\/appmesh\/aws4_request/);
  });
});

describe('--debug', () => {
  it('logs method, URL, status, request id and bodies with credentials redacted', async () => {
    const lines: string[] = [];
    const b = createAwsBackend(backendOptions({
      endpointUrl: fake.url,
      env: { ...backendOptions().env, AWS_SESSION_TOKEN: 'session-token-value' },
      debug: (l) => lines.push(l),
    }));
    fake.reply = (_r, res) => json(res, 200, { meshName: 'apps', metadata: { version: 1 } }, { 'x-amzn-requestid': 'dbg-rid' });
    try {
      await b.invoke('appmesh', 'CreateMesh', { meshName: 'apps', clientToken: 'tok-1' }, ctx);
    } finally {
      await b.close();
    }
    const log = lines.join('\n');
    expect(log).toContain(`Sending request: PUT ${fake.url}/v20190125/meshes`);
    expect(log).toContain('"meshName":"apps"');
    expect(log).toContain(`Response: 200 for PUT ${fake.url}/v20190125/meshes (request id dbg-rid)`);
    expect(log).toContain('Response body: {"meshName":"apps"');
    expect(log).toMatch(/"authorization":"AWS4-HMAC-SHA256 Credential=<redacted>, SignedHeaders=[^"]+, Signature=<redacted>"/);
    expect(log).toContain('"x-amz-security-token":"<redacted>"');
    expect(log).not.toContain('AKIDTEST');
    expect(log).not.toContain('session-token-value');
    // the server did get the real signature
    expect(fake.requests[0].headers.authorization).toContain('Credential=AKIDTEST/');
  });
});

describe('redaction helpers', () => {
  it('redacts secret members in JSON, XML and IAM query bodies, and leaves the rest', () => {
    expect(redactBody('{"AccessKeyId":"AKID","SecretAccessKey":"s3cr3t","SessionToken":"t0k","meshName":"apps"}'))
      .toBe('{"AccessKeyId":"AKID","SecretAccessKey":"<redacted>","SessionToken":"<redacted>","meshName":"apps"}');
    expect(redactBody('<R><SecretAccessKey>s3cr3t</SecretAccessKey><UserName>u</UserName></R>'))
      .toBe('<R><SecretAccessKey><redacted></SecretAccessKey><UserName>u</UserName></R>');
    expect(redactBody('Action=CreateLoginProfile&Password=hunter2&UserName=u'))
      .toBe('Action=CreateLoginProfile&Password=<redacted>&UserName=u');
  });

  it('keeps the signing scheme and signed headers but not the credential or signature', () => {
    const h = redactHeaders({
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20261125/us-east-1/appmesh/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcdef',
      'X-Amz-Security-Token': 'tok',
      host: 'h',
    });
    expect(h).toEqual({
      authorization: 'AWS4-HMAC-SHA256 Credential=<redacted>, SignedHeaders=host;x-amz-date, Signature=<redacted>',
      'X-Amz-Security-Token': '<redacted>',
      host: 'h',
    });
  });
});
