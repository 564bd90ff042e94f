// What `awsmesh serve` needs from its own IAM to authenticate and authorize a caller: the secret
// and owner of an access key, and the policy documents that apply to that owner.

import type { Caller } from '../../backend';
import type { Store } from '../store/store';
import { findAccessKey } from './access-keys';
import { lookupPolicy, type ResolvedPolicy } from './entities';
import { findUser, type UserData } from './users';

export interface SigningIdentity {
  caller: Caller;
  secretAccessKey: string;
  active: boolean;
  /** Identity policies of the user: inline ones and the default version of each attached one. */
  policies: string[];
  /** The permissions boundary's document, when the user has one. */
  boundary?: string[];
}

function documentOf(p: ResolvedPolicy): string {
  if (p.kind === 'aws') return p.policy.document;
  return p.policy.Versions.find((v) => v.VersionId === p.policy.DefaultVersionId)?.Document ?? '{}';
}

/**
 * The identity an access key belongs to, with everything authorization needs, read in one
 * transaction. undefined when no such key (or its user) exists in `account`.
 */
export async function signingIdentity(store: Store, account: string, accessKeyId: string): Promise<SigningIdentity | undefined> {
  return store.read({ account, region: 'global' }, async (tx) => {
    const key = await findAccessKey(tx, accessKeyId);
    if (!key) return undefined;
    const found = await findUser(tx, key.UserName);
    if (!found) return undefined;
    const user: UserData = found.user;
    const ctx = { account } as Parameters<typeof lookupPolicy>[1];
    const policies = user.InlinePolicies.map((p) => p.Document);
    for (const arn of user.AttachedPolicies) {
      const p = await lookupPolicy(tx, ctx, arn);
      if (p) policies.push(documentOf(p));
    }
    let boundary: string[] | undefined;
    if (user.PermissionsBoundary) {
      const p = await lookupPolicy(tx, ctx, user.PermissionsBoundary);
      boundary = p ? [documentOf(p)] : [];
    }
    return {
      caller: { account, arn: user.Arn, userId: user.UserId, userName: user.UserName, accessKeyId },
      secretAccessKey: key.SecretAccessKey,
      active: key.Status === 'Active',
      policies,
      boundary,
    };
  });
}
