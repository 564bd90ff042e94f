// Tags on Cloud Map namespaces and services, addressed by ARN. At most 50 per resource; a key
// given again replaces its value.

import type { ServiceDiscoveryInput, ServiceDiscoveryOutput } from '../../../generated/servicediscovery-api';
import type { ProviderContext } from '../provider';
import type { StoreTx } from '../store/store';
import {
  asNamespace, asService, NAMESPACE, saveNamespace, saveService, sdPartition, SD, SERVICE,
  type NamespaceData, type ServiceData, type Tag,
} from './entities';
import { cloudMapError } from './errors';

export const MAX_TAGS = 50;

export function tagsInput(value: unknown): Tag[] {
  return Array.isArray(value) ? (value as Tag[]).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') })) : [];
}

export function checkTagCount(tags: Tag[], arn: string): void {
  if (tags.length > MAX_TAGS) {
    throw cloudMapError('TooManyTagsException', `A resource can have at most ${MAX_TAGS} tags.`, { ResourceName: arn });
  }
}

/** Loads the tagged resource, lets `change` edit its tags, and saves it. */
async function withTags(tx: StoreTx, ctx: ProviderContext, arn: string, change?: (tags: Tag[]) => Tag[]): Promise<Tag[]> {
  const row = await tx.getByArn(arn);
  if (!row || row.service !== SD || (row.kind !== NAMESPACE && row.kind !== SERVICE)) {
    throw cloudMapError('ResourceNotFoundException', `Resource not found: ${arn}`);
  }
  const resource = row.kind === NAMESPACE ? asNamespace(row) : asService(row);
  if (change) {
    resource.Tags = change(resource.Tags);
    checkTagCount(resource.Tags, arn);
    if (row.kind === NAMESPACE) await saveNamespace(tx, resource as NamespaceData, ctx.now());
    else await saveService(tx, resource as ServiceData, ctx.now());
  }
  return resource.Tags;
}

export async function tagResource(input: ServiceDiscoveryInput<'TagResource'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'TagResource'>> {
  const added = tagsInput(input.Tags);
  await ctx.store.write(sdPartition(ctx), (tx) => withTags(tx, ctx, input.ResourceARN, (tags) => [
    ...tags.filter((t) => !added.some((a) => a.Key === t.Key)),
    ...added,
  ]));
  return {};
}

export async function untagResource(input: ServiceDiscoveryInput<'UntagResource'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'UntagResource'>> {
  const keys = new Set(input.TagKeys ?? []);
  await ctx.store.write(sdPartition(ctx), (tx) => withTags(tx, ctx, input.ResourceARN, (tags) => tags.filter((t) => !keys.has(t.Key))));
  return {};
}

export async function listTagsForResource(input: ServiceDiscoveryInput<'ListTagsForResource'>, ctx: ProviderContext): Promise<ServiceDiscoveryOutput<'ListTagsForResource'>> {
  const tags = await ctx.store.read(sdPartition(ctx), (tx) => withTags(tx, ctx, input.ResourceARN));
  return { Tags: tags };
}
