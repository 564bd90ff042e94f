// TagResource, UntagResource and ListTagsForResource. Tags live beside the spec in the stored
// resource; they are not part of the spec, so Update* never touches them.

import type { AppMeshApi, AppMeshInput, AppMeshOutput } from '../../../generated/appmesh-api';
import type { ProviderContext } from '../provider';
import type { StoredResource, StoreTx } from '../store/store';
import { appMeshError, badRequest } from './errors';
import { SERVICE, dataOf } from './kinds';
import { partitionOf } from './lookups';
import { pageSize, readToken, signToken } from './paging';

export const MAX_TAGS = 50;

type Tag = { key: string; value: string };

/** Tags with duplicate keys collapsed: the later value wins, the first position is kept. */
export function normaliseTags(tags: unknown, base: Tag[] = []): Tag[] {
  const merged = new Map(base.map((t) => [t.key, t.value]));
  for (const t of Array.isArray(tags) ? (tags as Tag[]) : []) merged.set(String(t.key), t.value === undefined ? '' : String(t.value));
  return [...merged].map(([key, value]) => ({ key, value }));
}

const ARN = /^arn:aws[a-z-]*:appmesh:[^:]+:\d{12}:mesh\/.+/;

async function requireTagged(tx: StoreTx, arn: unknown): Promise<StoredResource> {
  const text = String(arn);
  if (!ARN.test(text)) throw badRequest(`${text} is not a valid App Mesh resource ARN.`);
  const r = await tx.getByArn(text);
  if (!r || r.service !== SERVICE) throw appMeshError('NotFoundException', `The resource ${text} is not present.`);
  return r;
}

async function tagResource(input: AppMeshInput<'TagResource'>, ctx: ProviderContext): Promise<AppMeshOutput<'TagResource'>> {
  return ctx.store.write(partitionOf(ctx), async (tx) => {
    const r = await requireTagged(tx, input.resourceArn);
    const data = dataOf(r);
    const tags = normaliseTags(input.tags, data.tags);
    if (tags.length > MAX_TAGS) {
      throw appMeshError(
        'TooManyTagsException',
        `The request exceeds the maximum allowed number of tags allowed per resource. The current limit is ${MAX_TAGS} user tags per resource. ` +
          'You must reduce the number of tags in the request. None of the tags in this request were applied.',
      );
    }
    await tx.put({ ...r, data: { ...data, tags } });
    return {};
  });
}

async function untagResource(input: AppMeshInput<'UntagResource'>, ctx: ProviderContext): Promise<AppMeshOutput<'UntagResource'>> {
  return ctx.store.write(partitionOf(ctx), async (tx) => {
    const r = await requireTagged(tx, input.resourceArn);
    const data = dataOf(r);
    const drop = new Set(input.tagKeys);
    const tags = data.tags.filter((t) => !drop.has(t.key));
    if (tags.length !== data.tags.length) await tx.put({ ...r, data: { ...data, tags } });
    return {};
  });
}

async function listTags(input: AppMeshInput<'ListTagsForResource'>, ctx: ProviderContext): Promise<AppMeshOutput<'ListTagsForResource'>> {
  return ctx.store.read(partitionOf(ctx), async (tx) => {
    const r = await requireTagged(tx, input.resourceArn);
    const limit = pageSize(input.limit, MAX_TAGS);
    const scope = JSON.stringify(['ListTagsForResource', ctx.account, ctx.region, r.arn]);
    const start = typeof input.nextToken === 'string' && input.nextToken !== ''
      ? Number(await readToken(ctx.store, scope, input.nextToken))
      : 0;
    const all = dataOf(r).tags;
    const out: AppMeshOutput<'ListTagsForResource'> = { tags: all.slice(start, start + limit) };
    if (start + limit < all.length) out.nextToken = await signToken(ctx.store, scope, String(start + limit));
    return out;
  });
}

export const tagHandlers: Pick<AppMeshApi<ProviderContext>, 'TagResource' | 'UntagResource' | 'ListTagsForResource'> = {
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTags,
};
