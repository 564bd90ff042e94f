// Fixtures the store tests share: two partitions of one account and a resource builder.

import type { Partition, StoredResource } from '../../src/backends/local/store/store';

export const P: Partition = { account: '111122223333', region: 'us-west-2' };
export const Q: Partition = { account: '111122223333', region: 'eu-west-1' };

/** A stored resource named `name` (kind `thing` of service `svc`), with `over` applied. */
export function res(name: string, over: Partial<StoredResource> = {}): StoredResource {
  return {
    service: 'svc', kind: 'thing', parent: '', name,
    arn: `arn:test:${over.parent ?? ''}/${name}`, data: { name }, createdAt: 1.5, updatedAt: 2.25, ...over,
  };
}
