// The local Cloud Map provider through LocalBackend on a real SQLite file.

import { openHarness, type Harness, ACCOUNT, REGION } from '../iam/harness';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('Cloud Map provider', (store) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(store);
  });
  afterEach(async () => {
    await h.close();
  });

  const sd = (op: string, input: Record<string, unknown> = {}, region?: string) => h.call('servicediscovery', op, input, region);
  const sdFail = (op: string, input: Record<string, unknown> = {}) => h.fail('servicediscovery', op, input);

  async function namespace(name = 'apps.local', type = 'CreateHttpNamespace', extra: Record<string, unknown> = {}): Promise<string> {
    const { OperationId } = await sd(type, { Name: name, ...extra });
    const { Operation } = (await sd('GetOperation', { OperationId })) as { Operation: { Targets: { NAMESPACE: string } } };
    return Operation.Targets.NAMESPACE;
  }

  async function service(namespaceId: string, name = 'serviceb', extra: Record<string, unknown> = {}): Promise<string> {
    const { Service } = (await sd('CreateService', { Name: name, NamespaceId: namespaceId, ...extra })) as { Service: { Id: string } };
    return Service.Id;
  }

  const register = (serviceId: string, id: string, attrs: Record<string, string>, extra: Record<string, unknown> = {}) =>
    sd('RegisterInstance', { ServiceId: serviceId, InstanceId: id, Attributes: attrs, ...extra });

  describe('namespaces and operations', () => {
    test('CreateHttpNamespace returns an operation that reports SUCCESS with its target', async () => {
      h.clock.now = 1_780_000_100.5;
      const { OperationId } = await sd('CreateHttpNamespace', { Name: 'apps.local', Description: 'demo' });
      expect(OperationId).toMatch(/^[a-z0-9]{32}-[a-z0-9]{8}$/);
      const { Operation } = (await sd('GetOperation', { OperationId })) as { Operation: Record<string, unknown> & { Targets: { NAMESPACE: string } } };
      expect(Operation).toEqual({
        Id: OperationId, Type: 'CREATE_NAMESPACE', Status: 'SUCCESS', CreateDate: 1_780_000_100.5, UpdateDate: 1_780_000_100.5,
        Targets: { NAMESPACE: expect.stringMatching(/^ns-[a-z0-9]{16}$/) },
      });
      const id = Operation.Targets.NAMESPACE;
      const { Namespace } = await sd('GetNamespace', { Id: id });
      expect(Namespace).toEqual({
        Id: id, Arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/${id}`, ResourceOwner: ACCOUNT,
        Name: 'apps.local', Type: 'HTTP', Description: 'demo', ServiceCount: 0,
        Properties: { HttpProperties: { HttpName: 'apps.local' } }, CreateDate: 1_780_000_100.5,
      });
      expect((await sd('GetNamespace', { Id: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/${id}` })).Namespace).toMatchObject({ Id: id });
      const missing = await sdFail('GetOperation', { OperationId: 'nope' });
      expect([missing.code, missing.status]).toEqual(['OperationNotFound', 400]);
    });

    test('DNS namespaces get a hosted zone and SOA; names are unique across types', async () => {
      const id = await namespace('corp.local', 'CreatePrivateDnsNamespace', { Vpc: 'vpc-1', Properties: { DnsProperties: { SOA: { TTL: 60 } } } });
      const { Namespace } = (await sd('GetNamespace', { Id: id })) as { Namespace: { Type: string; Properties: { DnsProperties: { HostedZoneId: string; SOA: object } } } };
      expect(Namespace.Type).toBe('DNS_PRIVATE');
      expect(Namespace.Properties.DnsProperties.HostedZoneId).toMatch(/^Z[A-Z0-9]{20}$/);
      expect(Namespace.Properties.DnsProperties.SOA).toEqual({ TTL: 60 });
      const dup = await sdFail('CreateHttpNamespace', { Name: 'CORP.local' });
      expect(dup.code).toBe('NamespaceAlreadyExists');
      expect(dup.fields).toMatchObject({ NamespaceId: id });
    });

    test('CreatorRequestId: a retry returns the first operation, another request with it is DuplicateRequest', async () => {
      const first = await sd('CreateHttpNamespace', { Name: 'a.local', CreatorRequestId: 'req-1' });
      const retry = await sd('CreateHttpNamespace', { Name: 'a.local', CreatorRequestId: 'req-1' });
      expect(retry.OperationId).toBe(first.OperationId);
      const dup = await sdFail('CreateHttpNamespace', { Name: 'b.local', CreatorRequestId: 'req-1' });
      expect(dup.code).toBe('DuplicateRequest');
      expect(dup.fields).toEqual({ DuplicateOperationId: first.OperationId });
      expect(((await sd('ListNamespaces')).Namespaces as object[]).length).toBe(1);
      // Different request ids for the same name is a real conflict.
      const clash = await sdFail('CreateHttpNamespace', { Name: 'a.local', CreatorRequestId: 'req-2' });
      expect(clash.code).toBe('NamespaceAlreadyExists');
      expect(clash.fields).toMatchObject({ CreatorRequestId: 'req-1' });
    });

    test('ListNamespaces filters and pages', async () => {
      await namespace('a.local');
      await namespace('b.corp', 'CreatePrivateDnsNamespace', { Vpc: 'vpc-1' });
      await namespace('c.example.com', 'CreatePublicDnsNamespace');
      const names = async (input: Record<string, unknown>) =>
        ((await sd('ListNamespaces', input)).Namespaces as { Name: string }[]).map((n) => n.Name).sort();
      expect(await names({ Filters: [{ Name: 'TYPE', Values: ['HTTP'] }] })).toEqual(['a.local']);
      expect(await names({ Filters: [{ Name: 'TYPE', Values: ['DNS_PRIVATE', 'DNS_PUBLIC'], Condition: 'IN' }] })).toEqual(['b.corp', 'c.example.com']);
      expect(await names({ Filters: [{ Name: 'NAME', Values: ['b.'], Condition: 'BEGINS_WITH' }] })).toEqual(['b.corp']);
      expect((await sdFail('ListNamespaces', { Filters: [{ Name: 'TYPE', Values: ['HTTP'], Condition: 'BETWEEN' }] })).code).toBe('InvalidInput');
      expect((await sdFail('ListNamespaces', { Filters: [{ Name: 'TYPE', Values: ['HTTP', 'DNS_PUBLIC'] }] })).code).toBe('InvalidInput');

      const p1 = await sd('ListNamespaces', { MaxResults: 2 });
      expect((p1.Namespaces as object[]).length).toBe(2);
      const p2 = await sd('ListNamespaces', { MaxResults: 2, NextToken: p1.NextToken });
      expect((p2.Namespaces as object[]).length).toBe(1);
      expect(p2).not.toHaveProperty('NextToken');
      expect((await sdFail('ListNamespaces', { NextToken: 'bogus' })).code).toBe('InvalidInput');
    });

    test('update, delete, ResourceInUse and NamespaceNotFound; state is per region', async () => {
      const id = await namespace();
      const upd = await sd('UpdateHttpNamespace', { Id: id, Namespace: { Description: 'new' } });
      expect(((await sd('GetOperation', upd)) as { Operation: { Type: string } }).Operation.Type).toBe('UPDATE_NAMESPACE');
      expect((await sd('GetNamespace', { Id: id })).Namespace).toMatchObject({ Description: 'new' });
      expect((await sdFail('UpdatePrivateDnsNamespace', { Id: id, Namespace: { Description: 'x' } })).code).toBe('InvalidInput');

      expect((await sd('ListNamespaces', {}, 'eu-west-1')).Namespaces).toEqual([]);

      const srv = await service(id);
      const inUse = await sdFail('DeleteNamespace', { Id: id });
      expect(inUse.code).toBe('ResourceInUse');
      await sd('DeleteService', { Id: srv });
      const del = await sd('DeleteNamespace', { Id: id });
      expect(((await sd('GetOperation', del)) as { Operation: { Type: string; Status: string } }).Operation).toMatchObject({ Type: 'DELETE_NAMESPACE', Status: 'SUCCESS' });
      expect((await sdFail('GetNamespace', { Id: id })).code).toBe('NamespaceNotFound');
    });
  });

  describe('services', () => {
    test('CreateService in HTTP and DNS namespaces; ids, types, counts', async () => {
      const http = await namespace();
      h.clock.now = 1_780_000_200;
      const { Service } = (await sd('CreateService', { Name: 'serviceb', NamespaceId: http, CreatorRequestId: 'c1' })) as { Service: Record<string, unknown> };
      expect(Service).toEqual({
        Id: expect.stringMatching(/^srv-[a-z0-9]{16}$/),
        Arn: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/${Service.Id}`,
        ResourceOwner: ACCOUNT, Name: 'serviceb', NamespaceId: http, InstanceCount: 0, Type: 'HTTP',
        CreateDate: 1_780_000_200, CreatorRequestId: 'c1', CreatedByAccount: ACCOUNT,
      });
      expect((await sd('GetNamespace', { Id: http })).Namespace).toMatchObject({ ServiceCount: 1 });

      const dns = await namespace('corp.local', 'CreatePrivateDnsNamespace', { Vpc: 'vpc-1' });
      const { Service: d } = (await sd('CreateService', { Name: 'api', NamespaceId: dns, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } })) as { Service: Record<string, unknown> };
      expect(d).toMatchObject({ Type: 'DNS_HTTP', DnsConfig: { NamespaceId: dns, RoutingPolicy: 'MULTIVALUE', DnsRecords: [{ Type: 'A', TTL: 10 }] } });

      const listed = await sd('ListServices', { Filters: [{ Name: 'NAMESPACE_ID', Values: [dns] }] });
      expect((listed.Services as { Name: string }[]).map((s) => s.Name)).toEqual(['api']);
      expect((listed.Services as object[])[0]).not.toHaveProperty('NamespaceId');
    });

    test('configuration errors are InvalidInput; duplicates ServiceAlreadyExists; missing namespace NamespaceNotFound', async () => {
      const http = await namespace();
      const priv = await namespace('corp.local', 'CreatePrivateDnsNamespace', { Vpc: 'vpc-1' });
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ NamespaceId: http, DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } }, 'not valid for services in HTTP namespace'],
        [{ NamespaceId: priv, HealthCheckCustomConfig: {}, HealthCheckConfig: { Type: 'HTTP' } }, 'cannot both be specified'],
        [{ NamespaceId: priv, HealthCheckConfig: { Type: 'HTTP' } }, 'only valid in public DNS namespaces'],
        [{ NamespaceId: priv, DnsConfig: { DnsRecords: [{ Type: 'CNAME', TTL: 10 }, { Type: 'A', TTL: 10 }] } }, 'CNAME record cannot be combined'],
        [{}, 'NamespaceId is required'],
      ];
      for (const [extra, reason] of cases) {
        const e = await sdFail('CreateService', { Name: 'x', ...extra });
        expect(e.code).toBe('InvalidInput');
        expect(e.message).toContain(reason);
      }
      expect((await sd('ListServices')).Services).toEqual([]);
      const id = await service(http, 'serviceb', { CreatorRequestId: 'first' });
      const dup = await sdFail('CreateService', { Name: 'ServiceB', NamespaceId: http });
      expect(dup.code).toBe('ServiceAlreadyExists');
      expect(dup.fields).toMatchObject({ ServiceId: id, CreatorRequestId: 'first' });
      expect((await sdFail('CreateService', { Name: 'y', NamespaceId: 'ns-0000000000000000' })).code).toBe('NamespaceNotFound');
      expect((await sdFail('GetService', { Id: 'srv-0000000000000000' })).code).toBe('ServiceNotFound');
    });

    test('UpdateService records an operation; DeleteService refuses while instances exist', async () => {
      const dns = await namespace('corp.local', 'CreatePrivateDnsNamespace', { Vpc: 'vpc-1' });
      const id = await service(dns, 'api', { DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 10 }] } });
      const { OperationId } = await sd('UpdateService', { Id: id, Service: { Description: 'd', DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 60 }] } } });
      expect(((await sd('GetOperation', { OperationId })) as { Operation: object }).Operation).toMatchObject({ Type: 'UPDATE_SERVICE', Targets: { SERVICE: id } });
      expect((await sd('GetService', { Id: id })).Service).toMatchObject({ Description: 'd', DnsConfig: { DnsRecords: [{ Type: 'A', TTL: 60 }] } });
      await register(id, 'i-1', { AWS_INSTANCE_IPV4: '10.0.0.1' });
      expect((await sd('GetService', { Id: id })).Service).toMatchObject({ InstanceCount: 1 });
      expect((await sdFail('DeleteService', { Id: id })).code).toBe('ResourceInUse');
      await sd('DeregisterInstance', { ServiceId: id, InstanceId: 'i-1' });
      expect(await sd('DeleteService', { Id: id })).toEqual({});
    });

    test('service attributes: merge, delete, at most 30', async () => {
      const id = await service(await namespace());
      await sd('UpdateServiceAttributes', { ServiceId: id, Attributes: { a: '1', b: '2' } });
      await sd('UpdateServiceAttributes', { ServiceId: id, Attributes: { b: '3' } });
      await sd('DeleteServiceAttributes', { ServiceId: id, Attributes: ['a'] });
      const got = (await sd('GetServiceAttributes', { ServiceId: id })) as { ServiceAttributes: object };
      expect(got.ServiceAttributes).toEqual({ ServiceArn: expect.stringContaining(id), ResourceOwner: ACCOUNT, Attributes: { b: '3' } });
      const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, 'v']));
      expect((await sdFail('UpdateServiceAttributes', { ServiceId: id, Attributes: many })).code).toBe('ServiceAttributesLimitExceededException');
    });
  });

  describe('instances', () => {
    let ns: string;
    let srv: string;
    beforeEach(async () => {
      ns = await namespace();
      srv = await service(ns);
    });

    test('RegisterInstance: operation, re-registration replaces attributes, list and get', async () => {
      const { OperationId } = await register(srv, 'i-1', { AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INSTANCE_PORT: '80', version: 'v1' }, { CreatorRequestId: 'r1' });
      expect(((await sd('GetOperation', { OperationId })) as { Operation: object }).Operation).toMatchObject({
        Type: 'REGISTER_INSTANCE', Status: 'SUCCESS', Targets: { INSTANCE: 'i-1', SERVICE: srv },
      });
      await register(srv, 'i-1', { AWS_INSTANCE_IPV4: '10.0.0.2' });
      expect(await sd('GetInstance', { ServiceId: srv, InstanceId: 'i-1' })).toEqual({
        ResourceOwner: ACCOUNT, Instance: { Id: 'i-1', Attributes: { AWS_INSTANCE_IPV4: '10.0.0.2' }, CreatedByAccount: ACCOUNT },
      });
      for (const id of ['i-3', 'i-2']) await register(srv, id, { AWS_INSTANCE_IPV4: '10.0.0.9' });
      const p1 = await sd('ListInstances', { ServiceId: srv, MaxResults: 2 });
      expect((p1.Instances as { Id: string }[]).map((i) => i.Id)).toEqual(['i-1', 'i-2']);
      const p2 = await sd('ListInstances', { ServiceId: srv, MaxResults: 2, NextToken: p1.NextToken });
      expect((p2.Instances as { Id: string }[]).map((i) => i.Id)).toEqual(['i-3']);
      expect((await sdFail('GetInstance', { ServiceId: srv, InstanceId: 'i-9' })).code).toBe('InstanceNotFound');
      expect((await sdFail('DeregisterInstance', { ServiceId: srv, InstanceId: 'i-9' })).code).toBe('InstanceNotFound');
      const dup = await sdFail('RegisterInstance', { ServiceId: srv, InstanceId: 'i-4', Attributes: {}, CreatorRequestId: 'r1' });
      expect(dup.code).toBe('DuplicateRequest');
    });

    test('reserved attribute rules and the 30-attribute limit leave no instance behind', async () => {
      const dns = await namespace('corp.local', 'CreatePrivateDnsNamespace', { Vpc: 'vpc-1' });
      const srvA = await service(dns, 'api', { DnsConfig: { DnsRecords: [{ Type: 'SRV', TTL: 10 }] } });
      const cases: Array<[string, Record<string, string>, string]> = [
        [srv, { AWS_INSTANCE_IPV4: '10.0.0.300' }, 'not a valid IPv4'],
        [srv, { AWS_INSTANCE_IPV6: 'fe80::zz' }, 'not a valid IPv6'],
        [srv, { AWS_INSTANCE_PORT: '70000' }, 'not a port number'],
        [srv, { AWS_INIT_HEALTH_STATUS: 'MAYBE' }, 'HEALTHY or UNHEALTHY'],
        [srv, Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`k${i}`, 'v'])), 'at most 30 attributes'],
        [srvA, { AWS_INSTANCE_IPV4: '10.0.0.1' }, 'SRV record'],
      ];
      for (const [service, attrs, reason] of cases) {
        const e = await sdFail('RegisterInstance', { ServiceId: service, InstanceId: 'bad', Attributes: attrs });
        expect(e.code).toBe('InvalidInput');
        expect(e.message).toContain(reason);
      }
      expect((await sd('ListInstances', { ServiceId: srv })).Instances).toEqual([]);
      await register(srvA, 'ok', { AWS_INSTANCE_IPV4: '10.0.0.1', AWS_INSTANCE_PORT: '8080' });
    });
  });

  describe('discovery and health', () => {
    test('query parameters must all match; optional ones narrow only when they can', async () => {
      const srv = await service(await namespace());
      await register(srv, 'a', { AWS_INSTANCE_IPV4: '10.0.0.1', stage: 'prod', zone: 'a' });
      await register(srv, 'b', { AWS_INSTANCE_IPV4: '10.0.0.2', stage: 'prod', zone: 'b' });
      await register(srv, 'c', { AWS_INSTANCE_IPV4: '10.0.0.3', stage: 'dev', zone: 'a' });
      const ids = async (input: Record<string, unknown>) =>
        ((await sd('DiscoverInstances', { NamespaceName: 'apps.local', ServiceName: 'serviceb', ...input })).Instances as { InstanceId: string }[]).map((i) => i.InstanceId);
      expect(await ids({ QueryParameters: { stage: 'prod' } })).toEqual(['a', 'b']);
      expect(await ids({ QueryParameters: { stage: 'prod', zone: 'a' } })).toEqual(['a']);
      expect(await ids({ QueryParameters: { stage: 'prod' }, OptionalParameters: { zone: 'b' } })).toEqual(['b']);
      expect(await ids({ QueryParameters: { stage: 'prod' }, OptionalParameters: { zone: 'z' } })).toEqual(['a', 'b']);
      expect(await ids({ QueryParameters: { stage: 'qa' } })).toEqual([]);
      expect(await ids({ MaxResults: 2 })).toEqual(['a', 'b']);
      // No health checking: the filter is ignored and health is UNKNOWN.
      const all = await sd('DiscoverInstances', { NamespaceName: 'apps.local', ServiceName: 'serviceb', HealthStatus: 'UNHEALTHY' });
      expect((all.Instances as { HealthStatus: string }[]).map((i) => i.HealthStatus)).toEqual(['UNKNOWN', 'UNKNOWN', 'UNKNOWN']);
      expect((all.Instances as object[])[0]).toEqual({
        InstanceId: 'a', NamespaceName: 'apps.local', ServiceName: 'serviceb', HealthStatus: 'UNKNOWN',
        Attributes: { AWS_INSTANCE_IPV4: '10.0.0.1', stage: 'prod', zone: 'a' },
      });
      expect((await sdFail('DiscoverInstances', { NamespaceName: 'nope.local', ServiceName: 'serviceb' })).code).toBe('NamespaceNotFound');
      expect((await sdFail('DiscoverInstances', { NamespaceName: 'apps.local', ServiceName: 'nope' })).code).toBe('ServiceNotFound');
    });

    test('custom health: initial status, updates, filters, revision and GetInstancesHealthStatus', async () => {
      const srv = await service(await namespace(), 'serviceb', { HealthCheckCustomConfig: {} });
      await register(srv, 'a', { AWS_INSTANCE_IPV4: '10.0.0.1' });
      await register(srv, 'b', { AWS_INSTANCE_IPV4: '10.0.0.2', AWS_INIT_HEALTH_STATUS: 'UNHEALTHY' });
      const discover = async (HealthStatus?: string) => {
        const out = await sd('DiscoverInstances', { NamespaceName: 'apps.local', ServiceName: 'serviceb', ...(HealthStatus ? { HealthStatus } : {}) });
        return (out.Instances as { InstanceId: string }[]).map((i) => i.InstanceId);
      };
      expect(await discover()).toEqual(['a']);
      expect(await discover('UNHEALTHY')).toEqual(['b']);
      expect(await discover('ALL')).toEqual(['a', 'b']);
      const rev1 = (await sd('DiscoverInstancesRevision', { NamespaceName: 'apps.local', ServiceName: 'serviceb' })).InstancesRevision as number;

      await sd('UpdateInstanceCustomHealthStatus', { ServiceId: srv, InstanceId: 'a', Status: 'UNHEALTHY' });
      expect(await discover()).toEqual([]);
      expect(await discover('HEALTHY_OR_ELSE_ALL')).toEqual(['a', 'b']);
      const rev2 = (await sd('DiscoverInstancesRevision', { NamespaceName: 'apps.local', ServiceName: 'serviceb' })).InstancesRevision as number;
      expect(rev2).toBeGreaterThan(rev1);
      await sd('UpdateInstanceCustomHealthStatus', { ServiceId: srv, InstanceId: 'b', Status: 'HEALTHY' });
      expect(await discover('HEALTHY_OR_ELSE_ALL')).toEqual(['b']);

      expect(await sd('GetInstancesHealthStatus', { ServiceId: srv })).toEqual({ Status: { a: 'UNHEALTHY', b: 'HEALTHY' } });
      expect(await sd('GetInstancesHealthStatus', { ServiceId: srv, Instances: ['b'] })).toEqual({ Status: { b: 'HEALTHY' } });
      expect((await sdFail('GetInstancesHealthStatus', { ServiceId: srv, Instances: ['zz'] })).code).toBe('InstanceNotFound');
    });

    test('custom health status needs HealthCheckCustomConfig', async () => {
      const srv = await service(await namespace());
      await register(srv, 'a', { AWS_INSTANCE_IPV4: '10.0.0.1' });
      const e = await sdFail('UpdateInstanceCustomHealthStatus', { ServiceId: srv, InstanceId: 'a', Status: 'UNHEALTHY' });
      expect([e.code, e.status]).toEqual(['CustomHealthNotFound', 400]);
      expect((await sdFail('UpdateInstanceCustomHealthStatus', { ServiceId: srv, InstanceId: 'b', Status: 'HEALTHY' })).code).toBe('InstanceNotFound');
      expect(await sd('GetInstancesHealthStatus', { ServiceId: srv })).toEqual({ Status: { a: 'UNKNOWN' } });
    });
  });

  describe('tags and ListOperations', () => {
    test('tags on namespaces and services by ARN', async () => {
      const ns = await namespace('apps.local', 'CreateHttpNamespace', { Tags: [{ Key: 'team', Value: 'a' }] });
      const nsArn = `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/${ns}`;
      await sd('TagResource', { ResourceARN: nsArn, Tags: [{ Key: 'team', Value: 'b' }, { Key: 'env', Value: 'dev' }] });
      expect(await sd('ListTagsForResource', { ResourceARN: nsArn })).toEqual({ Tags: [{ Key: 'team', Value: 'b' }, { Key: 'env', Value: 'dev' }] });
      await sd('UntagResource', { ResourceARN: nsArn, TagKeys: ['team'] });
      expect(await sd('ListTagsForResource', { ResourceARN: nsArn })).toEqual({ Tags: [{ Key: 'env', Value: 'dev' }] });

      const srv = await service(ns);
      const srvArn = `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:service/${srv}`;
      await sd('TagResource', { ResourceARN: srvArn, Tags: [{ Key: 'k', Value: 'v' }] });
      expect(await sd('ListTagsForResource', { ResourceARN: srvArn })).toEqual({ Tags: [{ Key: 'k', Value: 'v' }] });
      const many = Array.from({ length: 50 }, (_, i) => ({ Key: `t${i}`, Value: 'v' }));
      const over = await sdFail('TagResource', { ResourceARN: srvArn, Tags: many });
      expect(over.code).toBe('TooManyTagsException');
      expect(over.fields).toEqual({ ResourceName: srvArn });
      const missing = await sdFail('ListTagsForResource', { ResourceARN: `arn:aws:servicediscovery:${REGION}:${ACCOUNT}:namespace/ns-0000000000000000` });
      expect(missing.code).toBe('ResourceNotFoundException');
    });

    test('ListOperations filters by type, status, target and update date', async () => {
      h.clock.now = 1000;
      const ns = await namespace();
      const srv = await service(ns);
      h.clock.now = 2000;
      await register(srv, 'i-1', {});
      h.clock.now = 3000;
      await sd('DeregisterInstance', { ServiceId: srv, InstanceId: 'i-1' });
      const types = async (Filters: object[]) => {
        const out = await sd('ListOperations', { Filters });
        const result = [];
        for (const o of out.Operations as { Id: string; Status: string }[]) {
          expect(o.Status).toBe('SUCCESS');
          result.push(((await sd('GetOperation', { OperationId: o.Id })) as { Operation: { Type: string } }).Operation.Type);
        }
        return result;
      };
      expect(await types([])).toEqual(['CREATE_NAMESPACE', 'REGISTER_INSTANCE', 'DEREGISTER_INSTANCE']);
      expect(await types([{ Name: 'TYPE', Values: ['REGISTER_INSTANCE', 'DEREGISTER_INSTANCE'], Condition: 'IN' }])).toEqual(['REGISTER_INSTANCE', 'DEREGISTER_INSTANCE']);
      expect(await types([{ Name: 'SERVICE_ID', Values: [srv] }, { Name: 'STATUS', Values: ['SUCCESS'] }])).toEqual(['REGISTER_INSTANCE', 'DEREGISTER_INSTANCE']);
      expect(await types([{ Name: 'NAMESPACE_ID', Values: [ns] }])).toEqual(['CREATE_NAMESPACE']);
      expect(await types([{ Name: 'UPDATE_DATE', Values: ['1500', '2500'], Condition: 'BETWEEN' }])).toEqual(['REGISTER_INSTANCE']);
      expect((await sdFail('ListOperations', { Filters: [{ Name: 'UPDATE_DATE', Values: ['1'], Condition: 'BETWEEN' }] })).code).toBe('InvalidInput');
    });
  });
});
