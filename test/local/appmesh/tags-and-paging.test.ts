import { openHarness, type Harness } from './harness';
import { describeEachStore } from '../../helpers/stores';

describeEachStore('App Mesh provider: tags and paging', (store) => {
  let h: Harness;
  let arn: string;
  beforeEach(async () => {
    h = await openHarness(store);
    arn = (await h.call('CreateMesh', { meshName: 'apps', tags: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }, { key: 'a', value: '3' }] })).mesh.metadata.arn;
  });
  afterEach(() => h.close());

  const tagsOf = async (resourceArn = arn) => (await h.call('ListTagsForResource', { resourceArn })).tags;
  const many = (n: number, prefix = 'k') => Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

  describe('tags', () => {
    test('create de-duplicates keys (later value wins); TagResource merges and returns {}', async () => {
      expect(await tagsOf()).toEqual([{ key: 'a', value: '3' }, { key: 'b', value: '2' }]);
      expect(await h.call('TagResource', { resourceArn: arn, tags: [{ key: 'b', value: 'x' }, { key: 'c', value: '' }, { key: 'c', value: 'y' }] })).toEqual({});
      expect(await tagsOf()).toEqual([{ key: 'a', value: '3' }, { key: 'b', value: 'x' }, { key: 'c', value: 'y' }]);
    });

    test('UntagResource removes keys; unknown keys are ignored', async () => {
      expect(await h.call('UntagResource', { resourceArn: arn, tagKeys: ['a', 'zzz'] })).toEqual({});
      expect(await tagsOf()).toEqual([{ key: 'b', value: '2' }]);
    });

    test('more than 50 tags is TooManyTagsException and none of them are applied', async () => {
      await h.call('TagResource', { resourceArn: arn, tags: many(48) }); // 2 + 48 = 50
      expect(await tagsOf()).toHaveLength(50);
      const e = await h.fail('TagResource', { resourceArn: arn, tags: [{ key: 'a', value: 'changed' }, { key: 'new', value: 'x' }] });
      expect([e.code, e.status]).toEqual(['TooManyTagsException', 400]);
      expect(e.message).toMatch(/limit is 50 user tags per resource.*None of the tags/);
      const tags = await tagsOf();
      expect(tags).toHaveLength(50);
      expect(tags[0]).toEqual({ key: 'a', value: '3' });
      // Re-tagging existing keys does not count twice.
      await h.call('TagResource', { resourceArn: arn, tags: [{ key: 'a', value: 'changed' }] });
    });

    test('works on every kind by ARN; a missing resource is NotFound, a malformed ARN BadRequest', async () => {
      const { virtualNode } = await h.call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: 'n', spec: {} });
      await h.call('TagResource', { resourceArn: virtualNode.metadata.arn, tags: [{ key: 'team', value: 'x' }] });
      expect(await tagsOf(virtualNode.metadata.arn)).toEqual([{ key: 'team', value: 'x' }]);
      expect(await tagsOf()).toHaveLength(2); // the mesh's tags are its own
      let e = await h.fail('TagResource', { resourceArn: `${arn}/virtualNode/missing`, tags: [] });
      expect([e.code, e.status]).toEqual(['NotFoundException', 404]);
      e = await h.fail('ListTagsForResource', { resourceArn: arn.replace('us-west-2', 'eu-west-1') });
      expect(e.code).toBe('NotFoundException');
      e = await h.fail('UntagResource', { resourceArn: 'not-an-arn', tagKeys: [] });
      expect(e.code).toBe('BadRequestException');
    });

    test('ListTagsForResource pages with limit/nextToken', async () => {
      await h.call('TagResource', { resourceArn: arn, tags: many(5) });
      const first = await h.call('ListTagsForResource', { resourceArn: arn, limit: 3 });
      expect(first.tags.map((t: any) => t.key)).toEqual(['a', 'b', 'k0']);
      const second = await h.call('ListTagsForResource', { resourceArn: arn, limit: 3, nextToken: first.nextToken });
      expect(second.tags.map((t: any) => t.key)).toEqual(['k1', 'k2', 'k3']);
      const third = await h.call('ListTagsForResource', { resourceArn: arn, limit: 3, nextToken: second.nextToken });
      expect(third).toEqual({ tags: [{ key: 'k4', value: 'v4' }] });
    });
  });

  describe('pagination', () => {
    async function nodes(n: number): Promise<void> {
      for (let i = 0; i < n; i++) await h.call('CreateVirtualNode', { meshName: 'apps', virtualNodeName: `n${String(i).padStart(3, '0')}`, spec: {} });
    }

    test('100 per page by default, then a nextToken; pages cover every item exactly once', async () => {
      h.env.AWSMESH_QUOTA_VIRTUAL_NODES_PER_MESH = '1000';
      await nodes(205);
      const seen: string[] = [];
      let token: string | undefined;
      const sizes: number[] = [];
      do {
        const page = await h.call('ListVirtualNodes', { meshName: 'apps', nextToken: token });
        sizes.push(page.virtualNodes.length);
        seen.push(...page.virtualNodes.map((v: any) => v.virtualNodeName));
        token = page.nextToken;
      } while (token);
      expect(sizes).toEqual([100, 100, 5]);
      expect(seen).toEqual([...seen].sort());
      expect(new Set(seen).size).toBe(205);
    });

    test('limit sizes pages; the last page has no nextToken; keyset resumes after deleted items', async () => {
      await nodes(5);
      const p1 = await h.call('ListVirtualNodes', { meshName: 'apps', limit: 2 });
      expect(p1.virtualNodes.map((v: any) => v.virtualNodeName)).toEqual(['n000', 'n001']);
      await h.call('DeleteVirtualNode', { meshName: 'apps', virtualNodeName: 'n001' });
      await h.call('DeleteVirtualNode', { meshName: 'apps', virtualNodeName: 'n002' });
      const p2 = await h.call('ListVirtualNodes', { meshName: 'apps', limit: 2, nextToken: p1.nextToken });
      expect(p2.virtualNodes.map((v: any) => v.virtualNodeName)).toEqual(['n003', 'n004']);
      expect(p2.nextToken).toBeUndefined();
      expect('nextToken' in p2).toBe(false);
    });

    test('a token is bound to its list: another list, a tampered token or another store is BadRequest', async () => {
      await nodes(3);
      await h.call('CreateMesh', { meshName: 'other' });
      for (const n of ['a', 'b']) await h.call('CreateVirtualNode', { meshName: 'other', virtualNodeName: n, spec: {} });
      const { nextToken } = await h.call('ListVirtualNodes', { meshName: 'apps', limit: 1 });
      expect(typeof nextToken).toBe('string');
      const wrongList = await h.fail('ListVirtualNodes', { meshName: 'other', nextToken });
      expect([wrongList.code, wrongList.status]).toEqual(['BadRequestException', 400]);
      expect((await h.fail('ListVirtualServices', { meshName: 'apps', nextToken })).code).toBe('BadRequestException');
      expect((await h.fail('ListVirtualNodes', { meshName: 'apps', nextToken }, 'eu-west-1')).code).toBe('NotFoundException');
      // Forge: same signature, payload pointing somewhere else.
      const [payload, sig] = nextToken.split('.');
      const body = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const forged = `${Buffer.from(JSON.stringify({ ...body, k: 'n001' })).toString('base64url')}.${sig}`;
      expect((await h.fail('ListVirtualNodes', { meshName: 'apps', nextToken: forged })).code).toBe('BadRequestException');
      expect((await h.fail('ListVirtualNodes', { meshName: 'apps', nextToken: 'garbage' })).code).toBe('BadRequestException');
      const other = await openHarness(store);
      try {
        await other.call('CreateMesh', { meshName: 'apps' });
        expect((await other.fail('ListVirtualNodes', { meshName: 'apps', nextToken })).code).toBe('BadRequestException');
      } finally {
        await other.close();
      }
    });

    test('limit outside 1..100 is BadRequest', async () => {
      expect((await h.fail('ListMeshes', { limit: 0 })).code).toBe('BadRequestException');
      expect((await h.fail('ListMeshes', { limit: 101 })).code).toBe('BadRequestException');
      expect((await h.call('ListMeshes', { limit: 100 })).meshes).toHaveLength(1);
    });
  });
});
