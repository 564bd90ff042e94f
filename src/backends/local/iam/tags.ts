// IAM tags: keys compare without case, a request may not repeat a key, `aws:` is reserved, and an
// entity holds at most 50. TagRole merges (a new value replaces the old one, and the key takes the
// spelling of the latest request).

import { iamError, quotaExceeded } from './errors';
import type { Tag } from './entities';

export const MAX_TAGS = 50;

export function checkTagRequest(tags: Tag[]): void {
  const seen = new Set<string>();
  for (const t of tags) {
    const k = t.Key.toLowerCase();
    if (seen.has(k)) throw iamError('InvalidInput', 'Duplicate tag keys found. Please note that Tag keys are case insensitive.');
    seen.add(k);
    if (k.startsWith('aws:')) throw iamError('InvalidInput', `Tag key ${t.Key} is not valid: keys beginning with "aws:" are reserved for AWS use.`);
  }
}

export function mergeTags(existing: Tag[], added: Tag[]): Tag[] {
  checkTagRequest(added);
  const merged = existing.filter((t) => !added.some((a) => a.Key.toLowerCase() === t.Key.toLowerCase()));
  merged.push(...added.map((t) => ({ Key: t.Key, Value: t.Value })));
  if (merged.length > MAX_TAGS) throw quotaExceeded('TagsPerRole', MAX_TAGS);
  return merged;
}

export function removeTags(existing: Tag[], keys: string[]): Tag[] {
  const drop = new Set(keys.map((k) => k.toLowerCase()));
  return existing.filter((t) => !drop.has(t.Key.toLowerCase()));
}

export function tagsInput(value: unknown): Tag[] {
  return Array.isArray(value) ? (value as Tag[]).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') })) : [];
}
