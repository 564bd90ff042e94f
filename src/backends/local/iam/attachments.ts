// Attaching managed policies to roles, and the two views of that relation.

import type { Input, Output } from '../../backend';
import type { ProviderContext } from '../provider';
import {
  allRoles, iamNow, iamPage, iamPartition, matchesPathPrefix, requirePolicy, requireRole, saveRole,
} from './entities';
import { iamError, quotaExceeded } from './errors';
import { sortByKey } from './paging';

export const MAX_POLICIES_PER_ROLE = 10;

/** Name and path are part of a policy ARN: arn:aws:iam::<acct>:policy<path><name>. */
function splitPolicyArn(arn: string): { name: string; path: string } {
  const rest = arn.slice(arn.indexOf(':policy/') + ':policy'.length);
  const cut = rest.lastIndexOf('/') + 1;
  return { path: rest.slice(0, cut), name: rest.slice(cut) };
}

export async function attachRolePolicy(input: Input, ctx: ProviderContext): Promise<Output> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn as string;
    const { row, role } = await requireRole(tx, input.RoleName as string);
    const policy = await requirePolicy(tx, ctx, arn, `Policy ${arn} does not exist or is not attachable.`);
    if (policy.kind === 'aws' && !policy.policy.attachable) {
      throw iamError('PolicyNotAttachable', 'Cannot attach a Service Role Policy to a Customer Role.');
    }
    if (role.AttachedPolicies.includes(arn)) return {};
    if (role.AttachedPolicies.length >= MAX_POLICIES_PER_ROLE) throw quotaExceeded('PoliciesPerRole', MAX_POLICIES_PER_ROLE);
    role.AttachedPolicies.push(arn);
    await saveRole(tx, role, row, iamNow(ctx));
    return {};
  });
}

export async function detachRolePolicy(input: Input, ctx: ProviderContext): Promise<Output> {
  return ctx.store.write(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn as string;
    const { row, role } = await requireRole(tx, input.RoleName as string);
    await requirePolicy(tx, ctx, arn);
    if (!role.AttachedPolicies.includes(arn)) throw iamError('NoSuchEntity', `Policy ${arn} was not found.`);
    role.AttachedPolicies = role.AttachedPolicies.filter((a) => a !== arn);
    await saveRole(tx, role, row, iamNow(ctx));
    return {};
  });
}

export async function listAttachedRolePolicies(input: Input, ctx: ProviderContext): Promise<Output> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const { role } = await requireRole(tx, input.RoleName as string);
    const attached = role.AttachedPolicies
      .map((arn) => ({ arn, ...splitPolicyArn(arn) }))
      .filter((p) => matchesPathPrefix(p.path, input.PathPrefix));
    const byArn = (p: { arn: string }): string => p.arn;
    const { items, ...paging } = iamPage(sortByKey(attached, byArn), byArn, input);
    return { AttachedPolicies: items.map((p) => ({ PolicyName: p.name, PolicyArn: p.arn })), ...paging };
  });
}

export async function listEntitiesForPolicy(input: Input, ctx: ProviderContext): Promise<Output> {
  return ctx.store.read(iamPartition(ctx), async (tx) => {
    const arn = input.PolicyArn as string;
    await requirePolicy(tx, ctx, arn);
    const filter = input.EntityFilter as string | undefined;
    const usage = input.PolicyUsageFilter as string | undefined;
    // Only roles exist locally; users and groups are always empty.
    const roles = filter !== undefined && filter !== 'Role' ? [] : (await allRoles(tx)).filter((r) => {
      if (!matchesPathPrefix(r.Path, input.PathPrefix)) return false;
      const attached = r.AttachedPolicies.includes(arn);
      const boundary = r.PermissionsBoundary === arn;
      return usage === 'PermissionsPolicy' ? attached : usage === 'PermissionsBoundary' ? boundary : attached || boundary;
    });
    const { items, ...paging } = iamPage(roles, (r) => r.RoleName.toLowerCase(), input);
    return {
      PolicyGroups: [],
      PolicyUsers: [],
      PolicyRoles: items.map((r) => ({ RoleName: r.RoleName, RoleId: r.RoleId })),
      ...paging,
    };
  });
}
