import { openHarness, type Harness } from './harness';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('App Mesh provider: clientToken idempotency', (store) => {
  let h: Harness;
  beforeEach(async () => {
    h = await openHarness(store);
  });
  afterEach(() => h.close());

  test('Create with the same token and request returns the first result again', async () => {
    const first = await h.call('CreateMesh', { meshName: 'apps', clientToken: 't-1' });
    const seq = await h.backend.store.changeSeq();
    const again = await h.call('CreateMesh', { meshName: 'apps', clientToken: 't-1' });
    expect(again).toEqual(first);
    expect(await h.backend.store.changeSeq()).toBe(seq); // nothing was written
    // Without a token (or with another one) the duplicate is a conflict as usual.
    expect((await h.fail('CreateMesh', { meshName: 'apps' })).code).toBe('ConflictException');
    expect((await h.fail('CreateMesh', { meshName: 'apps', clientToken: 't-2' })).message).toContain('already exists');
  });

  test('Update with the same token does not bump the version twice', async () => {
    await h.call('CreateMesh', { meshName: 'apps' });
    const spec = { egressFilter: { type: 'ALLOW_ALL' } };
    const u1 = await h.call('UpdateMesh', { meshName: 'apps', spec, clientToken: 'u' });
    const u2 = await h.call('UpdateMesh', { meshName: 'apps', spec: { egressFilter: { type: 'ALLOW_ALL' } }, clientToken: 'u' });
    expect(u2).toEqual(u1);
    expect(u1.mesh.metadata.version).toBe(2);
    expect((await h.call('DescribeMesh', { meshName: 'apps' })).mesh.metadata.version).toBe(2);
  });

  test('the same token with a different request is ConflictException (409) and changes nothing', async () => {
    await h.call('CreateMesh', { meshName: 'apps' });
    await h.call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'a', spec: {}, clientToken: 'tok' });
    const e = await h.fail('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'b', spec: {}, clientToken: 'tok' });
    expect([e.code, e.status]).toEqual(['ConflictException', 409]);
    expect(e.message).toMatch(/client token that was used for a previous update resource call with different specifications/);
    expect((await h.call('ListVirtualNodes', { meshName: 'apps' })).virtualNodes.map((n: any) => n.virtualNodeName)).toEqual(['a']);
    await h.call('UpdateVirtualNode', { meshName: 'apps', virtualNodeName: 'a', spec: {}, clientToken: 'upd' });
    const e2 = await h.fail('UpdateVirtualNode', { meshName: 'apps', virtualNodeName: 'a', spec: { listeners: [] }, clientToken: 'upd' });
    expect(e2.code).toBe('ConflictException');
  });

  test('key order does not make two equal requests different', async () => {
    await h.call('CreateMesh', { meshName: 'apps' });
    const spec1 = { serviceDiscovery: { dns: { hostname: 'a', responseType: 'ENDPOINTS' } } };
    const spec2 = { serviceDiscovery: { dns: { responseType: 'ENDPOINTS', hostname: 'a' } } };
    const a = await h.call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'a', spec: spec1, clientToken: 'k' });
    const b = await h.call('CreateVirtualNode', { spec: spec2, virtualNodeName: 'a', clientToken: 'k', meshName: 'apps' });
    expect(b).toEqual(a);
  });

  test('tokens are scoped per operation and per region', async () => {
    await h.call('CreateMesh', { meshName: 'apps', clientToken: 'shared' });
    // Same token, other operation: a new request, not a conflict.
    const n = await h.call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'a', spec: {}, clientToken: 'shared' });
    expect(n.virtualNode.virtualNodeName).toBe('a');
    // Same token and request in another region: a separate mesh is created.
    const other = await h.call('CreateMesh', { meshName: 'apps', clientToken: 'shared' }, 'eu-west-1');
    expect(other.mesh.metadata.arn).toContain(':eu-west-1:');
  });

  test('a failed request does not consume its token', async () => {
    const e = await h.fail('CreateVirtualNode', { meshName: 'missing', virtualNodeName: 'a', spec: {}, clientToken: 'x' });
    expect(e.code).toBe('NotFoundException');
    await h.call('CreateMesh', { meshName: 'missing' });
    const ok = await h.call('CreateVirtualNode', { meshName: 'missing', virtualNodeName: 'a', spec: {}, clientToken: 'x' });
    expect(ok.virtualNode.metadata.version).toBe(1);
  });
});
