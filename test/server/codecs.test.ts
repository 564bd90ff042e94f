// The wire codecs on hand-built requests: routing, input decoding, output/error encoding per
// protocol. A recording backend stands in for the providers (their semantics are tested elsewhere).

import { ServiceError } from '../../src/base/errors';
import { getService } from '../../src/model/services';
import { RequestHandler } from '../../src/server/handler';
import type { WireRequest } from '../../src/server/wire';
import { RecordingBackend, type RecordedCall } from './helpers';

function wire(method: string, url: string, body = '', headers: Record<string, string> = {}): WireRequest {
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) lower[k.toLowerCase()] = v;
  return { method, rawPath, rawQuery, query: new URLSearchParams(rawQuery), headers: lower, body: Buffer.from(body) };
}

function setup(answer?: (call: RecordedCall) => Record<string, unknown>) {
  const backend = new RecordingBackend(answer);
  const handler = new RequestHandler({ backend, defaultRegion: 'us-west-2' });
  const call = (req: WireRequest) => handler.handle(req, Object.entries(req.headers).flat() as string[]);
  return { backend, call };
}

const T = new Date('2024-11-25T15:53:20.123Z');

describe('App Mesh rest-json', () => {
  test('every modelled operation is reached by its own method and path, with labels decoded', async () => {
    const { backend, call } = setup();
    const ops = Object.values(getService('appmesh').operations);
    expect(ops).toHaveLength(38);
    for (const op of ops) {
      const path = op.http.requestUri.replace(/\{(\w+)\}/g, (_m, label: string) => encodeURIComponent(`${label} x/y`));
      const res = await call(wire(op.http.method, path, op.http.method === 'GET' ? '' : '{}'));
      // Every operation hits the backend unless its input fails validation (required body members).
      if (res.response.status === 200) expect(backend.calls.at(-1)!.operation).toBe(op.name);
      else expect(JSON.parse(res.response.body).message).toMatch(/Parameter validation failed|Missing required/);
      expect(res.operation).toBe(op.name);
    }
    const describeRoute = backend.calls.find((c) => c.operation === 'DescribeRoute')!;
    expect(describeRoute.input).toEqual({ meshName: 'meshName x/y', virtualRouterName: 'virtualRouterName x/y', routeName: 'routeName x/y' });
  });

  test('the singular virtualRouter/{vr}/routes is not confused with virtualRouters/{vr}', async () => {
    const { backend, call } = setup();
    await call(wire('GET', '/v20190125/meshes/apps/virtualRouter/vr/routes'));
    await call(wire('GET', '/v20190125/meshes/apps/virtualRouters/vr'));
    await call(wire('GET', '/v20190125/meshes/apps/virtualGateway/gw/gatewayRoutes/gr'));
    expect(backend.calls.map((c) => c.operation)).toEqual(['ListRoutes', 'DescribeVirtualRouter', 'DescribeGatewayRoute']);
  });

  test('uri labels, querystring members (typed) and body members make the input; unknown body keys are dropped', async () => {
    const { backend, call } = setup();
    const spec = { listeners: [{ portMapping: { port: 80, protocol: 'http' } }], serviceDiscovery: { dns: { hostname: 'b.apps.local' } } };
    const res = await call(
      wire('PUT', '/v20190125/meshes/apps/virtualNodes?meshOwner=111122223333', JSON.stringify({ virtualNodeName: 'serviceB', spec, clientToken: 'tok', bogus: 1 })),
    );
    expect(res.response.status).toBe(200);
    expect(backend.calls[0]).toMatchObject({
      service: 'appmesh',
      operation: 'CreateVirtualNode',
      input: { meshName: 'apps', meshOwner: '111122223333', virtualNodeName: 'serviceB', spec, clientToken: 'tok' },
      ctx: { region: 'us-west-2' },
    });
    expect(backend.calls[0].input).not.toHaveProperty('bogus');

    await call(wire('GET', '/v20190125/meshes?limit=5&nextToken=abc%3D'));
    expect(backend.calls[1].input).toEqual({ limit: 5, nextToken: 'abc=' });
  });

  test('payload outputs are sent bare, timestamps as epoch seconds, unmodelled fields dropped', async () => {
    const { call } = setup(() => ({
      mesh: {
        meshName: 'apps',
        metadata: { arn: 'arn:aws:appmesh:us-west-2:111122223333:mesh/apps', createdAt: T, lastUpdatedAt: 1732550000.5, version: 1, uid: 'u', meshOwner: '111122223333', resourceOwner: '111122223333' },
        spec: { egressFilter: { type: 'DROP_ALL' } },
        status: { status: 'ACTIVE' },
        internalOnly: 'x',
      },
    }));
    const res = await call(wire('GET', '/v20190125/meshes/apps'));
    expect(res.response.status).toBe(200);
    expect(res.response.headers['content-type']).toBe('application/json');
    expect(res.response.headers['x-amzn-requestid']).toBe(res.requestId);
    const body = JSON.parse(res.response.body);
    expect(body.meshName).toBe('apps');
    expect(body).not.toHaveProperty('mesh');
    expect(body).not.toHaveProperty('internalOnly');
    expect(body.metadata.createdAt).toBe(T.getTime() / 1000);
    expect(body.metadata.lastUpdatedAt).toBe(1732550000.5);
  });

  test('list outputs are not wrapped', async () => {
    const { call } = setup(() => ({ meshes: [{ meshName: 'a', arn: 'arn', createdAt: T, lastUpdatedAt: T, meshOwner: '1', resourceOwner: '1', version: 1 }], nextToken: 'n' }));
    const body = JSON.parse((await call(wire('GET', '/v20190125/meshes'))).response.body);
    expect(body).toEqual({ meshes: [expect.objectContaining({ meshName: 'a', createdAt: T.getTime() / 1000 })], nextToken: 'n' });
  });

  test('service errors carry the model status, x-amzn-errortype and {"message"}', async () => {
    const { call } = setup(() => {
      throw new ServiceError('NotFoundException', 'Mesh apps not found', { status: 400 /* the model says 404 */ });
    });
    const res = await call(wire('GET', '/v20190125/meshes/apps'));
    expect(res.response.status).toBe(404);
    expect(res.response.headers['x-amzn-errortype']).toBe('NotFoundException');
    expect(JSON.parse(res.response.body)).toEqual({ message: 'Mesh apps not found' });
  });

  test('invalid input is a 400 BadRequestException listing the problems, and the backend is not called', async () => {
    const { backend, call } = setup();
    const res = await call(wire('PUT', '/v20190125/meshes/apps/virtualNodes', JSON.stringify({ virtualNodeName: 'x', spec: { listeners: 'nope' } })));
    expect(res.response.status).toBe(400);
    expect(res.response.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect(JSON.parse(res.response.body).message).toMatch(/^Parameter validation failed:\n.*spec\.listeners/s);
    expect(backend.calls).toHaveLength(0);
  });

  test('malformed JSON, bad escapes and unknown paths get protocol errors, not crashes', async () => {
    const { backend, call } = setup();
    const bad = await call(wire('PUT', '/v20190125/meshes', '{"meshName": '));
    expect(bad.response.status).toBe(400);
    expect(bad.response.headers['x-amzn-errortype']).toBe('SerializationException');
    const arr = await call(wire('PUT', '/v20190125/meshes', '[1]'));
    expect(arr.response.headers['x-amzn-errortype']).toBe('SerializationException');
    const esc = await call(wire('GET', '/v20190125/meshes/%E0%A4%A'));
    expect(esc.response.status).toBe(400);
    expect(esc.response.headers['x-amzn-errortype']).toBe('SerializationException');
    const unknown = await call(wire('POST', '/v20190125/meshes'));
    expect(unknown.response.status).toBe(404);
    expect(unknown.response.headers['x-amzn-errortype']).toBe('UnknownOperationException');
    const nowhere = await call(wire('GET', '/nothing/here'));
    expect(nowhere.response.status).toBe(404);
    expect(nowhere.service).toBeUndefined();
    expect(backend.calls).toHaveLength(0);
  });

  test('a non-service failure is a 500 InternalServerErrorException', async () => {
    const seen: unknown[] = [];
    const backend = new RecordingBackend(() => {
      throw new Error('the local backend does not implement appmesh DescribeMesh');
    });
    const handler = new RequestHandler({ backend, defaultRegion: 'us-west-2', onInternalError: (e) => seen.push(e) });
    const res = await handler.handle(wire('GET', '/v20190125/meshes/apps'), []);
    expect(res.response.status).toBe(500);
    expect(res.response.headers['x-amzn-errortype']).toBe('InternalServerErrorException');
    expect(JSON.parse(res.response.body).message).toContain('does not implement');
    expect(seen).toHaveLength(1);
  });
});

describe('IAM query/XML', () => {
  const form = 'application/x-www-form-urlencoded; charset=utf-8';
  const trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}\n';

  test('form fields become the input: scalars, Tags.member.N structures, integers', async () => {
    const { backend, call } = setup(() => ({}));
    const body =
      `Action=CreateRole&Version=2010-05-08&RoleName=envoy&AssumeRolePolicyDocument=${encodeURIComponent(trust)}` +
      '&MaxSessionDuration=7200&Tags.member.1.Key=app&Tags.member.1.Value=mesh&Tags.member.2.Key=team&Tags.member.2.Value=core+x';
    const res = await call(wire('POST', '/', body, { 'content-type': form }));
    expect(res.response.status).toBe(200);
    expect(backend.calls[0]).toMatchObject({ service: 'iam', operation: 'CreateRole' });
    expect(backend.calls[0].input).toEqual({
      RoleName: 'envoy',
      AssumeRolePolicyDocument: trust,
      MaxSessionDuration: 7200,
      Tags: [
        { Key: 'app', Value: 'mesh' },
        { Key: 'team', Value: 'core x' },
      ],
    });
  });

  test('empty lists (`TagKeys=`) and lists of strings', async () => {
    const { backend, call } = setup(() => ({}));
    await call(wire('POST', '/', 'Action=UntagRole&Version=2010-05-08&RoleName=r&TagKeys.member.1=a&TagKeys.member.2=b', { 'content-type': form }));
    expect(backend.calls[0].input).toEqual({ RoleName: 'r', TagKeys: ['a', 'b'] });
    await call(wire('POST', '/', 'Action=UntagRole&Version=2010-05-08&RoleName=r&TagKeys=', { 'content-type': form }));
    expect(backend.calls[1].input).toEqual({ RoleName: 'r', TagKeys: [] });
    const res = await call(wire('POST', '/', 'Action=UntagRole&Version=2010-05-08&TagKeys.member.1=a', { 'content-type': form }));
    expect(res.response.status).toBe(400);
    expect(res.response.body).toMatch(/<Code>ValidationError<\/Code><Message>Parameter validation failed:\n[^<]*RoleName/);
    expect(backend.calls).toHaveLength(2);
  });

  test('XML result: wrapper, model order, ISO timestamps, <member> lists, escaping, request id', async () => {
    const { call } = setup(() => ({
      Role: {
        RoleName: 'envoy',
        Arn: 'arn:aws:iam::111122223333:role/envoy',
        Path: '/',
        RoleId: 'AROAEXAMPLE',
        CreateDate: new Date('2024-11-25T15:53:20Z'),
        AssumeRolePolicyDocument: encodeURIComponent(trust),
        Tags: [{ Key: 'a&b', Value: '<v>' }],
      },
    }));
    const body = `Action=GetRole&Version=2010-05-08&RoleName=envoy`;
    const res = await call(wire('POST', '/', body, { 'content-type': form }));
    expect(res.response.status).toBe(200);
    expect(res.response.headers['content-type']).toBe('text/xml');
    expect(res.response.body).toBe(
      '<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role>' +
        '<Path>/</Path><RoleName>envoy</RoleName><RoleId>AROAEXAMPLE</RoleId><Arn>arn:aws:iam::111122223333:role/envoy</Arn>' +
        `<CreateDate>2024-11-25T15:53:20Z</CreateDate><AssumeRolePolicyDocument>${encodeURIComponent(trust)}</AssumeRolePolicyDocument>` +
        '<Tags><member><Key>a&amp;b</Key><Value>&lt;v&gt;</Value></member></Tags>' +
        `</Role></GetRoleResult><ResponseMetadata><RequestId>${res.requestId}</RequestId></ResponseMetadata></GetRoleResponse>\n`,
    );
  });

  test('operations without output send only ResponseMetadata', async () => {
    const { call } = setup(() => ({}));
    const res = await call(wire('POST', '/', 'Action=AttachRolePolicy&Version=2010-05-08&RoleName=r&PolicyArn=arn:aws:iam::aws:policy/AWSAppMeshEnvoyAccess', { 'content-type': form }));
    expect(res.response.body).toMatch(/^<AttachRolePolicyResponse xmlns="[^"]+"><ResponseMetadata><RequestId>[-0-9a-f]{36}<\/RequestId><\/ResponseMetadata><\/AttachRolePolicyResponse>\n$/);
  });

  test('errors are <ErrorResponse> with the wire code and the model status', async () => {
    const { call } = setup(() => {
      throw new ServiceError('NoSuchEntityException', 'The role with name x cannot be found.');
    });
    const res = await call(wire('POST', '/', 'Action=GetRole&Version=2010-05-08&RoleName=x', { 'content-type': form }));
    expect(res.response.status).toBe(404);
    expect(res.response.body).toBe(
      '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>' +
        `<Message>The role with name x cannot be found.</Message></Error><RequestId>${res.requestId}</RequestId></ErrorResponse>\n`,
    );
  });

  test('unknown or missing Action, and malformed %-escapes, are rejected without a call', async () => {
    const { backend, call } = setup();
    const unknown = await call(wire('POST', '/', 'Action=CreateCoffee&Version=2010-05-08', { 'content-type': form }));
    expect(unknown.response.status).toBe(400);
    expect(unknown.response.body).toContain('<Code>InvalidAction</Code>');
    // An action IAM has but awsmesh does not implement is not "unknown": 501 (not-implemented.test.ts).
    const unimplemented = await call(wire('POST', '/', 'Action=CreateGroup&Version=2010-05-08', { 'content-type': form }));
    expect(unimplemented.response.status).toBe(501);
    expect(unimplemented.response.body).toContain('<Code>NotImplementedException</Code>');
    const missing = await call(wire('POST', '/', 'Version=2010-05-08', { 'content-type': form }));
    expect(missing.response.body).toContain('<Code>InvalidAction</Code>');
    const malformed = await call(wire('POST', '/', 'Action=GetRole&RoleName=%zz', { 'content-type': form }));
    expect(malformed.response.status).toBe(400);
    expect(malformed.response.body).toContain('<Code>MalformedQueryString</Code>');
    expect(backend.calls).toHaveLength(0);
  });

  test('GET with the query in the URL works too', async () => {
    const { backend, call } = setup(() => ({ Roles: [], IsTruncated: false }));
    const res = await call(wire('GET', '/?Action=ListRoles&Version=2010-05-08&MaxItems=10'));
    expect(backend.calls[0].input).toEqual({ MaxItems: 10 });
    expect(res.response.body).toContain('<ListRolesResult><Roles></Roles><IsTruncated>false</IsTruncated></ListRolesResult>');
  });
});

describe('Cloud Map json-1.1', () => {
  const target = (op: string) => ({ 'x-amz-target': `Route53AutoNaming_v20170314.${op}`, 'content-type': 'application/x-amz-json-1.1' });

  test('X-Amz-Target names the operation; body members are the input; timestamps are epoch seconds', async () => {
    const { backend, call } = setup(() => ({ Operation: { Id: 'op-1', Status: 'SUCCESS', CreateDate: T, Targets: { NAMESPACE: 'ns-1' } } }));
    const res = await call(wire('POST', '/', JSON.stringify({ OperationId: 'op-1', Extra: true }), target('GetOperation')));
    expect(backend.calls[0]).toMatchObject({ service: 'servicediscovery', operation: 'GetOperation', input: { OperationId: 'op-1' } });
    expect(res.response.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(res.response.body)).toEqual({ Operation: { Id: 'op-1', Status: 'SUCCESS', CreateDate: T.getTime() / 1000, Targets: { NAMESPACE: 'ns-1' } } });
  });

  test('errors are {"__type", "Message"} plus the error shape fields', async () => {
    const { call } = setup(() => {
      throw new ServiceError('NamespaceAlreadyExists', 'Namespace apps.local already exists.', { fields: { NamespaceId: 'ns-1', CreatorRequestId: 'c' } });
    });
    const res = await call(wire('POST', '/', JSON.stringify({ Name: 'apps.local', Vpc: 'vpc-1' }), target('CreatePrivateDnsNamespace')));
    expect(res.response.status).toBe(400);
    expect(JSON.parse(res.response.body)).toEqual({ __type: 'NamespaceAlreadyExists', Message: 'Namespace apps.local already exists.', NamespaceId: 'ns-1', CreatorRequestId: 'c' });
  });

  test('validation failures are InvalidInput; bad JSON is SerializationException; unknown targets are rejected', async () => {
    const { backend, call } = setup();
    const invalid = await call(wire('POST', '/', JSON.stringify({ Vpc: 'vpc-1' }), target('CreatePrivateDnsNamespace')));
    expect(invalid.response.status).toBe(400);
    expect(JSON.parse(invalid.response.body)).toMatchObject({ __type: 'InvalidInput', Message: expect.stringContaining('Name') });
    const bad = await call(wire('POST', '/', '{', target('ListNamespaces')));
    expect(JSON.parse(bad.response.body).__type).toBe('SerializationException');
    const unknown = await call(wire('POST', '/', '{}', target('DeleteEverything')));
    expect(unknown.response.status).toBe(400);
    expect(JSON.parse(unknown.response.body).__type).toBe('UnknownOperationException');
    expect(backend.calls).toHaveLength(0);
  });
});

describe('routing', () => {
  test('the SigV4 credential scope picks the service and the region', async () => {
    const { backend, call } = setup(() => ({}));
    const auth = (svc: string, region: string) => ({
      authorization: `AWS4-HMAC-SHA256 Credential=AKID/20261125/${region}/${svc}/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
    });
    await call(wire('GET', '/v20190125/meshes', '', auth('appmesh', 'eu-west-1')));
    await call(wire('POST', '/', 'Action=ListRoles&Version=2010-05-08', { ...auth('iam', 'us-east-1'), 'content-type': 'application/x-www-form-urlencoded' }));
    await call(wire('POST', '/', '{}', { ...auth('servicediscovery', 'ap-south-1'), 'x-amz-target': 'Route53AutoNaming_v20170314.ListNamespaces' }));
    expect(backend.calls.map((c) => [c.service, c.operation, c.ctx.region])).toEqual([
      ['appmesh', 'ListMeshes', 'eu-west-1'],
      ['iam', 'ListRoles', 'us-east-1'],
      ['servicediscovery', 'ListNamespaces', 'ap-south-1'],
    ]);
  });

  test('pre-signed query credentials also give service and region', async () => {
    const { backend, call } = setup(() => ({}));
    await call(wire('GET', '/v20190125/meshes?X-Amz-Credential=AKID%2F20261125%2Feu-central-1%2Fappmesh%2Faws4_request&X-Amz-Signature=00'));
    expect(backend.calls[0].ctx.region).toBe('eu-central-1');
  });
});
