// An operation the service model has but awsmesh does not implement (most of IAM), or one a
// backend lacks, is a NotImplemented service error: 501 in each protocol's own error format (the
// LocalStack way), not "unknown action" (untrue of the real service) and not a 500 bug.

import { execFile } from 'child_process';
import * as fs from 'fs';
import type { Backend, CallContext, Input, Output } from '../../src/backends/backend';
import { openLocalBackend } from '../../src/backends/local';
import type { LocalBackend } from '../../src/backends/local/local-backend';
import { NotImplementedError } from '../../src/base/errors';
import type { ServiceName } from '../../src/model/services';
import { RequestHandler } from '../../src/server/handler';
import { startServer, type RunningServer } from '../../src/server/http-server';
import type { WireRequest } from '../../src/server/wire';
import { RecordingBackend, removeDir, tempHome } from './helpers';

function wire(method: string, path: string, body = '', headers: Record<string, string> = {}): WireRequest {
  return { method, rawPath: path, rawQuery: '', query: new URLSearchParams(), headers, body: Buffer.from(body) };
}

const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

test('an IAM action of the model that awsmesh lacks: 501 NotImplementedException in query XML, the backend never called', async () => {
  const backend = new RecordingBackend();
  const handler = new RequestHandler({ backend, defaultRegion: 'us-west-2' });
  const res = await handler.handle(wire('POST', '/', 'Action=ListGroups&Version=2010-05-08', form), []);
  expect(res.response.status).toBe(501);
  expect(res.operation).toBe('ListGroups');
  expect(res.response.body).toContain('<Type>Receiver</Type><Code>NotImplementedException</Code>');
  expect(res.response.body).toContain('<Message>The iam operation ListGroups is not implemented by awsmesh.</Message>');
  // An action no version of IAM has is still the protocol's own "unknown action".
  const unknown = await handler.handle(wire('POST', '/', 'Action=MakeCoffee&Version=2010-05-08', form), []);
  expect(unknown.response.status).toBe(400);
  expect(unknown.response.body).toContain('<Code>InvalidAction</Code>');
  expect(backend.calls).toHaveLength(0);
});

/** Implements nothing: each call fails as a backend without the operation does. */
class EmptyBackend implements Backend {
  readonly kind = 'local' as const;
  async invoke(service: ServiceName, operation: string, _input: Input, _ctx: CallContext): Promise<Output> {
    throw new NotImplementedError(service, operation, 'this backend');
  }

  async close(): Promise<void> {}
}

test('an operation the backend lacks: 501 in rest-json and json-1.1, reported as NotImplemented, not as an internal error', async () => {
  const internal: unknown[] = [];
  const handler = new RequestHandler({ backend: new EmptyBackend(), defaultRegion: 'us-west-2', onInternalError: (e) => internal.push(e) });
  const mesh = await handler.handle(wire('GET', '/v20190125/meshes/apps'), []);
  expect(mesh.response.status).toBe(501);
  expect(mesh.response.headers['x-amzn-errortype']).toBe('NotImplementedException');
  expect(JSON.parse(mesh.response.body).message).toBe('The appmesh operation DescribeMesh is not implemented by this backend.');
  const target = { 'x-amz-target': 'Route53AutoNaming_v20170314.ListNamespaces', 'content-type': 'application/x-amz-json-1.1' };
  const ns = await handler.handle(wire('POST', '/', '{}', target), []);
  expect(ns.response.status).toBe(501);
  expect(JSON.parse(ns.response.body)).toEqual({ __type: 'NotImplementedException', Message: 'The servicediscovery operation ListNamespaces is not implemented by this backend.' });
  expect(internal).toHaveLength(0);
});

const AWS = '/usr/bin/aws';
const HAVE_AWS = fs.existsSync(AWS);

describe('the real AWS CLI against local serve', () => {
  let home: string;
  let backend: LocalBackend;
  let server: RunningServer;

  beforeAll(async () => {
    if (!HAVE_AWS) return;
    home = tempHome();
    backend = openLocalBackend({ AWSMESH_HOME: home });
    server = await startServer({ backend, host: '127.0.0.1', port: 0, defaultRegion: 'us-west-2', version: 'test' });
  });

  afterAll(async () => {
    await server?.close();
    await backend?.close();
    removeDir(home);
  });

  test('`aws iam list-groups` fails with the NotImplemented service error (exit 254)', async () => {
    if (!HAVE_AWS) {
      console.log(`not run: ${AWS} is not installed (apt-get install -y awscli)`);
      return;
    }
    const env = {
      PATH: process.env.PATH, HOME: home, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-west-2',
      AWS_CONFIG_FILE: `${home}/none`, AWS_SHARED_CREDENTIALS_FILE: `${home}/none`, AWS_MAX_ATTEMPTS: '1',
    };
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(AWS, ['--endpoint-url', server.url, 'iam', 'list-groups'], { env, timeout: 60_000 }, (err, _stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 255) : 0, stderr });
      });
    });
    expect(r.code).toBe(254);
    expect(r.stderr).toContain('An error occurred (NotImplementedException) when calling the ListGroups operation');
    expect(r.stderr).toContain('The iam operation ListGroups is not implemented by awsmesh.');
  });
});
