// How the aws backend maps operations onto SDK v3 commands (aws-sdk-client-mock stands in for
// AWS), how it plays with the CLI core's pagination, and how SDK exceptions are normalised.

import * as appmeshSdk from '@aws-sdk/client-app-mesh';
import * as iamSdk from '@aws-sdk/client-iam';
import * as sdSdk from '@aws-sdk/client-servicediscovery';
import * as stsSdk from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createAwsBackend } from '../../src/backends/aws';
import { APP_MESH_SHUTDOWN_HINT } from '../../src/backends/aws/app-mesh-shutdown';
import { REQUEST_URL } from '../../src/backends/aws/transport';
import type { Backend } from '../../src/backends/backend';
import { Dispatcher } from '../../src/core/dispatcher';
import { GeneralError, ServiceError } from '../../src/base/errors';
import { getService, SERVICE_NAMES, type ServiceName } from '../../src/model/services';
import type { OperationDefinition } from '../../src/model/types';
import { FakeAws, backendOptions, json } from './helpers';

const SDK: Record<ServiceName, { module: Record<string, unknown>; client: string }> = {
  appmesh: { module: appmeshSdk, client: 'AppMeshClient' },
  iam: { module: iamSdk, client: 'IAMClient' },
  servicediscovery: { module: sdSdk, client: 'ServiceDiscoveryClient' },
  sts: { module: stsSdk, client: 'STSClient' },
};

const ctx = { region: 'us-west-2' };
type AnyClient = Parameters<typeof mockClient>[0];
type AnyCommand = Parameters<ReturnType<typeof mockClient>['on']>[0];

/** A plausible input: every required member with a value of its type, plus one optional member. */
function sampleInput(op: OperationDefinition): Record<string, unknown> {
  const value = (t: string): unknown => ({ string: `v-${op.name}`, integer: 7, long: 7, boolean: true, list: [], map: {} } as Record<string, unknown>)[t] ?? {};
  const input: Record<string, unknown> = {};
  for (const p of op.params) if (p.required) input[p.member] = value(p.type);
  const optional = op.params.find((p) => !p.required && p.type === 'string');
  if (optional) input[optional.member] = `opt-${op.name}`;
  return input;
}

function failure(p: Promise<unknown>): Promise<Error> {
  return p.then(() => {
    throw new Error('expected the call to fail');
  }, (e: Error) => e);
}

describe.each(SERVICE_NAMES.map((s) => [s]))('%s operations', (service) => {
  const sdk = SDK[service];
  const mock = mockClient(sdk.module[sdk.client] as AnyClient);
  let backend: Backend;
  beforeAll(() => {
    backend = createAwsBackend(backendOptions());
  });
  afterAll(async () => {
    await backend.close();
    mock.restore();
  });
  beforeEach(() => mock.reset());

  const ops = Object.values(getService(service).operations);
  it.each(ops.map((o) => [o.name, o.name, o] as const))('%s → one %sCommand with the input as given, $metadata stripped', async (_name, _command, op) => {
    const Command = sdk.module[`${op.name}Command`] as AnyCommand;
    expect(Command).toBeDefined();
    mock.on(Command).resolves({ $metadata: { httpStatusCode: 200, requestId: 'r' }, Marker: op.name } as never);
    const input = sampleInput(op);
    const output = await backend.invoke(service, op.name, input, ctx);
    expect(output).toEqual({ Marker: op.name });
    const calls = mock.commandCalls(Command);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual(input);
    expect(mock.calls()).toHaveLength(1);
  });
});

describe('pagination interplay with the CLI core', () => {
  const mock = mockClient(appmeshSdk.AppMeshClient);
  const pages: Record<string, { meshes: Array<{ meshName: string }>; nextToken?: string }> = {
    start: { meshes: [{ meshName: 'a' }, { meshName: 'b' }], nextToken: 'T1' },
    T1: { meshes: [{ meshName: 'c' }, { meshName: 'd' }], nextToken: 'T2' },
    T2: { meshes: [{ meshName: 'e' }] },
  };
  let backend: Backend;
  beforeAll(() => {
    backend = createAwsBackend(backendOptions());
  });
  afterAll(async () => {
    await backend.close();
    mock.restore();
  });
  beforeEach(() => {
    mock.reset();
    mock.on(appmeshSdk.ListMeshesCommand).callsFake((input: { nextToken?: string }) => ({
      ...pages[input.nextToken ?? 'start'],
      $metadata: {},
    }));
  });
  const inputs = () => mock.commandCalls(appmeshSdk.ListMeshesCommand).map((c) => c.args[0].input);

  it('follows nextToken page by page, one SDK call per page', async () => {
    const r = await new Dispatcher(backend, 'us-west-2').paginate('appmesh', 'ListMeshes', {}, { paginate: true });
    expect((r.output.meshes as unknown[]).length).toBe(5);
    expect(r.output.nextToken).toBeUndefined();
    expect(inputs()).toEqual([{}, { nextToken: 'T1' }, { nextToken: 'T2' }]);
  });

  it('--max-items stops early and --page-size becomes limit', async () => {
    const r = await new Dispatcher(backend, 'us-west-2').paginate('appmesh', 'ListMeshes', {}, { paginate: true, maxItems: 3, pageSize: 2 });
    expect(r.output.meshes).toEqual([{ meshName: 'a' }, { meshName: 'b' }, { meshName: 'c' }]);
    expect(JSON.parse(Buffer.from(String(r.output.NextToken), 'base64').toString())).toEqual({ nextToken: 'T1', boto_truncate_amount: 1 });
    expect(inputs()).toEqual([{ limit: 2 }, { limit: 2, nextToken: 'T1' }]);
  });

  it('explicit nextToken/limit makes exactly one call and returns the raw token', async () => {
    const r = await new Dispatcher(backend, 'us-west-2').paginate('appmesh', 'ListMeshes', { nextToken: 'T1', limit: 2 }, { paginate: true });
    expect(r.output).toEqual({ meshes: [{ meshName: 'c' }, { meshName: 'd' }], nextToken: 'T2' });
    expect(inputs()).toEqual([{ nextToken: 'T1', limit: 2 }]);
  });
});

describe('SDK exceptions', () => {
  const appmesh = mockClient(appmeshSdk.AppMeshClient);
  const iam = mockClient(iamSdk.IAMClient);
  afterAll(() => {
    appmesh.restore();
    iam.restore();
  });
  beforeEach(() => {
    appmesh.reset();
    iam.reset();
  });

  it('a modelled App Mesh exception becomes a ServiceError with code, status and request id', async () => {
    appmesh.on(appmeshSdk.DescribeMeshCommand).rejects(new appmeshSdk.NotFoundException({
      message: 'Mesh missing not found.',
      $metadata: { httpStatusCode: 404, requestId: 'rid-404', attempts: 1 },
    }));
    const b = createAwsBackend(backendOptions({ endpointUrl: 'http://127.0.0.1:4566' }));
    const e = (await failure(b.invoke('appmesh', 'DescribeMesh', { meshName: 'missing' }, ctx))) as ServiceError;
    expect(e).toBeInstanceOf(ServiceError);
    expect([e.code, e.message, e.status, e.requestId, e.senderFault]).toEqual(['NotFoundException', 'Mesh missing not found.', 404, 'rid-404', true]);
    expect(e.hint).toBeUndefined();
  });

  it('an IAM exception is named by its wire code (EntityAlreadyExists), as the AWS CLI prints it', async () => {
    iam.on(iamSdk.CreateRoleCommand).rejects(new iamSdk.EntityAlreadyExistsException({
      message: 'Role with name envoy already exists.',
      $metadata: { httpStatusCode: 409 },
    }));
    const b = createAwsBackend(backendOptions());
    const e = (await failure(b.invoke('iam', 'CreateRole', { RoleName: 'envoy', AssumeRolePolicyDocument: '{}' }, ctx))) as ServiceError;
    e.operation = 'CreateRole';
    expect(e.describe()).toBe('An error occurred (EntityAlreadyExists) when calling the CreateRole operation: Role with name envoy already exists.');
  });

  it('throttling that exhausted the attempts reports "reached max retries"', async () => {
    appmesh.on(appmeshSdk.ListMeshesCommand).rejects(new appmeshSdk.TooManyRequestsException({
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 429, attempts: 3 },
    }));
    const b = createAwsBackend(backendOptions({ endpointUrl: 'http://127.0.0.1:4566' }));
    const e = (await failure(b.invoke('appmesh', 'ListMeshes', {}, ctx))) as ServiceError;
    expect(e.describe()).toBe('An error occurred (TooManyRequestsException) when calling the ListMeshes operation (reached max retries: 2): Rate exceeded');
  });

  describe('App Mesh after its shutdown (AWS endpoint, no --endpoint-url)', () => {
    it('adds the discontinuation hint when AWS answers 503', async () => {
      appmesh.on(appmeshSdk.ListMeshesCommand).rejects(new appmeshSdk.ServiceUnavailableException({
        message: 'Service unavailable',
        $metadata: { httpStatusCode: 503, attempts: 3 },
      }));
      const b = createAwsBackend(backendOptions());
      const e = (await failure(b.invoke('appmesh', 'ListMeshes', {}, ctx))) as ServiceError;
      e.operation = 'ListMeshes';
      expect(e.describe()).toBe(
        'An error occurred (ServiceUnavailableException) when calling the ListMeshes operation (reached max retries: 2): Service unavailable\n'
        + APP_MESH_SHUTDOWN_HINT,
      );
      expect(APP_MESH_SHUTDOWN_HINT).toMatch(/discontinued on 2026-09-30/);
      expect(APP_MESH_SHUTDOWN_HINT).toContain('--backend local');
      expect(APP_MESH_SHUTDOWN_HINT).toContain('--endpoint-url');
    });

    it('adds it to an unreachable endpoint (DNS gone) as a second line of the 255 error', async () => {
      const url = 'https://appmesh.us-west-2.amazonaws.com/v20190125/meshes';
      // What the transport layer throws when the host does not resolve.
      const dns = Object.assign(new Error('getaddrinfo ENOTFOUND appmesh.us-west-2.amazonaws.com'), { code: 'ENOTFOUND', [REQUEST_URL]: url });
      appmesh.on(appmeshSdk.ListMeshesCommand).rejects(dns);
      const b = createAwsBackend(backendOptions());
      const e = await failure(b.invoke('appmesh', 'ListMeshes', {}, ctx));
      expect(e).toBeInstanceOf(GeneralError);
      expect(e.message).toBe(`Could not connect to the endpoint URL: "${url}"\n${APP_MESH_SHUTDOWN_HINT}`);
    });

    it('adds it when the API itself is not found (404 that is not NotFoundException)', async () => {
      appmesh.on(appmeshSdk.DescribeMeshCommand).rejects(Object.assign(new Error('UnknownError'), {
        name: 'UnknownOperationException', $fault: 'client', $metadata: { httpStatusCode: 404 },
      }));
      const e = (await failure(createAwsBackend(backendOptions()).invoke('appmesh', 'DescribeMesh', { meshName: 'a' }, ctx))) as ServiceError;
      expect(e.hint).toBe(APP_MESH_SHUTDOWN_HINT);
    });

    it('does not add it to ordinary API errors, nor to other services, nor with a custom endpoint', async () => {
      appmesh.on(appmeshSdk.DescribeMeshCommand).rejects(new appmeshSdk.NotFoundException({ message: 'nope', $metadata: { httpStatusCode: 404 } }));
      const plain = (await failure(createAwsBackend(backendOptions()).invoke('appmesh', 'DescribeMesh', { meshName: 'a' }, ctx))) as ServiceError;
      expect(plain.hint).toBeUndefined();

      appmesh.on(appmeshSdk.ListMeshesCommand).rejects(new appmeshSdk.ServiceUnavailableException({ message: 'x', $metadata: { httpStatusCode: 503 } }));
      const custom = (await failure(createAwsBackend(backendOptions({ endpointUrl: 'http://127.0.0.1:4566' })).invoke('appmesh', 'ListMeshes', {}, ctx))) as ServiceError;
      expect(custom.hint).toBeUndefined();

      iam.on(iamSdk.GetRoleCommand).rejects(new iamSdk.ServiceFailureException({ message: 'x', $metadata: { httpStatusCode: 500 } }));
      const other = (await failure(createAwsBackend(backendOptions()).invoke('iam', 'GetRole', { RoleName: 'r' }, ctx))) as ServiceError;
      expect(other.hint).toBeUndefined();
    });
  });
});

describe('idempotency tokens (real HTTP)', () => {
  const fake = new FakeAws();
  let backend: Backend;
  beforeAll(async () => {
    await fake.start();
    fake.reply = (_r, res) => json(res, 200, { meshName: 'apps' });
    backend = createAwsBackend(backendOptions({ endpointUrl: fake.url }));
  });
  afterAll(async () => {
    await backend.close();
    await fake.stop();
  });

  it('passes a given clientToken through and lets the SDK fill one in otherwise', async () => {
    const given = { meshName: 'apps', clientToken: 'my-token-1' };
    await backend.invoke('appmesh', 'CreateMesh', given, ctx);
    await backend.invoke('appmesh', 'CreateMesh', { meshName: 'apps' }, ctx);
    expect(JSON.parse(fake.requests[0].body)).toEqual({ meshName: 'apps', clientToken: 'my-token-1' });
    expect(JSON.parse(fake.requests[1].body).clientToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(given).toEqual({ meshName: 'apps', clientToken: 'my-token-1' }); // input not mutated
  });
});
